#!/usr/bin/env python3
"""Writes tests/data/gguf/ with gguf-py (the pip package `gguf` 0.19.0, llama.cpp's own Python writer):

- metadata.gguf: one key of every GGUF value type (each integer width, float32/64, bool, string, arrays of
  integers, floats, strings, bools and an array of arrays), general.alignment 64, and four small tensors
  (F32, F16, Q8_0, BF16), so the reader is tested on a file llama.cpp's writer made. metadata.json lists what
  the file holds as gguf-py's GGUFReader reads it back (keys, values, tensor names, types, shapes, offsets).
- dequantize.gguf: one tensor per type attnviz dequantizes (F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
  Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, IQ4_XS), random blocks (random bytes, with the float16 scale fields
  drawn finite), and dequantize/<TYPE>.f32: gguf.quants.dequantize of each, raw little-endian float32.

Usage: scripts/make_gguf_fixtures.py   (in .venv-convert, which set-up makes with gguf 0.19.0)
"""
import json
import sys
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import GGUFReader, GGUFValueType as V, GGUFWriter
from gguf.constants import GGML_QUANT_SIZES
from gguf.quants import dequantize

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "gguf"

# where each type keeps its float16 scales (d, dmin) inside a block
HALF_FIELDS = {
    T.Q4_0: [0], T.Q4_1: [0, 2], T.Q5_0: [0], T.Q5_1: [0, 2], T.Q8_0: [0], T.Q2_K: [80, 82],
    T.Q3_K: [108], T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208], T.IQ4_NL: [0], T.IQ4_XS: [0],
}
BLOCKS = 24  # per quantized type: 24 blocks of 32 or 256 values, as 2 or more rows


def random_halves(rng, n):
    # finite float16 values of every magnitude, subnormals and zeros of both signs among them
    values = rng.integers(0, 1 << 16, n, dtype=np.uint16)
    exponent = (values >> 10) & 0x1F
    values = np.where(exponent == 0x1F, values & 0x83FF, values)
    values[:4] = [0x0000, 0x8000, 0x0001, 0x83FF]
    return values.astype(np.uint16)


def quantized_tensor(rng, qtype):
    block_elements, block_bytes = GGML_QUANT_SIZES[qtype]
    if qtype == T.F32:
        return rng.standard_normal((4, 64)).astype(np.float32), None
    if qtype == T.F16:
        return random_halves(rng, 4096).view(np.float16).reshape(16, 256), None
    if qtype == T.BF16:
        raw = rng.integers(0, 1 << 16, 1024, dtype=np.uint16)
        raw = np.where(((raw >> 7) & 0xFF) == 0xFF, raw & 0x807F, raw)  # no infinities or NaNs
        return raw.astype(np.uint16).view(np.uint8).reshape(8, 256), (8, 128)
    blocks = rng.integers(0, 256, (BLOCKS, block_bytes), dtype=np.uint8)
    for offset in HALF_FIELDS[qtype]:
        halves = random_halves(rng, BLOCKS)
        # scales of a sensible size as well as the extremes
        halves[BLOCKS // 2:] = (rng.standard_normal(BLOCKS - BLOCKS // 2) * 0.05).astype(np.float16).view(np.uint16)
        blocks[:, offset:offset + 2] = halves.view(np.uint8).reshape(BLOCKS, 2)
    rows = 2 if block_elements == 256 else 4
    return blocks.reshape(rows, -1), (rows, BLOCKS * block_elements // rows)


def write_dequantize(rng):
    types = [T.F32, T.F16, T.BF16, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0, T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K,
             T.Q6_K, T.IQ4_NL, T.IQ4_XS]
    writer = GGUFWriter(OUT / "dequantize.gguf", "dequantize")
    (OUT / "dequantize").mkdir(exist_ok=True)
    for qtype in types:
        data, shape = quantized_tensor(rng, qtype)
        # uint8 data is the blocks' bytes, row by row; gguf-py derives the element shape from the type
        writer.add_tensor(qtype.name, data, raw_dtype=qtype if shape is not None else None)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    for tensor in GGUFReader(OUT / "dequantize.gguf").tensors:
        values = dequantize(tensor.data, tensor.tensor_type).astype(np.float32)
        assert values.size == tensor.n_elements
        values.astype("<f4").tofile(OUT / "dequantize" / f"{tensor.name}.f32")


def write_metadata(rng):
    path = OUT / "metadata.gguf"
    writer = GGUFWriter(path, "llama")
    writer.add_custom_alignment(64)
    writer.add_name("attnviz metadata test")
    writer.add_uint8("test.uint8", 250)
    writer.add_int8("test.int8", -120)
    writer.add_uint16("test.uint16", 65000)
    writer.add_int16("test.int16", -32000)
    writer.add_uint32("test.uint32", 4_000_000_000)
    writer.add_int32("test.int32", -2_000_000_000)
    writer.add_uint64("test.uint64", 18_000_000_000_000_000_000)
    writer.add_int64("test.int64", -9_000_000_000_000_000_000)
    writer.add_float32("test.float32", 0.15625)
    writer.add_float64("test.float64", -1.0e300)
    writer.add_bool("test.bool", True)
    writer.add_string("test.string", "Grüße, ▁world")
    writer.add_array("test.array.int32", [1, -2, 3])
    writer.add_array("test.array.float32", [0.5, -0.25])
    writer.add_array("test.array.string", ["a", "", "ünï"])
    writer.add_array("test.array.bool", [True, False])
    writer.add_key_value("test.array.array", [[1, 2], [3]], V.ARRAY, V.ARRAY)
    writer.add_tensor("f32", rng.standard_normal((3, 32)).astype(np.float32))
    writer.add_tensor("f16", rng.standard_normal((2, 5, 32)).astype(np.float16))
    q8 = rng.integers(0, 256, (2, 34), dtype=np.uint8)
    q8[:, 0:2] = np.array([0.01], dtype=np.float16).view(np.uint8)
    writer.add_tensor("q8_0", q8, raw_dtype=T.Q8_0)
    writer.add_tensor("bf16", rng.integers(0, 0x3F00, 64, dtype=np.uint16).view(np.uint8).reshape(1, 128),
                      raw_dtype=T.BF16)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    reader = GGUFReader(path)
    listing = {"tensors": [], "keys": sorted(reader.fields)}
    for tensor in reader.tensors:
        listing["tensors"].append({"name": tensor.name, "type": tensor.tensor_type.name,
                                   "dims": [int(d) for d in tensor.shape],
                                   "offset": int(tensor.data_offset), "bytes": int(tensor.n_bytes)})
    (OUT / "metadata.json").write_text(json.dumps(listing, indent=1) + "\n")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(26)
    write_metadata(rng)
    write_dequantize(rng)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    sys.exit(main())

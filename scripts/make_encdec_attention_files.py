#!/usr/bin/env python3
"""Writes the encoder-decoder attention files `attnviz render`, `html --from` and `heads --from` are tested
on, into tests/data/render_files/encdec/, and the cross attention's alignment measures computed with NumPy
(alignment_measures.json).

The attentions are transformers' own: the "single" case of tests/data/reference/encdec/bart.json
(BartForConditionalGeneration on tests/data/models/encdec/bart, output_attentions=True: encoder [2, 4, 12, 12],
decoder [3, 4, 9, 9], cross [3, 4, 9, 12]), saved with np.savez as a notebook user saves them, with the sidecar
`attnviz dump` writes. The tiny checkpoint has no tokenizer, so each id is shown as a word of a made-up
vocabulary (ids 0-3 are BART's <s>, <pad>, </s>, <unk>). Then one bad file for each error attnviz must report.

Usage: .venv-ref/bin/python scripts/make_encdec_attention_files.py
Needs: numpy.
"""
import base64
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
OUT = DATA / "render_files" / "encdec"

SPECIAL = ["<s>", "<pad>", "</s>", "<unk>"]
WORDS = ("the cat sat on a mat and dog ran to park in sun was very happy it saw bird fly over tree "
         "le chat est sur un tapis et chien court au parc dans soleil tres content il voit oiseau "
         "vole arbre de la une qui").split()


def token(i):
    return SPECIAL[i] if i < len(SPECIAL) else WORDS[(i - len(SPECIAL)) % len(WORDS)]


def side(ids, text):
    display = [token(i) for i in ids]
    spans, at = [], 0
    for t, i in zip(display, ids):
        if i < len(SPECIAL):
            spans.append([at, at])
        else:
            at += 1 if spans else 0  # the space before each word but the first
            spans.append([at, at + len(t)])
            at += len(t)
    return {"display": display, "tokens": display, "special": [i < len(SPECIAL) for i in ids], "ids": ids,
            "type_ids": [0] * len(ids), "spans": spans, **({"text": text} if text else {})}


def alignment_measures(cross, band):
    """The alignment measures of include/attnviz/alignment_measures.hpp, written out in NumPy (float64)."""
    layers, heads, m, n = cross.shape
    a = cross.astype(np.float64)
    reference = a.sum(axis=(0, 1)).argmax(axis=1)  # the mean's argmax (the sum's is the same)
    centre = np.array([np.floor((q + 0.5) * n / m - 0.5 + 0.5) for q in range(m)])
    in_band = np.abs(np.arange(n)[None, :] - centre[:, None]) <= band
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(a > 0, a * np.log(a), 0.0)
    out = []
    for l in range(layers):
        for h in range(heads):
            w = a[l, h]
            out.append({"layer": l, "head": h, "diagonal": float((w * in_band).sum(axis=1).mean()),
                        "argmax_agreement": float((w.argmax(axis=1) == reference).mean()),
                        "entropy": float(-plogp[l, h].sum(axis=1).mean()), "confidence": float(w.max(axis=1).mean())})
    return {"band": band, "reference_alignment": reference.tolist(), "heads": out}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    reference = json.loads((DATA / "reference" / "encdec" / "bart.json").read_text())
    case = next(c for c in reference["cases"] if c["name"] == "single")
    source, target = case["source_ids"], case["decoder_ids"]
    n, m, heads = len(source), len(target), reference["heads"]

    def array(key, layers, queries, keys):
        values = np.frombuffer(base64.b64decode(case[key]), dtype="<f4")
        return values.reshape(layers, heads, queries, keys)

    parts = {"encoder": array("encoder_f32", reference["encoder_layers"], n, n),
             "decoder": array("decoder_f32", reference["decoder_layers"], m, m),
             "cross": array("cross_f32", reference["decoder_layers"], m, n)}
    source_side = side(source, " ".join(token(i) for i in source))
    target_side = side(target, " ".join(token(i) for i in case["labels"]))
    target_side["generated"] = False

    def write(name, arrays, meta_source=source_side, meta_target=target_side):
        # The good file as np.savez stores it; the bad ones deflated, as np.savez_compressed writes.
        (np.savez if name == "bart" else np.savez_compressed)(OUT / f"{name}.npz", **arrays)
        meta = {"model": "bart-tiny", "architecture": reference["model_class"], "kind": "encoder-decoder",
                "axes": ["layer", "head", "query", "key"],
                "arrays": {k: {"shape": list(v.shape), "queries": "source" if k == "encoder" else "target",
                               "keys": "target" if k == "decoder" else "source", "causal": k == "decoder"}
                           for k, v in arrays.items()},
                "source": meta_source, "target": meta_target, "npz": f"{name}.npz"}
        (OUT / f"{name}.json").write_text(json.dumps(meta, indent=1) + "\n")

    write("bart", parts)
    (OUT / "alignment_measures.json").write_text(json.dumps(alignment_measures(parts["cross"], band=1)) + "\n")
    # Bad files, each for one error.
    write("missing_decoder", {k: v for k, v in parts.items() if k != "decoder"})
    write("cross_keys", {**parts, "cross": np.ascontiguousarray(parts["cross"][..., :-1])})
    write("cross_layers", {**parts, "cross": parts["cross"][:-1]})
    write("short_target", parts, meta_target={**target_side, "display": target_side["display"][:-1]})
    scores = dict(parts, cross=parts["cross"] * 2)
    write("cross_scores", scores)


if __name__ == "__main__":
    main()

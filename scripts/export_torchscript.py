#!/usr/bin/env python3
"""Exports a Hugging Face model as a TorchScript module that attnviz runs without Python.

MODEL is a Hugging Face id (downloaded or taken from the Hugging Face cache) or a local model directory. The
model is loaded with transformers (eager attention, float32) and wrapped so that the traced module's

    forward(input_ids, attention_mask[, token_type_ids]) -> attentions [layers, batch, heads, n, n]

(all inputs int64 [batch, n], padded on the right, mask 1 for real tokens; token_type_ids only when the
tokenizer produces them). The trace is checked against transformers itself at other lengths, batch sizes,
padding, a sentence pair and the model's maximum length before anything is written. The check at the maximum
length holds every layer's attentions twice (transformers' and the trace's): where that does not fit in memory
(SmolLM2's 8,192 positions: 72 GB), it runs at the longest length that fits, says so, and the manifest records
the length checked ("checked_positions").

DIR (default models/<name>/) receives model.pt, the tokenizer files (tokenizer.save_pretrained) and
attnviz_manifest.json, which says what the module is (contract version, architecture, sizes, special tokens,
inputs, causal or not, and the torch and transformers versions that exported it). Then:

    attnviz --model DIR "some text"

Use the torch of the libtorch attnviz is linked with (1.13 for Debian's libtorch-dev): a model.pt saved by a
newer PyTorch may not load in an older libtorch. scripts/setup_reference_env.sh makes .venv-ref with it.
"""
import argparse
import copy
import inspect
import json
import math
import sys
import tempfile
import warnings
from pathlib import Path

CONTRACT_VERSION = 1
MANIFEST = "attnviz_manifest.json"
# Traced and eager attentions must agree this closely (they run the same kernels; 0 is usual).
TRACE_TOLERANCE = 1e-5
SAMPLE_TEXTS = [
    "The animal didn't cross the street because it was too tired.",
    "Hello world!",
    "The trophy doesn't fit into the brown suitcase because it is too large, said the man at the airport.",
]


class ExportError(Exception):
    """A problem the user can act on; printed as one line, exit status 1."""


def import_libraries():
    try:
        import torch
        import transformers
    except ImportError as e:
        raise ExportError(f"{e.name} is not installed: exporting needs torch and transformers "
                          "(scripts/setup_reference_env.sh makes .venv-ref with both)") from None
    return torch, transformers


def load(source, torch, transformers):
    try:
        model = transformers.AutoModel.from_pretrained(source, attn_implementation="eager",
                                                       torch_dtype=torch.float32)
    except OSError as e:
        raise ExportError(f"cannot load '{source}': it is not a model directory, and it is not in the Hugging "
                          f"Face cache or could not be downloaded (offline?). Check the id or pass a local "
                          f"directory. transformers said: {_first_line(e)}") from None
    except ValueError as e:
        raise ExportError(f"cannot load '{source}' with eager attention: {_first_line(e)}") from None
    if "output_attentions" not in inspect.signature(model.forward).parameters:
        raise ExportError(f"{type(model).__name__} ({source}) cannot return attentions (its forward takes no "
                          "output_attentions): attnviz needs a transformer with attention layers")
    try:
        tokenizer = transformers.AutoTokenizer.from_pretrained(source)
    except (OSError, ValueError) as e:
        raise ExportError(f"cannot load the tokenizer of '{source}': attnviz needs its tokenizer files. "
                          f"transformers said: {_first_line(e)}") from None
    return tokenizer, model.eval()


def _first_line(error):
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def input_names(tokenizer, config):
    """The inputs the module takes, in order: what the tokenizer gives the model. Token type ids only where the
    model has type embeddings (DeBERTa-v3's tokenizer makes them for a model with type_vocab_size 0)."""
    names = ["input_ids", "attention_mask"]
    if "token_type_ids" in tokenizer.model_input_names and getattr(config, "type_vocab_size", 0) > 0:
        names.append("token_type_ids")
    return names


def make_wrapper(torch, model, names):
    class Attentions(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, *inputs):
            outputs = self.model(**dict(zip(names, inputs)), output_attentions=True, return_dict=True)
            attentions = getattr(outputs, "attentions", None)
            if not attentions:
                raise ExportError(f"{type(model).__name__} returns no attentions (output_attentions=True gave "
                                  "none): attnviz needs a model with attention layers")
            return torch.stack(attentions)

    return Attentions().eval()


def padding_tokenizer(tokenizer):
    """A copy of the tokenizer that pads on the right as attnviz does, with a pad token: causal models often
    have none, and padded positions are masked, so any id serves. The saved tokenizer stays as it was."""
    padding = copy.deepcopy(tokenizer)
    padding.padding_side = "right"
    if padding.pad_token is None:
        padding.pad_token = tokenizer.eos_token or tokenizer.unk_token
    return padding


def batch_of(tokenizer, texts, pairs=None):
    args = (texts, pairs) if pairs is not None else (texts,)
    return tokenizer(*args, return_tensors="pt", padding=True)


def check_batches(torch, tokenizer, max_positions, vocab_size):
    """Inputs unlike the traced one: other lengths, batch sizes, padding, a pair, and max_positions (the
    longest length to check, see longest_checkable)."""
    batches = [
        batch_of(tokenizer, SAMPLE_TEXTS[1:2]),
        batch_of(tokenizer, SAMPLE_TEXTS),
        batch_of(tokenizer, SAMPLE_TEXTS[0:1], ["It was too wide."]),
    ]
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(0, vocab_size, (2, max_positions), generator=generator)
    mask = torch.ones_like(ids)
    mask[1, max_positions // 2:] = 0
    batches.append({"input_ids": ids, "attention_mask": mask, "token_type_ids": torch.zeros_like(ids)})
    return batches


def tensors(batch, names, device):
    return tuple(batch[name].to(device) for name in names)


def trace(torch, wrapper, tokenizer, names, device):
    example = batch_of(tokenizer, SAMPLE_TEXTS[:2])
    with torch.no_grad():
        try:
            wrapper(*tensors(example, names, device))
        except (TypeError, ValueError, RuntimeError) as e:
            raise ExportError(f"{type(wrapper.model).__name__} cannot run on {', '.join(names)} alone "
                              f"({_first_line(e)}): attnviz exports encoder-only and decoder-only models") from None
    with torch.no_grad(), warnings.catch_warnings():
        # The tracer warns about every Python-level shape check; check_trace below is what tells whether the
        # trace holds at other shapes.
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        return torch.jit.trace(wrapper, tensors(example, names, device), check_trace=False)


def check_trace(torch, traced, wrapper, batches, names, device):
    """Raises unless the traced module equals transformers on every batch; returns whether it is causal."""
    causal = True
    for batch in batches:
        inputs = tensors(batch, names, device)
        with torch.no_grad():
            try:
                expected = wrapper(*inputs)
            except (RuntimeError, IndexError) as e:
                raise ExportError(f"transformers itself fails on inputs of shape {list(inputs[0].shape)} "
                                  f"({_first_line(e)}); if that is longer than the model takes, pass a smaller "
                                  "--max-positions") from None
            try:
                actual = traced(*inputs)
            except Exception as e:
                raise ExportError(f"the traced module fails at shape {list(inputs[0].shape)}: {_first_line(e)}. "
                                  "This model cannot be traced for other lengths") from None
        lengths = batch["attention_mask"].sum(dim=1).tolist()
        difference = max(float((actual[:, b, :, :n, :n] - expected[:, b, :, :n, :n]).abs().max())
                         for b, n in enumerate(lengths))
        if actual.shape != expected.shape or difference > TRACE_TOLERANCE:
            raise ExportError(f"the traced module differs from transformers at shape {list(inputs[0].shape)} "
                              f"(max |difference| {difference:.3g}): this model cannot be traced for other lengths")
        for b, n in enumerate(lengths):
            upper = torch.triu(expected[:, b, :, :n, :n], diagonal=1)
            causal = causal and bool((upper == 0).all())
    return causal


# Bytes per element of the attentions, and how many copies of them one check of a batch holds at its peak:
# transformers' output, the traced module's output, and the scores and probabilities being computed.
ATTENTION_BYTES = 4
CHECK_COPIES = 4
# Shorter than this, a check at "the maximum length" says nothing the short batches do not.
SHORTEST_LONG_CHECK = 64


def available_bytes(torch, device):
    """Memory free for the check on device: CUDA's free memory, else Linux's MemAvailable; None if unknown."""
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def check_bytes(config, n, batch=2):
    """Peak bytes of checking a batch of `batch` inputs of n tokens: CHECK_COPIES times all its attentions."""
    return CHECK_COPIES * ATTENTION_BYTES * config.num_hidden_layers * config.num_attention_heads * batch * n * n


def longest_checkable(config, max_positions, available):
    """The longest length up to max_positions whose check needs at most half of `available` bytes (None:
    unknown, max_positions)."""
    if available is None:
        return max_positions
    n = math.isqrt(max(0, available // 2) // check_bytes(config, 1))
    return min(max_positions, n)


def gigabytes(count):
    return f"{count / 1e9:.1f} GB"


def max_positions_of(config, tokenizer):
    positions = [getattr(config, key) for key in ("max_position_embeddings", "n_positions", "n_ctx")
                 if isinstance(getattr(config, key, None), int)]
    if not positions:
        raise ExportError(f"{config.model_type}'s config names no maximum length (max_position_embeddings, "
                          "n_positions); pass --max-positions")
    limit = positions[0]
    # RoBERTa-style position ids start after the padding index, so the tokenizer's limit can be the lower one.
    if isinstance(tokenizer.model_max_length, int) and 0 < tokenizer.model_max_length < limit:
        limit = tokenizer.model_max_length
    return limit


def manifest_of(torch, transformers, model, tokenizer, source, names, causal, max_positions, checked, device):
    config = model.config
    return {
        "attnviz_contract_version": CONTRACT_VERSION,
        "source": source,
        "architecture": config.model_type,
        "model_class": type(model).__name__,
        "layers": config.num_hidden_layers,
        "heads": config.num_attention_heads,
        "hidden": config.hidden_size,
        "max_positions": max_positions,
        "checked_positions": checked,  # the longest input the trace was checked at
        "vocab_size": config.vocab_size,
        "inputs": names,
        "takes_token_type_ids": "token_type_ids" in names,
        "type_vocab_size": config.type_vocab_size if "token_type_ids" in names else 0,
        "causal": causal,
        # A traced module keeps the device it was traced on in some operations.
        "traced_on": device.type,
        "output": "attentions float32 [layers, batch, heads, n, n]",
        "special_tokens": {token: token_id for token, token_id in
                           zip(tokenizer.all_special_tokens, tokenizer.all_special_ids)},
        "special_tokens_map": tokenizer.special_tokens_map,
        "torch_version": torch.__version__,
        "transformers_version": transformers.__version__,
    }


def export(source, out, max_positions=None, label=None, device="cpu"):
    """Exports `source` (a Hub id or directory) into `out`, traced on `device`; returns the manifest, whose
    "source" is `label` (default: `source`)."""
    torch, transformers = import_libraries()
    try:
        device = torch.device(device)
    except RuntimeError:
        raise ExportError(f"unknown device '{device}': use cpu or cuda") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ExportError("--device cuda: this torch has no CUDA support or sees no GPU")
    tokenizer, model = load(source, torch, transformers)
    model.to(device)
    names = input_names(tokenizer, model.config)
    wrapper = make_wrapper(torch, model, names)
    max_positions = max_positions or max_positions_of(model.config, tokenizer)
    available = available_bytes(torch, device)
    checked = longest_checkable(model.config, max_positions, available)
    if checked < min(max_positions, SHORTEST_LONG_CHECK):
        raise ExportError(f"checking the trace at {min(max_positions, SHORTEST_LONG_CHECK)} tokens needs "
                          f"{gigabytes(check_bytes(model.config, min(max_positions, SHORTEST_LONG_CHECK)))}, "
                          f"more than half of the {gigabytes(available)} free on {device.type}")
    if checked < max_positions:
        print(f"export_torchscript: the trace is checked at up to {checked} of the model's {max_positions} "
              f"positions: checking all {max_positions} needs {gigabytes(check_bytes(model.config, max_positions))}, "
              f"more than half of the {gigabytes(available)} free on {device.type}", file=sys.stderr)
    padding = padding_tokenizer(tokenizer)
    traced = trace(torch, wrapper, padding, names, device)
    batches = check_batches(torch, padding, checked, model.config.vocab_size)
    causal = check_trace(torch, traced, wrapper, batches, names, device)
    out.mkdir(parents=True, exist_ok=True)
    # Saved and read back before it replaces anything, so a half-written directory never looks valid.
    with tempfile.TemporaryDirectory(dir=out) as work:
        staged = Path(work) / "model.pt"
        torch.jit.save(traced, str(staged))
        reloaded = torch.jit.load(str(staged), map_location=device)
        check_trace(torch, reloaded, wrapper, batches[:1], names, device)
        staged.replace(out / "model.pt")
    save_tokenizer(tokenizer, out)
    manifest = manifest_of(torch, transformers, model, tokenizer, label or source, names, causal, max_positions,
                           checked, device)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def save_tokenizer(tokenizer, out):
    tokenizer.save_pretrained(str(out))
    # attnviz reads Unigram tokenizers (ALBERT, T5, XLNet) from their SentencePiece file; the tokenizer.json form
    # of them needs normalizers attnviz does not implement, and would be read first.
    tokenizer_json = out / "tokenizer.json"
    sentencepiece = any((out / name).exists() for name in ("spiece.model", "tokenizer.model"))
    if sentencepiece and tokenizer_json.exists():
        if json.loads(tokenizer_json.read_text()).get("model", {}).get("type") == "Unigram":
            tokenizer_json.unlink()


def default_out(source):
    name = Path(source.rstrip("/")).name
    return Path(__file__).resolve().parent.parent / "models" / name


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", metavar="MODEL", help="Hugging Face id or local model directory")
    parser.add_argument("-o", "--out", metavar="DIR", type=Path, help="output directory (default models/<name>/)")
    parser.add_argument("--max-positions", type=int, help="longest input to allow (default: from the config)")
    parser.add_argument("--device", default="cpu",
                        help="trace on this device: cpu, or cuda for an export that attnviz runs with --device cuda "
                             "(default cpu)")
    args = parser.parse_args(argv)
    out = args.out or default_out(args.model)
    try:
        manifest = export(args.model, out, args.max_positions, device=args.device)
    except ExportError as e:
        print(f"export_torchscript: error: {e}", file=sys.stderr)
        return 1
    print(f"exported {args.model} ({manifest['architecture']}, {manifest['layers']} layers x {manifest['heads']} "
          f"heads, {'causal' if manifest['causal'] else 'bidirectional'}) to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

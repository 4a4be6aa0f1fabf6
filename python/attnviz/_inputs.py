"""Attention arrays in: torch tensors of any dtype and device, NumPy arrays, or lists of per-layer ones.

Only conversion lives here; the checks of the values (shape, probabilities) are the CLI's, in _core.
torch is imported by nobody here: a tensor is recognised by its type and converted with its own methods.
"""
import json

import numpy as np

from . import _core


def is_torch_tensor(value):
    return type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach")


def to_numpy(value):
    """A float32 C-order NumPy array of value, and the dtype it was stored in ("bfloat16", "float16", ...)."""
    if is_torch_tensor(value):
        dtype = str(value.dtype).replace("torch.", "")
        return np.ascontiguousarray(value.detach().float().cpu().numpy()), dtype
    array = np.asarray(value)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        raise ValueError(f"attention must hold numbers, not {array.dtype}")
    return np.ascontiguousarray(array, dtype=np.float32), str(array.dtype)


def stack_layers(attention, include_layers=None, include_heads=None):
    """bertviz's input, a tuple or list of per-layer [1, heads, n, n], as one [layers, heads, n, n] array.

    include_layers / include_heads (0-based, as bertviz) keep only those. Returns (array, dtype)."""
    if attention is None:
        raise ValueError("attention is None")
    layers = list(attention) if isinstance(attention, (list, tuple)) else None
    if layers is None:
        array, dtype = to_numpy(attention)
        if array.ndim != 5:
            raise ValueError(
                "The attention tensor does not have the correct number of dimensions. Make sure you set "
                "output_attentions=True when initializing your model.")
        layers = list(array)
    if not layers:
        raise ValueError("attention holds no layers")
    if include_layers:
        layers = [layers[i] for i in include_layers]
    arrays, dtypes = [], set()
    for layer in layers:
        array, dtype = to_numpy(layer)
        if array.ndim != 4:
            raise ValueError(
                "The attention tensor does not have the correct number of dimensions. Make sure you set "
                "output_attentions=True when initializing your model.")
        if array.shape[0] != 1:
            raise ValueError(
                f"attention has a batch of {array.shape[0]} inputs; pass one input's attention, "
                "e.g. [layer[i:i + 1] for layer in attention]")
        array = array[0]
        if include_heads:
            array = array[list(include_heads)]
        arrays.append(array)
        dtypes.add(dtype)
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        raise ValueError(f"the layers' attentions have different shapes: {sorted(shapes)}")
    return np.ascontiguousarray(np.stack(arrays)), _lowest_precision(dtypes)


def as_array(attention):
    """The notebook API's input: [layers, heads, n, n] (or [heads, n, n], [n, n]) as one array or tensor,
    or bertviz's tuple of per-layer [1, heads, n, n]."""
    if isinstance(attention, (list, tuple)):
        return stack_layers(attention)
    array, dtype = to_numpy(attention)
    if array.ndim == 5 and array.shape[1] == 1:  # torch.stack(model(...).attentions)
        array = array[:, 0]
    return np.ascontiguousarray(array), dtype


def _lowest_precision(dtypes):
    for dtype in ("bfloat16", "float16"):
        if dtype in dtypes:
            return dtype
    return "float32"


def looks_special(token):
    """A template token such as [CLS], [SEP], <s>, </s>, <|endoftext|> (as `attnviz heads` tells them)."""
    return len(token) >= 2 and ((token[0] == "[" and token[-1] == "]") or (token[0] == "<" and token[-1] == ">"))


def checked(array, dtype, tokens, *, special=None, causal=None, model="attention", check=True,
            where="attention"):
    """The attention as _core.Attention, checked as `attnviz render` checks a file: the shape, the token
    count, every value finite and (check=True) every row a probability distribution."""
    tokens = [str(t) for t in tokens]
    meta = {"display": tokens, "model": model,
            "special": [bool(s) for s in special] if special is not None else [looks_special(t) for t in tokens]}
    if causal is not None:
        meta["causal"] = bool(causal)
    return _core.attention(array, dtype, json.dumps(meta), where, check)

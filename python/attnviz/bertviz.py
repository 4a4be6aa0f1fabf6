"""bertviz 1.4.1's head_view and model_view as a drop-in: the same arguments with the same meaning and the same
ValueErrors for the same bad combinations, drawn by attnviz's offline page (no require.js, no CDN).

Layer and head arguments here are 0-based, as bertviz's are; the page shows them numbered from 1.
"""
from . import _core
from ._display import html_object, iframe, show
from ._inputs import checked, stack_layers

_ENCODER_DECODER = ("encoder_attention", "decoder_attention", "cross_attention", "encoder_tokens",
                    "decoder_tokens")


def prettify(tokens):
    """bertviz's prettify_tokens: byte-level BPE's Ġ and SentencePiece's ▁ shown as spaces, </w> dropped."""
    out = []
    for token in tokens:
        for marker, shown in (("Ġ", " "), ("▁", " "), ("</w>", "")):
            token = token.replace(marker, shown)
        out.append(token)
    return out


def _count(attention):
    return len(attention)


def _check_tokens(array, left, right):
    # bertviz's own messages for a token count that does not match the attention.
    if array.shape[-2] != len(left):
        raise ValueError(f"Attention has {array.shape[-2]} positions, while number of tokens is {len(left)} "
                         f"for tokens: {' '.join(left)}")
    if array.shape[-1] != len(right):
        raise ValueError(f"Attention has {array.shape[-1]} positions, while number of tokens is {len(right)} "
                         f"for tokens: {' '.join(right)}")


def _parts(attention, tokens, sentence_b_start, include_layers, include_heads, encdec, check, shown):
    """The page's inputs: [(label, _core.Attention, sentence_b_start)] and include_layers as bertviz fills it."""
    enc_attn, dec_attn, cross_attn, enc_tokens, dec_tokens = (encdec[k] for k in _ENCODER_DECODER)
    parts = []
    if attention is not None:
        if tokens is None:
            raise ValueError("'tokens' is required")
        if any(v is not None for v in encdec.values()):
            raise ValueError("If you specify 'attention' you may not specify any encoder-decoder arguments. This"
                             " argument is only for self-attention models.")
        if include_layers is None:
            include_layers = list(range(_count(attention)))
        array, dtype = stack_layers(attention, include_layers, include_heads)
        tokens = list(tokens)
        _check_tokens(array, tokens, tokens)
        parts.append(("", checked(array, dtype, shown(tokens), check=check), sentence_b_start or 0))
    elif enc_attn is not None or dec_attn is not None or cross_attn is not None:
        for name, attn, needs in (("Encoder", enc_attn, ("encoder_tokens",)),
                                  ("Decoder", dec_attn, ("decoder_tokens",)),
                                  ("Cross", cross_attn, ("encoder_tokens", "decoder_tokens"))):
            if attn is None:
                continue
            for need in needs:
                if encdec[need] is None:
                    raise ValueError(f"'{need}' required if '{name.lower()}_attention' is not None")
            if include_layers is None:
                include_layers = list(range(_count(attn)))
            array, dtype = stack_layers(attn, include_layers, include_heads)
            left = list(enc_tokens if name == "Encoder" else dec_tokens)
            right = list(dec_tokens if name == "Decoder" else enc_tokens)
            _check_tokens(array, left, right)
            if name == "Cross":
                parts.append((name, _core.cross_attention(array, shown(left), shown(right)), 0))
            else:
                parts.append((name, checked(array, dtype, shown(left), check=check,
                                            where=f"{name.lower()} attention"), 0))
    else:
        raise ValueError("You must specify at least one attention argument.")
    return parts, include_layers


def _view(kind, attention, tokens, sentence_b_start, prettify_tokens, layer, heads, display_mode, encdec,
          include_layers, include_heads, html_action, check, height):
    parts, include_layers = _parts(attention, tokens, sentence_b_start, include_layers, include_heads, encdec,
                                   check, prettify if prettify_tokens else list)
    if kind == "head" and layer is not None and layer not in include_layers:
        raise ValueError(f"Layer {layer} is not in include_layers: {include_layers}")
    if display_mode not in ("dark", "light"):
        raise ValueError(f"display_mode must be 'dark' or 'light', not {display_mode!r}")
    held_layer = include_layers.index(layer) if layer is not None else 0
    held_heads = []
    if heads is not None:
        available = parts[0][1].heads
        for h in heads:
            if not 0 <= h < available:
                raise ValueError(f"head {h} (0-based) does not exist: the attention has heads 0-{available - 1}")
        held_heads = list(heads)
    page = _core.html([(a, label, b) for label, a, b in parts], "", "", False, 8, kind, 0, held_layer,
                      held_heads, display_mode)
    n = max(a.n for _, a, _ in parts)
    markup = iframe(page, height or _height(kind, n))
    if html_action == "view":
        show(markup)
    elif html_action == "return":
        return html_object(markup)
    else:
        raise ValueError("'html_action' parameter must be 'view' or 'return")


def _height(kind, n):
    # The frame's height in CSS pixels; a taller view scrolls inside it.
    if kind == "model":
        return 900
    row = 18 if n <= 64 else 14 if n <= 200 else max(3, 3072 // n)
    return min(900, 200 + n * row)


def head_view(attention=None, tokens=None, sentence_b_start=None, prettify_tokens=True, layer=None, heads=None,
              encoder_attention=None, decoder_attention=None, cross_attention=None, encoder_tokens=None,
              decoder_tokens=None, include_layers=None, html_action="view", *, display_mode="dark", check=True,
              height=None):
    """bertviz's head_view (1.4.1), drawn by attnviz's offline page.

    attention: a tuple or list of per-layer [1, heads, n, n] (torch of any dtype and device, or NumPy), as
    model(**inputs, output_attentions=True).attentions gives it; tokens: its n tokens; sentence_b_start: the
    first token of sentence B of a pair. Encoder-decoder models: encoder_attention, decoder_attention,
    cross_attention ([1, heads, decoder n, encoder n]), encoder_tokens, decoder_tokens: the page's input switch
    offers Encoder, Decoder and Cross. layer, heads, include_layers: 0-based, as in bertviz. html_action='view'
    shows it as the cell's output, 'return' gives an IPython.display.HTML (its .data is the output's markup).
    attnviz's own: display_mode ('dark', 'light'), check (rows must be probabilities), height (pixels).
    """
    encdec = dict(zip(_ENCODER_DECODER, (encoder_attention, decoder_attention, cross_attention, encoder_tokens,
                                         decoder_tokens)))
    return _view("head", attention, tokens, sentence_b_start, prettify_tokens, layer, heads, display_mode, encdec,
                 include_layers, None, html_action, check, height)


def model_view(attention=None, tokens=None, sentence_b_start=None, prettify_tokens=True, display_mode="dark",
               encoder_attention=None, decoder_attention=None, cross_attention=None, encoder_tokens=None,
               decoder_tokens=None, include_layers=None, include_heads=None, html_action="view", *, check=True,
               height=None):
    """bertviz's model_view (1.4.1), drawn by attnviz's offline page: every layer and head as thumbnails.

    Arguments as head_view's; include_heads (0-based) keeps only those heads, display_mode is 'dark' or
    'light'.
    """
    encdec = dict(zip(_ENCODER_DECODER, (encoder_attention, decoder_attention, cross_attention, encoder_tokens,
                                         decoder_tokens)))
    return _view("model", attention, tokens, sentence_b_start, prettify_tokens, None, None, display_mode, encdec,
                 include_layers, include_heads, html_action, check, height)

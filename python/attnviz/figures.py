"""attnviz's own notebook API: the CLI's figures (`attnviz render`) from attention in memory.

Layers and heads are numbered from 1, as the CLI and its titles number them ("Layer 10, Head 5"); layer and
head also take "all" and head "mean", as --layer and --head do. attention is a [layers, heads, n, n] array or
tensor, or bertviz's tuple of per-layer [1, heads, n, n] (model(**inputs).attentions); tokens its n tokens.
"""
from . import _core
from ._inputs import as_array, checked, looks_special


class Figure:
    """A figure that shows itself inline (PNG and SVG) and saves to .png or .svg."""

    def __init__(self, figure):
        self._figure = figure

    @property
    def width(self):
        return self._figure.width

    @property
    def height(self):
        return self._figure.height

    def png(self, scale=1):
        """PNG bytes, scale pixels per figure unit (1 to 4)."""
        return self._figure.png(scale)

    def svg(self):
        return self._figure.svg()

    def save(self, path, scale=1):
        """Writes path as PNG or SVG by its extension (.png, .svg)."""
        self._figure.save(str(path), scale)
        return path

    def _repr_png_(self):
        return self.png()

    def _repr_svg_(self):
        return self.svg()

    def __repr__(self):
        return f"<attnviz.Figure {self.width}x{self.height}>"


def attention(attention, tokens, *, special=None, causal=None, model="", check=True):
    """The attention, checked as `attnviz render` checks a file (shape, tokens, finite, rows summing to 1).
    An attention this returned (it holds its tokens) is taken as it is: ModelAttention's figures pass theirs."""
    if isinstance(attention, _core.Attention):
        return attention
    if tokens is None:
        raise ValueError("tokens are required: the n token strings of the attention")
    array, dtype = as_array(attention)
    return checked(array, dtype, list(tokens), special=special, causal=causal, model=model or "attention",
                   check=check)


def _number(value, name):
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a number from 1 (or 'all'{', mean' if name == 'head' else ''}), "
                         f"not {value!r}")
    return str(value)


def _focus_row(held, focus):
    if focus is None:
        return -1
    if isinstance(focus, int) and not isinstance(focus, bool):
        if not 0 <= focus < held.n:
            raise ValueError(f"focus {focus} is not a token index 0-{held.n - 1}")
        return focus
    word = str(focus).lower()
    for i, token in enumerate(held.tokens):
        if _bare(token) == word:
            return i
    raise ValueError(f"focus: no token is the word {focus!r}")


def _bare(token):
    for marker in ("\u00b7", "\u0120", "\u2581", "##"):
        if token.startswith(marker):
            token = token[len(marker):]
    return token.strip().lower()


def heatmap(attention_, tokens=None, layer=1, head=1, *, model="", cmap="viridis", values="auto", focus=None,
            check=True, special=None):
    """One head (head=N) or a layer's mean (head="mean") as a heatmap, the CLI's `--layer L --head H`.
    special: which tokens are template tokens, drawn grey (default: those that look like [CLS], <s>)."""
    held = attention(attention_, tokens, model=model, check=check, special=special)
    return Figure(_core.heatmap(held, _number(layer, "layer"), _number(head, "head"), model, cmap, values,
                                _focus_row(held, focus)))


def mean(attention_, tokens=None, layer=1, **options):
    """The mean of a layer's heads as a heatmap (`--head mean`)."""
    return heatmap(attention_, tokens, layer, "mean", **options)


def grid(attention_, tokens=None, layer=1, head="all", *, model="", cmap="viridis", values="auto", check=True):
    """Small multiples: a layer's heads (layer=N), or every layer (layer="all") of each head, one head or the
    mean."""
    held = attention(attention_, tokens, model=model, check=check)
    return Figure(_core.grid(held, _number(layer, "layer"), _number(head, "head"), model, cmap, values))


def rollout(attention_, tokens=None, layer="all", *, model="", cmap="viridis", values="auto", focus=None,
            check=True):
    """Attention rollout (Abnar & Zuidema) through layer (default: the last), as `--rollout`."""
    held = attention(attention_, tokens, model=model, check=check)
    return Figure(_core.rollout(held, _number(layer, "layer"), model, cmap, values, _focus_row(held, focus)))


def compare(a, tokens_a, b, tokens_b, layer=1, head=1, *, title_a="A", title_b="B", model="", cmap="viridis",
            values="auto", focus=None, check=True):
    """A, B and A - B of one head (or the mean), aligned by token, as `--compare`: e.g. the Winograd pair."""
    held_a = attention(a, tokens_a, model=model, check=check)
    held_b = attention(b, tokens_b, model=model, check=check)
    return Figure(_core.compare(held_a, title_a, held_b, title_b, _number(layer, "layer"), _number(head, "head"),
                                model, cmap, values, _focus_row(held_a, focus)))


def word_pieces(tokens):
    """Tokens as the tokenize stage displays them: a piece that continues a word starts with U+00B7 (WordPiece's
    "##ing"; in byte-level BPE and SentencePiece, a piece without the word-start marker Ġ / ▁)."""
    starts = any(t.startswith(("\u0120", "\u2581")) for t in tokens)
    shown = []
    for i, t in enumerate(tokens):
        if t.startswith("##"):
            shown.append("\u00b7" + t[2:])
        elif starts and i > 0 and not looks_special(t) and not looks_special(tokens[i - 1]) \
                and not t.startswith(("\u0120", "\u2581")) and t[:1].isalnum():
            shown.append("\u00b7" + t)
        else:
            shown.append(t.lstrip("\u0120\u2581") or t)
    return shown


def words(attention_, tokens=None, layer=1, head=1, *, model="", cmap="viridis", values="auto", focus=None,
          check=True, special=None):
    """The heatmap at word level (`--words`): word pieces merged as Clark et al. (attention to a word summed
    over its pieces, from a word averaged)."""
    held = attention(attention_, tokens, model=model, check=check, special=special)
    merged = _core.words(held, word_pieces(list(held.tokens)))
    return Figure(_core.heatmap(merged, _number(layer, "layer"), _number(head, "head"), model, cmap, values,
                                _focus_row(merged, focus)))


class HeadTable:
    """heads(): the measures and roles of `attnviz heads` for each head (.table) and its atlas (.atlas)."""

    def __init__(self, names, rows, atlas):
        self.columns = ["layer", "head", "role", "role_score"] + list(names)
        self.rows = [dict(zip(self.columns, (layer, head, role, score, *measures)))
                     for layer, head, role, score, measures in rows]
        self.atlas = Figure(atlas)
        try:
            import pandas
        except ImportError:
            self.table = self.rows
        else:
            self.table = pandas.DataFrame(self.rows, columns=self.columns)

    def _repr_png_(self):
        return self.atlas.png()

    def __repr__(self):
        return f"<attnviz.HeadTable {len(self.rows)} heads>"


def heads(attention_, tokens=None, *, sentence_b_start=None, special=None, model="", check=True):
    """The head measures of `attnviz heads` (Clark et al., Voita et al., Xiao et al., TransformerLens) on this
    input, each head's role, as a table (a pandas DataFrame when pandas is installed, else a list of dicts;
    layer and head from 1) and the atlas figure. prefix_matching needs the model's repeated random tokens,
    so it is NaN here; cross_segment needs sentence_b_start. special: which tokens are template tokens
    (default: those that look like [CLS], <s>)."""
    held = attention(attention_, tokens, special=special, model=model, check=check)
    type_ids = [] if not sentence_b_start else [0 if i < sentence_b_start else 1 for i in range(held.n)]
    names, rows, atlas = _core.heads(held, type_ids, model or "attention")
    return HeadTable(names, rows, atlas)

#!/usr/bin/env python3
"""Writes src/tokenize/unicode_exceptions.inc: the code points where Hugging Face's tokenizers disagree with
plain Unicode 15 properties as libutf8proc reports them.

Why: HF's BertNormalizer and BertPreTokenizer take categories from the `unicode_categories` crate, whose
tables predate Unicode 10 (code points assigned since then count as letters, not punctuation or format
characters, and unassigned code points are kept, not removed), while attnviz asks libutf8proc (Unicode 15). To
give HF's ids exactly, attnviz applies this generated list of differences on top of utf8proc. Every code point is
swept through HF's own normalizers/pre-tokenizers, so re-running this after upgrading either side keeps them equal.
The committed file comes from tokenizers 0.23.3 (.venv-test); 0.20.3's bundled Oniguruma has older Unicode tables
for GPT-2's \p{L}/\p{N} and gives another kGpt2ClassExceptions.
"""
import ctypes
import ctypes.util
from pathlib import Path

from tokenizers import normalizers, pre_tokenizers

OUT = Path(__file__).resolve().parents[2] / "src" / "tokenize" / "unicode_exceptions.inc"
utf8proc = ctypes.CDLL(ctypes.util.find_library("utf8proc") or "libutf8proc.so.2")
utf8proc.utf8proc_category.restype = ctypes.c_int
utf8proc.utf8proc_tolower.restype = ctypes.c_int32
utf8proc.utf8proc_decompose_char.restype = ctypes.c_ssize_t
utf8proc.utf8proc_unicode_version.restype = ctypes.c_char_p
CAT = ["Cn", "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf",
       "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co"]
DECOMPOSE = 1 << 4
ASCII_PUNCT = set(map(ord, "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"))


def category(c):
    return CAT[utf8proc.utf8proc_category(c)]


def is_white_space(c):
    return c in (9, 10, 11, 12, 13, 0x85) or category(c) in ("Zs", "Zl", "Zp")


# The base rules below must be the ones src/tokenize/unicode.cpp implements with utf8proc.
def bert_class_base(c):
    if c in (0, 0xFFFD) or (c not in (9, 10, 13) and category(c) in ("Cc", "Cf", "Co", "Cs")):
        return "Removed"
    if is_white_space(c):
        return "Space"
    if c in ASCII_PUNCT or category(c).startswith("P"):
        return "Punctuation"
    return "Other"


def gpt2_class_base(c):
    if is_white_space(c):
        return "Space"
    cat = category(c)
    return "Letter" if cat[0] == "L" else "Number" if cat[0] == "N" else "Other"


def word_class_base(c):
    """The Whitespace pre-tokenizer's \\w (Rust's regex crate: Alphabetic, marks, Nd, Pc, Join_Control) and \\s."""
    if is_white_space(c):
        return "Space"
    cat = category(c)
    word = cat[0] in "LM" or cat in ("Nd", "Nl", "Pc") or c in (0x200C, 0x200D)
    return "Word" if word else "Other"


def bert_strip_base(c):
    """BertNormalizer's strip_accents: NFD, then nonspacing marks (Mn) removed."""
    buf = (ctypes.c_int32 * 32)()
    n = utf8proc.utf8proc_decompose_char(c, buf, 32, DECOMPOSE, None)
    return [d for d in buf[:n] if category(d) != "Mn"]


def strip_accents_base(c):
    """The StripAccents normalizer: combining marks (Mn, Mc, Me) removed, nothing decomposed."""
    return [] if category(c) in ("Mn", "Mc", "Me") else [c]


def lowercase_base(c):
    return [0x69, 0x307] if c == 0x130 else [utf8proc.utf8proc_tolower(c)]


def main():
    bert_norm = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False,
                                           lowercase=False)
    bert_pre = pre_tokenizers.BertPreTokenizer()
    bert_strip = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True,
                                            lowercase=False)
    strip = normalizers.StripAccents()
    lower = normalizers.Lowercase()
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    whitespace = pre_tokenizers.Whitespace()
    bert, gpt2, word, bert_stripped, stripped, lowered = [], [], [], [], [], []
    for c in range(0x110000):
        if 0xD800 <= c <= 0xDFFF:
            continue
        ch = chr(c)
        n = bert_norm.normalize_str("a" + ch + "b")
        if n == "ab":
            hf = "Removed"
        elif n == "a b":
            hf = "Space"
        else:
            hf = "Punctuation" if len(bert_pre.pre_tokenize_str(n)) == 3 else "Other"
        if hf != bert_class_base(c):
            bert.append((c, hf))
        pieces = lambda s: len(byte_level.pre_tokenize_str(s))
        hf = ("Letter" if pieces("a" + ch) == 1 else "Number" if pieces("1" + ch) == 1
              else "Other" if pieces("!" + ch) == 1 else "Space")
        if c != 0x20 and hf != gpt2_class_base(c):  # ' ' is special-cased by the pattern itself
            gpt2.append((c, hf))
        split = [piece for piece, _ in whitespace.pre_tokenize_str("a" + ch)]
        hf = "Word" if split == ["a" + ch] else "Space" if split == ["a"] else "Other"
        if hf != word_class_base(c):
            word.append((c, hf))
        s = [ord(x) for x in bert_strip.normalize_str(ch)]
        if s != bert_strip_base(c):
            bert_stripped.append((c, s))
        s = [ord(x) for x in strip.normalize_str(ch)]
        if s != strip_accents_base(c):
            stripped.append((c, s))
        s = [ord(x) for x in lower.normalize_str(ch)]
        if s != lowercase_base(c):
            lowered.append((c, s))

    def class_table(name, rows, enum):
        ranges = []  # runs of consecutive code points with the same class, to keep the table short
        for c, k in rows:
            if ranges and ranges[-1][1] == c - 1 and ranges[-1][2] == k:
                ranges[-1][1] = c
            else:
                ranges.append([c, c, k])
        ranges.append([0x110000, 0x110000, "Other"])  # sentinel, so no table is empty
        body = "".join(f"    {{0x{a:X}, 0x{b:X}, {enum}::{k}}},\n" for a, b, k in ranges)
        return f"constexpr ClassException<{enum}> {name}[] = {{\n{body}}};\n"

    def map_table(name, rows):
        body = "".join(f"    {{0x{c:X}, {{{', '.join(f'0x{x:X}' for x in s)}}}, {len(s)}}},\n" for c, s in rows)
        return f"constexpr MapException {name}[] = {{\n{body}    {{0x110000, {{}}, 0}},\n}};\n"

    version = utf8proc.utf8proc_unicode_version().decode()
    with open(OUT, "w") as f:
        f.write("// Generated by scripts/tokenizer_reference/make_unicode_exceptions.py; do not edit.\n")
        f.write(f"// Hugging Face tokenizers vs libutf8proc (Unicode {version}); sorted by code point.\n")
        f.write(class_table("kBertClassExceptions", bert, "BertClass"))
        f.write(class_table("kGpt2ClassExceptions", gpt2, "Gpt2Class"))
        f.write(class_table("kWordClassExceptions", word, "WordClass"))
        f.write(map_table("kBertStripExceptions", bert_stripped))
        f.write(map_table("kStripAccentsExceptions", stripped))
        f.write(map_table("kLowercaseExceptions", lowered))
    print(f"bert {len(bert)}, gpt2 {len(gpt2)}, word {len(word)}, bert strip {len(bert_stripped)}, strip {len(stripped)}, "
          f"lower {len(lowered)} -> {OUT}")


if __name__ == "__main__":
    main()

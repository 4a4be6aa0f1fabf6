#!/usr/bin/env python3
"""Writes tests/data/tokenize/corpus.jsonl: strings meant to break tokenizers, and corpus_extra.jsonl: strings
aimed at the parts of newer tokenizer.json files (byte fallback, digits, runs of newlines, <0x..> look-alikes in
the text, Metaspace at the start of a pair, case-insensitive contractions, composing marks, added tokens).
corpus.jsonl stays as it was, because the SentencePiece fixture is trained on it.

Deterministic (seeded), so re-running gives the same file. Each line is {"a": text} or, for a sentence pair,
{"a": first, "b": second}. Run make_reference.py afterwards to get Hugging Face's ids for it.
"""
import json
import random
import sys
import unicodedata
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "tests" / "data" / "tokenize" / "corpus.jsonl"
OUT_EXTRA = OUT.with_name("corpus_extra.jsonl")

EXTRA = [
    # byte fallback: characters SentencePiece vocabularies lack
    "\U0001F600", "a\U0001F600b", "\U0001F468\u200D\U0001F469\u200D\U0001F467", "\uE000\uF8FF", "\U000F0000",
    "\u2E80\u2FD5\u31C0", "\U00020000\U0002A6D6", "\u0F00\u0F3A", "\u1680\u180E", "\uFFFD", "\u00A0\u202F",
    "\u0000", "\u0001\u001F\u007F", "\x85", "\u2028\u2029", "\uFEFFhello", "\U0001D518\U0001D4D0",
    # digits
    "1", "12", "123", "1234", "12345678901234567890", "3.14159", "1,000,000", "1_000", "v2.0.1", "abc123def",
    "\u0661\u0662\u0663", "\uFF11\uFF12\uFF13", "\u2460\u2461", "\u00B2\u00B3\u00B9", "\u216B", "0x1F", "-42",
    "2024-11-22T10:00:00Z", "+1 (555) 010-9999", "99%", "$1.50", "1e-9", "\u0967\u0968",
    # runs of newlines and other whitespace
    "\n\n", "\n\n\n", "\n\n\n\n\n\n\n\n", "a\n\nb", "a\n\n\n\nb", "\r\n\r\n", "a \n b", "a  \n\n  b",
    " \n", "\n ", "\t\n\t", "    indented\n        more", "line\n\n\n", "\n\n\nstart", "\u3000\u3000x",
    # <0x..> look-alikes in the text
    "<0x0A>", "<0x0a>", "<0xFF>", "<0x41><0x42>", "a<0x0A>b", "< 0x0A >", "<0x>", "<0xGG>", "<0x0A", "0x0A>",
    "<unk>", "<s>", "</s>", "<s> </s>", "<pad>", "<bos>", "<eos>", "<mask>", "<start_of_turn>user",
    "<|im_start|>user\nHi<|im_end|>", "<|begin_of_text|>Hi", "<|endoftext|>", "<|im_start|> x", "x<|im_end|>",
    # SentencePiece's own marker in the text
    "\u2581", "\u2581\u2581", "a\u2581b", "\u2581Hello", " \u2581 ",
    # contractions in other cases
    "DON'T", "I'LL", "We'Re", "it'S", "'s", "'S'T", "y'all", "can't't",
    # composing marks
    "e\u0301\u0323", "\u1100\u1161\u11A8", "\u1100\u1161", "\uAC00\u11A8", "o\u0308\u0304", "\u0958",
    "A\u030A", "\u212B", "\uFB01", "\u2126", "a\u0328\u0301", "\u0915\u093C",
]

EXTRA_PAIRS = [
    (" Hi", "there"), ("Hi", " there"), (" ", " "), ("", "x"), ("x", ""), ("\u2581", "\u2581\u2581x"),
    ("\n", "\n"), ("12", "34"), ("<0x0A>", "<s>"), ("Hello world", "  two spaces"), ("\U0001F600", "\U0001F600"),
]

WINOGRAD = [
    "The animal didn't cross the street because it was too tired.",
    "The animal didn't cross the street because it was too wide.",
    "The trophy doesn't fit into the brown suitcase because it is too large.",
    "The trophy doesn't fit into the brown suitcase because it is too small.",
    "The city councilmen refused the demonstrators a permit because they feared violence.",
    "The city councilmen refused the demonstrators a permit because they advocated violence.",
]

HAND = [
    "", " ", "  ", "\t", "\n", "\r\n", "a", "A", "!", "Hello world!", "hello   world", "Hello\tworld\nagain",
    "[MASK]", "The [MASK] sat on the mat.", "[CLS] [SEP] [PAD] [UNK]", "x[MASK]y", "[mask]", "[ MASK ]",
    "<|endoftext|>", "a<|endoftext|>b", "<|endoftext|><|endoftext|>", " <|endoftext|> ", "<|endoftext|",
    "İstanbul", "ISTANBUL", "ß", "STRASSE Straße", "ΣΊΣΥΦΟΣ", "σοφός ΟΔΟΣ", "ﬁ ﬂ ﬀ", "Ǆ ǅ ǆ", "ﬃ",
    "naïve café résumé", "e\u0301", "\u0301", "a\u0300\u0301\u0302\u0303", "Å Å Å", "Ω Ω", "K K",
    "日本語のテキスト", "中文文本测试", "한국어 텍스트", "ｆｕｌｌｗｉｄｔｈ", "ﾊﾝｶｸ", "𠀀𠀁𪚥", "㐀㐁",
    "😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷🇩🇪", "1️⃣", "❤️", "🥰", "🫠", "\u200d", "\u200b", "\ufeff", "\u2060",
    "a\u200bb", "a\u00a0b", "a\u2009b", "a\u3000b", "a\u2028b", "a\u2029b", "a\u0085b", "a\u180eb", "a\u202fb",
    "\x00", "a\x00b", "\x7f", "\x1b[31mred\x1b[0m", "\ufffd", "a\ufffdb", "\x0b\x0c", "\u00ad", "soft\u00adhyphen",
    "don't", "it's", "we'll", "I'm", "they've", "she'd", "you're", "DON'T", "IT'S", "o'clock", "rock'n'roll",
    "don’t", "it’s", "'s", "'", "''", "'''", "n't", "y'all'd've",
    "0", "123", "1234567890", "3.14159", "1,000,000", "-42", "1e-10", "0x1F", "٣٤٥", "१२३", "Ⅻ", "½", "²",
    "https://example.com/path?q=1&r=2#frag", "http://a.b/c", "user@example.com", "www.example.org/~user",
    "def f(x):\n    return x ** 2\n", "for (int i = 0; i < n; ++i) { a[i] = b[i]; }", "if (a && b || !c) {}",
    "#include <iostream>", "    indented", "\t\tdouble tab", "a  b   c    d", "a\n\nb\n\n\nc", "   leading", "trailing   ",
    "x" * 100, "x" * 101, "é" * 100, "é" * 101, "ab" * 300, "supercalifragilisticexpialidocious",
    "Pneumonoultramicroscopicsilicovolcanoconiosis", "antidisestablishmentarianism" * 5, "😀" * 50,
    "a" * 2000, " " * 500, "\n" * 100, "!" * 200, "ab " * 400,
    "مرحبا بالعالم", "שלום עולם", "Привет, мир!", "Γειά σου Κόσμε", "नमस्ते दुनिया", "สวัสดีชาวโลก", "ሰላም",
    "Ⓐⓑⓒ", "ℌℑℜ", "𝐀𝐁𝐂 𝕒𝕓𝕔", "™ © ®", "€ £ ¥ ₹ ₿", "→ ← ↑ ↓ ⇒", "∀x∈ℝ: x²≥0", "«guillemets» „quotes“",
    "…", "—", "–", "‘single’ “double”", "¿Qué? ¡Sí!", "、。「」", "（括弧）", "〜", "・", "＠＃＄％",
]

FRAGMENTS = {
    "ascii": ["the", "The", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "Hello", "WORLD", "tokenizer",
              "attention", "heads", "layer", "model", "BERT", "GPT-2", "transformer", "unbelievable", "re-enter",
              "e.g.", "i.e.", "U.S.A.", "Mr.", "don't", "can't", "won't", "it's", "we'll", "I'd", "they're", "O'Neil"],
    "accents": ["café", "naïve", "Zürich", "São", "Paulo", "Ångström", "crème", "brûlée", "Dvořák", "Łódź", "Ærø",
                "ñandú", "façade", "coöperate", "e\u0301te\u0301", "n\u0303", "A\u030a", "Ελλάδα", "ÉCOLE", "İzmir",
                "ıi", "Straße", "ΌΣΟΣ", "ĳ", "ǈ", "ﬁnancial"],
    "cjk": ["日本", "東京都", "中文", "汉字", "漢字", "한국어", "ひらがな", "カタカナ", "ｶﾀｶﾅ", "𠮷野家", "々", "〇"],
    "emoji": ["😀", "😂", "🎉", "👍", "👍🏿", "👩‍💻", "👨‍👩‍👧", "🏴‍☠️", "🇺🇸", "✨", "⭐", "🫶", "🧑🏽‍🚀", "☺️", "#️⃣"],
    "control": ["\x00", "\x01", "\x07", "\x08", "\x1f", "\x7f", "\x80", "\x9f", "\u200b", "\u200c", "\u200d",
                "\u200e", "\u200f", "\u2060", "\ufeff", "\u00ad", "\u061c", "\ue000", "\U000f0000", "\ufff9"],
    "spaces": [" ", "  ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u1680", "\u2000", "\u2002", "\u2003", "\u2007",
               "\u2009", "\u200a", "\u202f", "\u205f", "\u3000", "\u2028", "\u2029", "\u0085", "\x0b", "\x0c", " \n ",
               "\t\t", "\n\n", "   ", "\u180e"],
    "numbers": ["0", "7", "42", "2024", "3.14", "1,234", "1_000", "10%", "$5", "€10", "-1", "+1", "1/2", "٣", "٤٥",
                "१०", "๓", "①", "Ⅳ", "¼", "³", "0xFF", "1e9", "12345678901234567890"],
    "punct": [".", ",", "!", "?", ";", ":", "...", "'", "\"", "(", ")", "[", "]", "{", "}", "<", ">", "-", "--",
              "_", "/", "\\", "|", "@", "#", "$", "%", "^", "&", "*", "+", "=", "~", "`", "«", "»", "¡", "¿", "§",
              "¶", "†", "‡", "•", "·", "‰", "′", "″", "‹", "›", "⁂", "、", "。", "，", "！", "？", "﹏", "＿"],
    "code": ["x=1", "f(x)", "a[i]", "{}", "=>", "->", "::", "&&", "||", "!=", "==", "<=", ">=", "++", "/*", "*/",
             "//", "#!", "$HOME", "%s", "\\n", "0b1010", "std::vector<int>", "print('hi')", "self.x", "__init__",
             "snake_case", "camelCase", "PascalCase", "SCREAMING_CASE", "kebab-case"],
    "url": ["https://huggingface.co/bert-base-uncased", "http://localhost:8080/", "ftp://x.y/z.txt",
            "mailto:a@b.c", "file:///tmp/a%20b", "example.com", "a.b.c.d", "1.2.3.4", "[::1]:80"],
    "special": ["[MASK]", "[CLS]", "[SEP]", "[PAD]", "[UNK]", "<|endoftext|>", "[mask]", "<|endoftext|"],
    "scripts": ["Привет", "мир", "Ёж", "Ğüş", "שָׁלוֹם", "مرحبا", "ﻻ", "नमस्ते", "ক্ষ", "தமிழ்", "ไทย", "ລາວ",
                "ᚠᚢᚦ", "ꙮ", "Ⴀ", "ა", "Ա", "ᐃᓄᒃᑎᑐᑦ", "𐌰𐌱", "ߊ"],
}

SEPARATORS = [" ", " ", " ", "", "  ", "\t", "\n", "\u00a0", "\u3000", " \n", "\n\n", "   ", "-", "'", "\u200b"]


def random_codepoint(rng):
    """A code point from an interesting range, surrogates excluded (they cannot be encoded as UTF-8)."""
    lo, hi = rng.choice([(0x20, 0x7e), (0x80, 0x24f), (0x250, 0x36f), (0x370, 0x52f), (0x590, 0x6ff),
                         (0x900, 0xdff), (0x1e00, 0x1fff), (0x2000, 0x2bff), (0x2e80, 0x9fff), (0xa000, 0xd7ff),
                         (0xf900, 0xffff), (0x10000, 0x1ffff), (0x1f300, 0x1faff), (0x20000, 0x2fa1f),
                         (0x30000, 0x3134f), (0xe0000, 0xe007f)])
    while True:
        c = rng.randint(lo, hi)
        if not 0xD800 <= c <= 0xDFFF:
            return chr(c)


def random_string(rng):
    kind = rng.random()
    if kind < 0.15:  # random code points, assigned or not
        return "".join(random_codepoint(rng) for _ in range(rng.randint(1, 12)))
    if kind < 0.25:  # random printable ASCII soup
        return "".join(chr(rng.randint(0x20, 0x7e)) for _ in range(rng.randint(1, 40)))
    parts = []
    for _ in range(rng.randint(1, 8)):
        parts.append(rng.choice(FRAGMENTS[rng.choice(list(FRAGMENTS))]))
        parts.append(rng.choice(SEPARATORS))
    text = "".join(parts[:-1])
    if rng.random() < 0.3:
        text = text.upper() if rng.random() < 0.5 else text.capitalize()
    return text


def main():
    rng = random.Random(20241122)
    rows = [{"a": s} for s in WINOGRAD + HAND]
    rows += [{"a": WINOGRAD[0], "b": WINOGRAD[1]}, {"a": WINOGRAD[2], "b": WINOGRAD[3]}, {"a": "", "b": ""},
             {"a": "Hello", "b": "world"}, {"a": "[MASK]", "b": "<|endoftext|>"}, {"a": "a" * 300, "b": "b" * 300}]
    rows += [{"a": chr(c)} for c in range(0x00, 0x100)]  # every single Latin-1 character
    rows += [{"a": unicodedata.normalize(form, s)} for form in ("NFC", "NFD", "NFKC", "NFKD")
             for s in FRAGMENTS["accents"] + FRAGMENTS["cjk"] + FRAGMENTS["scripts"]]
    while len(rows) < 2200:
        rows.append({"a": random_string(rng)})
    while len(rows) < 2600:
        rows.append({"a": random_string(rng), "b": random_string(rng)})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} entries to {OUT}", file=sys.stderr)
    extra = [{"a": s} for s in EXTRA] + [{"a": a, "b": b} for a, b in EXTRA_PAIRS]
    extra += [{"a": random_string(rng) + "\n\n" + "\u2581" + random_string(rng)} for _ in range(40)]
    with open(OUT_EXTRA, "w", encoding="utf-8") as f:
        for row in extra:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(extra)} entries to {OUT_EXTRA}", file=sys.stderr)


if __name__ == "__main__":
    main()

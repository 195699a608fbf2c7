"""The C CLIP tokenizer against transformers' CLIPTokenizer built from the same vocab.json/merges.txt.

Prompts: a curated list (unicode, punctuation, numbers, weights, escapes, whitespace, special
tokens, long prompts) plus seeded random ones, >= 300 in all. Token ids must be identical.
"""
import random

import pytest

import cfy_models

CURATED = [
    "", " ", "a photo of a cat", "A Photo Of A CAT", "masterpiece, best quality, 1girl, solo",
    "(masterpiece:1.2), (best quality:1.1), ((detailed)), [bad hands]", "\\(escaped\\) parens \\(x:1.2\\)",
    "embedding:easynegative, ugly", "Hello, World! 123 4567.89 -1e5 3,000", "it's they're we've I'm you'll he'd don't",
    "IT'S THEY'RE", "café naïve résumé über straße", "ÀÉÎÕÜ àéîõü", "e\u0301 a\u0308 n\u0303", "İstanbul ıi",
    "ß ẞ ǅ ǈ ǋ", "ﬁ ﬂ ligatures", "日本語のテキスト", "中文提示词 测试", "한국어 프롬프트", "ΑΒΓΔ αβγδ Ωμέγα",
    "Привет мир", "שלום עולם", "مرحبا بالعالم", "हिन्दी पाठ", "ไทย ภาษา", "emoji 😀🎉👍🏽 👨‍👩‍👧",
    "tab\there", "new\nline\r\nwindows", "nbsp\u00a0space\u2003em\u3000ideographic", "  leading and trailing  ",
    "<|startoftext|>hello<|endoftext|>", "a <|endoftext|> b", "<|ENDOFTEXT|>", "!!!???...,,,;;;:::",
    "@#$%^&*()_+-=[]{}|;':\",./<>?`~", "x" * 200, "word " * 120, "supercalifragilisticexpialidocious",
    "antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis", "½ ⅓ ¾ ² ³ ① ⑳ Ⅻ",
    "١٢٣ ४५६ ๗๘๙", "math: ∑∫√∞≈≠≤≥", "arrows → ← ↑ ↓ ⇒", "quotes “curly” ‘single’ «guillemets»",
    "dashes – — ‑", "a\u200bzero\u200cwidth\u200djoiners", "mixed123abc456", "v1.5 sd-xl 4k 8K uhd",
    "score_9, score_8_up, score_7_up", "(((((deep nesting)))))", "(unbalanced (paren", "unbalanced) paren)",
    "[[[brackets]]] {{{braces}}}", "cat:1.5 no parens", "(:1.5)", "(a:b:1.3)", "(weird: 1e1)", "(inf:inf)",
    "UPPER lower MiXeD", "Ǳ ǲ ǳ", "ÅÆØ åæø", "ĞŞİ ğşı", "ẞtraße", "ℌℑℜ ℕℤ", "Ⓐⓑⓒ", "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３",
    "ｶﾀｶﾅ half", "\u0130\u0307", "Ω Ω K Å", "한\u1100\u1161", "a.b.c d-e-f g_h_i", "path/to/file.png",
    "https://example.com/a?b=c&d=e", "user@example.com", "#hashtag @mention", "$100 €50 £20 ¥1000",
    "C++ C# F# .NET", "3.14159 2.71828 1.41421", "2024-01-15 12:30:45", "1,000,000 1 000 000",
]

WORDS = ["cat", "dog", "portrait", "landscape", "highly", "detailed", "8k", "photorealistic", "cinematic", "lighting",
         "red", "blue", "neon", "cyberpunk", "city", "night", "rain", "forest", "mountain", "river", "sunset", "girl",
         "boy", "old", "man", "woman", "smiling", "wearing", "hat", "dress", "armor", "sword", "dragon", "castle",
         "oil", "painting", "by", "artstation", "trending", "octane", "render", "bokeh", "depth", "field", "sharp",
         "focus", "ultra", "wide", "angle", "macro", "shot", "café", "naïve", "東京", "夜景", "猫", "Ñandú", "Zürich",
         "München", "Ærø", "Þór", "Œuvre", "ǅemal", "İzmir", "ΣΊΣΥΦΟΣ", "Москва", "😀", "🔥", "✨", "1girl", "2boys",
         "x1.5", "v2", "don't", "it's", "we're", "they'll"]
PUNCT = [",", ".", "!", "?", ";", ":", "-", "--", "...", "/", "|", "(", ")", "[", "]", "{", "}", "'", "\"", "\\(",
         "\\)", "&", "+", "=", "*", "#"]
SPACES = [" ", "  ", "\t", "\n", " \u00a0", "\u3000", ""]


def random_prompts(n, seed=1234):
    r = random.Random(seed)
    out = []
    for i in range(n):
        k = r.randint(1, 60 if i % 7 else 180)
        parts = []
        for _ in range(k):
            x = r.random()
            if x < 0.7:
                w = r.choice(WORDS)
                if r.random() < 0.2:
                    w = w.upper() if r.random() < 0.5 else w.capitalize()
                parts.append(w)
            elif x < 0.85:
                parts.append(r.choice(PUNCT))
            elif x < 0.92:
                parts.append(f"({r.choice(WORDS)}:{r.choice(['1.2', '0.8', '1.5', '2', '.5', '1e0'])})")
            else:
                parts.append(str(r.randint(0, 100000)))
            parts.append(r.choice(SPACES))
        out.append("".join(parts))
    return out


PROMPTS = CURATED + random_prompts(260)


@pytest.fixture(scope="module")
def tokenizers(tiny_models):
    transformers = pytest.importorskip("transformers")
    tok_dir = tiny_models / "checkpoints" / "tiny-sd1-s1.safetensors.comfyc" / "tokenizer"
    ref = transformers.CLIPTokenizer.from_pretrained(str(tok_dir))
    ours = cfy_models.Tokenizer(tok_dir / "vocab.json", tok_dir / "merges.txt")
    yield ref, ours
    ours.close()


def test_prompt_count():
    assert len(PROMPTS) >= 300


def test_known_ids(tokenizers):
    _, ours = tokenizers
    # spec segs-upscaler §6.2: a</w>=320, photo</w>=1125, of</w>=539, cat</w>=2368
    assert ours.encode("a photo of a cat") == [320, 1125, 539, 320, 2368]


def test_ids_match_transformers(tokenizers):
    ref, ours = tokenizers
    bad = []
    for p in PROMPTS:
        want = ref(p)["input_ids"][1:-1]
        got = ours.encode(p)
        if want != got:
            bad.append((p, want[:20], got[:20]))
    assert not bad, f"{len(bad)} of {len(PROMPTS)} prompts differ, e.g. {bad[:3]}"

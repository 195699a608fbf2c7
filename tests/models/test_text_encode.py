"""CLIPTextEncode from C against a Python oracle written from the spec (segs-upscaler §6):
prompt weighting, per-segment tokenisation (transformers' CLIPTokenizer), 77-token windows,
the eager text encoder, weights applied against the empty prompt, pooled output, clip skip."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import cfy_models  # noqa: E402

BOS, EOS, PAD = 49406, 49407, 49407


def py_float(s):
    try:
        return float(s)
    except ValueError:
        return None


def parse_parentheses(s):
    out, cur, depth = [], "", 0
    for ch in s:
        if ch == "(":
            if depth == 0:
                if cur:
                    out.append(cur)
                cur = "("
            else:
                cur += ch
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                out.append(cur + ")")
                cur = ""
            else:
                cur += ch
        else:
            cur += ch
    if cur:
        out.append(cur)
    return out


def token_weights(s, w):
    out = []
    for x in parse_parentheses(s):
        if len(x) >= 2 and x[0] == "(" and x[-1] == ")":
            x = x[1:-1]
            c = x.rfind(":")
            ww = w * 1.1
            if c > 0 and py_float(x[c + 1:]) is not None:
                ww = py_float(x[c + 1:])
                x = x[:c]
            out += token_weights(x, ww)
        else:
            out.append((x, w))
    return out


def oracle_tokens(text, hf):
    text = text.replace("\\)", "\0\1").replace("\\(", "\0\2")
    groups = []
    for seg, w in token_weights(text, 1.0):
        seg = seg.replace("\0\1", ")").replace("\0\2", "(")
        import re
        pieces = re.split(" embedding:|\nembedding:", seg)
        words = [pieces[0]] + ["embedding:" + p for p in pieces[1:]]
        for word in words:
            if word.startswith("embedding:"):
                name = word[len("embedding:"):].strip("\n")
                parts = name.split()
                first = parts[0] if parts else ""
                leftover = " ".join(parts[1:])
                stripped = first.strip(",")
                if len(stripped) < len(first):
                    leftover = "{} {}".format(first[len(stripped):], leftover)
                if leftover == "":
                    continue
                word = leftover
            groups.append([(t, w) for t in hf(word)["input_ids"][1:-1]])
    windows, batch = [], [(BOS, 1.0)]
    windows.append(batch)
    for g in groups:
        large = len(g) >= 8
        while g:
            if len(g) + len(batch) > 76:
                rem = 77 - len(batch) - 1
                if large:
                    batch.extend(g[:rem])
                    batch.append((EOS, 1.0))
                    g = g[rem:]
                else:
                    batch.append((EOS, 1.0))
                    batch.extend([(PAD, 1.0)] * rem)
                batch = [(BOS, 1.0)]
                windows.append(batch)
            else:
                batch.extend(g)
                g = []
    batch.append((EOS, 1.0))
    batch.extend([(PAD, 1.0)] * (77 - len(batch)))
    return windows


def oracle_encode(windows, enc, layers, layer):
    toks = [[t for t, _ in w] for w in windows]
    weighted = any(w != 1.0 for win in windows for _, w in win)
    if weighted:
        toks.append([BOS, EOS] + [PAD] * 75)
    with torch.no_grad():
        hs = enc(torch.tensor(toks, dtype=torch.int64))  # [L,B,77,D]
    li = layers + layer if -layers <= layer < 0 else layers - 1
    z = hs[li].clone()
    if weighted:
        e = z[-1]
        for k, win in enumerate(windows):
            for j, (_, w) in enumerate(win):
                if w != 1.0:
                    z[k, j] = (z[k, j] - e[j]) * torch.tensor(w, dtype=torch.float32) + e[j]
        z = z[:-1]
    cond = z.reshape(1, -1, z.shape[-1]).numpy()
    first = [t for t, _ in windows[0]]
    pooled = hs[layers - 1, 0, first.index(EOS)].reshape(1, -1).numpy()
    return cond, pooled


PROMPTS = [
    "a photo of a cat",
    "",
    "a (cat:1.2) on ((grass)), [weird] \\(literal\\) (dog:0.5) (:1.5) ((foo):1.1)",
    "masterpiece, (best quality:1.3), " + "highly detailed landscape, " * 12 + "(sunset:0.7)",
    "(" + "word " * 90 + ":1.4) tail",
    "embedding:missing_emb, a cat, embedding:other,, x y",
    "unbalanced ) paren ( here",
    "café (naïve:1.1) 日本語 😀",
]


@pytest.fixture(scope="module")
def env(tiny_models):
    transformers = pytest.importorskip("transformers")
    from comfyc_export import checkpoint
    pkgdir = tiny_models / "checkpoints" / "tiny-sd1-s1.safetensors.comfyc"
    hf = transformers.CLIPTokenizer.from_pretrained(str(pkgdir / "tokenizer"))
    sd, meta = checkpoint.load_state_dict(tiny_models / "checkpoints" / "tiny-sd1-s1.safetensors")
    clip, cfg = checkpoint.build_clip(sd, meta)
    enc = checkpoint.TextEncoderLayers(clip).eval()
    pkg = cfy_models.Package(pkgdir)
    yield hf, enc, cfg.num_hidden_layers, pkg
    pkg.close()


def test_weights_examples():
    # spec §6.1 examples
    assert token_weights("(foo)", 1.0) == [("foo", 1.1)]
    assert token_weights("a (cat:1.2) on ((grass))", 1.0)[3] == ("grass", 1.2100000000000002)


@pytest.mark.parametrize("text", PROMPTS)
def test_tokens_and_weights(env, text):
    hf, _, _, pkg = env
    clip = cfy_models.Clip(pkg)
    got = clip.tokenize(text)
    clip.close()
    want = oracle_tokens(text, hf)
    assert [[t for t, _ in w] for w in got] == [[t for t, _ in w] for w in want]
    assert [[np.float32(x) for _, x in w] for w in got] == [[np.float32(x) for _, x in w] for w in want]


@pytest.mark.parametrize("layer", [None, -2])
@pytest.mark.parametrize("text", PROMPTS)
def test_encode_matches_oracle(env, text, layer):
    hf, enc, layers, pkg = env
    clip = cfy_models.Clip(pkg, layer)
    cond, pooled = clip.encode(text)
    clip.close()
    rc, rp = oracle_encode(oracle_tokens(text, hf), enc, layers, layer if layer is not None else -1)
    assert cond.shape == rc.shape and pooled.shape == rp.shape
    assert np.linalg.norm(cond - rc) <= 1e-4 * np.linalg.norm(rc)
    assert np.linalg.norm(pooled - rp) <= 1e-4 * np.linalg.norm(rp)

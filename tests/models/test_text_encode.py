"""CLIPTextEncode from C against a Python oracle written from the spec (segs-upscaler §6):
prompt weighting, per-segment tokenisation (transformers' CLIPTokenizer), 77-token windows,
the eager text encoder, weights applied against the empty prompt, pooled output, clip skip.

Both families: SD1 (CLIP-L; pad = EOS, last layer, pooled without projection) against the
exporter's eager module, and SD2 (OpenCLIP ViT-H; pad = 0, penultimate layer by default, pooled
times text_projection) against an OpenCLIP-layout oracle that reads the checkpoint keys itself."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import cfy_models  # noqa: E402
from tiny_models import CKPT, CKPT_SD2, CKPT_SDXL  # noqa: E402

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


def oracle_tokens(text, hf, pad=PAD, embed=None, vectors=None):
    """Windows of (token, weight). embed(name) -> rows [n, D] or None (a missing embedding);
    an embedding's k-th vector overall is the token -1-k and its row is appended to `vectors`."""
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
                rows = embed(first) if embed and first else None
                if rows is None:
                    stripped = first.strip(",")
                    if len(stripped) < len(first):
                        rows = embed(stripped) if embed and stripped else None
                        leftover = "{} {}".format(first[len(stripped):], leftover)
                if rows is not None:
                    groups.append([(-1 - len(vectors) - i, w) for i in range(len(rows))])
                    vectors.extend(rows)
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
                    batch.extend([(pad, 1.0)] * rem)
                batch = [(BOS, 1.0)]
                windows.append(batch)
            else:
                batch.extend(g)
                g = []
    batch.append((EOS, 1.0))
    batch.extend([(pad, 1.0)] * (77 - len(batch)))
    return windows


def oracle_encode(windows, enc, layers, layer, pad=PAD, vectors=()):
    """enc: (tokens, vectors) -> hidden [L,B,77,D] (pooled from the last layer) or (hidden,
    projected pooled [B,P]); token -1-k takes row k of `vectors` (textual-inversion embeddings)."""
    toks = [[t for t, _ in w] for w in windows]
    weighted = any(w != 1.0 for win in windows for _, w in win)
    if weighted:
        toks.append([BOS, EOS] + [pad] * 75)
    tokens = torch.tensor(toks, dtype=torch.int64)
    vec = None
    if len(vectors):
        table = torch.tensor(np.asarray(vectors, dtype=np.float32))
        vec = torch.where((tokens < 0)[..., None], table[(-1 - tokens).clamp(min=0, max=len(table) - 1)], 0.0)
    with torch.no_grad():
        hs = enc(tokens, vec)
    hs, proj = hs if isinstance(hs, tuple) else (hs, None)
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
    pooled = (proj[0] if proj is not None else hs[layers - 1, 0, first.index(EOS)]).reshape(1, -1).numpy()
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


class Family:
    """One tiny checkpoint's package with its oracle encoder and conventions."""

    def __init__(self, models, ckpt):
        transformers = pytest.importorskip("transformers")
        from comfyc_export import checkpoint
        import openclip_oracle
        pkgdir = models / "checkpoints" / (ckpt + ".comfyc")
        self.hf = transformers.CLIPTokenizer.from_pretrained(str(pkgdir / "tokenizer"))
        sd, meta = checkpoint.load_state_dict(models / "checkpoints" / ckpt)
        if any(k.startswith(openclip_oracle.PREFIX) for k in sd):
            self.enc = openclip_oracle.OpenClipText(sd, int(meta["comfyc.clip_num_heads"]))
            self.layers, self.pad, self.default_layer = self.enc.layers, 0, -2
        else:
            clip, cfg = checkpoint.build_clip(sd, meta)
            self.enc = checkpoint.TextEncoderLayers(clip).eval()
            self.layers, self.pad, self.default_layer = cfg.num_hidden_layers, PAD, -1
        self.pkg = cfy_models.Package(pkgdir)

    def tokens(self, text, embed=None, vectors=None):
        return oracle_tokens(text, self.hf, self.pad, embed, vectors if vectors is not None else [])

    def encode(self, text, layer=None, embed=None):
        vectors = []
        windows = self.tokens(text, embed, vectors)
        return oracle_encode(windows, self.enc, self.layers, self.default_layer if layer is None else layer, self.pad,
                             vectors)


class SdxlFamily:
    """SDXL's two text encoders as ComfyUI runs them: CLIP-L (pad = EOS) and OpenCLIP bigG (pad 0),
    both taking layer -2 by default without the final layer norm; cond = [L | G] per token (cut to
    the shorter), pooled = G's projected pooled output. CLIP-L: the exporter's transformers module;
    CLIP-G: the OpenCLIP-layout oracle reading conditioner.embedders.1.model.* itself."""

    def __init__(self, models, ckpt):
        transformers = pytest.importorskip("transformers")
        from comfyc_export import checkpoint
        import openclip_oracle
        pkgdir = models / "checkpoints" / (ckpt + ".comfyc")
        self.hf = transformers.CLIPTokenizer.from_pretrained(str(pkgdir / "tokenizer"))
        sd, meta = checkpoint.load_state_dict(models / "checkpoints" / ckpt)
        (clip_l, cfg_l), _ = checkpoint.build_sdxl_clips(sd, meta)
        self.enc_l = checkpoint.TextEncoderLayers(clip_l, final_norm=False).eval()
        self.enc_g = openclip_oracle.OpenClipText(sd, int(meta["comfyc.clip_g_num_heads"]),
                                                  prefix=openclip_oracle.SDXL_G_PREFIX, final_norm=False)
        self.layers_l, self.layers_g = cfg_l.num_hidden_layers, self.enc_g.layers
        self.pad, self.default_layer = PAD, -2
        self.pkg = cfy_models.Package(pkgdir)

    def tokens(self, text, embed=None, vectors=None, encoder=0):
        return oracle_tokens(text, self.hf, PAD if encoder == 0 else 0, embed, vectors if vectors is not None else [])

    def encode(self, text, layer=None, embed=None, text_g=None):
        """text for both encoders; or CLIPTextEncodeSDXL: text (text_l) for CLIP-L and text_g for
        CLIP-G, the encoder with fewer windows padded with empty windows [BOS, EOS, pad...] first."""
        layer = self.default_layer if layer is None else layer
        vl, vg = [], []
        wl = self.tokens(text, embed, vl, 0)
        wg = self.tokens(text if text_g is None else text_g, embed, vg, 1)
        if text_g is not None:
            for w, pad in ((wl, PAD), (wg, 0)):
                while len(w) < max(len(wl), len(wg)):
                    w.append([(BOS, 1.0), (EOS, 1.0)] + [(pad, 1.0)] * 75)
        cl, _ = oracle_encode(wl, self.enc_l, self.layers_l, layer, PAD, vl)
        cg, pooled = oracle_encode(wg, self.enc_g, self.layers_g, layer, 0, vg)
        cut = min(cl.shape[1], cg.shape[1])
        return np.concatenate([cl[:, :cut], cg[:, :cut]], axis=-1), pooled


@pytest.fixture(scope="module", params=[CKPT, CKPT_SD2, CKPT_SDXL])
def env(request, tiny_models):
    fam = (SdxlFamily if request.param == CKPT_SDXL else Family)(tiny_models, request.param)
    yield fam
    fam.pkg.close()


def test_weights_examples():
    # spec §6.1 examples
    assert token_weights("(foo)", 1.0) == [("foo", 1.1)]
    assert token_weights("a (cat:1.2) on ((grass))", 1.0)[3] == ("grass", 1.2100000000000002)


@pytest.mark.parametrize("text", PROMPTS)
def test_tokens_and_weights(env, text):
    clip = cfy_models.Clip(env.pkg)
    got = clip.tokenize(text)
    clip.close()
    want = env.tokens(text)
    assert [[t for t, _ in w] for w in got] == [[t for t, _ in w] for w in want]
    assert [[np.float32(x) for _, x in w] for w in got] == [[np.float32(x) for _, x in w] for w in want]


@pytest.mark.parametrize("layer", [None, -1, -2, -3])
@pytest.mark.parametrize("text", PROMPTS)
def test_encode_matches_oracle(env, text, layer):
    clip = cfy_models.Clip(env.pkg, layer)
    cond, pooled = clip.encode(text)
    clip.close()
    rc, rp = env.encode(text, layer)
    assert cond.shape == rc.shape and pooled.shape == rp.shape
    assert np.linalg.norm(cond - rc) <= 1e-4 * np.linalg.norm(rc)
    assert np.linalg.norm(pooled - rp) <= 1e-4 * np.linalg.norm(rp)


def test_sd2_conventions(tiny_models):
    """The SD2 package pads with 0 and takes the penultimate layer unless told otherwise."""
    fam = Family(tiny_models, CKPT_SD2)
    clip = cfy_models.Clip(fam.pkg)
    toks = clip.tokenize("a photo of a cat")
    default, _ = clip.encode("a photo of a cat")
    clip.close()
    clip = cfy_models.Clip(fam.pkg, -1)
    last, _ = clip.encode("a photo of a cat")
    clip.close()
    fam.pkg.close()
    assert [t for t, _ in toks[0]][-70:] == [0] * 70
    rc, _ = fam.encode("a photo of a cat", -2)
    assert np.linalg.norm(default - rc) <= 1e-4 * np.linalg.norm(rc)
    assert np.linalg.norm(default - last) > 1e-2 * np.linalg.norm(last)


@pytest.fixture(scope="module")
def sdxl_env(tiny_models):
    fam = SdxlFamily(tiny_models, CKPT_SDXL)
    yield fam
    fam.pkg.close()


@pytest.mark.parametrize("text", PROMPTS)
def test_sdxl_tokens_per_encoder(sdxl_env, text):
    """The same prompt tokenised for CLIP-L (pad = EOS) and for bigG (pad 0)."""
    clip = cfy_models.Clip(sdxl_env.pkg)
    assert clip.n_encoders() == 2
    got = [clip.tokenize(text, k) for k in (0, 1)]
    clip.close()
    for k in (0, 1):
        want = sdxl_env.tokens(text, encoder=k)
        assert [[t for t, _ in w] for w in got[k]] == [[t for t, _ in w] for w in want]

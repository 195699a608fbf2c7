"""The tiny SDXL package (tests/py/tiny_models.py CKPT_SDXL): its manifest, and each compiled
component loaded and run from C against an eager reference (rel. error <= 1e-4, fp32).

UNet: the exporter's eager module (per-block transformer depths, label_emb on y), at several
shapes. text_encoder (CLIP-L): the exporter's transformers module, hidden states without the
final layer norm. text_encoder_2 (OpenCLIP bigG): the OpenCLIP-layout oracle reading the
checkpoint's own conditioner.embedders.1.model.* keys (final_norm=False), hidden + pooled.
"""
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import cfy_models  # noqa: E402
import openclip_oracle  # noqa: E402
from tiny_models import CKPT_SDXL  # noqa: E402


def rel_err(a, b):
    return float(np.linalg.norm(a.astype(np.float64) - b) / max(np.linalg.norm(b.astype(np.float64)), 1e-30))


@pytest.fixture(scope="module")
def sdxl(tiny_models):
    from comfyc_export import checkpoint
    src = tiny_models / "checkpoints" / CKPT_SDXL
    sd, meta = checkpoint.load_state_dict(src)
    pkg_dir = tiny_models / "checkpoints" / (src.name + ".comfyc")
    pkg = cfy_models.Package(pkg_dir)
    with open(pkg_dir / "manifest.json") as f:
        man = json.load(f)
    yield sd, meta, pkg, man
    pkg.close()


def test_manifest(sdxl):
    _, _, _, man = sdxl
    assert man["family"] == "sdxl" and man["prediction"] == "eps"
    assert man["exporter"] == "comfyc-export 0.3.0"
    assert man["latent"]["scale_factor"] == 0.13025
    assert man["unet"]["adm_in_channels"] == 32 + 1536 and man["unet"]["pooled_width"] == 32
    cfg = man["unet"]["config"]
    assert (cfg["transformer_depth"], cfg["transformer_depth_middle"], cfg["transformer_depth_output"]) == \
        ([0, 2], 1, [2, 2, 0, 0])
    assert cfg["context_dim"] == 64
    assert set(man["components"]) == {"unet", "vae_encoder", "vae_decoder", "text_encoder", "text_encoder_2"}
    y = man["components"]["unet"]["inputs"][3]
    assert y["name"] == "y" and y["dtype"] == "f32" and y["shape"][0]["dim"] == "batch" and y["shape"][1] == 1568
    l, g = man["text_encoder"], man["text_encoder_2"]
    assert (l["type"], l["pad"], l["hidden_size"], l["num_layers"], l["default_layer"], l["final_norm"], l["component"]) \
        == ("clip_l", 49407, 32, 3, -2, False, "text_encoder")
    assert (g["type"], g["pad"], g["hidden_size"], g["num_layers"], g["default_layer"], g["final_norm"], g["component"]) \
        == ("clip_g", 0, 32, 3, -2, False, "text_encoder_2")
    assert l["vocab"] == g["vocab"] and l["merges"] == g["merges"]
    assert [o["name"] for o in man["components"]["text_encoder"]["outputs"]] == ["hidden"]
    assert [o["name"] for o in man["components"]["text_encoder_2"]["outputs"]] == ["hidden", "pooled"]


@pytest.mark.parametrize("b,h,w,chunks", [(1, 4, 6, 1), (2, 5, 7, 2), (3, 8, 3, 1)])
def test_unet_with_y_matches_eager(sdxl, b, h, w, chunks):
    from comfyc_export import checkpoint
    sd, meta, pkg, _ = sdxl
    unet, cfg, _ = checkpoint.build_unet(sd, meta)
    r = np.random.default_rng(b * 100 + h)
    x = r.standard_normal((b, 4, h, w)).astype(np.float32)
    t = r.uniform(0, 999, (b,)).astype(np.float32)
    ctx = r.standard_normal((b, 77 * chunks, cfg["context_dim"])).astype(np.float32)
    y = r.standard_normal((b, cfg["adm_in_channels"])).astype(np.float32)
    with torch.no_grad():
        ref = unet(*(torch.from_numpy(a) for a in (x, t, ctx, y))).numpy()
        other = unet(*(torch.from_numpy(a) for a in (x, t, ctx, np.zeros_like(y)))).numpy()
    assert rel_err(other, ref) > 1e-3  # y matters
    st, out = pkg.run("unet", x, t, ctx, y)
    assert st == 0, str(out)
    assert out[0].shape == ref.shape
    assert rel_err(out[0], ref) <= 1e-4


def test_unet_y_is_checked(sdxl):
    _, _, pkg, _ = sdxl
    x, t, ctx = np.zeros((1, 4, 4, 4), np.float32), np.zeros(1, np.float32), np.zeros((1, 77, 64), np.float32)
    st, err = pkg.run("unet", x, t, ctx, np.zeros((1, 1000), np.float32))
    assert st == 1 and b"'y'" in err.message and b"1568" in err.message
    st, err = pkg.run("unet", x, t, ctx, np.zeros((2, 1568), np.float32))
    assert st == 1 and b"'y'" in err.message and b"another input" in err.message
    st, err = pkg.run("unet", x, t, ctx)
    assert st == 1 and b"takes 4" in err.message


def tokens(b, pad, seed):
    r = np.random.default_rng(seed)
    tok = np.full((b, 77), pad, dtype=np.int64)
    tok[:, 0] = 49406
    for i in range(b):
        n = 5 + 7 * i
        tok[i, 1:1 + n] = r.integers(0, 49406, n)
        tok[i, 1 + n] = 49407
    tok[0, 2] = -1  # a textual-inversion vector in place of a token embedding
    vec = np.zeros((b, 77, 32), np.float32)
    vec[0, 2] = r.standard_normal(32).astype(np.float32)
    return tok, vec


@pytest.mark.parametrize("b", [1, 3])
def test_text_encoder_clip_l_without_final_norm(sdxl, b):
    from comfyc_export import checkpoint
    sd, meta, pkg, _ = sdxl
    (clip_l, _), _ = checkpoint.build_sdxl_clips(sd, meta)
    tok, vec = tokens(b, 49407, b)
    with torch.no_grad():
        ref = checkpoint.TextEncoderLayers(clip_l, final_norm=False)(torch.from_numpy(tok), torch.from_numpy(vec)).numpy()
        # the last raw layer through the final layer norm is transformers' own last_hidden_state
        emb = checkpoint.text_model(clip_l).embeddings.token_embedding
        normed = checkpoint.text_model(clip_l).final_layer_norm(torch.from_numpy(ref[-1])).numpy()
        emb.vectors = torch.from_numpy(vec)
        try:
            last = clip_l(input_ids=torch.from_numpy(tok)).last_hidden_state.numpy()
        finally:
            emb.vectors = None
    assert rel_err(normed, last) <= 1e-5
    assert rel_err(ref[-1], last) > 1e-2  # really without the final norm
    st, out = pkg.run("text_encoder", tok, vec, n_out=1)
    assert st == 0, str(out)
    assert out[0].shape == (3, b, 77, 32)
    assert rel_err(out[0], ref) <= 1e-4


@pytest.mark.parametrize("b", [1, 3])
def test_text_encoder_2_bigg_matches_oracle(sdxl, b):
    sd, meta, pkg, _ = sdxl
    tok, vec = tokens(b, 0, 10 + b)
    enc = openclip_oracle.OpenClipText(sd, int(meta["comfyc.clip_g_num_heads"]), prefix=openclip_oracle.SDXL_G_PREFIX,
                                       final_norm=False)
    hs, pooled = (t.numpy() for t in enc(torch.from_numpy(tok), torch.from_numpy(vec)))
    normed = openclip_oracle.OpenClipText(sd, int(meta["comfyc.clip_g_num_heads"]),
                                          prefix=openclip_oracle.SDXL_G_PREFIX)(torch.from_numpy(tok),
                                                                                 torch.from_numpy(vec))[0].numpy()
    assert rel_err(hs, normed) > 1e-2
    st, out = pkg.run("text_encoder_2", tok, vec, n_out=2)
    assert st == 0, str(out)
    assert out[0].shape == (3, b, 77, 32) and out[1].shape == (b, 32)
    assert rel_err(out[0], hs) <= 1e-4
    assert rel_err(out[1], pooled) <= 1e-4

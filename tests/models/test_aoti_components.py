"""Each compiled component of the tiny models, loaded and run from C, against the eager module.

The eager modules are built by the export tool's own loaders from the same tiny checkpoint, so
this checks torch.export + AOTInductor + our C loader end to end (rel. error <= 1e-4, fp32),
at two or more shapes inside the exported ranges, plus refusals outside them.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import cfy_models  # noqa: E402
from tiny_models import CKPT, CKPT_SD2  # noqa: E402


def rel_err(a, b):
    return float(np.linalg.norm(a.astype(np.float64) - b) / max(np.linalg.norm(b.astype(np.float64)), 1e-30))


@pytest.fixture(scope="module", params=[CKPT, CKPT_SD2])
def ckpt(request, tiny_models):
    from comfyc_export import checkpoint
    src = tiny_models / "checkpoints" / request.param
    sd, meta = checkpoint.load_state_dict(src)
    pkg = cfy_models.Package(tiny_models / "checkpoints" / (src.name + ".comfyc"))
    yield sd, meta, pkg
    pkg.close()


def rng(seed):
    return np.random.default_rng(seed)


@pytest.mark.parametrize("b,h,w,chunks", [(1, 4, 6, 1), (2, 8, 8, 2), (3, 10, 4, 1), (2, 5, 7, 1), (1, 3, 13, 3)])
def test_unet_matches_eager(ckpt, b, h, w, chunks):
    from comfyc_export import checkpoint
    sd, meta, pkg = ckpt
    unet, cfg, _ = checkpoint.build_unet(sd, meta)
    r = rng(b * 100 + h)
    x = r.standard_normal((b, 4, h, w)).astype(np.float32)
    t = r.uniform(0, 999, (b,)).astype(np.float32)
    ctx = r.standard_normal((b, 77 * chunks, cfg["context_dim"])).astype(np.float32)
    with torch.no_grad():
        ref = unet(torch.from_numpy(x), torch.from_numpy(t), torch.from_numpy(ctx)).numpy()
    st, out = pkg.run("unet", x, t, ctx)
    assert st == 0, str(out)
    assert out[0].shape == ref.shape
    assert rel_err(out[0], ref) <= 1e-4


@pytest.mark.parametrize("b,h,w", [(1, 16, 24), (2, 32, 16)])
def test_vae_matches_eager(ckpt, b, h, w):
    from comfyc_export import arch_vae, checkpoint
    sd, meta, pkg = ckpt
    vae, _ = checkpoint.build_vae(sd)
    r = rng(h * w + b)
    img = r.uniform(0, 1, (b, h, w, 3)).astype(np.float32)
    lat = r.standard_normal((b, 4, h // 8, w // 8)).astype(np.float32)
    with torch.no_grad():
        ref_lat = arch_vae.VAEEncode(vae)(torch.from_numpy(img)).numpy()
        ref_img = arch_vae.VAEDecode(vae)(torch.from_numpy(lat)).numpy()
    st, out = pkg.run("vae_encoder", img)
    assert st == 0, str(out)
    assert out[0].shape == (b, 4, h // 8, w // 8)
    assert rel_err(out[0], ref_lat) <= 1e-4
    st, out = pkg.run("vae_decoder", lat)
    assert st == 0, str(out)
    assert out[0].shape == (b, h, w, 3)
    assert rel_err(out[0], ref_img) <= 1e-4


@pytest.mark.parametrize("b", [1, 3])
def test_text_encoder_matches_eager(ckpt, b):
    """SD1: against the exporter's eager transformers module. SD2: against an OpenCLIP-layout oracle
    reading the checkpoint's own keys, which also checks the exporter's key conversion; the SD2
    graph returns the projected pooled output as a second output."""
    from comfyc_export import checkpoint
    import openclip_oracle
    sd, meta, pkg = ckpt
    r = rng(b)
    tok = np.full((b, 77), 49407, dtype=np.int64)
    openclip = any(k.startswith(openclip_oracle.PREFIX) for k in sd)
    if openclip:
        tok[:] = 0
    tok[:, 0] = 49406
    for i in range(b):
        n = 5 + 7 * i
        tok[i, 1:1 + n] = r.integers(0, 49406, n)
        tok[i, 1 + n] = 49407
    tok[0, 2] = -1  # a textual-inversion vector in place of a token embedding
    width = 32  # both tiny text encoders
    vec = np.zeros((b, 77, width), np.float32)
    vec[0, 2] = r.standard_normal(width).astype(np.float32)
    with torch.no_grad():
        if openclip:
            enc = openclip_oracle.OpenClipText(sd, int(meta["comfyc.clip_num_heads"]))
            ref = [t.numpy() for t in enc(torch.from_numpy(tok), torch.from_numpy(vec))]
        else:
            clip, _ = checkpoint.build_clip(sd, meta)
            ref = [checkpoint.TextEncoderLayers(clip)(torch.from_numpy(tok), torch.from_numpy(vec)).numpy()]
    st, out = pkg.run("text_encoder", tok, vec, n_out=len(ref))
    assert st == 0, str(out)
    for o, rf in zip(out, ref):
        assert o.shape == rf.shape
        assert rel_err(o, rf) <= 1e-4


def test_out_of_range_shapes_are_refused(ckpt):
    _, _, pkg = ckpt
    r = rng(0)
    # latent side below the compiled minimum (3 for the tiny UNet), too-large batch, wrong context width
    st, err = pkg.run("unet", r.standard_normal((1, 4, 2, 6)).astype(np.float32), np.zeros(1, np.float32),
                      np.zeros((1, 77, 32), np.float32))
    assert st == 1 and b"outside the compiled range 3..192" in err.message
    st, err = pkg.run("unet", np.zeros((9, 4, 4, 4), np.float32), np.zeros(9, np.float32), np.zeros((9, 77, 32), np.float32))
    assert st == 1 and b"batch" in err.message
    st, err = pkg.run("unet", np.zeros((1, 4, 4, 4), np.float32), np.zeros(1, np.float32), np.zeros((1, 77, 16), np.float32))
    assert st == 1 and b"context" in err.message
    st, err = pkg.run("unet", np.zeros((2, 4, 4, 4), np.float32), np.zeros(1, np.float32), np.zeros((2, 77, 32), np.float32))
    assert st == 1 and b"another input" in err.message
    st, err = pkg.run("vae_encoder", np.zeros((1, 12, 16, 3), np.float32))
    assert st == 1 and b"h8" in err.message

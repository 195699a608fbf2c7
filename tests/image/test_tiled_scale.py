"""test_tiled_scale.py — ComfyUI's tiled_scale / upscale_with_model against a torch reference
written from the spec (4.6), with a tile-position-dependent fake model called back from C.
Float results within 1e-5; the out-of-memory halving sequence 512 -> 256 -> 128 -> error."""
import ctypes as C

import numpy as np
import pytest
import torch

import cfy
import img_bridge as ib

MODEL_FN = C.CFUNCTYPE(C.c_int, C.c_void_p, cfy.TensorP, C.POINTER(cfy.TensorP), C.POINTER(cfy.Error))
ib._SIGS["cfy_image_tiled_scale"] = [C.c_void_p, cfy.TensorP, MODEL_FN, C.c_void_p, ib.I64, ib.I64, ib.I64,
                                     C.c_double, ib.I64, ib.PP, ib.E]
ib._SIGS["cfy_image_upscale_with_model"] = [C.c_void_p, cfy.TensorP, MODEL_FN, C.c_void_p, C.c_double, ib.PP, ib.E]


def fake_model(x, s):
    """NCHW numpy [1,C,h,w] -> [1,C,s*h,s*w]: nearest upscale, plus a term that depends on the tile
    content and size (so a wrong tile layout or blend shows), slightly outside 0..1."""
    up = x.repeat(s, axis=2).repeat(s, axis=3)
    h, w = x.shape[2:]
    return (up * 1.1 - 0.05 + 0.01 * (h % 7) + 0.003 * (w % 5) + 0.02 * x.mean()).astype(np.float32)


def ref_tiled_scale(samples, s, tile=512, overlap=32):
    samples = torch.from_numpy(samples)
    B, Cc, H, W = samples.shape
    out_all = torch.empty((B, Cc, round(H * s), round(W * s)))
    for b in range(B):
        x = samples[b:b + 1]
        if H <= tile and W <= tile:
            out_all[b:b + 1] = torch.from_numpy(fake_model(x.numpy(), s))
            continue
        out = torch.zeros((1, Cc, round(H * s), round(W * s)))
        div = torch.zeros_like(out)
        pos_h = range(0, H - overlap, tile - overlap) if H > tile else [0]
        pos_w = range(0, W - overlap, tile - overlap) if W > tile else [0]
        for ph in pos_h:
            for pw in pos_w:
                ph2 = max(0, min(H - overlap, ph))
                pw2 = max(0, min(W - overlap, pw))
                lh, lw = min(tile, H - ph2), min(tile, W - pw2)
                ps = torch.from_numpy(fake_model(x[:, :, ph2:ph2 + lh, pw2:pw2 + lw].numpy(), s))
                mask = torch.ones_like(ps)
                feather = round(overlap * s)
                for d in (2, 3):
                    if feather >= mask.shape[d]:
                        continue
                    for t in range(feather):
                        a = (t + 1) / feather
                        mask.narrow(d, t, 1).mul_(a)
                        mask.narrow(d, mask.shape[d] - 1 - t, 1).mul_(a)
                oy, ox = round(ph2 * s), round(pw2 * s)
                out[:, :, oy:oy + ps.shape[2], ox:ox + ps.shape[3]] += ps * mask
                div[:, :, oy:oy + ps.shape[2], ox:ox + ps.shape[3]] += mask
        out_all[b:b + 1] = out / div
    return out_all.numpy()


def make_cb(s, fail_above=None, log=None):
    @MODEL_FN
    def cb(user, tile, out, err):
        x = cfy.to_numpy(tile)
        if log is not None:
            log.append(x.shape)
        if fail_above is not None and max(x.shape[2:]) > fail_above:
            return 3  # CFY_ENOMEM
        out[0] = cfy.to_tensor(fake_model(x, s))
        return 0
    return cb


def run(name, img, cb, *args):
    ib._load_lazy()
    t = cfy.to_tensor(img)
    out = cfy.TensorP()
    err = cfy.Error()
    st = ib.fn(name)(None, t, cb, None, *args, C.byref(out), C.byref(err))
    cfy.release(t)
    if st != 0:
        raise ib.CfyError(st, err.message.decode())
    a = cfy.to_numpy(out)
    cfy.release(out)
    return a


@pytest.mark.parametrize("H,W,s,tile,overlap", [(40, 37, 2, 16, 4), (100, 61, 2, 32, 8), (70, 70, 1, 24, 6),
                                                (33, 90, 3, 20, 5), (10, 12, 2, 16, 4), (64, 64, 4, 32, 8)])
def test_tiled_scale_matches_reference(H, W, s, tile, overlap):
    rng = np.random.default_rng(H * W)
    img = rng.random((2, 3, H, W), dtype=np.float32)
    cb = make_cb(s)
    got = run("cfy_image_tiled_scale", img, cb, tile, tile, overlap, float(s), 3)
    ref = ref_tiled_scale(img, s, tile, overlap)
    assert got.shape == ref.shape
    assert np.abs(got - ref).max() <= 1e-5


def test_upscale_with_model_full_size_and_clamp():
    rng = np.random.default_rng(1)
    img = rng.random((1, 600, 530, 3), dtype=np.float32)
    cb = make_cb(2)
    got = run("cfy_image_upscale_with_model", img, cb, 2.0)
    ref = np.clip(ref_tiled_scale(img.transpose(0, 3, 1, 2).copy(), 2), 0, 1).transpose(0, 2, 3, 1)
    assert got.shape == (1, 1200, 1060, 3)
    assert np.abs(got - ref).max() <= 1e-5
    assert got.min() >= 0 and got.max() <= 1


def test_oom_halves_tile():
    img = np.random.default_rng(2).random((1, 300, 300, 3), dtype=np.float32)
    log = []
    got = run("cfy_image_upscale_with_model", img, make_cb(2, fail_above=256, log=log), 2.0)
    assert log[0][2:] == (300, 300)           # one 512 tile: fails
    assert max(sh[2] for sh in log[1:]) == 256  # retried with 256 tiles
    ref = np.clip(ref_tiled_scale(img.transpose(0, 3, 1, 2).copy(), 2, 256), 0, 1).transpose(0, 2, 3, 1)
    assert np.abs(got - ref).max() <= 1e-5
    with pytest.raises(ib.CfyError) as e:
        run("cfy_image_upscale_with_model", img, make_cb(2, fail_above=64), 2.0)
    assert e.value.code == 3


def test_bad_model_output():
    @MODEL_FN
    def bad(user, tile, out, err):
        out[0] = cfy.to_tensor(np.zeros((1, 3, 5, 5), np.float32))
        return 0
    with pytest.raises(ib.CfyError):
        run("cfy_image_tiled_scale", np.zeros((1, 3, 40, 40), np.float32), bad, 16, 16, 4, 2.0, 3)

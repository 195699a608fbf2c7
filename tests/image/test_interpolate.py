"""test_interpolate.py — torch.nn.functional.interpolate (bilinear, nearest-exact, bicubic, area;
align_corners False) against torch at test time, within 1e-5, on masks and images."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import img_bridge as ib


def torch_ref(a, w, h, mode):
    """a: [B,H,W,C] -> NCHW interpolate -> [B,h,w,C]."""
    t = torch.from_numpy(a).permute(0, 3, 1, 2)
    r = F.interpolate(t, size=(h, w), mode=mode, **({} if mode in ("nearest-exact", "area") else
                                                       {"align_corners": False}))
    return r.permute(0, 2, 3, 1).numpy()


@pytest.mark.parametrize("mode", ["bilinear", "nearest-exact", "bicubic", "area"])
def test_random_images(mode):
    rng = np.random.default_rng({"bilinear": 1, "nearest-exact": 2, "bicubic": 3, "area": 4}[mode])
    for i in range(40):
        B, H, W, C = int(rng.integers(1, 3)), int(rng.integers(1, 40)), int(rng.integers(1, 40)), [1, 3, 4][i % 3]
        h, w = int(rng.integers(1, 70)), int(rng.integers(1, 70))
        a = rng.random((B, H, W, C), dtype=np.float32)
        got = ib.call_out("cfy_image_interpolate", a, w, h, ib.INTERP[mode])
        ref = torch_ref(a, w, h, mode)
        assert got.shape == ref.shape
        d = np.abs(got - ref).max()
        assert d <= 1e-5, (mode, a.shape, h, w, d)


def test_mask_ranks():
    rng = np.random.default_rng(9)
    m = rng.random((2, 13, 17), dtype=np.float32)
    got = ib.call_out("cfy_image_interpolate", m, 29, 7, 0)
    ref = torch_ref(m[..., None], 29, 7, "bilinear")[..., 0]
    assert got.shape == (2, 7, 29) and np.abs(got - ref).max() <= 1e-5
    got2 = ib.call_out("cfy_image_interpolate", m[0], 29, 7, 0)
    assert got2.shape == (7, 29) and np.abs(got2 - ref[0]).max() <= 1e-5


def test_spec_vector():
    m = np.array([[0, 1, 0], [1, 1, 0]], np.float32)
    got = ib.call_out("cfy_image_interpolate", m, 5, 3, 0)
    exp = np.array([[0, 0.4, 1, 0.4, 0], [0.5, 0.7, 1, 0.4, 0], [1, 1, 1, 0.4, 0]], np.float32)
    assert np.abs(got - exp).max() < 1e-6


def test_bad_sizes():
    for (w, h) in [(0, 3), (3, -2), (100000, 3)]:
        with pytest.raises(ib.CfyError):
            ib.call_out("cfy_image_interpolate", np.zeros((2, 2), np.float32), w, h, 0)
    with pytest.raises(ib.CfyError):
        ib.call_out("cfy_image_interpolate", np.zeros((0, 2), np.float32), 2, 2, 0)

"""test_blur.py — Impact's tensor_gaussian_blur_mask against a torchvision-GaussianBlur reference
written in torch (float32 kernel, outer product, reflect padding, conv2d), within 1e-5."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import img_bridge as ib


def tv_gaussian_blur(img, k, sigma=10.0):
    """torchvision.transforms.functional.gaussian_blur on float [N,1,h,w] (documented semantics)."""
    half = (k - 1) * 0.5
    x = torch.linspace(-half, half, steps=k)
    pdf = torch.exp(-0.5 * (x / sigma).pow(2))
    k1 = pdf / pdf.sum()
    k2 = torch.mm(k1[:, None], k1[None, :])
    p = k // 2
    padded = F.pad(img, [p, p, p, p], mode="reflect")
    return F.conv2d(padded, k2[None, None].to(img.dtype))


def impact_blur(mask, feather):
    """tensor_gaussian_blur_mask from the spec (4.4), returns [B,h,w,1]."""
    m = torch.from_numpy(mask)
    if m.ndim == 2:
        m = m[None, ..., None]
    elif m.ndim == 3:
        m = m[..., None]
    if feather <= 0:
        return m.numpy()
    k = feather * 2 + 1
    sm = min(m.shape[1], m.shape[2])
    if sm <= k:
        k = int(sm / 2)
        if k % 2 == 0:
            k += 1
        if k < 3:
            return m.numpy()
    return tv_gaussian_blur(m[:, None, ..., 0], k)[:, 0, ..., None].numpy()


def test_random_masks():
    rng = np.random.default_rng(4)
    n = 0
    for i in range(60):
        h, w = int(rng.integers(1, 90)), int(rng.integers(1, 90))
        feather = int(rng.integers(0, 25))
        shape = [(h, w), (1, h, w), (2, h, w)][i % 3]
        m = (rng.random(shape) > 0.6).astype(np.float32) * rng.random(shape).astype(np.float32)
        got = ib.call_out("cfy_image_blur_mask", m, feather)
        ref = impact_blur(m, feather)
        assert got.shape == ref.shape, (shape, feather)
        d = np.abs(got - ref).max()
        assert d <= 1e-5, (shape, feather, d)
        n += 1
    assert n == 60


def test_large_kernel_and_shrink_rule():
    m = np.zeros((1, 200, 160), np.float32)
    m[0, 50:120, 40:100] = 1
    for f in (5, 20, 50, 100):
        assert np.abs(ib.call_out("cfy_image_blur_mask", m, f) - impact_blur(m, f)).max() <= 1e-5
    small = np.ones((11, 30), np.float32)
    assert (ib.call_out("cfy_image_blur_mask", small[:2], 5) == small[:2][None, ..., None]).all()  # k < 3: skip
    assert np.abs(ib.call_out("cfy_image_blur_mask", small[:4], 5) - impact_blur(small[:4], 5)).max() <= 1e-5


def test_spec_vector():
    m = np.zeros((6, 6), np.float32)
    m[2:4, 2:5] = 1
    got = ib.call_out("cfy_image_blur_mask", m, 1)[0, :, :, 0]
    assert abs(got[1, 1] - 0.1107407) < 1e-6 and abs(got[2, 3] - 0.6672226) < 1e-6
    assert abs(got[1, 5] - 0.2214815) < 1e-6 and got[0, 0] == 0


def test_bad_input():
    with pytest.raises(ib.CfyError):
        ib.call_out("cfy_image_blur_mask", np.zeros((0, 3), np.float32), 5)
    with pytest.raises(ib.CfyError):
        ib.call_out("cfy_image_blur_mask", np.zeros((1, 3, 3, 2), np.float32), 5)

"""test_paste.py — crop and Impact's tensor_paste against the torch formulation of the spec
(2.7): bit-exact float32 blend, mask resize when sizes differ (1e-5), border clipping, errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import img_bridge as ib


def ref_paste(image1, image2, x, y, mask):
    image1 = torch.from_numpy(image1.copy())
    image2 = torch.from_numpy(image2)
    mask = torch.from_numpy(mask)
    if mask.ndim == 2:
        mask = mask[None]
    if mask.ndim == 3:
        mask = mask[..., None]
    if image2.shape[1:3] != mask.shape[1:3]:
        mask = F.interpolate(mask.permute(0, 3, 1, 2), size=tuple(image2.shape[1:3]), mode="bilinear",
                             align_corners=False).permute(0, 2, 3, 1)
    _, h1, w1, _ = image1.shape
    _, h2, w2, _ = image2.shape
    w = min(w1, x + w2) - x
    h = min(h1, y + h2) - y
    if w <= 0 or h <= 0:
        return image1.numpy()
    mask = mask[:, :h, :w, :]
    image1[:, y:y + h, x:x + w, :] = (1 - mask) * image1[:, y:y + h, x:x + w, :] + mask * image2[:, :h, :w, :]
    return image1.numpy()


def test_random_pastes():
    rng = np.random.default_rng(8)
    for i in range(60):
        B = int(rng.integers(1, 3))
        H, W = int(rng.integers(4, 50)), int(rng.integers(4, 50))
        h2, w2 = int(rng.integers(1, 40)), int(rng.integers(1, 40))
        x, y = int(rng.integers(0, W + 3)), int(rng.integers(0, H + 3))
        img1 = rng.random((B, H, W, 3), dtype=np.float32)
        img2 = rng.random((int(rng.integers(1, B + 1)), h2, w2, 3), dtype=np.float32)
        same = i % 3 != 0
        mh, mw = (h2, w2) if same else (int(rng.integers(1, 30)), int(rng.integers(1, 30)))
        mask = rng.random((1, mh, mw, 1), dtype=np.float32)
        mask[mask < 0.3] = 0
        mask[mask > 0.8] = 1
        got = ib.paste(img1, img2, x, y, mask)
        ref = ref_paste(img1, img2, x, y, mask)
        d = np.abs(got - ref).max()
        if same:
            assert d == 0, (i, d)
        else:
            assert d <= 1e-5, (i, d)


def test_crop():
    a = np.arange(2 * 7 * 9 * 3, dtype=np.float32).reshape(2, 7, 9, 3)
    assert (ib.call_out("cfy_image_crop", a, 2, 1, 7, 6) == a[:, 1:6, 2:7]).all()
    assert (ib.call_out("cfy_image_crop", a[0, :, :, 0], 0, 0, 9, 7) == a[0, :, :, 0]).all()
    assert (ib.call_out("cfy_image_crop", a[:, :, :, 0], 0, 3, 9, 4) == a[:, 3:4, :, 0]).all()
    for r in [(-1, 0, 3, 3), (0, 0, 10, 3), (3, 3, 3, 5), (0, 5, 3, 8)]:
        with pytest.raises(ib.CfyError) as e:
            ib.call_out("cfy_image_crop", a, *r)
        assert "crop" in str(e.value) and "[2,7,9,3]" in str(e.value)


def test_paste_errors():
    img = np.zeros((1, 5, 5, 3), np.float32)
    with pytest.raises(ib.CfyError):
        ib.paste(img, np.zeros((1, 2, 2, 3), np.float32), -1, 0, np.ones((2, 2), np.float32))
    with pytest.raises(ib.CfyError):
        ib.paste(img, np.zeros((1, 2, 2, 4), np.float32), 0, 0, np.ones((2, 2), np.float32))
    with pytest.raises(ib.CfyError):
        ib.paste(img, np.zeros((3, 2, 2, 3), np.float32), 0, 0, np.ones((2, 2), np.float32))

"""test_convert.py — tensor2pil / pil2tensor and channel conversions against NumPy / Pillow."""
import numpy as np
import pytest
from PIL import Image

import img_bridge as ib


def test_to_u8_matches_numpy_tensor2pil():
    rng = np.random.default_rng(0)
    v = np.concatenate([rng.random(20000, dtype=np.float32) * 1.4 - 0.2,
                        np.array([0.5, 0.999, 0.00392, 0.003921569, -0.1, 1.2, 1.0, 0.0], np.float32),
                        np.arange(256, dtype=np.float32) / np.float32(255)]).astype(np.float32)
    ref = np.clip(255. * v, 0, 255).astype(np.uint8)
    got = ib.call_out("cfy_image_to_u8", v.reshape(1, -1, 1, 1))
    assert (got.reshape(-1) == ref).all()
    assert got.reshape(-1)[20000:20006].tolist() == [127, 254, 0, 1, 0, 255]


def test_from_u8_and_round_trip():
    q = np.arange(256, dtype=np.uint8).reshape(1, 16, 16, 1)
    f = ib.call_out("cfy_image_from_u8", q)
    assert (f == q.astype(np.float32) / 255.0).all()
    assert (ib.call_out("cfy_image_to_u8", f) == q).all()


def test_strided_input():
    a = np.random.default_rng(1).random((2, 5, 7, 3), dtype=np.float32)
    got = ib.call_out("cfy_image_to_u8", a)  # contiguous path
    assert (got == np.clip(255. * a, 0, 255).astype(np.uint8)).all()


@pytest.mark.parametrize("cin,cout", [(3, 1), (4, 1), (1, 3), (1, 4), (3, 4), (4, 3), (3, 3)])
def test_channels_u8_match_pillow(cin, cout):
    rng = np.random.default_rng(cin * 10 + cout)
    a = rng.integers(0, 256, (9, 11, cin), dtype=np.uint8)
    modes = {1: "L", 3: "RGB", 4: "RGBA"}
    im = Image.fromarray(a[:, :, 0] if cin == 1 else a, modes[cin])
    ref = np.asarray(im.convert(modes[cout]))
    if cout == 1:
        ref = ref[:, :, None]
    got = ib.call_out("cfy_image_convert_channels", a[None], cout)[0]
    assert (got == ref).all()


def test_channels_f32():
    a = np.random.default_rng(2).random((1, 4, 5, 3), dtype=np.float32)
    rgba = ib.call_out("cfy_image_convert_channels", a, 4)
    assert (rgba[..., :3] == a).all() and (rgba[..., 3] == 1).all()
    assert (ib.call_out("cfy_image_convert_channels", rgba, 3) == a).all()
    l = ib.call_out("cfy_image_convert_channels", a, 1)
    ref = np.float32(0.299) * a[..., 0] + np.float32(0.587) * a[..., 1] + np.float32(0.114) * a[..., 2]
    assert np.abs(l[..., 0] - ref).max() < 1e-6


def test_bad_channels():
    with pytest.raises(ib.CfyError):
        ib.call_out("cfy_image_convert_channels", np.zeros((1, 2, 2, 2), np.float32), 3)
    with pytest.raises(ib.CfyError):
        ib.call_out("cfy_image_convert_channels", np.zeros((1, 2, 2, 3), np.float32), 2)
    with pytest.raises(ib.CfyError):
        ib.call_out("cfy_image_to_u8", np.zeros((2, 2), np.uint8))

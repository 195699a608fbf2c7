"""test_resize.py — Pillow-exact 8-bit resize against Pillow itself, computed at test time.

Asserts max abs diff 0 over >= 200 random cases: all four filters, up- and downscaling, odd
sizes, L / RGB / RGBA (premultiplied path), single-axis changes, same-size copies; the 8x
supersample chain against two Pillow resizes; the spec's whole-image vectors; bad input."""
import numpy as np
import pytest
from PIL import Image

import img_bridge as ib

MODES = {1: "L", 3: "RGB", 4: "RGBA"}
PIL_FILTERS = {"nearest": Image.NEAREST, "lanczos": Image.LANCZOS, "bilinear": Image.BILINEAR,
               "bicubic": Image.BICUBIC}


def pil_resize(a, w, h, flt):
    mode = MODES[a.shape[2]]
    im = Image.fromarray(a[:, :, 0] if mode == "L" else a, mode)
    r = np.asarray(im.resize((w, h), PIL_FILTERS[flt]))
    return r[:, :, None] if mode == "L" else r


def random_image(rng, h, w, c):
    kind = rng.integers(0, 3)
    if kind == 0:
        return rng.integers(0, 256, (h, w, c), dtype=np.uint8)
    if kind == 1:  # smooth content: gradients + noise
        yy, xx = np.mgrid[0:h, 0:w]
        base = (np.sin(xx / (1 + w / 7)) + np.cos(yy / (1 + h / 5))) * 60 + 128
        a = base[:, :, None] + rng.normal(0, 20, (h, w, c))
        return np.clip(a, 0, 255).astype(np.uint8)
    a = rng.integers(0, 2, (h, w, c), dtype=np.uint8) * 255  # hard edges, extremes
    return a


def _cases():
    rng = np.random.default_rng(20241125)
    cases = []
    filters = list(PIL_FILTERS)
    for i in range(240):
        flt = filters[i % 4]
        c = [1, 3, 4][(i // 4) % 3]
        h, w = int(rng.integers(1, 48)), int(rng.integers(1, 48))
        kind = i % 5
        if kind == 0:
            nh, nw = int(rng.integers(1, 120)), int(rng.integers(1, 120))  # anything
        elif kind == 1:
            nh, nw = int(rng.integers(h, 3 * h + 2)), int(rng.integers(w, 3 * w + 2))  # up
        elif kind == 2:
            nh, nw = max(1, int(rng.integers(1, h + 1))), max(1, int(rng.integers(1, w + 1)))  # down
        elif kind == 3:
            nh, nw = h, int(rng.integers(1, 100))  # width only
        else:
            nh, nw = int(rng.integers(1, 100)), w  # height only
        cases.append((i, flt, c, h, w, nh, nw))
    return cases


CASES = _cases()


@pytest.mark.parametrize("flt", list(PIL_FILTERS))
def test_resize_bit_exact_random(flt):
    rng = np.random.default_rng({"nearest": 1, "lanczos": 2, "bilinear": 3, "bicubic": 4}[flt])
    n = 0
    for (i, f, c, h, w, nh, nw) in CASES:
        if f != flt:
            continue
        a = random_image(rng, h, w, c)
        ref = pil_resize(a, nw, nh, flt)
        got = ib.resize_u8(a, nw, nh, flt)
        assert got.shape == ref.shape, (i, got.shape, ref.shape)
        d = np.abs(got.astype(int) - ref.astype(int)).max()
        assert d == 0, f"case {i}: {flt} {MODES[c]} {w}x{h}->{nw}x{nh} max diff {d}"
        n += 1
    assert n == 60


def test_resize_large_factors():
    rng = np.random.default_rng(7)
    for flt in PIL_FILTERS:
        for (h, w, nh, nw) in [(301, 257, 37, 29), (13, 11, 211, 197), (640, 480, 41, 33), (5, 300, 77, 3)]:
            a = random_image(rng, h, w, 3)
            assert (ib.resize_u8(a, nw, nh, flt) == pil_resize(a, nw, nh, flt)).all(), (flt, h, w, nh, nw)


def test_resize_batch():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 256, (3, 17, 23, 3), dtype=np.uint8)
    got = ib.resize_u8(a, 31, 9, "lanczos")
    for b in range(3):
        assert (got[b] == pil_resize(a[b], 31, 9, "lanczos")).all()


@pytest.mark.parametrize("flt", list(PIL_FILTERS))
def test_supersample_chain(flt):
    rng = np.random.default_rng(11)
    for (h, w, f, c) in [(4, 5, 1.5, 3), (23, 17, 2.0, 3), (31, 29, 0.5, 3), (12, 10, 1.37, 4), (9, 14, 3.0, 1),
                         (16, 16, 1.0, 3), (40, 13, 1.5, 3), (90, 20, 0.1, 4), (57, 11, 1.3, 4)]:
        a = random_image(rng, h, w, c)
        nw, nh = int(w * f), int(h * f)
        ref = pil_resize(pil_resize(a, nw * 8, nh * 8, flt), nw, nh, flt)
        got = ib.resize_u8(a, nw, nh, flt, supersample=True)
        assert (got == ref).all(), (flt, h, w, f, c)


def test_spec_vectors():
    src = np.array([[0, 64, 128, 255], [255, 200, 30, 10], [90, 91, 250, 5]], np.uint8)[:, :, None]
    exp = {"bilinear": [[102, 103, 142], [146, 150, 55]], "bicubic": [[102, 98, 147], [150, 157, 42]],
           "lanczos": [[109, 94, 145], [152, 162, 36]], "nearest": [[0, 128, 255], [90, 250, 5]]}
    for flt, e in exp.items():
        assert ib.resize_u8(src, 3, 2, flt)[:, :, 0].tolist() == e
    a = np.array([[126, 33, 124, 161, 5], [132, 41, 233, 106, 9], [77, 68, 53, 189, 149], [61, 70, 254, 212, 28]],
                 np.uint8)[:, :, None]
    got = ib.resize_u8(a, 7, 6, "lanczos", supersample=True)[:, :, 0]
    assert got[0].tolist() == [133, 69, 33, 109, 183, 97, 5]
    assert got[5].tolist() == [64, 40, 130, 255, 251, 109, 5]


def test_float_round_trip_matches_pil():
    """cfy_image_resize_pil == tensor2pil -> Pillow -> pil2tensor (Impact's tensor_resize)."""
    rng = np.random.default_rng(5)
    img = rng.random((2, 13, 19, 3), dtype=np.float32) * 1.2 - 0.1
    got = ib.call_out("cfy_image_resize_pil", img, 27, 8, ib.FILTERS["lanczos"], False)
    for b in range(2):
        q = np.clip(255. * img[b], 0, 255).astype(np.uint8)
        ref = np.array(Image.fromarray(q).resize((27, 8), Image.LANCZOS)).astype(np.float32) / 255.0
        assert (got[b] == ref).all()


def test_bad_input():
    a = np.zeros((4, 4, 3), np.uint8)
    for (w, h) in [(0, 4), (4, -1), (20000, 4)]:
        with pytest.raises(ib.CfyError) as e:
            ib.resize_u8(a, w, h, "lanczos")
        assert e.value.code == 1  # CFY_EINVAL
        assert "resize" in str(e.value)
    with pytest.raises(ib.CfyError):
        ib.resize_u8(np.zeros((4, 4, 2), np.uint8), 3, 3, "bilinear")
    with pytest.raises(ib.CfyError):
        ib.resize_u8(np.zeros((0, 4, 3), np.uint8), 3, 3, "bilinear")
    with pytest.raises(ib.CfyError):
        ib.call_out("cfy_image_resize_u8", np.zeros((4, 4, 3), np.float32), 3, 3, 1)


def test_legacy_pass_order_matches_pillow_horizontal_first():
    """CFY_RESIZE_PILLOW_LEGACY (Pillow <= 12: horizontal pass first) equals Pillow's own width-only
    resize followed by its height-only resize (single-axis resizes have no order to choose)."""
    rng = np.random.default_rng(21)
    for i in range(40):
        flt = ["lanczos", "bilinear", "bicubic"][i % 3]
        c = [1, 3, 4][(i // 3) % 3]
        h, w = int(rng.integers(2, 60)), int(rng.integers(2, 60))
        nh, nw = int(rng.integers(1, 60)), int(rng.integers(1, 60))
        a = random_image(rng, h, w, c)
        if c == 4:  # two Pillow calls would unpremultiply in between; compare on opaque images
            a[..., 3] = 255
        ref = pil_resize(pil_resize(a, nw, h, flt), nw, nh, flt)
        got = ib.call_out("cfy_image_resize_u8_ex", a, nw, nh, ib.FILTERS[flt], 2)
        assert (got == ref).all(), (flt, c, h, w, nh, nw)

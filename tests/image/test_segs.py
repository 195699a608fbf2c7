"""test_segs.py — SEGS producers against a Python oracle written from the spec (segs-upscaler.md
3.1-3.4, 2.4): make_crop_region, mask_to_segs (combined and contours), MakeTileSEGS layouts
with and without filter SEGS, segs_scale_match (swapped factors), combined masks.
The MaskToSEGS oracle (real OpenCV contours) and the MakeTileSEGS oracle (with make_crop_region and
the combined-mask/dilation helpers) are the ones in tests/oracle/segs_oracle.py, shared with the
SEGSUpscaler parity tests and tests/image/test_mask_to_segs_opencv.py.
Compares crop regions, bboxes and masks on >= 50 random cases per producer."""
import pathlib
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import img_bridge as ib

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "oracle"))
import segs_oracle as so  # noqa: E402  (the MaskToSEGS and MakeTileSEGS oracles live there)
from segs_oracle import make_crop_region  # noqa: E402


# ---------------- oracles (tests/oracle/segs_oracle.py) in this file's form ----------------

def as_items(shape, segs):
    """The oracle's (shape, [Seg]) -> (shape, [(crop, float bbox, mask)]), the form same_segs takes."""
    return shape, [(s.crop, [float(v) for v in s.bbox], s.mask) for s in segs]


def oracle_mask_to_segs(mask, combined, crop_factor, bbox_fill, drop_size, contour_fill):
    """segs_oracle.mask_to_segs (Impact's mask_to_segs with real OpenCV) in this file's form."""
    return as_items(*so.mask_to_segs(mask, crop_factor, drop_size, combined=combined, bbox_fill=bbox_fill,
                                     contour_fill=contour_fill))


def random_mask(rng, H, W, n_blobs):
    M = np.zeros((H, W), np.float32)
    for _ in range(n_blobs):
        cy, cx = rng.integers(0, H), rng.integers(0, W)
        ry, rx = rng.integers(1, max(2, H // 3)), rng.integers(1, max(2, W // 3))
        yy, xx = np.mgrid[0:H, 0:W]
        kind = rng.integers(0, 3)
        if kind == 0:
            blob = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
        elif kind == 1:
            blob = (abs(yy - cy) <= ry) & (abs(xx - cx) <= rx)
        else:  # ring: a region with a hole
            d = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2
            blob = (d <= 1) & (d >= 0.35)
        M[blob] = rng.choice([1.0, rng.random()])
    M[rng.random((H, W)) < 0.01] = 1.0        # speckles (small regions, dropped)
    M[rng.random((H, W)) < 0.01] = 0.002      # below 1/255: background for contours, not for combined
    return M


def same_segs(got, ref):
    (gshape, gitems), (rshape, ritems) = got, ref
    assert gshape == rshape
    assert len(gitems) == len(ritems), (len(gitems), len(ritems))
    for g, (cr, bbox, cm) in zip(gitems, ritems):
        assert g["crop_region"] == cr
        assert g["bbox"] == bbox
        assert g["mask"].shape == cm.shape
        assert (g["mask"] == cm).all()


# ---------------- tests ----------------

def test_make_crop_region_spec_examples():
    f = ib.fn_void("cfy_make_crop_region")
    f.argtypes = [ib.I64, ib.I64, ib.C.POINTER(ib.C.c_double), ib.C.c_double, ib.C.c_double,
                  ib.C.POINTER(ib.C.c_int64)]

    def call(W, H, bbox, fac, mn=-1.0):
        out = (ib.C.c_int64 * 4)()
        f(W, H, (ib.C.c_double * 4)(*bbox), fac, mn, out)
        return list(out)
    assert call(1000, 777, (10, 20, 60, 90), 3) == [0, 0, 150, 210]
    assert call(1000, 777, (900, 700, 990, 770), 3) == [730, 567, 1000, 777]
    assert call(100, 100, (40, 40, 61, 61), 1.5, 64) == [18, 18, 82, 82]
    rng = np.random.default_rng(1)
    for _ in range(300):
        W, H = int(rng.integers(1, 2000)), int(rng.integers(1, 2000))
        x1, y1 = int(rng.integers(0, W)), int(rng.integers(0, H))
        bbox = (x1, y1, int(rng.integers(x1, W + 1)), int(rng.integers(y1, H + 1)))
        fac = float(rng.choice([1.0, 1.2, 1.5, 3.0, rng.uniform(1, 10)]))
        mn = float(rng.choice([-1.0, 64.0, rng.uniform(1, 300)]))
        assert call(W, H, bbox, fac, mn) == make_crop_region(W, H, bbox, fac, None if mn < 0 else mn)


def test_mask_to_segs_spec_example():
    M = np.zeros((40, 60), np.float32)
    M[30:38, 45:58] = 1
    M[20:35, 10:30] = 1
    M[2:5, 40:44] = 1
    M[2:8, 3:10] = 1
    shape, items = ib.mask_to_segs(M, crop_factor=1.5, drop_size=3)
    assert shape == (40, 60)
    assert [it["crop_region"] for it in items] == [[40, 28, 60, 40], [5, 16, 35, 38], [1, 0, 11, 9]]
    assert [it["bbox"] for it in items] == [[45, 30, 58, 38], [10, 20, 30, 35], [3, 2, 10, 8]]
    assert all(it["label"] == "A" and it["confidence"] == 1.0 and it["image"] is None for it in items)


def test_mask_to_segs_random_contours():
    rng = np.random.default_rng(2024)
    n_segs = 0
    for case in range(60):
        H, W = int(rng.integers(8, 90)), int(rng.integers(8, 90))
        M = random_mask(rng, H, W, int(rng.integers(1, 7)))
        if case % 10 == 9:
            M = np.stack([M, random_mask(rng, H, W, 2)])
        kw = dict(combined=False, crop_factor=float(rng.choice([1.0, 1.5, 3.0, rng.uniform(1, 5)])),
                  bbox_fill=bool(rng.integers(0, 2)), drop_size=int(rng.integers(1, 6)),
                  contour_fill=bool(rng.integers(0, 2)))
        got = ib.mask_to_segs(M, **kw)
        same_segs(got, oracle_mask_to_segs(M, **kw))
        n_segs += len(got[1])
    assert n_segs > 100


def test_mask_to_segs_random_combined():
    rng = np.random.default_rng(77)
    for case in range(60):
        H, W = int(rng.integers(1, 90)), int(rng.integers(1, 90))
        M = random_mask(rng, H, W, int(rng.integers(0, 4)))
        kw = dict(combined=True, crop_factor=float(rng.choice([1.0, 2.0, 3.0, rng.uniform(1, 5)])),
                  bbox_fill=bool(rng.integers(0, 2)), drop_size=10, contour_fill=False)
        same_segs(ib.mask_to_segs(M, **kw), oracle_mask_to_segs(M, **kw))


def test_nested_regions_and_order():
    M = np.zeros((30, 30), np.float32)
    M[2:28, 2:28] = 1
    M[5:25, 5:25] = 0          # hole
    M[10:15, 10:15] = 0.5      # region inside the hole: not outermost, but part of the fill
    M[2, 29] = 1
    shape, items = ib.mask_to_segs(M, crop_factor=1.0, drop_size=1, contour_fill=True)
    assert len(items) == 1 and items[0]["bbox"] == [2, 2, 28, 28]
    assert (items[0]["mask"] == 1).all()
    shape, items = ib.mask_to_segs(M, crop_factor=1.0, drop_size=1, contour_fill=False)
    assert items[0]["mask"][8, 8] == 0.5 and items[0]["mask"][4, 4] == 0 and items[0]["mask"][0, 0] == 1


# ---- MakeTileSEGS ----

def as_segs(filter_segs):
    """(shape, [(crop, bbox, mask, image)]) -> the oracle's (shape, [Seg])."""
    shape, items = filter_segs
    return shape, [so.Seg(m, cr, bbox) for cr, bbox, m, _ in items]


def combined_mask(shape, items):
    return so.combined_mask(shape, as_segs((shape, items))[1])


def oracle_tiles(ih, iw, B, crop_factor, O, dil, fin=None, fout=None):
    """segs_oracle.make_tile_segs in this file's form."""
    return as_items(*so.make_tile_segs(ih, iw, B, crop_factor, O, dil, as_segs(fin) if fin else None,
                                       as_segs(fout) if fout else None))


def test_tile_layout_spec_examples():
    shape, items = ib.make_tile_segs(777, 1000, 512, 3.0, 5)
    assert [it["bbox"] for it in items] == [[0, 0, 512, 512], [488, 0, 1000, 512], [0, 265, 512, 777],
                                            [488, 265, 1000, 777]]
    assert all(it["crop_region"] == [0, 0, 1000, 777] for it in items)
    _, items = ib.make_tile_segs(480, 640, 256, 1.2, 5)
    assert items[1]["bbox"] == [192, 0, 448, 256] and items[1]["crop_region"] == [166, 0, 473, 307]
    assert items[3]["crop_region"] == [0, 172, 307, 480] and len(items) == 6
    _, items = ib.make_tile_segs(1024, 1024, 512, 1.5, 64)
    assert len(items) == 9 and items[1]["crop_region"] == [128, 0, 896, 768]


def test_tiles_random():
    rng = np.random.default_rng(5)
    for case in range(60):
        ih, iw = int(rng.integers(64, 1500)), int(rng.integers(64, 1500))
        B = int(rng.integers(8, 200)) * 8
        fac = float(rng.choice([1.0, 1.2, 1.5, 3.0, round(rng.uniform(1, 10), 2)]))
        O = int(rng.integers(0, 300))
        try:
            ref = oracle_tiles(ih, iw, B, fac, O, 0)
        except ZeroDivisionError:
            with pytest.raises(ib.CfyError):
                ib.make_tile_segs(ih, iw, B, fac, O)
            continue
        same_segs(ib.make_tile_segs(ih, iw, B, fac, O), ref)


def small_segs(rng, H, W, n):
    items = []
    for _ in range(n):
        x1, y1 = int(rng.integers(0, W - 4)), int(rng.integers(0, H - 4))
        x2, y2 = int(rng.integers(x1 + 1, W + 1)), int(rng.integers(y1 + 1, H + 1))
        m = (rng.random((y2 - y1, x2 - x1)) > 0.3).astype(np.float32) * rng.choice([1.0, 0.5, 0.25])
        items.append(([x1, y1, x2, y2], [x1, y1, x2, y2], m.astype(np.float32), None))
    return (H, W), items


def test_tiles_with_filters():
    rng = np.random.default_rng(9)
    destroy = ib.fn_void("cfy_segs_destroy")
    for case in range(50):
        ih, iw = int(rng.integers(64, 400)), int(rng.integers(64, 400))
        B = int(rng.integers(8, 30)) * 8
        fac = float(rng.choice([1.0, 1.5, 3.0]))
        O = int(rng.integers(0, 40))
        dil = int(rng.integers(-6, 7))
        sh = (int(rng.integers(20, 120)), int(rng.integers(20, 120)))
        fin = small_segs(rng, *sh, int(rng.integers(1, 3))) if case % 2 == 0 else None
        fout = small_segs(rng, *sh, int(rng.integers(1, 3))) if case % 3 != 0 else None
        pin = ib.segs_from_py(*fin) if fin else None
        pout = ib.segs_from_py(*fout) if fout else None
        try:
            ref = oracle_tiles(ih, iw, B, fac, O, dil, fin, fout)
        except ZeroDivisionError:  # Impact fails too: tile size == overlap after clamping
            with pytest.raises(ib.CfyError):
                ib.make_tile_segs(ih, iw, B, fac, O, dil, filter_in=pin, filter_out=pout)
            ref = None
        if ref is not None:
            same_segs(ib.make_tile_segs(ih, iw, B, fac, O, dil, filter_in=pin, filter_out=pout), ref)
        destroy(pin)
        destroy(pout)


def test_tiles_irregular_runs():
    shape, items = ib.make_tile_segs(600, 700, 256, 1.5, 5, irregularity=0.5, mode=0)
    assert items and all(it["mask"].max() == 1 for it in items)
    shape, items = ib.make_tile_segs(600, 700, 256, 1.5, 5, irregularity=0.3, mode=2)
    assert items


def test_tiles_bad_input():
    with pytest.raises(ib.CfyError):
        ib.make_tile_segs(0, 100)
    with pytest.raises(ib.CfyError):
        ib.make_tile_segs(100, 100, crop_factor=0.5)


# ---- segs_scale_match and combined mask ----

def test_scale_match_swapped_factors():
    rng = np.random.default_rng(3)
    destroy = ib.fn_void("cfy_segs_destroy")
    sm = ib.fn("cfy_segs_scale_match")
    for case in range(50):
        H, W = int(rng.integers(20, 300)), int(rng.integers(20, 300))
        f = float(rng.choice([0.5, 1.5, 2.0, 2.3, rng.uniform(1.1, 4)]))
        th, tw = int(H * f), int(W * f)
        shape, items = small_segs(rng, H, W, 3)
        items = [(r, b, m, rng.random((1, m.shape[0], m.shape[1], 3), dtype=np.float32) if k == 0 else None)
                 for k, (r, b, m, _) in enumerate(items)]
        rh, rw = th / H, tw / W
        ok = all(int(r[2] * rh) - int(r[0] * rw) > 0 and int(r[3] * rh) - int(r[1] * rw) > 0 for r, _, _, _ in items)
        if not ok:
            continue
        p = ib.segs_from_py(shape, items)
        out = ib.SegsP()
        err = ib.cfy.Error()
        ib._check(sm(None, p, th, tw, ib.C.byref(out), ib.C.byref(err)), err)
        gshape, got = ib.segs_to_py(out)
        destroy(p)
        assert gshape == (th, tw)
        for g, (r, b, m, img) in zip(got, items):
            cr = [int(r[0] * rw), int(r[1] * rw), int(r[2] * rh), int(r[3] * rh)]
            assert g["crop_region"] == cr
            assert g["bbox"] == [float(int(b[0] * rw)), float(int(b[1] * rw)), float(int(b[2] * rh)),
                                 float(int(b[3] * rh))]
            nw, nh = cr[2] - cr[0], cr[3] - cr[1]
            ref = F.interpolate(torch.from_numpy(m)[None, None], size=(nh, nw), mode="bilinear",
                                align_corners=False)[0, 0].numpy()
            assert g["mask"].shape == ref.shape and np.abs(g["mask"] - ref).max() <= 1e-5
            if img is not None:
                from PIL import Image
                q = np.clip(255. * img[0], 0, 255).astype(np.uint8)
                rimg = np.asarray(Image.fromarray(q).resize((nw, nh), Image.LANCZOS)).astype(np.float32) / 255.0
                assert (g["image"][0] == rimg).all()
    # the spec's worked case: W=1000, H=777, f=1.5
    p = ib.segs_from_py((777, 1000), [([100, 600, 400, 777], [100, 600, 400, 777], np.ones((177, 300), np.float32),
                                       None)])
    out = ib.SegsP()
    err = ib.cfy.Error()
    ib._check(sm(None, p, 1165, 1500, ib.C.byref(out), ib.C.byref(err)), err)
    assert ib.segs_to_py(out)[1][0]["crop_region"] == [150, 900, 599, 1165]
    destroy(p)


def test_combined_mask_or():
    rng = np.random.default_rng(12)
    destroy = ib.fn_void("cfy_segs_destroy")
    for case in range(20):
        sh, items = small_segs(rng, int(rng.integers(10, 60)), int(rng.integers(10, 60)), 4)
        p = ib.segs_from_py(sh, items)
        out = ib.call_out_noctx("cfy_segs_combined_mask", p)
        destroy(p)
        assert (out == combined_mask(sh, items)).all()

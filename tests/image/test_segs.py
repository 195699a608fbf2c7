"""test_segs.py — SEGS producers against a Python oracle written from the spec (segs-upscaler.md
3.1-3.4, 2.4): make_crop_region, mask_to_segs (combined and contours; regions found with scipy's
labelling and hole filling, order = reverse raster order of first pixels), MakeTileSEGS layouts
with and without filter SEGS, segs_scale_match (swapped factors), combined masks.
Compares crop regions, bboxes and masks on >= 50 random cases per producer."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import ndimage

import img_bridge as ib


# ---------------- oracle (from the spec) ----------------

def make_crop_region(w, h, bbox, crop_factor, crop_min_size=None):
    x1, y1, x2, y2 = bbox
    bw, bh = x2 - x1, y2 - y1
    cw, ch = bw * crop_factor, bh * crop_factor
    if crop_min_size is not None:
        cw, ch = max(crop_min_size, cw), max(crop_min_size, ch)
    kx, ky = x1 + bw / 2, y1 + bh / 2
    sx, sy = int(kx - cw / 2), int(ky - ch / 2)

    def norm(limit, start, size):
        if start < 0:
            return int(0), int(min(limit, size))
        if start + size > limit:
            return int(max(0, limit - size)), int(limit)
        return int(start), int(min(limit, start + size))
    nx1, nx2 = norm(w, sx, cw)
    ny1, ny2 = norm(h, sy, ch)
    return [nx1, ny1, nx2, ny2]


def oracle_mask_to_segs(mask, combined, crop_factor, bbox_fill, drop_size, contour_fill):
    drop_size = max(drop_size, 1)
    if mask.ndim == 2:
        mask = mask[None]
    H, W = mask.shape[1:]
    out = []
    for M in mask:
        if combined:
            ys, xs = np.nonzero(M)
            if len(ys) == 0:
                continue
            bbox = (xs.min(), ys.min(), xs.max(), ys.max())
            cr = make_crop_region(W, H, bbox, crop_factor)
            x1, y1, x2, y2 = cr
            if x2 - x1 > 0 and y2 - y1 > 0:
                cm = M[y1:y2, x1:x2].copy()
                if bbox_fill:
                    cm[bbox[1]:bbox[3], bbox[0]:bbox[2]] = 1.0
                out.append((cr, list(map(float, bbox)), cm))
            continue
        U = (M * np.float32(255)).astype(np.uint8)
        lab, n = ndimage.label(U > 0, structure=np.ones((3, 3)))
        comps = []
        for k in range(1, n + 1):
            c = lab == k
            first = int(np.flatnonzero(c)[0])
            filled = ndimage.binary_fill_holes(c)
            comps.append((first, c, filled))
        outer = []
        for i, (first, c, filled) in enumerate(comps):
            inside = any(j != i and (c & ~comps[j][1] & comps[j][2]).any() for j in range(len(comps)))
            if not inside:
                outer.append((first, c, filled))
        outer.sort(key=lambda t: -t[0])
        for first, c, filled in outer:
            ys, xs = np.nonzero(c)
            x, y, w, h = xs.min(), ys.min(), xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
            bbox = (int(x), int(y), int(x + w), int(y + h))
            cr = make_crop_region(W, H, bbox, crop_factor)
            if w > drop_size and h > drop_size:
                S = filled.astype(np.float32)
                src = S if contour_fill else M * S
                cm = np.array(src[cr[1]:cr[3], cr[0]:cr[2]])
                if bbox_fill:
                    cm[y - cr[1]:y + h - cr[1], x - cr[0]:x + w - cr[0]] = 1.0
                out.append((cr, list(map(float, bbox)), np.clip(cm, 0, 1)))
    return (H, W), out


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

def combined_mask(shape, items):
    H, W = shape
    canvas = np.zeros((H, W), np.uint8)
    for (cr, bbox, m, img) in items:
        canvas[cr[1]:cr[3], cr[0]:cr[2]] |= (m * 255).astype(np.uint8)
    return canvas.astype(np.float32) / 255.0


def dilate(m, f):
    if f == 0:
        return m
    k = abs(f)
    a = k // 2
    H, W = m.shape
    fill = -np.inf if f > 0 else np.inf
    P = np.full((H + k, W + k), fill, np.float32)
    P[a:a + H, a:a + W] = m
    op = np.maximum if f > 0 else np.minimum
    out = np.full((H, W), fill, np.float32)
    for i in range(k):
        for j in range(k):
            out = op(out, P[i:i + H, j:j + W])
    return out


def filter_mask(shape, items, ih, iw, f):
    m = torch.from_numpy(combined_mask(shape, items))[None, None]
    m = F.interpolate(m, size=(ih, iw), mode="bilinear", align_corners=False)[0, 0].numpy()
    return dilate(m, f)


def oracle_tiles(ih, iw, B, crop_factor, O, dil, fin=None, fout=None):
    if B <= 2 * O:
        O = B / 2
    excl = filter_mask(*fout, ih, iw, dil) if fout else None
    sx, sy, w, h = 0, 0, iw, ih
    A = None
    if fin:
        A = filter_mask(*fin, ih, iw, dil)
        _, area = oracle_mask_to_segs(A, True, 1.0, False, 0, False)
        if not area:
            return (ih, iw), []
        cr = area[0][0]
        sx, sy, w, h = cr[0], cr[1], cr[2] - cr[0], cr[3] - cr[1]
    if B > h or B > w:
        B = min(B, w, h)
    nH, nV = math.ceil(w / (B - O)), math.ceil(h / (B - O))
    sW = B * nH - w
    if sW < 0:
        nH += 1
        sW = B * nH - w
    sH = B * nV - h
    if sH < 0:
        nV += 1
        sH = B * nV - h
    oW = 0 if nH == 1 else int(sW / (nH - 1))
    oH = 0 if nV == 1 else int(sH / (nV - 1))
    if oW == B:
        nH = 1
    if oH == B:
        nV = 1
    out = []
    y = sy
    for _ in range(nV):
        x = sx
        for _ in range(nH):
            x1, x2 = (x, x + B) if x + B < iw - 1 else (iw - B, iw)
            y1, y2 = (y, y + B) if y + B < ih - 1 else (ih - B, ih)
            bbox = [x1, y1, x2, y2]
            cr = make_crop_region(iw, ih, bbox, crop_factor)
            m = np.zeros((cr[3] - cr[1], cr[2] - cr[0]), np.float32)
            m[y1 - cr[1]:y2 - cr[1], x1 - cr[0]:x2 - cr[0]] = 1
            if excl is not None:
                m[excl[cr[1]:cr[3], cr[0]:cr[2]] != 0] = 0
            if A is not None:
                m[A[cr[1]:cr[3], cr[0]:cr[2]] == 0] = 0
            if m.any():
                out.append((cr, list(map(float, bbox)), m))
            x += B - oW
        y += B - oH
    return (ih, iw), out


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

"""test_mask_to_segs_opencv.py — cfy_mask_to_segs and the MaskToSEGS node against real OpenCV.

The oracle is tests/oracle/segs_oracle.py's mask_to_segs: Impact Pack's mask_to_segs re-written from
the spec (segs-upscaler.md 3.2) with the real cv2 calls it makes: findContours(U8, RETR_TREE,
CHAIN_APPROX_SIMPLE) keeping the contours without a parent, drawContours(..., thickness=-1) for the
filled region, boundingRect for the bbox (reached through test_segs.oracle_mask_to_segs, with the
comparison same_segs).
Masks: blobs, rings with blobs inside (not separate segments), border-touching blobs, diagonal-only
(8-connected) chains, single pixels, noise, soft values around the 1/255 threshold, batches, and
the combined mode. Order, bbox, crop_region and cropped_mask are compared exactly."""
import numpy as np
import pytest

import img_bridge as ib
from test_segs import oracle_mask_to_segs, same_segs

pytest.importorskip("cv2")  # the oracle's contour mode calls real OpenCV


# ---------------- masks ----------------

def soft_value(rng):
    """1, a random value, or one near the uint8 threshold (f32(255*v) >= 1 counts)."""
    t = np.float32(1 / 255)
    near = [t, np.nextafter(t, np.float32(0)), np.nextafter(t, np.float32(1)), np.float32(0.5 / 255),
            np.float32(2 / 255), np.float32(0.999 / 255), np.float32(1.001 / 255)]
    k = rng.integers(0, 4)
    return np.float32(1.0) if k == 0 else np.float32(rng.random()) if k == 1 else near[rng.integers(0, len(near))]


def draw_blobs(rng, M, n):
    H, W = M.shape
    yy, xx = np.mgrid[0:H, 0:W]
    for _ in range(n):
        kind = int(rng.integers(0, 6))
        # centres anywhere, including on and next to the border
        cy = int(rng.choice([0, H - 1, rng.integers(0, H)]))
        cx = int(rng.choice([0, W - 1, rng.integers(0, W)]))
        ry, rx = int(rng.integers(1, max(2, H // 3))), int(rng.integers(1, max(2, W // 3)))
        d = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2
        v = soft_value(rng)
        if kind == 0:
            M[d <= 1] = v
        elif kind == 1:
            M[(abs(yy - cy) <= ry) & (abs(xx - cx) <= rx)] = v
        elif kind == 2:  # ring: a hole
            M[(d <= 1) & (d >= 0.35)] = v
        elif kind == 3:  # ring with a blob (and a ring) inside its hole: not separate segments
            M[(d <= 1) & (d >= 0.5)] = v
            M[d <= 0.08] = soft_value(rng)
            M[(d <= 0.3) & (d >= 0.2)] = soft_value(rng)
        elif kind == 4:  # diagonal-only chains (8-connected, not 4-connected)
            L = int(rng.integers(2, max(3, min(H, W))))
            s = int(rng.choice([-1, 1]))
            for i in range(L):
                y, x = cy + i, cx + s * i
                if 0 <= y < H and 0 <= x < W:
                    M[y, x] = v
        else:  # checkerboard patch: one 8-connected region full of 4-connected holes
            m = (abs(yy - cy) <= ry) & (abs(xx - cx) <= rx) & ((yy + xx) % 2 == 0)
            M[m] = v
    return M


def random_mask(rng, H, W):
    M = np.zeros((H, W), np.float32)
    k = int(rng.integers(0, 8))
    if k == 0:  # binary noise of random density
        M[rng.random((H, W)) < rng.choice([0.1, 0.3, 0.5, 0.6, 0.8])] = 1
    elif k == 1:  # blocky noise (larger regions with holes and nesting)
        b = int(rng.integers(2, 5))
        n = (rng.random(((H + b - 1) // b, (W + b - 1) // b)) < 0.5).repeat(b, 0).repeat(b, 1)[:H, :W]
        M[n] = 1
        M[rng.random((H, W)) < 0.08] = 0
    elif k == 2:  # soft noise: random values, many below the threshold
        M = (rng.random((H, W)) * rng.choice([1.0, 0.02, 0.008])).astype(np.float32)
        M[rng.random((H, W)) < 0.4] = 0
    else:
        draw_blobs(rng, M, int(rng.integers(1, 8)))
    M[rng.random((H, W)) < rng.choice([0, 0.01, 0.03])] = 1.0     # single pixels
    M[rng.random((H, W)) < 0.01] = 0.002                         # below 1/255: background here
    return M


def random_opts(rng, combined=False):
    return dict(combined=combined, crop_factor=float(rng.choice([1.0, 1.5, 3.0, rng.uniform(1, 5)])),
                bbox_fill=bool(rng.integers(0, 2)), drop_size=int(rng.choice([1, 1, 2, 3, rng.integers(1, 12)])),
                contour_fill=bool(rng.integers(0, 2)))


# ---------------- tests ----------------

def test_opencv_contour_cases():
    cases = []
    M = np.zeros((30, 30), np.float32)       # ring with a blob inside its hole: one segment
    M[2:28, 2:28] = 1
    M[5:25, 5:25] = 0
    M[10:15, 10:15] = 0.5
    cases.append(M)
    M = np.zeros((12, 12), np.float32)       # diagonal chain: one region, bbox 8x8
    for i in range(8):
        M[2 + i, 2 + i] = 1
    cases.append(M)
    M = np.zeros((10, 10), np.float32)       # blobs touching every border and corner
    M[0:3, 0:4] = 1
    M[7:10, 6:10] = 1
    M[0:10, 5] = 0.3
    cases.append(M)
    M = np.zeros((8, 9), np.float32)         # soft values at the threshold
    M[1:4, 1:4] = np.float32(1 / 255)
    M[4:7, 5:8] = np.nextafter(np.float32(1 / 255), np.float32(0))
    cases.append(M)
    for M in cases:
        for cf in (False, True):
            kw = dict(combined=False, crop_factor=1.5, bbox_fill=False, drop_size=1, contour_fill=cf)
            same_segs(ib.mask_to_segs(M, **kw), oracle_mask_to_segs(M, **kw))
    _, items = ib.mask_to_segs(cases[0], crop_factor=1.0, drop_size=1)
    assert [it["bbox"] for it in items] == [[2.0, 2.0, 28.0, 28.0]]
    _, items = ib.mask_to_segs(cases[1], crop_factor=1.0, drop_size=1)
    assert [it["bbox"] for it in items] == [[2.0, 2.0, 10.0, 10.0]]


def test_opencv_out_of_range_values():
    """Outside 0..1 NumPy's float32 -> uint8 cast wraps modulo 256 on x86-64 (no saturation): 1.5
    is foreground (126), 256/255 is background (0), -0.5 is foreground (129); 1e30 (beyond int64) is 0."""
    if np.array([np.float32(-0.5) * np.float32(255)]).astype(np.uint8)[0] != 129:
        pytest.skip("this platform's NumPy float->uint8 cast does not wrap like x86-64")
    M = np.zeros((12, 12), np.float32)
    M[1:5, 1:5] = 256 / 255
    M[6:10, 6:10] = 1.5
    M[1:5, 7:11] = -0.5
    _, items = ib.mask_to_segs(M, crop_factor=1.0, drop_size=1)
    assert [it["bbox"] for it in items] == [[6.0, 6.0, 10.0, 10.0], [7.0, 1.0, 11.0, 5.0]]
    assert (items[0]["mask"] == 1).all() and (items[1]["mask"] == 0).all()
    rng = np.random.default_rng(31)
    vals = np.array([1.5, 2.0, 256 / 255, 512 / 255, -0.5, -1 / 255, -2.0, 300.0, 1e30],
                    np.float32)
    with np.errstate(invalid="ignore"):
        for case in range(60):
            H, W = int(rng.integers(4, 60)), int(rng.integers(4, 60))
            M = random_mask(rng, H, W)
            M[M != 0] = rng.choice(vals, size=int((M != 0).sum()))
            kw = random_opts(rng, combined=case % 4 == 0)
            same_segs(ib.mask_to_segs(M, **kw), oracle_mask_to_segs(M, **kw))


@pytest.mark.parametrize("seed", range(4))
def test_opencv_random_contours(seed):
    rng = np.random.default_rng(1000 + seed)
    n_segs = 0
    for case in range(150):
        if case % 5 == 0:
            H, W = int(rng.integers(1, 8)), int(rng.integers(1, 8))
        else:
            H, W = int(rng.integers(8, 120)), int(rng.integers(8, 120))
        M = random_mask(rng, H, W)
        if case % 7 == 6:  # a batch: all segments in one list, entry by entry
            M = np.stack([M] + [random_mask(rng, H, W) for _ in range(int(rng.integers(1, 3)))])
        kw = random_opts(rng)
        got = ib.mask_to_segs(M, **kw)
        same_segs(got, oracle_mask_to_segs(M, **kw))
        n_segs += len(got[1])
    assert n_segs > 200


def test_opencv_random_combined():
    rng = np.random.default_rng(4242)
    for case in range(120):
        H, W = int(rng.integers(1, 100)), int(rng.integers(1, 100))
        M = random_mask(rng, H, W) if case % 6 else np.zeros((H, W), np.float32)
        if case % 5 == 4:
            M = np.stack([M, random_mask(rng, H, W)])
        kw = random_opts(rng, combined=True)
        same_segs(ib.mask_to_segs(M, **kw), oracle_mask_to_segs(M, **kw))


def test_opencv_node_mask_to_segs():
    """The MaskToSEGS node (squeezes [1,H,W] and [1,1,H,W]; a real batch stays) against the oracle."""
    import test_image_nodes as tn
    lib = tn.L()
    rt = ib.C.c_void_p()
    err = ib.cfy.Error()
    assert lib.cfy_runtime_create(None, ib.C.byref(rt), ib.C.byref(err)) == 0, str(err)
    try:
        rng = np.random.default_rng(7)
        for case in range(24):
            H, W = int(rng.integers(8, 80)), int(rng.integers(8, 80))
            B = 1 if case % 3 else int(rng.integers(2, 4))
            M = np.stack([random_mask(rng, H, W) for _ in range(B)])
            if case % 4 == 1:
                M = M[None]
            kw = random_opts(rng, combined=case % 5 == 0)
            st, e, outs = tn.call(rt, "MaskToSEGS", mask=M, **kw)
            assert st == 0, str(e)
            s = ib.Segs.from_address(lib.cfy_value_object(outs[0]))
            got = ((s.height, s.width),
                   [{"crop_region": list(s.items[i].crop_region), "bbox": list(s.items[i].bbox),
                     "mask": ib.cfy.to_numpy(s.items[i].cropped_mask)} for i in range(s.n)])
            lib.cfy_value_release(outs[0])
            same_segs(got, oracle_mask_to_segs(M.reshape(-1, H, W), **kw))
    finally:
        lib.cfy_runtime_destroy(rt)

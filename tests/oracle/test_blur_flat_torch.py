"""cfy_image_blur_mask + cfy_image_blur_flat_fixup against the oracle's torchvision-style blur
(torch conv2d): flat all-ones windows are bit-identical to torch for feathers 1..24, 30, 40, 50; the rest
within 1e-5."""
import ctypes as C
import os
import pathlib
import sys

import numpy as np
import pytest

pytest.importorskip("torch")
ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "py"))
import cfy  # noqa: E402
import segs_oracle as O  # noqa: E402


def c_blur(mask, feather):
    L = cfy.lib()
    L.cfy_image_blur_mask.argtypes = [C.c_void_p, cfy.TensorP, C.c_int64, C.POINTER(cfy.TensorP), C.POINTER(cfy.Error)]
    L.cfy_image_blur_flat_fixup.argtypes = [cfy.TensorP, C.c_int64, cfy.TensorP, C.POINTER(cfy.Error)]
    t = cfy.to_tensor(mask)
    out = cfy.TensorP()
    err = cfy.Error()
    assert L.cfy_image_blur_mask(None, t, feather, C.byref(out), C.byref(err)) == 0
    assert L.cfy_image_blur_flat_fixup(t, feather, out, C.byref(err)) == 0
    a = cfy.to_numpy(out)
    cfy.release(out)
    cfy.release(t)
    return a


@pytest.mark.parametrize("feather", list(range(1, 25)) + [30, 40, 50])
def test_flat_windows_match_torch(feather):
    H, W = 240, 250
    m = np.zeros((H, W), np.float32)
    m[5:235, 8:242] = 1.0
    m[40:44, 50:70] = 0.25
    got, ref = c_blur(m, feather), O.blur_mask(m, feather)
    k = 2 * feather + 1
    p = k // 2
    # windows (inside the image) made only of exact ones, from an integral image
    I = np.pad((m == 1.0).astype(np.int64).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    cnt = I[k:, k:] - I[:-k, k:] - I[k:, :-k] + I[:-k, :-k]
    flat = np.zeros((H, W), bool)
    flat[p:H - p, p:W - p] = cnt == k * k
    assert flat.any()
    assert np.array_equal(got[0, ..., 0][flat], ref[0, ..., 0][flat])
    assert np.abs(got - ref).max() <= 1e-5  # summation order; blur.c also normalises its taps in another order

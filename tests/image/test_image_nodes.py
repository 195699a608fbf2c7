"""test_nodes.py — the nodes of nodes/core/image_scale.c and nodes/impact/segs_producers.c called
through cfy_node_call: ImageScale / ImageScaleBy against torch interpolate / Pillow (ComfyUI's
common_upscale written from the spec), the SEGS producer nodes against the library functions,
and input errors naming the input."""
import ctypes as C

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

import cfy
import img_bridge as ib


class NamedValue(C.Structure):
    _fields_ = [("name", C.c_char_p), ("value", C.c_void_p)]


def L():
    ib._load_lazy()
    lib = cfy.lib()
    sigs = {
        "cfy_runtime_create": ([C.c_void_p, C.POINTER(C.c_void_p), C.POINTER(cfy.Error)], C.c_int),
        "cfy_runtime_destroy": ([C.c_void_p], None),
        "cfy_value_new_tensor": ([C.c_char_p, cfy.TensorP], C.c_void_p),
        "cfy_value_new_int": ([C.c_int64], C.c_void_p),
        "cfy_value_new_float": ([C.c_double], C.c_void_p),
        "cfy_value_new_string": ([C.c_char_p], C.c_void_p),
        "cfy_value_new_bool": ([C.c_bool], C.c_void_p),
        "cfy_value_release": ([C.c_void_p], None),
        "cfy_value_tensor": ([C.c_void_p], cfy.TensorP),
        "cfy_value_object": ([C.c_void_p], C.c_void_p),
        "cfy_node_call": ([C.c_void_p, C.c_char_p, C.POINTER(NamedValue), C.c_int, C.POINTER(C.c_void_p), C.c_int,
                           C.POINTER(cfy.Error)], C.c_int),
    }
    for name, (args, res) in sigs.items():
        f = getattr(lib, name)
        f.argtypes = args
        f.restype = res
    return lib


@pytest.fixture(scope="module")
def rt():
    r = C.c_void_p()
    err = cfy.Error()
    assert L().cfy_runtime_create(None, C.byref(r), C.byref(err)) == 0, str(err)
    yield r
    L().cfy_runtime_destroy(r)


def val(x, type_=b"IMAGE"):
    lib = L()
    if isinstance(x, C.c_void_p):
        return x.value  # an existing value, borrowed
    if isinstance(x, np.ndarray):
        return lib.cfy_value_new_tensor(type_, cfy.to_tensor(x))
    if isinstance(x, bool):
        return lib.cfy_value_new_bool(x)
    if isinstance(x, int):
        return lib.cfy_value_new_int(x)
    if isinstance(x, float):
        return lib.cfy_value_new_float(x)
    if isinstance(x, str):
        return lib.cfy_value_new_string(x.encode())
    raise TypeError(x)


def call(rt, cls, **inputs):
    """Returns (status, error, [output value pointers]); the caller releases the outputs."""
    lib = L()
    names = list(inputs)
    vals = [val(inputs[k], b"MASK" if k == "mask" else b"IMAGE") for k in names]
    arr = (NamedValue * max(1, len(names)))(*[NamedValue(k.encode(), v) for k, v in zip(names, vals)])
    outs = (C.c_void_p * 4)()
    err = cfy.Error()
    st = lib.cfy_node_call(rt, cls.encode(), arr, len(names), outs, 4, C.byref(err))
    for k, v in zip(names, vals):
        if not isinstance(inputs[k], C.c_void_p):
            lib.cfy_value_release(v)
    return st, err, [C.c_void_p(outs[i]) if outs[i] else None for i in range(4)]


def tensor_out(v):
    a = cfy.to_numpy(L().cfy_value_tensor(v))
    L().cfy_value_release(v)
    return a


def ref_common_upscale(img, width, height, method, crop):
    s = torch.from_numpy(img).movedim(-1, 1)
    if crop == "center":
        ow, oh = s.shape[-1], s.shape[-2]
        oa, na = ow / oh, width / height
        x = y = 0
        if oa > na:
            x = round((ow - ow * (na / oa)) / 2)
        elif oa < na:
            y = round((oh - oh * (oa / na)) / 2)
        s = s.narrow(-2, y, oh - y * 2).narrow(-1, x, ow - x * 2)
    if method == "lanczos":
        outs = []
        for im in s:
            q = np.clip(255. * im.movedim(0, -1).numpy(), 0, 255).astype(np.uint8)
            r = np.array(Image.fromarray(q).resize((width, height), Image.LANCZOS)).astype(np.float32) / 255.0
            outs.append(torch.from_numpy(r).movedim(-1, 0))
        out = torch.stack(outs)
    else:
        out = F.interpolate(s, size=(height, width), mode=method)
    return out.movedim(1, -1).numpy()


@pytest.mark.parametrize("method", ["nearest-exact", "bilinear", "area", "bicubic", "lanczos"])
def test_image_scale(rt, method):
    rng = np.random.default_rng(len(method))
    for i in range(12):
        H, W = int(rng.integers(3, 60)), int(rng.integers(3, 60))
        img = rng.random((int(rng.integers(1, 3)), H, W, 3), dtype=np.float32)
        w, h = int(rng.integers(0, 80)), int(rng.integers(1, 80))
        if i % 4 == 1:
            w, h = h, 0
        crop = "center" if i % 2 else "disabled"
        st, err, outs = call(rt, "ImageScale", image=img, upscale_method=method, width=w, height=h, crop=crop)
        assert st == 0, str(err)
        got = tensor_out(outs[0])
        tw, th = w, h
        if tw == 0:
            tw = max(1, round(W * h / H))
        elif th == 0:
            th = max(1, round(H * w / W))
        ref = ref_common_upscale(img, tw, th, method, crop)
        assert got.shape == ref.shape
        tol = 0 if method in ("lanczos", "nearest-exact") else 1e-5
        assert np.abs(got - ref).max() <= tol, (method, img.shape, w, h, crop)


def test_image_scale_by(rt):
    rng = np.random.default_rng(4)
    for method in ["bilinear", "lanczos", "area"]:
        img = rng.random((1, 37, 51, 3), dtype=np.float32)
        st, err, outs = call(rt, "ImageScaleBy", image=img, upscale_method=method, scale_by=1.37)
        assert st == 0, str(err)
        got = tensor_out(outs[0])
        ref = ref_common_upscale(img, round(51 * 1.37), round(37 * 1.37), method, "disabled")
        assert got.shape == ref.shape and np.abs(got - ref).max() <= 1e-5


def test_image_scale_errors(rt):
    img = np.zeros((1, 8, 8, 3), np.float32)
    st, err, _ = call(rt, "ImageScale", image=img, upscale_method="bilinear", width=20000, height=8, crop="disabled")
    assert st != 0 and err.input.decode() == "width"
    st, err, _ = call(rt, "ImageScale", image=img, upscale_method="cubic", width=8, height=8, crop="disabled")
    assert st != 0 and err.input.decode() == "upscale_method"
    st, err, _ = call(rt, "ImageScaleBy", image=img, upscale_method="bilinear", scale_by=0.01)
    assert st != 0 and err.input.decode() == "scale_by"


def segs_of(v):
    return ib.SegsP(ib.Segs.from_address(L().cfy_value_object(v)))


def test_segs_nodes(rt):
    M = np.zeros((1, 40, 60), np.float32)
    M[0, 30:38, 45:58] = 1
    M[0, 20:35, 10:30] = 0.5
    st, err, outs = call(rt, "MaskToSEGS", mask=M, combined=False, crop_factor=1.5, bbox_fill=False, drop_size=3,
                         contour_fill=False)
    assert st == 0, str(err)
    s = ib.Segs.from_address(L().cfy_value_object(outs[0]))
    assert (s.height, s.width, s.n) == (40, 60, 2)
    assert list(s.items[0].crop_region) == [40, 28, 60, 40] and s.items[1].label == b"A"
    segs_v = outs[0]
    st, err, outs = call(rt, "SegsToCombinedMask", segs=segs_v)
    assert st == 0, str(err)
    cm = tensor_out(outs[0])
    assert cm.shape == (1, 40, 60) and cm[0, 25, 15] == np.float32(127 / 255) and cm[0, 31, 50] == 1
    st, err, outs = call(rt, "ImpactSEGSToMaskList", segs=segs_v)
    assert st == 0, str(err)
    ml = tensor_out(outs[0])
    assert ml.shape == (1, 40, 60) and ml[0, 31, 50] == 1 and ml[0, 25, 15] == 0
    L().cfy_value_release(segs_v)
    st, err, outs = call(rt, "EmptySegs")
    assert st == 0
    s = ib.Segs.from_address(L().cfy_value_object(outs[0]))
    assert (s.height, s.width, s.n) == (0, 0, 0)
    empty = outs[0]
    st, err, outs = call(rt, "ImpactSEGSToMaskList", segs=empty)
    assert st == 0 and tensor_out(outs[0]).shape == (1, 0, 0)
    img = np.zeros((1, 777, 1000, 3), np.float32)
    st, err, outs = call(rt, "ImpactMakeTileSEGS", images=img, bbox_size=512, crop_factor=3.0, min_overlap=5,
                         filter_segs_dilation=20, mask_irregularity=0.0, irregular_mask_mode="Reuse fast",
                         filter_out_segs_opt=empty)
    assert st == 0, str(err)
    s = ib.Segs.from_address(L().cfy_value_object(outs[0]))
    assert s.n == 4 and list(s.items[1].bbox) == [488, 0, 1000, 512] and s.items[0].label == b""
    L().cfy_value_release(outs[0])
    L().cfy_value_release(empty)
    st, err, outs = call(rt, "ImpactMakeTileSEGS", images=img, bbox_size=50, crop_factor=3.0, min_overlap=5,
                         filter_segs_dilation=20, mask_irregularity=0.0, irregular_mask_mode="Reuse fast")
    assert st != 0 and err.input.decode() == "bbox_size"

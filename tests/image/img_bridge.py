"""img_bridge.py — ctypes signatures of the src/image C API for the image oracle tests.

Builds on tests/py/cfy.py (tensor <-> NumPy). Every helper takes and returns NumPy arrays and
raises CfyError (with the C status code) when the C call fails."""
import ctypes as C
import os

import numpy as np

import cfy

P = cfy.TensorP
PP = C.POINTER(cfy.TensorP)
E = C.POINTER(cfy.Error)
I64 = C.c_int64

_SIGS = {
    "cfy_image_to_u8": [C.c_void_p, P, PP, E],
    "cfy_image_from_u8": [C.c_void_p, P, PP, E],
    "cfy_image_convert_channels": [C.c_void_p, P, C.c_int, PP, E],
    "cfy_image_resize_u8": [C.c_void_p, P, I64, I64, C.c_int, PP, E],
    "cfy_image_resize_u8_supersample": [C.c_void_p, P, I64, I64, C.c_int, PP, E],
    "cfy_image_resize_u8_ex": [C.c_void_p, P, I64, I64, C.c_int, C.c_uint, PP, E],
    "cfy_image_resize_pil": [C.c_void_p, P, I64, I64, C.c_int, C.c_bool, PP, E],
    "cfy_image_tensor_resize": [C.c_void_p, P, I64, I64, PP, E],
    "cfy_image_interpolate": [C.c_void_p, P, I64, I64, C.c_int, PP, E],
    "cfy_image_blur_mask": [C.c_void_p, P, C.c_int64, PP, E],
    "cfy_image_crop": [C.c_void_p, P, I64, I64, I64, I64, PP, E],
    "cfy_image_paste": [C.c_void_p, P, P, I64, I64, P, E],
}

FILTERS = {"nearest": 0, "lanczos": 1, "bilinear": 2, "bicubic": 3}
INTERP = {"bilinear": 0, "nearest-exact": 1, "bicubic": 2, "area": 3}


class CfyError(RuntimeError):
    def __init__(self, code, msg):
        super().__init__(f"status {code}: {msg}")
        self.code = code


def _load_lazy():
    """Load libcomfyc with RTLD_LAZY, so a symbol still missing in a sibling module under
    construction does not stop the image tests from loading the library."""
    if cfy._lib is None:
        orig = C.CDLL
        try:
            C.CDLL = lambda path, *a, **k: orig(path, mode=os.RTLD_LAZY)
            cfy._lib = cfy.load()
        finally:
            C.CDLL = orig


def fn(name):
    """The C function `name` with its signature set (raises AttributeError when not built)."""
    _load_lazy()
    f = getattr(cfy.lib(), name)
    if name in _SIGS:
        f.argtypes = _SIGS[name]
        f.restype = C.c_int
    return f


def call_out(name, *args):
    """Call fn(NULL rt, *args, &out, &err) where array args become tensors; returns out as NumPy."""
    _load_lazy()
    held = []
    cargs = []
    for a in args:
        if isinstance(a, np.ndarray):
            t = cfy.to_tensor(a)
            held.append(t)
            cargs.append(t)
        else:
            cargs.append(a)
    out = cfy.TensorP()
    err = cfy.Error()
    st = fn(name)(None, *cargs, C.byref(out), C.byref(err))
    for t in held:
        cfy.release(t)
    if st != 0:
        raise CfyError(st, err.message.decode())
    a = cfy.to_numpy(out)
    cfy.release(out)
    return a


def resize_u8(a, w, h, flt, supersample=False):
    name = "cfy_image_resize_u8_supersample" if supersample else "cfy_image_resize_u8"
    return call_out(name, a, w, h, FILTERS[flt])


def paste(image, src, x, y, mask):
    """Returns the pasted copy of image (the C call writes into its own tensor)."""
    _load_lazy()
    ti, ts, tm = cfy.to_tensor(image), cfy.to_tensor(src), cfy.to_tensor(mask)
    err = cfy.Error()
    st = fn("cfy_image_paste")(None, ti, ts, x, y, tm, C.byref(err))
    res = cfy.to_numpy(ti)
    for t in (ti, ts, tm):
        cfy.release(t)
    if st != 0:
        raise CfyError(st, err.message.decode())
    return res


# ---------------- SEGS ----------------

class Seg(C.Structure):
    _fields_ = [("cropped_image", P), ("cropped_mask", P), ("confidence", C.c_double),
                ("crop_region", C.c_int64 * 4), ("bbox", C.c_double * 4), ("label", C.c_char_p),
                ("control_net_wrapper", C.c_void_p)]


class Segs(C.Structure):
    _fields_ = [("height", C.c_int64), ("width", C.c_int64), ("n", C.c_int), ("cap", C.c_int),
                ("items", C.POINTER(Seg))]


class MaskToSegsOpts(C.Structure):
    _fields_ = [("combined", C.c_bool), ("crop_factor", C.c_double), ("bbox_fill", C.c_bool),
                ("drop_size", C.c_int64), ("label", C.c_char_p), ("crop_min_size", C.c_double),
                ("contour_fill", C.c_bool)]


class TileSegsOpts(C.Structure):
    _fields_ = [("bbox_size", C.c_int64), ("crop_factor", C.c_double), ("min_overlap", C.c_int64),
                ("filter_segs_dilation", C.c_int64), ("mask_irregularity", C.c_double),
                ("irregular_mode", C.c_int), ("filter_in", C.POINTER(Segs)), ("filter_out", C.POINTER(Segs)),
                ("seed", C.c_uint64)]


SegsP = C.POINTER(Segs)
_SIGS.update({
    "cfy_mask_to_segs": [P, C.POINTER(MaskToSegsOpts), C.POINTER(SegsP), E],
    "cfy_make_tile_segs": [C.c_void_p, I64, I64, C.POINTER(TileSegsOpts), C.POINTER(SegsP), E],
    "cfy_segs_create": [I64, I64, C.POINTER(SegsP), E],
    "cfy_segs_add": [SegsP, P, P, C.c_double, C.POINTER(C.c_int64), C.POINTER(C.c_double), C.c_char_p,
                     C.c_void_p, E],
    "cfy_segs_scale_match": [C.c_void_p, SegsP, I64, I64, C.POINTER(SegsP), E],
    "cfy_segs_combined_mask": [SegsP, PP, E],
})


def _check(st, err):
    if st != 0:
        raise CfyError(st, err.message.decode())


def segs_to_py(sp):
    """(shape, [dict(...)]) copy of a cfy_segs; destroys it."""
    s = sp.contents
    items = []
    for i in range(s.n):
        it = s.items[i]
        items.append({"crop_region": list(it.crop_region), "bbox": list(it.bbox), "label": it.label.decode(),
                      "confidence": it.confidence, "mask": cfy.to_numpy(it.cropped_mask),
                      "image": cfy.to_numpy(it.cropped_image) if it.cropped_image else None})
    shape = (s.height, s.width)
    fn_void("cfy_segs_destroy")(sp)
    return shape, items


def fn_void(name):
    _load_lazy()
    f = getattr(cfy.lib(), name)
    f.restype = None
    return f


def segs_from_py(shape, items):
    """A new cfy_segs (caller destroys with fn_void('cfy_segs_destroy')) from [(region, bbox, mask, image)]."""
    _load_lazy()
    out = SegsP()
    err = cfy.Error()
    _check(fn("cfy_segs_create")(shape[0], shape[1], C.byref(out), C.byref(err)), err)
    for (region, bbox, mask, image) in items:
        r = (C.c_int64 * 4)(*region)
        b = (C.c_double * 4)(*bbox)
        _check(fn("cfy_segs_add")(out, cfy.to_tensor(image) if image is not None else None, cfy.to_tensor(mask),
                                  1.0, r, b, b"", None, C.byref(err)), err)
    return out


def mask_to_segs(mask, combined=False, crop_factor=3.0, bbox_fill=False, drop_size=10, contour_fill=False,
                 crop_min_size=-1.0):
    _load_lazy()
    o = MaskToSegsOpts(combined, crop_factor, bbox_fill, drop_size, b"A", crop_min_size, contour_fill)
    t = cfy.to_tensor(np.ascontiguousarray(mask, np.float32))
    out = SegsP()
    err = cfy.Error()
    st = fn("cfy_mask_to_segs")(t, C.byref(o), C.byref(out), C.byref(err))
    cfy.release(t)
    _check(st, err)
    return segs_to_py(out)


def make_tile_segs(ih, iw, bbox_size=512, crop_factor=3.0, min_overlap=5, dilation=20, irregularity=0.0, mode=0,
                   filter_in=None, filter_out=None):
    _load_lazy()
    o = TileSegsOpts(bbox_size, crop_factor, min_overlap, dilation, irregularity, mode, filter_in, filter_out, 0)
    out = SegsP()
    err = cfy.Error()
    _check(fn("cfy_make_tile_segs")(None, ih, iw, C.byref(o), C.byref(out), C.byref(err)), err)
    return segs_to_py(out)


def call_out_noctx(name, *args):
    """fn(*args, &out, &err) without a runtime argument; returns out as NumPy."""
    _load_lazy()
    out = cfy.TensorP()
    err = cfy.Error()
    _check(fn(name)(*args, C.byref(out), C.byref(err)), err)
    a = cfy.to_numpy(out)
    cfy.release(out)
    return a

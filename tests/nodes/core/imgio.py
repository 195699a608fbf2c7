"""imgio.py — ctypes helpers for the image I/O pytest files: a runtime with chosen folders,
calling nodes with cfy_node_call, and ComfyUI's reference formulas computed with Pillow+numpy."""
import ctypes as C

import numpy as np

import cfy

CFY_OK = 0
CFY_EINVAL = 1
CFY_ENOTFOUND = 2
CFY_EIO = 4


# cfy_value_new_tensor keeps the type pointer (a static string in C): keep these alive forever.
_TYPE_NAMES = {"IMAGE": C.c_char_p(b"IMAGE"), "MASK": C.c_char_p(b"MASK")}


class RuntimeOptions(C.Structure):
    _fields_ = [("input_dir", C.c_char_p), ("output_dir", C.c_char_p), ("temp_dir", C.c_char_p),
                ("models_dir", C.c_char_p), ("extra_model_paths", C.c_char_p), ("device", cfy.Device),
                ("max_image_pixels_side", C.c_int64), ("progress", C.c_void_p), ("progress_user", C.c_void_p),
                ("log", C.c_void_p), ("log_user", C.c_void_p), ("no_builtin_nodes", C.c_bool)]


class NamedValue(C.Structure):
    _fields_ = [("name", C.c_char_p), ("value", C.c_void_p)]


class PngText(C.Structure):
    _fields_ = [("key", C.c_char_p), ("value", C.c_char_p)]


def _setup(lib):
    if getattr(lib, "_imgio_ready", False):
        return lib
    lib.cfy_runtime_options_init.argtypes = [C.POINTER(RuntimeOptions)]
    lib.cfy_runtime_create.argtypes = [C.POINTER(RuntimeOptions), C.POINTER(C.c_void_p), C.POINTER(cfy.Error)]
    lib.cfy_runtime_destroy.argtypes = [C.c_void_p]
    lib.cfy_value_new_string.argtypes = [C.c_char_p]
    lib.cfy_value_new_string.restype = C.c_void_p
    lib.cfy_value_new_int.argtypes = [C.c_int64]
    lib.cfy_value_new_int.restype = C.c_void_p
    lib.cfy_value_new_float.argtypes = [C.c_double]
    lib.cfy_value_new_float.restype = C.c_void_p
    lib.cfy_value_new_tensor.argtypes = [C.c_char_p, cfy.TensorP]
    lib.cfy_value_new_tensor.restype = C.c_void_p
    lib.cfy_value_release.argtypes = [C.c_void_p]
    lib.cfy_value_tensor.argtypes = [C.c_void_p]
    lib.cfy_value_tensor.restype = cfy.TensorP
    lib.cfy_value_type.argtypes = [C.c_void_p]
    lib.cfy_value_type.restype = C.c_char_p
    lib.cfy_node_call.argtypes = [C.c_void_p, C.c_char_p, C.POINTER(NamedValue), C.c_int, C.POINTER(C.c_void_p),
                                  C.c_int, C.POINTER(cfy.Error)]
    lib.cfy_png_write.argtypes = [C.c_char_p, C.c_void_p, C.c_int, C.c_int, C.c_int, C.POINTER(PngText), C.c_int,
                                  C.c_int, C.POINTER(cfy.Error)]
    lib.cfy_png_read_text.argtypes = [C.c_void_p, C.c_size_t, C.c_char_p, C.POINTER(C.c_void_p), C.POINTER(cfy.Error)]
    lib.free.argtypes = [C.c_void_p]
    lib._imgio_ready = True
    return lib


def lib():
    return _setup(cfy.lib())


class Runtime:
    """A runtime whose input/output/temp folders are the given paths."""

    def __init__(self, input_dir, output_dir=None, temp_dir=None, max_side=0):
        self.lib = lib()
        o = RuntimeOptions()
        self.lib.cfy_runtime_options_init(C.byref(o))
        self._keep = [str(p).encode() for p in (input_dir, output_dir or input_dir, temp_dir or input_dir)]
        o.input_dir, o.output_dir, o.temp_dir = self._keep
        if max_side:
            o.max_image_pixels_side = max_side
        self.rt = C.c_void_p()
        err = cfy.Error()
        if self.lib.cfy_runtime_create(C.byref(o), C.byref(self.rt), C.byref(err)) != 0:
            raise RuntimeError(str(err))

    def close(self):
        self.lib.cfy_runtime_destroy(self.rt)
        self.rt = None

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def call(self, class_type, n_outputs=4, **inputs):
        """Call a node. Input values: str, int, float, or ("IMAGE"|"MASK", ndarray).
        Returns (status, error, outputs) where outputs are numpy arrays (tensor values) or None."""
        vals, named = [], []
        for k, v in inputs.items():
            if isinstance(v, tuple):
                t = cfy.to_tensor(np.asarray(v[1], dtype=np.float32))
                p = self.lib.cfy_value_new_tensor(_TYPE_NAMES[v[0]], t)
            elif isinstance(v, str):
                p = self.lib.cfy_value_new_string(v.encode())
            elif isinstance(v, bool):
                raise TypeError("bool input")
            elif isinstance(v, int):
                p = self.lib.cfy_value_new_int(v)
            else:
                p = self.lib.cfy_value_new_float(float(v))
            vals.append(p)
            named.append(NamedValue(k.encode(), p))
        arr = (NamedValue * max(1, len(named)))(*named)
        outs = (C.c_void_p * n_outputs)()
        err = cfy.Error()
        st = self.lib.cfy_node_call(self.rt, class_type.encode(), arr, len(named), outs, n_outputs, C.byref(err))
        for p in vals:
            self.lib.cfy_value_release(p)
        result = []
        for i in range(n_outputs):
            if outs[i]:
                result.append(cfy.to_numpy(self.lib.cfy_value_tensor(outs[i])))
                self.lib.cfy_value_release(outs[i])
            else:
                result.append(None)
        return st, err, result

    def ok(self, class_type, n_outputs=4, **inputs):
        st, err, outs = self.call(class_type, n_outputs, **inputs)
        assert st == 0, str(err)
        return outs


def png_read_text(data, key):
    """cfy_png_read_text on bytes: (status, text or None)."""
    out = C.c_void_p()
    err = cfy.Error()
    buf = C.create_string_buffer(data, len(data))
    st = lib().cfy_png_read_text(buf, len(data), key.encode(), C.byref(out), C.byref(err))
    if st != 0:
        return st, None
    text = C.string_at(out).decode("utf-8")
    lib().free(out)
    return st, text


# ---- ComfyUI's reference formulas (nodes.py LoadImage / LoadImageMask, spec §6.1) ----

def comfy_load_image(path):
    """LoadImage as ComfyUI computes it (every frame; later frames of another size skipped):
    (image [N,H,W,3] f32, mask [N,H,W] or [N,64,64])."""
    from PIL import Image, ImageOps, ImageSequence
    img = Image.open(path)
    images, masks, size = [], [], None
    for frame in ImageSequence.Iterator(img):
        i = ImageOps.exif_transpose(frame)
        if i.mode == "I":
            i = i.point(lambda v: v * (1 / 255))
        rgb = i.convert("RGB")
        size = size or rgb.size
        if rgb.size != size:
            continue
        image = np.array(rgb).astype(np.float32) / 255.0
        if "A" in i.getbands():
            mask = 1.0 - np.array(i.getchannel("A")).astype(np.float32) / 255.0
        elif i.mode == "P" and "transparency" in i.info:
            mask = 1.0 - np.array(i.convert("RGBA").getchannel("A")).astype(np.float32) / 255.0
        else:
            mask = np.zeros((64, 64), dtype=np.float32)
        images.append(image[None])
        masks.append(mask[None])
        if img.format == "MPO":
            break
    return np.concatenate(images), np.concatenate(masks)


def comfy_load_image_mask(path, channel):
    from PIL import Image, ImageOps
    i = ImageOps.exif_transpose(Image.open(path))
    if i.getbands() != ("R", "G", "B", "A"):
        if i.mode == "I":
            i = i.point(lambda v: v * (1 / 255))
        i = i.convert("RGBA")
    c = channel[0].upper()
    m = np.array(i.getchannel(c)).astype(np.float32) / 255.0
    if c == "A":
        m = 1.0 - m
    return m[None]

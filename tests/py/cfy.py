"""cfy.py — ctypes access to libcomfyc for the Python oracle tests.

Loads build/libcomfyc.so (or $CFY_BUILD_DIR/libcomfyc.so) and converts between NumPy arrays
and cfy_tensor. Internal functions (cfy_image_*, cfy_sampling_*, ...) are exported by the
shared library, so tests call them directly and compare with Pillow / torch references.
"""
import ctypes as C
import os
import pathlib

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("CFY_BUILD_DIR", ROOT / "build"))

CFY_MAX_DIMS = 8
DTYPES = {0: np.float32, 1: np.float16, 3: np.uint8, 4: np.int64, 5: np.int32}
DTYPE_CODES = {np.dtype(np.float32): 0, np.dtype(np.float16): 1, np.dtype(np.uint8): 3,
               np.dtype(np.int64): 4, np.dtype(np.int32): 5}


class Device(C.Structure):
    _fields_ = [("kind", C.c_int), ("index", C.c_int)]


class Storage(C.Structure):
    _fields_ = [("refs", C.c_int), ("data", C.c_void_p), ("bytes", C.c_size_t), ("device", Device),
                ("release", C.c_void_p), ("release_ctx", C.c_void_p)]


class Tensor(C.Structure):
    _fields_ = [("refs", C.c_int), ("dtype", C.c_int), ("device", Device), ("ndim", C.c_int),
                ("sizes", C.c_int64 * CFY_MAX_DIMS), ("strides", C.c_int64 * CFY_MAX_DIMS),
                ("offset", C.c_int64), ("storage", C.POINTER(Storage))]


class Error(C.Structure):
    _fields_ = [("code", C.c_int), ("node_id", C.c_char * 32), ("class_type", C.c_char * 64),
                ("input", C.c_char * 64), ("message", C.c_char * 512)]

    def __str__(self):
        return f"code={self.code} node={self.node_id.decode()} input={self.input.decode()}: {self.message.decode()}"


TensorP = C.POINTER(Tensor)


def load():
    lib = C.CDLL(str(BUILD / "libcomfyc.so"))
    lib.cfy_tensor_new.argtypes = [C.c_int, Device, C.c_int, C.POINTER(C.c_int64), C.c_bool,
                                   C.POINTER(TensorP), C.POINTER(Error)]
    lib.cfy_tensor_new.restype = C.c_int
    lib.cfy_tensor_release.argtypes = [TensorP]
    lib.cfy_tensor_release.restype = None
    lib.cfy_tensor_data.argtypes = [TensorP]
    lib.cfy_tensor_data.restype = C.c_void_p
    lib.cfy_tensor_contiguous.argtypes = [TensorP, C.POINTER(TensorP), C.POINTER(Error)]
    lib.cfy_tensor_contiguous.restype = C.c_int
    return lib


_lib = None


def lib():
    global _lib
    if _lib is None:
        _lib = load()
    return _lib


def to_tensor(a):
    """New cfy_tensor (CPU) holding a copy of NumPy array a. Release with release()."""
    a = np.ascontiguousarray(a)
    sizes = (C.c_int64 * CFY_MAX_DIMS)(*a.shape)
    out = TensorP()
    err = Error()
    st = lib().cfy_tensor_new(DTYPE_CODES[a.dtype], Device(0, 0), a.ndim, sizes, False, C.byref(out), C.byref(err))
    if st != 0:
        raise RuntimeError(str(err))
    if a.nbytes:
        C.memmove(lib().cfy_tensor_data(out), a.ctypes.data, a.nbytes)
    return out


def empty(shape, dtype=np.float32):
    sizes = (C.c_int64 * CFY_MAX_DIMS)(*shape)
    out = TensorP()
    err = Error()
    st = lib().cfy_tensor_new(DTYPE_CODES[np.dtype(dtype)], Device(0, 0), len(shape), sizes, True, C.byref(out), C.byref(err))
    if st != 0:
        raise RuntimeError(str(err))
    return out


def to_numpy(t):
    """Copy of a CPU cfy_tensor as a NumPy array (handles strided views)."""
    c = TensorP()
    err = Error()
    if lib().cfy_tensor_contiguous(t, C.byref(c), C.byref(err)) != 0:
        raise RuntimeError(str(err))
    tt = c.contents
    shape = tuple(tt.sizes[i] for i in range(tt.ndim))
    dtype = np.dtype(DTYPES[tt.dtype])
    n = int(np.prod(shape)) if shape else 1
    buf = (C.c_char * (n * dtype.itemsize)).from_address(lib().cfy_tensor_data(c))
    a = np.frombuffer(bytes(buf), dtype=dtype).reshape(shape).copy()
    lib().cfy_tensor_release(c)
    return a


def release(t):
    lib().cfy_tensor_release(t)

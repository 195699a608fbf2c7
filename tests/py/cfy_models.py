"""cfy_models.py — ctypes access to src/models (packages, compiled components, tokenizer, VAE, CLIP)."""
import ctypes as C

import numpy as np

import cfy

TensorP = cfy.TensorP
Error = cfy.Error


def _sig(fn, argtypes, restype=C.c_int):
    fn.argtypes = argtypes
    fn.restype = restype
    return fn


def lib():
    L = cfy.lib()
    if not getattr(L, "_models_bound", False):
        _sig(L.cfy_package_open, [C.c_char_p, cfy.Device, C.POINTER(C.c_void_p), C.POINTER(Error)])
        _sig(L.cfy_package_release, [C.c_void_p], None)
        _sig(L.cfy_package_component, [C.c_void_p, C.c_char_p], C.c_void_p)
        _sig(L.cfy_aoti_component_run, [C.c_void_p, C.POINTER(TensorP), C.c_int, C.POINTER(TensorP), C.c_int,
                                        C.POINTER(Error)])
        _sig(L.cfy_component_call_host, [C.c_void_p, C.POINTER(TensorP), C.c_int, C.POINTER(TensorP), C.c_int,
                                        C.POINTER(Error)])
        L._models_bound = True
    return L


class Package:
    def __init__(self, path):
        self.h = C.c_void_p()
        err = Error()
        st = lib().cfy_package_open(str(path).encode(), cfy.Device(0, 0), C.byref(self.h), C.byref(err))
        if st != 0:
            raise RuntimeError(f"status {st}: {err}")

    def run(self, component, *arrays, n_out=1, host=False):
        """Run a compiled component on NumPy inputs; returns (status, outputs or error).
        host=False: the raw graph call (inputs must have the graph's dtype); host=True: through
        cfy_component_call_host (f32 in, converted to the graph's dtype; f32 out)."""
        c = lib().cfy_package_component(self.h, component.encode())
        if not c:
            raise KeyError(component)
        ins = [cfy.to_tensor(a) for a in arrays]
        arr = (TensorP * len(ins))(*ins)
        outs = (TensorP * n_out)()
        err = Error()
        call = lib().cfy_component_call_host if host else lib().cfy_aoti_component_run
        st = call(c, arr, len(ins), outs, n_out, C.byref(err))
        for t in ins:
            cfy.release(t)
        if st != 0:
            return st, err
        res = [cfy.to_numpy(outs[i]) for i in range(n_out)]
        for i in range(n_out):
            cfy.release(outs[i])
        return 0, res

    def close(self):
        if self.h:
            lib().cfy_package_release(self.h)
            self.h = C.c_void_p()


_libc = C.CDLL(None)
_libc.free.argtypes = [C.c_void_p]
_libc.free.restype = None


class Tokenizer:
    def __init__(self, vocab, merges):
        L = lib()
        _sig(L.cfy_tokenizer_load, [C.c_char_p, C.c_char_p, C.POINTER(C.c_void_p), C.POINTER(Error)])
        _sig(L.cfy_tokenizer_encode, [C.c_void_p, C.c_char_p, C.POINTER(C.POINTER(C.c_int32)), C.POINTER(C.c_int),
                                      C.POINTER(Error)])
        _sig(L.cfy_tokenizer_destroy, [C.c_void_p], None)
        self.h = C.c_void_p()
        err = Error()
        if L.cfy_tokenizer_load(str(vocab).encode(), str(merges).encode(), C.byref(self.h), C.byref(err)) != 0:
            raise RuntimeError(str(err))

    def encode(self, text):
        ids = C.POINTER(C.c_int32)()
        n = C.c_int()
        err = Error()
        if lib().cfy_tokenizer_encode(self.h, text.encode("utf-8", "surrogatepass"), C.byref(ids), C.byref(n), C.byref(err)) != 0:
            raise RuntimeError(str(err))
        out = [ids[i] for i in range(n.value)]
        _libc.free(ids)
        return out

    def close(self):
        if self.h:
            lib().cfy_tokenizer_destroy(self.h)
            self.h = C.c_void_p()


class ClipTokens(C.Structure):
    _fields_ = [("tokens", C.POINTER(C.c_int32)), ("weights", C.POINTER(C.c_float)), ("n_windows", C.c_int),
                ("vectors", C.POINTER(C.c_float)), ("n_vectors", C.c_int), ("dim", C.c_int)]


class CondEntryHead(C.Structure):  # leading fields of cfy_cond_entry
    _fields_ = [("cond", TensorP), ("pooled", TensorP)]


class Conditioning(C.Structure):
    _fields_ = [("entries", C.POINTER(CondEntryHead)), ("n", C.c_int)]


class Clip:
    """CLIP of a loaded package: tokenize (windows of ids + weights; an embedding vector is the
    id -1-k, its values in .vectors after tokenize) and encode (cond, pooled).
    embedding_dirs: folders searched for "embedding:NAME"."""

    def __init__(self, pkg, layer=None, embedding_dirs=()):
        L = lib()
        _sig(L.cfy_clip_new, [C.c_void_p, C.POINTER(C.c_char_p), C.POINTER(C.c_void_p), C.POINTER(Error)])
        _sig(L.cfy_clip_with_layer, [C.c_void_p, C.c_int, C.POINTER(C.c_void_p), C.POINTER(Error)])
        _sig(L.cfy_clip_free, [C.c_void_p], None)
        _sig(L.cfy_clip_tokenize, [C.c_void_p, C.c_int, C.c_char_p, C.c_void_p, C.POINTER(ClipTokens),
                                   C.POINTER(Error)])
        _sig(L.cfy_clip_n_encoders, [C.c_void_p], C.c_int)
        _sig(L.cfy_clip_tokens_free, [C.POINTER(ClipTokens)], None)
        _sig(L.cfy_clip_encode, [C.c_void_p, C.c_char_p, C.c_void_p, C.POINTER(C.POINTER(Conditioning)),
                                 C.POINTER(Error)])
        _sig(L.cfy_conditioning_free, [C.POINTER(Conditioning)], None)
        self.h = C.c_void_p()
        err = Error()
        dirs = (C.c_char_p * (len(embedding_dirs) + 1))(*[str(d).encode() for d in embedding_dirs], None)
        if L.cfy_clip_new(pkg.h, dirs, C.byref(self.h), C.byref(err)) != 0:
            raise RuntimeError(str(err))
        if layer is not None:
            h2 = C.c_void_p()
            if L.cfy_clip_with_layer(self.h, layer, C.byref(h2), C.byref(err)) != 0:
                raise RuntimeError(str(err))
            L.cfy_clip_free(self.h)
            self.h = h2

    def n_encoders(self):
        return lib().cfy_clip_n_encoders(self.h)

    def tokenize(self, text, encoder=0):
        t = ClipTokens()
        err = Error()
        if lib().cfy_clip_tokenize(self.h, encoder, text.encode(), None, C.byref(t), C.byref(err)) != 0:
            raise RuntimeError(str(err))
        n = t.n_windows * 77
        toks = [t.tokens[i] for i in range(n)]
        ws = [t.weights[i] for i in range(n)]
        self.vectors = [[t.vectors[k * t.dim + d] for d in range(t.dim)] for k in range(t.n_vectors)]
        lib().cfy_clip_tokens_free(C.byref(t))
        return [list(zip(toks[i:i + 77], ws[i:i + 77])) for i in range(0, n, 77)]

    def encode(self, text):
        c = C.POINTER(Conditioning)()
        err = Error()
        if lib().cfy_clip_encode(self.h, text.encode(), None, C.byref(c), C.byref(err)) != 0:
            raise RuntimeError(str(err))
        e = c.contents.entries[0]
        out = cfy.to_numpy(e.cond), cfy.to_numpy(e.pooled)
        lib().cfy_conditioning_free(c)
        return out

    def close(self):
        if self.h:
            lib().cfy_clip_free(self.h)
            self.h = C.c_void_p()

"""smp_bridge.py — ctypes bindings of libcomfyc's sampling library for the oracle tests.

Mirrors the structs of src/sampling/*.h and include/comfyc/value.h that the tests fill
(cfy_model, cfy_conditioning, cfy_latent, cfy_sampler_run, cfy_sample_params)."""
import ctypes as C
import sys
import pathlib

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "py"))
import cfy  # noqa: E402

Tensor, TensorP, Error, Device = cfy.Tensor, cfy.TensorP, cfy.Error, cfy.Device
FP = C.POINTER(C.c_float)


class ModelSampling(C.Structure):
    _fields_ = [("prediction", C.c_int), ("linear_start", C.c_double), ("linear_end", C.c_double),
                ("sigmas", C.c_float * 1000), ("log_sigmas", C.c_float * 1000)]


class UnetCall(C.Structure):
    _fields_ = [("x", TensorP), ("timestep", TensorP), ("context", TensorP), ("y", TensorP), ("concat", TensorP)]


APPLY = C.CFUNCTYPE(C.c_int, C.c_void_p, C.POINTER(UnetCall), C.POINTER(TensorP), C.c_void_p)


class Model(C.Structure):
    _fields_ = [("sampling", ModelSampling), ("latent_channels", C.c_int), ("unet_in_channels", C.c_int),
                ("latent_scale_factor", C.c_double), ("max_batch", C.c_int), ("differential_diffusion", C.c_bool),
                ("adm_channels", C.c_int), ("adm_pooled_width", C.c_int), ("differential_diffusion_strength", C.c_double),
                ("apply", APPLY), ("impl", C.c_void_p), ("impl_retain", C.c_void_p), ("impl_release", C.c_void_p),
                ("device", Device)]


class CondEntry(C.Structure):
    _fields_ = [("cond", TensorP), ("pooled", TensorP), ("concat_latent_image", TensorP), ("concat_mask", TensorP),
                ("strength", C.c_double), ("start_percent", C.c_double), ("end_percent", C.c_double),
                ("has_area", C.c_bool), ("area", C.c_int64 * 4), ("has_size", C.c_bool), ("size", C.c_double * 6)]


class Conditioning(C.Structure):
    _fields_ = [("entries", C.POINTER(CondEntry)), ("n", C.c_int)]


class Latent(C.Structure):
    _fields_ = [("samples", TensorP), ("noise_mask", TensorP), ("batch_index", C.POINTER(C.c_int64)),
                ("n_batch_index", C.c_int)]


class Sigmas(C.Structure):
    _fields_ = [("v", FP), ("n", C.c_int)]


DENOISE = C.CFUNCTYPE(C.c_int, C.c_void_p, FP, C.c_float, FP, FP, C.c_void_p)
STEP = C.CFUNCTYPE(None, C.c_void_p, C.c_int, C.c_int, FP, FP)
SCHEDFN = C.CFUNCTYPE(C.c_int, C.c_void_p, C.c_void_p, C.c_char_p, C.c_int, C.POINTER(Sigmas), C.c_void_p)


class SamplerRun(C.Structure):
    _fields_ = [("n", C.c_int64), ("sigmas", FP), ("n_sigmas", C.c_int), ("denoise", DENOISE),
                ("denoise_user", C.c_void_p), ("noise", C.c_void_p), ("step", C.c_void_p), ("step_user", C.c_void_p),
                ("interrupted", C.c_void_p), ("interrupt_user", C.c_void_p),
                ("ms", C.c_void_p)]


class SampleParams(C.Structure):
    _fields_ = [("model", C.POINTER(Model)), ("seed", C.c_uint64), ("steps", C.c_int), ("cfg", C.c_double),
                ("sampler_name", C.c_char_p), ("scheduler", C.c_char_p), ("positive", C.POINTER(Conditioning)),
                ("negative", C.POINTER(Conditioning)), ("denoise", C.c_double), ("add_noise", C.c_bool),
                ("start_step", C.c_int), ("last_step", C.c_int), ("force_full_denoise", C.c_bool),
                ("sigmas", FP), ("n_sigmas", C.c_int), ("scheduler_func", SCHEDFN), ("scheduler_func_user", C.c_void_p),
                ("mode", C.c_int), ("sigma_factor", C.c_double), ("return_last_denoised", C.c_bool),
                ("randn_variant", C.c_int), ("progress", C.c_void_p), ("progress_user", C.c_void_p),
                ("interrupted", C.c_void_p), ("interrupt_user", C.c_void_p)]


_lib = None


def lib():
    global _lib
    if _lib is None:
        L = cfy.lib()
        L.cfy_rng_seed.argtypes = [C.c_void_p, C.c_uint64]
        L.cfy_rng_randn.argtypes = [C.c_void_p, FP, C.c_int64, C.c_int]
        L.cfy_noise_prepare.argtypes = [C.c_uint64, C.c_int64, C.c_int64, C.POINTER(C.c_int64), C.c_int, C.c_int, FP,
                                        C.c_void_p]
        L.cfy_seed_sequence.argtypes = [C.c_uint64, C.POINTER(C.c_uint64), C.c_int, C.POINTER(C.c_uint32), C.c_int]
        L.cfy_brownian_tree_init.argtypes = [C.c_void_p, C.c_double, C.c_double, C.c_uint64, C.c_int64, C.c_int,
                                             C.c_void_p]
        L.cfy_brownian_tree_noise.argtypes = [C.c_void_p, C.c_float, C.c_float, FP, C.c_void_p]
        L.cfy_brownian_tree_free.argtypes = [C.c_void_p]
        L.cfy_model_sampling_init.argtypes = [C.POINTER(ModelSampling), C.c_int, C.c_double, C.c_double, C.c_bool]
        L.cfy_ms_timestep.argtypes = [C.POINTER(ModelSampling), C.c_float]
        L.cfy_ms_sigma.argtypes = [C.POINTER(ModelSampling), C.c_float]
        L.cfy_ms_sigma.restype = C.c_float
        L.cfy_ms_percent_to_sigma.argtypes = [C.POINTER(ModelSampling), C.c_double]
        L.cfy_ms_percent_to_sigma.restype = C.c_double
        L.cfy_scheduler_sigmas.argtypes = [C.POINTER(ModelSampling), C.c_int, C.c_int, C.POINTER(Sigmas), C.c_void_p]
        L.cfy_sigmas_karras.argtypes = [C.c_int, C.c_double, C.c_double, C.c_double, C.POINTER(Sigmas), C.c_void_p]
        L.cfy_sigmas_exponential.argtypes = [C.c_int, C.c_double, C.c_double, C.POINTER(Sigmas), C.c_void_p]
        L.cfy_sigmas_ays.argtypes = [C.c_char_p, C.c_int, C.c_double, C.POINTER(Sigmas), C.c_void_p]
        L.cfy_sigmas_gits.argtypes = [C.c_double, C.c_int, C.c_double, C.POINTER(Sigmas), C.c_void_p]
        L.cfy_ksampler_sigmas.argtypes = [C.POINTER(ModelSampling), C.c_char_p, C.c_int, C.c_int, C.c_double,
                                          C.POINTER(Sigmas), C.c_void_p]
        L.cfy_sigmas_free.argtypes = [C.POINTER(Sigmas)]
        L.cfy_sigmas_alloc.argtypes = [C.POINTER(Sigmas), C.c_int, C.c_void_p]
        L.cfy_sampler_find.argtypes = [C.c_char_p]
        L.cfy_sampler_find.restype = C.c_void_p
        L.cfy_sampler_execute.argtypes = [C.c_void_p, C.POINTER(SamplerRun), FP, C.POINTER(Error)]
        L.cfy_noise_sampler_init_default.argtypes = [C.c_void_p, C.c_uint64, C.c_int64, C.c_int]
        L.cfy_noise_sampler_init_brownian.argtypes = [C.c_void_p, C.c_double, C.c_double, C.c_uint64, C.c_int64,
                                                      C.c_int, C.c_void_p]
        L.cfy_noise_sampler_free.argtypes = [C.c_void_p]
        L.cfy_sample_params_init.argtypes = [C.POINTER(SampleParams)]
        L.cfy_sample.argtypes = [C.POINTER(SampleParams), C.POINTER(Latent), C.POINTER(C.c_void_p),
                                 C.POINTER(C.c_void_p), C.POINTER(Error)]
        L.cfy_sample_sigmas.argtypes = [C.POINTER(SampleParams), C.POINTER(Sigmas), C.POINTER(Sigmas), C.POINTER(Error)]
        L.cfy_value_object.argtypes = [C.c_void_p]
        L.cfy_value_object.restype = C.c_void_p
        L.cfy_value_release.argtypes = [C.c_void_p]
        L.cfy_tensor_wrap.argtypes = [C.c_int, Device, C.c_int, C.POINTER(C.c_int64), C.c_void_p, C.c_void_p,
                                      C.c_void_p, C.POINTER(TensorP), C.POINTER(Error)]
        L.cfy_tensor_new.argtypes = [C.c_int, Device, C.c_int, C.POINTER(C.c_int64), C.c_bool, C.POINTER(TensorP),
                                     C.POINTER(Error)]
        _lib = L
    return _lib


RNG_BYTES = 4096
RANDN_SCALAR, RANDN_AVX2 = 0, 1


def sd_sampling(pred=0):
    ms = ModelSampling()
    lib().cfy_model_sampling_init(C.byref(ms), pred, 0.00085, 0.012, False)
    return ms


def sigmas_np(s):
    a = np.array([s.v[i] for i in range(s.n)], dtype=np.float32)
    lib().cfy_sigmas_free(C.byref(s))
    return a


def fptr(a):
    return a.ctypes.data_as(FP)

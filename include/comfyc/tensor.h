/* tensor.h — strided n-dimensional arrays on CPU or CUDA with refcounted storage.
 *
 * A cfy_tensor is a view (dtype, device, sizes, strides, element offset) into a cfy_storage.
 * Both are reference counted; a tensor keeps its storage alive. The storage carries its own
 * release function, so memory from malloc, a CUDA allocation or an AOTI-owned handle is freed
 * by whoever made it. Tensors handed around as values are immutable once produced: an op
 * that changes data writes into a tensor it created itself.
 *
 * ComfyUI layouts are kept: IMAGE = f32 [B,H,W,C] in 0..1, MASK = f32 [B,H,W],
 * LATENT samples = f32 [B,C,H/8,W/8], SIGMAS = f32 [N].
 *
 * Thread safety: refcounts are atomic; data is not synchronised. */
#ifndef COMFYC_TENSOR_H
#define COMFYC_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "comfyc/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CFY_MAX_DIMS 8

typedef enum cfy_dtype { CFY_F32 = 0, CFY_F16, CFY_BF16, CFY_U8, CFY_I64, CFY_I32 } cfy_dtype;

typedef enum cfy_device_kind { CFY_DEVICE_CPU = 0, CFY_DEVICE_CUDA = 1 } cfy_device_kind;

typedef struct cfy_device {
    cfy_device_kind kind;
    int index; /* CUDA ordinal; 0 for CPU */
} cfy_device;

/* Release function of a storage: frees `data` that was produced by whoever set it. */
typedef void (*cfy_release_fn)(void *release_ctx, void *data);

typedef struct cfy_storage {
    int refs;                 /* atomic; use cfy_storage_retain/release */
    void *data;               /* base pointer (host or device) */
    size_t bytes;
    cfy_device device;
    cfy_release_fn release;   /* may be NULL: memory not owned (borrowed for the tensor's life) */
    void *release_ctx;
} cfy_storage;

typedef struct cfy_tensor {
    int refs;                       /* atomic; use cfy_tensor_retain/release */
    cfy_dtype dtype;
    cfy_device device;
    int ndim;
    int64_t sizes[CFY_MAX_DIMS];
    int64_t strides[CFY_MAX_DIMS];  /* in elements */
    int64_t offset;                 /* in elements from storage->data */
    cfy_storage *storage;           /* owned reference */
} cfy_tensor;

static inline cfy_device cfy_cpu(void) { cfy_device d = {CFY_DEVICE_CPU, 0}; return d; }
static inline cfy_device cfy_cuda(int index) { cfy_device d = {CFY_DEVICE_CUDA, index}; return d; }
static inline bool cfy_device_eq(cfy_device a, cfy_device b) { return a.kind == b.kind && a.index == b.index; }

/* Bytes per element of dtype. */
CFY_API size_t cfy_dtype_size(cfy_dtype dtype);
/* Static name: "f32", "f16", "bf16", "u8", "i64", "i32". */
CFY_API const char *cfy_dtype_name(cfy_dtype dtype);

/* Allocate a contiguous tensor with uninitialised contents (zeros when `zero`).
 * sizes: ndim (0..8) non-negative sizes. CUDA allocation needs a build with CUDA.
 * out: returns new (release with cfy_tensor_release); NULL on failure.
 * Returns CFY_OK, CFY_EINVAL (bad ndim/size), CFY_ENOMEM, CFY_EUNSUPPORTED (no CUDA). */
CFY_API CFY_NODISCARD cfy_status cfy_tensor_new(cfy_dtype dtype, cfy_device device, int ndim, const int64_t *sizes,
                                                bool zero, cfy_tensor **out, cfy_error *err);

/* Wrap existing memory as a contiguous tensor without copying.
 * data: takes — release(release_ctx, data) is called when the last reference goes, and also
 *       when this call fails. release may be NULL (the caller keeps data alive for the tensor's life).
 * out: returns new. */
CFY_API CFY_NODISCARD cfy_status cfy_tensor_wrap(cfy_dtype dtype, cfy_device device, int ndim, const int64_t *sizes,
                                                 void *data, cfy_release_fn release, void *release_ctx,
                                                 cfy_tensor **out, cfy_error *err);

/* Add a reference; returns t. t may be NULL. */
CFY_API cfy_tensor *cfy_tensor_retain(cfy_tensor *t);
/* Drop a reference; frees the view (and storage when its last reference goes). NULL is a no-op. */
CFY_API void cfy_tensor_release(cfy_tensor *t);

/* Number of elements (product of sizes; 1 for ndim 0). */
CFY_API int64_t cfy_tensor_numel(const cfy_tensor *t);
/* True when strides are the row-major strides of sizes. */
CFY_API bool cfy_tensor_is_contiguous(const cfy_tensor *t);
/* Pointer to element 0 of the view (storage->data + offset * elemsize). Host or device pointer. */
CFY_API void *cfy_tensor_data(const cfy_tensor *t);
/* Typed shortcut for f32 tensors (no dtype check in release builds; asserts in debug). */
static inline float *cfy_tensor_f32(const cfy_tensor *t) { return (float *)cfy_tensor_data(t); }

/* A new view sharing storage with new sizes; t must be contiguous and numel must match.
 * out: returns new. */
CFY_API CFY_NODISCARD cfy_status cfy_tensor_reshape(const cfy_tensor *t, int ndim, const int64_t *sizes,
                                                    cfy_tensor **out, cfy_error *err);
/* A new view of t narrowed along dim to [start, start+length). out: returns new. */
CFY_API CFY_NODISCARD cfy_status cfy_tensor_narrow(const cfy_tensor *t, int dim, int64_t start, int64_t length,
                                                   cfy_tensor **out, cfy_error *err);
/* A new contiguous copy of t on `device` (same dtype). Copies across devices when built with CUDA.
 * out: returns new. Synchronises with the device when copying to the host. */
CFY_API CFY_NODISCARD cfy_status cfy_tensor_to(const cfy_tensor *t, cfy_device device, cfy_tensor **out,
                                               cfy_error *err);
/* Contiguous copy on the same device (a retained t itself when already contiguous). out: returns new. */
CFY_API CFY_NODISCARD cfy_status cfy_tensor_contiguous(const cfy_tensor *t, cfy_tensor **out, cfy_error *err);
/* Contiguous copy with a new dtype (CPU only for now; f32<->f16/bf16/u8/i64/i32). out: returns new. */
CFY_API CFY_NODISCARD cfy_status cfy_tensor_convert(const cfy_tensor *t, cfy_dtype dtype, cfy_tensor **out,
                                                    cfy_error *err);
/* Write shape as "[2,64,64,3]" into buf; returns buf. */
CFY_API const char *cfy_tensor_shape_str(const cfy_tensor *t, char *buf, size_t buf_size);

/* Write a CPU tensor as a NumPy .npy file (v1.0, little-endian, C order), atomically
 * (temp file + rename). Device tensors are copied to the host first. */
CFY_API CFY_NODISCARD cfy_status cfy_tensor_save_npy(const cfy_tensor *t, const char *path, cfy_error *err);
/* Read a .npy file (f32/f16/u8/i64/i32, little-endian, C order) into a new CPU tensor. out: returns new. */
CFY_API CFY_NODISCARD cfy_status cfy_tensor_load_npy(const char *path, cfy_tensor **out, cfy_error *err);

#ifdef __cplusplus
}
#endif
#endif

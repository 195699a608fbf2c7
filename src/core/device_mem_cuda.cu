/* device_mem_cuda.cu — CUDA memory for cfy_tensor: cudaMalloc-backed storage and copies. */
#include <stdio.h>

#include "core/cuda_common.h"
extern "C" {
#include "core/device_mem.h"
}

static void cuda_free(void *ctx, void *data) { (void)ctx; cudaFree(data); }

extern "C" cfy_status cfy_device_alloc(cfy_device device, size_t bytes, bool zero, void **data,
                                       cfy_release_fn *release, void **release_ctx, cfy_error *err)
{
    *data = NULL;
    CFY_CUDA_TRY(err, cudaSetDevice(device.index));
    CFY_CUDA_TRY(err, cudaMalloc(data, bytes ? bytes : 1));
    if (zero) CFY_CUDA_TRY(err, cudaMemset(*data, 0, bytes));
    *release = cuda_free;
    *release_ctx = NULL;
    return CFY_OK;
}

extern "C" cfy_status cfy_device_copy(void *dst, cfy_device dst_dev, const void *src, cfy_device src_dev,
                                      size_t bytes, cfy_error *err)
{
    if (dst_dev.kind == CFY_DEVICE_CPU && src_dev.kind == CFY_DEVICE_CPU) {
        memcpy(dst, src, bytes);
        return CFY_OK;
    }
    CFY_CUDA_TRY(err, cudaMemcpy(dst, src, bytes, cudaMemcpyDefault));
    return CFY_OK;
}

/* Gather a strided tensor (up to 8 dims) into contiguous memory, one thread per element. */
struct strided_desc { int ndim; long long sizes[CFY_MAX_DIMS]; long long strides[CFY_MAX_DIMS]; };

__global__ void contiguous_copy_kernel(char *dst, const char *src, strided_desc d, long long n, int es)
{
    long long k = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (k >= n) return;
    long long rem = k, off = 0;
    for (int i = d.ndim - 1; i >= 0; i--) {
        long long idx = rem % d.sizes[i];
        rem /= d.sizes[i];
        off += idx * d.strides[i];
    }
    for (int b = 0; b < es; b++) dst[k * es + b] = src[off * es + b];
}

extern "C" cfy_status cfy_device_contiguous(const cfy_tensor *t, cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    cfy_tensor *c;
    cfy_status st = cfy_tensor_new(t->dtype, t->device, t->ndim, t->sizes, false, &c, err);
    if (st != CFY_OK) return st;
    strided_desc d;
    d.ndim = t->ndim;
    for (int i = 0; i < t->ndim; i++) { d.sizes[i] = t->sizes[i]; d.strides[i] = t->strides[i]; }
    long long n = cfy_tensor_numel(t);
    const int block = CFY_CUDA_BLOCK;
    if (n > 0)
        contiguous_copy_kernel<<<(unsigned)((n + block - 1) / block), block>>>(
            (char *)cfy_tensor_data(c), (const char *)cfy_tensor_data(t), d, n, (int)cfy_dtype_size(t->dtype));
    cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) {
        cfy_tensor_release(c);
        return cfy_error_set(err, CFY_EDEVICE, "contiguous copy launch failed: %s", cudaGetErrorString(e));
    }
    *out = c;
    return CFY_OK;
}

extern "C" int cfy_cuda_device_count(void)
{
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) return 0;
    return n;
}

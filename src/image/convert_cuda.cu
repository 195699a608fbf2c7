/* convert_cuda.cu — CUDA kernels of convert.c: tensor2pil quantisation, pil2tensor, channel
 * conversion. Bit-exact with the CPU path (IEEE float32 multiply / divide, no contraction). */
#include "core/cuda_common.h"

extern "C" {
#include "image/convert_cuda.h"
}

/* ---- kernels ---- */

__global__ void to_u8_kernel(const float *src, unsigned char *dst, long long n)
{
    long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i >= n) return;
    float p = __fmul_rn(255.0f, src[i]);
    dst[i] = !(p > 0.0f) ? 0 : p >= 255.0f ? 255 : (unsigned char)p;
}

__global__ void from_u8_kernel(const unsigned char *src, float *dst, long long n)
{
    long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i >= n) return;
    dst[i] = __fdiv_rn((float)src[i], 255.0f);
}

template <typename T>
__global__ void channels_kernel(const T *s, int cin, T *d, int cout, long long npix, T one)
{
    long long p = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (p >= npix) return;
    s += p * cin;
    d += p * cout;
    if (cout == 1) {
        if (cin == 1) d[0] = s[0];
        else if (sizeof(T) == 1)
            d[0] = (T)(((unsigned)s[0] * 19595u + (unsigned)s[1] * 38470u + (unsigned)s[2] * 7471u + 0x8000u) >> 16);
        else
            d[0] = (T)__fadd_rn(__fadd_rn(__fmul_rn(0.299f, (float)s[0]), __fmul_rn(0.587f, (float)s[1])),
                                __fmul_rn(0.114f, (float)s[2]));
    } else if (cin == 1) {
        d[0] = d[1] = d[2] = s[0];
        if (cout == 4) d[3] = one;
    } else {
        d[0] = s[0];
        d[1] = s[1];
        d[2] = s[2];
        if (cout == 4) d[3] = cin == 4 ? s[3] : one;
    }
}

/* ---- launchers ---- */

extern "C" cfy_status cfy_image_to_u8_cuda(const cfy_tensor *src, cfy_tensor *out, cfy_error *err)
{
    long long n = cfy_tensor_numel(src);
    if (n == 0) return CFY_OK;
    to_u8_kernel<<<cfy_cuda_grid(n), CFY_CUDA_BLOCK>>>((const float *)cfy_tensor_data(src),
                                                         (unsigned char *)cfy_tensor_data(out), n);
    CFY_CUDA_TRY(err, cudaGetLastError());
    return CFY_OK;
}

extern "C" cfy_status cfy_image_from_u8_cuda(const cfy_tensor *src, cfy_tensor *out, cfy_error *err)
{
    long long n = cfy_tensor_numel(src);
    if (n == 0) return CFY_OK;
    from_u8_kernel<<<cfy_cuda_grid(n), CFY_CUDA_BLOCK>>>((const unsigned char *)cfy_tensor_data(src),
                                                           (float *)cfy_tensor_data(out), n);
    CFY_CUDA_TRY(err, cudaGetLastError());
    return CFY_OK;
}

extern "C" cfy_status cfy_image_convert_channels_cuda(const cfy_tensor *src, cfy_tensor *out, cfy_error *err)
{
    int cin = (int)src->sizes[src->ndim - 1], cout = (int)out->sizes[out->ndim - 1];
    long long npix = cin ? cfy_tensor_numel(src) / cin : 0;
    if (npix == 0) return CFY_OK;
    if (src->dtype == CFY_U8)
        channels_kernel<unsigned char><<<cfy_cuda_grid(npix), CFY_CUDA_BLOCK>>>(
            (const unsigned char *)cfy_tensor_data(src), cin, (unsigned char *)cfy_tensor_data(out), cout, npix, 255);
    else
        channels_kernel<float><<<cfy_cuda_grid(npix), CFY_CUDA_BLOCK>>>((const float *)cfy_tensor_data(src), cin,
                                                                          (float *)cfy_tensor_data(out), cout, npix,
                                                                          1.0f);
    CFY_CUDA_TRY(err, cudaGetLastError());
    return CFY_OK;
}

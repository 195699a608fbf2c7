/* interpolate_cuda.cu — CUDA kernel of interpolate.c's bilinear mode (align_corners false), with
 * the CPU path's float32 operations in the same order, explicitly rounded: bit-exact with it. */
#include "core/cuda_common.h"

extern "C" {
#include "image/interpolate_cuda.h"
}

__device__ __forceinline__ void taps_dev(long long o, long long n, long long m, long long *i0, long long *i1,
                                         float *l0, float *l1)
{
    float scale = __fdiv_rn((float)n, (float)m);
    float s = n == m ? (float)o : __fsub_rn(__fmul_rn(scale, __fadd_rn((float)o, 0.5f)), 0.5f);
    if (s < 0) s = 0;
    long long a = (long long)floorf(s);
    if (a > n - 1) a = n - 1;
    float l = __fsub_rn(s, (float)a);
    l = l < 0 ? 0 : l > 1 ? 1 : l;
    *i0 = a;
    *i1 = a < n - 1 ? a + 1 : a;
    *l0 = __fsub_rn(1.0f, l);
    *l1 = l;
}

__global__ void bilinear_kernel(const float *src, float *dst, long long B, long long H, long long W, long long C,
                                long long h, long long w)
{
    long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i >= B * h * w * C) return;
    long long c = i % C, x = (i / C) % w, y = (i / C / w) % h, b = i / C / w / h;
    long long y0, y1, x0, x1;
    float ly0, ly1, lx0, lx1;
    taps_dev(y, H, h, &y0, &y1, &ly0, &ly1);
    taps_dev(x, W, w, &x0, &x1, &lx0, &lx1);
    const float *p = src + b * H * W * C + c;
    float r0 = __fadd_rn(__fadd_rn(0.0f, __fmul_rn(lx0, p[(y0 * W + x0) * C])), __fmul_rn(lx1, p[(y0 * W + x1) * C]));
    float r1 = __fadd_rn(__fadd_rn(0.0f, __fmul_rn(lx0, p[(y1 * W + x0) * C])), __fmul_rn(lx1, p[(y1 * W + x1) * C]));
    dst[i] = __fadd_rn(__fadd_rn(0.0f, __fmul_rn(ly0, r0)), __fmul_rn(ly1, r1));
}

extern "C" cfy_status cfy_image_bilinear_cuda(const float *src, float *dst, int64_t B, int64_t H, int64_t W,
                                              int64_t C, int64_t h, int64_t w, cfy_error *err)
{
    long long n = B * h * w * C;
    if (n == 0) return CFY_OK;
    bilinear_kernel<<<cfy_cuda_grid(n), CFY_CUDA_BLOCK>>>(src, dst, B, H, W, C, h, w);
    CFY_CUDA_TRY(err, cudaGetLastError());
    return CFY_OK;
}

/* step_ops_cuda.cu — CUDA kernels of step_ops.c: one thread per element, the CPU formulas with
 * the __f*_rn intrinsics so nvcc cannot fuse multiply-adds (bit-exact with the CPU path).
 * Kernels first, then launchers. */
#include "core/cuda_common.h"

extern "C" {
#include "sampling/step_ops_cuda.h"
}

/* ---------------------------------------------------------------- kernels */

__global__ void euler_step_kernel(float *x, const float *d, float sigma, float dt, long long n)
{
    long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i >= n) return;
    float v = __fdiv_rn(__fsub_rn(x[i], d[i]), sigma);
    x[i] = __fadd_rn(x[i], __fmul_rn(v, dt));
}

__global__ void add_noise_kernel(float *x, const float *e, float s_noise, float sigma_up, long long n)
{
    long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i >= n) return;
    x[i] = __fadd_rn(x[i], __fmul_rn(__fmul_rn(e[i], s_noise), sigma_up));
}

__global__ void cfg_combine_kernel(const float *c, const float *u, float cfg, float *out, long long n)
{
    long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i >= n) return;
    float uu = u[i];
    out[i] = __fadd_rn(uu, __fmul_rn(__fsub_rn(c[i], uu), cfg));
}

__global__ void mask_blend_input_kernel(const float *x, const float *m, const float *e, float sigma, const float *l,
                                        float *out, long long n)
{
    long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i >= n) return;
    float a = __fmul_rn(x[i], m[i]);
    float b = __fadd_rn(e ? __fmul_rn(e[i], sigma) : __fmul_rn(0.0f, sigma), l[i]);
    out[i] = __fadd_rn(a, __fmul_rn(b, __fsub_rn(1.0f, m[i])));
}

__global__ void mask_blend_output_kernel(float *d, const float *m, const float *l, long long n)
{
    long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i >= n) return;
    d[i] = __fadd_rn(__fmul_rn(d[i], m[i]), __fmul_rn(l[i], __fsub_rn(1.0f, m[i])));
}

/* ---------------------------------------------------------------- launchers */

extern "C" cfy_status cfy_sampling_euler_step_cuda(float *x, const float *d, float sigma, float dt, int64_t n,
                                                   cfy_error *err)
{
    if (n <= 0) return CFY_OK;
    euler_step_kernel<<<cfy_cuda_grid(n), CFY_CUDA_BLOCK>>>(x, d, sigma, dt, n);
    CFY_CUDA_TRY(err, cudaGetLastError());
    return CFY_OK;
}

extern "C" cfy_status cfy_sampling_add_noise_cuda(float *x, const float *e, float s_noise, float sigma_up, int64_t n,
                                                  cfy_error *err)
{
    if (n <= 0) return CFY_OK;
    add_noise_kernel<<<cfy_cuda_grid(n), CFY_CUDA_BLOCK>>>(x, e, s_noise, sigma_up, n);
    CFY_CUDA_TRY(err, cudaGetLastError());
    return CFY_OK;
}

extern "C" cfy_status cfy_sampling_cfg_combine_cuda(const float *c, const float *u, float cfg, float *out, int64_t n,
                                                    cfy_error *err)
{
    if (n <= 0) return CFY_OK;
    cfg_combine_kernel<<<cfy_cuda_grid(n), CFY_CUDA_BLOCK>>>(c, u, cfg, out, n);
    CFY_CUDA_TRY(err, cudaGetLastError());
    return CFY_OK;
}

extern "C" cfy_status cfy_sampling_mask_blend_input_cuda(const float *x, const float *m, const float *e, float sigma,
                                                         const float *l, float *out, int64_t n, cfy_error *err)
{
    if (n <= 0) return CFY_OK;
    mask_blend_input_kernel<<<cfy_cuda_grid(n), CFY_CUDA_BLOCK>>>(x, m, e, sigma, l, out, n);
    CFY_CUDA_TRY(err, cudaGetLastError());
    return CFY_OK;
}

extern "C" cfy_status cfy_sampling_mask_blend_output_cuda(float *d, const float *m, const float *l, int64_t n,
                                                          cfy_error *err)
{
    if (n <= 0) return CFY_OK;
    mask_blend_output_kernel<<<cfy_cuda_grid(n), CFY_CUDA_BLOCK>>>(d, m, l, n);
    CFY_CUDA_TRY(err, cudaGetLastError());
    return CFY_OK;
}

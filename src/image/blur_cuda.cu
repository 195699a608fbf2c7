/* blur_cuda.cu — CUDA kernels of blur.c: the reflect-padded separable Gaussian, double
 * accumulation as on the CPU (same sums in the same order: bit-exact with the CPU path). */
#include "core/cuda_common.h"

extern "C" {
#include "image/blur_cuda.h"
}

__device__ __forceinline__ long long reflect_dev(long long i, long long n)
{
    return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
}

/* tmp[b][y][x] = sum_j g[j] * src[b][y][reflect(x - p + j)] */
__global__ void blur_rows_kernel(const float *src, double *tmp, long long B, long long h, long long w, const float *g,
                                 int k)
{
    long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i >= B * h * w) return;
    long long x = i % w, row = i / w;
    int p = k / 2;
    double s = 0;
    for (int j = 0; j < k; j++) s = __dadd_rn(s, __dmul_rn((double)g[j], (double)src[row * w + reflect_dev(x - p + j, w)]));
    tmp[i] = s;
}

/* dst[b][y][x] = f32(sum_i g[i] * tmp[b][reflect(y - p + i)][x]) */
__global__ void blur_cols_kernel(const double *tmp, float *dst, long long B, long long h, long long w, const float *g,
                                 int k)
{
    long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
    if (i >= B * h * w) return;
    long long x = i % w, y = (i / w) % h, b = i / w / h;
    int p = k / 2;
    double s = 0;
    for (int j = 0; j < k; j++) s = __dadd_rn(s, __dmul_rn((double)g[j], tmp[(b * h + reflect_dev(y - p + j, h)) * w + x]));
    dst[i] = (float)s;
}

extern "C" cfy_status cfy_image_blur_cuda(const float *src, float *dst, int64_t B, int64_t h, int64_t w,
                                          const float *kern, int k, cfy_error *err)
{
    long long n = B * h * w;
    double *tmp = NULL;
    float *g = NULL;
    CFY_CUDA_TRY(err, cudaMalloc((void **)&tmp, sizeof(double) * (size_t)n + sizeof(float) * (size_t)k + 16));
    g = (float *)(tmp + n);
    cudaError_t e = cudaMemcpy(g, kern, sizeof(float) * (size_t)k, cudaMemcpyHostToDevice);
    if (e == cudaSuccess) {
        blur_rows_kernel<<<cfy_cuda_grid(n), CFY_CUDA_BLOCK>>>(src, tmp, B, h, w, g, k);
        e = cudaGetLastError();
    }
    if (e == cudaSuccess) {
        blur_cols_kernel<<<cfy_cuda_grid(n), CFY_CUDA_BLOCK>>>(tmp, dst, B, h, w, g, k);
        e = cudaGetLastError();
    }
    cudaFree(tmp);
    if (e != cudaSuccess) return cfy_error_set(err, CFY_EDEVICE, "blur_mask: %s", cudaGetErrorString(e));
    return CFY_OK;
}

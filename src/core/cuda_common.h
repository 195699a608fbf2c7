/* cuda_common.h — what every comfyc CUDA file shares: the checked-call macro and the launch
 * geometry. Included only by *.cu files (C++ compiled by nvcc). */
#ifndef CFY_CORE_CUDA_COMMON_H
#define CFY_CORE_CUDA_COMMON_H

#include <cuda_runtime.h>

extern "C" {
#include "comfyc/error.h"
}

/* Run a CUDA runtime call; on failure fill err with the call, file:line and CUDA's message and
 * return CFY_EDEVICE from the enclosing function (the name says it may return). */
#define CFY_CUDA_TRY(err, call)                                                                          \
    do {                                                                                                 \
        cudaError_t e_ = (call);                                                                         \
        if (e_ != cudaSuccess)                                                                           \
            return cfy_error_set((err), CFY_EDEVICE, "%s failed at %s:%d: %s", #call, __FILE__, __LINE__, \
                                 cudaGetErrorString(e_));                                                \
    } while (0)

/* Threads per block of the element-wise kernels. */
enum { CFY_CUDA_BLOCK = 256 };

/* Blocks needed to cover n elements with CFY_CUDA_BLOCK threads each. */
static inline unsigned cfy_cuda_grid(long long n)
{
    return (unsigned)((n + CFY_CUDA_BLOCK - 1) / CFY_CUDA_BLOCK);
}

#endif

/* sampling_cuda.h — what the src/sampling CUDA files share: the checked-call macro and block
 * size. Included only by *_cuda.cu files (C++ compiled by nvcc). */
#ifndef CFY_SAMPLING_CUDA_H
#define CFY_SAMPLING_CUDA_H

#include <cuda_runtime.h>

extern "C" {
#include "comfyc/error.h"
}

/* Run a CUDA runtime call; on failure fill err with the call, file:line and CUDA's message and
 * return CFY_EDEVICE from the enclosing function. */
#ifndef CFY_CUDA_TRY
#define CFY_CUDA_TRY(err, call)                                                                          \
    do {                                                                                                 \
        cudaError_t e_ = (call);                                                                         \
        if (e_ != cudaSuccess)                                                                           \
            return cfy_error_set((err), CFY_EDEVICE, "%s failed at %s:%d: %s", #call, __FILE__, __LINE__, \
                                 cudaGetErrorString(e_));                                                \
    } while (0)
#endif

enum { CFY_SAMPLING_BLOCK = 256 };

static inline unsigned cfy_sampling_grid(long long n)
{
    return (unsigned)((n + CFY_SAMPLING_BLOCK - 1) / CFY_SAMPLING_BLOCK);
}

#endif

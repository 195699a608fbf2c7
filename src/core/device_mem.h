/* device_mem.h — device memory behind cfy_tensor: allocation, copies, contiguous copies.
 *
 * The only #ifdef for CUDA memory: without CFY_WITH_CUDA these return CFY_EUNSUPPORTED
 * (host-to-host copies still work). With CUDA they are implemented in device_mem_cuda.cu. */
#ifndef CFY_CORE_DEVICE_MEM_H
#define CFY_CORE_DEVICE_MEM_H

#include <string.h>

#include "comfyc/tensor.h"

#if defined(CFY_WITH_CUDA)
/* Allocate `bytes` on device (zeroed when zero). release and release_ctx free it. */
cfy_status cfy_device_alloc(cfy_device device, size_t bytes, bool zero, void **data, cfy_release_fn *release,
                            void **release_ctx, cfy_error *err);
/* Copy bytes between any two devices; synchronises when the destination is the host. */
cfy_status cfy_device_copy(void *dst, cfy_device dst_dev, const void *src, cfy_device src_dev, size_t bytes,
                           cfy_error *err);
/* Contiguous copy of a strided device tensor. out: returns new. */
cfy_status cfy_device_contiguous(const cfy_tensor *t, cfy_tensor **out, cfy_error *err);
/* Number of CUDA devices (0 when none or the driver is missing). */
int cfy_cuda_device_count(void);
#else
static inline cfy_status cfy_device_alloc(cfy_device device, size_t bytes, bool zero, void **data,
                                          cfy_release_fn *release, void **release_ctx, cfy_error *err)
{
    (void)device; (void)bytes; (void)zero; (void)release; (void)release_ctx;
    *data = NULL;
    return cfy_error_set(err, CFY_EUNSUPPORTED, "CUDA device requested but comfyc was built without CUDA");
}
static inline cfy_status cfy_device_copy(void *dst, cfy_device dst_dev, const void *src, cfy_device src_dev,
                                         size_t bytes, cfy_error *err)
{
    if (dst_dev.kind == CFY_DEVICE_CPU && src_dev.kind == CFY_DEVICE_CPU) {
        memcpy(dst, src, bytes);
        return CFY_OK;
    }
    return cfy_error_set(err, CFY_EUNSUPPORTED, "CUDA copy requested but comfyc was built without CUDA");
}
static inline cfy_status cfy_device_contiguous(const cfy_tensor *t, cfy_tensor **out, cfy_error *err)
{
    (void)t;
    *out = NULL;
    return cfy_error_set(err, CFY_EUNSUPPORTED, "CUDA tensor but comfyc was built without CUDA");
}
static inline int cfy_cuda_device_count(void) { return 0; }
#endif

#endif

/* resize_cuda.h — internal CUDA launcher of resize.c; a stub without CUDA.
 * src: contiguous u8 [B,H,W,C] on a CUDA device; out: contiguous u8 [B,h,w,C] on the same device.
 * Arguments are checked by resize.c. Default stream; does not synchronize. */
#ifndef CFY_IMAGE_RESIZE_CUDA_H
#define CFY_IMAGE_RESIZE_CUDA_H

#include <stdbool.h>

#include "image/resize.h"

#if defined(CFY_WITH_CUDA)
cfy_status cfy_image_resize_u8_cuda(const cfy_tensor *src, cfy_tensor *out, cfy_resample method, bool supersample,
                                    bool legacy, cfy_error *err);
#else
static inline cfy_status cfy_image_resize_u8_cuda(const cfy_tensor *src, cfy_tensor *out, cfy_resample method,
                                                  bool supersample, bool legacy, cfy_error *err)
{
    (void)src; (void)out; (void)method; (void)supersample; (void)legacy;
    return cfy_error_set(err, CFY_EUNSUPPORTED, "resize: CUDA tensor but comfyc was built without CUDA");
}
#endif

#endif

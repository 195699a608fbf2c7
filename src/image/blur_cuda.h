/* blur_cuda.h — internal CUDA launcher of blur.c; stub without CUDA.
 * src, dst: contiguous f32 [B,h,w] on one CUDA device; kern: k host floats (copied). */
#ifndef CFY_IMAGE_BLUR_CUDA_H
#define CFY_IMAGE_BLUR_CUDA_H

#include "comfyc/tensor.h"

#if defined(CFY_WITH_CUDA)
cfy_status cfy_image_blur_cuda(const float *src, float *dst, int64_t B, int64_t h, int64_t w, const float *kern,
                               int k, cfy_error *err);
#else
static inline cfy_status cfy_image_blur_cuda(const float *src, float *dst, int64_t B, int64_t h, int64_t w,
                                             const float *kern, int k, cfy_error *err)
{
    (void)src; (void)dst; (void)B; (void)h; (void)w; (void)kern; (void)k;
    return cfy_error_set(err, CFY_EUNSUPPORTED, "blur_mask: CUDA tensor but comfyc was built without CUDA");
}
#endif

#endif

/* interpolate_cuda.h — internal CUDA launcher of interpolate.c (bilinear); stub without CUDA.
 * src contiguous f32 viewed as [B,H,W,C], out contiguous [B,h,w,C] on the same device. */
#ifndef CFY_IMAGE_INTERPOLATE_CUDA_H
#define CFY_IMAGE_INTERPOLATE_CUDA_H

#include "comfyc/tensor.h"

#if defined(CFY_WITH_CUDA)
cfy_status cfy_image_bilinear_cuda(const float *src, float *dst, int64_t B, int64_t H, int64_t W, int64_t C,
                                   int64_t h, int64_t w, cfy_error *err);
#else
static inline cfy_status cfy_image_bilinear_cuda(const float *src, float *dst, int64_t B, int64_t H, int64_t W,
                                                 int64_t C, int64_t h, int64_t w, cfy_error *err)
{
    (void)src; (void)dst; (void)B; (void)H; (void)W; (void)C; (void)h; (void)w;
    return cfy_error_set(err, CFY_EUNSUPPORTED, "interpolate: CUDA tensor but comfyc was built without CUDA");
}
#endif

#endif

/* paste_cuda.h — internal CUDA launcher of paste.c; stub without CUDA.
 * img1 [B,H,W,C], img2 [B2,h2,w2,C], mask [Bm,h2,w2] contiguous f32 on one device; the region
 * (x, y, w, h) is already clipped. b2_step / bm_step: 1 when the batch is B, 0 when broadcast. */
#ifndef CFY_IMAGE_PASTE_CUDA_H
#define CFY_IMAGE_PASTE_CUDA_H

#include "comfyc/tensor.h"

typedef struct cfy_paste_geom {
    int64_t B, H, W, C;    /* image1 */
    int64_t h2, w2;        /* image2 and mask */
    int64_t x, y, w, h;    /* clipped region */
    int64_t b2_step, bm_step;
} cfy_paste_geom;

#if defined(CFY_WITH_CUDA)
cfy_status cfy_image_paste_cuda(float *img1, const float *img2, const float *mask, const cfy_paste_geom *g,
                                cfy_error *err);
#else
static inline cfy_status cfy_image_paste_cuda(float *img1, const float *img2, const float *mask,
                                              const cfy_paste_geom *g, cfy_error *err)
{
    (void)img1; (void)img2; (void)mask; (void)g;
    return cfy_error_set(err, CFY_EUNSUPPORTED, "paste: CUDA tensor but comfyc was built without CUDA");
}
#endif

#endif

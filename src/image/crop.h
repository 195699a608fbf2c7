/* crop.h — cut a region out of an IMAGE or MASK (numpy-style `a[:, y1:y2, x1:x2]`, but a region
 * outside the image is an error instead of a silent clip). */
#ifndef CFY_IMAGE_CROP_H
#define CFY_IMAGE_CROP_H

#include "comfyc/runtime.h"
#include "comfyc/tensor.h"

/* Region [x1, y1, x2, y2]: half-open, columns x1 <= x < x2, rows y1 <= y < y2 (spec 0.2). */
typedef struct cfy_region {
    int64_t x1, y1, x2, y2;
} cfy_region;

/* Copy region r of src.
 * src borrowed: [H,W] (mask), [B,H,W] (MASK) or [B,H,W,C] (IMAGE), any dtype, CPU or CUDA.
 * out returns new: contiguous, same rank/dtype/device, H,W = y2-y1, x2-x1.
 * Returns CFY_OK, CFY_EINVAL unless 0 <= x1 < x2 <= W and 0 <= y1 < y2 <= H (message names the
 * region and the image size), CFY_ENOMEM, CFY_EDEVICE. */
CFY_API CFY_NODISCARD cfy_status cfy_image_crop(cfy_runtime *rt, const cfy_tensor *src, int64_t x1, int64_t y1,
                                                int64_t x2, int64_t y2, cfy_tensor **out, cfy_error *err);

#endif

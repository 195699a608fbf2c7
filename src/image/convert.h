/* convert.h — float <-> uint8 conversion (Impact's tensor2pil / pil2tensor) and RGB/RGBA/L
 * channel conversions, on CPU or CUDA.
 *
 * Layout: IMAGE f32 [B,H,W,C] 0..1 or its uint8 twin [B,H,W,C]; any shape works for the plain
 * conversions (they are elementwise). */
#ifndef CFY_IMAGE_CONVERT_H
#define CFY_IMAGE_CONVERT_H

#include "comfyc/runtime.h"
#include "comfyc/tensor.h"

/* The tensor2pil rule for one value: trunc(clip(f32(255*v), 0, 255)); NaN gives 0. */
static inline uint8_t cfy_image_quantize(float v)
{
    float p = 255.0f * v; /* float32 product, as NumPy does */
    if (!(p > 0.0f)) return 0;
    if (p >= 255.0f) return 255;
    return (uint8_t)p; /* truncation */
}

/* float -> uint8 exactly as tensor2pil: q = trunc(clip(f32(255*v), 0, 255)) (truncation, not
 * rounding; NaN gives 0).
 * src borrowed: f32, any shape, CPU or CUDA (strided views are fine).
 * out returns new: u8, same shape and device (release with cfy_tensor_release); NULL on failure.
 * rt may be NULL. Returns CFY_OK, CFY_EINVAL (dtype), CFY_ENOMEM, CFY_EDEVICE, CFY_EUNSUPPORTED.
 * CUDA: default stream, does not synchronize. */
CFY_API CFY_NODISCARD cfy_status cfy_image_to_u8(cfy_runtime *rt, const cfy_tensor *src, cfy_tensor **out,
                                                 cfy_error *err);

/* uint8 -> float exactly as pil2tensor: v = f32(q / 255) (correctly rounded float division).
 * src borrowed: u8, any shape. out returns new: f32, same shape and device. Same codes as above. */
CFY_API CFY_NODISCARD cfy_status cfy_image_from_u8(cfy_runtime *rt, const cfy_tensor *src, cfy_tensor **out,
                                                   cfy_error *err);

/* Change the channel count of an image [..., C] (last axis), C and `channels` in {1, 3, 4}:
 *   1 -> 3 / 4: replicate (alpha = 1 / 255 for 4);   3 -> 4: append alpha 1 (255 for u8);
 *   4 -> 3: drop alpha (Impact's tensor_convert_rgb for RGBA);  same C: a contiguous copy;
 *   3 / 4 -> 1: luma. u8 uses Pillow's convert("L") rule L = (19595 R + 38470 G + 7471 B + 2^15) >> 16
 *   (alpha ignored); f32 uses 0.299 R + 0.587 G + 0.114 B in float32, in that order.
 * src borrowed: f32 or u8, CPU or CUDA. out returns new, same dtype and device.
 * Returns CFY_EINVAL for other channel counts. */
CFY_API CFY_NODISCARD cfy_status cfy_image_convert_channels(cfy_runtime *rt, const cfy_tensor *src, int channels,
                                                            cfy_tensor **out, cfy_error *err);

#endif

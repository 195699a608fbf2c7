/* paste.h — Impact's tensor_paste: blend a refined crop back into an image in place (spec 2.7). */
#ifndef CFY_IMAGE_PASTE_H
#define CFY_IMAGE_PASTE_H

#include "comfyc/runtime.h"
#include "comfyc/tensor.h"

/* image1[:, y:y+h, x:x+w, :] = (1 - m) * image1[...] + m * image2[:, :h, :w, :], with
 * w = min(W, x + w2) - x, h = min(H, y + h2) - y, evaluated per element in float32 as
 * f32(f32(f32(1 - m) * a) + f32(m * b)). Nothing happens when w <= 0 or h <= 0.
 * When the mask's h,w differ from image2's, the mask is first resized to image2's size with
 * bilinear interpolation, align_corners false (cfy_image_interpolate).
 * image1 borrowed, WRITTEN IN PLACE: f32 [B,H,W,C], contiguous, owned by the caller (never a
 *        value already handed to the executor).
 * image2 borrowed: f32 [B2,h2,w2,C] with B2 = 1 or B.
 * mask   borrowed: f32 [hm,wm], [Bm,hm,wm] or [Bm,hm,wm,1], Bm = 1 or B; values 0..1.
 * All on one device (CPU or CUDA). x, y: top-left position in pixels, must be >= 0.
 * Returns CFY_OK, CFY_EINVAL (dtype, shapes, batch or channel mismatch, negative position,
 * non-contiguous image1), CFY_ENOMEM, CFY_EDEVICE. CUDA: default stream, no synchronisation. */
CFY_API CFY_NODISCARD cfy_status cfy_image_paste(cfy_runtime *rt, cfy_tensor *image1, const cfy_tensor *image2,
                                                 int64_t x, int64_t y, const cfy_tensor *mask, cfy_error *err);

#endif

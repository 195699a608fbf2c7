/* resize.h — Pillow-exact 8-bit resize (NEAREST, BILINEAR, BICUBIC, LANCZOS), the 8x
 * supersample chain, the `rescale` size rule, and the float IMAGE paths built on them
 * (Impact's tensor_resize, ComfyUI's lanczos).
 *
 * Semantics (spec segs-upscaler.md 4.2): double-precision taps with support scaled when
 * downscaling, renormalised truncated border windows, 22-bit fixed point, horizontal pass
 * (only when the width changes) then vertical pass (only when the height changes), each
 * rounded to uint8; NEAREST through accumulated double positions; a same-size request is a
 * copy; 4-channel images are resampled premultiplied (RGBA -> RGBa -> RGBA) except NEAREST.
 * Pass order: Pillow >= 13 by default (see CFY_RESIZE_PILLOW_LEGACY). */
#ifndef CFY_IMAGE_RESIZE_H
#define CFY_IMAGE_RESIZE_H

#include <stdbool.h>

#include "comfyc/runtime.h"
#include "comfyc/tensor.h"

/* Filters, numbered as Pillow numbers them (Image.Resampling). */
typedef enum cfy_resample {
    CFY_RESAMPLE_NEAREST = 0,
    CFY_RESAMPLE_LANCZOS = 1,
    CFY_RESAMPLE_BILINEAR = 2,
    CFY_RESAMPLE_BICUBIC = 3
} cfy_resample;

/* Flags of cfy_image_resize_u8_ex. */
enum {
    CFY_RESIZE_SUPERSAMPLE = 1u << 0,   /* the 8x supersample chain */
    CFY_RESIZE_PILLOW_LEGACY = 1u << 1  /* Pillow <= 12 pass order: always horizontal first. Without
                                         * it, Pillow >= 13's order (vertical first when the height
                                         * shrinks by more than twice as many pixels as the width).
                                         * The two differ by 1-2 levels only when both passes run. */
};

/* Parse "nearest", "lanczos", "bilinear", "bicubic" (SEGSUpscaler's resampling_method).
 * Returns CFY_OK or CFY_EINVAL naming the string. */
CFY_API CFY_NODISCARD cfy_status cfy_resample_parse(const char *name, cfy_resample *out, cfy_error *err);

/* The `rescale` size rule: *out_w = trunc(w * factor), *out_h = trunc(h * factor), products in
 * double (so int(100 * 0.29) = 28). Returns CFY_EINVAL when factor is not finite and positive or
 * a result is not in 1..INT32_MAX (the caller then checks its own pixel limit). */
CFY_API CFY_NODISCARD cfy_status cfy_image_rescale_size(int64_t w, int64_t h, double factor, int64_t *out_w,
                                                        int64_t *out_h, cfy_error *err);

/* Pillow Image.resize((out_w, out_h), method) of every image of a uint8 batch.
 * src  borrowed: u8 [B,H,W,C] or [H,W,C], C = 1 (L), 3 (RGB) or 4 (RGBA), CPU or CUDA.
 * out  returns new: u8 of the same rank with H,W replaced (release with cfy_tensor_release);
 *      NULL on failure.
 * rt may be NULL (pixel limit 16384). Returns CFY_OK, CFY_EINVAL (dtype, channels, sizes <= 0
 * or above the limit, empty source), CFY_ENOMEM, CFY_EDEVICE. CUDA: default stream. */
CFY_API CFY_NODISCARD cfy_status cfy_image_resize_u8(cfy_runtime *rt, const cfy_tensor *src, int64_t out_w,
                                                     int64_t out_h, cfy_resample method, cfy_tensor **out,
                                                     cfy_error *err);

/* cfy_image_resize_u8 / _supersample with explicit CFY_RESIZE_* flags (the pass order of an
 * older Pillow). Same contract. */
CFY_API CFY_NODISCARD cfy_status cfy_image_resize_u8_ex(cfy_runtime *rt, const cfy_tensor *src, int64_t out_w,
                                                        int64_t out_h, cfy_resample method, unsigned flags,
                                                        cfy_tensor **out, cfy_error *err);

/* SEGSUpscaler's supersample chain: resize to (8*out_w, 8*out_h), then that uint8 result to
 * (out_w, out_h), both with `method`. The CPU path streams the 8x intermediate (memory about
 * H_in*8*out_w*C + 8*out_h*out_w*C bytes, never the whole 8x image). Same contract as
 * cfy_image_resize_u8. */
CFY_API CFY_NODISCARD cfy_status cfy_image_resize_u8_supersample(cfy_runtime *rt, const cfy_tensor *src,
                                                                 int64_t out_w, int64_t out_h, cfy_resample method,
                                                                 cfy_tensor **out, cfy_error *err);

/* Float IMAGE through the uint8 round trip: per image, tensor2pil, Pillow resize (with the
 * supersample chain when `supersample`), pil2tensor. This is Impact's tensor_resize for
 * LANCZOS with C >= 3, ComfyUI's utils.lanczos, and SEGSUpscaler's stage A.
 * src borrowed: f32 [B,H,W,C] or [H,W,C], C in {1,3,4}. out returns new f32 of the same rank.
 * Codes as cfy_image_resize_u8. */
CFY_API CFY_NODISCARD cfy_status cfy_image_resize_pil(cfy_runtime *rt, const cfy_tensor *src, int64_t out_w,
                                                      int64_t out_h, cfy_resample method, bool supersample,
                                                      cfy_tensor **out, cfy_error *err);

/* cfy_image_resize_pil with explicit CFY_RESIZE_* flags (supersample, legacy pass order). */
CFY_API CFY_NODISCARD cfy_status cfy_image_resize_pil_ex(cfy_runtime *rt, const cfy_tensor *src, int64_t out_w,
                                                         int64_t out_h, cfy_resample method, unsigned flags,
                                                         cfy_tensor **out, cfy_error *err);

/* Impact's tensor_resize(image, w, h): C >= 3 -> cfy_image_resize_pil(LANCZOS, no supersample);
 * C < 3 -> torch bilinear interpolate, align_corners false (cfy_image_interpolate).
 * src borrowed: f32 [B,H,W,C]. out returns new f32 [B,h,w,C]. */
CFY_API CFY_NODISCARD cfy_status cfy_image_tensor_resize(cfy_runtime *rt, const cfy_tensor *src, int64_t out_w,
                                                         int64_t out_h, cfy_tensor **out, cfy_error *err);

#endif

/* blur_flat.h — makes cfy_image_blur_mask agree with torchvision where the blur window is flat.
 *
 * Where a mask is exactly 1.0 over a whole k x k window, torchvision's convolution returns the sum of
 * the float32 outer-product kernel taps accumulated in row-major order, the taps being normalised
 * by their sum in torch's reduction order (both checked on the reference CPU: k = 3..49 and 3..201);
 * that is 1 +- a few ulps, and the separable double-precision blur rounds it differently for about
 * half of the kernel sizes. Differential Diffusion's first-step threshold is
 * exactly 1.0, so that one ulp decides whether the inside of a SEGSUpscaler segment is denoised
 * at the first step (spec segs-upscaler.md §2.6, sampling.md §6.3).
 *
 * Internal to cfy_image_blur_mask (src/image/blur.c), which applies it on the CPU path; callers
 * use cfy_image_blur_mask only. */
#ifndef CFY_IMAGE_BLUR_FLAT_H
#define CFY_IMAGE_BLUR_FLAT_H

#include "comfyc/error.h"
#include "comfyc/tensor.h"

/* Fix up `blurred` = cfy_image_blur_mask(mask, feather) in place: every pixel whose reflect-padded
 * k x k window of `mask` is all exactly 1.0 gets the row-major float32 sum of the kernel's
 * outer-product taps (k from cfy_image_blur_kernel_size; nothing happens when the blur was skipped).
 * mask borrowed: f32 [h,w] or [B,h,w], CPU. blurred borrowed, written: f32 [B,h,w,1], contiguous, CPU.
 * Returns CFY_OK, CFY_EINVAL (shapes, dtype, device), CFY_ENOMEM. */
CFY_API CFY_NODISCARD cfy_status cfy_image_blur_flat_fixup(const cfy_tensor *mask, int64_t feather, cfy_tensor *blurred,
                                                           cfy_error *err);

#endif

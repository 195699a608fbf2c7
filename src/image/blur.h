/* blur.h — Impact's tensor_gaussian_blur_mask: torchvision GaussianBlur (sigma 10) of a mask
 * with kernel 2*feather+1, the small-mask shrink rule, reflect padding (spec 4.4).
 *
 * Kernel: k float32 taps g_i = exp(-0.5 (x_i/10)^2), x_i = -(k-1)/2 ... (k-1)/2, divided by their
 * float32 sum; applied separably with double accumulation (torchvision applies the float32 outer
 * product in one 2-D convolution: the two agree within ~1e-6). */
#ifndef CFY_IMAGE_BLUR_H
#define CFY_IMAGE_BLUR_H

#include "comfyc/runtime.h"
#include "comfyc/tensor.h"

/* Kernel size actually used for a mask of h x w and `feather` (0 when the blur is skipped:
 * feather <= 0, or the shrunk size is below 3). */
CFY_API int cfy_image_blur_kernel_size(int64_t h, int64_t w, int64_t feather);

/* Blur a mask as tensor_gaussian_blur_mask(mask, feather) does.
 * mask borrowed: f32 [h,w], [B,h,w] or [B,h,w,1]; CPU or CUDA; h, w >= 1.
 * out returns new: f32 [B,h,w,1] (B = 1 for a 2-D mask), same device; an unblurred copy when the
 *     blur is skipped. Release with cfy_tensor_release.
 * rt may be NULL. Returns CFY_OK, CFY_EINVAL (dtype, shape, empty mask), CFY_ENOMEM, CFY_EDEVICE. */
CFY_API CFY_NODISCARD cfy_status cfy_image_blur_mask(cfy_runtime *rt, const cfy_tensor *mask, int64_t feather,
                                                     cfy_tensor **out, cfy_error *err);

#endif

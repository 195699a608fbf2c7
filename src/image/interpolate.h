/* interpolate.h — torch.nn.functional.interpolate(size=..., align_corners=False, no antialias)
 * on IMAGE and MASK tensors: bilinear, nearest-exact, bicubic (A = -0.75, clamped edge access)
 * and area (adaptive average pooling), on CPU (CUDA for bilinear).
 *
 * Arithmetic follows PyTorch's CPU kernels: float32 scale = f32(n_in) / n_out, source index
 * s = scale*(o+0.5) - 0.5 in float32 (clamped at 0 for bilinear), float32 weights. Summation
 * order inside PyTorch's vectorised loops is not reproduced: results agree within ~1 ulp. */
#ifndef CFY_IMAGE_INTERPOLATE_H
#define CFY_IMAGE_INTERPOLATE_H

#include "comfyc/runtime.h"
#include "comfyc/tensor.h"

typedef enum cfy_interp {
    CFY_INTERP_BILINEAR = 0,
    CFY_INTERP_NEAREST_EXACT,
    CFY_INTERP_BICUBIC,
    CFY_INTERP_AREA
} cfy_interp;

/* Resize every channel plane of src to out_w x out_h.
 * src borrowed: f32, [H,W] (mask), [B,H,W] (MASK) or [B,H,W,C] (IMAGE, channels last);
 *     CPU or CUDA (CUDA: bilinear only). Strided views are fine.
 * out returns new: f32, same rank and device, H,W replaced (release with cfy_tensor_release).
 * rt may be NULL. Returns CFY_OK, CFY_EINVAL (dtype, rank, empty source, size <= 0 or above the
 * pixel limit), CFY_ENOMEM, CFY_EUNSUPPORTED (CUDA mode other than bilinear), CFY_EDEVICE. */
CFY_API CFY_NODISCARD cfy_status cfy_image_interpolate(cfy_runtime *rt, const cfy_tensor *src, int64_t out_w,
                                                       int64_t out_h, cfy_interp mode, cfy_tensor **out,
                                                       cfy_error *err);

#endif

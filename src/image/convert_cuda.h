/* convert_cuda.h — internal CUDA launchers of convert.c; stubs when built without CUDA.
 * Arguments are checked by convert.c; src and out are contiguous tensors on one CUDA device. */
#ifndef CFY_IMAGE_CONVERT_CUDA_H
#define CFY_IMAGE_CONVERT_CUDA_H

#include "comfyc/tensor.h"

#if defined(CFY_WITH_CUDA)
cfy_status cfy_image_to_u8_cuda(const cfy_tensor *src, cfy_tensor *out, cfy_error *err);
cfy_status cfy_image_from_u8_cuda(const cfy_tensor *src, cfy_tensor *out, cfy_error *err);
cfy_status cfy_image_convert_channels_cuda(const cfy_tensor *src, cfy_tensor *out, cfy_error *err);
#else
static inline cfy_status cfy_image_to_u8_cuda(const cfy_tensor *src, cfy_tensor *out, cfy_error *err)
{
    (void)src; (void)out;
    return cfy_error_set(err, CFY_EUNSUPPORTED, "to_u8: CUDA tensor but comfyc was built without CUDA");
}
static inline cfy_status cfy_image_from_u8_cuda(const cfy_tensor *src, cfy_tensor *out, cfy_error *err)
{
    (void)src; (void)out;
    return cfy_error_set(err, CFY_EUNSUPPORTED, "from_u8: CUDA tensor but comfyc was built without CUDA");
}
static inline cfy_status cfy_image_convert_channels_cuda(const cfy_tensor *src, cfy_tensor *out, cfy_error *err)
{
    (void)src; (void)out;
    return cfy_error_set(err, CFY_EUNSUPPORTED, "convert_channels: CUDA tensor but comfyc was built without CUDA");
}
#endif

#endif

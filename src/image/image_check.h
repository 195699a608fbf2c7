/* image_check.h — argument checks shared by the src/image operations (internal, static inline).
 *
 * Every op validates once, in its dispatcher, with these helpers; the CPU and CUDA paths trust
 * the result. Messages name the operation and the offending sizes. */
#ifndef CFY_IMAGE_CHECK_H
#define CFY_IMAGE_CHECK_H

#include <stdint.h>

#include "comfyc/runtime.h"
#include "comfyc/tensor.h"

/* Largest width or height an op may produce (the runtime's limit, 16384 without a runtime). */
static inline int64_t cfy_image_max_side(const cfy_runtime *rt)
{
    if (rt) {
        const cfy_runtime_options *o = cfy_runtime_opts(rt);
        if (o && o->max_image_pixels_side > 0) return o->max_image_pixels_side;
    }
    return 16384;
}

/* Check an output size against 1..max side. */
static inline cfy_status cfy_image_check_size(const cfy_runtime *rt, const char *op, int64_t w, int64_t h,
                                              cfy_error *err)
{
    int64_t lim = cfy_image_max_side(rt);
    if (w <= 0 || h <= 0)
        return cfy_error_set(err, CFY_EINVAL, "%s: target size %lldx%lld must be positive", op, (long long)w,
                             (long long)h);
    if (w > lim || h > lim)
        return cfy_error_set(err, CFY_EINVAL, "%s: target size %lldx%lld is above the pixel limit %lld", op,
                             (long long)w, (long long)h, (long long)lim);
    return CFY_OK;
}

/* Check tensor dtype and rank range. */
static inline cfy_status cfy_image_check_tensor(const char *op, const char *what, const cfy_tensor *t,
                                                cfy_dtype dtype, int min_ndim, int max_ndim, cfy_error *err)
{
    char b[96];
    if (!t) return cfy_error_set(err, CFY_EINVAL, "%s: %s is NULL", op, what);
    if (t->dtype != dtype)
        return cfy_error_set(err, CFY_EINVAL, "%s: %s has dtype %s, expected %s", op, what, cfy_dtype_name(t->dtype),
                             cfy_dtype_name(dtype));
    if (t->ndim < min_ndim || t->ndim > max_ndim)
        return cfy_error_set(err, CFY_EINVAL, "%s: %s has shape %s, expected %d to %d dims", op, what,
                             cfy_tensor_shape_str(t, b, sizeof b), min_ndim, max_ndim);
    return CFY_OK;
}

#endif

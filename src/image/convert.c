/* convert.c — float <-> uint8 (tensor2pil / pil2tensor) and channel conversions: checks,
 * device dispatch, CPU reference. */
#include <math.h>
#include <string.h>

#include "image/convert.h"
#include "image/convert_cuda.h"
#include "image/image_check.h"

static cfy_status new_like(const cfy_tensor *src, cfy_dtype dtype, int64_t last, cfy_tensor **out, cfy_error *err)
{
    int64_t sizes[CFY_MAX_DIMS];
    for (int i = 0; i < src->ndim; i++) sizes[i] = src->sizes[i];
    if (last >= 0 && src->ndim > 0) sizes[src->ndim - 1] = last;
    return cfy_tensor_new(dtype, src->device, src->ndim, sizes, false, out, err);
}

static cfy_status convert_elementwise(cfy_runtime *rt, const char *op, const cfy_tensor *src, cfy_dtype in_dtype,
                                      cfy_dtype out_dtype, cfy_tensor **out, cfy_error *err)
{
    (void)rt;
    *out = NULL;
    cfy_status st = cfy_image_check_tensor(op, "src", src, in_dtype, 0, CFY_MAX_DIMS, err);
    if (st != CFY_OK) return st;
    cfy_tensor *c = NULL, *o = NULL;
    if ((st = cfy_tensor_contiguous(src, &c, err)) != CFY_OK) return st;
    if ((st = new_like(c, out_dtype, -1, &o, err)) != CFY_OK) {
        cfy_tensor_release(c);
        return st;
    }
    int64_t n = cfy_tensor_numel(c);
    switch (c->device.kind) {
    case CFY_DEVICE_CPU:
        if (out_dtype == CFY_U8) {
            const float *s = cfy_tensor_data(c);
            uint8_t *d = cfy_tensor_data(o);
            for (int64_t i = 0; i < n; i++) d[i] = cfy_image_quantize(s[i]);
        } else {
            const uint8_t *s = cfy_tensor_data(c);
            float *d = cfy_tensor_data(o);
            for (int64_t i = 0; i < n; i++) d[i] = (float)s[i] / 255.0f;
        }
        break;
    case CFY_DEVICE_CUDA:
        st = out_dtype == CFY_U8 ? cfy_image_to_u8_cuda(c, o, err) : cfy_image_from_u8_cuda(c, o, err);
        break;
    default:
        st = cfy_error_set(err, CFY_EINTERNAL, "%s: unknown device kind", op);
    }
    cfy_tensor_release(c);
    if (st != CFY_OK) {
        cfy_tensor_release(o);
        return st;
    }
    *out = o;
    return CFY_OK;
}

cfy_status cfy_image_to_u8(cfy_runtime *rt, const cfy_tensor *src, cfy_tensor **out, cfy_error *err)
{
    return convert_elementwise(rt, "to_u8", src, CFY_F32, CFY_U8, out, err);
}

cfy_status cfy_image_from_u8(cfy_runtime *rt, const cfy_tensor *src, cfy_tensor **out, cfy_error *err)
{
    return convert_elementwise(rt, "from_u8", src, CFY_U8, CFY_F32, out, err);
}

/* ---- channel conversion, CPU ---- */

static void channels_u8(const uint8_t *s, int cin, uint8_t *d, int cout, int64_t npix)
{
    for (int64_t p = 0; p < npix; p++, s += cin, d += cout) {
        if (cout == 1) {
            d[0] = cin == 1 ? s[0] : (uint8_t)(((uint32_t)s[0] * 19595u + (uint32_t)s[1] * 38470u +
                                                (uint32_t)s[2] * 7471u + 0x8000u) >> 16);
        } else if (cin == 1) {
            d[0] = d[1] = d[2] = s[0];
            if (cout == 4) d[3] = 255;
        } else {
            d[0] = s[0]; d[1] = s[1]; d[2] = s[2];
            if (cout == 4) d[3] = cin == 4 ? s[3] : 255;
        }
    }
}

static void channels_f32(const float *s, int cin, float *d, int cout, int64_t npix)
{
    for (int64_t p = 0; p < npix; p++, s += cin, d += cout) {
        if (cout == 1) {
            d[0] = cin == 1 ? s[0] : 0.299f * s[0] + 0.587f * s[1] + 0.114f * s[2];
        } else if (cin == 1) {
            d[0] = d[1] = d[2] = s[0];
            if (cout == 4) d[3] = 1.0f;
        } else {
            d[0] = s[0]; d[1] = s[1]; d[2] = s[2];
            if (cout == 4) d[3] = cin == 4 ? s[3] : 1.0f;
        }
    }
}

static bool valid_channels(int64_t c) { return c == 1 || c == 3 || c == 4; }

cfy_status cfy_image_convert_channels(cfy_runtime *rt, const cfy_tensor *src, int channels, cfy_tensor **out,
                                      cfy_error *err)
{
    (void)rt;
    char b[96];
    *out = NULL;
    if (!src || src->ndim < 1) return cfy_error_set(err, CFY_EINVAL, "convert_channels: src needs a channel axis");
    if (src->dtype != CFY_F32 && src->dtype != CFY_U8)
        return cfy_error_set(err, CFY_EINVAL, "convert_channels: dtype %s, expected f32 or u8",
                             cfy_dtype_name(src->dtype));
    int64_t cin = src->sizes[src->ndim - 1];
    if (!valid_channels(cin) || !valid_channels(channels))
        return cfy_error_set(err, CFY_EINVAL, "convert_channels: %s to %d channels; only 1, 3 and 4 are supported",
                             cfy_tensor_shape_str(src, b, sizeof b), channels);
    cfy_tensor *c = NULL, *o = NULL;
    cfy_status st = cfy_tensor_contiguous(src, &c, err);
    if (st != CFY_OK) return st;
    if ((st = new_like(c, c->dtype, channels, &o, err)) != CFY_OK) {
        cfy_tensor_release(c);
        return st;
    }
    int64_t npix = cin ? cfy_tensor_numel(c) / cin : 0;
    if (c->device.kind == CFY_DEVICE_CUDA) {
        st = cfy_image_convert_channels_cuda(c, o, err);
    } else if (c->dtype == CFY_U8) {
        channels_u8(cfy_tensor_data(c), (int)cin, cfy_tensor_data(o), channels, npix);
    } else {
        channels_f32(cfy_tensor_data(c), (int)cin, cfy_tensor_data(o), channels, npix);
    }
    cfy_tensor_release(c);
    if (st != CFY_OK) {
        cfy_tensor_release(o);
        return st;
    }
    *out = o;
    return CFY_OK;
}

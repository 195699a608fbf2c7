/* crop.c — region copy through strided views (works on any device via cfy_tensor_contiguous). */
#include "core/device_mem.h"
#include "image/crop.h"
#include "image/image_check.h"

cfy_status cfy_image_crop(cfy_runtime *rt, const cfy_tensor *src, int64_t x1, int64_t y1, int64_t x2, int64_t y2,
                          cfy_tensor **out, cfy_error *err)
{
    (void)rt;
    char b[96];
    *out = NULL;
    if (!src || src->ndim < 2 || src->ndim > 4)
        return cfy_error_set(err, CFY_EINVAL, "crop: src must be [H,W], [B,H,W] or [B,H,W,C]");
    int hy = src->ndim == 2 ? 0 : 1;
    int64_t H = src->sizes[hy], W = src->sizes[hy + 1];
    if (x1 < 0 || y1 < 0 || x2 > W || y2 > H || x1 >= x2 || y1 >= y2)
        return cfy_error_set(err, CFY_EINVAL, "crop: region [%lld, %lld, %lld, %lld] is empty or outside image %s",
                             (long long)x1, (long long)y1, (long long)x2, (long long)y2,
                             cfy_tensor_shape_str(src, b, sizeof b));
    cfy_tensor *a = NULL, *v = NULL;
    cfy_status st = cfy_tensor_narrow(src, hy, y1, y2 - y1, &a, err);
    if (st != CFY_OK) return st;
    st = cfy_tensor_narrow(a, hy + 1, x1, x2 - x1, &v, err);
    cfy_tensor_release(a);
    if (st != CFY_OK) return st;
    /* contiguous() may hand back the view itself (full-width rows): always copy into new storage,
     * so the caller may write into the crop without touching src */
    cfy_tensor *c = NULL, *o = NULL;
    st = cfy_tensor_contiguous(v, &c, err);
    cfy_tensor_release(v);
    if (st != CFY_OK) return st;
    st = cfy_tensor_new(c->dtype, c->device, c->ndim, c->sizes, false, &o, err);
    if (st == CFY_OK)
        st = cfy_device_copy(cfy_tensor_data(o), o->device, cfy_tensor_data(c), c->device,
                             (size_t)cfy_tensor_numel(c) * cfy_dtype_size(c->dtype), err);
    cfy_tensor_release(c);
    if (st != CFY_OK) {
        cfy_tensor_release(o);
        return st;
    }
    *out = o;
    return CFY_OK;
}

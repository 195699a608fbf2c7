/* segs.c — the SEGS value and its shared helpers: list management, make_crop_region,
 * segs_scale_match, combined mask, mask list, grey dilation (CPU). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/convert.h"
#include "image/interpolate.h"
#include "image/resize.h"
#include "image/segs.h"

/* ======================= the list ======================= */

static void seg_clear(cfy_seg *s)
{
    cfy_tensor_release(s->cropped_image);
    cfy_tensor_release(s->cropped_mask);
    cfy_value_release(s->control_net_wrapper);
    free(s->label);
    memset(s, 0, sizeof *s);
}

cfy_status cfy_segs_create(int64_t height, int64_t width, cfy_segs **out, cfy_error *err)
{
    *out = NULL;
    if (height < 0 || width < 0)
        return cfy_error_set(err, CFY_EINVAL, "segs: negative shape (%lld, %lld)", (long long)height, (long long)width);
    cfy_segs *s = calloc(1, sizeof *s);
    if (!s) return cfy_error_set(err, CFY_ENOMEM, "segs: out of memory");
    s->height = height;
    s->width = width;
    *out = s;
    return CFY_OK;
}

void cfy_segs_destroy(cfy_segs *segs)
{
    if (!segs) return;
    for (int i = 0; i < segs->n; i++) seg_clear(&segs->items[i]);
    free(segs->items);
    free(segs);
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

cfy_status cfy_segs_add(cfy_segs *segs, cfy_tensor *cropped_image, cfy_tensor *cropped_mask, double confidence,
                        const int64_t crop_region[4], const double bbox[4], const char *label,
                        cfy_value *control_net_wrapper, cfy_error *err)
{
    cfy_status st = CFY_OK;
    char *lab = NULL;
    if (!segs || !cropped_mask || cropped_mask->dtype != CFY_F32 || cropped_mask->ndim < 2 || cropped_mask->ndim > 3) {
        st = cfy_error_set(err, CFY_EINVAL, "segs: a SEG needs an f32 [h,w] or [B,h,w] cropped_mask");
        goto fail;
    }
    if (segs->n == segs->cap) {
        int cap = segs->cap ? segs->cap * 2 : 8;
        cfy_seg *items = realloc(segs->items, sizeof *items * (size_t)cap);
        if (!items) goto oom;
        segs->items = items;
        segs->cap = cap;
    }
    lab = dup_str(label ? label : "");
    if (!lab) goto oom;
    cfy_seg *s = &segs->items[segs->n++];
    memset(s, 0, sizeof *s);
    s->cropped_image = cropped_image;
    s->cropped_mask = cropped_mask;
    s->confidence = confidence;
    memcpy(s->crop_region, crop_region, sizeof s->crop_region);
    memcpy(s->bbox, bbox, sizeof s->bbox);
    s->label = lab;
    s->control_net_wrapper = control_net_wrapper;
    return CFY_OK;
oom:
    st = cfy_error_set(err, CFY_ENOMEM, "segs: out of memory adding segment %d", segs ? segs->n : 0);
fail:
    cfy_tensor_release(cropped_image);
    cfy_tensor_release(cropped_mask);
    cfy_value_release(control_net_wrapper);
    return st;
}

cfy_status cfy_segs_copy(const cfy_segs *src, cfy_segs **out, cfy_error *err)
{
    cfy_segs *d = NULL;
    cfy_status st = cfy_segs_create(src->height, src->width, &d, err);
    for (int i = 0; st == CFY_OK && i < src->n; i++) {
        const cfy_seg *s = &src->items[i];
        st = cfy_segs_add(d, cfy_tensor_retain(s->cropped_image), cfy_tensor_retain(s->cropped_mask), s->confidence,
                          s->crop_region, s->bbox, s->label, cfy_value_retain(s->control_net_wrapper), err);
    }
    if (st != CFY_OK) {
        cfy_segs_destroy(d);
        d = NULL;
    }
    *out = d;
    return st;
}

static void segs_free_fn(void *p) { cfy_segs_destroy(p); }

cfy_value *cfy_value_new_segs(cfy_segs *segs) { return cfy_value_new_object(CFY_T_SEGS, segs, segs_free_fn); }

/* ======================= make_crop_region ======================= */

/* normalize_region(limit, start, size) -> (start', end'), both truncated toward zero. */
static void normalize_axis(int64_t limit, int64_t start, double size, int64_t *s_out, int64_t *e_out)
{
    double s, e;
    if (start < 0) {
        s = 0;
        e = (double)limit < size ? (double)limit : size;
    } else if ((double)start + size > (double)limit) {
        s = (double)limit - size > 0 ? (double)limit - size : 0;
        e = (double)limit;
    } else {
        s = (double)start;
        e = (double)limit < (double)start + size ? (double)limit : (double)start + size;
    }
    *s_out = (int64_t)s;
    *e_out = (int64_t)e;
}

void cfy_make_crop_region(int64_t W, int64_t H, const double bbox[4], double crop_factor, double crop_min_size,
                          int64_t out[4])
{
    double bw = bbox[2] - bbox[0], bh = bbox[3] - bbox[1];
    double cw = bw * crop_factor, ch = bh * crop_factor;
    if (crop_min_size > 0) {
        cw = crop_min_size > cw ? crop_min_size : cw;
        ch = crop_min_size > ch ? crop_min_size : ch;
    }
    double kx = bbox[0] + bw / 2, ky = bbox[1] + bh / 2;
    int64_t sx = (int64_t)(kx - cw / 2), sy = (int64_t)(ky - ch / 2);
    normalize_axis(W, sx, cw, &out[0], &out[2]);
    normalize_axis(H, sy, ch, &out[1], &out[3]);
}

/* ======================= segs_scale_match ======================= */

static cfy_status scale_seg(cfy_runtime *rt, const cfy_seg *s, double rh, double rw, cfy_segs *d, cfy_error *err)
{
    int64_t cr[4] = {(int64_t)((double)s->crop_region[0] * rw), (int64_t)((double)s->crop_region[1] * rw),
                     (int64_t)((double)s->crop_region[2] * rh), (int64_t)((double)s->crop_region[3] * rh)};
    double bb[4] = {(double)(int64_t)(s->bbox[0] * rw), (double)(int64_t)(s->bbox[1] * rw),
                    (double)(int64_t)(s->bbox[2] * rh), (double)(int64_t)(s->bbox[3] * rh)};
    int64_t nw = cr[2] - cr[0], nh = cr[3] - cr[1];
    if (nw <= 0 || nh <= 0)
        return cfy_error_set(err, CFY_EINVAL, "segs_scale_match: region [%lld, %lld, %lld, %lld] becomes empty "
                             "[%lld, %lld, %lld, %lld]", (long long)s->crop_region[0], (long long)s->crop_region[1],
                             (long long)s->crop_region[2], (long long)s->crop_region[3], (long long)cr[0],
                             (long long)cr[1], (long long)cr[2], (long long)cr[3]);
    cfy_tensor *img = NULL, *mask = NULL;
    cfy_status st = cfy_image_interpolate(rt, s->cropped_mask, nw, nh, CFY_INTERP_BILINEAR, &mask, err);
    if (st != CFY_OK) return st;
    if (s->cropped_image && (st = cfy_image_tensor_resize(rt, s->cropped_image, nw, nh, &img, err)) != CFY_OK) {
        cfy_tensor_release(mask);
        return st;
    }
    return cfy_segs_add(d, img, mask, s->confidence, cr, bb, s->label, cfy_value_retain(s->control_net_wrapper), err);
}

cfy_status cfy_segs_scale_match(cfy_runtime *rt, const cfy_segs *src, int64_t th, int64_t tw, cfy_segs **out,
                                cfy_error *err)
{
    *out = NULL;
    if (th <= 0 || tw <= 0)
        return cfy_error_set(err, CFY_EINVAL, "segs_scale_match: target size %lldx%lld must be positive",
                             (long long)tw, (long long)th);
    if ((src->height == th && src->width == tw) || src->height == 0 || src->width == 0)
        return cfy_segs_copy(src, out, err);
    double rh = (double)th / (double)src->height, rw = (double)tw / (double)src->width;
    cfy_segs *d = NULL;
    cfy_status st = cfy_segs_create(th, tw, &d, err);
    for (int i = 0; st == CFY_OK && i < src->n; i++) st = scale_seg(rt, &src->items[i], rh, rw, d, err);
    if (st != CFY_OK) {
        cfy_segs_destroy(d);
        return st;
    }
    *out = d;
    return CFY_OK;
}

/* ======================= masks from SEGS ======================= */

/* Clip the crop region to the canvas like a Python slice; check the mask fits it.
 * Python slices with negative starts would wrap; producers never make them, so they are an error. */
static cfy_status seg_window(const cfy_segs *segs, const cfy_seg *s, int64_t *x1, int64_t *y1, int64_t *w,
                             int64_t *h, int64_t *planes, cfy_error *err)
{
    const cfy_tensor *m = s->cropped_mask;
    int64_t mh = m->sizes[m->ndim - 2], mw = m->sizes[m->ndim - 1];
    *planes = m->ndim == 3 ? m->sizes[0] : 1;
    const int64_t *r = s->crop_region;
    int64_t cx2 = r[2] < segs->width ? r[2] : segs->width, cy2 = r[3] < segs->height ? r[3] : segs->height;
    *x1 = r[0];
    *y1 = r[1];
    *w = cx2 - r[0] > 0 ? cx2 - r[0] : 0;
    *h = cy2 - r[1] > 0 ? cy2 - r[1] : 0;
    if (r[0] < 0 || r[1] < 0 || *w != mw || *h != mh)
        return cfy_error_set(err, CFY_EINVAL, "segs: mask %lldx%lld does not fit crop region [%lld, %lld, %lld, %lld] "
                             "of a %lldx%lld image", (long long)mw, (long long)mh, (long long)r[0], (long long)r[1],
                             (long long)r[2], (long long)r[3], (long long)segs->width, (long long)segs->height);
    return CFY_OK;
}

cfy_status cfy_segs_combined_mask(const cfy_segs *segs, cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    int64_t H = segs->height, W = segs->width;
    uint8_t *canvas = calloc((size_t)(H * W) + 1, 1);
    if (!canvas) return cfy_error_set(err, CFY_ENOMEM, "segs: out of memory for a %lldx%lld mask", (long long)W, (long long)H);
    cfy_status st = CFY_OK;
    for (int i = 0; st == CFY_OK && i < segs->n; i++) {
        const cfy_seg *s = &segs->items[i];
        int64_t x1, y1, w, h, planes;
        if ((st = seg_window(segs, s, &x1, &y1, &w, &h, &planes, err)) != CFY_OK) break;
        cfy_tensor *mc = NULL;
        if ((st = cfy_tensor_to(s->cropped_mask, cfy_cpu(), &mc, err)) != CFY_OK) break;
        const float *m = cfy_tensor_data(mc);
        for (int64_t p = 0; p < planes; p++)
            for (int64_t r = 0; r < h; r++)
                for (int64_t c = 0; c < w; c++) canvas[(y1 + r) * W + x1 + c] |= cfy_image_quantize(m[(p * h + r) * w + c]);
        cfy_tensor_release(mc);
    }
    cfy_tensor *o = NULL;
    int64_t sizes[2] = {H, W};
    if (st == CFY_OK && (st = cfy_tensor_new(CFY_F32, cfy_cpu(), 2, sizes, false, &o, err)) == CFY_OK) {
        float *d = cfy_tensor_data(o);
        for (int64_t i = 0; i < H * W; i++) d[i] = (float)canvas[i] / 255.0f;
        *out = o;
    }
    free(canvas);
    return st;
}

cfy_status cfy_segs_mask_list(const cfy_segs *segs, cfy_tensor ***masks, int *n_masks, cfy_error *err)
{
    *masks = NULL;
    *n_masks = 0;
    int n = segs->n ? segs->n : 1;
    cfy_tensor **list = calloc((size_t)n, sizeof *list);
    if (!list) return cfy_error_set(err, CFY_ENOMEM, "segs: out of memory");
    cfy_status st = CFY_OK;
    int64_t H = segs->height, W = segs->width;
    if (segs->n == 0) {
        int64_t sizes[3] = {1, H, W};
        st = cfy_tensor_new(CFY_F32, cfy_cpu(), 3, sizes, true, &list[0], err);
    }
    for (int i = 0; st == CFY_OK && i < segs->n; i++) {
        const cfy_seg *s = &segs->items[i];
        int64_t x1, y1, w, h, planes;
        if ((st = seg_window(segs, s, &x1, &y1, &w, &h, &planes, err)) != CFY_OK) break;
        int64_t sizes[3] = {planes, H, W};
        if ((st = cfy_tensor_new(CFY_F32, cfy_cpu(), 3, sizes, true, &list[i], err)) != CFY_OK) break;
        cfy_tensor *mc = NULL;
        if ((st = cfy_tensor_to(s->cropped_mask, cfy_cpu(), &mc, err)) != CFY_OK) break;
        const float *m = cfy_tensor_data(mc);
        float *d = cfy_tensor_data(list[i]);
        for (int64_t p = 0; p < planes; p++)
            for (int64_t r = 0; r < h; r++)
                memcpy(d + (p * H + y1 + r) * W + x1, m + (p * h + r) * w, sizeof(float) * (size_t)w);
        cfy_tensor_release(mc);
    }
    if (st != CFY_OK) {
        for (int i = 0; i < n; i++) cfy_tensor_release(list[i]);
        free(list);
        return st;
    }
    *masks = list;
    *n_masks = n;
    return CFY_OK;
}

/* ======================= dilation ======================= */

cfy_status cfy_mask_dilate(const cfy_tensor *mask, int64_t f, cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    if (!mask || mask->dtype != CFY_F32 || mask->ndim != 2 || mask->device.kind != CFY_DEVICE_CPU)
        return cfy_error_set(err, CFY_EINVAL, "dilate_mask: mask must be a CPU f32 [H,W] tensor");
    cfy_tensor *c = NULL, *o = NULL;
    cfy_status st = cfy_tensor_contiguous(mask, &c, err);
    if (st != CFY_OK) return st;
    if ((st = cfy_tensor_new(CFY_F32, cfy_cpu(), 2, c->sizes, false, &o, err)) != CFY_OK) {
        cfy_tensor_release(c);
        return st;
    }
    int64_t H = c->sizes[0], W = c->sizes[1];
    const float *s = cfy_tensor_data(c);
    float *d = cfy_tensor_data(o);
    if (f == 0 || H == 0 || W == 0) {
        memcpy(d, s, sizeof(float) * (size_t)(H * W));
    } else {
        int64_t k = f < 0 ? -f : f, a = k / 2;
        bool grow = f > 0;
        float *tmp = malloc(sizeof(float) * (size_t)(H * W));
        if (!tmp) {
            st = cfy_error_set(err, CFY_ENOMEM, "dilate_mask: out of memory");
        } else {
            /* separable: rows then columns (max/min over a square window is separable) */
            for (int64_t y = 0; y < H; y++)
                for (int64_t x = 0; x < W; x++) {
                    float v = grow ? -INFINITY : INFINITY;
                    for (int64_t j = x - a; j < x - a + k; j++) {
                        if (j < 0 || j >= W) continue;
                        float u = s[y * W + j];
                        v = grow ? (u > v ? u : v) : (u < v ? u : v);
                    }
                    tmp[y * W + x] = v;
                }
            for (int64_t y = 0; y < H; y++)
                for (int64_t x = 0; x < W; x++) {
                    float v = grow ? -INFINITY : INFINITY;
                    for (int64_t i = y - a; i < y - a + k; i++) {
                        if (i < 0 || i >= H) continue;
                        float u = tmp[i * W + x];
                        v = grow ? (u > v ? u : v) : (u < v ? u : v);
                    }
                    d[y * W + x] = v;
                }
            free(tmp);
        }
    }
    cfy_tensor_release(c);
    if (st != CFY_OK) {
        cfy_tensor_release(o);
        return st;
    }
    *out = o;
    return CFY_OK;
}

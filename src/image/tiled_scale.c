/* tiled_scale.c — tiled model upscaling with feathered blending (host accumulation, tiles on the
 * input's device) and the out-of-memory tile-halving wrapper. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/tiled_scale.h"

/* Per-axis weight ramp of a tile output of length L with feather F (float32, in ComfyUI's order
 * of multiplications: slice t, then slice L-1-t, for t = 0 .. F-1). */
static void ramp(int64_t L, int64_t F, float *r)
{
    for (int64_t i = 0; i < L; i++) r[i] = 1.0f;
    if (F >= L) return;
    for (int64_t t = 0; t < F; t++) {
        float a = (float)((double)(t + 1) / (double)F);
        r[t] *= a;
        r[L - 1 - t] *= a;
    }
}

/* Start positions along an axis of n (tile T, overlap V): newest ComfyUI rule. *count returned. */
static int64_t positions(int64_t n, int64_t T, int64_t V, int64_t *pos, int64_t cap)
{
    int64_t c = 0;
    if (n <= T) {
        pos[c++] = 0;
        return c;
    }
    for (int64_t p = 0; p < n - V && c < cap; p += T - V) {
        int64_t q = p < n - V ? p : n - V;
        pos[c++] = q < 0 ? 0 : q;
    }
    return c;
}

/* Host copy of t as contiguous f32 (retained when already such). */
static cfy_status to_host(const cfy_tensor *t, cfy_tensor **out, cfy_error *err)
{
    return cfy_tensor_to(t, cfy_cpu(), out, err);
}

static cfy_status scale_one(cfy_runtime *rt, const cfy_tensor *s, cfy_tile_model_fn fn, void *user, int64_t tx,
                            int64_t ty, int64_t V, double up, int64_t oc, float *dst, int64_t OH, int64_t OW,
                            cfy_error *err)
{
    (void)rt;
    int64_t H = s->sizes[2], W = s->sizes[3];
    cfy_status st = CFY_OK;
    int64_t F = (int64_t)rint((double)V * up);
    if (H <= ty && W <= tx) { /* the whole image in one tile: the model output as is */
        cfy_tensor *o = NULL, *h = NULL;
        if ((st = fn(user, s, &o, err)) != CFY_OK) return st;
        st = to_host(o, &h, err);
        cfy_tensor_release(o);
        if (st != CFY_OK) return st;
        if (h->ndim != 4 || h->sizes[0] != 1 || h->sizes[1] != oc || h->sizes[2] != OH || h->sizes[3] != OW ||
            h->dtype != CFY_F32)
            st = cfy_error_set(err, CFY_EINVAL, "tiled_scale: model output for a %lldx%lld image is not [1,%lld,%lld,%lld]",
                               (long long)W, (long long)H, (long long)oc, (long long)OH, (long long)OW);
        else
            memcpy(dst, cfy_tensor_data(h), sizeof(float) * (size_t)(oc * OH * OW));
        cfy_tensor_release(h);
        return st;
    }
    int64_t nx = W / (tx - V) + 2, ny = H / (ty - V) + 2;
    int64_t *px = malloc(sizeof(int64_t) * (size_t)nx), *py = malloc(sizeof(int64_t) * (size_t)ny);
    float *acc = calloc((size_t)(oc * OH * OW), sizeof(float));
    float *den = calloc((size_t)(oc * OH * OW), sizeof(float));
    float *rh = NULL, *rw = NULL;
    if (!px || !py || !acc || !den) {
        st = cfy_error_set(err, CFY_ENOMEM, "tiled_scale: out of memory for a %lldx%lld output", (long long)OW,
                           (long long)OH);
        goto done;
    }
    nx = positions(W, tx, V, px, nx);
    ny = positions(H, ty, V, py, ny);
    for (int64_t iy = 0; iy < ny && st == CFY_OK; iy++) {
        for (int64_t ix = 0; ix < nx && st == CFY_OK; ix++) {
            int64_t y0 = py[iy], x0 = px[ix];
            int64_t lh = ty < H - y0 ? ty : H - y0, lw = tx < W - x0 ? tx : W - x0;
            cfy_tensor *a = NULL, *b = NULL, *tile = NULL, *o = NULL, *h = NULL;
            st = cfy_tensor_narrow(s, 2, y0, lh, &a, err);
            if (st == CFY_OK) st = cfy_tensor_narrow(a, 3, x0, lw, &b, err);
            if (st == CFY_OK) st = cfy_tensor_contiguous(b, &tile, err);
            if (st == CFY_OK) st = fn(user, tile, &o, err);
            if (st == CFY_OK) st = to_host(o, &h, err);
            cfy_tensor_release(a);
            cfy_tensor_release(b);
            cfy_tensor_release(tile);
            cfy_tensor_release(o);
            if (st != CFY_OK) break;
            int64_t oy = (int64_t)rint((double)y0 * up), ox = (int64_t)rint((double)x0 * up);
            int64_t th = h->ndim == 4 ? h->sizes[2] : 0, tw = h->ndim == 4 ? h->sizes[3] : 0;
            if (h->ndim != 4 || h->sizes[0] != 1 || h->sizes[1] != oc || h->dtype != CFY_F32 || oy + th > OH ||
                ox + tw > OW || th != (int64_t)rint((double)lh * up) || tw != (int64_t)rint((double)lw * up)) {
                st = cfy_error_set(err, CFY_EINVAL, "tiled_scale: model output for tile at (%lld, %lld) %lldx%lld "
                                   "does not fit the %lldx%lld output", (long long)x0, (long long)y0, (long long)lw,
                                   (long long)lh, (long long)OW, (long long)OH);
                cfy_tensor_release(h);
                break;
            }
            rh = realloc(rh, sizeof(float) * (size_t)(th > 0 ? th : 1));
            rw = realloc(rw, sizeof(float) * (size_t)(tw > 0 ? tw : 1));
            if (!rh || !rw) {
                cfy_tensor_release(h);
                st = cfy_error_set(err, CFY_ENOMEM, "tiled_scale: out of memory");
                break;
            }
            ramp(th, F, rh);
            ramp(tw, F, rw);
            const float *Y = cfy_tensor_data(h);
            for (int64_t c = 0; c < oc; c++)
                for (int64_t y = 0; y < th; y++)
                    for (int64_t x = 0; x < tw; x++) {
                        float m = rh[y] * rw[x];
                        int64_t q = (c * OH + oy + y) * OW + ox + x;
                        acc[q] += Y[(c * th + y) * tw + x] * m;
                        den[q] += m;
                    }
            cfy_tensor_release(h);
        }
    }
    if (st == CFY_OK)
        for (int64_t i = 0; i < oc * OH * OW; i++) dst[i] = acc[i] / den[i];
done:
    free(px);
    free(py);
    free(acc);
    free(den);
    free(rh);
    free(rw);
    return st;
}

cfy_status cfy_image_tiled_scale(cfy_runtime *rt, const cfy_tensor *image, cfy_tile_model_fn fn, void *user,
                                 int64_t tile_x, int64_t tile_y, int64_t overlap, double upscale_amount,
                                 int64_t out_channels, cfy_tensor **out, cfy_error *err)
{
    char b[96];
    *out = NULL;
    if (!image || image->dtype != CFY_F32 || image->ndim != 4 || !fn)
        return cfy_error_set(err, CFY_EINVAL, "tiled_scale: image must be f32 [B,C,H,W] and fn set");
    if (tile_x <= overlap || tile_y <= overlap || overlap < 0 || !(upscale_amount > 0) || out_channels <= 0)
        return cfy_error_set(err, CFY_EINVAL, "tiled_scale: tile %lldx%lld, overlap %lld, scale %g invalid",
                             (long long)tile_x, (long long)tile_y, (long long)overlap, upscale_amount);
    int64_t B = image->sizes[0], H = image->sizes[2], W = image->sizes[3];
    if (B <= 0 || H <= 0 || W <= 0)
        return cfy_error_set(err, CFY_EINVAL, "tiled_scale: image %s is empty", cfy_tensor_shape_str(image, b, sizeof b));
    int64_t OH = (int64_t)rint((double)H * upscale_amount), OW = (int64_t)rint((double)W * upscale_amount);
    int64_t sizes[4] = {B, out_channels, OH, OW};
    cfy_tensor *o = NULL;
    cfy_status st = cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sizes, false, &o, err);
    if (st != CFY_OK) return st;
    for (int64_t bi = 0; bi < B && st == CFY_OK; bi++) {
        cfy_tensor *s = NULL, *sc = NULL;
        st = cfy_tensor_narrow(image, 0, bi, 1, &s, err);
        if (st == CFY_OK) st = cfy_tensor_contiguous(s, &sc, err);
        if (st == CFY_OK)
            st = scale_one(rt, sc, fn, user, tile_x, tile_y, overlap, upscale_amount, out_channels,
                           (float *)cfy_tensor_data(o) + bi * out_channels * OH * OW, OH, OW, err);
        cfy_tensor_release(s);
        cfy_tensor_release(sc);
    }
    if (st != CFY_OK) {
        cfy_tensor_release(o);
        return st;
    }
    *out = o;
    return CFY_OK;
}

/* NHWC <-> NCHW host copies. */
static cfy_status permute(const cfy_tensor *t, bool to_nchw, cfy_tensor **out, cfy_error *err)
{
    cfy_tensor *h = NULL;
    cfy_status st = cfy_tensor_to(t, cfy_cpu(), &h, err);
    if (st != CFY_OK) return st;
    int64_t B = h->sizes[0], d1 = h->sizes[1], d2 = h->sizes[2], d3 = h->sizes[3];
    int64_t sizes[4] = {B, to_nchw ? d3 : d2, to_nchw ? d1 : d3, to_nchw ? d2 : d1};
    if ((st = cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sizes, false, out, err)) != CFY_OK) {
        cfy_tensor_release(h);
        return st;
    }
    const float *s = cfy_tensor_data(h);
    float *d = cfy_tensor_data(*out);
    for (int64_t b = 0; b < B; b++)
        for (int64_t i = 0; i < d1; i++)
            for (int64_t j = 0; j < d2; j++)
                for (int64_t k = 0; k < d3; k++) {
                    int64_t src = ((b * d1 + i) * d2 + j) * d3 + k;
                    /* NHWC [b,i=y,j=x,k=c] -> NCHW [b,k,i,j];  NCHW [b,i=c,j=y,k=x] -> NHWC [b,j,k,i] */
                    int64_t dst = to_nchw ? ((b * d3 + k) * d1 + i) * d2 + j : ((b * d2 + j) * d3 + k) * d1 + i;
                    d[dst] = s[src];
                }
    cfy_tensor_release(h);
    return CFY_OK;
}

cfy_status cfy_image_upscale_with_model(cfy_runtime *rt, const cfy_tensor *image, cfy_tile_model_fn fn, void *user,
                                        double scale, cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    if (!image || image->dtype != CFY_F32 || image->ndim != 4)
        return cfy_error_set(err, CFY_EINVAL, "upscale_with_model: image must be f32 [B,H,W,C]");
    cfy_tensor *nchw = NULL, *r = NULL;
    cfy_status st = permute(image, true, &nchw, err);
    if (st != CFY_OK) return st;
    for (int64_t tile = 512;; tile /= 2) {
        st = cfy_image_tiled_scale(rt, nchw, fn, user, tile, tile, 32, scale, image->sizes[3], &r, err);
        if (st != CFY_ENOMEM || tile / 2 < 128) break;
    }
    cfy_tensor_release(nchw);
    if (st != CFY_OK) return st;
    st = permute(r, false, out, err);
    cfy_tensor_release(r);
    if (st != CFY_OK) return st;
    float *d = cfy_tensor_data(*out);
    int64_t n = cfy_tensor_numel(*out);
    for (int64_t i = 0; i < n; i++) d[i] = d[i] < 0.0f ? 0.0f : d[i] > 1.0f ? 1.0f : d[i];
    return CFY_OK;
}

/* interpolate.c — torch-style interpolate (bilinear, nearest-exact, bicubic, area): checks,
 * dispatch, CPU reference. Each mode is separable into per-axis index/weight tables. */
#include <math.h>
#include <stdlib.h>

#include "image/image_check.h"
#include "image/interpolate.h"
#include "image/interpolate_cuda.h"

/* Per-axis table: up to 4 (index, weight) taps per output index; area uses [start, end). */
typedef struct axis_taps {
    int64_t n_taps;
    int64_t *idx; /* [m * n_taps] */
    float *w;     /* [m * n_taps] */
} axis_taps;

/* Free and clear (taps_make's failure path and its caller may both call this). */
static void taps_free(axis_taps *t)
{
    free(t->idx);
    free(t->w);
    t->idx = NULL;
    t->w = NULL;
}

static float cubic1(float x, float A) { return ((A + 2) * x - (A + 3)) * x * x + 1; }
static float cubic2(float x, float A) { return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A; }

static int64_t clamp_i(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

static cfy_status taps_make(int64_t n, int64_t m, cfy_interp mode, axis_taps *t, cfy_error *err)
{
    t->n_taps = mode == CFY_INTERP_BICUBIC ? 4 : mode == CFY_INTERP_NEAREST_EXACT ? 1 : 2;
    t->idx = malloc(sizeof(int64_t) * (size_t)(m * t->n_taps));
    t->w = malloc(sizeof(float) * (size_t)(m * t->n_taps));
    if (!t->idx || !t->w) {
        taps_free(t);
        return cfy_error_set(err, CFY_ENOMEM, "interpolate: out of memory for %lld->%lld", (long long)n, (long long)m);
    }
    float scale = (float)n / (float)m;
    for (int64_t o = 0; o < m; o++) {
        int64_t *I = t->idx + o * t->n_taps;
        float *W = t->w + o * t->n_taps;
        switch (mode) {
        case CFY_INTERP_BILINEAR: {
            float s = n == m ? (float)o : scale * ((float)o + 0.5f) - 0.5f;
            if (s < 0) s = 0;
            int64_t i0 = (int64_t)floorf(s);
            if (i0 > n - 1) i0 = n - 1;
            float l1 = s - (float)i0;
            l1 = l1 < 0 ? 0 : l1 > 1 ? 1 : l1;
            I[0] = i0;
            I[1] = i0 < n - 1 ? i0 + 1 : i0;
            W[0] = 1.0f - l1;
            W[1] = l1;
            break;
        }
        case CFY_INTERP_NEAREST_EXACT: {
            float s = (float)(((double)o + 0.5) * (double)scale);
            int64_t i = (int64_t)floorf(s);
            I[0] = i > n - 1 ? n - 1 : i;
            W[0] = 1.0f;
            break;
        }
        case CFY_INTERP_BICUBIC: {
            float s = scale * ((float)o + 0.5f) - 0.5f; /* no clamp at 0 for cubic */
            int64_t i0 = (int64_t)floorf(s);
            if (i0 > n - 1) i0 = n - 1;
            float l = s - (float)i0;
            l = l < 0 ? 0 : l > 1 ? 1 : l;
            const float A = -0.75f;
            W[0] = cubic2(l + 1.0f, A);
            W[1] = cubic1(l, A);
            W[2] = cubic1(1.0f - l, A);
            W[3] = cubic2((1.0f - l) + 1.0f, A);
            for (int j = 0; j < 4; j++) I[j] = clamp_i(i0 - 1 + j, 0, n - 1);
            break;
        }
        case CFY_INTERP_AREA: {
            I[0] = (o * n) / m;                 /* floor(o*n/m) */
            I[1] = ((o + 1) * n + m - 1) / m;   /* ceil((o+1)*n/m) */
            W[0] = W[1] = 0;
            break;
        }
        }
    }
    return CFY_OK;
}

/* One plane set: src [H,W,C] -> dst [h,w,C], channels innermost. */
static void apply_plane(const float *src, int64_t W, int64_t C, float *dst, int64_t h, int64_t w,
                        const axis_taps *ty, const axis_taps *tx, cfy_interp mode)
{
    for (int64_t y = 0; y < h; y++) {
        for (int64_t x = 0; x < w; x++) {
            for (int64_t c = 0; c < C; c++) {
                float v;
                if (mode == CFY_INTERP_AREA) {
                    int64_t y0 = ty->idx[2 * y], y1 = ty->idx[2 * y + 1];
                    int64_t x0 = tx->idx[2 * x], x1 = tx->idx[2 * x + 1];
                    float sum = 0;
                    for (int64_t yy = y0; yy < y1; yy++)
                        for (int64_t xx = x0; xx < x1; xx++) sum += src[(yy * W + xx) * C + c];
                    v = sum / (float)((y1 - y0) * (x1 - x0));
                } else {
                    int64_t ny = ty->n_taps, nx = tx->n_taps;
                    const int64_t *iy = ty->idx + y * ny, *ix = tx->idx + x * nx;
                    const float *wy = ty->w + y * ny, *wx = tx->w + x * nx;
                    v = 0;
                    for (int64_t j = 0; j < ny; j++) {
                        const float *row = src + iy[j] * W * C + c;
                        float r = 0;
                        for (int64_t i = 0; i < nx; i++) r += wx[i] * row[ix[i] * C];
                        v += wy[j] * r;
                    }
                }
                dst[(y * w + x) * C + c] = v;
            }
        }
    }
}

cfy_status cfy_image_interpolate(cfy_runtime *rt, const cfy_tensor *src, int64_t out_w, int64_t out_h,
                                 cfy_interp mode, cfy_tensor **out, cfy_error *err)
{
    char b[96];
    *out = NULL;
    cfy_status st = cfy_image_check_tensor("interpolate", "src", src, CFY_F32, 2, 4, err);
    if (st != CFY_OK) return st;
    if ((st = cfy_image_check_size(rt, "interpolate", out_w, out_h, err)) != CFY_OK) return st;
    if (mode < CFY_INTERP_BILINEAR || mode > CFY_INTERP_AREA)
        return cfy_error_set(err, CFY_EINVAL, "interpolate: unknown mode %d", (int)mode);
    /* view as [B,H,W,C] */
    int64_t B = 1, H, W, C = 1;
    if (src->ndim == 2) {
        H = src->sizes[0];
        W = src->sizes[1];
    } else if (src->ndim == 3) {
        B = src->sizes[0];
        H = src->sizes[1];
        W = src->sizes[2];
    } else {
        B = src->sizes[0];
        H = src->sizes[1];
        W = src->sizes[2];
        C = src->sizes[3];
    }
    if (H <= 0 || W <= 0)
        return cfy_error_set(err, CFY_EINVAL, "interpolate: source %s is empty", cfy_tensor_shape_str(src, b, sizeof b));
    int64_t sizes[4];
    for (int i = 0; i < src->ndim; i++) sizes[i] = src->sizes[i];
    int hy = src->ndim == 2 ? 0 : 1;
    sizes[hy] = out_h;
    sizes[hy + 1] = out_w;
    cfy_tensor *c = NULL, *o = NULL;
    if ((st = cfy_tensor_contiguous(src, &c, err)) != CFY_OK) return st;
    if ((st = cfy_tensor_new(CFY_F32, c->device, src->ndim, sizes, false, &o, err)) != CFY_OK) {
        cfy_tensor_release(c);
        return st;
    }
    if (c->device.kind == CFY_DEVICE_CUDA) {
        st = mode == CFY_INTERP_BILINEAR
                 ? cfy_image_bilinear_cuda(cfy_tensor_data(c), cfy_tensor_data(o), B, H, W, C, out_h, out_w, err)
                 : cfy_error_set(err, CFY_EUNSUPPORTED, "interpolate: only bilinear runs on CUDA");
    } else {
        axis_taps ty = {0}, tx = {0};
        st = taps_make(H, out_h, mode, &ty, err);
        if (st == CFY_OK) st = taps_make(W, out_w, mode, &tx, err);
        if (st == CFY_OK) {
            const float *s = cfy_tensor_data(c);
            float *d = cfy_tensor_data(o);
            for (int64_t bi = 0; bi < B; bi++)
                apply_plane(s + bi * H * W * C, W, C, d + bi * out_h * out_w * C, out_h, out_w, &ty, &tx, mode);
        }
        taps_free(&ty);
        taps_free(&tx);
    }
    cfy_tensor_release(c);
    if (st != CFY_OK) {
        cfy_tensor_release(o);
        return st;
    }
    *out = o;
    return CFY_OK;
}

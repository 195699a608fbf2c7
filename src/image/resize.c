/* resize.c — Pillow-exact 8-bit resize: coefficient tables, the two passes, NEAREST, the
 * streamed supersample chain, and the float round-trip wrappers (CPU reference + dispatch). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/convert.h"
#include "image/image_check.h"
#include "image/interpolate.h"
#include "image/resize.h"
#include "image/resize_coeffs.h"
#include "image/resize_cuda.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ======================= coefficient tables ======================= */

static double sinc(double x)
{
    if (x == 0.0) return 1.0;
    x = x * M_PI;
    return sin(x) / x;
}

static double filter_eval(cfy_resample m, double x)
{
    switch (m) {
    case CFY_RESAMPLE_BILINEAR:
        if (x < 0.0) x = -x;
        return x < 1.0 ? 1.0 - x : 0.0;
    case CFY_RESAMPLE_BICUBIC: {
        const double a = -0.5;
        if (x < 0.0) x = -x;
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }
    case CFY_RESAMPLE_LANCZOS:
        return (-3.0 <= x && x < 3.0) ? sinc(x) * sinc(x / 3) : 0.0;
    default:
        return 0.0;
    }
}

static double filter_support(cfy_resample m)
{
    return m == CFY_RESAMPLE_LANCZOS ? 3.0 : m == CFY_RESAMPLE_BICUBIC ? 2.0 : 1.0;
}

void cfy_pil_coeffs_free(cfy_pil_coeffs *c)
{
    if (!c) return;
    free(c->bounds);
    free(c->k);
    memset(c, 0, sizeof *c);
}

cfy_status cfy_pil_coeffs_make(int64_t n_in, int64_t n_out, cfy_resample method, cfy_pil_coeffs *c, cfy_error *err)
{
    memset(c, 0, sizeof *c);
    /* The box is (0, n_in) held as single floats; the scale is their difference over n_out. */
    double scale = (double)((float)n_in - 0.0f) / (double)n_out;
    double fs = scale < 1.0 ? 1.0 : scale;
    double support = filter_support(method) * fs;
    double ss = 1.0 / fs;
    int ksize = (int)ceil(support) * 2 + 1;
    double *w = malloc(sizeof(double) * (size_t)ksize);
    c->bounds = malloc(sizeof(int32_t) * 2 * (size_t)n_out);
    c->k = calloc((size_t)n_out * (size_t)ksize, sizeof(int32_t));
    if (!w || !c->bounds || !c->k) {
        free(w);
        cfy_pil_coeffs_free(c);
        return cfy_error_set(err, CFY_ENOMEM, "resize: out of memory for %lld->%lld taps", (long long)n_in,
                             (long long)n_out);
    }
    c->n_in = n_in;
    c->n_out = n_out;
    c->ksize = ksize;
    for (int64_t o = 0; o < n_out; o++) {
        double center = 0.0 + ((double)o + 0.5) * scale;
        int xmin = (int)(center - support + 0.5);
        if (xmin < 0) xmin = 0;
        int xmax = (int)(center + support + 0.5);
        if (xmax > n_in) xmax = (int)n_in;
        int n = xmax - xmin;
        if (n > ksize) n = ksize; /* cannot happen; keeps the table in bounds */
        double ww = 0.0;
        for (int x = 0; x < n; x++) {
            w[x] = filter_eval(method, ((double)(x + xmin) - center + 0.5) * ss);
            ww += w[x];
        }
        int32_t *k = c->k + o * ksize;
        for (int x = 0; x < n; x++) {
            double v = ww != 0.0 ? w[x] / ww : w[x];
            double f = v * (double)(1 << CFY_PIL_PRECISION_BITS);
            k[x] = (int32_t)(v < 0 ? f - 0.5 : f + 0.5);
        }
        c->bounds[2 * o] = xmin;
        c->bounds[2 * o + 1] = n;
    }
    free(w);
    return CFY_OK;
}

void cfy_pil_nearest_map(int64_t n_in, int64_t n_out, int32_t *map)
{
    double a = (double)((float)n_in - 0.0f) / (double)n_out;
    double u = 0.0 + a * 0.5;
    for (int64_t x = 0; x < n_out; x++) {
        int v = u < 0.0 ? -1 : (int)u;
        map[x] = (v >= 0 && v < n_in) ? v : -1;
        u += a;
    }
}

/* ======================= the passes (CPU) ======================= */

static inline uint8_t clip8(int32_t acc)
{
    if (acc < 0) return 0;
    acc >>= CFY_PIL_PRECISION_BITS;
    return acc > 255 ? 255 : (uint8_t)acc;
}

/* One row: in [n_in*C] -> out [n_out*C]. */
static void hpass_row(const uint8_t *in, uint8_t *out, int C, const cfy_pil_coeffs *c)
{
    const int32_t half = 1 << (CFY_PIL_PRECISION_BITS - 1);
    for (int64_t o = 0; o < c->n_out; o++) {
        const int32_t *k = c->k + o * c->ksize;
        const uint8_t *p = in + (int64_t)c->bounds[2 * o] * C;
        int n = c->bounds[2 * o + 1];
        int32_t a0 = half, a1 = half, a2 = half, a3 = half;
        switch (C) {
        case 1:
            for (int j = 0; j < n; j++) a0 += p[j] * k[j];
            out[o] = clip8(a0);
            break;
        case 3:
            for (int j = 0; j < n; j++, p += 3) {
                a0 += p[0] * k[j];
                a1 += p[1] * k[j];
                a2 += p[2] * k[j];
            }
            out[o * 3] = clip8(a0);
            out[o * 3 + 1] = clip8(a1);
            out[o * 3 + 2] = clip8(a2);
            break;
        default:
            for (int j = 0; j < n; j++, p += 4) {
                a0 += p[0] * k[j];
                a1 += p[1] * k[j];
                a2 += p[2] * k[j];
                a3 += p[3] * k[j];
            }
            out[o * 4] = clip8(a0);
            out[o * 4 + 1] = clip8(a1);
            out[o * 4 + 2] = clip8(a2);
            out[o * 4 + 3] = clip8(a3);
        }
    }
}

/* One output row of the vertical pass: rows of `in` (row stride `rs` bytes, `len` bytes used
 * per row) combined with the taps of output row o. Works in blocks of VBLOCK samples so the
 * accumulators stay in registers / L1 and the fixed-size inner loops vectorise. acc: scratch of
 * len int32 (used for the tail). */
enum { VBLOCK = 64 };

static void vpass_row(const uint8_t *in, int64_t rs, int64_t len, const cfy_pil_coeffs *c, int64_t o, uint8_t *out,
                      int32_t *acc)
{
    const int32_t half = 1 << (CFY_PIL_PRECISION_BITS - 1);
    const int32_t *k = c->k + o * c->ksize;
    int ymin = c->bounds[2 * o], n = c->bounds[2 * o + 1];
    const uint8_t *base = in + (int64_t)ymin * rs;
    int64_t x0 = 0;
    for (; x0 + VBLOCK <= len; x0 += VBLOCK) {
        int32_t a[VBLOCK];
        for (int x = 0; x < VBLOCK; x++) a[x] = half;
        for (int j = 0; j < n; j++) {
            const uint8_t *p = base + j * rs + x0;
            int32_t kj = k[j];
            for (int x = 0; x < VBLOCK; x++) a[x] += p[x] * kj;
        }
        for (int x = 0; x < VBLOCK; x++) out[x0 + x] = clip8(a[x]);
    }
    for (int64_t x = x0; x < len; x++) acc[x] = half;
    for (int j = 0; j < n; j++) {
        const uint8_t *p = base + j * rs;
        int32_t kj = k[j];
        for (int64_t x = x0; x < len; x++) acc[x] += p[x] * kj;
    }
    for (int64_t x = x0; x < len; x++) out[x] = clip8(acc[x]);
}

/* RGBA -> RGBa (Pillow's premultiply with rounding division by 255), in place. */
static void premultiply(uint8_t *p, int64_t npix)
{
    for (int64_t i = 0; i < npix; i++, p += 4) {
        uint32_t a = p[3];
        for (int ch = 0; ch < 3; ch++) {
            uint32_t t = p[ch] * a + 128;
            p[ch] = (uint8_t)(((t >> 8) + t) >> 8);
        }
    }
}

/* RGBa -> RGBA (Pillow's unpremultiply: truncating division, alpha 0 and 255 unchanged), in place. */
static void unpremultiply(uint8_t *p, int64_t npix)
{
    for (int64_t i = 0; i < npix; i++, p += 4) {
        uint32_t a = p[3];
        if (a == 0 || a == 255) continue;
        for (int ch = 0; ch < 3; ch++) {
            uint32_t v = 255u * p[ch] / a;
            p[ch] = (uint8_t)(v > 255 ? 255 : v);
        }
    }
}

static cfy_status oom(cfy_error *err, const char *op, int64_t w, int64_t h)
{
    return cfy_error_set(err, CFY_ENOMEM, "%s: out of memory for %lldx%lld", op, (long long)w, (long long)h);
}

/* NEAREST with explicit maps (used for both the plain and the composed supersample maps). */
static void nearest_apply(const uint8_t *src, int64_t w_in, int C, uint8_t *dst, int64_t w_out, int64_t h_out,
                          const int32_t *mx, const int32_t *my)
{
    for (int64_t y = 0; y < h_out; y++) {
        uint8_t *d = dst + y * w_out * C;
        if (my[y] < 0) {
            memset(d, 0, (size_t)(w_out * C));
            continue;
        }
        if (y > 0 && my[y] == my[y - 1]) { /* same source row: repeat the previous output row */
            memcpy(d, d - w_out * C, (size_t)(w_out * C));
            continue;
        }
        const uint8_t *s = src + (int64_t)my[y] * w_in * C;
        for (int64_t x = 0; x < w_out; x++) {
            if (mx[x] < 0) {
                for (int c = 0; c < C; c++) d[x * C + c] = 0;
                continue;
            }
            const uint8_t *p = s + (int64_t)mx[x] * C;
            switch (C) {
            case 1: d[x] = p[0]; break;
            case 3: d[x * 3] = p[0]; d[x * 3 + 1] = p[1]; d[x * 3 + 2] = p[2]; break;
            default: d[x * 4] = p[0]; d[x * 4 + 1] = p[1]; d[x * 4 + 2] = p[2]; d[x * 4 + 3] = p[3];
            }
        }
    }
}

/* One Pillow resize of one image, CPU. */
static cfy_status resize_one(const uint8_t *src, int64_t w_in, int64_t h_in, int C, uint8_t *dst, int64_t w_out,
                             int64_t h_out, cfy_resample m, bool legacy, cfy_error *err)
{
    if (w_in == w_out && h_in == h_out) {
        memcpy(dst, src, (size_t)(w_in * h_in * C));
        return CFY_OK;
    }
    if (m == CFY_RESAMPLE_NEAREST) {
        int32_t *mx = malloc(sizeof(int32_t) * (size_t)w_out), *my = malloc(sizeof(int32_t) * (size_t)h_out);
        if (!mx || !my) {
            free(mx);
            free(my);
            return oom(err, "resize", w_out, h_out);
        }
        cfy_pil_nearest_map(w_in, w_out, mx);
        cfy_pil_nearest_map(h_in, h_out, my);
        nearest_apply(src, w_in, C, dst, w_out, h_out, mx, my);
        free(mx);
        free(my);
        return CFY_OK;
    }
    bool need_h = w_in != w_out, need_v = h_in != h_out;
    cfy_pil_coeffs ch = {0}, cv = {0};
    uint8_t *pm = NULL, *tmp = NULL;
    int32_t *acc = NULL;
    cfy_status st = CFY_OK;
    if (C == 4) {
        pm = malloc((size_t)(w_in * h_in * 4));
        if (!pm) return oom(err, "resize", w_in, h_in);
        memcpy(pm, src, (size_t)(w_in * h_in * 4));
        premultiply(pm, w_in * h_in);
        src = pm;
    }
    if (need_h && (st = cfy_pil_coeffs_make(w_in, w_out, m, &ch, err)) != CFY_OK) goto done;
    if (need_v && (st = cfy_pil_coeffs_make(h_in, h_out, m, &cv, err)) != CFY_OK) goto done;
    if (need_h && need_v && cfy_pil_vertical_first(w_in, h_in, w_out, h_out, legacy)) {
        tmp = malloc((size_t)(w_in * h_out * C));
        acc = malloc(sizeof(int32_t) * (size_t)(w_in * C));
        if (!tmp || !acc) {
            st = oom(err, "resize", w_in, h_out);
            goto done;
        }
        for (int64_t y = 0; y < h_out; y++) vpass_row(src, w_in * C, w_in * C, &cv, y, tmp + y * w_in * C, acc);
        for (int64_t y = 0; y < h_out; y++) hpass_row(tmp + y * w_in * C, dst + y * w_out * C, C, &ch);
        need_h = need_v = false; /* done */
    }
    const uint8_t *mid = src; /* rows of width w_out */
    if (need_h) {
        uint8_t *target = dst;
        int64_t y0 = 0, y1 = h_in;
        if (need_v) {
            /* only the source rows the vertical pass reads */
            y0 = cv.bounds[0];
            y1 = cv.bounds[2 * (h_out - 1)] + cv.bounds[2 * (h_out - 1) + 1];
            tmp = malloc((size_t)(w_out * h_in * C));
            if (!tmp) {
                st = oom(err, "resize", w_out, h_in);
                goto done;
            }
            target = tmp;
        }
        for (int64_t y = y0; y < y1; y++) hpass_row(src + y * w_in * C, target + y * w_out * C, C, &ch);
        mid = target;
    }
    if (need_v) {
        acc = malloc(sizeof(int32_t) * (size_t)(w_out * C));
        if (!acc) {
            st = oom(err, "resize", w_out, h_out);
            goto done;
        }
        for (int64_t y = 0; y < h_out; y++) vpass_row(mid, w_out * C, w_out * C, &cv, y, dst + y * w_out * C, acc);
    }
    if (C == 4) unpremultiply(dst, w_out * h_out);
done:
    cfy_pil_coeffs_free(&ch);
    cfy_pil_coeffs_free(&cv);
    free(pm);
    free(tmp);
    free(acc);
    return st;
}

/* The supersample chain for one image, CPU: resize to (8w, 8h), then to (w, h), streaming the
 * 8x image row by row into the second resize's horizontal pass. */
static cfy_status supersample_one(const uint8_t *src, int64_t w_in, int64_t h_in, int C, uint8_t *dst, int64_t w,
                                  int64_t h, cfy_resample m, bool legacy, cfy_error *err)
{
    int64_t W8 = 8 * w, H8 = 8 * h;
    cfy_status st = CFY_OK;
    if (m == CFY_RESAMPLE_NEAREST) {
        int32_t *m1x = malloc(sizeof(int32_t) * (size_t)W8), *m1y = malloc(sizeof(int32_t) * (size_t)H8);
        int32_t *mx = malloc(sizeof(int32_t) * (size_t)w), *my = malloc(sizeof(int32_t) * (size_t)h);
        if (!m1x || !m1y || !mx || !my) {
            st = oom(err, "resize(supersample)", w, h);
        } else {
            /* a same-size first step is a copy, i.e. the identity map, which the rule also gives */
            cfy_pil_nearest_map(w_in, W8, m1x);
            cfy_pil_nearest_map(h_in, H8, m1y);
            cfy_pil_nearest_map(W8, w, mx);
            cfy_pil_nearest_map(H8, h, my);
            for (int64_t x = 0; x < w; x++) mx[x] = mx[x] < 0 ? -1 : m1x[mx[x]];
            for (int64_t y = 0; y < h; y++) my[y] = my[y] < 0 ? -1 : m1y[my[y]];
            nearest_apply(src, w_in, C, dst, w, h, mx, my);
        }
        free(m1x);
        free(m1y);
        free(mx);
        free(my);
        return st;
    }
    bool first_copy = (w_in == W8 && h_in == H8);
    bool need_h1 = w_in != W8, need_v1 = h_in != H8;
    bool v1first = need_h1 && need_v1 && cfy_pil_vertical_first(w_in, h_in, W8, H8, legacy);
    bool v2first = cfy_pil_vertical_first(W8, H8, w, h, legacy); /* both passes always run in step 2 */
    int64_t maxw = w_in > W8 ? w_in : W8;
    cfy_pil_coeffs c1h = {0}, c1v = {0}, c2h = {0}, c2v = {0};
    uint8_t *pm = NULL, *t1 = NULL, *row = NULL, *vrow = NULL, *b = NULL, *ring_u8 = NULL;
    int32_t *acc = NULL, *ring = NULL;
    const uint8_t *s1 = src;
    int K = 0;
    if (C == 4 && !first_copy) {
        pm = malloc((size_t)(w_in * h_in * 4));
        if (!pm) return oom(err, "resize(supersample)", w_in, h_in);
        memcpy(pm, src, (size_t)(w_in * h_in * 4));
        premultiply(pm, w_in * h_in);
        s1 = pm;
    }
    if (need_h1 && (st = cfy_pil_coeffs_make(w_in, W8, m, &c1h, err)) != CFY_OK) goto done;
    if (need_v1 && (st = cfy_pil_coeffs_make(h_in, H8, m, &c1v, err)) != CFY_OK) goto done;
    if ((st = cfy_pil_coeffs_make(W8, w, m, &c2h, err)) != CFY_OK) goto done;
    if ((st = cfy_pil_coeffs_make(H8, h, m, &c2v, err)) != CFY_OK) goto done;
    row = malloc((size_t)(W8 * C));
    vrow = malloc((size_t)(maxw * C));
    acc = malloc(sizeof(int32_t) * (size_t)(maxw * C));
    if (v2first) {
        K = c2v.ksize + 1; /* output rows whose window holds one 8x row: at most ksize */
        ring = malloc(sizeof(int32_t) * (size_t)(K * W8 * C));
        ring_u8 = malloc((size_t)(W8 * C));
    } else {
        b = malloc((size_t)(H8 * w * C));
    }
    if (!row || !vrow || !acc || (v2first ? (!ring || !ring_u8) : !b)) {
        st = oom(err, "resize(supersample)", W8, H8);
        goto done;
    }
    const uint8_t *mid = s1; /* H-first step 1: rows of width W8 */
    if (need_h1 && !v1first) {
        t1 = malloc((size_t)(W8 * h_in * C));
        if (!t1) {
            st = oom(err, "resize(supersample)", W8, h_in);
            goto done;
        }
        int64_t y0 = 0, y1 = h_in;
        if (need_v1) {
            y0 = c1v.bounds[0];
            y1 = c1v.bounds[2 * (H8 - 1)] + c1v.bounds[2 * (H8 - 1) + 1];
        }
        for (int64_t y = y0; y < y1; y++) hpass_row(s1 + y * w_in * C, t1 + y * W8 * C, C, &c1h);
        mid = t1;
    }
    int64_t next_out = 0; /* V-first step 2: next output row to finish */
    const int32_t half = 1 << (CFY_PIL_PRECISION_BITS - 1);
    for (int64_t r = 0; r < H8; r++) {
        /* ---- row r of the 8x image (step 1's result, as Pillow would store it) ---- */
        if (first_copy) {
            memcpy(row, src + r * W8 * C, (size_t)(W8 * C));
        } else if (v1first) {
            vpass_row(s1, w_in * C, w_in * C, &c1v, r, vrow, acc);
            hpass_row(vrow, row, C, &c1h);
        } else if (need_v1) {
            vpass_row(mid, W8 * C, W8 * C, &c1v, r, row, acc);
        } else {
            memcpy(row, mid + r * W8 * C, (size_t)(W8 * C));
        }
        if (C == 4) {
            if (!first_copy) unpremultiply(row, W8); /* end of the first resize */
            premultiply(row, W8);                     /* start of the second */
        }
        /* ---- step 2 consumes it ---- */
        if (!v2first) {
            hpass_row(row, b + r * w * C, C, &c2h);
            continue;
        }
        /* vertical pass first: add the row into every output row whose window holds it */
        for (int64_t y = next_out; y < h; y++) {
            int ymin = c2v.bounds[2 * y], n = c2v.bounds[2 * y + 1];
            if (ymin > r) break;
            if (r >= ymin + n) continue;
            int32_t *a = ring + (y % K) * W8 * C;
            if (r == ymin)
                for (int64_t x = 0; x < W8 * C; x++) a[x] = half;
            int32_t kj = c2v.k[y * c2v.ksize + (r - ymin)];
            for (int64_t x = 0; x < W8 * C; x++) a[x] += row[x] * kj;
        }
        /* finish the output rows whose window ends here (windows end in increasing order) */
        while (next_out < h && c2v.bounds[2 * next_out] + c2v.bounds[2 * next_out + 1] - 1 <= r) {
            const int32_t *a = ring + (next_out % K) * W8 * C;
            for (int64_t x = 0; x < W8 * C; x++) ring_u8[x] = clip8(a[x]);
            hpass_row(ring_u8, dst + next_out * w * C, C, &c2h);
            next_out++;
        }
    }
    if (!v2first)
        for (int64_t y = 0; y < h; y++) vpass_row(b, w * C, w * C, &c2v, y, dst + y * w * C, acc);
    if (C == 4) unpremultiply(dst, w * h);
done:
    cfy_pil_coeffs_free(&c1h);
    cfy_pil_coeffs_free(&c1v);
    cfy_pil_coeffs_free(&c2h);
    cfy_pil_coeffs_free(&c2v);
    free(pm);
    free(t1);
    free(row);
    free(vrow);
    free(b);
    free(acc);
    free(ring);
    free(ring_u8);
    return st;
}

/* ======================= entry points ======================= */

cfy_status cfy_resample_parse(const char *name, cfy_resample *out, cfy_error *err)
{
    static const struct { const char *name; cfy_resample m; } names[] = {
        {"nearest", CFY_RESAMPLE_NEAREST}, {"lanczos", CFY_RESAMPLE_LANCZOS},
        {"bilinear", CFY_RESAMPLE_BILINEAR}, {"bicubic", CFY_RESAMPLE_BICUBIC}};
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].m;
            return CFY_OK;
        }
    }
    return cfy_error_set(err, CFY_EINVAL, "resize: unknown resampling method '%s' (nearest, lanczos, bilinear, bicubic)",
                         name ? name : "(null)");
}

cfy_status cfy_image_rescale_size(int64_t w, int64_t h, double factor, int64_t *out_w, int64_t *out_h,
                                  cfy_error *err)
{
    *out_w = *out_h = 0;
    if (!(factor > 0.0) || !isfinite(factor))
        return cfy_error_set(err, CFY_EINVAL, "rescale: factor %g must be finite and positive", factor);
    double fw = (double)w * factor, fh = (double)h * factor;
    if (!(fw >= 1.0 && fh >= 1.0 && fw < 2147483648.0 && fh < 2147483648.0))
        return cfy_error_set(err, CFY_EINVAL, "rescale: %lldx%lld times %g gives %gx%g, outside 1..2^31-1",
                             (long long)w, (long long)h, factor, fw, fh);
    *out_w = (int64_t)fw;
    *out_h = (int64_t)fh;
    return CFY_OK;
}

static cfy_status check_resize(cfy_runtime *rt, const char *op, const cfy_tensor *src, int64_t w, int64_t h,
                               cfy_resample m, int64_t *B, int64_t *H, int64_t *W, int *C, cfy_error *err)
{
    char b[96];
    cfy_status st = cfy_image_check_tensor(op, "src", src, CFY_U8, 3, 4, err);
    if (st != CFY_OK) return st;
    int off = src->ndim - 3;
    *B = off ? src->sizes[0] : 1;
    *H = src->sizes[off];
    *W = src->sizes[off + 1];
    *C = (int)src->sizes[off + 2];
    if (*C != 1 && *C != 3 && *C != 4)
        return cfy_error_set(err, CFY_EINVAL, "%s: src %s has %d channels; 1 (L), 3 (RGB) or 4 (RGBA) expected", op,
                             cfy_tensor_shape_str(src, b, sizeof b), *C);
    if (*H <= 0 || *W <= 0)
        return cfy_error_set(err, CFY_EINVAL, "%s: source %s is empty", op, cfy_tensor_shape_str(src, b, sizeof b));
    if (m != CFY_RESAMPLE_NEAREST && m != CFY_RESAMPLE_LANCZOS && m != CFY_RESAMPLE_BILINEAR &&
        m != CFY_RESAMPLE_BICUBIC)
        return cfy_error_set(err, CFY_EINVAL, "%s: unknown filter %d", op, (int)m);
    return cfy_image_check_size(rt, op, w, h, err);
}

static cfy_status resize_u8(cfy_runtime *rt, const char *op, const cfy_tensor *src, int64_t w, int64_t h,
                            cfy_resample m, unsigned flags, cfy_tensor **out, cfy_error *err)
{
    bool supersample = flags & CFY_RESIZE_SUPERSAMPLE, legacy = flags & CFY_RESIZE_PILLOW_LEGACY;
    int64_t B, H, W;
    int C;
    *out = NULL;
    cfy_status st = check_resize(rt, op, src, w, h, m, &B, &H, &W, &C, err);
    if (st != CFY_OK) return st;
    cfy_tensor *c = NULL, *o = NULL;
    if ((st = cfy_tensor_contiguous(src, &c, err)) != CFY_OK) return st;
    int64_t sizes[4] = {B, h, w, C};
    int off = src->ndim - 3;
    if ((st = cfy_tensor_new(CFY_U8, c->device, src->ndim, sizes + (1 - off), false, &o, err)) != CFY_OK) {
        cfy_tensor_release(c);
        return st;
    }
    if (c->device.kind == CFY_DEVICE_CUDA) {
        st = cfy_image_resize_u8_cuda(c, o, m, supersample, legacy, err);
    } else {
        const uint8_t *s = cfy_tensor_data(c);
        uint8_t *d = cfy_tensor_data(o);
        for (int64_t bi = 0; bi < B && st == CFY_OK; bi++) {
            const uint8_t *sb = s + bi * H * W * C;
            uint8_t *db = d + bi * h * w * C;
            st = supersample ? supersample_one(sb, W, H, C, db, w, h, m, legacy, err)
                             : resize_one(sb, W, H, C, db, w, h, m, legacy, err);
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

cfy_status cfy_image_resize_u8(cfy_runtime *rt, const cfy_tensor *src, int64_t out_w, int64_t out_h,
                               cfy_resample method, cfy_tensor **out, cfy_error *err)
{
    return resize_u8(rt, "resize", src, out_w, out_h, method, 0, out, err);
}

cfy_status cfy_image_resize_u8_ex(cfy_runtime *rt, const cfy_tensor *src, int64_t out_w, int64_t out_h,
                                  cfy_resample method, unsigned flags, cfy_tensor **out, cfy_error *err)
{
    return resize_u8(rt, flags & CFY_RESIZE_SUPERSAMPLE ? "resize(supersample)" : "resize", src, out_w, out_h, method,
                     flags, out, err);
}

cfy_status cfy_image_resize_u8_supersample(cfy_runtime *rt, const cfy_tensor *src, int64_t out_w, int64_t out_h,
                                           cfy_resample method, cfy_tensor **out, cfy_error *err)
{
    return resize_u8(rt, "resize(supersample)", src, out_w, out_h, method, CFY_RESIZE_SUPERSAMPLE, out, err);
}

cfy_status cfy_image_resize_pil_ex(cfy_runtime *rt, const cfy_tensor *src, int64_t out_w, int64_t out_h,
                                   cfy_resample method, unsigned flags, cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    const char *op = flags & CFY_RESIZE_SUPERSAMPLE ? "resize(supersample)" : "resize";
    cfy_status st = cfy_image_check_tensor(op, "src", src, CFY_F32, 3, 4, err);
    if (st != CFY_OK) return st;
    cfy_tensor *q = NULL, *r = NULL;
    if ((st = cfy_image_to_u8(rt, src, &q, err)) != CFY_OK) return st;
    st = resize_u8(rt, op, q, out_w, out_h, method, flags, &r, err);
    cfy_tensor_release(q);
    if (st != CFY_OK) return st;
    st = cfy_image_from_u8(rt, r, out, err);
    cfy_tensor_release(r);
    return st;
}

cfy_status cfy_image_resize_pil(cfy_runtime *rt, const cfy_tensor *src, int64_t out_w, int64_t out_h,
                                cfy_resample method, bool supersample, cfy_tensor **out, cfy_error *err)
{
    return cfy_image_resize_pil_ex(rt, src, out_w, out_h, method, supersample ? CFY_RESIZE_SUPERSAMPLE : 0u, out, err);
}

cfy_status cfy_image_tensor_resize(cfy_runtime *rt, const cfy_tensor *src, int64_t out_w, int64_t out_h,
                                   cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    cfy_status st = cfy_image_check_tensor("tensor_resize", "src", src, CFY_F32, 4, 4, err);
    if (st != CFY_OK) return st;
    if (src->sizes[3] >= 3) return cfy_image_resize_pil(rt, src, out_w, out_h, CFY_RESAMPLE_LANCZOS, false, out, err);
    return cfy_image_interpolate(rt, src, out_w, out_h, CFY_INTERP_BILINEAR, out, err);
}

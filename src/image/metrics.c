/* metrics.c — PSNR, SSIM and difference counts between two float images (CPU). */
#include "image/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* SSIM of one channel plane: a, b [H*W] doubles. Returns the mean over valid window positions. */
static double ssim_plane(const double *a, const double *b, int64_t H, int64_t W, double *scratch)
{
    int64_t win = 11;
    int64_t side = H < W ? H : W;
    if (side < win) win = side % 2 ? side : side - 1;
    if (win < 1) win = 1;
    double sigma = 1.5 * (double)win / 11.0, g[11], gs = 0;
    int64_t r = win / 2;
    for (int64_t i = 0; i < win; i++) {
        double x = (double)(i - r);
        g[i] = exp(-0.5 * x * x / (sigma * sigma));
        gs += g[i];
    }
    for (int64_t i = 0; i < win; i++)
        g[i] /= gs;
    /* separable filtering of a, b, a*a, b*b, a*b: horizontal pass into scratch (5 planes of
     * H x (W - win + 1)), then vertical sums at each valid position */
    int64_t Wv = W - win + 1, Hv = H - win + 1;
    double *h = scratch; /* [5][H][Wv] */
    for (int64_t y = 0; y < H; y++)
        for (int64_t x = 0; x < Wv; x++) {
            double s[5] = {0, 0, 0, 0, 0};
            for (int64_t k = 0; k < win; k++) {
                double va = a[y * W + x + k], vb = b[y * W + x + k];
                s[0] += g[k] * va;
                s[1] += g[k] * vb;
                s[2] += g[k] * va * va;
                s[3] += g[k] * vb * vb;
                s[4] += g[k] * va * vb;
            }
            for (int c = 0; c < 5; c++)
                h[(c * H + y) * Wv + x] = s[c];
        }
    const double C1 = 0.01 * 0.01, C2 = 0.03 * 0.03;
    double total = 0;
    for (int64_t y = 0; y < Hv; y++)
        for (int64_t x = 0; x < Wv; x++) {
            double s[5] = {0, 0, 0, 0, 0};
            for (int64_t k = 0; k < win; k++)
                for (int c = 0; c < 5; c++)
                    s[c] += g[k] * h[(c * H + y + k) * Wv + x];
            double ma = s[0], mb = s[1];
            double va = s[2] - ma * ma, vb = s[3] - mb * mb, cov = s[4] - ma * mb;
            total += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
        }
    return total / (double)(Hv * Wv);
}

cfy_status cfy_image_compare(const cfy_tensor *a, const cfy_tensor *b, cfy_image_metrics *out, cfy_error *err)
{
    char s1[96], s2[96];
    memset(out, 0, sizeof *out);
    if (!a || !b || a->dtype != CFY_F32 || b->dtype != CFY_F32 || a->device.kind != CFY_DEVICE_CPU ||
        b->device.kind != CFY_DEVICE_CPU || a->ndim < 3 || a->ndim > 4)
        return cfy_error_set(err, CFY_EINVAL, "compare: expected two f32 CPU images [H,W,C] or [B,H,W,C]");
    if (a->ndim != b->ndim || memcmp(a->sizes, b->sizes, (size_t)a->ndim * sizeof(int64_t)) != 0)
        return cfy_error_set(err, CFY_EINVAL, "compare: the images differ in shape: %s vs %s",
                             cfy_tensor_shape_str(a, s1, sizeof s1), cfy_tensor_shape_str(b, s2, sizeof s2));
    cfy_tensor *ca = NULL, *cb = NULL;
    cfy_status st = cfy_tensor_contiguous(a, &ca, err);
    if (!st) st = cfy_tensor_contiguous(b, &cb, err);
    int off = a->ndim == 4 ? 1 : 0;
    int64_t B = off ? a->sizes[0] : 1, H = a->sizes[off], W = a->sizes[off + 1], C = a->sizes[off + 2];
    double *pa = NULL, *pb = NULL, *scratch = NULL;
    if (!st && H * W * C > 0) {
        pa = malloc((size_t)(H * W) * sizeof *pa);
        pb = malloc((size_t)(H * W) * sizeof *pb);
        scratch = malloc((size_t)(5 * H * W) * sizeof *scratch);
        if (!pa || !pb || !scratch) st = cfy_error_set(err, CFY_ENOMEM, "compare: out of memory");
    }
    if (!st) {
        const float *fa = cfy_tensor_f32(ca), *fb = cfy_tensor_f32(cb);
        int64_t n = B * H * W * C;
        double se = 0, mx = 0, ss = 0;
        int64_t nd = 0;
        for (int64_t i = 0; i < n; i++) {
            double d = (double)fa[i] - (double)fb[i];
            if (fa[i] != fb[i]) nd++;
            if (isnan(d)) d = INFINITY;
            se += d * d;
            if (fabs(d) > mx) mx = fabs(d);
        }
        for (int64_t bi = 0; bi < B && n > 0; bi++)
            for (int64_t c = 0; c < C; c++) {
                for (int64_t p = 0; p < H * W; p++) {
                    pa[p] = fa[(bi * H * W + p) * C + c];
                    pb[p] = fb[(bi * H * W + p) * C + c];
                }
                ss += ssim_plane(pa, pb, H, W, scratch);
            }
        out->n_values = n;
        out->n_different = nd;
        out->mse = n ? se / (double)n : 0.0;
        out->psnr_db = out->mse > 0 ? 10.0 * log10(1.0 / out->mse) : INFINITY;
        out->max_abs_diff = mx;
        out->ssim = (B * C > 0) ? ss / (double)(B * C) : 1.0;
    }
    free(pa);
    free(pb);
    free(scratch);
    cfy_tensor_release(ca);
    cfy_tensor_release(cb);
    return st;
}

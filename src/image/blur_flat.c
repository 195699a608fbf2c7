/* blur_flat.c — torchvision's value for flat all-ones windows of the mask blur (see blur_flat.h). */
#include "image/blur_flat.h"

#include <math.h>
#include <stdlib.h>

#include "image/blur.h"

/* torch's float32 sum of a short contiguous vector on x86-64 (ATen's cascade_sum inner reduction):
 * 8-float lanes accumulated in 4 interleaved partial vectors, leftover vectors into the first,
 * partials combined, then the scalar tail and the 8 lanes added in order; fewer than 8 values use
 * the same 4-way interleave on scalars. Matches torch 2.13's `pdf.sum()` for every kernel size
 * 3..201 on the reference machine. */
static float torch_sum(const float *x, int n)
{
    enum { V = 8, ILP = 4 };
    if (n < V) {
        float p[ILP] = {0};
        int s = n / ILP;
        for (int i = 0; i < s; i++)
            for (int k = 0; k < ILP; k++)
                p[k] += x[i * ILP + k];
        for (int i = s * ILP; i < n; i++)
            p[0] += x[i];
        for (int k = 1; k < ILP; k++)
            p[0] += p[k];
        return p[0];
    }
    int nv = n / V, s = nv / ILP;
    float p[ILP][V] = {{0}};
    for (int i = 0; i < s; i++)
        for (int k = 0; k < ILP; k++)
            for (int l = 0; l < V; l++)
                p[k][l] += x[(i * ILP + k) * V + l];
    for (int i = s * ILP; i < nv; i++)
        for (int l = 0; l < V; l++)
            p[0][l] += x[i * V + l];
    for (int k = 1; k < ILP; k++)
        for (int l = 0; l < V; l++)
            p[0][l] += p[k][l];
    float f = 0.0f;
    for (int i = nv * V; i < n; i++)
        f += x[i];
    for (int l = 0; l < V; l++)
        f += p[0][l];
    return f;
}

/* torchvision's 1-D kernel: float32 taps exp(-0.5 (x/10)^2), divided by their sum taken in torch's
 * order (cfy_image_blur_mask sums sequentially, which differs by an ulp for some sizes). */
static void kernel_taps(int k, float *g)
{
    float half = (float)(k - 1) * 0.5f;
    for (int i = 0; i < k; i++) {
        float t = (-half + (float)i) / 10.0f;
        g[i] = (float)exp((double)(-0.5f * (t * t)));
    }
    float sum = torch_sum(g, k);
    for (int i = 0; i < k; i++)
        g[i] = g[i] / sum;
}

static inline int64_t reflect(int64_t i, int64_t n)
{
    if (i < 0) return -i;
    if (i >= n) return 2 * (n - 1) - i;
    return i;
}

cfy_status cfy_image_blur_flat_fixup(const cfy_tensor *mask, int64_t feather, cfy_tensor *blurred, cfy_error *err)
{
    if (!mask || !blurred || mask->dtype != CFY_F32 || blurred->dtype != CFY_F32 || mask->ndim < 2 || mask->ndim > 3 ||
        mask->device.kind != CFY_DEVICE_CPU || blurred->device.kind != CFY_DEVICE_CPU ||
        !cfy_tensor_is_contiguous(blurred) || blurred->ndim != 4)
        return cfy_error_set(err, CFY_EINVAL,
                             "blur_flat_fixup: expected CPU f32 mask [h,w]/[B,h,w] and blur [B,h,w,1]");
    int64_t B = mask->ndim == 3 ? mask->sizes[0] : 1, h = mask->sizes[mask->ndim - 2], w = mask->sizes[mask->ndim - 1];
    if (blurred->sizes[0] != B || blurred->sizes[1] != h || blurred->sizes[2] != w || blurred->sizes[3] != 1)
        return cfy_error_set(err, CFY_EINVAL, "blur_flat_fixup: the blurred mask does not match the mask");
    int k = cfy_image_blur_kernel_size(h, w, feather);
    if (k == 0) return CFY_OK;
    int p = k / 2;
    float g[2 * 100 + 1];
    if (k > (int)(sizeof g / sizeof g[0])) return CFY_OK; /* feather is at most 100 */
    kernel_taps(k, g);
    float flat = 0.0f;
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++)
            flat += g[i] * g[j];
    cfy_tensor *c = NULL;
    cfy_status st = cfy_tensor_contiguous(mask, &c, err);
    if (st) return st;
    int64_t H = h + 2 * p, W = w + 2 * p;
    int64_t *I = malloc(sizeof *I * (size_t)((H + 1) * (W + 1)));
    if (!I) {
        cfy_tensor_release(c);
        return cfy_error_set(err, CFY_ENOMEM, "blur_flat_fixup: out of memory");
    }
    const float *m = cfy_tensor_f32(c);
    float *d = cfy_tensor_f32(blurred);
    for (int64_t b = 0; b < B; b++) {
        const float *mb = m + b * h * w;
        /* integral image of (value == 1) over the reflect-padded plane */
        for (int64_t x = 0; x <= W; x++)
            I[x] = 0;
        for (int64_t y = 0; y < H; y++) {
            int64_t *row = I + (y + 1) * (W + 1), *up = I + y * (W + 1);
            row[0] = 0;
            for (int64_t x = 0; x < W; x++)
                row[x + 1] = (mb[reflect(y - p, h) * w + reflect(x - p, w)] == 1.0f) + up[x + 1] + row[x] - up[x];
        }
        for (int64_t y = 0; y < h; y++)
            for (int64_t x = 0; x < w; x++) {
                int64_t n = I[(y + k) * (W + 1) + x + k] - I[y * (W + 1) + x + k] - I[(y + k) * (W + 1) + x] +
                            I[y * (W + 1) + x];
                if (n == (int64_t)k * k) d[(b * h + y) * w + x] = flat;
            }
    }
    free(I);
    cfy_tensor_release(c);
    return CFY_OK;
}

/* blur.c — tensor_gaussian_blur_mask: shrink rule, torchvision kernel, reflect-padded separable
 * blur (CPU reference + dispatch). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/device_mem.h"
#include "image/blur.h"
#include "image/blur_flat.h"
#include "image/blur_cuda.h"
#include "image/image_check.h"

int cfy_image_blur_kernel_size(int64_t h, int64_t w, int64_t feather)
{
    if (feather <= 0) return 0;
    int64_t k = 2 * feather + 1;
    int64_t sm = h < w ? h : w;
    if (sm <= k) {
        k = sm / 2;
        if (k % 2 == 0) k += 1;
        if (k < 3) return 0;
    }
    return (int)k;
}

/* torchvision's 1-D kernel in float32 (sigma 10). */
static void gaussian_kernel(int k, float *g)
{
    const float sigma = 10.0f;
    float half = (float)(k - 1) * 0.5f, sum = 0.0f;
    for (int i = 0; i < k; i++) {
        float x = -half + (float)i; /* linspace of exact integers */
        float t = x / sigma;
        g[i] = (float)exp((double)(-0.5f * (t * t)));
        sum += g[i];
    }
    for (int i = 0; i < k; i++) g[i] = g[i] / sum;
}

/* Reflect an index into 0..n-1 without repeating the edge (pad < n guaranteed). */
static inline int64_t reflect(int64_t i, int64_t n)
{
    if (i < 0) return -i;
    if (i >= n) return 2 * (n - 1) - i;
    return i;
}

/* One plane [h,w] -> dst [h,w]; tmp: scratch of h*w doubles. */
static void blur_plane(const float *src, float *dst, int64_t h, int64_t w, const float *g, int k, double *tmp)
{
    int p = k / 2;
    for (int64_t y = 0; y < h; y++) {
        for (int64_t x = 0; x < w; x++) {
            double s = 0;
            for (int j = 0; j < k; j++) s += (double)g[j] * src[y * w + reflect(x - p + j, w)];
            tmp[y * w + x] = s;
        }
    }
    for (int64_t y = 0; y < h; y++) {
        for (int64_t x = 0; x < w; x++) {
            double s = 0;
            for (int i = 0; i < k; i++) s += (double)g[i] * tmp[reflect(y - p + i, h) * w + x];
            dst[y * w + x] = (float)s;
        }
    }
}

cfy_status cfy_image_blur_mask(cfy_runtime *rt, const cfy_tensor *mask, int64_t feather, cfy_tensor **out,
                               cfy_error *err)
{
    (void)rt;
    char b[96];
    *out = NULL;
    cfy_status st = cfy_image_check_tensor("blur_mask", "mask", mask, CFY_F32, 2, 4, err);
    if (st != CFY_OK) return st;
    int64_t B = 1, h, w;
    if (mask->ndim == 2) {
        h = mask->sizes[0];
        w = mask->sizes[1];
    } else {
        B = mask->sizes[0];
        h = mask->sizes[1];
        w = mask->sizes[2];
        if (mask->ndim == 4 && mask->sizes[3] != 1)
            return cfy_error_set(err, CFY_EINVAL, "blur_mask: mask %s must have one channel",
                                 cfy_tensor_shape_str(mask, b, sizeof b));
    }
    if (h <= 0 || w <= 0 || B <= 0)
        return cfy_error_set(err, CFY_EINVAL, "blur_mask: mask %s is empty", cfy_tensor_shape_str(mask, b, sizeof b));
    cfy_tensor *c = NULL, *o = NULL;
    if ((st = cfy_tensor_contiguous(mask, &c, err)) != CFY_OK) return st;
    int64_t sizes[4] = {B, h, w, 1};
    if ((st = cfy_tensor_new(CFY_F32, c->device, 4, sizes, false, &o, err)) != CFY_OK) {
        cfy_tensor_release(c);
        return st;
    }
    int k = cfy_image_blur_kernel_size(h, w, feather);
    float *g = k > 0 ? malloc(sizeof(float) * (size_t)k) : NULL;
    if (k > 0 && !g) {
        st = cfy_error_set(err, CFY_ENOMEM, "blur_mask: out of memory for a %d-tap kernel", k);
    } else if (k == 0) {
        st = cfy_device_copy(cfy_tensor_data(o), o->device, cfy_tensor_data(c), c->device,
                             sizeof(float) * (size_t)(B * h * w), err);
    } else {
        gaussian_kernel(k, g);
        if (c->device.kind == CFY_DEVICE_CUDA) {
            st = cfy_image_blur_cuda(cfy_tensor_data(c), cfy_tensor_data(o), B, h, w, g, k, err);
        } else {
            double *tmp = malloc(sizeof(double) * (size_t)(h * w));
            if (!tmp) {
                st = cfy_error_set(err, CFY_ENOMEM, "blur_mask: out of memory for %lldx%lld", (long long)w,
                                   (long long)h);
            } else {
                const float *s = cfy_tensor_data(c);
                float *d = cfy_tensor_data(o);
                for (int64_t bi = 0; bi < B; bi++) blur_plane(s + bi * h * w, d + bi * h * w, h, w, g, k, tmp);
                free(tmp);
                /* windows that are all 1.0 get torchvision's exact float32 value (blur_flat.h) */
                st = cfy_image_blur_flat_fixup(c, feather, o, err);
            }
        }
    }
    free(g);
    cfy_tensor_release(c);
    if (st != CFY_OK) {
        cfy_tensor_release(o);
        return st;
    }
    *out = o;
    return CFY_OK;
}

/* paste.c — tensor_paste: argument checks, mask resize, clipping, the float32 blend (CPU) and
 * dispatch. */
#include "image/image_check.h"
#include "image/interpolate.h"
#include "image/paste.h"
#include "image/paste_cuda.h"

static void paste_cpu(float *img1, const float *img2, const float *mask, const cfy_paste_geom *g)
{
    for (int64_t b = 0; b < g->B; b++) {
        const float *i2 = img2 + b * g->b2_step * g->h2 * g->w2 * g->C;
        const float *mk = mask + b * g->bm_step * g->h2 * g->w2;
        for (int64_t r = 0; r < g->h; r++) {
            float *d = img1 + ((b * g->H + g->y + r) * g->W + g->x) * g->C;
            const float *s = i2 + r * g->w2 * g->C;
            const float *m = mk + r * g->w2;
            for (int64_t c = 0; c < g->w; c++) {
                float mv = m[c], inv = 1.0f - mv;
                for (int64_t ch = 0; ch < g->C; ch++) {
                    float a = inv * d[c * g->C + ch];
                    float bb = mv * s[c * g->C + ch];
                    d[c * g->C + ch] = a + bb;
                }
            }
        }
    }
}

cfy_status cfy_image_paste(cfy_runtime *rt, cfy_tensor *image1, const cfy_tensor *image2, int64_t x, int64_t y,
                           const cfy_tensor *mask, cfy_error *err)
{
    char b1[96], b2[96], b3[96];
    cfy_status st;
    if ((st = cfy_image_check_tensor("paste", "image1", image1, CFY_F32, 4, 4, err)) != CFY_OK) return st;
    if ((st = cfy_image_check_tensor("paste", "image2", image2, CFY_F32, 4, 4, err)) != CFY_OK) return st;
    if ((st = cfy_image_check_tensor("paste", "mask", mask, CFY_F32, 2, 4, err)) != CFY_OK) return st;
    if (!cfy_tensor_is_contiguous(image1))
        return cfy_error_set(err, CFY_EINVAL, "paste: image1 %s must be contiguous (it is written in place)",
                             cfy_tensor_shape_str(image1, b1, sizeof b1));
    if (!cfy_device_eq(image1->device, image2->device) || !cfy_device_eq(image1->device, mask->device))
        return cfy_error_set(err, CFY_EINVAL, "paste: image1, image2 and mask must be on one device");
    cfy_paste_geom g = {0};
    g.B = image1->sizes[0];
    g.H = image1->sizes[1];
    g.W = image1->sizes[2];
    g.C = image1->sizes[3];
    int64_t B2 = image2->sizes[0];
    g.h2 = image2->sizes[1];
    g.w2 = image2->sizes[2];
    int64_t Bm = mask->ndim == 2 ? 1 : mask->sizes[0];
    int mh = mask->ndim == 2 ? 0 : 1;
    int64_t hm = mask->sizes[mh], wm = mask->sizes[mh + 1];
    if (image2->sizes[3] != g.C || (B2 != 1 && B2 != g.B) || (Bm != 1 && Bm != g.B) ||
        (mask->ndim == 4 && mask->sizes[3] != 1))
        return cfy_error_set(err, CFY_EINVAL, "paste: image1 %s, image2 %s and mask %s do not match", 
                             cfy_tensor_shape_str(image1, b1, sizeof b1), cfy_tensor_shape_str(image2, b2, sizeof b2),
                             cfy_tensor_shape_str(mask, b3, sizeof b3));
    if (x < 0 || y < 0)
        return cfy_error_set(err, CFY_EINVAL, "paste: position (%lld, %lld) is outside image %s", (long long)x,
                             (long long)y, cfy_tensor_shape_str(image1, b1, sizeof b1));
    if (hm <= 0 || wm <= 0 || g.h2 <= 0 || g.w2 <= 0)
        return cfy_error_set(err, CFY_EINVAL, "paste: empty image2 %s or mask %s",
                             cfy_tensor_shape_str(image2, b2, sizeof b2), cfy_tensor_shape_str(mask, b3, sizeof b3));
    g.x = x;
    g.y = y;
    g.w = (g.W < x + g.w2 ? g.W : x + g.w2) - x;
    g.h = (g.H < y + g.h2 ? g.H : y + g.h2) - y;
    if (g.w <= 0 || g.h <= 0) return CFY_OK;
    g.b2_step = B2 == 1 ? 0 : 1;
    g.bm_step = Bm == 1 ? 0 : 1;
    /* mask as [Bm, h2, w2] contiguous, resized when its size differs */
    cfy_tensor *m3 = NULL, *mc = NULL, *i2 = NULL;
    int64_t msz[3] = {Bm, hm, wm};
    if ((st = cfy_tensor_contiguous(mask, &mc, err)) != CFY_OK) return st;
    st = cfy_tensor_reshape(mc, 3, msz, &m3, err);
    cfy_tensor_release(mc);
    if (st != CFY_OK) return st;
    if (hm != g.h2 || wm != g.w2) {
        cfy_tensor *r = NULL;
        st = cfy_image_interpolate(rt, m3, g.w2, g.h2, CFY_INTERP_BILINEAR, &r, err);
        cfy_tensor_release(m3);
        if (st != CFY_OK) return st;
        m3 = r;
    }
    if ((st = cfy_tensor_contiguous(image2, &i2, err)) != CFY_OK) {
        cfy_tensor_release(m3);
        return st;
    }
    if (image1->device.kind == CFY_DEVICE_CUDA) {
        st = cfy_image_paste_cuda(cfy_tensor_data(image1), cfy_tensor_data(i2), cfy_tensor_data(m3), &g, err);
    } else {
        paste_cpu(cfy_tensor_data(image1), cfy_tensor_data(i2), cfy_tensor_data(m3), &g);
    }
    cfy_tensor_release(i2);
    cfy_tensor_release(m3);
    return st;
}

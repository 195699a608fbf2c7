/* tile_segs.c — MakeTileSEGS: tile layout, filter masks, irregular tile masks (CPU).
 *
 * Irregular masks: Impact draws disc radii from NumPy's unseeded global generator on 16 threads,
 * so its masks are not reproducible even in Python (spec 3.4). Here the same construction runs on
 * a splitmix64 stream seeded by opts->seed and the tile index: same kind of mask, deterministic,
 * not equal to any particular Impact run. Everything else is exact. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/interpolate.h"
#include "image/mask_to_segs.h"
#include "image/tile_segs.h"

cfy_status cfy_irregular_mode_parse(const char *name, cfy_irregular_mode *out, cfy_error *err)
{
    static const char *const names[] = {"Reuse fast", "Reuse quality", "All random fast", "All random quality"};
    for (int i = 0; name && i < 4; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (cfy_irregular_mode)i;
            return CFY_OK;
        }
    return cfy_error_set(err, CFY_EINVAL, "make_tile_segs: unknown irregular_mask_mode '%s'", name ? name : "(null)");
}

/* ---- irregular masks ---- */

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void disc(float *m, int64_t S, int64_t ci, int64_t cj, int64_t rho)
{
    for (int64_t p = ci - rho; p < ci + rho; p++)
        for (int64_t q = cj - rho; q < cj + rho; q++) {
            if (p < 0 || q < 0 || p >= S || q >= S) continue;
            double d2 = (double)((p - ci) * (p - ci) + (q - cj) * (q - cj));
            if (d2 <= (double)(rho * rho)) m[p * S + q] = 1.0f;
        }
}

/* random_mask_raw(S, r): discs along the four lines at g from each edge, inner square filled. */
static cfy_status random_mask_raw(int64_t S, double r, uint64_t *rng, cfy_tensor **out, cfy_error *err)
{
    int64_t sizes[2] = {S, S};
    cfy_status st = cfy_tensor_new(CFY_F32, cfy_cpu(), 2, sizes, true, out, err);
    if (st != CFY_OK) return st;
    float *m = cfy_tensor_data(*out);
    int64_t g = (int64_t)((double)S * r / 4);
    if (g < 6) g = 6;
    for (int line = 0; line < 4; line++) {
        int64_t fixed = line % 2 == 0 ? g : S - g;
        for (int64_t pos = g; pos < S - g;) {
            int64_t rho = 5 + (int64_t)(splitmix64(rng) % (uint64_t)(g - 5)); /* 5 .. g-1 */
            if (line < 2) disc(m, S, pos, fixed, rho); /* vertical lines x = fixed */
            else disc(m, S, fixed, pos, rho);           /* horizontal lines y = fixed */
            pos += rho;
        }
    }
    for (int64_t y = g; y < S - g; y++)
        for (int64_t x = g; x < S - g; x++) m[y * S + x] = 1.0f;
    return CFY_OK;
}

/* ---- helpers ---- */

/* Python slice bounds of [a:b] on an axis of n. */
static void py_slice(int64_t a, int64_t b, int64_t n, int64_t *lo, int64_t *hi)
{
    if (a < 0) a += n;
    if (b < 0) b += n;
    a = a < 0 ? 0 : a > n ? n : a;
    b = b < 0 ? 0 : b > n ? n : b;
    *lo = a;
    *hi = b > a ? b : a;
}

/* Combined mask of segs, resized to ih x iw, dilated: the filter mask of steps 3 and 4. */
static cfy_status filter_mask(cfy_runtime *rt, const cfy_segs *segs, int64_t ih, int64_t iw, int64_t dil,
                              cfy_tensor **out, cfy_error *err)
{
    cfy_tensor *c = NULL, *r = NULL;
    cfy_status st;
    if (segs->height <= 0 || segs->width <= 0) {
        int64_t sizes[2] = {ih, iw};
        st = cfy_tensor_new(CFY_F32, cfy_cpu(), 2, sizes, true, &r, err);
    } else {
        if ((st = cfy_segs_combined_mask(segs, &c, err)) != CFY_OK) return st;
        st = cfy_image_interpolate(rt, c, iw, ih, CFY_INTERP_BILINEAR, &r, err);
        cfy_tensor_release(c);
    }
    if (st != CFY_OK) return st;
    st = cfy_mask_dilate(r, dil, out, err);
    cfy_tensor_release(r);
    return st;
}

/* The tile mask: zeros of the crop size, the relative box set to 1 or to a resized random mask. */
static cfy_status tile_mask(cfy_runtime *rt, const int64_t bb[4], const int64_t cr[4], const cfy_tensor *irregular,
                            cfy_tensor **out, cfy_error *err)
{
    int64_t w = cr[2] - cr[0], h = cr[3] - cr[1];
    int64_t sizes[2] = {h, w};
    cfy_status st = cfy_tensor_new(CFY_F32, cfy_cpu(), 2, sizes, true, out, err);
    if (st != CFY_OK) return st;
    float *m = cfy_tensor_data(*out);
    int64_t r0, r1, c0, c1;
    py_slice(bb[1] - cr[1], bb[3] - cr[1], h, &r0, &r1);
    py_slice(bb[0] - cr[0], bb[2] - cr[0], w, &c0, &c1);
    if (!irregular) {
        for (int64_t r = r0; r < r1; r++)
            for (int64_t c = c0; c < c1; c++) m[r * w + c] = 1.0f;
        return CFY_OK;
    }
    /* bilinear resize of the random mask into the box (clipped part pasted) */
    int64_t bw = bb[2] - bb[0], bh = bb[3] - bb[1];
    cfy_tensor *rs = NULL;
    if ((st = cfy_image_interpolate(rt, irregular, bw, bh, CFY_INTERP_BILINEAR, &rs, err)) != CFY_OK) return st;
    const float *s = cfy_tensor_data(rs);
    for (int64_t r = r0; r < r1; r++)
        for (int64_t c = c0; c < c1; c++) m[r * w + c] = s[(r - r0) * bw + (c - c0)];
    cfy_tensor_release(rs);
    /* corner filling: box edges that touch the crop's edges are set to 1 over 1/8 of the box */
    int64_t fx = bw / 8, fy = bh / 8;
    bool left = bb[0] == cr[0], top = bb[1] == cr[1], right = bb[2] == cr[2], bottom = bb[3] == cr[3];
    for (int64_t r = r0; r < r1; r++)
        for (int64_t c = c0; c < c1; c++) {
            int64_t rr = r - r0, cc = c - c0;
            if ((left && cc < fx) || (right && cc >= bw - fx) || (top && rr < fy) || (bottom && rr >= bh - fy))
                m[r * w + c] = 1.0f;
        }
    return CFY_OK;
}

cfy_status cfy_make_tile_segs(cfy_runtime *rt, int64_t ih, int64_t iw, const cfy_tile_segs_opts *o, cfy_segs **out,
                              cfy_error *err)
{
    *out = NULL;
    if (ih <= 0 || iw <= 0 || o->bbox_size <= 0 || !(o->crop_factor >= 1.0) || o->min_overlap < 0 ||
        !(o->mask_irregularity >= 0.0 && o->mask_irregularity <= 1.0))
        return cfy_error_set(err, CFY_EINVAL, "make_tile_segs: image %lldx%lld, bbox_size %lld, crop_factor %g, "
                             "min_overlap %lld, mask_irregularity %g out of range", (long long)iw, (long long)ih,
                             (long long)o->bbox_size, o->crop_factor, (long long)o->min_overlap, o->mask_irregularity);
    int64_t B = o->bbox_size;
    double O = (double)o->min_overlap;
    if ((double)B <= 2 * O) O = (double)B / 2;
    cfy_status st = CFY_OK;
    cfy_tensor *excl = NULL, *incl = NULL, *irregular = NULL;
    cfy_segs *segs = NULL, *area = NULL;
    uint64_t rng = o->seed ^ 0x5EED5EEDull;
    int64_t Q = 0;
    double r = o->mask_irregularity;
    if (r > 0) {
        Q = o->irregular_mode == CFY_IRREGULAR_REUSE_FAST ? 128 : 512;
        int64_t c = (int64_t)((double)Q * r / 4);
        if (c < 6) c = 6;
        O += (double)c;
        B += 2 * c;
        if (o->irregular_mode <= CFY_IRREGULAR_REUSE_QUALITY &&
            (st = random_mask_raw(Q, r, &rng, &irregular, err)) != CFY_OK)
            goto done;
    }
    if (o->filter_out && (st = filter_mask(rt, o->filter_out, ih, iw, o->filter_segs_dilation, &excl, err)) != CFY_OK)
        goto done;
    int64_t sx = 0, sy = 0, w = iw, h = ih;
    if (o->filter_in) {
        if ((st = filter_mask(rt, o->filter_in, ih, iw, o->filter_segs_dilation, &incl, err)) != CFY_OK) goto done;
        cfy_mask_to_segs_opts mo = {.combined = true, .crop_factor = 1.0, .drop_size = 0, .label = "A",
                                    .crop_min_size = -1};
        if ((st = cfy_mask_to_segs(incl, &mo, &area, err)) != CFY_OK) goto done;
        if (area->n == 0) { /* nothing to tile: Impact returns that empty result */
            *out = area;
            area = NULL;
            goto done;
        }
        const int64_t *cr = area->items[0].crop_region;
        sx = cr[0];
        sy = cr[1];
        w = cr[2] - sx;
        h = cr[3] - sy;
    }
    if (B > h || B > w) B = B < w ? (B < h ? B : h) : (w < h ? w : h);
    /* min_overlap is halved against the original bbox_size only, so B - O can be zero or negative
     * here. Impact then divides by zero (an error) or gets counts <= 0 (no tiles); the formulas
     * below reproduce both. */
    if ((double)B - O == 0) {
        st = cfy_error_set(err, CFY_EINVAL, "make_tile_segs: min_overlap %g equals the tile size %lld", O,
                           (long long)B);
        goto done;
    }
    int64_t nH = (int64_t)ceil((double)w / ((double)B - O)), nV = (int64_t)ceil((double)h / ((double)B - O));
    int64_t sW = B * nH - w, sH = B * nV - h;
    if (sW < 0) {
        nH += 1;
        sW = B * nH - w;
    }
    if (sH < 0) {
        nV += 1;
        sH = B * nV - h;
    }
    int64_t oW = nH == 1 ? 0 : (int64_t)((double)sW / (double)(nH - 1));
    int64_t oH = nV == 1 ? 0 : (int64_t)((double)sH / (double)(nV - 1));
    if (oW == B) nH = 1;
    if (oH == B) nV = 1;
    if ((st = cfy_segs_create(ih, iw, &segs, err)) != CFY_OK) goto done;
    int64_t y = sy;
    for (int64_t row = 0; row < nV && st == CFY_OK; row++) {
        int64_t x = sx;
        for (int64_t col = 0; col < nH && st == CFY_OK; col++) {
            int64_t bb[4];
            if (x + B < iw - 1) {
                bb[0] = x;
                bb[2] = x + B;
            } else {
                bb[0] = iw - B;
                bb[2] = iw;
            }
            if (y + B < ih - 1) {
                bb[1] = y;
                bb[3] = y + B;
            } else {
                bb[1] = ih - B;
                bb[3] = ih;
            }
            double bbox[4] = {(double)bb[0], (double)bb[1], (double)bb[2], (double)bb[3]};
            int64_t cr[4];
            cfy_make_crop_region(iw, ih, bbox, o->crop_factor, -1.0, cr);
            cfy_tensor *mask = NULL, *fresh = NULL;
            if (r > 0 && o->irregular_mode >= CFY_IRREGULAR_ALL_RANDOM_FAST) {
                uint64_t tile_rng = rng + 0x1000193ull * (uint64_t)(row * nH + col + 1);
                if ((st = random_mask_raw(Q, r, &tile_rng, &fresh, err)) != CFY_OK) break;
            }
            st = tile_mask(rt, bb, cr, fresh ? fresh : irregular, &mask, err);
            cfy_tensor_release(fresh);
            if (st != CFY_OK) break;
            float *m = cfy_tensor_data(mask);
            int64_t mw = cr[2] - cr[0], mh = cr[3] - cr[1];
            bool any = false;
            for (int64_t rr = 0; rr < mh; rr++)
                for (int64_t cc = 0; cc < mw; cc++) {
                    int64_t p = (cr[1] + rr) * iw + cr[0] + cc;
                    if (excl && ((const float *)cfy_tensor_data(excl))[p] != 0.0f) m[rr * mw + cc] = 0;
                    if (incl && ((const float *)cfy_tensor_data(incl))[p] == 0.0f) m[rr * mw + cc] = 0;
                    if (m[rr * mw + cc] != 0.0f) any = true;
                }
            if (any) {
                st = cfy_segs_add(segs, NULL, mask, 1.0, cr, bbox, "", NULL, err);
            } else {
                cfy_tensor_release(mask);
            }
            x += B - oW;
        }
        y += B - oH;
    }
    if (st == CFY_OK) {
        *out = segs;
        segs = NULL;
    }
done:
    cfy_tensor_release(excl);
    cfy_tensor_release(incl);
    cfy_tensor_release(irregular);
    cfy_segs_destroy(segs);
    cfy_segs_destroy(area);
    return st;
}

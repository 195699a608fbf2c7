/* mask_to_segs.c — mask_to_segs: combined bbox, connected regions in OpenCV's contour order,
 * hole filling, crop regions (CPU). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "image/mask_to_segs.h"

/* Impact's `(mask * 255.0).astype(np.uint8)`: the float32 product truncated toward zero and
 * wrapped modulo 256, as NumPy does on x86-64 (it converts through a 64-bit integer and keeps the
 * low byte; NaN, infinities and |p| >= 2^63 give 0). Inside 0..1 this is plain truncation; outside
 * it, e.g. 1.5 -> 126, 256/255 -> 0 (background), -0.5 -> 129 (foreground). */
static uint8_t numpy_u8(float v)
{
    float p = 255.0f * v;
    if (!(fabsf(p) < 9223372036854775808.0f)) return 0;
    return (uint8_t)((uint64_t)(int64_t)p & 0xFFu);
}

/* Python slice [a:b] of a length-n axis (a, b may be negative or beyond n) -> [lo, hi). */
static void py_slice(int64_t a, int64_t b, int64_t n, int64_t *lo, int64_t *hi)
{
    if (a < 0) a += n;
    if (b < 0) b += n;
    a = a < 0 ? 0 : a > n ? n : a;
    b = b < 0 ? 0 : b > n ? n : b;
    *lo = a;
    *hi = b > a ? b : a;
}

/* Copy M[region] into a new [h,w] tensor, optionally filling a rectangle (Python-slice bounds)
 * with 1 and clipping to 0..1. src_mul: NULL, or a 0/1 byte map multiplied in; filled: use the
 * byte map itself as the source. */
static cfy_status emit_seg(cfy_segs *segs, const float *M, const uint8_t *region, bool region_only, int64_t W,
                           const int64_t cr[4], const double bbox[4], bool fill, const int64_t fill_rc[4], bool clip01,
                           const char *label, cfy_error *err)
{
    int64_t w = cr[2] - cr[0], h = cr[3] - cr[1];
    if (w <= 0 || h <= 0) return CFY_OK;
    int64_t sizes[2] = {h, w};
    cfy_tensor *t = NULL;
    cfy_status st = cfy_tensor_new(CFY_F32, cfy_cpu(), 2, sizes, false, &t, err);
    if (st != CFY_OK) return st;
    float *d = cfy_tensor_data(t);
    for (int64_t r = 0; r < h; r++)
        for (int64_t c = 0; c < w; c++) {
            int64_t p = (cr[1] + r) * W + cr[0] + c;
            float v = region_only ? (float)region[p] : region ? M[p] * (float)region[p] : M[p];
            d[r * w + c] = v;
        }
    if (fill) {
        int64_t r0, r1, c0, c1;
        py_slice(fill_rc[1], fill_rc[3], h, &r0, &r1);
        py_slice(fill_rc[0], fill_rc[2], w, &c0, &c1);
        for (int64_t r = r0; r < r1; r++)
            for (int64_t c = c0; c < c1; c++) d[r * w + c] = 1.0f;
    }
    if (clip01)
        for (int64_t i = 0; i < h * w; i++) d[i] = d[i] < 0 ? 0 : d[i] > 1 ? 1 : d[i];
    return cfy_segs_add(segs, NULL, t, 1.0, cr, bbox, label, NULL, err);
}

static cfy_status combined_one(cfy_segs *segs, const float *M, int64_t H, int64_t W, const cfy_mask_to_segs_opts *o,
                               const char *label, cfy_error *err)
{
    int64_t x0 = W, y0 = H, x1 = -1, y1 = -1;
    for (int64_t y = 0; y < H; y++)
        for (int64_t x = 0; x < W; x++)
            if (M[y * W + x] != 0.0f) {
                if (x < x0) x0 = x;
                if (x > x1) x1 = x;
                if (y < y0) y0 = y;
                if (y > y1) y1 = y;
            }
    if (x1 < 0) return CFY_OK;
    double bbox[4] = {(double)x0, (double)y0, (double)x1, (double)y1}; /* inclusive maxima (quirk) */
    int64_t cr[4];
    cfy_make_crop_region(W, H, bbox, o->crop_factor, -1.0, cr);
    int64_t fill_rc[4] = {x0, y0, x1, y1}; /* absolute coordinates used as crop indices (quirk) */
    return emit_seg(segs, M, NULL, false, W, cr, bbox, o->bbox_fill, fill_rc, false, label, err);
}

/* ---- connected regions ---- */

typedef struct region_info {
    int64_t first;               /* raster index of its first pixel */
    int64_t x0, y0, x1, y1;      /* inclusive bounds */
    bool outer;                  /* touches the outside background */
} region_info;

static cfy_status contours_one(cfy_segs *segs, const float *M, int64_t H, int64_t W, const cfy_mask_to_segs_opts *o,
                               const char *label, cfy_error *err)
{
    int64_t N = H * W;
    cfy_status st = CFY_OK;
    int32_t *lab = malloc(sizeof(int32_t) * (size_t)N);     /* region id + 1 for foreground, 0 background */
    uint8_t *outside = calloc((size_t)N, 1);                 /* background reached from the border */
    int64_t *stack = malloc(sizeof(int64_t) * (size_t)N);
    region_info *info = NULL;
    uint8_t *fillmap = NULL, *seen = NULL;
    int n_regions = 0, cap = 0;
    if (!lab || !outside || !stack) goto oom;
    for (int64_t p = 0; p < N; p++) lab[p] = numpy_u8(M[p]) ? -1 : 0; /* -1: unlabelled fg */
    /* 8-connected foreground regions, numbered in raster order of their first pixel */
    for (int64_t p = 0; p < N; p++) {
        if (lab[p] != -1) continue;
        if (n_regions == cap) {
            cap = cap ? cap * 2 : 64;
            region_info *ni = realloc(info, sizeof *ni * (size_t)cap);
            if (!ni) goto oom;
            info = ni;
        }
        region_info *ri = &info[n_regions++];
        ri->first = p;
        ri->x0 = ri->x1 = p % W;
        ri->y0 = ri->y1 = p / W;
        ri->outer = false;
        int64_t sp = 0;
        stack[sp++] = p;
        lab[p] = n_regions;
        while (sp) {
            int64_t q = stack[--sp], y = q / W, x = q % W;
            if (x < ri->x0) ri->x0 = x;
            if (x > ri->x1) ri->x1 = x;
            if (y < ri->y0) ri->y0 = y;
            if (y > ri->y1) ri->y1 = y;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int64_t yy = y + dy, xx = x + dx;
                    if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
                    int64_t r = yy * W + xx;
                    if (lab[r] == -1) {
                        lab[r] = n_regions;
                        stack[sp++] = r;
                    }
                }
        }
    }
    /* outside background: 4-connected from the (zero) frame around the image */
    {
        int64_t sp = 0;
        for (int64_t p = 0; p < N; p++) {
            int64_t y = p / W, x = p % W;
            if ((y == 0 || x == 0 || y == H - 1 || x == W - 1) && lab[p] == 0 && !outside[p]) {
                outside[p] = 1;
                stack[sp++] = p;
            }
        }
        while (sp) {
            int64_t q = stack[--sp], y = q / W, x = q % W;
            const int64_t nb[4][2] = {{y - 1, x}, {y + 1, x}, {y, x - 1}, {y, x + 1}};
            for (int k = 0; k < 4; k++) {
                int64_t yy = nb[k][0], xx = nb[k][1];
                if (yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
                int64_t r = yy * W + xx;
                if (lab[r] == 0 && !outside[r]) {
                    outside[r] = 1;
                    stack[sp++] = r;
                }
            }
        }
        /* a region is outermost when it touches the frame or the outside background */
        for (int64_t p = 0; p < N; p++) {
            if (lab[p] <= 0) continue;
            int64_t y = p / W, x = p % W;
            bool out = y == 0 || x == 0 || y == H - 1 || x == W - 1 || outside[p - W] || outside[p + W] ||
                       outside[p - 1] || outside[p + 1];
            if (out) info[lab[p] - 1].outer = true;
        }
    }
    fillmap = calloc((size_t)N, 1);
    seen = calloc((size_t)N, 1);
    if (!fillmap || !seen) goto oom;
    int64_t drop = o->drop_size < 1 ? 1 : o->drop_size;
    /* OpenCV returns outermost contours in reverse raster order of their first pixel */
    for (int i = n_regions - 1; i >= 0 && st == CFY_OK; i--) {
        region_info *ri = &info[i];
        if (!ri->outer) continue;
        int64_t bw = ri->x1 - ri->x0 + 1, bh = ri->y1 - ri->y0 + 1;
        double bbox[4] = {(double)ri->x0, (double)ri->y0, (double)(ri->x0 + bw), (double)(ri->y0 + bh)};
        int64_t cr[4];
        cfy_make_crop_region(W, H, bbox, o->crop_factor, o->crop_min_size, cr);
        if (!(bw > drop && bh > drop)) continue;
        /* filled region inside the bbox: everything not reachable from the bbox border through
         * pixels of other labels (4-connected) */
        int64_t sp = 0;
        for (int64_t y = ri->y0; y <= ri->y1; y++)
            for (int64_t x = ri->x0; x <= ri->x1; x++) {
                int64_t p = y * W + x;
                seen[p] = 0;
                bool border = y == ri->y0 || y == ri->y1 || x == ri->x0 || x == ri->x1;
                if (border && lab[p] != i + 1) {
                    seen[p] = 1;
                    stack[sp++] = p;
                }
            }
        while (sp) {
            int64_t q = stack[--sp], y = q / W, x = q % W;
            const int64_t nb[4][2] = {{y - 1, x}, {y + 1, x}, {y, x - 1}, {y, x + 1}};
            for (int k = 0; k < 4; k++) {
                int64_t yy = nb[k][0], xx = nb[k][1];
                if (yy < ri->y0 || yy > ri->y1 || xx < ri->x0 || xx > ri->x1) continue;
                int64_t r = yy * W + xx;
                if (!seen[r] && lab[r] != i + 1) {
                    seen[r] = 1;
                    stack[sp++] = r;
                }
            }
        }
        memset(fillmap, 0, (size_t)N);
        for (int64_t y = ri->y0; y <= ri->y1; y++)
            for (int64_t x = ri->x0; x <= ri->x1; x++) fillmap[y * W + x] = !seen[y * W + x];
        int64_t fill_rc[4] = {ri->x0 - cr[0], ri->y0 - cr[1], ri->x0 + bw - cr[0], ri->y0 + bh - cr[1]};
        st = emit_seg(segs, M, fillmap, o->contour_fill, W, cr, bbox, o->bbox_fill, fill_rc, true, label, err);
    }
    goto done;
oom:
    st = cfy_error_set(err, CFY_ENOMEM, "mask_to_segs: out of memory for a %lldx%lld mask", (long long)W, (long long)H);
done:
    free(lab);
    free(outside);
    free(stack);
    free(info);
    free(fillmap);
    free(seen);
    return st;
}

cfy_status cfy_mask_to_segs(const cfy_tensor *mask, const cfy_mask_to_segs_opts *opts, cfy_segs **out, cfy_error *err)
{
    char b[96];
    *out = NULL;
    if (!mask || mask->dtype != CFY_F32 || mask->ndim < 2 || mask->ndim > 3)
        return cfy_error_set(err, CFY_EINVAL, "mask_to_segs: mask %s must be f32 [H,W] or [B,H,W]",
                             mask ? cfy_tensor_shape_str(mask, b, sizeof b) : "NULL");
    int64_t B = mask->ndim == 3 ? mask->sizes[0] : 1;
    int64_t H = mask->sizes[mask->ndim - 2], W = mask->sizes[mask->ndim - 1];
    cfy_tensor *c = NULL;
    cfy_status st = cfy_tensor_to(mask, cfy_cpu(), &c, err);
    if (st != CFY_OK) return st;
    cfy_segs *segs = NULL;
    if ((st = cfy_segs_create(H, W, &segs, err)) != CFY_OK) {
        cfy_tensor_release(c);
        return st;
    }
    const char *label = opts->label ? opts->label : "A";
    const float *M = cfy_tensor_data(c);
    for (int64_t bi = 0; bi < B && st == CFY_OK && H > 0 && W > 0; bi++) {
        st = opts->combined ? combined_one(segs, M + bi * H * W, H, W, opts, label, err)
                            : contours_one(segs, M + bi * H * W, H, W, opts, label, err);
    }
    cfy_tensor_release(c);
    if (st != CFY_OK) {
        cfy_segs_destroy(segs);
        return st;
    }
    *out = segs;
    return CFY_OK;
}

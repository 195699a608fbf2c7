/* test_segs.c — SEGS value and producers: the spec's worked examples (make_crop_region, the
 * four-blob MaskToSEGS case, MakeTileSEGS layouts, the swapped-factor segs_scale_match case),
 * ownership on failure paths, and bad input. Random comparisons with the Python oracle are in
 * tests/image/test_segs.py. */
#include "harness.h"
#include "image/mask_to_segs.h"
#include "image/segs.h"
#include "image/tile_segs.h"

static void test_make_crop_region(void)
{
    int64_t r[4];
    cfy_make_crop_region(1000, 777, (const double[]){10, 20, 60, 90}, 3.0, -1, r);
    CHECK(r[0] == 0 && r[1] == 0 && r[2] == 150 && r[3] == 210);
    cfy_make_crop_region(1000, 777, (const double[]){900, 700, 990, 770}, 3.0, -1, r);
    CHECK(r[0] == 730 && r[1] == 567 && r[2] == 1000 && r[3] == 777);
    cfy_make_crop_region(100, 100, (const double[]){40, 40, 61, 61}, 1.5, 64, r);
    CHECK(r[0] == 18 && r[1] == 18 && r[2] == 82 && r[3] == 82);
    cfy_make_crop_region(2000, 2000, (const double[]){100, 100, 356, 356}, 1.2, -1, r);
    CHECK(r[2] - r[0] == 307); /* 307.2 truncated at both ends */
}

static cfy_tensor *mask_2d(int64_t h, int64_t w)
{
    cfy_tensor *t = NULL;
    cfy_error err = {0};
    int64_t sizes[2] = {h, w};
    if (cfy_tensor_new(CFY_F32, cfy_cpu(), 2, sizes, true, &t, &err) != CFY_OK) return NULL;
    return t;
}

static void fill(cfy_tensor *m, int64_t x1, int64_t y1, int64_t x2, int64_t y2, float v)
{
    float *d = cfy_tensor_f32(m);
    int64_t w = m->sizes[1];
    for (int64_t y = y1; y < y2; y++)
        for (int64_t x = x1; x < x2; x++) d[y * w + x] = v;
}

static void test_mask_to_segs_example(void)
{
    cfy_error err = {0};
    cfy_tensor *m = mask_2d(40, 60);
    fill(m, 45, 30, 58, 38, 1);
    fill(m, 10, 20, 30, 35, 1);
    fill(m, 40, 2, 44, 5, 1);
    fill(m, 3, 2, 10, 8, 1);
    cfy_mask_to_segs_opts o = {.crop_factor = 1.5, .drop_size = 3, .crop_min_size = -1};
    cfy_segs *s = NULL;
    CHECK_ST(cfy_mask_to_segs(m, &o, &s, &err), &err);
    CHECK(s && s->n == 3 && s->height == 40 && s->width == 60);
    if (s && s->n == 3) {
        static const int64_t want[3][4] = {{40, 28, 60, 40}, {5, 16, 35, 38}, {1, 0, 11, 9}};
        for (int i = 0; i < 3; i++) {
            CHECK(memcmp(s->items[i].crop_region, want[i], sizeof want[i]) == 0);
            CHECK(strcmp(s->items[i].label, "A") == 0 && s->items[i].cropped_image == NULL);
            CHECK(s->items[i].cropped_mask->sizes[0] == want[i][3] - want[i][1]);
        }
        CHECK(s->items[0].bbox[0] == 45 && s->items[0].bbox[3] == 38);
    }
    cfy_segs_destroy(s);
    /* combined: one segment, inclusive maxima */
    o.combined = true;
    CHECK_ST(cfy_mask_to_segs(m, &o, &s, &err), &err);
    CHECK(s && s->n == 1 && s->items[0].bbox[0] == 3 && s->items[0].bbox[2] == 57 && s->items[0].bbox[3] == 37);
    cfy_segs_destroy(s);
    cfy_tensor_release(m);
    int64_t bad[3] = {1, 2, 3};
    cfy_tensor *t = NULL;
    CHECK_ST(cfy_tensor_new(CFY_U8, cfy_cpu(), 3, bad, true, &t, &err), &err);
    CHECK(cfy_mask_to_segs(t, &o, &s, &err) == CFY_EINVAL && s == NULL);
    cfy_tensor_release(t);
}

static void test_tile_layouts(void)
{
    cfy_error err = {0};
    cfy_tile_segs_opts o = {.bbox_size = 512, .crop_factor = 3.0, .min_overlap = 5, .filter_segs_dilation = 20};
    cfy_segs *s = NULL;
    CHECK_ST(cfy_make_tile_segs(NULL, 777, 1000, &o, &s, &err), &err);
    CHECK(s && s->n == 4);
    if (s && s->n == 4) {
        CHECK(s->items[1].bbox[0] == 488 && s->items[2].bbox[1] == 265 && s->items[3].crop_region[2] == 1000);
        CHECK(strcmp(s->items[0].label, "") == 0);
    }
    cfy_segs_destroy(s);
    o.bbox_size = 256;
    o.crop_factor = 1.2;
    CHECK_ST(cfy_make_tile_segs(NULL, 480, 640, &o, &s, &err), &err);
    CHECK(s && s->n == 6 && s->items[1].crop_region[0] == 166 && s->items[1].crop_region[2] == 473);
    cfy_segs_destroy(s);
    o.crop_factor = 0.5;
    CHECK(cfy_make_tile_segs(NULL, 480, 640, &o, &s, &err) == CFY_EINVAL && s == NULL);
    o.crop_factor = 1.0;
    CHECK(cfy_make_tile_segs(NULL, 0, 640, &o, &s, &err) == CFY_EINVAL);
    cfy_irregular_mode mode;
    CHECK(cfy_irregular_mode_parse("All random quality", &mode, &err) == CFY_OK && mode == CFY_IRREGULAR_ALL_RANDOM_QUALITY);
    CHECK(cfy_irregular_mode_parse("fast", &mode, &err) == CFY_EINVAL);
}

static void test_scale_match_quirk(void)
{
    cfy_error err = {0};
    cfy_segs *s = NULL, *r = NULL;
    CHECK_ST(cfy_segs_create(777, 1000, &s, &err), &err);
    cfy_tensor *m = mask_2d(177, 300);
    fill(m, 0, 0, 300, 177, 1);
    CHECK_ST(cfy_segs_add(s, NULL, m, 1.0, (const int64_t[]){100, 600, 400, 777}, (const double[]){100, 600, 400, 777},
                          "x", NULL, &err), &err);
    CHECK_ST(cfy_segs_scale_match(NULL, s, 1165, 1500, &r, &err), &err);
    CHECK(r && r->height == 1165 && r->width == 1500);
    if (r) {
        const int64_t *c = r->items[0].crop_region;
        CHECK(c[0] == 150 && c[1] == 900 && c[2] == 599 && c[3] == 1165);
        CHECK(r->items[0].cropped_mask->sizes[0] == 265 && r->items[0].cropped_mask->sizes[1] == 449);
        CHECK(strcmp(r->items[0].label, "x") == 0);
    }
    cfy_segs_destroy(r);
    CHECK(cfy_segs_scale_match(NULL, s, 0, 10, &r, &err) == CFY_EINVAL && r == NULL);
    cfy_value *v = cfy_value_new_segs(s); /* takes s */
    CHECK(v && strcmp(cfy_value_type(v), CFY_T_SEGS) == 0 && cfy_value_segs(v)->n == 1);
    cfy_value_release(v);
}

static void test_bad_segs(void)
{
    cfy_error err = {0};
    cfy_segs *s = NULL;
    CHECK(cfy_segs_create(-1, 3, &s, &err) == CFY_EINVAL);
    CHECK_ST(cfy_segs_create(10, 10, &s, &err), &err);
    /* a mask that does not fit its crop region: the combined mask refuses it */
    CHECK_ST(cfy_segs_add(s, NULL, mask_2d(3, 3), 1.0, (const int64_t[]){0, 0, 5, 5}, (const double[]){0, 0, 5, 5},
                          NULL, NULL, &err), &err);
    cfy_tensor *out = NULL;
    CHECK(cfy_segs_combined_mask(s, &out, &err) == CFY_EINVAL && out == NULL);
    CHECK(strstr(err.message, "does not fit") != NULL);
    cfy_tensor **list = NULL;
    int n = 0;
    CHECK(cfy_segs_mask_list(s, &list, &n, &err) == CFY_EINVAL && list == NULL);
    /* NULL mask: refused, and the image it was given is released (ASan checks the leak) */
    cfy_tensor *img = mask_2d(2, 2);
    CHECK(cfy_segs_add(s, img, NULL, 1.0, (const int64_t[]){0, 0, 2, 2}, (const double[]){0, 0, 2, 2}, NULL, NULL,
                       &err) == CFY_EINVAL);
    cfy_segs_destroy(s);
    cfy_segs_destroy(NULL);
}

int main(void)
{
    RUN(test_make_crop_region);
    RUN(test_mask_to_segs_example);
    RUN(test_tile_layouts);
    RUN(test_scale_match_quirk);
    RUN(test_bad_segs);
    return cfy_test_finish();
}

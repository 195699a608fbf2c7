/* test_webp_write.c — cfy_webp_write: lossy WebP close to the source, quality steers the size,
 * L/LA widened to RGB/RGBA (alpha kept), bad sizes and channel counts refused, and a failed write
 * leaves no file behind. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fsutil.h"
#include "core/webp_write.h"
#include "harness.h"
#include <webp/decode.h>

enum { W = 48, H = 32 };

/* smooth test content: channel c of pixel (x, y) */
static unsigned char px_val(int x, int y, int c)
{
    return (unsigned char)(c == 0 ? x * 255 / (W - 1) : c == 1 ? y * 255 / (H - 1) : (x + y) * 255 / (W + H - 2));
}

static size_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

static void test_rgb_and_quality(void)
{
    char tmp[512], path[700];
    cfy_test_tmpdir(tmp, sizeof tmp);
    unsigned char *rgb = malloc(W * H * 3);
    if (!rgb) return;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int c = 0; c < 3; c++)
                rgb[(y * W + x) * 3 + c] = px_val(x, y, c);
    size_t sizes[2] = {0};
    const float qs[2] = {20.0f, 100.0f};
    for (int k = 0; k < 2; k++) {
        cfy_error err = {0};
        snprintf(path, sizeof path, "%s/q%d.webp", tmp, (int)qs[k]);
        CHECK_ST(cfy_webp_write(path, rgb, W, H, 3, qs[k], &err), &err);
        sizes[k] = file_size(path);
        void *data = NULL;
        size_t n = 0;
        CHECK_ST(cfy_read_file(path, 1 << 20, &data, &n, &err), &err);
        int w = 0, h = 0;
        unsigned char *dec = data ? WebPDecodeRGB(data, n, &w, &h) : NULL;
        CHECK(dec && w == W && h == H);
        if (dec) {
            double sum = 0;
            for (int i = 0; i < W * H * 3; i++)
                sum += abs((int)dec[i] - (int)rgb[i]);
            CHECK(sum / (W * H * 3) < (k == 0 ? 6.0 : 2.0));
        }
        WebPFree(dec);
        free(data);
    }
    CHECK(sizes[0] > 0 && sizes[0] < sizes[1]);
    free(rgb);
}

static void test_gray_widened(void)
{
    char tmp[512], path[700];
    cfy_test_tmpdir(tmp, sizeof tmp);
    unsigned char la[W * H * 2];
    for (int i = 0; i < W * H; i++) {
        la[i * 2] = px_val(i % W, i / W, 0);
        la[i * 2 + 1] = (i % W) < W / 2 ? 255 : 0;
    }
    cfy_error err = {0};
    for (int ch = 1; ch <= 2; ch++) {
        unsigned char l[W * H];
        for (int i = 0; i < W * H; i++)
            l[i] = la[i * 2];
        snprintf(path, sizeof path, "%s/g%d.webp", tmp, ch);
        CHECK_ST(cfy_webp_write(path, ch == 1 ? l : la, W, H, ch, 95.0f, &err), &err);
        void *data = NULL;
        size_t n = 0;
        CHECK_ST(cfy_read_file(path, 1 << 20, &data, &n, &err), &err);
        WebPBitstreamFeatures f;
        CHECK(data && WebPGetFeatures(data, n, &f) == VP8_STATUS_OK && f.width == W && f.height == H);
        if (data) CHECK(f.has_alpha == (ch == 2));
        int w = 0, h = 0;
        unsigned char *dec = data ? WebPDecodeRGBA(data, n, &w, &h) : NULL;
        CHECK(dec && w == W && h == H);
        if (dec) {
            int ok = 1;
            for (int i = 0; i < W * H; i++) {
                /* (libwebp may change colours under alpha 0, as Pillow's default exact=False) */
                bool seen = ch == 1 || la[i * 2 + 1] != 0;
                if (seen && (abs((int)dec[i * 4] - (int)dec[i * 4 + 1]) > 3 || abs((int)dec[i * 4] - la[i * 2]) > 8))
                    ok = 0;
                if (dec[i * 4 + 3] != (ch == 2 ? la[i * 2 + 1] : 255)) ok = 0; /* alpha is kept exactly */
            }
            CHECK(ok);
        }
        WebPFree(dec);
        free(data);
    }
}

static void test_refusals(void)
{
    char tmp[512], path[700];
    cfy_test_tmpdir(tmp, sizeof tmp);
    unsigned char px[4 * 4 * 4] = {0};
    cfy_error err = {0};
    snprintf(path, sizeof path, "%s/bad.webp", tmp);
    CHECK(cfy_webp_write(path, px, 0, 4, 3, 90.0f, &err) == CFY_EINVAL);
    CHECK(cfy_webp_write(path, px, 16384, 1, 3, 90.0f, &err) == CFY_EINVAL);
    CHECK(cfy_webp_write(path, px, 4, 4, 5, 90.0f, &err) == CFY_EINVAL);
    CHECK(file_size(path) == 0);
    /* a folder that does not exist: CFY_EIO, nothing written */
    snprintf(path, sizeof path, "%s/no/such/dir/x.webp", tmp);
    CHECK(cfy_webp_write(path, px, 4, 4, 4, 90.0f, &err) == CFY_EIO);
    CHECK(strstr(err.message, "no/such/dir") != NULL);
}

int main(void)
{
    RUN(test_rgb_and_quality);
    RUN(test_gray_widened);
    RUN(test_refusals);
    return cfy_test_finish();
}

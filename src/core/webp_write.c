/* webp_write.c — lossy WebP encoding through libwebp's simple API, written with the atomic helper. */
#include "core/webp_write.h"

#include <stdint.h>
#include <stdlib.h>

#include <webp/encode.h>

#include "core/fsutil.h"

cfy_status cfy_webp_write(const char *path, const unsigned char *pixels, int width, int height, int channels,
                          float quality, cfy_error *err)
{
    if (width < 1 || height < 1 || width > WEBP_MAX_DIMENSION || height > WEBP_MAX_DIMENSION)
        return cfy_error_set(err, CFY_EINVAL, "cannot write a %dx%d WebP (each side must be 1..%d)", width, height,
                             WEBP_MAX_DIMENSION);
    if (channels < 1 || channels > 4)
        return cfy_error_set(err, CFY_EINVAL, "cannot write a WebP with %d channels", channels);
    if (!(quality >= 0.0f)) quality = 0.0f; /* also NaN */
    if (quality > 100.0f) quality = 100.0f;

    /* L -> RGB, LA -> RGBA (Pillow's convert before encoding). */
    unsigned char *wide = NULL;
    const unsigned char *src = pixels;
    int out_ch = channels;
    if (channels <= 2) {
        out_ch = channels + 2;
        wide = malloc((size_t)width * (size_t)height * (size_t)out_ch);
        if (!wide) return cfy_error_set(err, CFY_ENOMEM, "out of memory encoding WebP");
        size_t n = (size_t)width * (size_t)height;
        for (size_t i = 0; i < n; i++) {
            unsigned char l = pixels[i * (size_t)channels];
            unsigned char *o = wide + i * (size_t)out_ch;
            o[0] = o[1] = o[2] = l;
            if (channels == 2) o[3] = pixels[i * 2 + 1];
        }
        src = wide;
    }
    uint8_t *enc = NULL;
    int stride = width * out_ch;
    size_t size = out_ch == 4 ? WebPEncodeRGBA(src, width, height, stride, quality, &enc)
                              : WebPEncodeRGB(src, width, height, stride, quality, &enc);
    free(wide);
    if (size == 0 || !enc) {
        WebPFree(enc);
        return cfy_error_set(err, CFY_ENOMEM, "WebP encoding of a %dx%d image failed", width, height);
    }
    cfy_status st = cfy_write_file_atomic(path, enc, size, err);
    WebPFree(enc);
    return st;
}

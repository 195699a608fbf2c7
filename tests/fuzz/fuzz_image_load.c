/* fuzz_image_load.c — libFuzzer target: bytes -> LoadImage's decoding path (cfy_image_decode and the
 * IMAGE/MASK conversion) and the PNG text-chunk reader used by workflow-from-PNG loading.
 *
 * Build: cmake -DCFY_FUZZ=ON -DCMAKE_C_COMPILER=clang; run: ./fuzz_image_load -max_total_time=60 CORPUS
 * A small pixel limit keeps each input cheap; any crash, leak or sanitizer report is a bug.
 * Seeds: tests/data/images (tiny PNG/JPEG/GIF/BMP/TGA files). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Compile stb_image's decoder (Debian's header) into this target so it is instrumented too: the
 * executable's definitions take precedence over the uninstrumented libstb.so the library links. */
#define STB_IMAGE_IMPLEMENTATION
#if defined(__clang__)
/* stb computes `NULL + 0` and memcpy(NULL, p, 0) for an empty first IDAT chunk: pedantic UB,
 * harmless (no memory is touched), so those two checks are off inside stb only. */
#pragma clang attribute push(__attribute__((no_sanitize("pointer-overflow", "nonnull-attribute"))), apply_to = function)
#endif
#include <stb_image.h>
#if defined(__clang__)
#pragma clang attribute pop
#endif

#include "core/image_decode.h"
#include "core/png_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cfy_error err = {0};
    cfy_tensor *image = NULL, *mask = NULL;
    if (cfy_image_decode_comfy(data, size, 2048, &image, &mask, &err) == CFY_OK) {
        /* the outputs must be well formed: [1,H,W,3] and [1,H,W] or [1,64,64] */
        if (!image || !mask || image->ndim != 4 || image->sizes[3] != 3 || mask->ndim != 3) abort();
        if (image->sizes[1] > 2048 || image->sizes[2] > 2048) abort();
    } else if (image || mask) {
        abort();
    }
    cfy_tensor_release(image);
    cfy_tensor_release(mask);

    cfy_decoded_image img;
    if (cfy_image_decode(data, size, 2048, &img, &err) == CFY_OK) {
        cfy_tensor *m = NULL;
        if (cfy_image_channel_mask(&img, 'A', &m, &err) == CFY_OK) cfy_tensor_release(m);
        cfy_decoded_image_free(&img);
    }

    char *text = NULL;
    if (cfy_png_read_text(data, size, "prompt", &text, &err) == CFY_OK) free(text);
    return 0;
}

/* image_decode.h — decoding image files (PNG, JPEG, BMP, TGA, GIF) as ComfyUI's Pillow path sees them.
 *
 * The decoder is stb_image (Debian's libstb); around it sit the parts of Pillow's behaviour that
 * LoadImage and LoadImageMask depend on (spec/workflow-and-executor.md §6.1):
 *   - EXIF orientation (JPEG APP1 "Exif", PNG eXIf) is applied as ImageOps.exif_transpose does;
 *   - 16-bit grayscale PNG follows the mode-"I" path: trunc(v * (1/255)), clamped to 0..255;
 *     16-bit PNG with colour or alpha keeps the high byte of each sample (v >> 8);
 *   - whether the image has an alpha band as Pillow reports it: RGBA/LA, or a palette image
 *     (PNG palette, GIF) with a transparency entry. 32-bit BI_RGB BMPs have none (Pillow reads
 *     them as RGB); grey/RGB PNGs with a tRNS colour have none for LoadImage but their
 *     tRNS alpha shows in `rgba` (LoadImageMask converts to RGBA);
 *   - GIF: every frame, composited as stb_image does (Pillow's RGB_AFTER_FIRST loading gives the
 *     same for the usual disposal methods); frames have an alpha band when the first frame has a
 *     transparency index, and fully transparent pixels carry that palette colour, as Pillow's
 *     P -> RGB(A) conversion gives.
 * No runtime is needed (the fuzz target calls it directly). */
#ifndef CFY_CORE_IMAGE_DECODE_H
#define CFY_CORE_IMAGE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "comfyc/error.h"
#include "comfyc/tensor.h"

typedef struct cfy_decoded_image {
    int width, height;    /* after EXIF orientation */
    int frames;           /* >= 1; more only for animated GIFs */
    unsigned char *rgba;  /* owned (malloc): 8-bit RGBA [frames,H,W,4], rows top to bottom */
    bool has_alpha;       /* Pillow would report an 'A' band (or a palette with transparency) */
    const char *format;   /* static: "png", "jpeg", "bmp", "gif", "tga", "image" */
    int exif_orientation; /* 1..8 as found (1 when absent) */
} cfy_decoded_image;

/* Decode an image file held in memory.
 * data, size  borrowed: the file bytes.
 * max_side_px refuse images wider or taller than this (checked from the header, before decoding),
 *             and animations with more pixels in all than one max_side_px square image;
 *             <= 0 means no limit beyond stb_image's own.
 * out         filled on success (release with cfy_decoded_image_free); zeroed on failure.
 * Returns CFY_OK, CFY_EIO (corrupt, truncated or unsupported data; message says why),
 * CFY_EINVAL (over the pixel limit), CFY_ENOMEM. */
cfy_status cfy_image_decode(const void *data, size_t size, int64_t max_side_px, cfy_decoded_image *out,
                            cfy_error *err);
/* Free the pixels of img (NULL-safe, idempotent). */
void cfy_decoded_image_free(cfy_decoded_image *img);

/* LoadImage's outputs for a decoded image (all frames, batch N = img->frames):
 * image  returns new: IMAGE f32 [N,H,W,3] CPU, RGB/255 (alpha dropped, not composited).
 * mask   returns new: MASK f32 [N,H,W] = 1 - alpha/255 when img->has_alpha, else [N,64,64] zeros.
 * Both NULL on failure. Returns CFY_OK or CFY_ENOMEM. */
cfy_status cfy_image_to_comfy(const cfy_decoded_image *img, cfy_tensor **image, cfy_tensor **mask, cfy_error *err);

/* LoadImageMask's output (first frame): channel 'R', 'G', 'B' or 'A' of the RGBA conversion, /255; 'A' is
 * inverted (1 - a). mask returns new: MASK f32 [1,H,W] CPU. Returns CFY_OK, CFY_EINVAL (bad
 * channel letter), CFY_ENOMEM. */
cfy_status cfy_image_channel_mask(const cfy_decoded_image *img, char channel, cfy_tensor **mask, cfy_error *err);

/* Decode and convert in one call (what LoadImage and the fuzz target use). */
cfy_status cfy_image_decode_comfy(const void *data, size_t size, int64_t max_side_px, cfy_tensor **image,
                                  cfy_tensor **mask, cfy_error *err);

#endif

/* webp_write.h — writing 8-bit images as WebP files (libwebp), as Pillow's Image.save(..., quality=q). */
#ifndef CFY_CORE_WEBP_WRITE_H
#define CFY_CORE_WEBP_WRITE_H

#include "comfyc/error.h"

/* Encode an 8-bit image (rows top to bottom, `channels` 1..4 interleaved: L, LA, RGB, RGBA) as a
 * lossy WebP with `quality` 0..100 (libwebp's default preset and method 4, what Pillow uses for
 * save(path, quality=q)), and write it atomically to path (temp file + rename: never a half file).
 * L and LA are widened to RGB and RGBA, as Pillow converts them before encoding. Width and height
 * must be 1..16383 (the WebP limit). Returns CFY_OK, CFY_EINVAL, CFY_ENOMEM or CFY_EIO. */
cfy_status cfy_webp_write(const char *path, const unsigned char *pixels, int width, int height, int channels,
                          float quality, cfy_error *err);

#endif

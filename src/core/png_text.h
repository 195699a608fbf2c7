/* png_text.h — PNG tEXt/iTXt/zTXt chunks: reading workflow text, writing PNGs that carry it.
 *
 * ComfyUI stores the API prompt under the key "prompt" and the UI workflow under "workflow".
 * Encoding follows spec/workflow-and-executor.md §6.2. */
#ifndef CFY_CORE_PNG_TEXT_H
#define CFY_CORE_PNG_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "comfyc/error.h"

/* True when data starts with the PNG signature. */
bool cfy_png_is_png(const void *data, size_t size);

/* Find the text chunk with `key` (tEXt, zTXt or iTXt). *out: returns new malloc'd NUL-terminated
 * text (free()), or NULL with CFY_ENOTFOUND when absent. Truncated/corrupt chunks: CFY_EIO. */
cfy_status cfy_png_read_text(const void *data, size_t size, const char *key, char **out, cfy_error *err);

typedef struct cfy_png_text {
    const char *key;   /* Latin-1 keyword, 1..79 bytes */
    const char *value; /* text */
} cfy_png_text;

/* Encode an 8-bit image (rows top to bottom, `channels` 1..4 interleaved) as PNG with the given
 * text chunks, and write it atomically to path (temp file + rename: never a half file).
 * compress_level 0..9 as in Pillow. */
cfy_status cfy_png_write(const char *path, const unsigned char *pixels, int width, int height, int channels,
                         const cfy_png_text *texts, int n_texts, int compress_level, cfy_error *err);

#endif

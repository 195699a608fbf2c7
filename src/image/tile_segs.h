/* tile_segs.h — Impact's MakeTileSEGS: cover an image (or the area of filter_in SEGS) with
 * overlapping square tiles, one SEG per tile (spec segs-upscaler.md 3.3). */
#ifndef CFY_IMAGE_TILE_SEGS_H
#define CFY_IMAGE_TILE_SEGS_H

#include "image/segs.h"

typedef enum cfy_irregular_mode {
    CFY_IRREGULAR_REUSE_FAST = 0,    /* "Reuse fast": one 128x128 random mask for all tiles */
    CFY_IRREGULAR_REUSE_QUALITY,     /* "Reuse quality": one 512x512 random mask */
    CFY_IRREGULAR_ALL_RANDOM_FAST,   /* "All random fast": a fresh 512x512 mask per tile */
    CFY_IRREGULAR_ALL_RANDOM_QUALITY /* "All random quality": the same as "fast" in Impact */
} cfy_irregular_mode;

typedef struct cfy_tile_segs_opts {
    int64_t bbox_size;            /* B, 64..4096 in the node */
    double crop_factor;           /* 1.0..10 */
    int64_t min_overlap;          /* 0..512 */
    int64_t filter_segs_dilation; /* -255..255: dilation (>0) / erosion (<0) of the filter masks */
    double mask_irregularity;     /* 0..1; 0 = rectangular tile masks */
    cfy_irregular_mode irregular_mode;
    const cfy_segs *filter_in;    /* borrowed or NULL: tile only the combined area of these */
    const cfy_segs *filter_out;   /* borrowed or NULL: zero the tile masks where these are */
    uint64_t seed;                /* seeds the irregular masks (Impact's are unseeded; see .c) */
} cfy_tile_segs_opts;

/* Parse "Reuse fast", "Reuse quality", "All random fast", "All random quality". */
CFY_API CFY_NODISCARD cfy_status cfy_irregular_mode_parse(const char *name, cfy_irregular_mode *out, cfy_error *err);

/* Make the tile SEGS of an image of ih x iw (only its size is used).
 * out returns new (cfy_segs_destroy); shape (ih, iw); tiles row-major, top row first; tiles whose
 * mask ends up all zero are left out. Returns CFY_OK, CFY_EINVAL (sizes <= 0, bbox_size <= 0,
 * crop_factor < 1), CFY_ENOMEM. */
CFY_API CFY_NODISCARD cfy_status cfy_make_tile_segs(cfy_runtime *rt, int64_t ih, int64_t iw,
                                                    const cfy_tile_segs_opts *opts, cfy_segs **out, cfy_error *err);

#endif

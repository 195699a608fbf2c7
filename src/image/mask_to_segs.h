/* mask_to_segs.h — Impact's mask_to_segs: SEGS from a mask, either one combined segment or one
 * segment per outermost connected region (spec segs-upscaler.md 3.2). */
#ifndef CFY_IMAGE_MASK_TO_SEGS_H
#define CFY_IMAGE_MASK_TO_SEGS_H

#include <stdbool.h>

#include "image/segs.h"

typedef struct cfy_mask_to_segs_opts {
    bool combined;        /* one segment around every non-zero element */
    double crop_factor;   /* crop region = bbox grown by this factor (make_crop_region) */
    bool bbox_fill;       /* set the bbox rectangle of the cropped mask to 1 (see the quirk below) */
    int64_t drop_size;    /* keep a region only when its width and height are > drop_size (min 1) */
    const char *label;    /* "A" for the MaskToSEGS node; NULL means "A" */
    double crop_min_size; /* <= 0: None */
    bool contour_fill;    /* mask source = the filled region (holes closed) instead of mask * region */
} cfy_mask_to_segs_opts;

/* Build SEGS from mask (CPU or device; read on the host).
 * mask borrowed: f32 [H,W] or [B,H,W]; every batch entry is processed, all segments go into one
 *   list; SEGS shape (H, W).
 * combined: bbox = (min x, min y, max x, max y) of elements != 0 with INCLUSIVE maxima (Impact's
 *   quirk), crop = make_crop_region(W, H, bbox, crop_factor); bbox_fill fills
 *   cropped[by1:by2, bx1:bx2] using the bbox's absolute coordinates as indices into the cropped
 *   array (Impact's quirk, clipped like a Python slice). No clipping of values; drop_size ignored.
 * contours: foreground = NumPy's uint8(f32(255*m)) != 0 (truncation, wrapping mod 256 outside
 *   0..1 as on x86-64); 8-connected regions whose outer border is not inside
 *   another region's hole, in OpenCV findContours order (reverse raster order of each region's
 *   first pixel); region filled = region + its holes; bbox exclusive; kept when w > drop_size and
 *   h > drop_size; source = filled region (contour_fill) or mask * filled region; bbox_fill
 *   relative to the crop; values clipped to 0..1; label, confidence 1.0.
 * out returns new (cfy_segs_destroy). Returns CFY_OK, CFY_EINVAL (dtype/rank/empty), CFY_ENOMEM. */
CFY_API CFY_NODISCARD cfy_status cfy_mask_to_segs(const cfy_tensor *mask, const cfy_mask_to_segs_opts *opts,
                                                  cfy_segs **out, cfy_error *err);

#endif

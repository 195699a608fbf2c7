/* segs.h — the SEGS value (Impact Pack): an image shape plus an ordered list of SEG records,
 * and the helpers every SEGS producer and consumer shares: make_crop_region, segs_scale_match,
 * the combined mask, the per-segment mask list, mask dilation (spec segs-upscaler.md 1, 2.4, 3.1,
 * 3.4).
 *
 * Lifecycle: cfy_segs_create -> cfy_segs_add ... -> cfy_value_new_segs (the value takes the
 * list; it is immutable from then on) -> cfy_value_release. Order matters: SEGSUpscaler gives
 * segment i the seed seed + i, and later segments see the pastes of earlier ones. */
#ifndef CFY_IMAGE_SEGS_H
#define CFY_IMAGE_SEGS_H

#include <stdbool.h>

#include "comfyc/runtime.h"
#include "comfyc/tensor.h"
#include "comfyc/value.h"

typedef struct cfy_seg {
    cfy_tensor *cropped_image;      /* owned or NULL: f32 [B,h,w,C] pixels of crop_region */
    cfy_tensor *cropped_mask;       /* owned: f32 [h,w] (usual) or [B,h,w], 0..1, aligned with crop_region */
    double confidence;              /* 1.0 for mask-derived segments */
    int64_t crop_region[4];         /* [x1, y1, x2, y2], half-open, inside the image */
    double bbox[4];                 /* (x1, y1, x2, y2) in image pixels (see spec 1 for end conventions) */
    char *label;                    /* owned (malloc), never NULL: "A" MaskToSEGS, "" MakeTileSEGS */
    cfy_value *control_net_wrapper; /* owned reference or NULL (no producer here sets it) */
} cfy_seg;

typedef struct cfy_segs {
    int64_t height, width; /* shape (H, W) of the image the segments refer to; (0, 0) when empty */
    int n, cap;
    cfy_seg *items;        /* [n], owned */
} cfy_segs;

/* An empty list for an image of height x width (>= 0). out returns new (cfy_segs_destroy).
 * Returns CFY_OK, CFY_EINVAL (negative size), CFY_ENOMEM. */
CFY_API CFY_NODISCARD cfy_status cfy_segs_create(int64_t height, int64_t width, cfy_segs **out, cfy_error *err);
/* Free the list and everything it owns. NULL is a no-op. */
CFY_API void cfy_segs_destroy(cfy_segs *segs);

/* Append one SEG. cropped_image takes (may be NULL); cropped_mask takes (f32 [h,w] or [B,h,w]);
 * both are released on failure too. crop_region, bbox borrowed (copied). label borrowed (copied;
 * NULL means ""). control_net_wrapper takes (may be NULL).
 * Returns CFY_OK, CFY_EINVAL (no mask / not f32 2-D or 3-D), CFY_ENOMEM. */
CFY_API CFY_NODISCARD cfy_status cfy_segs_add(cfy_segs *segs, cfy_tensor *cropped_image, cfy_tensor *cropped_mask,
                                              double confidence, const int64_t crop_region[4], const double bbox[4],
                                              const char *label, cfy_value *control_net_wrapper, cfy_error *err);

/* A copy sharing the tensors (retained) and control-net values. out returns new. */
CFY_API CFY_NODISCARD cfy_status cfy_segs_copy(const cfy_segs *src, cfy_segs **out, cfy_error *err);

/* Wrap as a SEGS value (type CFY_T_SEGS). segs takes (destroyed on failure). Returns new, or
 * NULL out of memory. */
CFY_API cfy_value *cfy_value_new_segs(cfy_segs *segs);
/* The list of a SEGS value (borrowed; valid until v is released). */
static inline const cfy_segs *cfy_value_segs(const cfy_value *v) { return (const cfy_segs *)cfy_value_object(v); }

/* Impact's make_crop_region (spec 3.1): bbox (x1, y1, x2, y2) grown by crop_factor around its
 * centre, at least crop_min_size when crop_min_size > 0 (pass 0 or a negative value for
 * Python's None), slid inside the W x H image (clipped when larger), ends truncated.
 * out: [x1, y1, x2, y2]. Never fails. */
CFY_API void cfy_make_crop_region(int64_t W, int64_t H, const double bbox[4], double crop_factor, double crop_min_size,
                                  int64_t out[4]);

/* Impact's segs_scale_match (spec 2.4): rescale every segment to an image of th x tw.
 * Unchanged copy when (h, w) == (th, tw) or h == 0 or w == 0. Otherwise rh = th/h, rw = tw/w
 * (double) and, reproducing ComfyUI/Impact's quirk, the region becomes
 * (trunc(x1*rw), trunc(y1*rw), trunc(x2*rh), trunc(y2*rh)) — y1 scaled by the WIDTH ratio and x2
 * by the HEIGHT ratio; bbox likewise. Masks are resized bilinearly (align_corners false) to the
 * new region size, cropped images with tensor_resize (Pillow LANCZOS through uint8).
 * src borrowed. out returns new (cfy_segs_destroy).
 * Returns CFY_OK, CFY_EINVAL (th or tw <= 0, a rescaled region of zero width or height),
 * CFY_ENOMEM. */
CFY_API CFY_NODISCARD cfy_status cfy_segs_scale_match(cfy_runtime *rt, const cfy_segs *src, int64_t th, int64_t tw,
                                                      cfy_segs **out, cfy_error *err);

/* Impact's segs_to_combined_mask (spec 3.4): uint8 H x W canvas, each segment's
 * trunc(clip(255*mask)) OR-ed (bitwise) into its crop region (a [B,h,w] mask ORs all its B
 * planes), then /255 as float32.
 * out returns new: f32 [H,W] on the CPU. Returns CFY_OK, CFY_EINVAL (a mask whose size differs
 * from its clipped crop region), CFY_ENOMEM. */
CFY_API CFY_NODISCARD cfy_status cfy_segs_combined_mask(const cfy_segs *segs, cfy_tensor **out, cfy_error *err);

/* Impact's segs_to_masklist: for each segment a zero [n,H,W] mask (n = its mask batch, 1 for 2-D)
 * with the cropped mask assigned into its crop region. masks: returns a new malloc'd array of
 * *n_masks new tensors (free each with cfy_tensor_release, then free()); an empty SEGS gives
 * one zero [1,H,W] mask. Returns CFY_OK, CFY_EINVAL (mask/region size mismatch), CFY_ENOMEM. */
CFY_API CFY_NODISCARD cfy_status cfy_segs_mask_list(const cfy_segs *segs, cfy_tensor ***masks, int *n_masks,
                                                    cfy_error *err);

/* Impact's dilate_mask (spec 3.4): grey dilation (f > 0) or erosion (f < 0) with an |f| x |f|
 * all-ones window covering rows r - a .. r - a + |f| - 1 (a = |f|/2), pixels outside ignored;
 * f = 0 copies. mask borrowed: f32 [H,W] CPU. out returns new f32 [H,W]. */
CFY_API CFY_NODISCARD cfy_status cfy_mask_dilate(const cfy_tensor *mask, int64_t f, cfy_tensor **out, cfy_error *err);

#endif

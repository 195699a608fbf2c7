/* resize_coeffs.h — Pillow's per-axis resampling tables (internal to resize.c / resize_cuda.cu).
 *
 * One table per axis: for each output index o, the first source index bounds[2o], the tap count
 * bounds[2o+1] and ksize 22-bit fixed-point taps k[o*ksize ...] (unused taps are 0). Computed on
 * the host in double exactly as spec 4.2.3 states, so CPU and CUDA share the same integers. */
#ifndef CFY_IMAGE_RESIZE_COEFFS_H
#define CFY_IMAGE_RESIZE_COEFFS_H

#include <stdbool.h>
#include <stdint.h>

#include "image/resize.h"

#define CFY_PIL_PRECISION_BITS 22

typedef struct cfy_pil_coeffs {
    int64_t n_in, n_out;
    int ksize;
    int32_t *bounds; /* [2*n_out], owned (malloc) */
    int32_t *k;      /* [n_out*ksize], owned (malloc) */
} cfy_pil_coeffs;

/* Pass order. Pillow up to 12 always runs the horizontal pass first (spec 4.2.4). Pillow 13
 * (python-pillow/Pillow#9549) runs the vertical pass first when the height shrinks by more than
 * twice as many pixels as the width: h_out < h_in and (h_in - h_out) > 2 (w_in - w_out). The rule
 * was established against Pillow 13.0.0 on ~4,000 random size pairs without an exception; the
 * oracle tests run against the installed Pillow. It matters only when both passes run. */
static inline bool cfy_pil_vertical_first(int64_t w_in, int64_t h_in, int64_t w_out, int64_t h_out, bool legacy)
{
    return !legacy && h_out < h_in && (h_in - h_out) > 2 * (w_in - w_out);
}

/* Build the table of a convolution filter (not NEAREST) for n_in -> n_out.
 * Returns CFY_OK or CFY_ENOMEM; c is zeroed on failure. */
cfy_status cfy_pil_coeffs_make(int64_t n_in, int64_t n_out, cfy_resample method, cfy_pil_coeffs *c,
                               cfy_error *err);
void cfy_pil_coeffs_free(cfy_pil_coeffs *c);

/* NEAREST source index per output index: accumulated double positions (spec 4.2.2); -1 marks
 * an index outside the source (output left 0). map: caller array of n_out. */
void cfy_pil_nearest_map(int64_t n_in, int64_t n_out, int32_t *map);

#endif

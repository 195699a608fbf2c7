/* upscale_model.h — the UPSCALE_MODEL value: a compiled image-to-image network of integer scale. */
#ifndef CFY_MODELS_UPSCALE_MODEL_H
#define CFY_MODELS_UPSCALE_MODEL_H

#include "comfyc/tensor.h"
#include "models/package.h"

typedef struct cfy_upscale_model {
    cfy_package *package;    /* owned reference */
    cfy_aoti_component *net; /* borrowed from package */
    int scale;               /* output side = scale * input side */
    int64_t max_side;        /* largest input side the graph was compiled for */
} cfy_upscale_model;

/* An upscale model over a package of kind "upscale_model". pkg borrowed (retained).
 * out: returns new (cfy_upscale_model_free). */
cfy_status cfy_upscale_model_new(cfy_package *pkg, cfy_upscale_model **out, cfy_error *err);
void cfy_upscale_model_free(void *model); /* cfy_object_free_fn; NULL-safe */

/* Run the network on one tile: tile borrowed f32 [1,3,h,w] NCHW in 0..1 (h, w within the
 * compiled range, else CFY_EINVAL); out: returns new f32 [1,3,s*h,s*w], not clamped.
 * Signature of cfy_tile_model_fn (src/image/tiled_scale.h): pass the model as `user`. */
cfy_status cfy_upscale_model_run_tile(void *model, const cfy_tensor *tile, cfy_tensor **out, cfy_error *err);

#endif

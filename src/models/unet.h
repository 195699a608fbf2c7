/* unet.h — a MODEL value (cfy_model, src/sampling/model.h) backed by a package's compiled UNet. */
#ifndef CFY_MODELS_UNET_H
#define CFY_MODELS_UNET_H

#include "models/package.h"
#include "sampling/model.h"

/* Fill a new cfy_model from pkg: the discrete schedule from the manifest (cfy_model_sampling_init
 * with its linear_start/linear_end), prediction type,
 * latent format, max_batch (the UNet's batch range) and an apply callback running the graph.
 * pkg borrowed (retained by the model's impl). out: returns new (cfy_model_free). */
cfy_status cfy_unet_model_new(cfy_package *pkg, cfy_model **out, cfy_error *err);

/* Free a cfy_model (releases impl through impl_release). cfy_object_free_fn; NULL-safe. */
void cfy_model_free(void *model);

#endif

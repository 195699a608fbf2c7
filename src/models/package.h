/* package.h — a loaded model package: its manifest and every compiled component, refcounted.
 *
 * The MODEL, CLIP and VAE values that CheckpointLoaderSimple returns share one package; it is
 * freed (containers deleted) when the last of them goes. */
#ifndef CFY_MODELS_PACKAGE_H
#define CFY_MODELS_PACKAGE_H

#include "models/aoti.h"
#include "models/manifest.h"

typedef struct cfy_package {
    int refs;               /* atomic: cfy_package_retain / cfy_package_release */
    cfy_manifest *manifest; /* owned */
    cfy_device device;
    cfy_aoti_component *components[CFY_COMPONENTS_MAX]; /* owned; same order as manifest->components */
} cfy_package;

/* Open the package folder `dir` and load all its components on `device` (see
 * cfy_aoti_component_load for the checks). out: returns new (cfy_package_release).
 * Errors name the package folder. */
cfy_status cfy_package_open(const char *dir, cfy_device device, cfy_package **out, cfy_error *err);
cfy_package *cfy_package_retain(cfy_package *p); /* NULL-safe; returns p */
void cfy_package_release(cfy_package *p);        /* NULL-safe */

/* The loaded component `name` ("unet", "vae_encoder", ...), or NULL when the package has none.
 * Borrowed; valid while p lives. */
cfy_aoti_component *cfy_package_component(const cfy_package *p, const char *name);

#endif

/* Run a component from host code, whatever device and dtype it was compiled for: each input
 * (any device, any dtype the converter knows) is converted to the graph's dtype on the host and
 * copied to the component's device; each output comes back as a host f32 contiguous tensor.
 * The one place where model wrappers cross between the CPU sampler/image code and the graph.
 * inputs borrowed. outputs: n_out new tensors (all NULL on failure). */
cfy_status cfy_component_call_host(cfy_aoti_component *c, const cfy_tensor *const *inputs, int n_in,
                                   cfy_tensor **outputs, int n_out, cfy_error *err);

/* Run a one-input, one-output component whose dim 0 is the batch: splits x into batches the
 * graph accepts (the range of its first input's dim 0), runs each through
 * cfy_component_call_host and concatenates the results along dim 0.
 * x borrowed: f32, contiguous or not. out: returns new host f32 contiguous. */
cfy_status cfy_component_run_batched(cfy_aoti_component *c, const cfy_tensor *x, cfy_tensor **out, cfy_error *err);

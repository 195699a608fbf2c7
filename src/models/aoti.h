/* aoti.h — the AOTInductor backend: load one compiled graph (.so + weights blob) and run it from C.
 *
 * This is the only part of comfyc that touches libtorch. libtorch is not linked: the first
 * load dlopens torch/lib (libc10, the bundled libgomp, libtorch_cpu, libtorch, and the CUDA
 * libraries for CUDA graphs) with RTLD_GLOBAL, from $CFY_TORCH_LIB_DIR or else the torch/lib
 * folder recorded in the manifest by the exporter. A build therefore needs no torch, and a
 * machine without torch gets CFY_EUNSUPPORTED naming the folders tried. The model .so is
 * dlopened RTLD_NOW|RTLD_LOCAL (a missing shim symbol fails here, not later) and never
 * unloaded (the AOTI runtime keeps thread-local state and kernels in it).
 *
 * Inputs are wrapped without copying (aoti_torch_create_tensor_from_blob) after being checked
 * against the manifest's shapes and ranges (the generated code does not check). Outputs are
 * returned as cfy_tensors that own the AOTI handle (deleted when the tensor's storage goes).
 *
 * Thread safety: one component may be run from one thread at a time. */
#ifndef CFY_MODELS_AOTI_H
#define CFY_MODELS_AOTI_H

#include "comfyc/tensor.h"
#include "models/manifest.h"

typedef struct cfy_aoti_component cfy_aoti_component;

/* Load component `spec` of package `m` for `device` (its kind must be the manifest's device).
 * Checks libtorch's ABI version against the manifest's torch version (refused when older, or
 * when major.minor differ), the .so's input/output counts against the manifest, and loads
 * the weights blob (the file is read whole; a truncated blob is refused by size).
 * m, spec borrowed (spec is copied). out: returns new (cfy_aoti_component_destroy).
 * Errors: CFY_EUNSUPPORTED (no libtorch), CFY_ENOTFOUND, CFY_EIO (truncated/corrupt artifact),
 * CFY_EDEVICE (libtorch refused), CFY_EINVAL (device mismatch). */
cfy_status cfy_aoti_component_load(const cfy_manifest *m, const cfy_component_spec *spec, cfy_device device,
                                   cfy_aoti_component **out, cfy_error *err);

/* Run the graph. inputs borrowed: n_in tensors on the component's device with the manifest's
 * dtypes and shapes within range (checked first; CFY_EINVAL naming the input otherwise);
 * non-contiguous or misaligned inputs are copied. outputs: caller array of n_out receiving new
 * tensors (cfy_tensor_release); all NULL on failure. Blocks until the results are ready. */
cfy_status cfy_aoti_component_run(cfy_aoti_component *c, const cfy_tensor *const *inputs, int n_in,
                                  cfy_tensor **outputs, int n_out, cfy_error *err);

/* The component's signature (borrowed; valid until destroy). */
const cfy_component_spec *cfy_aoti_component_spec(const cfy_aoti_component *c);
/* The device its container runs on (inputs must be there). */
cfy_device cfy_aoti_component_device(const cfy_aoti_component *c);

/* Delete the container (frees the weights). The .so stays loaded. NULL is a no-op. */
void cfy_aoti_component_destroy(cfy_aoti_component *c);

#endif

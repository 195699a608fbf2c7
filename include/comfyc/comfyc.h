/* comfyc.h — the public API of libcomfyc: include this one header.
 *
 *   error.h     status codes and cfy_error
 *   tensor.h    cfy_tensor (dtype, device, sizes, strides, refcounted storage)
 *   value.h     cfy_value (tagged refcounted workflow values), LATENT, CONDITIONING
 *   node.h      node definitions, registry, node context, calling a node directly
 *   hooks.h     UPSCALER_HOOK and SCHEDULER_FUNC vtables an embedder can implement
 *   runtime.h   cfy_runtime (folders, device, callbacks, plugins, cache)
 *   workflow.h  load / validate / run workflows */
#ifndef COMFYC_H
#define COMFYC_H

#include "comfyc/error.h"
#include "comfyc/hooks.h"
#include "comfyc/node.h"
#include "comfyc/runtime.h"
#include "comfyc/tensor.h"
#include "comfyc/value.h"
#include "comfyc/workflow.h"

#endif

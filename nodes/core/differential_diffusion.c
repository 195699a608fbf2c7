/* differential_diffusion.c — DifferentialDiffusion: a MODEL whose noise mask is thresholded per
 * step (spec sampling.md §6.3). The patched model shares the network (impl retained). */
#include <stdlib.h>

#include "comfyc/comfyc.h"
#include "models/unet.h"
#include "sampling/model.h"

static cfy_status differential_diffusion_run(cfy_node_ctx *ctx)
{
    void *obj = NULL;
    double strength = 1.0;
    cfy_status st;
    if ((st = cfy_node_in_object(ctx, "model", CFY_T_MODEL, &obj)) != CFY_OK) return st;
    if (cfy_node_in(ctx, "strength") && (st = cfy_node_in_float(ctx, "strength", &strength)) != CFY_OK) return st;
    const cfy_model *src = obj;
    cfy_model *m = malloc(sizeof *m);
    if (!m) return cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
    *m = *src;
    if (m->impl_retain) m->impl = m->impl_retain(m->impl);
    m->differential_diffusion = true;
    m->differential_diffusion_strength = strength;
    return cfy_node_out(ctx, 0, cfy_value_new_object(CFY_T_MODEL, m, cfy_model_free));
}

static const cfy_input_def dd_inputs[] = {
    {"model", CFY_T_MODEL},
    {"strength", CFY_T_FLOAT, CFY_IN_OPTIONAL, .f = {1.0, 0.0, 1.0, 0.01, 0.01}},
    {NULL}};
static const cfy_output_def model_out[] = {{CFY_T_MODEL}, {NULL}};

static const cfy_node_def dd_def = {
    .abi = CFY_ABI_VERSION,
    .class_type = "DifferentialDiffusion",
    .display_name = "Differential Diffusion",
    .category = "_for_testing",
    .python_module = "comfy_extras.nodes_differential_diffusion",
    .inputs = dd_inputs,
    .outputs = model_out,
    .run = differential_diffusion_run,
};

static const cfy_node_def *const dd_nodes[] = {&dd_def, NULL};

cfy_status cfy_nodes_core_differential_diffusion_register(cfy_registry *reg, cfy_error *err)
{
    return cfy_registry_add_all(reg, dd_nodes, err);
}

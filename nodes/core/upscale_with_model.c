/* upscale_with_model.c — ImageUpscaleWithModel: tiled model upscaling (src/image/tiled_scale.h). */
#include "comfyc/comfyc.h"
#include "image/tiled_scale.h"
#include "models/upscale_model.h"

static cfy_status upscale_run(cfy_node_ctx *ctx)
{
    cfy_upscale_model *m;
    const cfy_tensor *image;
    cfy_status st = cfy_node_in_object(ctx, "upscale_model", CFY_T_UPSCALE_MODEL, (void **)&m);
    if (!st) st = cfy_node_in_tensor(ctx, "image", &image);
    if (st) return st;
    cfy_tensor *out = NULL;
    if ((st = cfy_image_upscale_with_model(cfy_node_runtime(ctx), image, cfy_upscale_model_run_tile, m,
                                           (double)m->scale, &out, cfy_node_err(ctx))))
        return st;
    return cfy_node_out(ctx, 0, cfy_value_new_tensor(CFY_T_IMAGE, out));
}

static const cfy_input_def inputs[] = {
    {"upscale_model", CFY_T_UPSCALE_MODEL, 0},
    {"image", CFY_T_IMAGE, 0},
    {NULL},
};
static const cfy_output_def outputs[] = {{CFY_T_IMAGE}, {NULL}};

static const cfy_node_def image_upscale_with_model = {
    .abi = CFY_ABI_VERSION,
    .class_type = "ImageUpscaleWithModel",
    .display_name = "Upscale Image (using Model)",
    .category = "image/upscaling",
    .python_module = "comfy_extras.nodes_upscale_model",
    .inputs = inputs,
    .outputs = outputs,
    .run = upscale_run,
};
static const cfy_node_def *const nodes[] = {&image_upscale_with_model, NULL};

cfy_status cfy_nodes_core_upscale_with_model_register(cfy_registry *reg, cfy_error *err)
{
    return cfy_registry_add_all(reg, nodes, err);
}

/* mask_basic.c — SolidMask and InvertMask: constant masks and 1 - mask. */
#include "comfyc/comfyc.h"

#define MAX_RESOLUTION 16384

/* SolidMask: f32 [1, height, width] filled with `value`. */
static cfy_status solid_mask_run(cfy_node_ctx *ctx)
{
    double value;
    int64_t w, h;
    cfy_status st;
    if ((st = cfy_node_in_float(ctx, "value", &value)) != CFY_OK) return st;
    if ((st = cfy_node_in_int(ctx, "width", &w)) != CFY_OK) return st;
    if ((st = cfy_node_in_int(ctx, "height", &h)) != CFY_OK) return st;
    int64_t sizes[3] = {1, h, w};
    cfy_tensor *t;
    if ((st = cfy_tensor_new(CFY_F32, cfy_cpu(), 3, sizes, false, &t, cfy_node_err(ctx))) != CFY_OK) return st;
    float *d = cfy_tensor_f32(t);
    for (int64_t i = 0; i < h * w; i++) d[i] = (float)value;
    cfy_device dev = cfy_runtime_opts(cfy_node_runtime(ctx))->device;
    if (!cfy_device_eq(dev, t->device)) {
        cfy_tensor *moved;
        st = cfy_tensor_to(t, dev, &moved, cfy_node_err(ctx));
        cfy_tensor_release(t);
        if (st != CFY_OK) return st;
        t = moved;
    }
    return cfy_node_out(ctx, 0, cfy_value_new_tensor(CFY_T_MASK, t));
}

/* InvertMask: 1.0 - mask (any shape; result on the input's device). */
static cfy_status invert_mask_run(cfy_node_ctx *ctx)
{
    const cfy_tensor *mask;
    cfy_status st = cfy_node_in_tensor(ctx, "mask", &mask);
    if (st != CFY_OK) return st;
    cfy_tensor *host, *conv, *out;
    if ((st = cfy_tensor_to(mask, cfy_cpu(), &host, cfy_node_err(ctx))) != CFY_OK) return st;
    if (host->dtype != CFY_F32) {
        st = cfy_tensor_convert(host, CFY_F32, &conv, cfy_node_err(ctx));
        cfy_tensor_release(host);
        if (st != CFY_OK) return st;
        host = conv;
    }
    st = cfy_tensor_new(CFY_F32, cfy_cpu(), host->ndim, host->sizes, false, &out, cfy_node_err(ctx));
    if (st == CFY_OK) {
        const float *s = cfy_tensor_f32(host);
        float *d = cfy_tensor_f32(out);
        for (int64_t i = 0, n = cfy_tensor_numel(host); i < n; i++) d[i] = 1.0f - s[i];
    }
    cfy_tensor_release(host);
    if (st != CFY_OK) return st;
    if (!cfy_device_eq(mask->device, out->device)) {
        cfy_tensor *moved;
        st = cfy_tensor_to(out, mask->device, &moved, cfy_node_err(ctx));
        cfy_tensor_release(out);
        if (st != CFY_OK) return st;
        out = moved;
    }
    return cfy_node_out(ctx, 0, cfy_value_new_tensor(CFY_T_MASK, out));
}

static const cfy_input_def solid_mask_inputs[] = {
    {"value", CFY_T_FLOAT, 0, .f = {1.0, 0.0, 1.0, 0.01, 0.01}},
    {"width", CFY_T_INT, 0, .i = {512, 1, MAX_RESOLUTION, 1}},
    {"height", CFY_T_INT, 0, .i = {512, 1, MAX_RESOLUTION, 1}},
    {NULL},
};
static const cfy_input_def invert_mask_inputs[] = {{"mask", CFY_T_MASK}, {NULL}};
static const cfy_output_def mask_outputs[] = {{CFY_T_MASK}, {NULL}};

static const cfy_node_def solid_mask = {
    .abi = CFY_ABI_VERSION, .class_type = "SolidMask", .display_name = "SolidMask", .category = "mask",
    .python_module = "comfy_extras.nodes_mask",
    .inputs = solid_mask_inputs, .outputs = mask_outputs, .run = solid_mask_run,
};
static const cfy_node_def invert_mask = {
    .abi = CFY_ABI_VERSION, .class_type = "InvertMask", .display_name = "InvertMask", .category = "mask",
    .python_module = "comfy_extras.nodes_mask",
    .inputs = invert_mask_inputs, .outputs = mask_outputs, .run = invert_mask_run,
};
static const cfy_node_def *const mask_basic_nodes[] = {&solid_mask, &invert_mask, NULL};

cfy_status cfy_nodes_core_mask_basic_register(cfy_registry *reg, cfy_error *err)
{
    return cfy_registry_add_all(reg, mask_basic_nodes, err);
}

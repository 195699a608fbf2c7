/* image_basic.c — ImageInvert and EmptyImage: the simplest IMAGE producers and transforms. */
#include "comfyc/comfyc.h"

#define MAX_RESOLUTION 16384

/* A CPU copy (or retained view) of t as contiguous f32. out returns new. */
static cfy_status host_f32(cfy_node_ctx *ctx, const cfy_tensor *t, cfy_tensor **out)
{
    cfy_tensor *host = NULL, *conv = NULL;
    cfy_status st = cfy_tensor_to(t, cfy_cpu(), &host, cfy_node_err(ctx));
    if (st != CFY_OK) return st;
    if (host->dtype != CFY_F32) {
        st = cfy_tensor_convert(host, CFY_F32, &conv, cfy_node_err(ctx));
        cfy_tensor_release(host);
        if (st != CFY_OK) return st;
        host = conv;
    }
    *out = host;
    return CFY_OK;
}

/* Wrap a new CPU tensor as output 0 of `type`, moved to `device` first. t takes. */
static cfy_status out_on(cfy_node_ctx *ctx, const char *type, cfy_tensor *t, cfy_device device)
{
    if (!cfy_device_eq(device, t->device)) {
        cfy_tensor *moved;
        cfy_status st = cfy_tensor_to(t, device, &moved, cfy_node_err(ctx));
        cfy_tensor_release(t);
        if (st != CFY_OK) return st;
        t = moved;
    }
    return cfy_node_out(ctx, 0, cfy_value_new_tensor(type, t));
}

/* ImageInvert: 1.0 - image (any shape; stays on the input's device). */
static cfy_status image_invert_run(cfy_node_ctx *ctx)
{
    const cfy_tensor *image;
    cfy_status st = cfy_node_in_tensor(ctx, "image", &image);
    if (st != CFY_OK) return st;
    cfy_tensor *host, *out;
    if ((st = host_f32(ctx, image, &host)) != CFY_OK) return st;
    st = cfy_tensor_new(CFY_F32, cfy_cpu(), host->ndim, host->sizes, false, &out, cfy_node_err(ctx));
    if (st == CFY_OK) {
        const float *s = cfy_tensor_f32(host);
        float *d = cfy_tensor_f32(out);
        int64_t n = cfy_tensor_numel(host);
        for (int64_t i = 0; i < n; i++) d[i] = 1.0f - s[i];
    }
    cfy_tensor_release(host);
    if (st != CFY_OK) return st;
    return out_on(ctx, CFY_T_IMAGE, out, image->device);
}

/* EmptyImage: [batch, height, width, 3] filled with colour 0xRRGGBB, each channel c/255 (as
 * torch.full with a Python float: computed in double, stored as f32). */
static cfy_status empty_image_run(cfy_node_ctx *ctx)
{
    int64_t w, h, batch, color;
    cfy_status st;
    if ((st = cfy_node_in_int(ctx, "width", &w)) != CFY_OK) return st;
    if ((st = cfy_node_in_int(ctx, "height", &h)) != CFY_OK) return st;
    if ((st = cfy_node_in_int(ctx, "batch_size", &batch)) != CFY_OK) return st;
    if ((st = cfy_node_in_int(ctx, "color", &color)) != CFY_OK) return st;
    int64_t max_side = cfy_runtime_opts(cfy_node_runtime(ctx))->max_image_pixels_side;
    if (w > max_side || h > max_side)
        return cfy_node_fail(ctx, CFY_EINVAL, w > max_side ? "width" : "height",
                             "%lldx%lld is above the limit of %lld pixels per side", (long long)w, (long long)h, (long long)max_side);
    int64_t sizes[4] = {batch, h, w, 3};
    cfy_tensor *t;
    if ((st = cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sizes, false, &t, cfy_node_err(ctx))) != CFY_OK) return st;
    float rgb[3] = {(float)((double)((color >> 16) & 0xFF) / 255.0), (float)((double)((color >> 8) & 0xFF) / 255.0),
                    (float)((double)(color & 0xFF) / 255.0)};
    float *d = cfy_tensor_f32(t);
    int64_t n_px = batch * h * w;
    for (int64_t i = 0; i < n_px; i++) {
        d[i * 3] = rgb[0];
        d[i * 3 + 1] = rgb[1];
        d[i * 3 + 2] = rgb[2];
    }
    return out_on(ctx, CFY_T_IMAGE, t, cfy_runtime_opts(cfy_node_runtime(ctx))->device);
}

static const cfy_input_def image_invert_inputs[] = {{"image", CFY_T_IMAGE}, {NULL}};
static const cfy_input_def empty_image_inputs[] = {
    {"width", CFY_T_INT, 0, .i = {512, 1, MAX_RESOLUTION, 1}},
    {"height", CFY_T_INT, 0, .i = {512, 1, MAX_RESOLUTION, 1}},
    {"batch_size", CFY_T_INT, 0, .i = {1, 1, 4096, 1}},
    {"color", CFY_T_INT, 0, .i = {0, 0, 0xFFFFFF, 1}},
    {NULL},
};
static const cfy_output_def image_outputs[] = {{CFY_T_IMAGE}, {NULL}};

static const cfy_node_def image_invert = {
    .abi = CFY_ABI_VERSION, .class_type = "ImageInvert", .display_name = "Invert Image", .category = "image",
    .inputs = image_invert_inputs, .outputs = image_outputs, .run = image_invert_run,
};
static const cfy_node_def empty_image = {
    .abi = CFY_ABI_VERSION, .class_type = "EmptyImage", .display_name = "EmptyImage", .category = "image",
    .inputs = empty_image_inputs, .outputs = image_outputs, .run = empty_image_run,
};
static const cfy_node_def *const image_basic_nodes[] = {&image_invert, &empty_image, NULL};

cfy_status cfy_nodes_core_image_basic_register(cfy_registry *reg, cfy_error *err)
{
    return cfy_registry_add_all(reg, image_basic_nodes, err);
}

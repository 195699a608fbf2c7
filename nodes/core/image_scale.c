/* image_scale.c — ComfyUI's ImageScale and ImageScaleBy (comfy.utils.common_upscale): optional
 * centre crop to the target aspect, then torch interpolate (nearest-exact, bilinear, area,
 * bicubic) or the Pillow LANCZOS uint8 round trip. */
#include <math.h>
#include <string.h>

#include "comfyc/comfyc.h"
#include "image/interpolate.h"
#include "image/resize.h"

#define MAX_RESOLUTION 16384

/* common_upscale on IMAGE [B,H,W,C]: out returns new. */
static cfy_status common_upscale(cfy_node_ctx *ctx, const cfy_tensor *image, int64_t width, int64_t height,
                                 const char *method, bool center, cfy_tensor **out)
{
    cfy_error *err = cfy_node_err(ctx);
    cfy_runtime *rt = cfy_node_runtime(ctx);
    int64_t W = image->sizes[2], H = image->sizes[1];
    cfy_tensor *src = cfy_tensor_retain((cfy_tensor *)image);
    cfy_status st = CFY_OK;
    if (center) {
        double old_aspect = (double)W / (double)H, new_aspect = (double)width / (double)height;
        int64_t x = 0, y = 0;
        if (old_aspect > new_aspect)
            x = (int64_t)rint(((double)W - (double)W * (new_aspect / old_aspect)) / 2);
        else if (old_aspect < new_aspect)
            y = (int64_t)rint(((double)H - (double)H * (old_aspect / new_aspect)) / 2);
        cfy_tensor *a = NULL, *b = NULL;
        st = cfy_tensor_narrow(src, 1, y, H - 2 * y, &a, err);
        if (st == CFY_OK) st = cfy_tensor_narrow(a, 2, x, W - 2 * x, &b, err);
        cfy_tensor_release(a);
        cfy_tensor_release(src);
        if (st != CFY_OK) return st;
        src = b;
    }
    if (strcmp(method, "lanczos") == 0) {
        st = cfy_image_resize_pil(rt, src, width, height, CFY_RESAMPLE_LANCZOS, false, out, err);
    } else {
        cfy_interp mode = strcmp(method, "nearest-exact") == 0 ? CFY_INTERP_NEAREST_EXACT
                          : strcmp(method, "area") == 0        ? CFY_INTERP_AREA
                          : strcmp(method, "bicubic") == 0     ? CFY_INTERP_BICUBIC
                                                               : CFY_INTERP_BILINEAR;
        if (src->device.kind != CFY_DEVICE_CPU && mode != CFY_INTERP_BILINEAR) {
            /* only bilinear has a CUDA kernel: resize on the host, hand back on the device */
            cfy_tensor *h = NULL, *r = NULL;
            st = cfy_tensor_to(src, cfy_cpu(), &h, err);
            if (st == CFY_OK) st = cfy_image_interpolate(rt, h, width, height, mode, &r, err);
            if (st == CFY_OK) st = cfy_tensor_to(r, src->device, out, err);
            cfy_tensor_release(h);
            cfy_tensor_release(r);
        } else {
            st = cfy_image_interpolate(rt, src, width, height, mode, out, err);
        }
    }
    cfy_tensor_release(src);
    return st;
}

static cfy_status read_image(cfy_node_ctx *ctx, const cfy_tensor **image)
{
    cfy_status st = cfy_node_in_tensor(ctx, "image", image);
    if (st != CFY_OK) return st;
    if ((*image)->ndim != 4 || (*image)->dtype != CFY_F32 || (*image)->sizes[1] <= 0 || (*image)->sizes[2] <= 0)
        return cfy_node_fail(ctx, CFY_EINVAL, "image", "expected a non-empty f32 IMAGE [B,H,W,C]");
    return CFY_OK;
}

static cfy_status image_scale_run(cfy_node_ctx *ctx)
{
    const cfy_tensor *image;
    const char *method, *crop;
    int64_t width, height;
    cfy_status st;
    if ((st = read_image(ctx, &image)) != CFY_OK) return st;
    if ((st = cfy_node_in_string(ctx, "upscale_method", &method)) != CFY_OK) return st;
    if ((st = cfy_node_in_int(ctx, "width", &width)) != CFY_OK) return st;
    if ((st = cfy_node_in_int(ctx, "height", &height)) != CFY_OK) return st;
    if ((st = cfy_node_in_string(ctx, "crop", &crop)) != CFY_OK) return st;
    if (width == 0 && height == 0) return cfy_node_out(ctx, 0, cfy_value_new_tensor(CFY_T_IMAGE, cfy_tensor_retain((cfy_tensor *)image)));
    int64_t H = image->sizes[1], W = image->sizes[2];
    if (width == 0) {
        width = (int64_t)rint((double)(W * height) / (double)H);
        if (width < 1) width = 1;
    } else if (height == 0) {
        height = (int64_t)rint((double)(H * width) / (double)W);
        if (height < 1) height = 1;
    }
    int64_t lim = cfy_runtime_opts(cfy_node_runtime(ctx))->max_image_pixels_side;
    if (width > lim || height > lim)
        return cfy_node_fail(ctx, CFY_EINVAL, width > lim ? "width" : "height",
                             "%lldx%lld is above the limit of %lld pixels per side", (long long)width,
                             (long long)height, (long long)lim);
    cfy_tensor *out = NULL;
    if ((st = common_upscale(ctx, image, width, height, method, strcmp(crop, "center") == 0, &out)) != CFY_OK)
        return st;
    return cfy_node_out(ctx, 0, cfy_value_new_tensor(CFY_T_IMAGE, out));
}

static cfy_status image_scale_by_run(cfy_node_ctx *ctx)
{
    const cfy_tensor *image;
    const char *method;
    double scale;
    cfy_status st;
    if ((st = read_image(ctx, &image)) != CFY_OK) return st;
    if ((st = cfy_node_in_string(ctx, "upscale_method", &method)) != CFY_OK) return st;
    if ((st = cfy_node_in_float(ctx, "scale_by", &scale)) != CFY_OK) return st;
    int64_t width = (int64_t)rint((double)image->sizes[2] * scale);
    int64_t height = (int64_t)rint((double)image->sizes[1] * scale);
    int64_t lim = cfy_runtime_opts(cfy_node_runtime(ctx))->max_image_pixels_side;
    if (width <= 0 || height <= 0 || width > lim || height > lim)
        return cfy_node_fail(ctx, CFY_EINVAL, "scale_by", "%lldx%lld scaled by %g gives %lldx%lld, outside 1..%lld",
                             (long long)image->sizes[2], (long long)image->sizes[1], scale, (long long)width,
                             (long long)height, (long long)lim);
    cfy_tensor *out = NULL;
    if ((st = common_upscale(ctx, image, width, height, method, false, &out)) != CFY_OK) return st;
    return cfy_node_out(ctx, 0, cfy_value_new_tensor(CFY_T_IMAGE, out));
}

static const char *const upscale_methods[] = {"nearest-exact", "bilinear", "area", "bicubic", "lanczos", NULL};
static const char *const crop_methods[] = {"disabled", "center", NULL};
static const cfy_input_def image_scale_inputs[] = {
    {"image", CFY_T_IMAGE},
    {"upscale_method", CFY_T_COMBO, .combo = upscale_methods},
    {"width", CFY_T_INT, 0, .i = {512, 0, MAX_RESOLUTION, 1}},
    {"height", CFY_T_INT, 0, .i = {512, 0, MAX_RESOLUTION, 1}},
    {"crop", CFY_T_COMBO, .combo = crop_methods},
    {NULL},
};
static const cfy_input_def image_scale_by_inputs[] = {
    {"image", CFY_T_IMAGE},
    {"upscale_method", CFY_T_COMBO, .combo = upscale_methods},
    {"scale_by", CFY_T_FLOAT, 0, .f = {1.0, 0.01, 8.0, 0.01, 0.01}},
    {NULL},
};
static const cfy_output_def image_output[] = {{CFY_T_IMAGE}, {NULL}};
static const cfy_node_def image_scale = {
    .abi = CFY_ABI_VERSION, .class_type = "ImageScale", .display_name = "Upscale Image",
    .category = "image/upscaling", .inputs = image_scale_inputs, .outputs = image_output, .run = image_scale_run,
};
static const cfy_node_def image_scale_by = {
    .abi = CFY_ABI_VERSION, .class_type = "ImageScaleBy", .display_name = "Upscale Image By",
    .category = "image/upscaling", .inputs = image_scale_by_inputs, .outputs = image_output,
    .run = image_scale_by_run,
};
static const cfy_node_def *const image_scale_nodes[] = {&image_scale, &image_scale_by, NULL};

cfy_status cfy_nodes_core_image_scale_register(cfy_registry *reg, cfy_error *err)
{
    return cfy_registry_add_all(reg, image_scale_nodes, err);
}

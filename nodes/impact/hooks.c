/* hooks.c — PreviewDetailerHookProvider: a DETAILER_HOOK / UPSCALER_HOOK whose post_paste writes
 * the working image after each paste as a preview file (spec segs-upscaler.md §7.1).
 *
 * Headless equivalent of the Impact Pack's UI preview: the image goes to
 * <temp_dir>/pvhook/<node id>.webp (lossy WebP with the `quality` input, as Pillow's
 * save(path, quality=q); overwritten atomically after every paste) and a log line names it.
 * Pixels are never modified. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comfyc/comfyc.h"
#include "comfyc/hooks.h"
#include "core/fsutil.h"
#include "core/webp_write.h"
#include "image/convert.h"

typedef struct preview_hook {
    char node_id[64];
    int64_t quality; /* WebP quality 20..100 */
} preview_hook;

/* post_paste: write image[0] as uint8 (tensor2pil rule) to the temp folder as WebP, return the image. */
static cfy_status preview_post_paste(void *user, cfy_runtime *rt, const cfy_tensor *image, cfy_tensor **out,
                                     cfy_error *err)
{
    const preview_hook *h = user;
    *out = NULL;
    char b[96];
    if (image->dtype != CFY_F32 || image->ndim != 4 || image->sizes[3] < 1 || image->sizes[3] > 4)
        return cfy_error_set(err, CFY_EINVAL, "PreviewDetailerHook: expected an IMAGE [B,H,W,C], got %s",
                             cfy_tensor_shape_str(image, b, sizeof b));
    cfy_tensor *first = NULL, *cpu = NULL, *q = NULL;
    char rel[128], *dir = NULL, *path = NULL;
    const char *temp = rt ? cfy_runtime_opts(rt)->temp_dir : "temp";
    snprintf(rel, sizeof rel, "pvhook/%s.webp", h->node_id);
    cfy_status st = cfy_tensor_narrow(image, 0, 0, 1, &first, err);
    if (!st) st = cfy_tensor_to(first, cfy_cpu(), &cpu, err);
    if (!st) st = cfy_image_to_u8(rt, cpu, &q, err);
    if (!st) st = cfy_path_join_inside(temp, "pvhook", &dir, err);
    if (!st) st = cfy_mkdirs(dir, err);
    if (!st) st = cfy_path_join_inside(temp, rel, &path, err);
    if (!st)
        st = cfy_webp_write(path, cfy_tensor_data(q), (int)q->sizes[2], (int)q->sizes[1], (int)q->sizes[3],
                            (float)h->quality, err);
    if (!st && rt)
        cfy_log(rt, 2, "impact-preview: node %s item {filename: %s.webp, subfolder: pvhook, type: temp} -> %s",
                h->node_id, h->node_id, path);
    cfy_tensor_release(first);
    cfy_tensor_release(cpu);
    cfy_tensor_release(q);
    free(dir);
    free(path);
    if (st) return st;
    *out = cfy_tensor_retain((cfy_tensor *)image);
    return CFY_OK;
}

static cfy_status preview_hook_provider_run(cfy_node_ctx *ctx)
{
    int64_t quality;
    cfy_status st = cfy_node_in_int(ctx, "quality", &quality);
    if (st) return st;
    preview_hook *h = calloc(1, sizeof *h);
    if (!h) return cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
    const char *id = cfy_node_id(ctx);
    snprintf(h->node_id, sizeof h->node_id, "%s", id && id[0] ? id : "hook"); /* "" for direct calls */
    h->quality = quality;
    cfy_upscaler_hook hook = {.abi = CFY_ABI_VERSION, .user = h, .post_paste = preview_post_paste, .release = free};
    /* One hook object handed out as both types, as the Impact Pack does: two values, each with its
     * own copy of the user data. */
    preview_hook *h2 = malloc(sizeof *h2);
    if (!h2) {
        free(h);
        return cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
    }
    *h2 = *h;
    cfy_upscaler_hook hook2 = hook;
    hook2.user = h2;
    cfy_value *detailer = cfy_value_new_upscaler_hook_as(CFY_T_DETAILER_HOOK, &hook);
    cfy_value *upscaler = cfy_value_new_upscaler_hook(&hook2);
    if (!detailer || !upscaler) {
        cfy_value_release(detailer);
        cfy_value_release(upscaler);
        return cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
    }
    if ((st = cfy_node_out(ctx, 0, detailer))) {
        cfy_value_release(upscaler);
        return st;
    }
    return cfy_node_out(ctx, 1, upscaler);
}

static const cfy_input_def preview_hook_inputs[] = {
    {"quality", CFY_T_INT, 0, .i = {95, 20, 100, 1}},
    {NULL},
};
static const cfy_output_def preview_hook_outputs[] = {{CFY_T_DETAILER_HOOK}, {CFY_T_UPSCALER_HOOK}, {NULL}};
static const cfy_node_def preview_hook_provider = {
    .abi = CFY_ABI_VERSION,
    .class_type = "PreviewDetailerHookProvider",
    .display_name = "PreviewDetailerHookProvider",
    .category = "ImpactPack/Util",
    .python_module = "custom_nodes.ComfyUI-Impact-Pack",
    .inputs = preview_hook_inputs,
    .outputs = preview_hook_outputs,
    .flags = CFY_NODE_NOT_IDEMPOTENT,
    .run = preview_hook_provider_run,
};
static const cfy_node_def *const hook_nodes[] = {&preview_hook_provider, NULL};

cfy_status cfy_nodes_impact_hooks_register(cfy_registry *reg, cfy_error *err)
{
    return cfy_registry_add_all(reg, hook_nodes, err);
}

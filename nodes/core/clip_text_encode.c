/* clip_text_encode.c — CLIPTextEncode: prompt text -> CONDITIONING (src/models/text_encode.h). */
#include "comfyc/comfyc.h"
#include "models/text_encode.h"

static cfy_status clip_text_encode_run(cfy_node_ctx *ctx)
{
    const char *text;
    cfy_clip *clip;
    cfy_status st = cfy_node_in_string(ctx, "text", &text);
    if (!st) st = cfy_node_in_object(ctx, "clip", CFY_T_CLIP, (void **)&clip);
    if (st) return st;
    cfy_conditioning *cond = NULL;
    if ((st = cfy_clip_encode(clip, text, cfy_node_runtime(ctx), &cond, cfy_node_err(ctx))))
        return cfy_error_set_input(cfy_node_err(ctx), "text");
    cfy_value *v = cfy_value_new_conditioning(cond);
    if (!v) return cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
    return cfy_node_out(ctx, 0, v);
}

static const cfy_input_def inputs[] = {
    {"text", CFY_T_STRING, CFY_IN_MULTILINE | CFY_IN_DYNAMIC_PROMPTS, .s_def = "",
     .tooltip = "The text to be encoded."},
    {"clip", CFY_T_CLIP, 0, .tooltip = "The CLIP model used for encoding the text."},
    {NULL},
};
static const cfy_output_def outputs[] = {{CFY_T_CONDITIONING}, {NULL}};

static const cfy_node_def clip_text_encode = {
    .abi = CFY_ABI_VERSION,
    .class_type = "CLIPTextEncode",
    .display_name = "CLIP Text Encode (Prompt)",
    .category = "conditioning",
    .description = "Encodes a text prompt using a CLIP model into an embedding that can be used to guide the "
                   "diffusion model towards generating specific images.",
    .inputs = inputs,
    .outputs = outputs,
    .run = clip_text_encode_run,
};
/* CLIPTextEncodeSDXL: text_g for CLIP-G and text_l for CLIP-L (windows equalised with empty
 * ones), plus the size conditioning SDXL's y vector carries. */
static cfy_status clip_text_encode_sdxl_run(cfy_node_ctx *ctx)
{
    const char *text_g, *text_l;
    cfy_clip *clip;
    static const char *const size_names[6] = {"height", "width", "crop_h", "crop_w", "target_height", "target_width"};
    int64_t size[6];
    cfy_status st = cfy_node_in_string(ctx, "text_g", &text_g);
    if (!st) st = cfy_node_in_string(ctx, "text_l", &text_l);
    if (!st) st = cfy_node_in_object(ctx, "clip", CFY_T_CLIP, (void **)&clip);
    for (int i = 0; !st && i < 6; i++)
        st = cfy_node_in_int(ctx, size_names[i], &size[i]);
    if (st) return st;
    if (cfy_clip_n_encoders(clip) != 2)
        return cfy_node_fail(ctx, CFY_EINVAL, "clip", "CLIPTextEncodeSDXL needs an SDXL CLIP (CLIP-L and CLIP-G); this "
                             "one has %d text encoder", cfy_clip_n_encoders(clip));
    const char *texts[2] = {text_l, text_g};
    cfy_conditioning *cond = NULL;
    if ((st = cfy_clip_encode_texts(clip, texts, true, cfy_node_runtime(ctx), &cond, cfy_node_err(ctx))))
        return cfy_error_set_input(cfy_node_err(ctx), "text_g");
    cond->entries[0].has_size = true;
    for (int i = 0; i < 6; i++)
        cond->entries[0].size[i] = (double)size[i];
    cfy_value *v = cfy_value_new_conditioning(cond);
    if (!v) return cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
    return cfy_node_out(ctx, 0, v);
}

#define SDXL_MAX_RESOLUTION 16384 /* ComfyUI's MAX_RESOLUTION */
static const cfy_input_def sdxl_inputs[] = {
    {"clip", CFY_T_CLIP, 0},
    {"width", CFY_T_INT, 0, .i = {1024, 0, SDXL_MAX_RESOLUTION, 1}},
    {"height", CFY_T_INT, 0, .i = {1024, 0, SDXL_MAX_RESOLUTION, 1}},
    {"crop_w", CFY_T_INT, 0, .i = {0, 0, SDXL_MAX_RESOLUTION, 1}},
    {"crop_h", CFY_T_INT, 0, .i = {0, 0, SDXL_MAX_RESOLUTION, 1}},
    {"target_width", CFY_T_INT, 0, .i = {1024, 0, SDXL_MAX_RESOLUTION, 1}},
    {"target_height", CFY_T_INT, 0, .i = {1024, 0, SDXL_MAX_RESOLUTION, 1}},
    {"text_g", CFY_T_STRING, CFY_IN_MULTILINE | CFY_IN_DYNAMIC_PROMPTS, .s_def = ""},
    {"text_l", CFY_T_STRING, CFY_IN_MULTILINE | CFY_IN_DYNAMIC_PROMPTS, .s_def = ""},
    {NULL},
};

static const cfy_node_def clip_text_encode_sdxl = {
    .abi = CFY_ABI_VERSION,
    .class_type = "CLIPTextEncodeSDXL",
    .display_name = "CLIPTextEncodeSDXL",
    .category = "advanced/conditioning",
    .inputs = sdxl_inputs,
    .outputs = outputs,
    .run = clip_text_encode_sdxl_run,
};
static const cfy_node_def *const nodes[] = {&clip_text_encode, &clip_text_encode_sdxl, NULL};

cfy_status cfy_nodes_core_clip_text_encode_register(cfy_registry *reg, cfy_error *err)
{
    return cfy_registry_add_all(reg, nodes, err);
}

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
static const cfy_node_def *const nodes[] = {&clip_text_encode, NULL};

cfy_status cfy_nodes_core_clip_text_encode_register(cfy_registry *reg, cfy_error *err)
{
    return cfy_registry_add_all(reg, nodes, err);
}

/* basic_pipe.c — the Impact Pack's BASIC_PIPE (model, clip, vae, positive, negative) and the
 * ToBasicPipe / FromBasicPipe nodes that make and open one. */
#include <stdlib.h>

#include "comfyc/comfyc.h"
#include "nodes/impact/basic_pipe.h"

static void basic_pipe_free(void *p)
{
    cfy_basic_pipe *pipe = p;
    for (int i = 0; i < CFY_BASIC_PIPE_N; i++) cfy_value_release(pipe->items[i]);
    free(pipe);
}

static const char *const pipe_inputs[CFY_BASIC_PIPE_N] = {"model", "clip", "vae", "positive", "negative"};
static const char *const pipe_types[CFY_BASIC_PIPE_N] = {CFY_T_MODEL, CFY_T_CLIP, CFY_T_VAE, CFY_T_CONDITIONING,
                                                         CFY_T_CONDITIONING};

static cfy_status to_basic_pipe_run(cfy_node_ctx *ctx)
{
    cfy_basic_pipe *pipe = calloc(1, sizeof *pipe);
    if (!pipe) return cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
    for (int i = 0; i < CFY_BASIC_PIPE_N; i++) {
        const cfy_value *v;
        cfy_status st = cfy_node_in_value(ctx, pipe_inputs[i], pipe_types[i], &v);
        if (st != CFY_OK) {
            basic_pipe_free(pipe);
            return st;
        }
        pipe->items[i] = cfy_value_retain((cfy_value *)v);
    }
    return cfy_node_out(ctx, 0, cfy_value_new_object(CFY_T_BASIC_PIPE, pipe, basic_pipe_free));
}

static cfy_status from_basic_pipe_run(cfy_node_ctx *ctx)
{
    void *obj;
    cfy_status st = cfy_node_in_object(ctx, "basic_pipe", CFY_T_BASIC_PIPE, &obj);
    if (st != CFY_OK) return st;
    const cfy_basic_pipe *pipe = obj;
    for (int i = 0; i < CFY_BASIC_PIPE_N; i++)
        if ((st = cfy_node_out(ctx, i, cfy_value_retain(pipe->items[i]))) != CFY_OK) return st;
    return CFY_OK;
}

static const cfy_input_def to_basic_pipe_inputs[] = {
    {"model", CFY_T_MODEL}, {"clip", CFY_T_CLIP}, {"vae", CFY_T_VAE},
    {"positive", CFY_T_CONDITIONING}, {"negative", CFY_T_CONDITIONING}, {NULL},
};
static const cfy_output_def basic_pipe_output[] = {{CFY_T_BASIC_PIPE, "basic_pipe"}, {NULL}};
static const cfy_input_def from_basic_pipe_inputs[] = {{"basic_pipe", CFY_T_BASIC_PIPE}, {NULL}};
static const cfy_output_def from_basic_pipe_outputs[] = {
    {CFY_T_MODEL, "model"}, {CFY_T_CLIP, "clip"}, {CFY_T_VAE, "vae"},
    {CFY_T_CONDITIONING, "positive"}, {CFY_T_CONDITIONING, "negative"}, {NULL},
};

static const cfy_node_def to_basic_pipe = {
    .abi = CFY_ABI_VERSION, .class_type = "ToBasicPipe", .display_name = "ToBasicPipe",
    .category = "ImpactPack/Pipe", .python_module = "custom_nodes.ComfyUI-Impact-Pack",
    .inputs = to_basic_pipe_inputs, .outputs = basic_pipe_output, .run = to_basic_pipe_run,
};
static const cfy_node_def from_basic_pipe = {
    .abi = CFY_ABI_VERSION, .class_type = "FromBasicPipe", .display_name = "FromBasicPipe",
    .category = "ImpactPack/Pipe", .python_module = "custom_nodes.ComfyUI-Impact-Pack",
    .inputs = from_basic_pipe_inputs, .outputs = from_basic_pipe_outputs, .run = from_basic_pipe_run,
};
static const cfy_node_def *const basic_pipe_nodes[] = {&to_basic_pipe, &from_basic_pipe, NULL};

cfy_status cfy_nodes_impact_basic_pipe_register(cfy_registry *reg, cfy_error *err)
{
    return cfy_registry_add_all(reg, basic_pipe_nodes, err);
}

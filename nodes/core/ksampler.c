/* ksampler.c — KSampler and KSamplerAdvanced (nodes.py common_ksampler; spec sampling.md §3, §7).
 *
 * Both run cfy_sample (src/sampling/sample.h); the sampler and scheduler combos are the
 * library's static name tables, so validation lists the valid names as ComfyUI does. */
#include <stdio.h>
#include <string.h>

#include "comfyc/comfyc.h"
#include "sampling/sample.h"

/* Progress and interrupt of a node's sampler run. */
static void on_step(void *user, int step, int total, const float *x, const float *denoised)
{
    cfy_node_progress_label((cfy_node_ctx *)user, "steps", step + 1, total);
}

static bool on_interrupt(void *user) { return cfy_node_interrupted((cfy_node_ctx *)user); }

/* VALIDATE_INPUTS: names listed for ComfyUI compatibility but not implemented are refused here. */
static cfy_status validate_sampler(cfy_node_ctx *ctx)
{
    const cfy_value *v = cfy_node_in(ctx, "sampler_name");
    if (!v || cfy_value_kind(v) != CFY_KIND_STRING) return CFY_OK;
    const char *name = cfy_value_string(v);
    const cfy_sampler_info *info = cfy_sampler_find(name);
    if (info && !info->fn)
        return cfy_node_fail(ctx, CFY_EUNSUPPORTED, "sampler_name", "sampler '%s' is not implemented in comfyc yet",
                             name);
    return CFY_OK;
}

static cfy_status run_sample(cfy_node_ctx *ctx, cfy_sample_params *p, const char *latent_input)
{
    cfy_status st;
    const cfy_latent *lat = NULL;
    void *obj = NULL;
    if ((st = cfy_node_in_object(ctx, latent_input, CFY_T_LATENT, &obj)) != CFY_OK) return st;
    lat = obj;
    p->progress = on_step;
    p->progress_user = ctx;
    p->interrupted = on_interrupt;
    p->interrupt_user = ctx;
    cfy_value *out = NULL;
    if ((st = cfy_sample(p, lat, &out, NULL, cfy_node_err(ctx))) != CFY_OK) return st;
    return cfy_node_out(ctx, 0, out);
}

static cfy_status read_common(cfy_node_ctx *ctx, cfy_sample_params *p, const char *seed_input)
{
    cfy_status st;
    void *obj = NULL;
    int64_t steps;
    cfy_sample_params_init(p);
    if ((st = cfy_node_in_object(ctx, "model", CFY_T_MODEL, &obj)) != CFY_OK) return st;
    p->model = obj;
    if ((st = cfy_node_in_uint64(ctx, seed_input, &p->seed)) != CFY_OK) return st;
    if ((st = cfy_node_in_int(ctx, "steps", &steps)) != CFY_OK) return st;
    if (steps < 1 || steps > 10000) return cfy_node_fail(ctx, CFY_EINVAL, "steps", "%lld is outside 1..10000", (long long)steps);
    p->steps = (int)steps;
    if ((st = cfy_node_in_float(ctx, "cfg", &p->cfg)) != CFY_OK) return st;
    if ((st = cfy_node_in_string(ctx, "sampler_name", &p->sampler_name)) != CFY_OK) return st;
    if ((st = cfy_node_in_string(ctx, "scheduler", &p->scheduler)) != CFY_OK) return st;
    if ((st = cfy_node_in_object(ctx, "positive", CFY_T_CONDITIONING, &obj)) != CFY_OK) return st;
    p->positive = obj;
    if ((st = cfy_node_in_object(ctx, "negative", CFY_T_CONDITIONING, &obj)) != CFY_OK) return st;
    p->negative = obj;
    return CFY_OK;
}

static cfy_status ksampler_run(cfy_node_ctx *ctx)
{
    cfy_sample_params p;
    cfy_status st = read_common(ctx, &p, "seed");
    if (st != CFY_OK) return st;
    if ((st = cfy_node_in_float(ctx, "denoise", &p.denoise)) != CFY_OK) return st;
    return run_sample(ctx, &p, "latent_image");
}

static cfy_status ksampler_advanced_run(cfy_node_ctx *ctx)
{
    cfy_sample_params p;
    cfy_status st = read_common(ctx, &p, "noise_seed");
    if (st != CFY_OK) return st;
    const char *add_noise, *leftover;
    int64_t start, end;
    if ((st = cfy_node_in_string(ctx, "add_noise", &add_noise)) != CFY_OK) return st;
    if ((st = cfy_node_in_int(ctx, "start_at_step", &start)) != CFY_OK) return st;
    if ((st = cfy_node_in_int(ctx, "end_at_step", &end)) != CFY_OK) return st;
    if ((st = cfy_node_in_string(ctx, "return_with_leftover_noise", &leftover)) != CFY_OK) return st;
    if (start < 0 || start > 10000) return cfy_node_fail(ctx, CFY_EINVAL, "start_at_step", "%lld is outside 0..10000", (long long)start);
    if (end < 0 || end > 10000) return cfy_node_fail(ctx, CFY_EINVAL, "end_at_step", "%lld is outside 0..10000", (long long)end);
    p.add_noise = strcmp(add_noise, "disable") != 0;
    p.force_full_denoise = strcmp(leftover, "enable") != 0;
    p.start_step = (int)start;
    p.last_step = (int)end;
    p.denoise = 1.0;
    return run_sample(ctx, &p, "latent_image");
}

static const char *const enable_disable[] = {"enable", "disable", NULL};
static const char *const disable_enable[] = {"disable", "enable", NULL};

static const cfy_input_def ksampler_inputs[] = {
    {"model", CFY_T_MODEL, .tooltip = "The model used for denoising the input latent."},
    {"seed", CFY_T_INT, CFY_IN_UINT64 | CFY_IN_CONTROL_AFTER_GENERATE, .i = {0, 0, 0, 1},
     .tooltip = "The random seed used for creating the noise."},
    {"steps", CFY_T_INT, 0, .i = {20, 1, 10000, 1}, .tooltip = "The number of steps used in the denoising process."},
    {"cfg", CFY_T_FLOAT, 0, .f = {8.0, 0.0, 100.0, 0.1, 0.01}, .tooltip = "Classifier-Free Guidance scale."},
    {"sampler_name", CFY_T_COMBO, .combo = cfy_sampler_names, .tooltip = "The algorithm used when sampling."},
    {"scheduler", CFY_T_COMBO, .combo = cfy_scheduler_names, .tooltip = "How noise is removed over the steps."},
    {"positive", CFY_T_CONDITIONING},
    {"negative", CFY_T_CONDITIONING},
    {"latent_image", CFY_T_LATENT, .tooltip = "The latent image to denoise."},
    {"denoise", CFY_T_FLOAT, 0, .f = {1.0, 0.0, 1.0, 0.01, 0.01}, .tooltip = "The amount of denoising applied."},
    {NULL}};

static const cfy_input_def ksampler_advanced_inputs[] = {
    {"model", CFY_T_MODEL},
    {"add_noise", CFY_T_COMBO, .combo = enable_disable},
    {"noise_seed", CFY_T_INT, CFY_IN_UINT64 | CFY_IN_CONTROL_AFTER_GENERATE, .i = {0, 0, 0, 1}},
    {"steps", CFY_T_INT, 0, .i = {20, 1, 10000, 1}},
    {"cfg", CFY_T_FLOAT, 0, .f = {8.0, 0.0, 100.0, 0.1, 0.01}},
    {"sampler_name", CFY_T_COMBO, .combo = cfy_sampler_names},
    {"scheduler", CFY_T_COMBO, .combo = cfy_scheduler_names},
    {"positive", CFY_T_CONDITIONING},
    {"negative", CFY_T_CONDITIONING},
    {"latent_image", CFY_T_LATENT},
    {"start_at_step", CFY_T_INT, 0, .i = {0, 0, 10000, 1}},
    {"end_at_step", CFY_T_INT, 0, .i = {10000, 0, 10000, 1}},
    {"return_with_leftover_noise", CFY_T_COMBO, .combo = disable_enable},
    {NULL}};

static const cfy_output_def latent_out[] = {{CFY_T_LATENT}, {NULL}};

static const cfy_node_def ksampler_def = {
    .abi = CFY_ABI_VERSION,
    .class_type = "KSampler",
    .display_name = "KSampler",
    .category = "sampling",
    .description = "Uses the provided model, positive and negative conditioning to denoise the latent image.",
    .inputs = ksampler_inputs,
    .outputs = latent_out,
    .run = ksampler_run,
    .validate = validate_sampler,
};

static const cfy_node_def ksampler_advanced_def = {
    .abi = CFY_ABI_VERSION,
    .class_type = "KSamplerAdvanced",
    .display_name = "KSampler (Advanced)",
    .category = "sampling",
    .inputs = ksampler_advanced_inputs,
    .outputs = latent_out,
    .run = ksampler_advanced_run,
    .validate = validate_sampler,
};

static const cfy_node_def *const ksampler_nodes[] = {&ksampler_def, &ksampler_advanced_def, NULL};

cfy_status cfy_nodes_core_ksampler_register(cfy_registry *reg, cfy_error *err)
{
    return cfy_registry_add_all(reg, ksampler_nodes, err);
}

/* scheduler_funcs.c — SCHEDULER_FUNC providers of the Impact Pack: GITSSchedulerFuncProvider
 * (spec segs-upscaler.md §7.2, sampling.md §9.1). The function returns ComfyUI's
 * GITSScheduler.get_sigmas(coeff, steps, denoise) for the steps it is called with and ignores the
 * model and the sampler name (so no penultimate-sigma handling). */
#include <stdlib.h>
#include <string.h>

#include "comfyc/comfyc.h"
#include "comfyc/hooks.h"
#include "sampling/schedulers.h"

typedef struct gits_func {
    double coeff, denoise;
} gits_func;

static cfy_status gits_get_sigmas(void *user, const cfy_value *model, const char *sampler_name, int64_t steps,
                                  cfy_tensor **sigmas, cfy_error *err)
{
    (void)model;
    (void)sampler_name;
    const gits_func *g = user;
    *sigmas = NULL;
    if (steps < 2 || steps > 1000)
        return cfy_error_set(err, CFY_EINVAL, "GITS scheduler function: %lld steps is outside 2..1000 (GITS's range)",
                             (long long)steps);
    cfy_sigmas s = {0};
    cfy_status st = cfy_sigmas_gits(g->coeff, (int)steps, g->denoise, &s, err);
    if (st) return st;
    int64_t n = s.n;
    if ((st = cfy_tensor_new(CFY_F32, cfy_cpu(), 1, &n, false, sigmas, err)) == CFY_OK && n > 0)
        memcpy(cfy_tensor_f32(*sigmas), s.v, (size_t)n * sizeof(float));
    cfy_sigmas_free(&s);
    return st;
}

static cfy_status gits_provider_run(cfy_node_ctx *ctx)
{
    gits_func g;
    cfy_status st;
    if ((st = cfy_node_in_float(ctx, "coeff", &g.coeff))) return st;
    if ((st = cfy_node_in_float(ctx, "denoise", &g.denoise))) return st;
    gits_func *u = malloc(sizeof *u);
    if (!u) return cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
    *u = g;
    cfy_scheduler_func fn = {.abi = CFY_ABI_VERSION, .user = u, .get_sigmas = gits_get_sigmas, .release = free};
    cfy_value *v = cfy_value_new_scheduler_func(&fn);
    if (!v) return cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
    return cfy_node_out(ctx, 0, v);
}

static const cfy_input_def gits_provider_inputs[] = {
    {"coeff", CFY_T_FLOAT, 0, .f = {1.20, 0.80, 1.50, 0.05, 0.0}},
    {"denoise", CFY_T_FLOAT, 0, .f = {1.0, 0.0, 1.0, 0.01, 0.0}},
    {NULL},
};
static const cfy_output_def scheduler_func_output[] = {{CFY_T_SCHEDULER_FUNC}, {NULL}};
static const cfy_node_def gits_provider = {
    .abi = CFY_ABI_VERSION,
    .class_type = "GITSSchedulerFuncProvider",
    .display_name = "GITSScheduler Func Provider",
    .category = "ImpactPack/sampling",
    .python_module = "custom_nodes.ComfyUI-Impact-Pack",
    .inputs = gits_provider_inputs,
    .outputs = scheduler_func_output,
    .run = gits_provider_run,
};
static const cfy_node_def *const scheduler_func_nodes[] = {&gits_provider, NULL};

cfy_status cfy_nodes_impact_scheduler_funcs_register(cfy_registry *reg, cfy_error *err)
{
    return cfy_registry_add_all(reg, scheduler_func_nodes, err);
}

/* segs_upscaler.c — the Impact Pack's SEGSUpscaler ("Upscaler (SEGS)") and SEGSUpscalerPipe nodes:
 * input tables as the Impact Pack declares them (spec segs-upscaler.md §2.1), input reading and
 * the adapters from workflow values (VAE, UPSCALE_MODEL, SCHEDULER_FUNC, UPSCALER_HOOK) to the
 * algorithm in segs_upscale_algo.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comfyc/comfyc.h"
#include "comfyc/hooks.h"
#include "image/tiled_scale.h"
#include "models/upscale_model.h"
#include "models/vae.h"
#include "nodes/impact/basic_pipe.h"
#include "nodes/impact/segs_upscale_algo.h"

#define IMPACT_MODULE "custom_nodes.ComfyUI-Impact-Pack"

/* ==== adapters ==== */

/* The algorithm works on the CPU (as the Impact Pack does); the models run on their package's
 * device. These adapters move tensors across when the two differ (no copy on a CPU runtime). */
static cfy_status to_device(const cfy_tensor *t, cfy_device dev, cfy_tensor **out, cfy_error *err)
{
    if (cfy_device_eq(t->device, dev)) {
        *out = cfy_tensor_retain((cfy_tensor *)t);
        return CFY_OK;
    }
    return cfy_tensor_to(t, dev, out, err);
}

/* Run f(model, in) with `in` moved to dev and the result moved to the CPU. */
static cfy_status run_on(cfy_device dev, const cfy_tensor *in, cfy_tensor **out, cfy_error *err,
                         cfy_status (*f)(const cfy_vae *, const cfy_tensor *, cfy_tensor **, cfy_error *),
                         const cfy_vae *vae)
{
    *out = NULL;
    cfy_tensor *a = NULL, *b = NULL;
    cfy_status st = to_device(in, dev, &a, err);
    if (!st) st = f(vae, a, &b, err);
    if (!st) st = to_device(b, cfy_cpu(), out, err);
    cfy_tensor_release(a);
    cfy_tensor_release(b);
    return st;
}

static cfy_status vae_encode(void *user, const cfy_tensor *pixels, cfy_tensor **latent, cfy_error *err)
{
    const cfy_vae *vae = user;
    return run_on(vae->package->device, pixels, latent, err, cfy_vae_encode, vae);
}

static cfy_status vae_decode(void *user, const cfy_tensor *latent, cfy_tensor **image, cfy_error *err)
{
    const cfy_vae *vae = user;
    return run_on(vae->package->device, latent, image, err, cfy_vae_decode, vae);
}

static cfy_status model_upscale(void *user, cfy_runtime *rt, const cfy_tensor *image, cfy_tensor **out, cfy_error *err)
{
    cfy_upscale_model *m = user;
    cfy_tensor *a = NULL;
    cfy_status st = to_device(image, m->package->device, &a, err);
    if (!st) st = cfy_image_upscale_with_model(rt, a, cfy_upscale_model_run_tile, m, (double)m->scale, out, err);
    cfy_tensor_release(a);
    return st;
}

/* A SCHEDULER_FUNC value seen through the sampling library's callback. */
typedef struct sched_bridge {
    const cfy_scheduler_func *fn;
    const cfy_value *model; /* the MODEL value the function receives */
} sched_bridge;

static cfy_status sched_call(void *user, const cfy_model *model, const char *sampler_name, int steps, cfy_sigmas *out,
                             cfy_error *err)
{
    (void)model; /* the hook receives the MODEL value, which wraps this model */
    const sched_bridge *b = user;
    cfy_tensor *t = NULL, *c = NULL;
    cfy_status st = b->fn->get_sigmas(b->fn->user, b->model, sampler_name, steps, &t, err);
    if (st != CFY_OK) return cfy_error_set_input(err, "scheduler_func_opt");
    if (!t || t->dtype != CFY_F32 || t->ndim != 1) {
        char sb[96];
        cfy_error_set(err, CFY_EINVAL, "the scheduler function returned %s, expected f32 sigmas [N]",
                      t ? cfy_tensor_shape_str(t, sb, sizeof sb) : "nothing");
        cfy_tensor_release(t);
        return cfy_error_set_input(err, "scheduler_func_opt");
    }
    if ((st = cfy_tensor_to(t, cfy_cpu(), &c, err)) == CFY_OK &&
        (st = cfy_sigmas_alloc(out, (int)c->sizes[0], err)) == CFY_OK && out->n > 0)
        memcpy(out->v, cfy_tensor_f32(c), (size_t)out->n * sizeof(float));
    cfy_tensor_release(t);
    cfy_tensor_release(c);
    return st;
}

/* Observers: a log line per segment, and two progress bars: "segments" (one tick per segment)
 * and "steps" (each segment's sampler steps, as KSampler's bar). */
static void on_segment(void *user, const cfy_su_segment_info *s)
{
    cfy_node_ctx *ctx = user;
    cfy_log(cfy_node_runtime(ctx), 2,
            "node %s (SEGSUpscaler): segment %d/%d crop region [%lld, %lld, %lld, %lld] seed %llu %s %.3f s",
            cfy_node_id(ctx), s->index + 1, s->count, (long long)s->region[0], (long long)s->region[1],
            (long long)s->region[2], (long long)s->region[3], (unsigned long long)s->seed,
            s->skipped ? "skipped (empty mask)" : "refined", s->seconds);
    char item[256];
    snprintf(item, sizeof item,
             "{\"index\": %d, \"crop_region\": [%lld, %lld, %lld, %lld], \"seed\": %llu, \"skipped\": %s, "
             "\"seconds\": %.6f}",
             s->index, (long long)s->region[0], (long long)s->region[1], (long long)s->region[2],
             (long long)s->region[3], (unsigned long long)s->seed, s->skipped ? "true" : "false", s->seconds);
    cfy_node_report_item(ctx, "segments", item);
    cfy_node_progress_label(ctx, "segments", s->index + 1, s->count);
}

static void on_step(void *user, int step, int total, const float *x, const float *denoised)
{
    (void)x;
    (void)denoised;
    cfy_node_progress_label(user, "steps", step + 1, total);
}

static bool on_interrupt(void *user)
{
    return cfy_node_interrupted(user);
}

static void on_log(void *user, int level, const char *message)
{
    cfy_log(cfy_node_runtime(user), level, "%s", message);
}

/* ==== the shared run ==== */

typedef struct su_models {
    const cfy_value *model, *vae, *positive, *negative;
} su_models;

static cfy_status read_resample(cfy_node_ctx *ctx, cfy_segs_upscale_params *p)
{
    const char *s;
    cfy_status st = cfy_node_in_string(ctx, "resampling_method", &s);
    if (st) return st;
    if ((st = cfy_resample_parse(s, &p->resampling, cfy_node_err(ctx))) != CFY_OK)
        return cfy_error_set_input(cfy_node_err(ctx), "resampling_method");
    if ((st = cfy_node_in_string(ctx, "supersample", &s))) return st;
    if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
        return cfy_node_fail(ctx, CFY_EINVAL, "supersample", "supersample '%s' is not 'true' or 'false'", s);
    p->supersample = strcmp(s, "true") == 0;
    return CFY_OK;
}

static cfy_status segs_upscaler_common(cfy_node_ctx *ctx, const su_models *m)
{
    cfy_segs_upscale_params p;
    cfy_segs_upscale_params_init(&p);
    cfy_error *err = cfy_node_err(ctx);
    const cfy_tensor *image;
    void *segs_obj, *up_obj = NULL;
    const cfy_value *hook_v = NULL, *sched_v = NULL;
    int64_t steps, rounding_modulus;
    cfy_status st;
    if ((st = cfy_node_in_tensor(ctx, "image", &image))) return st;
    if ((st = cfy_node_in_object(ctx, "segs", CFY_T_SEGS, &segs_obj))) return st;
    if ((st = cfy_node_in_float(ctx, "rescale_factor", &p.rescale_factor))) return st;
    if ((st = read_resample(ctx, &p))) return st;
    if ((st = cfy_node_in_int(ctx, "rounding_modulus", &rounding_modulus))) return st; /* unused, as in Impact */
    if ((st = cfy_node_in_uint64(ctx, "seed", &p.seed))) return st;
    if ((st = cfy_node_in_int(ctx, "steps", &steps))) return st;
    if ((st = cfy_node_in_float(ctx, "cfg", &p.cfg))) return st;
    if ((st = cfy_node_in_string(ctx, "sampler_name", &p.sampler_name))) return st;
    if ((st = cfy_node_in_string(ctx, "scheduler", &p.scheduler))) return st;
    if ((st = cfy_node_in_float(ctx, "denoise", &p.denoise))) return st;
    if ((st = cfy_node_in_int(ctx, "feather", &p.feather))) return st;
    if ((st = cfy_node_in_bool(ctx, "inpaint_model", &p.inpaint_model))) return st;
    if ((st = cfy_node_in_int(ctx, "noise_mask_feather", &p.noise_mask_feather))) return st;
    if ((st = cfy_node_in_object(ctx, "upscale_model_opt", CFY_T_UPSCALE_MODEL, &up_obj))) return st;
    if ((st = cfy_node_in_value(ctx, "upscaler_hook_opt", NULL, &hook_v))) return st;
    if ((st = cfy_node_in_value(ctx, "scheduler_func_opt", CFY_T_SCHEDULER_FUNC, &sched_v))) return st;
    if (steps < 1 || steps > 10000)
        return cfy_node_fail(ctx, CFY_EINVAL, "steps", "steps %lld is out of range 1..10000", (long long)steps);
    p.steps = (int)steps;

    p.model = cfy_value_object(m->model);
    p.vae.user = cfy_value_object(m->vae);
    p.vae.encode = vae_encode;
    p.vae.decode = vae_decode;
    p.positive = cfy_value_conditioning(m->positive);
    p.negative = cfy_value_conditioning(m->negative);
    cfy_su_upscale_model um = {up_obj, model_upscale};
    if (up_obj) p.upscale_model = &um;
    if (hook_v) {
        if (!(p.hook = cfy_value_upscaler_hook(hook_v)))
            return cfy_node_fail(ctx, CFY_EINVAL, "upscaler_hook_opt", "expected an UPSCALER_HOOK, got %s",
                                 cfy_value_type(hook_v));
    }
    sched_bridge sb = {NULL, m->model};
    if (sched_v) {
        if (!(sb.fn = cfy_value_scheduler_func(sched_v)) || !sb.fn->get_sigmas)
            return cfy_node_fail(ctx, CFY_EINVAL, "scheduler_func_opt", "not a usable SCHEDULER_FUNC");
        p.scheduler_func = sched_call;
        p.scheduler_func_user = &sb;
    }
    p.on_segment = on_segment;
    p.on_step = on_step;
    p.interrupted = on_interrupt;
    p.observer_user = ctx;
    p.log = on_log;
    p.log_user = ctx;

    cfy_tensor *out = NULL, *host = NULL;
    if ((st = to_device(image, cfy_cpu(), &host, err)) != CFY_OK) return st;
    st = cfy_segs_upscale(cfy_node_runtime(ctx), &p, host, segs_obj, NULL, &out, err);
    cfy_tensor_release(host);
    if (st != CFY_OK) return st;
    cfy_value *v = cfy_value_new_tensor(CFY_T_IMAGE, out);
    if (!v) return cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
    return cfy_node_out(ctx, 0, v);
}

static cfy_status segs_upscaler_run(cfy_node_ctx *ctx)
{
    su_models m;
    cfy_status st;
    if ((st = cfy_node_in_value(ctx, "model", CFY_T_MODEL, &m.model))) return st;
    if ((st = cfy_node_in_value(ctx, "vae", CFY_T_VAE, &m.vae))) return st;
    if ((st = cfy_node_in_value(ctx, "positive", CFY_T_CONDITIONING, &m.positive))) return st;
    if ((st = cfy_node_in_value(ctx, "negative", CFY_T_CONDITIONING, &m.negative))) return st;
    return segs_upscaler_common(ctx, &m);
}

static cfy_status segs_upscaler_pipe_run(cfy_node_ctx *ctx)
{
    void *obj;
    cfy_status st = cfy_node_in_object(ctx, "basic_pipe", CFY_T_BASIC_PIPE, &obj);
    if (st) return st;
    const cfy_basic_pipe *pipe = obj;
    static const char *const types[CFY_BASIC_PIPE_N] = {CFY_T_MODEL, CFY_T_CLIP, CFY_T_VAE, CFY_T_CONDITIONING,
                                                        CFY_T_CONDITIONING};
    for (int i = 0; i < CFY_BASIC_PIPE_N; i++)
        if (!pipe->items[i] || strcmp(cfy_value_type(pipe->items[i]), types[i]) != 0)
            return cfy_node_fail(ctx, CFY_EINVAL, "basic_pipe", "item %d of the BASIC_PIPE is not a %s", i, types[i]);
    su_models m = {pipe->items[CFY_PIPE_MODEL], pipe->items[CFY_PIPE_VAE], pipe->items[CFY_PIPE_POSITIVE],
                   pipe->items[CFY_PIPE_NEGATIVE]};
    return segs_upscaler_common(ctx, &m);
}

/* ==== tables ==== */

static const char *const resampling_methods[] = {"lanczos", "nearest", "bilinear", "bicubic", NULL};
static const char *const true_false[] = {"true", "false", NULL};
static const char *const impact_extra_schedulers[] = {"AYS SDXL", "AYS SD1", "AYS SVD", "GITS[coeff=1.2]", NULL};

/* Impact's SCHEDULERS: ComfyUI's KSampler list followed by the four Impact names. */
static cfy_status list_schedulers(cfy_runtime *rt, char ***out, cfy_error *err)
{
    (void)rt;
    int n = 0, k = 0;
    while (cfy_scheduler_names[n])
        n++;
    char **l = calloc((size_t)n + 5, sizeof *l);
    if (!l) return cfy_error_set(err, CFY_ENOMEM, "out of memory");
    for (int i = 0; i < n + 4; i++) {
        const char *s = i < n ? cfy_scheduler_names[i] : impact_extra_schedulers[i - n];
        if (!(l[k++] = strdup(s))) {
            cfy_strlist_free(l);
            return cfy_error_set(err, CFY_ENOMEM, "out of memory");
        }
    }
    *out = l;
    return CFY_OK;
}

/* The same inputs in both tables; SEGSUpscalerPipe takes model, clip, vae, positive, negative
 * from basic_pipe. */
static const cfy_input_def segs_upscaler_inputs[] = {
    {"image", CFY_T_IMAGE, 0},
    {"segs", CFY_T_SEGS, 0},
    {"model", CFY_T_MODEL, 0},
    {"clip", CFY_T_CLIP, 0}, /* accepted but never used, as in the Impact Pack */
    {"vae", CFY_T_VAE, 0},
    {"rescale_factor", CFY_T_FLOAT, 0, .f = {2.0, 0.01, 100.0, 0.01, 0.0}},
    {"resampling_method", CFY_T_COMBO, .combo = resampling_methods},
    {"supersample", CFY_T_COMBO, .combo = true_false},
    {"rounding_modulus", CFY_T_INT, 0, .i = {8, 8, 1024, 8}}, /* read but unused, as in the Impact Pack */
    {"seed", CFY_T_INT, CFY_IN_UINT64, .i = {0, 0, 0, 1}},
    {"steps", CFY_T_INT, 0, .i = {20, 1, 10000, 1}},
    {"cfg", CFY_T_FLOAT, 0, .f = {8.0, 0.0, 100.0, 0.0, 0.0}},
    {"sampler_name", CFY_T_COMBO, .combo = cfy_sampler_names},
    {"scheduler", CFY_T_COMBO, .combo_fn = list_schedulers},
    {"positive", CFY_T_CONDITIONING, 0},
    {"negative", CFY_T_CONDITIONING, 0},
    {"denoise", CFY_T_FLOAT, 0, .f = {0.5, 0.0001, 1.0, 0.01, 0.0}},
    {"feather", CFY_T_INT, 0, .i = {5, 0, 100, 1}},
    {"inpaint_model", CFY_T_BOOLEAN, 0, .b_def = false, .label_on = "enabled", .label_off = "disabled"},
    {"noise_mask_feather", CFY_T_INT, 0, .i = {20, 0, 100, 1}},
    {"upscale_model_opt", CFY_T_UPSCALE_MODEL, CFY_IN_OPTIONAL},
    {"upscaler_hook_opt", CFY_T_UPSCALER_HOOK, CFY_IN_OPTIONAL},
    {"scheduler_func_opt", CFY_T_SCHEDULER_FUNC, CFY_IN_OPTIONAL},
    {NULL},
};

static const cfy_input_def segs_upscaler_pipe_inputs[] = {
    {"image", CFY_T_IMAGE, 0},
    {"segs", CFY_T_SEGS, 0},
    {"basic_pipe", CFY_T_BASIC_PIPE, 0},
    {"rescale_factor", CFY_T_FLOAT, 0, .f = {2.0, 0.01, 100.0, 0.01, 0.0}},
    {"resampling_method", CFY_T_COMBO, .combo = resampling_methods},
    {"supersample", CFY_T_COMBO, .combo = true_false},
    {"rounding_modulus", CFY_T_INT, 0, .i = {8, 8, 1024, 8}},
    {"seed", CFY_T_INT, CFY_IN_UINT64, .i = {0, 0, 0, 1}},
    {"steps", CFY_T_INT, 0, .i = {20, 1, 10000, 1}},
    {"cfg", CFY_T_FLOAT, 0, .f = {8.0, 0.0, 100.0, 0.0, 0.0}},
    {"sampler_name", CFY_T_COMBO, .combo = cfy_sampler_names},
    {"scheduler", CFY_T_COMBO, .combo_fn = list_schedulers},
    {"denoise", CFY_T_FLOAT, 0, .f = {0.5, 0.0001, 1.0, 0.01, 0.0}},
    {"feather", CFY_T_INT, 0, .i = {5, 0, 100, 1}},
    {"inpaint_model", CFY_T_BOOLEAN, 0, .b_def = false, .label_on = "enabled", .label_off = "disabled"},
    {"noise_mask_feather", CFY_T_INT, 0, .i = {20, 0, 100, 1}},
    {"upscale_model_opt", CFY_T_UPSCALE_MODEL, CFY_IN_OPTIONAL},
    {"upscaler_hook_opt", CFY_T_UPSCALER_HOOK, CFY_IN_OPTIONAL},
    {"scheduler_func_opt", CFY_T_SCHEDULER_FUNC, CFY_IN_OPTIONAL},
    {NULL},
};

static const cfy_output_def image_output[] = {{CFY_T_IMAGE}, {NULL}};

static const cfy_node_def segs_upscaler = {
    .abi = CFY_ABI_VERSION,
    .class_type = "SEGSUpscaler",
    .display_name = "Upscaler (SEGS)",
    .category = "ImpactPack/Upscale",
    .python_module = IMPACT_MODULE,
    .inputs = segs_upscaler_inputs,
    .outputs = image_output,
    .run = segs_upscaler_run,
};
static const cfy_node_def segs_upscaler_pipe = {
    .abi = CFY_ABI_VERSION,
    .class_type = "SEGSUpscalerPipe",
    .display_name = "Upscaler (SEGS/pipe)",
    .category = "ImpactPack/Upscale",
    .python_module = IMPACT_MODULE,
    .inputs = segs_upscaler_pipe_inputs,
    .outputs = image_output,
    .run = segs_upscaler_pipe_run,
};
static const cfy_node_def *const segs_upscaler_nodes[] = {&segs_upscaler, &segs_upscaler_pipe, NULL};

cfy_status cfy_nodes_impact_segs_upscaler_register(cfy_registry *reg, cfy_error *err)
{
    return cfy_registry_add_all(reg, segs_upscaler_nodes, err);
}

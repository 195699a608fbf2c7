/* custom_sampling.c — ComfyUI's custom-sampling nodes (comfy_extras/nodes_custom_sampler.py,
 * nodes_align_your_steps.py, nodes_gits.py; spec sampling.md §2.10–2.11, §7.2): SAMPLER, SIGMAS,
 * NOISE and GUIDER values and the two SamplerCustom nodes, all on the sampling library. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "comfyc/comfyc.h"
#include "sampling/sample.h"

/* ==== value payloads ==== */

/* NOISE: RandomNoise / DisableNoise. */
typedef struct noise_obj {
    uint64_t seed;
    bool enabled;
} noise_obj;

/* GUIDER: CFGGuider / BasicGuider. Holds references to its input values. */
typedef struct guider_obj {
    cfy_value *model, *positive, *negative; /* negative NULL for BasicGuider */
    double cfg;
} guider_obj;

static void guider_free(void *p)
{
    guider_obj *g = p;
    if (!g) return;
    cfy_value_release(g->model);
    cfy_value_release(g->positive);
    cfy_value_release(g->negative);
    free(g);
}

/* ==== helpers ==== */

static cfy_status out_sigmas(cfy_node_ctx *ctx, int index, const float *v, int n)
{
    int64_t size = n;
    cfy_tensor *t = NULL;
    cfy_status st = cfy_tensor_new(CFY_F32, cfy_cpu(), 1, &size, false, &t, cfy_node_err(ctx));
    if (st != CFY_OK) return st;
    if (n > 0) memcpy(cfy_tensor_f32(t), v, (size_t)n * sizeof(float));
    return cfy_node_out(ctx, index, cfy_value_new_tensor(CFY_T_SIGMAS, t));
}

static cfy_status out_sigmas_free(cfy_node_ctx *ctx, cfy_sigmas *s)
{
    cfy_status st = out_sigmas(ctx, 0, s->v, s->n);
    cfy_sigmas_free(s);
    return st;
}

/* A SIGMAS input as a contiguous host f32 vector. *out returns new (release). */
static cfy_status in_sigmas(cfy_node_ctx *ctx, const char *name, cfy_tensor **out)
{
    const cfy_tensor *t = NULL;
    cfy_status st = cfy_node_in_tensor(ctx, name, &t);
    if (st != CFY_OK) return st;
    if (t->ndim != 1 || t->dtype != CFY_F32) return cfy_node_fail(ctx, CFY_EINVAL, name, "expected f32 SIGMAS [n]");
    cfy_tensor *h = NULL;
    if ((st = cfy_tensor_to(t, cfy_cpu(), &h, cfy_node_err(ctx))) != CFY_OK) return st;
    *out = h;
    return CFY_OK;
}

/* ==== samplers and schedulers ==== */

static cfy_status ksampler_select_run(cfy_node_ctx *ctx)
{
    const char *name;
    cfy_status st = cfy_node_in_string(ctx, "sampler_name", &name);
    if (st != CFY_OK) return st;
    const cfy_sampler_info *info = cfy_sampler_find(name);
    if (!info) return cfy_node_fail(ctx, CFY_EINVAL, "sampler_name", "unknown sampler '%s'", name);
    if (!info->fn)
        return cfy_node_fail(ctx, CFY_EUNSUPPORTED, "sampler_name", "sampler '%s' is not implemented in comfyc yet", name);
    return cfy_node_out(ctx, 0, cfy_value_new_object(CFY_T_SAMPLER, (void *)info, NULL));
}

static cfy_status read_steps_denoise(cfy_node_ctx *ctx, int64_t *steps, double *denoise)
{
    cfy_status st;
    if ((st = cfy_node_in_int(ctx, "steps", steps)) != CFY_OK) return st;
    if (denoise && (st = cfy_node_in_float(ctx, "denoise", denoise)) != CFY_OK) return st;
    if (*steps < 1 || *steps > 10000) return cfy_node_fail(ctx, CFY_EINVAL, "steps", "%lld is outside 1..10000", (long long)*steps);
    if (denoise && !(*denoise >= 0.0 && *denoise <= 1.0))
        return cfy_node_fail(ctx, CFY_EINVAL, "denoise", "%g is outside 0..1", *denoise);
    return CFY_OK;
}

static cfy_status basic_scheduler_run(cfy_node_ctx *ctx)
{
    void *obj;
    const char *name;
    int64_t steps;
    double denoise;
    cfy_status st;
    if ((st = cfy_node_in_object(ctx, "model", CFY_T_MODEL, &obj)) != CFY_OK) return st;
    if ((st = cfy_node_in_string(ctx, "scheduler", &name)) != CFY_OK) return st;
    if ((st = read_steps_denoise(ctx, &steps, &denoise)) != CFY_OK) return st;
    int k = cfy_scheduler_from_name(name);
    if (k < 0) return cfy_node_fail(ctx, CFY_EINVAL, "scheduler", "unknown scheduler '%s'", name);
    int64_t total = steps;
    if (denoise < 1.0) {
        if (denoise <= 0.0) return out_sigmas(ctx, 0, NULL, 0);
        total = (int64_t)((double)steps / denoise);
        if (total > 1000000) return cfy_node_fail(ctx, CFY_EINVAL, "denoise", "steps / denoise is too large");
    }
    cfy_sigmas s;
    if ((st = cfy_scheduler_sigmas(&((const cfy_model *)obj)->sampling, (cfy_scheduler)k, (int)total, &s,
                                   cfy_node_err(ctx))) != CFY_OK)
        return st;
    int keep = (int)steps + 1 < s.n ? (int)steps + 1 : s.n;
    st = out_sigmas(ctx, 0, s.v + (s.n - keep), keep);
    cfy_sigmas_free(&s);
    return st;
}

static cfy_status karras_like_run(cfy_node_ctx *ctx, bool karras)
{
    int64_t steps;
    double smax, smin, rho = 7.0;
    cfy_status st;
    if ((st = read_steps_denoise(ctx, &steps, NULL)) != CFY_OK) return st;
    if ((st = cfy_node_in_float(ctx, "sigma_max", &smax)) != CFY_OK) return st;
    if ((st = cfy_node_in_float(ctx, "sigma_min", &smin)) != CFY_OK) return st;
    if (karras && (st = cfy_node_in_float(ctx, "rho", &rho)) != CFY_OK) return st;
    if (!(smin > 0.0) || !(smax > 0.0)) return cfy_node_fail(ctx, CFY_EINVAL, "sigma_min", "sigmas must be > 0");
    cfy_sigmas s;
    st = karras ? cfy_sigmas_karras((int)steps, smin, smax, rho, &s, cfy_node_err(ctx))
                : cfy_sigmas_exponential((int)steps, smin, smax, &s, cfy_node_err(ctx));
    if (st != CFY_OK) return st;
    return out_sigmas_free(ctx, &s);
}

static cfy_status karras_scheduler_run(cfy_node_ctx *ctx) { return karras_like_run(ctx, true); }
static cfy_status exponential_scheduler_run(cfy_node_ctx *ctx) { return karras_like_run(ctx, false); }

static cfy_status ays_run(cfy_node_ctx *ctx)
{
    const char *type;
    int64_t steps;
    double denoise;
    cfy_status st;
    if ((st = cfy_node_in_string(ctx, "model_type", &type)) != CFY_OK) return st;
    if ((st = read_steps_denoise(ctx, &steps, &denoise)) != CFY_OK) return st;
    cfy_sigmas s;
    if ((st = cfy_sigmas_ays(type, (int)steps, denoise, &s, cfy_node_err(ctx))) != CFY_OK) return st;
    return out_sigmas_free(ctx, &s);
}

static cfy_status gits_run(cfy_node_ctx *ctx)
{
    double coeff, denoise;
    int64_t steps;
    cfy_status st;
    if ((st = cfy_node_in_float(ctx, "coeff", &coeff)) != CFY_OK) return st;
    if ((st = cfy_node_in_int(ctx, "steps", &steps)) != CFY_OK) return st;
    if ((st = cfy_node_in_float(ctx, "denoise", &denoise)) != CFY_OK) return st;
    if (steps < 2 || steps > 1000) return cfy_node_fail(ctx, CFY_EINVAL, "steps", "%lld is outside 2..1000", (long long)steps);
    cfy_sigmas s;
    if ((st = cfy_sigmas_gits(coeff, (int)steps, denoise, &s, cfy_node_err(ctx))) != CFY_OK) {
        cfy_error_set_input(cfy_node_err(ctx), "coeff");
        return st;
    }
    return out_sigmas_free(ctx, &s);
}

static cfy_status split_sigmas_run(cfy_node_ctx *ctx)
{
    cfy_tensor *t = NULL;
    int64_t step;
    cfy_status st;
    if ((st = in_sigmas(ctx, "sigmas", &t)) != CFY_OK) return st;
    if ((st = cfy_node_in_int(ctx, "step", &step)) != CFY_OK) goto done;
    int n = (int)t->sizes[0];
    const float *v = cfy_tensor_f32(t);
    int64_t hi_n = step + 1 < n ? step + 1 : n, lo0 = step < n ? step : n;
    if ((st = out_sigmas(ctx, 0, v, (int)hi_n)) != CFY_OK) goto done;
    st = out_sigmas(ctx, 1, v + lo0, (int)(n - lo0));
done:
    cfy_tensor_release(t);
    return st;
}

/* ==== noise and guiders ==== */

static cfy_status random_noise_run(cfy_node_ctx *ctx)
{
    noise_obj *n = calloc(1, sizeof *n);
    if (!n) return cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
    cfy_status st = cfy_node_in_uint64(ctx, "noise_seed", &n->seed);
    if (st != CFY_OK) {
        free(n);
        return st;
    }
    n->enabled = true;
    return cfy_node_out(ctx, 0, cfy_value_new_object(CFY_T_NOISE, n, free));
}

static cfy_status disable_noise_run(cfy_node_ctx *ctx)
{
    noise_obj *n = calloc(1, sizeof *n);
    if (!n) return cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
    return cfy_node_out(ctx, 0, cfy_value_new_object(CFY_T_NOISE, n, free));
}

static cfy_status guider_run(cfy_node_ctx *ctx, bool with_cfg)
{
    cfy_status st;
    const cfy_value *m, *pos, *neg = NULL;
    double cfg = 1.0;
    if ((st = cfy_node_in_value(ctx, "model", CFY_T_MODEL, &m)) != CFY_OK) return st;
    if ((st = cfy_node_in_value(ctx, with_cfg ? "positive" : "conditioning", CFY_T_CONDITIONING, &pos)) != CFY_OK)
        return st;
    if (with_cfg) {
        if ((st = cfy_node_in_value(ctx, "negative", CFY_T_CONDITIONING, &neg)) != CFY_OK) return st;
        if ((st = cfy_node_in_float(ctx, "cfg", &cfg)) != CFY_OK) return st;
        if (!isfinite(cfg)) return cfy_node_fail(ctx, CFY_EINVAL, "cfg", "%g is not a finite number", cfg);
    }
    guider_obj *g = calloc(1, sizeof *g);
    if (!g) return cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
    g->model = cfy_value_retain((cfy_value *)m);
    g->positive = cfy_value_retain((cfy_value *)pos);
    g->negative = cfy_value_retain((cfy_value *)neg);
    g->cfg = cfg;
    return cfy_node_out(ctx, 0, cfy_value_new_object(CFY_T_GUIDER, g, guider_free));
}

static cfy_status cfg_guider_run(cfy_node_ctx *ctx) { return guider_run(ctx, true); }
static cfy_status basic_guider_run(cfy_node_ctx *ctx) { return guider_run(ctx, false); }

/* ==== SamplerCustom, SamplerCustomAdvanced ==== */

static void on_step(void *user, int step, int total, const float *x, const float *denoised)
{
    cfy_node_progress_label((cfy_node_ctx *)user, "steps", step + 1, total);
}

static bool on_interrupt(void *user) { return cfy_node_interrupted((cfy_node_ctx *)user); }

static cfy_status custom_sample(cfy_node_ctx *ctx, cfy_sample_params *p)
{
    cfy_status st;
    void *obj;
    cfy_tensor *sig = NULL;
    if ((st = cfy_node_in_object(ctx, "sampler", CFY_T_SAMPLER, &obj)) != CFY_OK) return st;
    p->sampler_name = ((const cfy_sampler_info *)obj)->name;
    if ((st = in_sigmas(ctx, "sigmas", &sig)) != CFY_OK) return st;
    p->sigmas = cfy_tensor_f32(sig);
    p->n_sigmas = (int)sig->sizes[0];
    p->progress = on_step;
    p->progress_user = ctx;
    p->interrupted = on_interrupt;
    p->interrupt_user = ctx;
    const cfy_latent *lat;
    if ((st = cfy_node_in_object(ctx, "latent_image", CFY_T_LATENT, &obj)) != CFY_OK) goto done;
    lat = obj;
    cfy_value *out = NULL, *den = NULL;
    if ((st = cfy_sample(p, lat, &out, &den, cfy_node_err(ctx))) != CFY_OK) goto done;
    if ((st = cfy_node_out(ctx, 0, out)) != CFY_OK) {
        cfy_value_release(den);
        goto done;
    }
    st = cfy_node_out(ctx, 1, den);
done:
    cfy_tensor_release(sig);
    return st;
}

static cfy_status sampler_custom_run(cfy_node_ctx *ctx)
{
    cfy_sample_params p;
    cfy_sample_params_init(&p);
    cfy_status st;
    void *obj;
    if ((st = cfy_node_in_object(ctx, "model", CFY_T_MODEL, &obj)) != CFY_OK) return st;
    p.model = obj;
    if ((st = cfy_node_in_bool(ctx, "add_noise", &p.add_noise)) != CFY_OK) return st;
    if ((st = cfy_node_in_uint64(ctx, "noise_seed", &p.seed)) != CFY_OK) return st;
    if ((st = cfy_node_in_float(ctx, "cfg", &p.cfg)) != CFY_OK) return st;
    if ((st = cfy_node_in_object(ctx, "positive", CFY_T_CONDITIONING, &obj)) != CFY_OK) return st;
    p.positive = obj;
    if ((st = cfy_node_in_object(ctx, "negative", CFY_T_CONDITIONING, &obj)) != CFY_OK) return st;
    p.negative = obj;
    return custom_sample(ctx, &p);
}

static cfy_status sampler_custom_advanced_run(cfy_node_ctx *ctx)
{
    cfy_sample_params p;
    cfy_sample_params_init(&p);
    cfy_status st;
    void *obj;
    if ((st = cfy_node_in_object(ctx, "noise", CFY_T_NOISE, &obj)) != CFY_OK) return st;
    const noise_obj *n = obj;
    p.seed = n->seed;
    p.add_noise = n->enabled;
    if ((st = cfy_node_in_object(ctx, "guider", CFY_T_GUIDER, &obj)) != CFY_OK) return st;
    const guider_obj *g = obj;
    p.model = cfy_value_object(g->model);
    p.positive = cfy_value_conditioning(g->positive);
    p.negative = g->negative ? cfy_value_conditioning(g->negative) : NULL;
    p.cfg = g->cfg;
    return custom_sample(ctx, &p);
}

/* ==== definitions ==== */

static const char *const ays_types[] = {"SD1", "SDXL", "SVD", NULL};

static const cfy_input_def ksampler_select_inputs[] = {{"sampler_name", CFY_T_COMBO, .combo = cfy_sampler_names}, {NULL}};
static const cfy_input_def basic_scheduler_inputs[] = {
    {"model", CFY_T_MODEL},
    {"scheduler", CFY_T_COMBO, .combo = cfy_scheduler_names},
    {"steps", CFY_T_INT, 0, .i = {20, 1, 10000, 1}},
    {"denoise", CFY_T_FLOAT, 0, .f = {1.0, 0.0, 1.0, 0.01, 0.01}},
    {NULL}};
static const cfy_input_def karras_inputs[] = {
    {"steps", CFY_T_INT, 0, .i = {20, 1, 10000, 1}},
    {"sigma_max", CFY_T_FLOAT, 0, .f = {14.614642, 0.0, 5000.0, 0.01, 0.0}},
    {"sigma_min", CFY_T_FLOAT, 0, .f = {0.0291675, 0.0, 5000.0, 0.01, 0.0}},
    {"rho", CFY_T_FLOAT, 0, .f = {7.0, 0.0, 100.0, 0.01, 0.0}},
    {NULL}};
static const cfy_input_def exponential_inputs[] = {
    {"steps", CFY_T_INT, 0, .i = {20, 1, 10000, 1}},
    {"sigma_max", CFY_T_FLOAT, 0, .f = {14.614642, 0.0, 5000.0, 0.01, 0.0}},
    {"sigma_min", CFY_T_FLOAT, 0, .f = {0.0291675, 0.0, 5000.0, 0.01, 0.0}},
    {NULL}};
static const cfy_input_def ays_inputs[] = {
    {"model_type", CFY_T_COMBO, .combo = ays_types},
    {"steps", CFY_T_INT, 0, .i = {10, 1, 10000, 1}},
    {"denoise", CFY_T_FLOAT, 0, .f = {1.0, 0.0, 1.0, 0.01, 0.01}},
    {NULL}};
static const cfy_input_def gits_inputs[] = {
    {"coeff", CFY_T_FLOAT, 0, .f = {1.20, 0.80, 1.50, 0.05, 0.01}},
    {"steps", CFY_T_INT, 0, .i = {10, 2, 1000, 1}},
    {"denoise", CFY_T_FLOAT, 0, .f = {1.0, 0.0, 1.0, 0.01, 0.01}},
    {NULL}};
static const cfy_input_def split_sigmas_inputs[] = {
    {"sigmas", CFY_T_SIGMAS}, {"step", CFY_T_INT, 0, .i = {0, 0, 10000, 1}}, {NULL}};
static const cfy_input_def random_noise_inputs[] = {
    {"noise_seed", CFY_T_INT, CFY_IN_UINT64 | CFY_IN_CONTROL_AFTER_GENERATE, .i = {0, 0, 0, 1}}, {NULL}};
static const cfy_input_def no_inputs[] = {{NULL}};
static const cfy_input_def cfg_guider_inputs[] = {
    {"model", CFY_T_MODEL},
    {"positive", CFY_T_CONDITIONING},
    {"negative", CFY_T_CONDITIONING},
    {"cfg", CFY_T_FLOAT, 0, .f = {8.0, 0.0, 100.0, 0.1, 0.01}},
    {NULL}};
static const cfy_input_def basic_guider_inputs[] = {{"model", CFY_T_MODEL}, {"conditioning", CFY_T_CONDITIONING}, {NULL}};
static const cfy_input_def sampler_custom_inputs[] = {
    {"model", CFY_T_MODEL},
    {"add_noise", CFY_T_BOOLEAN, .b_def = true},
    {"noise_seed", CFY_T_INT, CFY_IN_UINT64 | CFY_IN_CONTROL_AFTER_GENERATE, .i = {0, 0, 0, 1}},
    {"cfg", CFY_T_FLOAT, 0, .f = {8.0, 0.0, 100.0, 0.1, 0.01}},
    {"positive", CFY_T_CONDITIONING},
    {"negative", CFY_T_CONDITIONING},
    {"sampler", CFY_T_SAMPLER},
    {"sigmas", CFY_T_SIGMAS},
    {"latent_image", CFY_T_LATENT},
    {NULL}};
static const cfy_input_def sampler_custom_advanced_inputs[] = {
    {"noise", CFY_T_NOISE}, {"guider", CFY_T_GUIDER}, {"sampler", CFY_T_SAMPLER},
    {"sigmas", CFY_T_SIGMAS}, {"latent_image", CFY_T_LATENT}, {NULL}};

static const cfy_output_def sampler_out[] = {{CFY_T_SAMPLER}, {NULL}};
static const cfy_output_def sigmas_out[] = {{CFY_T_SIGMAS}, {NULL}};
static const cfy_output_def split_out[] = {{CFY_T_SIGMAS, "high_sigmas"}, {CFY_T_SIGMAS, "low_sigmas"}, {NULL}};
static const cfy_output_def noise_out[] = {{CFY_T_NOISE}, {NULL}};
static const cfy_output_def guider_out[] = {{CFY_T_GUIDER}, {NULL}};
static const cfy_output_def custom_out[] = {{CFY_T_LATENT, "output"}, {CFY_T_LATENT, "denoised_output"}, {NULL}};

static const cfy_node_def ksampler_select_def = {
    .abi = CFY_ABI_VERSION,
    .class_type = "KSamplerSelect",
    .display_name = "KSamplerSelect",
    .category = "sampling/custom_sampling/samplers",
    .python_module = "comfy_extras.nodes_custom_sampler",
    .inputs = ksampler_select_inputs,
    .outputs = sampler_out,
    .run = ksampler_select_run,
};

static const cfy_node_def basic_scheduler_def = {
    .abi = CFY_ABI_VERSION,
    .class_type = "BasicScheduler",
    .display_name = "BasicScheduler",
    .category = "sampling/custom_sampling/schedulers",
    .python_module = "comfy_extras.nodes_custom_sampler",
    .inputs = basic_scheduler_inputs,
    .outputs = sigmas_out,
    .run = basic_scheduler_run,
};

static const cfy_node_def karras_def = {
    .abi = CFY_ABI_VERSION,
    .class_type = "KarrasScheduler",
    .display_name = "KarrasScheduler",
    .category = "sampling/custom_sampling/schedulers",
    .python_module = "comfy_extras.nodes_custom_sampler",
    .inputs = karras_inputs,
    .outputs = sigmas_out,
    .run = karras_scheduler_run,
};

static const cfy_node_def exponential_def = {
    .abi = CFY_ABI_VERSION,
    .class_type = "ExponentialScheduler",
    .display_name = "ExponentialScheduler",
    .category = "sampling/custom_sampling/schedulers",
    .python_module = "comfy_extras.nodes_custom_sampler",
    .inputs = exponential_inputs,
    .outputs = sigmas_out,
    .run = exponential_scheduler_run,
};

static const cfy_node_def ays_def = {
    .abi = CFY_ABI_VERSION,
    .class_type = "AlignYourStepsScheduler",
    .display_name = "AlignYourStepsScheduler",
    .category = "sampling/custom_sampling/schedulers",
    .python_module = "comfy_extras.nodes_align_your_steps",
    .inputs = ays_inputs,
    .outputs = sigmas_out,
    .run = ays_run,
};

static const cfy_node_def gits_def = {
    .abi = CFY_ABI_VERSION,
    .class_type = "GITSScheduler",
    .display_name = "GITSScheduler",
    .category = "sampling/custom_sampling/schedulers",
    .python_module = "comfy_extras.nodes_gits",
    .inputs = gits_inputs,
    .outputs = sigmas_out,
    .run = gits_run,
};

static const cfy_node_def split_sigmas_def = {
    .abi = CFY_ABI_VERSION,
    .class_type = "SplitSigmas",
    .display_name = "SplitSigmas",
    .category = "sampling/custom_sampling/sigmas",
    .python_module = "comfy_extras.nodes_custom_sampler",
    .inputs = split_sigmas_inputs,
    .outputs = split_out,
    .run = split_sigmas_run,
};

static const cfy_node_def random_noise_def = {
    .abi = CFY_ABI_VERSION,
    .class_type = "RandomNoise",
    .display_name = "RandomNoise",
    .category = "sampling/custom_sampling/noise",
    .python_module = "comfy_extras.nodes_custom_sampler",
    .inputs = random_noise_inputs,
    .outputs = noise_out,
    .run = random_noise_run,
};

static const cfy_node_def disable_noise_def = {
    .abi = CFY_ABI_VERSION,
    .class_type = "DisableNoise",
    .display_name = "DisableNoise",
    .category = "sampling/custom_sampling/noise",
    .python_module = "comfy_extras.nodes_custom_sampler",
    .inputs = no_inputs,
    .outputs = noise_out,
    .run = disable_noise_run,
};

static const cfy_node_def cfg_guider_def = {
    .abi = CFY_ABI_VERSION,
    .class_type = "CFGGuider",
    .display_name = "CFGGuider",
    .category = "sampling/custom_sampling/guiders",
    .python_module = "comfy_extras.nodes_custom_sampler",
    .inputs = cfg_guider_inputs,
    .outputs = guider_out,
    .run = cfg_guider_run,
};

static const cfy_node_def basic_guider_def = {
    .abi = CFY_ABI_VERSION,
    .class_type = "BasicGuider",
    .display_name = "BasicGuider",
    .category = "sampling/custom_sampling/guiders",
    .python_module = "comfy_extras.nodes_custom_sampler",
    .inputs = basic_guider_inputs,
    .outputs = guider_out,
    .run = basic_guider_run,
};

static const cfy_node_def sampler_custom_def = {
    .abi = CFY_ABI_VERSION,
    .class_type = "SamplerCustom",
    .display_name = "SamplerCustom",
    .category = "sampling/custom_sampling",
    .python_module = "comfy_extras.nodes_custom_sampler",
    .inputs = sampler_custom_inputs,
    .outputs = custom_out,
    .run = sampler_custom_run,
};

static const cfy_node_def sampler_custom_advanced_def = {
    .abi = CFY_ABI_VERSION,
    .class_type = "SamplerCustomAdvanced",
    .display_name = "SamplerCustomAdvanced",
    .category = "sampling/custom_sampling",
    .python_module = "comfy_extras.nodes_custom_sampler",
    .inputs = sampler_custom_advanced_inputs,
    .outputs = custom_out,
    .run = sampler_custom_advanced_run,
};

static const cfy_node_def *const custom_nodes[] = {
    &ksampler_select_def, &basic_scheduler_def, &karras_def,       &exponential_def,  &ays_def,
    &gits_def,            &split_sigmas_def,    &random_noise_def, &disable_noise_def, &cfg_guider_def,
    &basic_guider_def,    &sampler_custom_def,  &sampler_custom_advanced_def, NULL};

cfy_status cfy_nodes_core_custom_sampling_register(cfy_registry *reg, cfy_error *err)
{
    return cfy_registry_add_all(reg, custom_nodes, err);
}

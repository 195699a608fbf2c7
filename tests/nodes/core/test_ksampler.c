/* test_ksampler.c — KSampler, KSamplerAdvanced, the custom-sampling nodes and DifferentialDiffusion
 * through cfy_node_call with a fake EPS denoiser (test only): equivalences between the node paths,
 * determinism, and bad input naming node input. Numerics are checked against the Python oracle in
 * tests/sampling/. */
#include <math.h>

#include "harness.h"
#include "models/unet.h"
#include "sampling/model_sampling.h"
#include "sampling/sample.h"

/* eps(x_in, t, context) = 0.3·x_in + 0.1·mean(context[b]) + 0.05·t/1000 */
static cfy_status fake_apply(void *impl, const cfy_unet_call *call, cfy_tensor **out, cfy_error *err)
{
    cfy_status st = cfy_tensor_new(CFY_F32, cfy_cpu(), 4, call->x->sizes, false, out, err);
    if (st != CFY_OK) return st;
    int64_t B = call->x->sizes[0], per = cfy_tensor_numel(call->x) / B;
    int64_t cn = cfy_tensor_numel(call->context) / B;
    for (int64_t b = 0; b < B; b++) {
        double m = 0;
        for (int64_t k = 0; k < cn; k++) m += cfy_tensor_f32(call->context)[b * cn + k];
        float cm = (float)(m / (double)cn), t = cfy_tensor_f32(call->timestep)[b];
        for (int64_t k = 0; k < per; k++)
            cfy_tensor_f32(*out)[b * per + k] = 0.3f * cfy_tensor_f32(call->x)[b * per + k] + 0.1f * cm + 0.05f * t / 1000.0f;
    }
    return CFY_OK;
}

static cfy_value *make_model(void)
{
    cfy_model *m = calloc(1, sizeof *m);
    cfy_model_sampling_init_sd(&m->sampling, CFY_PRED_EPS);
    m->latent_channels = 4;
    m->unet_in_channels = 4;
    m->latent_scale_factor = 0.18215;
    m->apply = fake_apply;
    return cfy_value_new_object(CFY_T_MODEL, m, cfy_model_free);
}

static cfy_value *make_cond(float v)
{
    cfy_conditioning *c = calloc(1, sizeof *c);
    c->entries = calloc(1, sizeof *c->entries);
    c->n = 1;
    cfy_cond_entry_init(&c->entries[0]);
    int64_t sz[3] = {1, 3, 8};
    cfy_error err = {0};
    CHECK_ST(cfy_tensor_new(CFY_F32, cfy_cpu(), 3, sz, false, &c->entries[0].cond, &err), &err);
    for (int k = 0; k < 24; k++) cfy_tensor_f32(c->entries[0].cond)[k] = v + 0.01f * (float)k;
    return cfy_value_new_conditioning(c);
}

static cfy_value *make_latent(void)
{
    int64_t sz[4] = {1, 4, 6, 5};
    cfy_tensor *t = NULL;
    cfy_error err = {0};
    CHECK_ST(cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sz, true, &t, &err), &err);
    return cfy_value_new_latent(t, NULL, NULL, 0);
}

typedef struct fixture {
    cfy_runtime *rt;
    cfy_value *model, *pos, *neg, *latent;
} fixture;

static fixture setup(void)
{
    fixture f = {0};
    cfy_error err = {0};
    CHECK_ST(cfy_runtime_create(NULL, &f.rt, &err), &err);
    f.model = make_model();
    f.pos = make_cond(0.5f);
    f.neg = make_cond(-0.25f);
    f.latent = make_latent();
    return f;
}

static void teardown(fixture *f)
{
    cfy_value_release(f->model);
    cfy_value_release(f->pos);
    cfy_value_release(f->neg);
    cfy_value_release(f->latent);
    cfy_runtime_destroy(f->rt);
}

/* KSampler with the given overrides; returns the LATENT output (new) or NULL, filling err. */
static cfy_value *ksampler(fixture *f, const char *sampler, const char *sched, int64_t steps, double cfg,
                           double denoise, cfy_error *err)
{
    cfy_value *seed = cfy_value_new_uint64(UINT64_MAX), *st = cfy_value_new_int(steps), *c = cfy_value_new_float(cfg);
    cfy_value *sn = cfy_value_new_string(sampler), *sc = cfy_value_new_string(sched), *dn = cfy_value_new_float(denoise);
    cfy_named_value in[] = {{"model", f->model}, {"seed", seed},         {"steps", st},
                            {"cfg", c},          {"sampler_name", sn},   {"scheduler", sc},
                            {"positive", f->pos}, {"negative", f->neg}, {"latent_image", f->latent},
                            {"denoise", dn}};
    cfy_value *out[1] = {NULL};
    cfy_status s = cfy_node_call(f->rt, "KSampler", in, 10, out, 1, err);
    cfy_value_release(seed);
    cfy_value_release(st);
    cfy_value_release(c);
    cfy_value_release(sn);
    cfy_value_release(sc);
    cfy_value_release(dn);
    return s == CFY_OK ? out[0] : NULL;
}

static const float *samples(const cfy_value *v) { return cfy_tensor_f32(cfy_value_latent(v)->samples); }

static int same(const cfy_value *a, const cfy_value *b)
{
    return a && b && memcmp(samples(a), samples(b), 120 * sizeof(float)) == 0;
}

static void test_ksampler_runs_and_is_deterministic(void)
{
    fixture f = setup();
    cfy_error err = {0};
    cfy_value *a = ksampler(&f, "dpmpp_2m_sde", "karras", 6, 7.0, 1.0, &err);
    CHECK(a != NULL);
    cfy_value *b = ksampler(&f, "dpmpp_2m_sde", "karras", 6, 7.0, 1.0, &err);
    CHECK(same(a, b));
    if (a) {
        int64_t *s = cfy_value_latent(a)->samples->sizes;
        CHECK(s[0] == 1 && s[1] == 4 && s[2] == 6 && s[3] == 5);
        bool finite = true;
        for (int k = 0; k < 120; k++) finite = finite && isfinite(samples(a)[k]);
        CHECK(finite);
    }
    cfy_value_release(a);
    cfy_value_release(b);
    teardown(&f);
}

static void test_advanced_full_range_equals_ksampler(void)
{
    fixture f = setup();
    cfy_error err = {0};
    cfy_value *a = ksampler(&f, "euler_ancestral", "normal", 5, 4.0, 1.0, &err);
    cfy_value *seed = cfy_value_new_uint64(UINT64_MAX), *st = cfy_value_new_int(5), *c = cfy_value_new_float(4.0);
    cfy_value *sn = cfy_value_new_string("euler_ancestral"), *sc = cfy_value_new_string("normal");
    cfy_value *en = cfy_value_new_string("enable"), *dis = cfy_value_new_string("disable");
    cfy_value *s0 = cfy_value_new_int(0), *s1 = cfy_value_new_int(10000);
    cfy_named_value in[] = {{"model", f.model}, {"add_noise", en}, {"noise_seed", seed}, {"steps", st}, {"cfg", c},
                            {"sampler_name", sn}, {"scheduler", sc}, {"positive", f.pos}, {"negative", f.neg},
                            {"latent_image", f.latent}, {"start_at_step", s0}, {"end_at_step", s1},
                            {"return_with_leftover_noise", dis}};
    cfy_value *out[1] = {NULL};
    CHECK_ST(cfy_node_call(f.rt, "KSamplerAdvanced", in, 13, out, 1, &err), &err);
    CHECK(same(a, out[0]));
    cfy_value *vals[] = {seed, st, c, sn, sc, en, dis, s0, s1, out[0], a};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) cfy_value_release(vals[i]);
    teardown(&f);
}

static cfy_value *call1(fixture *f, const char *cls, cfy_named_value *in, int n, int index, cfy_error *err)
{
    cfy_value *out[2] = {NULL, NULL};
    cfy_status st = cfy_node_call(f->rt, cls, in, n, out, 2, err);
    CHECK(st == CFY_OK);
    if (st != CFY_OK) fprintf(stderr, "%s: %s\n", cls, err->message);
    cfy_value_release(out[1 - index]);
    return out[index];
}

static void test_custom_sampling_advanced_equals_ksampler(void)
{
    fixture f = setup();
    cfy_error err = {0};
    cfy_value *a = ksampler(&f, "euler", "karras", 7, 3.5, 0.6, &err);
    cfy_value *seed = cfy_value_new_uint64(UINT64_MAX), *steps = cfy_value_new_int(7), *cfg = cfy_value_new_float(3.5);
    cfy_value *sn = cfy_value_new_string("euler"), *sc = cfy_value_new_string("karras"), *dn = cfy_value_new_float(0.6);
    cfy_named_value nin[] = {{"noise_seed", seed}};
    cfy_value *noise = call1(&f, "RandomNoise", nin, 1, 0, &err);
    cfy_named_value gin[] = {{"model", f.model}, {"positive", f.pos}, {"negative", f.neg}, {"cfg", cfg}};
    cfy_value *guider = call1(&f, "CFGGuider", gin, 4, 0, &err);
    cfy_named_value sin[] = {{"sampler_name", sn}};
    cfy_value *sampler = call1(&f, "KSamplerSelect", sin, 1, 0, &err);
    cfy_named_value bin[] = {{"model", f.model}, {"scheduler", sc}, {"steps", steps}, {"denoise", dn}};
    cfy_value *sigmas = call1(&f, "BasicScheduler", bin, 4, 0, &err);
    CHECK(sigmas && cfy_value_tensor(sigmas)->sizes[0] == 8);
    cfy_named_value cin[] = {{"noise", noise}, {"guider", guider}, {"sampler", sampler}, {"sigmas", sigmas},
                             {"latent_image", f.latent}};
    cfy_value *b = call1(&f, "SamplerCustomAdvanced", cin, 5, 0, &err);
    CHECK(same(a, b));
    /* SplitSigmas at 3: high has 4, low has 5 values sharing sigma[3] */
    cfy_value *three = cfy_value_new_int(3);
    cfy_named_value spin[] = {{"sigmas", sigmas}, {"step", three}};
    cfy_value *outs[2] = {NULL, NULL};
    CHECK_ST(cfy_node_call(f.rt, "SplitSigmas", spin, 2, outs, 2, &err), &err);
    CHECK(outs[0] && outs[1] && cfy_value_tensor(outs[0])->sizes[0] == 4 && cfy_value_tensor(outs[1])->sizes[0] == 5);
    cfy_value *vals[] = {seed, steps, cfg, sn, sc, dn, noise, guider, sampler, sigmas, a, b, three, outs[0], outs[1]};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) cfy_value_release(vals[i]);
    teardown(&f);
}

static void test_schedulers_nodes(void)
{
    fixture f = setup();
    cfy_error err = {0};
    cfy_value *steps = cfy_value_new_int(10), *smax = cfy_value_new_float(14.614642), *smin = cfy_value_new_float(0.0291675);
    cfy_value *rho = cfy_value_new_float(7.0), *one = cfy_value_new_float(1.0), *sd = cfy_value_new_string("SDXL");
    cfy_value *coeff = cfy_value_new_float(1.2);
    cfy_named_value kin[] = {{"steps", steps}, {"sigma_max", smax}, {"sigma_min", smin}, {"rho", rho}};
    cfy_value *k = call1(&f, "KarrasScheduler", kin, 4, 0, &err);
    CHECK(k && cfy_value_tensor(k)->sizes[0] == 11 && cfy_tensor_f32(cfy_value_tensor(k))[10] == 0.0f);
    cfy_value *e = call1(&f, "ExponentialScheduler", kin, 3, 0, &err);
    CHECK(e && cfy_value_tensor(e)->sizes[0] == 11);
    cfy_named_value ain[] = {{"model_type", sd}, {"steps", steps}, {"denoise", one}};
    cfy_value *ays = call1(&f, "AlignYourStepsScheduler", ain, 3, 0, &err);
    CHECK(ays && fabsf(cfy_tensor_f32(cfy_value_tensor(ays))[1] - 6.3184485f) < 1e-5f);
    cfy_named_value gin[] = {{"coeff", coeff}, {"steps", steps}, {"denoise", one}};
    cfy_value *g = call1(&f, "GITSScheduler", gin, 3, 0, &err);
    CHECK(g && fabsf(cfy_tensor_f32(cfy_value_tensor(g))[1] - 5.85520077f) < 1e-5f);
    cfy_value *vals[] = {steps, smax, smin, rho, one, sd, coeff, k, e, ays, g};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) cfy_value_release(vals[i]);
    teardown(&f);
}

static void test_differential_diffusion_node(void)
{
    fixture f = setup();
    cfy_error err = {0};
    cfy_named_value in[] = {{"model", f.model}};
    cfy_value *m = call1(&f, "DifferentialDiffusion", in, 1, 0, &err);
    CHECK(m && ((const cfy_model *)cfy_value_object(m))->differential_diffusion);
    CHECK(!((const cfy_model *)cfy_value_object(f.model))->differential_diffusion);
    cfy_value_release(m);
    teardown(&f);
}

static void expect_bad(fixture *f, const char *sampler, const char *sched, int64_t steps, double cfg, double denoise,
                       const char *input)
{
    cfy_error err = {0};
    cfy_value *v = ksampler(f, sampler, sched, steps, cfg, denoise, &err);
    CHECK(v == NULL);
    CHECK(err.code != CFY_OK);
    CHECK(strcmp(err.input, input) == 0);
    CHECK(strcmp(err.class_type, "KSampler") == 0);
    if (strcmp(err.input, input) != 0) fprintf(stderr, "expected input %s, got '%s': %s\n", input, err.input, err.message);
    cfy_value_release(v);
}

static void test_bad_input(void)
{
    fixture f = setup();
    expect_bad(&f, "eulerx", "karras", 5, 7.0, 1.0, "sampler_name");
    expect_bad(&f, "euler", "karras2", 5, 7.0, 1.0, "scheduler");
    expect_bad(&f, "euler", "karras", 0, 7.0, 1.0, "steps");
    expect_bad(&f, "euler", "karras", 5, NAN, 1.0, "cfg");
    expect_bad(&f, "euler", "karras", 5, 7.0, 1.5, "denoise");
    expect_bad(&f, "euler", "karras", 5, 7.0, 0.0, "denoise");
    teardown(&f);
}

/* Progress: KSampler reports one "steps" bar, done 1..steps of steps, naming the node. */
typedef struct progress_log {
    int calls, bad;
    int64_t last_done, total;
} progress_log;

static void record_progress(void *user, const char *node_id, const char *class_type, const char *label, int64_t done,
                            int64_t total)
{
    progress_log *l = user;
    if (!node_id || strcmp(class_type, "KSampler") != 0 || strcmp(label, "steps") != 0 || done != l->last_done + 1)
        l->bad++;
    l->calls++;
    l->last_done = done;
    l->total = total;
}

static void test_progress_is_labelled_steps(void)
{
    fixture f = setup();
    cfy_runtime_destroy(f.rt);
    progress_log log = {0};
    cfy_runtime_options o;
    cfy_runtime_options_init(&o);
    o.progress = record_progress;
    o.progress_user = &log;
    cfy_error err = {0};
    f.rt = NULL;
    CHECK_ST(cfy_runtime_create(&o, &f.rt, &err), &err);
    cfy_value *a = f.rt ? ksampler(&f, "euler", "normal", 5, 7.0, 1.0, &err) : NULL;
    CHECK(a != NULL);
    CHECK(log.calls == 5 && log.bad == 0 && log.last_done == 5 && log.total == 5);
    cfy_value_release(a);
    teardown(&f);
}

static void test_name_tables(void)
{
    int n = 0;
    while (cfy_sampler_names[n]) {
        CHECK(cfy_sampler_find(cfy_sampler_names[n]) != NULL);
        n++;
    }
    CHECK(n == 44);
    CHECK(strcmp(cfy_sampler_names[0], "euler") == 0 && strcmp(cfy_sampler_names[n - 1], "uni_pc_bh2") == 0);
    CHECK(cfy_scheduler_from_name("kl_optimal") == CFY_SCHED_KL_OPTIMAL && cfy_scheduler_from_name("x") == -1);
}

int main(void)
{
    RUN(test_name_tables);
    RUN(test_ksampler_runs_and_is_deterministic);
    RUN(test_advanced_full_range_equals_ksampler);
    RUN(test_custom_sampling_advanced_equals_ksampler);
    RUN(test_schedulers_nodes);
    RUN(test_differential_diffusion_node);
    RUN(test_bad_input);
    RUN(test_progress_is_labelled_steps);
    return cfy_test_finish();
}

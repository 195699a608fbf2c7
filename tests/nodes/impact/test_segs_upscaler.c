/* test_segs_upscaler.c — the SEGSUpscaler / SEGSUpscalerPipe node tables against spec §2.1, and
 * node-level refusals (through cfy_node_call) naming node input and value. The algorithm itself is
 * tested in test_segs_upscale_algo.c; end to end with models in tests/oracle. */
#include <string.h>

#include "harness.h"
#include "image/segs.h"
#include "sampling/model.h"
#include "sampling/model_sampling.h"

static void check_int(const cfy_input_def *in, int64_t def, int64_t min, int64_t max, int64_t step)
{
    CHECK(in && strcmp(in->type, "INT") == 0);
    if (in) CHECK(in->i.def == def && in->i.min == min && in->i.max == max && in->i.step == step);
}

static void check_float(const cfy_input_def *in, double def, double min, double max)
{
    CHECK(in && strcmp(in->type, "FLOAT") == 0);
    if (in) CHECK(in->f.def == def && in->f.min == min && in->f.max == max);
}

static void test_tables(void)
{
    cfy_runtime *rt = NULL;
    cfy_error err = {0};
    CHECK_ST(cfy_runtime_create(NULL, &rt, &err), &err);
    if (!rt) return;
    static const char *const order[] = {"image",
                                        "segs",
                                        "model",
                                        "clip",
                                        "vae",
                                        "rescale_factor",
                                        "resampling_method",
                                        "supersample",
                                        "rounding_modulus",
                                        "seed",
                                        "steps",
                                        "cfg",
                                        "sampler_name",
                                        "scheduler",
                                        "positive",
                                        "negative",
                                        "denoise",
                                        "feather",
                                        "inpaint_model",
                                        "noise_mask_feather",
                                        "upscale_model_opt",
                                        "upscaler_hook_opt",
                                        "scheduler_func_opt",
                                        NULL};
    const cfy_node_def *d = cfy_registry_find(cfy_runtime_registry(rt), "SEGSUpscaler");
    const cfy_node_def *dp = cfy_registry_find(cfy_runtime_registry(rt), "SEGSUpscalerPipe");
    CHECK(d && dp);
    if (!d || !dp) goto out;
    for (int i = 0; order[i]; i++)
        CHECK(d->inputs[i].name && strcmp(d->inputs[i].name, order[i]) == 0);
    CHECK(cfy_node_def_output_count(d) == 1 && strcmp(d->outputs[0].type, "IMAGE") == 0);
    CHECK(strcmp(d->category, "ImpactPack/Upscale") == 0);
    for (int k = 0; k < 2; k++) {
        const cfy_node_def *n = k ? dp : d;
        check_float(cfy_node_def_input(n, "rescale_factor"), 2.0, 0.01, 100.0);
        const cfy_input_def *rm = cfy_node_def_input(n, "resampling_method");
        CHECK(rm && rm->combo && strcmp(rm->combo[0], "lanczos") == 0 && strcmp(rm->combo[1], "nearest") == 0 &&
              strcmp(rm->combo[2], "bilinear") == 0 && strcmp(rm->combo[3], "bicubic") == 0 && !rm->combo[4]);
        const cfy_input_def *ss = cfy_node_def_input(n, "supersample");
        CHECK(ss && ss->combo && strcmp(ss->combo[0], "true") == 0 && strcmp(ss->combo[1], "false") == 0);
        check_int(cfy_node_def_input(n, "rounding_modulus"), 8, 8, 1024, 8);
        const cfy_input_def *seed = cfy_node_def_input(n, "seed");
        CHECK(seed && (seed->flags & CFY_IN_UINT64) && seed->i.def == 0 && seed->i.min == 0);
        check_int(cfy_node_def_input(n, "steps"), 20, 1, 10000, 1);
        check_float(cfy_node_def_input(n, "cfg"), 8.0, 0.0, 100.0);
        check_float(cfy_node_def_input(n, "denoise"), 0.5, 0.0001, 1.0);
        check_int(cfy_node_def_input(n, "feather"), 5, 0, 100, 1);
        check_int(cfy_node_def_input(n, "noise_mask_feather"), 20, 0, 100, 1);
        const cfy_input_def *ip = cfy_node_def_input(n, "inpaint_model");
        CHECK(ip && strcmp(ip->type, "BOOLEAN") == 0 && !ip->b_def);
        /* scheduler: KSampler's list followed by the four Impact names */
        const cfy_input_def *sc = cfy_node_def_input(n, "scheduler");
        char **list = NULL;
        CHECK(sc && sc->combo_fn && sc->combo_fn(rt, &list, &err) == CFY_OK);
        int cnt = 0;
        while (list && list[cnt])
            cnt++;
        CHECK(cnt >= 5 && strcmp(list[0], "simple") == 0 && strcmp(list[cnt - 1], "GITS[coeff=1.2]") == 0 &&
              strcmp(list[cnt - 4], "AYS SDXL") == 0);
        cfy_strlist_free(list);
        for (const char *o = "upscale_model_opt"; o; o = strcmp(o, "upscale_model_opt") == 0   ? "upscaler_hook_opt"
                                                         : strcmp(o, "upscaler_hook_opt") == 0 ? "scheduler_func_opt"
                                                                                               : NULL) {
            const cfy_input_def *in = cfy_node_def_input(n, o);
            CHECK(in && (in->flags & CFY_IN_OPTIONAL));
        }
    }
    CHECK(cfy_node_def_input(dp, "basic_pipe") && !cfy_node_def_input(dp, "model") &&
          !cfy_node_def_input(dp, "positive"));
out:
    cfy_runtime_destroy(rt);
}

/* ---- node-level refusals with stand-in MODEL / VAE / CONDITIONING values (never reached) ---- */

typedef struct inputs {
    cfy_value *v[24];
    cfy_named_value nv[24];
    int n;
} inputs;

static void put(inputs *in, const char *name, cfy_value *v)
{
    in->v[in->n] = v;
    in->nv[in->n].name = name;
    in->nv[in->n].value = v;
    in->n++;
}

static void inputs_free(inputs *in)
{
    for (int i = 0; i < in->n; i++)
        cfy_value_release(in->v[i]);
}

static cfy_value *image(int64_t b, int64_t h, int64_t w)
{
    int64_t sz[4] = {b, h, w, 3};
    cfy_tensor *t = NULL;
    CHECK_OK(cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sz, true, &t, NULL));
    return cfy_value_new_tensor(CFY_T_IMAGE, t);
}

static cfy_value *segs(int64_t h, int64_t w)
{
    cfy_segs *s = NULL;
    CHECK_OK(cfy_segs_create(h, w, &s, NULL));
    int64_t sz[2] = {8, 8}, r[4] = {0, 0, 8, 8};
    double bb[4] = {0, 0, 8, 8};
    cfy_tensor *m = NULL;
    CHECK_OK(cfy_tensor_new(CFY_F32, cfy_cpu(), 2, sz, true, &m, NULL));
    CHECK_OK(cfy_segs_add(s, NULL, m, 1.0, r, bb, "", NULL, NULL));
    return cfy_value_new_segs(s);
}

static cfy_model g_model;

static void base_inputs(inputs *in, int64_t batch, int64_t segs_h, int64_t segs_w)
{
    memset(in, 0, sizeof *in);
    cfy_model_sampling_init_sd(&g_model.sampling, CFY_PRED_EPS);
    put(in, "image", image(batch, 16, 24));
    put(in, "segs", segs(segs_h, segs_w));
    put(in, "model", cfy_value_new_object(CFY_T_MODEL, &g_model, NULL));
    put(in, "clip", cfy_value_new_object(CFY_T_CLIP, &g_model, NULL));
    put(in, "vae", cfy_value_new_object(CFY_T_VAE, &g_model, NULL));
    put(in, "rescale_factor", cfy_value_new_float(2.0));
    put(in, "resampling_method", cfy_value_new_string("lanczos"));
    put(in, "supersample", cfy_value_new_string("true"));
    put(in, "rounding_modulus", cfy_value_new_int(8));
    put(in, "seed", cfy_value_new_int(0));
    put(in, "steps", cfy_value_new_int(4));
    put(in, "cfg", cfy_value_new_float(7.0));
    put(in, "sampler_name", cfy_value_new_string("euler"));
    put(in, "scheduler", cfy_value_new_string("normal"));
    cfy_conditioning *c = calloc(1, sizeof *c);
    put(in, "positive", cfy_value_new_conditioning(c));
    c = calloc(1, sizeof *c);
    put(in, "negative", cfy_value_new_conditioning(c));
    put(in, "denoise", cfy_value_new_float(0.5));
    put(in, "feather", cfy_value_new_int(5));
    put(in, "inpaint_model", cfy_value_new_bool(false));
    put(in, "noise_mask_feather", cfy_value_new_int(20));
}

static void set(inputs *in, const char *name, cfy_value *v)
{
    for (int i = 0; i < in->n; i++)
        if (strcmp(in->nv[i].name, name) == 0) {
            cfy_value_release(in->v[i]);
            in->v[i] = v;
            in->nv[i].value = v;
        }
}

static void expect(inputs *in, cfy_status code, const char *input)
{
    cfy_runtime *rt = NULL;
    cfy_error err = {0};
    CHECK_ST(cfy_runtime_create(NULL, &rt, &err), &err);
    cfy_value *out = NULL;
    cfy_status st = cfy_node_call(rt, "SEGSUpscaler", in->nv, in->n, &out, 1, &err);
    CHECK(st == code && strcmp(err.input, input) == 0 && strcmp(err.class_type, "SEGSUpscaler") == 0 && !out);
    if (st != code || strcmp(err.input, input))
        fprintf(stderr, "  expected %s '%s', got %s '%s': %s\n", cfy_status_name(code), input, cfy_status_name(st),
                err.input, err.message);
    cfy_value_release(out);
    cfy_runtime_destroy(rt);
}

static void test_node_refusals(void)
{
    inputs in;
    base_inputs(&in, 2, 16, 24); /* batch of two images */
    expect(&in, CFY_EINVAL, "image");
    inputs_free(&in);
    base_inputs(&in, 1, 50, 50); /* SEGS made from another image */
    expect(&in, CFY_EINVAL, "segs");
    inputs_free(&in);
    base_inputs(&in, 1, 16, 24);
    set(&in, "rescale_factor", cfy_value_new_float(0.01)); /* 0x0 */
    expect(&in, CFY_EINVAL, "rescale_factor");
    set(&in, "rescale_factor", cfy_value_new_float(2.0));
    set(&in, "steps", cfy_value_new_int(0));
    expect(&in, CFY_EINVAL, "steps");
    set(&in, "steps", cfy_value_new_int(4));
    set(&in, "supersample", cfy_value_new_string("yes"));
    expect(&in, CFY_EINVAL, "supersample");
    set(&in, "supersample", cfy_value_new_string("true"));
    set(&in, "resampling_method", cfy_value_new_string("area"));
    expect(&in, CFY_EINVAL, "resampling_method");
    set(&in, "resampling_method", cfy_value_new_string("lanczos"));
    set(&in, "scheduler", cfy_value_new_string("no_such"));
    expect(&in, CFY_EINVAL, "scheduler");
    set(&in, "scheduler", cfy_value_new_string("normal"));
    set(&in, "sampler_name", cfy_value_new_string("no_such"));
    expect(&in, CFY_EINVAL, "sampler_name");
    inputs_free(&in);
}

int main(void)
{
    RUN(test_tables);
    RUN(test_node_refusals);
    return cfy_test_finish();
}

/* sample.c — common_ksampler / sample_custom / Impact ksampler_wrapper semantics end to end
 * (spec sampling.md §3, §7, §9): noise, schedule, scaling, guider, sampler, output latent. */
#include "sampling/sample.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sampling/cfg.h"
#include "sampling/masks.h"
#include "sampling/model_sampling.h"
#include "sampling/noise.h"

void cfy_sample_params_init(cfy_sample_params *p)
{
    memset(p, 0, sizeof *p);
    p->denoise = 1.0;
    p->add_noise = true;
    p->start_step = -1;
    p->last_step = -1;
    p->sigma_factor = 1.0;
    p->randn_variant = CFY_RANDN_DEFAULT;
    p->mode = CFY_SAMPLE_KSAMPLER;
    p->cfg = 8.0;
}

cfy_status cfy_sigmas_check(const float *s, int n, cfy_error *err)
{
    for (int i = 0; i < n; i++) {
        if (!isfinite(s[i]) || s[i] < 0.0f) {
            cfy_error_set(err, CFY_EINVAL, "sigma %d is %g; sigmas must be finite and >= 0", i, (double)s[i]);
            return cfy_error_set_input(err, "sigmas");
        }
        if (i > 0 && !(s[i] < s[i - 1])) {
            cfy_error_set(err, CFY_EINVAL, "sigmas must be strictly decreasing: sigma %d = %g follows %g", i,
                          (double)s[i], (double)s[i - 1]);
            return cfy_error_set_input(err, "sigmas");
        }
    }
    return CFY_OK;
}

/* ComfyUI's combo validation message: the list itself when it has at most 20 entries, else its length. */
static cfy_status names_error(cfy_error *err, const char *input, const char *value, const char *const *names,
                              const char *extra)
{
    char list[512];
    size_t o = 0;
    int count = 0;
    while (names[count]) count++;
    list[0] = 0;
    if (count > 20) {
        snprintf(list, sizeof list, "(list of length %d)", count + (extra ? 4 : 0));
    } else {
        o += (size_t)snprintf(list + o, sizeof list - o, "[");
        for (int i = 0; names[i] && o + 40 < sizeof list; i++)
            o += (size_t)snprintf(list + o, sizeof list - o, "%s'%s'", i ? ", " : "", names[i]);
        if (extra && o + strlen(extra) + 4 < sizeof list) o += (size_t)snprintf(list + o, sizeof list - o, ", %s", extra);
        if (o + 2 < sizeof list) snprintf(list + o, sizeof list - o, "]");
    }
    cfy_error_set(err, CFY_EINVAL, "Value not in list: %s: '%s' not in %s", input, value ? value : "", list);
    return cfy_error_set_input(err, input);
}

/* Impact Pack calculate_sigmas (§9.1) for n steps. */
static cfy_status impact_calc(const cfy_sample_params *p, int n, cfy_sigmas *out, cfy_error *err)
{
    const cfy_model_sampling *ms = &p->model->sampling;
    bool discard = cfy_sampler_discards_penultimate(p->sampler_name);
    int m = discard ? n + 1 : n;
    cfy_status st;
    const char *s = p->scheduler ? p->scheduler : "";
    if (strncmp(s, "AYS ", 4) == 0) {
        st = cfy_sigmas_ays(s + 4, m, 1.0, out, err);
        if (st != CFY_OK) cfy_error_set_input(err, "scheduler");
    } else if (strcmp(s, "GITS[coeff=1.2]") == 0) {
        st = cfy_sigmas_gits(1.2, m, 1.0, out, err);
    } else {
        int k = cfy_scheduler_from_name(s);
        if (k < 0) return names_error(err, "scheduler", s, cfy_scheduler_names, "'AYS SDXL', 'AYS SD1', 'AYS SVD', 'GITS[coeff=1.2]'");
        st = cfy_scheduler_sigmas(ms, (cfy_scheduler)k, m, out, err);
    }
    if (st == CFY_OK && discard && out->n >= 2) {
        out->v[out->n - 2] = out->v[out->n - 1];
        out->n -= 1;
    }
    return st;
}

static cfy_status copy_sigmas(const float *v, int n, cfy_sigmas *out, cfy_error *err)
{
    cfy_status st = cfy_sigmas_alloc(out, n, err);
    if (st == CFY_OK && n > 0) memcpy(out->v, v, (size_t)n * sizeof(float));
    return st;
}

cfy_status cfy_sample_sigmas(const cfy_sample_params *p, cfy_sigmas *out, cfy_sigmas *full, cfy_error *err)
{
    cfy_status st;
    out->v = NULL;
    out->n = 0;
    if (full) {
        full->v = NULL;
        full->n = 0;
    }
    if (p->sigmas) {
        if ((st = cfy_sigmas_check(p->sigmas, p->n_sigmas, err)) != CFY_OK) return st;
        if ((st = copy_sigmas(p->sigmas, p->n_sigmas, out, err)) != CFY_OK) return st;
        return full ? copy_sigmas(p->sigmas, p->n_sigmas, full, err) : CFY_OK;
    }
    if (p->steps < 1 || p->steps > 10000) {
        cfy_error_set(err, CFY_EINVAL, "steps %d is out of range 1..10000", p->steps);
        return cfy_error_set_input(err, "steps");
    }
    if (!(p->denoise > 0.0 && p->denoise <= 1.0)) {
        cfy_error_set(err, CFY_EINVAL, "denoise %g is outside (0, 1]", p->denoise);
        return cfy_error_set_input(err, "denoise");
    }
    if (!cfy_sampler_find(p->sampler_name))
        return names_error(err, "sampler_name", p->sampler_name, cfy_sampler_names, NULL);
    const cfy_model_sampling *ms = &p->model->sampling;
    cfy_sigmas s = {0}, f = {0};
    if (p->mode == CFY_SAMPLE_KSAMPLER) {
        if (p->scheduler_func) {
            int n = p->denoise > 0.9999 ? p->steps : (int)((double)p->steps / p->denoise);
            if ((st = p->scheduler_func(p->scheduler_func_user, p->model, p->sampler_name, n, &s, err)) != CFY_OK)
                return st;
            if ((st = cfy_sigmas_check(s.v, s.n, err)) != CFY_OK) goto fail;
            if (s.n > p->steps + 1) {
                memmove(s.v, s.v + (s.n - p->steps - 1), (size_t)(p->steps + 1) * sizeof(float));
                s.n = p->steps + 1;
            }
        } else {
            int k = cfy_scheduler_from_name(p->scheduler);
            if (k < 0) return names_error(err, "scheduler", p->scheduler, cfy_scheduler_names, NULL);
            if ((st = cfy_ksampler_sigmas(ms, p->sampler_name, (cfy_scheduler)k, p->steps, p->denoise, &s, err)) != CFY_OK)
                return st;
        }
        if (p->last_step >= 0 && p->last_step < s.n - 1) {
            s.n = p->last_step + 1;
            if (p->force_full_denoise) s.v[s.n - 1] = 0.0f;
        }
        if (p->start_step >= 0) {
            if (p->start_step < s.n - 1) {
                memmove(s.v, s.v + p->start_step, (size_t)(s.n - p->start_step) * sizeof(float));
                s.n -= p->start_step;
            } else {
                s.n = 0;
            }
        }
        if (full && (st = copy_sigmas(s.v, s.n, full, err)) != CFY_OK) goto fail;
        *out = s;
        return CFY_OK;
    }
    /* Impact (§9.2) */
    int A = (int)floor((double)p->steps / p->denoise);
    int start = A - p->steps, end = A;
    if (p->scheduler_func) {
        if ((st = p->scheduler_func(p->scheduler_func_user, p->model, p->sampler_name, A, &f, err)) != CFY_OK) return st;
        if ((st = cfy_sigmas_check(f.v, f.n, err)) != CFY_OK) goto fail;
    } else if ((st = impact_calc(p, A, &f, err)) != CFY_OK) {
        goto fail;
    }
    int n = f.n;
    if (end < n - 1) {
        n = end + 1;
        if (p->force_full_denoise) f.v[n - 1] = 0.0f; /* in place: the full schedule changes too */
    }
    if (start < n - 1) {
        if ((st = cfy_sigmas_alloc(&s, n - start, err)) != CFY_OK) goto fail;
        float fac = (float)p->sigma_factor; /* torch: sigmas * sigma_ratio in float32 */
        for (int i = 0; i < n - start; i++) s.v[i] = f.v[start + i] * fac;
    } else {
        if ((st = cfy_sigmas_alloc(&s, 0, err)) != CFY_OK) goto fail;
    }
    *out = s;
    if (full) *full = f;
    else cfy_sigmas_free(&f);
    return CFY_OK;
fail:
    cfy_sigmas_free(&s);
    cfy_sigmas_free(&f);
    return st;
}

typedef struct run_state {
    const cfy_sample_params *p;
    float *last_denoised;
    int64_t n;
    bool have_denoised;
} run_state;

static void on_step(void *user, int step, int total, const float *x, const float *denoised)
{
    run_state *rs = user;
    if (denoised) {
        memcpy(rs->last_denoised, denoised, (size_t)rs->n * sizeof(float));
        rs->have_denoised = true;
    }
    if (rs->p->progress) rs->p->progress(rs->p->progress_user, step, total, x, denoised);
}

static bool on_interrupt(void *user)
{
    run_state *rs = user;
    return rs->p->interrupted && rs->p->interrupted(rs->p->interrupt_user);
}

/* A LATENT holding data [B,C,h,w] on `device` (the input latent's), keeping noise_mask and batch_index. */
static cfy_status make_latent(const cfy_latent *in, const float *data, int64_t B, int64_t C, int64_t h, int64_t w,
                              cfy_value **out, cfy_error *err)
{
    int64_t sz[4] = {B, C, h, w};
    cfy_tensor *t = NULL;
    cfy_status st = cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sz, false, &t, err);
    if (st != CFY_OK) return st;
    memcpy(cfy_tensor_f32(t), data, (size_t)(B * C * h * w) * sizeof(float));
    if (in->samples->device.kind != CFY_DEVICE_CPU) {
        cfy_tensor *d = NULL;
        st = cfy_tensor_to(t, in->samples->device, &d, err);
        cfy_tensor_release(t);
        if (st != CFY_OK) return st;
        t = d;
    }
    *out = cfy_value_new_latent(t, cfy_tensor_retain(in->noise_mask), in->batch_index, in->batch_index ? in->n_batch_index : 0);
    if (!*out) return cfy_error_set(err, CFY_ENOMEM, "out of memory for the output latent");
    return CFY_OK;
}

cfy_status cfy_sample(const cfy_sample_params *p, const cfy_latent *latent, cfy_value **out,
                      cfy_value **out_denoised, cfy_error *err)
{
    *out = NULL;
    if (out_denoised) *out_denoised = NULL;
    if (!p->model) {
        cfy_error_set(err, CFY_EINVAL, "no model given");
        return cfy_error_set_input(err, "model");
    }
    const cfy_tensor *zs = latent ? latent->samples : NULL;
    if (!zs || zs->ndim != 4 || zs->dtype != CFY_F32) {
        cfy_error_set(err, CFY_EINVAL, "latent samples must be a float32 tensor [B,C,h,w]");
        return cfy_error_set_input(err, "latent_image");
    }
    if (isnan(p->cfg) || isinf(p->cfg)) {
        cfy_error_set(err, CFY_EINVAL, "cfg %g is not a finite number", p->cfg);
        return cfy_error_set_input(err, "cfg");
    }
    const cfy_sampler_info *info = cfy_sampler_find(p->sampler_name);
    if (!info) return names_error(err, "sampler_name", p->sampler_name, cfy_sampler_names, NULL);
    if (!info->fn) {
        cfy_error_set(err, CFY_EUNSUPPORTED, "sampler '%s' is not implemented in comfyc yet", info->name);
        return cfy_error_set_input(err, "sampler_name");
    }
    const cfy_model *model = p->model;
    cfy_status st;
    cfy_tensor *zc = NULL; /* host copy: the sampler arithmetic runs on the CPU; the model on its device */
    if ((st = cfy_tensor_to(zs, cfy_cpu(), &zc, err)) != CFY_OK) return st;
    int64_t B = zc->sizes[0], C = zc->sizes[1], h = zc->sizes[2], w = zc->sizes[3];
    const float *z = cfy_tensor_f32(zc);
    bool all_zero = true;
    for (int64_t i = 0; i < B * C * h * w && all_zero; i++) all_zero = z[i] == 0.0f;
    int64_t Cm = model->latent_channels > 0 ? model->latent_channels : C;
    if (!all_zero && Cm != C) {
        cfy_tensor_release(zc);
        cfy_error_set(err, CFY_EINVAL, "latent has %lld channels; the model expects %lld", (long long)C, (long long)Cm);
        return cfy_error_set_input(err, "latent_image");
    }
    int64_t n = B * Cm * h * w;
    cfy_sigmas sig = {0}, full = {0};
    float *buf = calloc((size_t)(5 * n + 1), sizeof(float));
    float *mask = NULL, *ddim_noise = NULL;
    cfy_noise_sampler ns;
    bool ns_init = false;
    cfy_guider g;
    memset(&g, 0, sizeof g);
    if (!buf) {
        cfy_tensor_release(zc);
        return cfy_error_set(err, CFY_ENOMEM, "out of memory for sampling");
    }
    float *L = buf, *noise = buf + n, *x = buf + 2 * n, *dlast = buf + 3 * n, *tmp = buf + 4 * n;
    /* fix_empty_latent_channels: zeros repeated / truncated to the model's channel count */
    for (int64_t b = 0; b < B; b++)
        for (int64_t c = 0; c < Cm; c++)
            memcpy(L + (b * Cm + c) * h * w, z + (b * C + c % C) * h * w, (size_t)(h * w) * sizeof(float));
    C = Cm;
    /* 1. noise */
    if (p->add_noise) {
        st = cfy_noise_prepare(p->seed, B, C * h * w, latent->batch_index, latent->batch_index ? latent->n_batch_index : 0,
                               p->randn_variant, noise, err);
        if (st != CFY_OK) {
            cfy_error_set_input(err, "latent_image");
            goto done;
        }
    }
    /* 2. sigmas */
    if ((st = cfy_sample_sigmas(p, &sig, &full, err)) != CFY_OK) goto done;
    if (sig.n == 0 || (p->mode == CFY_SAMPLE_IMPACT && sig.n == 1 && sig.v[0] == 0.0f)) {
        memcpy(x, L, (size_t)n * sizeof(float));
        st = make_latent(latent, x, B, C, h, w, out, err);
        if (st == CFY_OK && out_denoised) st = make_latent(latent, x, B, C, h, w, out_denoised, err);
        goto done;
    }
    /* 3. mask */
    if (latent->noise_mask) {
        cfy_tensor *mh = NULL;
        if ((st = cfy_tensor_to(latent->noise_mask, cfy_cpu(), &mh, err)) == CFY_OK)
            st = cfy_mask_prepare(mh, B, C, h, w, &mask, err);
        cfy_tensor_release(mh);
        if (st != CFY_OK) {
            cfy_error_set_input(err, "latent_image");
            goto done;
        }
    }
    /* 4. process_in (only when the latent is not all zeros) */
    if (!all_zero) {
        float sf = (float)model->latent_scale_factor;
        for (int64_t i = 0; i < n; i++) L[i] = L[i] * sf;
    }
    /* 5. x0 */
    bool max_denoise = cfy_ms_max_denoise(&model->sampling, sig.v[0]);
    cfy_ms_noise_scaling(sig.v[0], p->add_noise ? noise : NULL, L, x, n, max_denoise);
    /* 6. noise sampler */
    if (info->noise == CFY_SNOISE_DEFAULT) {
        cfy_noise_sampler_init_default(&ns, p->seed + 1, n, p->randn_variant);
        ns_init = true;
    } else if (info->noise == CFY_SNOISE_BROWNIAN) {
        /* Impact's wrapper builds the tree from the full schedule for dpmpp_sde / 2m_sde / 3m_sde
         * (and _gpu); dpmpp_2m_sde_heun is not wrapped and keeps ComfyUI's sliced rule (§9.3). */
        bool impact_tree = p->mode == CFY_SAMPLE_IMPACT && strncmp(info->name, "dpmpp_2m_sde_heun", 17) != 0;
        const cfy_sigmas *src = impact_tree ? &full : &sig;
        float smin = INFINITY, smax = 0.0f;
        for (int i = 0; i < src->n; i++) {
            if (src->v[i] > 0.0f && src->v[i] < smin) smin = src->v[i];
            if (src->v[i] > smax) smax = src->v[i];
        }
        if (!(smin <= smax)) smin = smax;
        if ((st = cfy_noise_sampler_init_brownian(&ns, smin, smax, p->seed, n, p->randn_variant, err)) != CFY_OK)
            goto done;
        ns_init = true;
    }
    /* 7. guider */
    const float *mask_noise = p->add_noise ? noise : NULL;
    if (mask && strcmp(info->name, "ddim") == 0) {
        ddim_noise = malloc((size_t)n * sizeof(float));
        if (!ddim_noise) {
            st = cfy_error_set(err, CFY_ENOMEM, "out of memory for ddim noise");
            goto done;
        }
        cfy_rng gr;
        cfy_rng_seed(&gr, p->seed + 1);
        cfy_rng_randn(&gr, ddim_noise, n, p->randn_variant);
        mask_noise = ddim_noise;
    }
    g.model = model;
    g.positive = p->positive;
    g.negative = p->negative;
    g.cfg = p->cfg;
    g.no_cfg1_shortcut = info->needs_uncond;
    g.batch = B;
    g.channels = C;
    g.height = h;
    g.width = w;
    g.mask = mask;
    g.mask_src = mask;
    g.mask_noise = mask_noise;
    g.latent_image = L;
    g.dd_sigma_from = sig.v[0];
    g.dd_sigma_to = sig.v[sig.n - 1] > cfy_ms_sigma_min(&model->sampling) ? sig.v[sig.n - 1] : cfy_ms_sigma_min(&model->sampling);
    if ((st = cfy_guider_init(&g, err)) != CFY_OK) goto done;
    /* 8. sample */
    run_state rs = {p, dlast, n, false};
    cfy_sampler_run run = {n,  sig.v,        sig.n, cfy_guider_denoise, &g, ns_init ? &ns : NULL, on_step, &rs,
                           on_interrupt, &rs, &model->sampling};
    if ((st = cfy_sampler_execute(info, &run, x, err)) != CFY_OK) goto done;
    if (!rs.have_denoised) memcpy(dlast, x, (size_t)n * sizeof(float));
    /* 9. process_out */
    float sf = (float)model->latent_scale_factor;
    for (int64_t i = 0; i < n; i++) {
        x[i] = x[i] / sf;
        tmp[i] = dlast[i] / sf;
    }
    st = make_latent(latent, p->return_last_denoised ? tmp : x, B, C, h, w, out, err);
    if (st == CFY_OK && out_denoised) st = make_latent(latent, tmp, B, C, h, w, out_denoised, err);
done:
    if (st != CFY_OK) {
        cfy_value_release(*out);
        *out = NULL;
        if (out_denoised) {
            cfy_value_release(*out_denoised);
            *out_denoised = NULL;
        }
    }
    cfy_guider_free(&g);
    if (ns_init) cfy_noise_sampler_free(&ns);
    free(ddim_noise);
    free(mask);
    free(buf);
    cfy_sigmas_free(&sig);
    cfy_sigmas_free(&full);
    cfy_tensor_release(zc);
    return st;
}

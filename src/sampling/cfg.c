/* cfg.c — guided denoiser: builds UNet batches from CONDITIONING, applies the model's
 * parameterisation, combines cond/uncond with CFG and blends the noise mask (spec §1.3, §5, §6). */
#include "sampling/cfg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sampling/masks.h"
#include "sampling/model_sampling.h"

cfy_status cfy_guider_init(cfy_guider *g, cfy_error *err)
{
    if (!g->model || !g->model->apply) return cfy_error_set(err, CFY_EINVAL, "model has no denoiser");
    if (isnan(g->cfg) || isinf(g->cfg)) {
        cfy_error_set_input(err, "cfg");
        return cfy_error_set(err, CFY_EINVAL, "cfg %g is not a finite number", g->cfg);
    }
    const cfy_conditioning *lists[2] = {g->positive, g->negative};
    const char *names[2] = {"positive", "negative"};
    for (int l = 0; l < 2; l++) {
        if (!lists[l]) continue;
        for (int e = 0; e < lists[l]->n; e++) {
            const cfy_cond_entry *ce = &lists[l]->entries[e];
            if (!ce->cond || ce->cond->ndim != 3 || ce->cond->dtype != CFY_F32) {
                cfy_error_set_input(err, names[l]);
                return cfy_error_set(err, CFY_EINVAL, "conditioning entry %d has no [1,tokens,dim] f32 tensor", e);
            }
            if (ce->has_area) {
                cfy_error_set_input(err, names[l]);
                return cfy_error_set(err, CFY_EUNSUPPORTED, "area conditioning (entry %d) is not supported yet", e);
            }
        }
    }
    if (!g->positive || g->positive->n < 1) {
        cfy_error_set_input(err, "positive");
        return cfy_error_set(err, CFY_EINVAL, "positive conditioning is empty");
    }
    int64_t n = g->batch * g->channels * g->height * g->width;
    size_t bytes = (size_t)(n > 0 ? n : 1) * sizeof(float);
    g->buf_in = malloc(bytes);
    g->buf_mask = malloc(bytes);
    g->buf_out = malloc(bytes);
    g->buf_u = malloc(bytes);
    if (!g->buf_in || !g->buf_mask || !g->buf_out || !g->buf_u) {
        cfy_guider_free(g);
        return cfy_error_set(err, CFY_ENOMEM, "out of memory for the guider");
    }
    return CFY_OK;
}

void cfy_guider_free(cfy_guider *g)
{
    if (!g) return;
    free(g->buf_in);
    free(g->buf_mask);
    free(g->buf_out);
    free(g->buf_u);
    g->buf_in = g->buf_mask = g->buf_out = g->buf_u = NULL;
}

void cfy_sdxl_adm(const float *pooled, int64_t n_pooled, int pooled_width, const double vals[6], float *y)
{
    for (int k = 0; k < pooled_width; k++) y[k] = pooled && k < n_pooled ? pooled[k] : 0.0f;
    for (int v = 0; v < 6; v++) {
        float *e = y + pooled_width + 256 * v;
        for (int k = 0; k < 128; k++) {
            float ex = (float)(-log(10000.0)) * (float)k;
            ex = ex / 128.0f;
            float f = expf(ex);
            float a = (float)vals[v] * f;
            e[k] = cosf(a);
            e[128 + k] = sinf(a);
        }
    }
}

/* Inpainting UNets (spec §6.4): c_concat = [mask (1 ch), masked latent (C ch)] for one entry,
 * written to out [B, 1+C, H, W]. */
static cfy_status build_concat(cfy_guider *g, const cfy_cond_entry *e, float *out, cfy_error *err)
{
    int64_t B = g->batch, C = g->channels, H = g->height, W = g->width, hw = H * W;
    float *m = NULL;
    cfy_status st = CFY_OK;
    bool have_mask = e->concat_mask || g->mask_src;
    if (e->concat_mask) {
        int64_t full = g->full_batch > 0 ? g->full_batch : B;
        if ((st = cfy_mask_prepare(e->concat_mask, full, 1, H, W, &m, err)) != CFY_OK) return st;
        if (g->batch_offset > 0) memmove(m, m + g->batch_offset * hw, (size_t)(B * hw) * sizeof(float));
    } else if (g->mask_src) {
        m = malloc((size_t)(B * hw) * sizeof(float));
        if (!m) return cfy_error_set(err, CFY_ENOMEM, "out of memory for the inpaint mask");
        for (int64_t b = 0; b < B; b++) memcpy(m + b * hw, g->mask_src + b * C * hw, (size_t)hw * sizeof(float));
    }
    static const float blank[4] = {0.8223f, -0.6876f, 0.6364f, 0.1380f};
    cfy_tensor *ci = NULL;
    if (have_mask && e->concat_latent_image) {
        const cfy_tensor *t = e->concat_latent_image;
        if (t->ndim != 4 || t->sizes[1] != C || t->sizes[2] != H || t->sizes[3] != W || t->dtype != CFY_F32) {
            free(m);
            char buf[64];
            return cfy_error_set(err, CFY_EUNSUPPORTED, "concat_latent_image %s does not match the latent [%lld,%lld,%lld,%lld]",
                                 cfy_tensor_shape_str(t, buf, sizeof buf), (long long)B, (long long)C, (long long)H,
                                 (long long)W);
        }
        if ((st = cfy_tensor_contiguous(t, &ci, err)) != CFY_OK) {
            free(m);
            return st;
        }
    }
    float sf = (float)g->model->latent_scale_factor;
    for (int64_t b = 0; b < B; b++) {
        float *o = out + b * (1 + C) * hw;
        for (int64_t k = 0; k < hw; k++) o[k] = have_mask ? nearbyintf(m[b * hw + k]) : 1.0f;
        for (int64_t c = 0; c < C; c++) {
            float *oc = o + (1 + c) * hw;
            for (int64_t k = 0; k < hw; k++) {
                if (!have_mask) oc[k] = c < 4 ? blank[c] : 0.0f;
                else if (ci) oc[k] = cfy_tensor_f32(ci)[(((b + g->batch_offset) % ci->sizes[0]) * C + c) * hw + k] * sf;
                else oc[k] = g->latent_image[(b * C + c) * hw + k];
            }
        }
    }
    cfy_tensor_release(ci);
    free(m);
    return CFY_OK;
}

/* One UNet call for `k` entries (each over the whole latent batch) on input x_in (n floats,
 * unscaled); writes each entry's denoised prediction to outs[e]. */
static cfy_status run_entries(cfy_guider *g, const float *x, float sigma, const cfy_cond_entry **entries, int k,
                              float **outs, cfy_error *err)
{
    const cfy_model *m = g->model;
    int64_t B = g->batch, C = g->channels, H = g->height, W = g->width, per = C * H * W;
    int64_t cin = m->unet_in_channels > C ? m->unet_in_channels : C;
    int64_t nb = B * k;
    int64_t T = entries[0]->cond->sizes[1], Dm = entries[0]->cond->sizes[2];
    int64_t adm = m->adm_channels;
    cfy_tensor *tx = NULL, *tt = NULL, *tc = NULL, *ty = NULL, *out = NULL, *tcat = NULL;
    cfy_status st;
    int64_t sx[4] = {nb, C, H, W}, st1[1] = {nb}, sc[3] = {nb, T, Dm}, sy[2] = {nb, adm};
    if ((st = cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sx, false, &tx, err)) != CFY_OK) goto done;
    if ((st = cfy_tensor_new(CFY_F32, cfy_cpu(), 1, st1, false, &tt, err)) != CFY_OK) goto done;
    if ((st = cfy_tensor_new(CFY_F32, cfy_cpu(), 3, sc, false, &tc, err)) != CFY_OK) goto done;
    if (adm > 0 && (st = cfy_tensor_new(CFY_F32, cfy_cpu(), 2, sy, false, &ty, err)) != CFY_OK) goto done;
    /* x / sqrt(σ² + 1) */
    float scale = sqrtf(sigma * sigma + 1.0f);
    float *px = cfy_tensor_f32(tx);
    for (int e = 0; e < k; e++)
        for (int64_t i = 0; i < B * per; i++) px[e * B * per + i] = x[i] / scale;
    float t = (float)cfy_ms_timestep(&m->sampling, sigma);
    for (int64_t i = 0; i < nb; i++) cfy_tensor_f32(tt)[i] = t;
    for (int e = 0; e < k; e++) {
        cfy_tensor *cc = NULL;
        if ((st = cfy_tensor_contiguous(entries[e]->cond, &cc, err)) != CFY_OK) goto done;
        for (int64_t b = 0; b < B; b++)
            memcpy(cfy_tensor_f32(tc) + (e * B + b) * T * Dm, cfy_tensor_f32(cc), (size_t)(T * Dm) * sizeof(float));
        cfy_tensor_release(cc);
        if (ty) {
            const cfy_tensor *pl = entries[e]->pooled;
            cfy_tensor *pc = NULL;
            if (pl && (st = cfy_tensor_contiguous(pl, &pc, err)) != CFY_OK) goto done;
            for (int64_t b = 0; b < B; b++) {
                float *y = cfy_tensor_f32(ty) + (e * B + b) * adm;
                if (m->adm_pooled_width > 0 && adm == m->adm_pooled_width + 1536) {
                    double h = (double)(H * 8), w = (double)(W * 8), dflt[6] = {h, w, 0.0, 0.0, h, w};
                    cfy_sdxl_adm(pc ? cfy_tensor_f32(pc) : NULL, pc ? cfy_tensor_numel(pc) : 0, m->adm_pooled_width,
                                 entries[e]->has_size ? entries[e]->size : dflt, y);
                } else {
                    memset(y, 0, (size_t)adm * sizeof(float));
                    if (pc) memcpy(y, cfy_tensor_f32(pc), (size_t)(cfy_tensor_numel(pc) < adm ? cfy_tensor_numel(pc) : adm) * sizeof(float));
                }
            }
            cfy_tensor_release(pc);
        }
    }
    if (cin != C) {
        if (cin != 2 * C + 1) {
            st = cfy_error_set(err, CFY_EUNSUPPORTED, "a UNet with %lld input channels for %lld latent channels is not supported",
                               (long long)cin, (long long)C);
            goto done;
        }
        int64_t sx2[4] = {nb, C + 1, H, W};
        if ((st = cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sx2, false, &tcat, err)) != CFY_OK) goto done;
        for (int e = 0; e < k; e++)
            if ((st = build_concat(g, entries[e], cfy_tensor_f32(tcat) + e * B * (C + 1) * H * W, err)) != CFY_OK) goto done;
    }
    cfy_unet_call call = {tx, tt, tc, ty, tcat};
    bool moved = m->device.kind != CFY_DEVICE_CPU;
    if (moved) {
        cfy_tensor *dx = NULL, *dt = NULL, *dc = NULL, *dy = NULL, *dcat = NULL;
        if ((st = cfy_tensor_to(tx, m->device, &dx, err)) == CFY_OK && (st = cfy_tensor_to(tt, m->device, &dt, err)) == CFY_OK &&
            (st = cfy_tensor_to(tc, m->device, &dc, err)) == CFY_OK && (!ty || (st = cfy_tensor_to(ty, m->device, &dy, err)) == CFY_OK) &&
            (!tcat || (st = cfy_tensor_to(tcat, m->device, &dcat, err)) == CFY_OK)) {
            call.x = dx;
            call.timestep = dt;
            call.context = dc;
            call.y = dy;
            call.concat = dcat;
            st = m->apply(m->impl, &call, &out, err);
        }
        cfy_tensor_release(dx);
        cfy_tensor_release(dt);
        cfy_tensor_release(dc);
        cfy_tensor_release(dy);
        cfy_tensor_release(dcat);
    } else {
        st = m->apply(m->impl, &call, &out, err);
    }
    if (st != CFY_OK) goto done;
    if (!out || cfy_tensor_numel(out) != nb * per) {
        st = cfy_error_set(err, CFY_EINTERNAL, "model returned a tensor of the wrong size");
        goto done;
    }
    cfy_tensor *oc = NULL;
    if (out->device.kind != CFY_DEVICE_CPU || out->dtype != CFY_F32) {
        cfy_tensor *h = NULL;
        if ((st = cfy_tensor_to(out, cfy_cpu(), &h, err)) != CFY_OK) goto done;
        if (h->dtype != CFY_F32) {
            st = cfy_tensor_convert(h, CFY_F32, &oc, err);
            cfy_tensor_release(h);
            if (st != CFY_OK) goto done;
        } else {
            oc = h;
        }
    } else if ((st = cfy_tensor_contiguous(out, &oc, err)) != CFY_OK) {
        goto done;
    }
    for (int e = 0; e < k; e++)
        cfy_ms_calculate_denoised(m->sampling.prediction, sigma, x, cfy_tensor_f32(oc) + e * B * per, outs[e], B * per);
    cfy_tensor_release(oc);
done:
    cfy_tensor_release(tcat);
    cfy_tensor_release(tx);
    cfy_tensor_release(tt);
    cfy_tensor_release(tc);
    cfy_tensor_release(ty);
    cfy_tensor_release(out);
    return st;
}

/* run_entries within the model's batch limit: splits the latent batch (and, if needed, the
 * entries) into calls of at most max_batch samples. Per-sample results are unchanged. */
static cfy_status run_entries_split(cfy_guider *g, const float *x, float sigma, const cfy_cond_entry **entries,
                                    int k, float **outs, cfy_error *err)
{
    int64_t maxb = g->model->max_batch, B = g->batch;
    if (maxb <= 0 || B * k <= maxb) return run_entries(g, x, sigma, entries, k, outs, err);
    if (k > 1) {
        for (int e = 0; e < k; e++) {
            cfy_status st = run_entries_split(g, x, sigma, &entries[e], 1, &outs[e], err);
            if (st != CFY_OK) return st;
        }
        return CFY_OK;
    }
    int64_t per = g->channels * g->height * g->width;
    for (int64_t b0 = 0; b0 < B; b0 += maxb) {
        cfy_guider sub = *g;
        sub.batch = B - b0 < maxb ? B - b0 : maxb;
        sub.batch_offset = g->batch_offset + b0;
        sub.full_batch = g->full_batch > 0 ? g->full_batch : B;
        sub.latent_image = g->latent_image + b0 * per;
        sub.mask_src = g->mask_src ? g->mask_src + b0 * per : NULL;
        float *o = outs[0] + b0 * per;
        cfy_status st = run_entries(&sub, x + b0 * per, sigma, entries, 1, &o, err);
        if (st != CFY_OK) return st;
    }
    return CFY_OK;
}

static bool entry_active(const cfy_model_sampling *ms, const cfy_cond_entry *e, float sigma)
{
    if (e->start_percent > 0.0) {
        double ts = cfy_ms_percent_to_sigma(ms, e->start_percent);
        if ((double)sigma > ts) return false;
    }
    if (e->end_percent < 1.0) {
        double te = cfy_ms_percent_to_sigma(ms, e->end_percent);
        if ((double)sigma < te) return false;
    }
    return true;
}

/* Weighted average of a list's active entries into out (n floats); returns false when none. */
static cfy_status eval_list(cfy_guider *g, const cfy_conditioning *list, const float *x, float sigma, float *out,
                            float *tmp, cfy_error *err)
{
    int64_t n = g->batch * g->channels * g->height * g->width;
    int active = 0;
    float count = 1e-37f;
    for (int64_t i = 0; i < n; i++) out[i] = 0.0f;
    for (int e = 0; e < list->n; e++) {
        const cfy_cond_entry *ce = &list->entries[e];
        if (!entry_active(&g->model->sampling, ce, sigma)) continue;
        float *outs[1] = {tmp};
        cfy_status st = run_entries_split(g, x, sigma, &ce, 1, outs, err);
        if (st != CFY_OK) return st;
        float mult = (float)ce->strength;
        for (int64_t i = 0; i < n; i++) out[i] = out[i] + tmp[i] * mult;
        count = count + mult;
        active++;
    }
    for (int64_t i = 0; i < n; i++) out[i] = out[i] / count;
    return CFY_OK;
}

static bool single_plain(const cfy_conditioning *l)
{
    return l && l->n == 1 && l->entries[0].strength == 1.0;
}

cfy_status cfy_guider_denoise(void *user, const float *x, float sigma, float *D, float *U, cfy_error *err)
{
    cfy_guider *g = user;
    int64_t n = g->batch * g->channels * g->height * g->width;
    const float *m = g->mask;
    const float *xin = x;
    if (m) {
        if (g->model->differential_diffusion) {
            cfy_differential_diffusion(&g->model->sampling, sigma, g->dd_sigma_from, g->dd_sigma_to,
                                       g->model->differential_diffusion_strength, g->mask, g->buf_mask, n);
            m = g->buf_mask;
        }
        cfy_mask_blend_input(x, m, g->mask_noise, sigma, g->latent_image, g->buf_in, n);
        xin = g->buf_in;
    }
    bool use_neg = g->negative && (g->no_cfg1_shortcut || fabs(g->cfg - 1.0) > 1e-9 * fmax(1.0, fabs(g->cfg)));
    float *C = g->buf_out, *Un = g->buf_u;
    cfy_status st;
    if (use_neg && single_plain(g->positive) && single_plain(g->negative) &&
        entry_active(&g->model->sampling, &g->negative->entries[0], sigma) &&
        entry_active(&g->model->sampling, &g->positive->entries[0], sigma) &&
        g->positive->entries[0].cond->sizes[1] == g->negative->entries[0].cond->sizes[1] &&
        g->positive->entries[0].cond->sizes[2] == g->negative->entries[0].cond->sizes[2] &&
        (g->model->max_batch <= 0 || g->model->max_batch >= 2 * g->batch)) {
        /* one call, batch order [negative, positive] (§5.2.3) */
        const cfy_cond_entry *es[2] = {&g->negative->entries[0], &g->positive->entries[0]};
        float *outs[2] = {Un, C};
        st = run_entries(g, xin, sigma, es, 2, outs, err);
        if (st != CFY_OK) return st;
        /* out = 0 + o·1, count = 1e-37 + 1 = 1: exact */
    } else {
        st = eval_list(g, g->positive, xin, sigma, C, D, err);
        if (st != CFY_OK) return st;
        if (use_neg) {
            st = eval_list(g, g->negative, xin, sigma, Un, D, err);
            if (st != CFY_OK) return st;
        } else {
            for (int64_t i = 0; i < n; i++) Un[i] = 0.0f;
        }
    }
    if (use_neg) {
        float cfg = (float)g->cfg;
        for (int64_t i = 0; i < n; i++) {
            float d = C[i] - Un[i];
            d = d * cfg;
            D[i] = Un[i] + d;
        }
    } else {
        memcpy(D, C, (size_t)n * sizeof(float));
    }
    if (m) {
        cfy_mask_blend_output(D, m, g->latent_image, n);
        if (U) cfy_mask_blend_output(Un, m, g->latent_image, n);
    }
    if (U) memcpy(U, Un, (size_t)n * sizeof(float));
    return CFY_OK;
}

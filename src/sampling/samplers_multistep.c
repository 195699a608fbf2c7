/* samplers_multistep.c — multistep samplers with history: ipndm_v, res_multistep (plain,
 * ancestral, CFG++), gradient_estimation_cfg_pp, er_sde (spec sampling.md §4.19, 4.21–4.23). */
#include <math.h>
#include <string.h>

#include "sampling/samplers.h"

cfy_status cfy_sample_ipndm_v(cfy_sampler_run *r, float *x, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 5, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *ds[4] = {b.p[1], b.p[2], b.p[3], b.p[4]}; /* ds[0] = current d */
    int have = 0;
    const float *t = r->sigmas;
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float tc = t[i], tn = t[i + 1];
        if ((st = cfy_sampler_D(r, x, tc, D, NULL, err)) != CFY_OK) break;
        float *old = ds[3];
        for (int k = 3; k > 0; k--) ds[k] = ds[k - 1];
        ds[0] = old;
        for (int64_t k = 0; k < n; k++) {
            float v = x[k] - D[k];
            ds[0][k] = v / tc;
        }
        int order = have + 1 < 4 ? have + 1 : 4;
        float h = tn - tc;
        float c[4] = {1.0f, 0.0f, 0.0f, 0.0f};
        if (tn == 0.0f) {
            memcpy(x, D, (size_t)n * sizeof(float));
        } else {
            if (order >= 2) {
                float h1 = tc - t[i - 1];
                float hr = h / h1;
                c[0] = (2.0f + hr) / 2.0f;
                c[1] = -hr / 2.0f;
                if (order >= 3) {
                    float h2 = t[i - 1] - t[i - 2];
                    float T1 = 1.0f - ((h / (3.0f * (h + h1))) * (h * (h + h1))) / (h1 * (h1 + h2));
                    T1 = T1 / 2.0f;
                    if (order == 3) {
                        c[0] = c[0] + T1;
                        c[1] = c[1] - (1.0f + h1 / h2) * T1;
                        c[2] = (T1 * h1) / h2;
                    } else {
                        float h3 = t[i - 2] - t[i - 3];
                        float a = (1.0f - h / (3.0f * (h + h1))) / 2.0f;
                        float bb = (1.0f - h / (2.0f * (h + h1))) * h;
                        bb = bb / (6.0f * ((h + h1) + h2));
                        float num = (h * (h + h1)) * ((h + h1) + h2);
                        float den = (h1 * (h1 + h2)) * ((h1 + h2) + h3);
                        float T2 = ((a + bb) * num) / den;
                        float q = (h1 * (h1 + h2)) / (h2 * (h2 + h3));
                        c[0] = (c[0] + T1) + T2;
                        c[1] = (c[1] - (1.0f + h1 / h2) * T1) - ((1.0f + h1 / h2) + q) * T2;
                        c[2] = (T1 * h1) / h2 + (h1 / h2 + q * (1.0f + h2 / h3)) * T2;
                        c[3] = (((-T2) * q) * h1) / h2;
                    }
                }
            }
            for (int64_t k = 0; k < n; k++) {
                float acc = c[0] * ds[0][k];
                for (int j = 1; j < order; j++) {
                    float tt = c[j] * ds[j][k];
                    acc = acc + tt;
                }
                float tt = h * acc;
                x[k] = x[k] + tt;
            }
        }
        if (have < 3) have++;
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    return st;
}

/* res_multistep family. eta 0 or 1; cfg_pp uses the unconditional prediction. */
static cfy_status res_multistep(cfy_sampler_run *r, float *x, float eta, bool cfg_pp, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 5, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *U = b.p[1], *old = b.p[2], *e = b.p[3];
    bool have_old = false;
    float old_sd = 0.0f;
    const float s_noise = 1.0f;
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, cfg_pp ? U : NULL, err)) != CFY_OK) break;
        float sd, su;
        cfy_ancestral_step(s, sn, eta, &sd, &su);
        if (sd == 0.0f || !have_old) {
            for (int64_t k = 0; k < n; k++) {
                if (cfg_pp) {
                    float d = x[k] - U[k];
                    d = d / s;
                    x[k] = D[k] + d * sd;
                } else {
                    float d = x[k] - D[k];
                    d = d / s;
                    x[k] = x[k] + d * (sd - s);
                }
            }
        } else {
            float t = -logf(s), t_old = -logf(old_sd), t_next = -logf(sd), t_prev = -logf(r->sigmas[i - 1]);
            float h = t_next - t;
            float c2 = (t_prev - t_old) / h;
            float p1 = expm1f(-h) / (-h);
            float p2 = (p1 - 1.0f) / (-h);
            float b1 = p1 - p2 / c2, b2 = p2 / c2;
            if (isnan(b1)) b1 = 0.0f;
            if (isnan(b2)) b2 = 0.0f;
            float eh = expf(-h);
            const float *cur = cfg_pp ? U : D;
            for (int64_t k = 0; k < n; k++) {
                float xv = x[k];
                if (cfg_pp) xv = xv + (D[k] - U[k]);
                float m = b1 * cur[k] + b2 * old[k];
                x[k] = eh * xv + h * m;
            }
        }
        if (sn > 0.0f) {
            if ((st = cfy_noise_sampler_draw(r->noise, s, sn, e, err)) != CFY_OK) break;
            for (int64_t k = 0; k < n; k++) {
                float c = e[k] * s_noise;
                c = c * su;
                x[k] = x[k] + c;
            }
        }
        memcpy(old, cfg_pp ? U : D, (size_t)n * sizeof(float));
        have_old = true;
        old_sd = sd;
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    return st;
}

cfy_status cfy_sample_res_multistep(cfy_sampler_run *r, float *x, cfy_error *err)
{
    return res_multistep(r, x, 0.0f, false, err);
}
cfy_status cfy_sample_res_multistep_cfg_pp(cfy_sampler_run *r, float *x, cfy_error *err)
{
    return res_multistep(r, x, 0.0f, true, err);
}
cfy_status cfy_sample_res_multistep_ancestral(cfy_sampler_run *r, float *x, cfy_error *err)
{
    return res_multistep(r, x, 1.0f, false, err);
}
cfy_status cfy_sample_res_multistep_ancestral_cfg_pp(cfy_sampler_run *r, float *x, cfy_error *err)
{
    return res_multistep(r, x, 1.0f, true, err);
}

cfy_status cfy_sample_gradient_estimation_cfg_pp(cfy_sampler_run *r, float *x, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 4, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *U = b.p[1], *d = b.p[2], *dold = b.p[3];
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, U, err)) != CFY_OK) break;
        for (int64_t k = 0; k < n; k++) {
            float v = x[k] - U[k];
            d[k] = v / s;
        }
        float dt = sn - s;
        if (sn == 0.0f) {
            memcpy(x, D, (size_t)n * sizeof(float));
        } else {
            for (int64_t k = 0; k < n; k++) x[k] = D[k] + d[k] * sn;
            if (i >= 1)
                for (int64_t k = 0; k < n; k++) {
                    float g = d[k] - dold[k];
                    g = 1.0f * g;
                    x[k] = x[k] + g * dt;
                }
        }
        memcpy(dold, d, (size_t)n * sizeof(float));
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    return st;
}

/* ER-SDE-Solver-3 noise scaler S(v) = v·(e^{v^0.3} + 10). */
static float er_scaler(float v) { return v * (expf(powf(v, 0.3f)) + 10.0f); }

cfy_status cfy_sample_er_sde(cfy_sampler_run *r, float *x, cfy_error *err)
{
    int64_t n = r->n;
    enum { POINTS = 200 };
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 5, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *Dold = b.p[1], *Dd = b.p[2], *Ddold = b.p[3], *e = b.p[4];
    const float s_noise = 1.0f;
    const int max_stage = 3;
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, NULL, err)) != CFY_OK) break;
        int stage = i + 1 < max_stage ? i + 1 : max_stage;
        if (sn == 0.0f) {
            memcpy(x, D, (size_t)n * sizeof(float));
        } else {
            float ls = expf(-(-logf(s))), lt = expf(-(-logf(sn))); /* e^{−λ(σ)}, λ = −ln σ */
            float as = s / ls, at = sn / lt;
            float ra = at / as;
            float rr = er_scaler(lt) / er_scaler(ls);
            float c1 = ra * rr, c2 = at * (1.0f - rr);
            for (int64_t k = 0; k < n; k++) x[k] = c1 * x[k] + c2 * D[k];
            if (stage >= 2) {
                float lprev = expf(logf(r->sigmas[i - 1]));
                float dl = lt - ls;
                float step = -dl / (float)POINTS;
                float sum = 0.0f, sum_u = 0.0f;
                for (int k = 0; k < POINTS; k++) {
                    float pos = lt + (float)k * step;
                    float sp = er_scaler(pos);
                    sum += 1.0f / sp;
                    sum_u += (pos - ls) / sp;
                }
                float sv = sum * step, su = sum_u * step;
                float c3 = at * (dl + sv * er_scaler(lt));
                float den = ls - lprev;
                for (int64_t k = 0; k < n; k++) {
                    float v = D[k] - Dold[k];
                    Dd[k] = v / den;
                    x[k] = x[k] + c3 * Dd[k];
                }
                if (stage >= 3) {
                    float lpp = expf(logf(r->sigmas[i - 2]));
                    float c4 = at * ((dl * dl) / 2.0f + su * er_scaler(lt));
                    float den2 = (ls - lpp) / 2.0f;
                    for (int64_t k = 0; k < n; k++) {
                        float v = Dd[k] - Ddold[k];
                        v = v / den2;
                        x[k] = x[k] + c4 * v;
                    }
                }
                memcpy(Ddold, Dd, (size_t)n * sizeof(float));
            }
            if ((st = cfy_noise_sampler_draw(r->noise, s, sn, e, err)) != CFY_OK) break;
            float nv = lt * lt - (ls * ls) * (rr * rr);
            float sq = sqrtf(nv);
            if (isnan(sq)) sq = 0.0f;
            for (int64_t k = 0; k < n; k++) {
                float c = at * e[k];
                c = c * s_noise;
                c = c * sq;
                x[k] = x[k] + c;
            }
        }
        memcpy(Dold, D, (size_t)n * sizeof(float));
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    return st;
}

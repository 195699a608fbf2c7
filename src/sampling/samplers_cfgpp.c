/* samplers_cfgpp.c — CFG++ samplers: euler_cfg_pp, euler_ancestral_cfg_pp, dpmpp_2m_cfg_pp
 * (spec sampling.md §4.27). They need the unconditional prediction U of every model call. */
#include <math.h>
#include <string.h>

#include "sampling/samplers.h"

static cfy_status euler_cfgpp(cfy_sampler_run *r, float *x, float eta, float s_noise, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 3, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *U = b.p[1], *e = b.p[2];
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, U, err)) != CFY_OK) break;
        if (sn == 0.0f) {
            memcpy(x, D, (size_t)n * sizeof(float));
        } else {
            float as = s * expf(-logf(s)), at = sn * expf(-logf(sn));
            float sd, su;
            cfy_ancestral_step(s / as, sn / at, eta, &sd, &su);
            sd = at * sd;
            for (int64_t k = 0; k < n; k++) {
                float u = as * U[k];
                float d = x[k] - u;
                d = d / s;
                float p = at * D[k];
                float q = sd * d;
                x[k] = p + q;
            }
            if (eta > 0.0f && s_noise > 0.0f) {
                if ((st = cfy_noise_sampler_draw(r->noise, s, sn, e, err)) != CFY_OK) break;
                for (int64_t k = 0; k < n; k++) {
                    float c = at * e[k];
                    c = c * s_noise;
                    c = c * su;
                    x[k] = x[k] + c;
                }
            }
        }
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    return st;
}

cfy_status cfy_sample_euler_cfg_pp(cfy_sampler_run *r, float *x, cfy_error *err)
{
    return euler_cfgpp(r, x, 0.0f, 0.0f, err);
}

cfy_status cfy_sample_euler_ancestral_cfg_pp(cfy_sampler_run *r, float *x, cfy_error *err)
{
    return euler_cfgpp(r, x, 1.0f, 1.0f, err);
}

cfy_status cfy_sample_dpmpp_2m_cfg_pp(cfy_sampler_run *r, float *x, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 3, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *U = b.p[1], *Uold = b.p[2];
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, U, err)) != CFY_OK) break;
        float t = -logf(s), tn = -logf(sn);
        float h = tn - t;
        float eh = expf(-h);
        float neh = -eh;
        if (i == 0 || sn == 0.0f) {
            for (int64_t k = 0; k < n; k++) {
                float m = neh * U[k];
                float a = D[k] + m;
                float c = eh * x[k];
                x[k] = a + c;
            }
        } else {
            float hl = t - (-logf(r->sigmas[i - 1]));
            float rr = hl / h;
            float coef = expm1f(-h) * (1.0f / (2.0f * rr));
            for (int64_t k = 0; k < n; k++) {
                float m = neh * U[k];
                float dd = D[k] - Uold[k];
                dd = coef * dd;
                m = m - dd;
                float a = D[k] + m;
                float c = eh * x[k];
                x[k] = a + c;
            }
        }
        memcpy(Uold, U, (size_t)n * sizeof(float));
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    return st;
}

cfy_status cfy_sample_dpmpp_2s_ancestral_cfg_pp(cfy_sampler_run *r, float *x, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 5, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *U = b.p[1], *x2 = b.p[2], *D2 = b.p[3], *e = b.p[4];
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, U, err)) != CFY_OK) break;
        float sd, su;
        cfy_ancestral_step(s, sn, 1.0f, &sd, &su);
        if (sd == 0.0f) {
            for (int64_t k = 0; k < n; k++) {
                float d = x[k] - U[k];
                d = d / s;
                x[k] = D[k] + d * sd;
            }
        } else {
            float t = -logf(s), tn = -logf(sd);
            float h = tn - t;
            float sm = t + 0.5f * h;
            float r1 = expf(-sm) / expf(-t);
            float e1 = expm1f(-h * 0.5f);
            for (int64_t k = 0; k < n; k++) {
                float xv = x[k] + (D[k] - U[k]);
                float a = r1 * xv;
                float c = e1 * D[k];
                x2[k] = a - c;
            }
            if ((st = cfy_sampler_D(r, x2, expf(-sm), D2, U, err)) != CFY_OK) break; /* overwrites U */
            float r2 = expf(-tn) / expf(-t);
            float e2 = expm1f(-h);
            for (int64_t k = 0; k < n; k++) {
                float xv = x[k] + (D[k] - U[k]);
                float a = r2 * xv;
                float c = e2 * D2[k];
                x[k] = a - c;
            }
        }
        if (sn > 0.0f) {
            if ((st = cfy_noise_sampler_draw(r->noise, s, sn, e, err)) != CFY_OK) break;
            for (int64_t k = 0; k < n; k++) {
                float c = e[k] * 1.0f;
                c = c * su;
                x[k] = x[k] + c;
            }
        }
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    return st;
}

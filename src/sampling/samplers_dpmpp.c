/* samplers_dpmpp.c — DPM-Solver++ family and the VP samplers: dpmpp_2m, dpmpp_2s_ancestral,
 * dpmpp_sde, dpmpp_2m_sde (midpoint / heun), dpmpp_3m_sde, ddpm, lcm (spec sampling.md
 * §4.11–4.17). Scalar sigma arithmetic is float32 with the C library's logf/expf/expm1f. */
#include <math.h>
#include <string.h>

#include "sampling/samplers.h"

cfy_status cfy_sample_dpmpp_2m(cfy_sampler_run *r, float *x, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 2, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *Dold = b.p[1];
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, NULL, err)) != CFY_OK) break;
        float t = -logf(s), tn = -logf(sn);
        float h = tn - t;
        float ratio = expf(-tn) / expf(-t);
        float em = expm1f(-h);
        if (i == 0 || sn == 0.0f) {
            for (int64_t k = 0; k < n; k++) {
                float a = ratio * x[k];
                float c = em * D[k];
                x[k] = a - c;
            }
        } else {
            float hl = t - (-logf(r->sigmas[i - 1]));
            float rr = hl / h;
            float inv = 1.0f / (2.0f * rr);
            float c1 = 1.0f + inv;
            for (int64_t k = 0; k < n; k++) {
                float p = c1 * D[k];
                float q = inv * Dold[k];
                float dd = p - q;
                float a = ratio * x[k];
                float c = em * dd;
                x[k] = a - c;
            }
        }
        memcpy(Dold, D, (size_t)n * sizeof(float));
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    return st;
}

cfy_status cfy_sample_dpmpp_2s_ancestral(cfy_sampler_run *r, float *x, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 4, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *x2 = b.p[1], *D2 = b.p[2], *e = b.p[3];
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, NULL, err)) != CFY_OK) break;
        float sd, su;
        cfy_ancestral_step(s, sn, 1.0f, &sd, &su);
        if (sd == 0.0f) {
            float dt = sd - s;
            for (int64_t k = 0; k < n; k++) {
                float d = x[k] - D[k];
                d = d / s;
                d = d * dt;
                x[k] = x[k] + d;
            }
        } else {
            float t = -logf(s), tn = -logf(sd);
            float h = tn - t;
            float sm = t + h * 0.5f;
            float r1 = expf(-sm) / expf(-t);
            float e1 = expm1f(-h * 0.5f);
            for (int64_t k = 0; k < n; k++) {
                float a = r1 * x[k];
                float c = e1 * D[k];
                x2[k] = a - c;
            }
            if ((st = cfy_sampler_D(r, x2, expf(-sm), D2, NULL, err)) != CFY_OK) break;
            float r2 = expf(-tn) / expf(-t);
            float e2 = expm1f(-h);
            for (int64_t k = 0; k < n; k++) {
                float a = r2 * x[k];
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

cfy_status cfy_sample_dpmpp_sde(cfy_sampler_run *r, float *x, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 4, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *x2 = b.p[1], *D2 = b.p[2], *e = b.p[3];
    const float eta = 1.0f, s_noise = 1.0f, rr = 0.5f;
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, NULL, err)) != CFY_OK) break;
        if (sn == 0.0f) {
            memcpy(x, D, (size_t)n * sizeof(float));
        } else {
            float ls = -logf(s), lt = -logf(sn);
            float h = lt - ls;
            float l1 = ls + rr * h;
            float s1 = expf(-l1);
            float fac = 1.0f / (2.0f * rr);
            float as = s * expf(ls), a1 = s1 * expf(l1), at = sn * expf(lt);
            /* step 1 */
            float sd, su;
            cfy_ancestral_step(expf(-ls), expf(-l1), eta, &sd, &su);
            float hp = -logf(sd) - ls;
            float c1 = (a1 / as) * expf(-hp);
            float c2 = a1 * expm1f(-hp);
            for (int64_t k = 0; k < n; k++) {
                float a = c1 * x[k];
                float c = c2 * D[k];
                x2[k] = a - c;
            }
            if ((st = cfy_noise_sampler_draw(r->noise, s, s1, e, err)) != CFY_OK) break;
            for (int64_t k = 0; k < n; k++) {
                float c = a1 * e[k];
                c = c * s_noise;
                c = c * su;
                x2[k] = x2[k] + c;
            }
            if ((st = cfy_sampler_D(r, x2, s1, D2, NULL, err)) != CFY_OK) break;
            /* step 2 */
            cfy_ancestral_step(expf(-ls), expf(-lt), eta, &sd, &su);
            hp = -logf(sd) - ls;
            float c3 = (at / as) * expf(-hp);
            float c4 = at * expm1f(-hp);
            float f1 = 1.0f - fac;
            for (int64_t k = 0; k < n; k++) {
                float p = f1 * D[k];
                float q = fac * D2[k];
                float dd = p + q;
                float a = c3 * x[k];
                float c = c4 * dd;
                x[k] = a - c;
            }
            if ((st = cfy_noise_sampler_draw(r->noise, s, sn, e, err)) != CFY_OK) break;
            for (int64_t k = 0; k < n; k++) {
                float c = at * e[k];
                c = c * s_noise;
                c = c * su;
                x[k] = x[k] + c;
            }
        }
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    return st;
}

/* dpmpp_2m_sde (heun = false: midpoint) and dpmpp_3m_sde (third = true). */
static cfy_status sde_multistep(cfy_sampler_run *r, float *x, bool heun, bool third, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 4, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *D1 = b.p[1], *D2 = b.p[2], *e = b.p[3];
    const float eta = 1.0f, s_noise = 1.0f;
    float h = 0.0f, h1 = 0.0f, h2 = 0.0f;
    int have = 0; /* previous denoised available (1 or 2) */
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, NULL, err)) != CFY_OK) break;
        if (sn == 0.0f) {
            memcpy(x, D, (size_t)n * sizeof(float));
        } else {
            float ls = -logf(s), lt = -logf(sn);
            h = lt - ls;
            float heta = h * (eta + 1.0f);
            float at = sn * expf(lt);
            float c1 = (sn / s) * expf(-h * eta);
            float em = -expm1f(-heta);
            float c2 = at * em;
            for (int64_t k = 0; k < n; k++) {
                float a = c1 * x[k];
                float c = c2 * D[k];
                x[k] = a + c;
            }
            if (!third && have >= 1) {
                float rr = h1 / h;
                float coef = heun ? at * ((em / (-heta)) + 1.0f) * (1.0f / rr) : ((0.5f * at) * em) * (1.0f / rr);
                for (int64_t k = 0; k < n; k++) {
                    float dd = D[k] - D1[k];
                    dd = coef * dd;
                    x[k] = x[k] + dd;
                }
            } else if (third && have >= 2) {
                float r0 = h1 / h, r1 = h2 / h;
                float phi2 = expm1f(-heta) / heta + 1.0f;
                float phi3 = phi2 / heta - 0.5f;
                float ap2 = at * phi2, ap3 = at * phi3;
                float rs = r0 + r1;
                for (int64_t k = 0; k < n; k++) {
                    float d0 = D[k] - D1[k];
                    d0 = d0 / r0;
                    float d1 = D1[k] - D2[k];
                    d1 = d1 / r1;
                    float df = d0 - d1;
                    float t = df * r0;
                    t = t / rs;
                    float e1 = d0 + t;
                    float e2 = df / rs;
                    float p = ap2 * e1;
                    float q = ap3 * e2;
                    x[k] = (x[k] + p) - q;
                }
            } else if (third && have == 1) {
                float r0 = h1 / h;
                float phi2 = expm1f(-heta) / heta + 1.0f;
                float ap2 = at * phi2;
                for (int64_t k = 0; k < n; k++) {
                    float d0 = D[k] - D1[k];
                    d0 = d0 / r0;
                    x[k] = x[k] + ap2 * d0;
                }
            }
            if ((st = cfy_noise_sampler_draw(r->noise, s, sn, e, err)) != CFY_OK) break;
            float nc = sqrtf(-expm1f((-2.0f * h) * eta));
            for (int64_t k = 0; k < n; k++) {
                float c = e[k] * sn;
                c = c * nc;
                c = c * s_noise;
                x[k] = x[k] + c;
            }
        }
        memcpy(D2, D1, (size_t)n * sizeof(float));
        memcpy(D1, D, (size_t)n * sizeof(float));
        h2 = h1;
        h1 = h;
        if (have < 2) have++;
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    return st;
}

cfy_status cfy_sample_dpmpp_2m_sde(cfy_sampler_run *r, float *x, cfy_error *err)
{
    return sde_multistep(r, x, false, false, err);
}
cfy_status cfy_sample_dpmpp_2m_sde_heun(cfy_sampler_run *r, float *x, cfy_error *err)
{
    return sde_multistep(r, x, true, false, err);
}
cfy_status cfy_sample_dpmpp_3m_sde(cfy_sampler_run *r, float *x, cfy_error *err)
{
    return sde_multistep(r, x, false, true, err);
}

cfy_status cfy_sample_ddpm(cfy_sampler_run *r, float *x, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 2, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *e = b.p[1];
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, NULL, err)) != CFY_OK) break;
        float sc = sqrtf(1.0f + s * s);
        float ab = 1.0f / (s * s + 1.0f), abn = 1.0f / (sn * sn + 1.0f);
        float a = ab / abn;
        float c0 = sqrtf(1.0f / a);
        float c1 = (1.0f - a);
        float c2 = sqrtf(1.0f - ab);
        bool noisy = sn > 0.0f;
        if (noisy && (st = cfy_noise_sampler_draw(r->noise, s, sn, e, err)) != CFY_OK) break;
        float cn = noisy ? sqrtf(((1.0f - a) * (1.0f - abn)) / (1.0f - ab)) : 0.0f;
        float scn = sqrtf(1.0f + sn * sn);
        for (int64_t k = 0; k < n; k++) {
            float xt = x[k] / sc;
            float eps = x[k] - D[k];
            eps = eps / s;
            float t = c1 * eps;
            t = t / c2;
            float mu = xt - t;
            mu = c0 * mu;
            if (noisy) mu = mu + cn * e[k];
            if (sn != 0.0f) mu = mu * scn;
            x[k] = mu;
        }
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    return st;
}

cfy_status cfy_sample_lcm(cfy_sampler_run *r, float *x, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 2, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *e = b.p[1];
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, NULL, err)) != CFY_OK) break;
        memcpy(x, D, (size_t)n * sizeof(float));
        if (sn > 0.0f) {
            if ((st = cfy_noise_sampler_draw(r->noise, s, sn, e, err)) != CFY_OK) break;
            for (int64_t k = 0; k < n; k++) {
                float c = e[k] * sn;
                x[k] = c + x[k];
            }
        }
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    return st;
}

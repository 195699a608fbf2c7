/* samplers_seeds.c — exponential-integrator SDE samplers in data prediction: seeds_2,
 * exp_heun_2_x0, exp_heun_2_x0_sde, seeds_3 (spec sampling.md §4.24–4.25). */
#include <math.h>
#include <string.h>

#include "sampling/samplers.h"

/* torch.lerp(a, b, w) on float32 scalars with a float weight. */
static float lerpf_torch(float a, float b, float w)
{
    if (fabsf(w) < 0.5f) return a + w * (b - a);
    return b - (b - a) * (1.0f - w);
}

static float phi1(float h) { return expm1f(h); }
static float phi2(float h) { return (expm1f(h) - h) / h; }

typedef struct seeds_cfg {
    float eta, s_noise;
    double r;
    bool phi_2;
} seeds_cfg;

static cfy_status seeds2(cfy_sampler_run *r, float *x, const seeds_cfg *c, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 5, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *x2 = b.p[1], *D2 = b.p[2], *e = b.p[3], *nz = b.p[4];
    bool noisy = c->eta > 0.0f && c->s_noise > 0.0f;
    float fr = (float)c->r, eta = c->eta;
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, NULL, err)) != CFY_OK) break;
        if (sn == 0.0f) {
            memcpy(x, D, (size_t)n * sizeof(float));
        } else {
            float ls = -logf(s), lt = -logf(sn);
            float h = lt - ls;
            float heta = h * (eta + 1.0f);
            float l1 = lerpf_torch(ls, lt, fr);
            float s1 = expf(-l1);
            float a1 = s1 * expf(l1), at = sn * expf(lt);
            float c1 = (s1 / s) * expf(((-fr) * h) * eta);
            float c2 = a1 * phi1((-fr) * heta);
            for (int64_t k = 0; k < n; k++) {
                float p = c1 * x[k];
                float q = c2 * D[k];
                x2[k] = p - q;
            }
            if (noisy) {
                if ((st = cfy_noise_sampler_draw(r->noise, s, s1, e, err)) != CFY_OK) break;
                float sc = sqrtf(-expm1f(((float)(-2.0 * c->r) * h) * eta));
                for (int64_t k = 0; k < n; k++) {
                    nz[k] = sc * e[k];
                    float t = nz[k] * s1;
                    t = t * c->s_noise;
                    x2[k] = x2[k] + t;
                }
            }
            if ((st = cfy_sampler_D(r, x2, s1, D2, NULL, err)) != CFY_OK) break;
            float c3 = (sn / s) * expf((-h) * eta);
            if (!c->phi_2) {
                float w = (float)(1.0 / (2.0 * c->r));
                float c4 = at * phi1(-heta);
                for (int64_t k = 0; k < n; k++) {
                    float dd = lerpf_torch(D[k], D2[k], w);
                    float p = c3 * x[k];
                    float q = c4 * dd;
                    x[k] = p - q;
                }
            } else {
                float b2 = phi2(-heta) / fr;
                float b1 = phi1(-heta) - b2;
                for (int64_t k = 0; k < n; k++) {
                    float m = b1 * D[k] + b2 * D2[k];
                    float p = c3 * x[k];
                    float q = at * m;
                    x[k] = p - q;
                }
            }
            if (noisy) {
                float g = ((float)(c->r - 1.0) * h) * eta;
                float eg = expf(g), sq = sqrtf(-expm1f(g * 2.0f));
                if ((st = cfy_noise_sampler_draw(r->noise, s1, sn, e, err)) != CFY_OK) break;
                for (int64_t k = 0; k < n; k++) {
                    float v = nz[k] * eg;
                    v = v + sq * e[k];
                    v = v * sn;
                    v = v * c->s_noise;
                    x[k] = x[k] + v;
                }
            }
        }
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    return st;
}

cfy_status cfy_sample_seeds_2(cfy_sampler_run *r, float *x, cfy_error *err)
{
    seeds_cfg c = {1.0f, 1.0f, 0.5, false};
    return seeds2(r, x, &c, err);
}

cfy_status cfy_sample_exp_heun_2_x0(cfy_sampler_run *r, float *x, cfy_error *err)
{
    seeds_cfg c = {0.0f, 0.0f, 1.0, true};
    return seeds2(r, x, &c, err);
}

cfy_status cfy_sample_exp_heun_2_x0_sde(cfy_sampler_run *r, float *x, cfy_error *err)
{
    seeds_cfg c = {1.0f, 1.0f, 1.0, true};
    return seeds2(r, x, &c, err);
}

cfy_status cfy_sample_seeds_3(cfy_sampler_run *r, float *x, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 7, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *x2 = b.p[1], *D2 = b.p[2], *e = b.p[3], *nz = b.p[4], *x3 = b.p[5], *D3 = b.p[6];
    const double r1 = 1.0 / 3.0, r2 = 2.0 / 3.0;
    const float eta = 1.0f, s_noise = 1.0f;
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, NULL, err)) != CFY_OK) break;
        if (sn == 0.0f) {
            memcpy(x, D, (size_t)n * sizeof(float));
        } else {
            float ls = -logf(s), lt = -logf(sn);
            float h = lt - ls;
            float heta = h * (eta + 1.0f);
            float l1 = lerpf_torch(ls, lt, (float)r1), l2 = lerpf_torch(ls, lt, (float)r2);
            float s1 = expf(-l1), s2 = expf(-l2);
            float a1 = s1 * expf(l1), a2 = s2 * expf(l2), at = sn * expf(lt);
            /* step 1 */
            float c1 = (s1 / s) * expf(((float)(-r1) * h) * eta);
            float c2 = a1 * phi1((float)(-r1) * heta);
            for (int64_t k = 0; k < n; k++) {
                float p = c1 * x[k];
                float q = c2 * D[k];
                x2[k] = p - q;
            }
            if ((st = cfy_noise_sampler_draw(r->noise, s, s1, e, err)) != CFY_OK) break;
            float sc = sqrtf(-expm1f(((float)(-2.0 * r1) * h) * eta));
            for (int64_t k = 0; k < n; k++) {
                nz[k] = sc * e[k];
                float t = nz[k] * s1;
                t = t * s_noise;
                x2[k] = x2[k] + t;
            }
            if ((st = cfy_sampler_D(r, x2, s1, D2, NULL, err)) != CFY_OK) break;
            /* step 2 */
            float a2c = (float)(r2 / r1) * phi2((float)(-r2) * heta);
            float a1c = phi1((float)(-r2) * heta) - a2c;
            float c3 = (s2 / s) * expf(((float)(-r2) * h) * eta);
            for (int64_t k = 0; k < n; k++) {
                float m = a1c * D[k] + a2c * D2[k];
                float p = c3 * x[k];
                float q = a2 * m;
                x3[k] = p - q;
            }
            float g = ((float)(r1 - r2) * h) * eta;
            float eg = expf(g), sq = sqrtf(-expm1f(g * 2.0f));
            if ((st = cfy_noise_sampler_draw(r->noise, s1, s2, e, err)) != CFY_OK) break;
            for (int64_t k = 0; k < n; k++) {
                float v = nz[k] * eg;
                nz[k] = v + sq * e[k];
                float t = nz[k] * s2;
                t = t * s_noise;
                x3[k] = x3[k] + t;
            }
            if ((st = cfy_sampler_D(r, x3, s2, D3, NULL, err)) != CFY_OK) break;
            /* step 3 */
            float b3 = phi2(-heta) / (float)r2;
            float b1 = phi1(-heta) - b3;
            float c4 = (sn / s) * expf((-h) * eta);
            for (int64_t k = 0; k < n; k++) {
                float m = b1 * D[k] + b3 * D3[k];
                float p = c4 * x[k];
                float q = at * m;
                x[k] = p - q;
            }
            g = ((float)(r2 - 1.0) * h) * eta;
            eg = expf(g);
            sq = sqrtf(-expm1f(g * 2.0f));
            if ((st = cfy_noise_sampler_draw(r->noise, s2, sn, e, err)) != CFY_OK) break;
            for (int64_t k = 0; k < n; k++) {
                float v = nz[k] * eg;
                v = v + sq * e[k];
                v = v * sn;
                v = v * s_noise;
                x[k] = x[k] + v;
            }
        }
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    return st;
}

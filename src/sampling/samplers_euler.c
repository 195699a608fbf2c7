/* samplers_euler.c — Karras-ODE samplers: euler, euler_ancestral, heun, heunpp2, dpm_2,
 * dpm_2_ancestral, lms, ipndm, gradient_estimation (spec sampling.md §4.2–4.8, 4.18, 4.22).
 * (heunpp2's discarded randn_like draw has no numeric effect and is not made, §4.5.) */
#include <math.h>
#include <string.h>

#include "sampling/samplers.h"

/* d = (x - D) / sigma */
static void to_d(const float *x, const float *D, float sigma, float *d, int64_t n)
{
    for (int64_t k = 0; k < n; k++) {
        float t = x[k] - D[k];
        d[k] = t / sigma;
    }
}

/* x = x + d * dt */
static void axpy(float *x, const float *d, float dt, int64_t n)
{
    for (int64_t k = 0; k < n; k++) {
        float t = d[k] * dt;
        x[k] = x[k] + t;
    }
}

cfy_status cfy_sample_euler(cfy_sampler_run *r, float *x, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 2, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *d = b.p[1];
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, NULL, err)) != CFY_OK) break;
        to_d(x, D, s, d, n);
        axpy(x, d, sn - s, n);
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    return st;
}

cfy_status cfy_sample_euler_ancestral(cfy_sampler_run *r, float *x, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 3, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *d = b.p[1], *e = b.p[2];
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, NULL, err)) != CFY_OK) break;
        float sd, su;
        cfy_ancestral_step(s, sn, 1.0f, &sd, &su);
        if (sd == 0.0f) {
            memcpy(x, D, (size_t)n * sizeof(float));
        } else {
            to_d(x, D, s, d, n);
            if ((st = cfy_noise_sampler_draw(r->noise, s, sn, e, err)) != CFY_OK) break;
            float dt = sd - s;
            for (int64_t k = 0; k < n; k++) {
                float a = d[k] * dt;
                a = x[k] + a;
                float c = e[k] * 1.0f;
                c = c * su;
                x[k] = a + c;
            }
        }
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    return st;
}

cfy_status cfy_sample_heun(cfy_sampler_run *r, float *x, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 4, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *d = b.p[1], *x2 = b.p[2], *d2 = b.p[3];
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, NULL, err)) != CFY_OK) break;
        to_d(x, D, s, d, n);
        float dt = sn - s;
        if (sn == 0.0f) {
            axpy(x, d, dt, n);
        } else {
            for (int64_t k = 0; k < n; k++) {
                float t = d[k] * dt;
                x2[k] = x[k] + t;
            }
            if ((st = cfy_sampler_D(r, x2, sn, d2, NULL, err)) != CFY_OK) break;
            to_d(x2, d2, sn, d2, n);
            for (int64_t k = 0; k < n; k++) {
                float p = d[k] + d2[k];
                p = p / 2.0f;
                p = p * dt;
                x[k] = x[k] + p;
            }
        }
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    return st;
}

/* exp(lerp(log a, log b, 0.5)) with torch's lerp (w >= 0.5 branch: b - (b - a) * (1 - w)). */
static float log_midpoint(float a, float b)
{
    float la = logf(a), lb = logf(b);
    float diff = lb - la;
    float m = lb - diff * 0.5f;
    return expf(m);
}

static cfy_status dpm2_common(cfy_sampler_run *r, float *x, bool ancestral, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 5, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *d = b.p[1], *x2 = b.p[2], *d2 = b.p[3], *e = b.p[4];
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, NULL, err)) != CFY_OK) break;
        float target = sn, su = 0.0f;
        if (ancestral) cfy_ancestral_step(s, sn, 1.0f, &target, &su);
        to_d(x, D, s, d, n);
        if (target == 0.0f) {
            axpy(x, d, target - s, n);
        } else {
            float sm = log_midpoint(s, target);
            float dt1 = sm - s, dt2 = target - s;
            for (int64_t k = 0; k < n; k++) {
                float t = d[k] * dt1;
                x2[k] = x[k] + t;
            }
            if ((st = cfy_sampler_D(r, x2, sm, d2, NULL, err)) != CFY_OK) break;
            to_d(x2, d2, sm, d2, n);
            axpy(x, d2, dt2, n);
            if (ancestral) {
                if ((st = cfy_noise_sampler_draw(r->noise, s, sn, e, err)) != CFY_OK) break;
                for (int64_t k = 0; k < n; k++) {
                    float c = e[k] * 1.0f;
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

cfy_status cfy_sample_dpm_2(cfy_sampler_run *r, float *x, cfy_error *err) { return dpm2_common(r, x, false, err); }
cfy_status cfy_sample_dpm_2_ancestral(cfy_sampler_run *r, float *x, cfy_error *err)
{
    return dpm2_common(r, x, true, err);
}

/* ∫_{σ_i}^{σ_{i+1}} Π_{k≠j} (τ − σ_{i−k})/(σ_{i−j} − σ_{i−k}) dτ, exact for these polynomials
 * (4-point Gauss–Legendre in double). */
static double lms_coeff(int order, const float *sig, int i, int j)
{
    static const double gx[4] = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526};
    static const double gw[4] = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538};
    double a = sig[i], b = sig[i + 1], sum = 0.0;
    for (int q = 0; q < 4; q++) {
        double tau = 0.5 * (b - a) * gx[q] + 0.5 * (a + b);
        double prod = 1.0;
        for (int k = 0; k < order; k++) {
            if (k == j) continue;
            prod *= (tau - (double)sig[i - k]) / ((double)sig[i - j] - (double)sig[i - k]);
        }
        sum += gw[q] * prod;
    }
    return sum * 0.5 * (b - a);
}

cfy_status cfy_sample_lms(cfy_sampler_run *r, float *x, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 5, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *ds[4] = {b.p[1], b.p[2], b.p[3], b.p[4]}; /* ds[0] newest */
    int have = 0;
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, NULL, err)) != CFY_OK) break;
        float *old = ds[3];
        for (int k = 3; k > 0; k--) ds[k] = ds[k - 1];
        ds[0] = old;
        to_d(x, D, s, ds[0], n);
        if (have < 4) have++;
        if (sn == 0.0f) {
            memcpy(x, D, (size_t)n * sizeof(float));
        } else {
            int order = have;
            float c[4];
            for (int j = 0; j < order; j++) c[j] = (float)lms_coeff(order, r->sigmas, i, j);
            for (int64_t k = 0; k < n; k++) {
                float acc = c[0] * ds[0][k];
                for (int j = 1; j < order; j++) {
                    float t = c[j] * ds[j][k];
                    acc = acc + t;
                }
                x[k] = x[k] + acc;
            }
        }
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    return st;
}

cfy_status cfy_sample_ipndm(cfy_sampler_run *r, float *x, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 5, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *ds[4] = {b.p[1], b.p[2], b.p[3], b.p[4]};
    int have = 0;
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, NULL, err)) != CFY_OK) break;
        float *old = ds[3];
        for (int k = 3; k > 0; k--) ds[k] = ds[k - 1];
        ds[0] = old;
        to_d(x, D, s, ds[0], n);
        int p = have + 1 < 4 ? have + 1 : 4;
        float h = sn - s;
        if (sn == 0.0f) {
            memcpy(x, D, (size_t)n * sizeof(float));
        } else {
            /* ComfyUI: x + (t_next − t_cur) * (combination) / k — the product first, then the division */
            for (int64_t k = 0; k < n; k++) {
                float t;
                if (p == 1) {
                    t = h * ds[0][k];
                } else if (p == 2) {
                    float v = 3.0f * ds[0][k] - ds[1][k];
                    t = (h * v) / 2.0f;
                } else if (p == 3) {
                    float a = 23.0f * ds[0][k], bb = 16.0f * ds[1][k], c = 5.0f * ds[2][k];
                    float v = (a - bb) + c;
                    t = (h * v) / 12.0f;
                } else {
                    float a = 55.0f * ds[0][k], bb = 59.0f * ds[1][k], c = 37.0f * ds[2][k], dd = 9.0f * ds[3][k];
                    float v = ((a - bb) + c) - dd;
                    t = (h * v) / 24.0f;
                }
                x[k] = x[k] + t;
            }
        }
        if (have < 3) have++;
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    return st;
}

cfy_status cfy_sample_gradient_estimation(cfy_sampler_run *r, float *x, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 3, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *d = b.p[1], *dold = b.p[2];
    const float ge_gamma = 2.0f;
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, NULL, err)) != CFY_OK) break;
        to_d(x, D, s, d, n);
        float dt = sn - s;
        if (sn == 0.0f) {
            memcpy(x, D, (size_t)n * sizeof(float));
        } else {
            axpy(x, d, dt, n);
            if (i >= 1) {
                for (int64_t k = 0; k < n; k++) {
                    float g = d[k] - dold[k];
                    g = (ge_gamma - 1.0f) * g;
                    g = g * dt;
                    x[k] = x[k] + g;
                }
            }
        }
        memcpy(dold, d, (size_t)n * sizeof(float));
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    return st;
}

cfy_status cfy_sample_heunpp2(cfy_sampler_run *r, float *x, cfy_error *err)
{
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 6, n, err);
    if (st != CFY_OK) return st;
    float *D = b.p[0], *d = b.p[1], *x2 = b.p[2], *d2 = b.p[3], *x3 = b.p[4], *d3 = b.p[5];
    float s_end = r->sigmas[r->n_sigmas - 1], s0 = r->sigmas[0];
    for (int i = 0; i + 1 < r->n_sigmas && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, NULL, err)) != CFY_OK) break;
        to_d(x, D, s, d, n);
        float dt = sn - s;
        if (sn == s_end) {
            axpy(x, d, dt, n);
        } else {
            for (int64_t k = 0; k < n; k++) x2[k] = x[k] + d[k] * dt;
            if ((st = cfy_sampler_D(r, x2, sn, d2, NULL, err)) != CFY_OK) break;
            to_d(x2, d2, sn, d2, n);
            float snn = r->sigmas[i + 2];
            if (snn == s_end) {
                float w2 = sn / (2.0f * s0);
                float w1 = 1.0f - w2;
                for (int64_t k = 0; k < n; k++) {
                    float p = d[k] * w1 + d2[k] * w2;
                    x[k] = x[k] + p * dt;
                }
            } else {
                float dt2 = snn - sn;
                for (int64_t k = 0; k < n; k++) x3[k] = x2[k] + d2[k] * dt2;
                if ((st = cfy_sampler_D(r, x3, snn, d3, NULL, err)) != CFY_OK) break;
                to_d(x3, d3, snn, d3, n);
                float w2 = sn / (3.0f * s0), w3 = snn / (3.0f * s0);
                float w1 = (1.0f - w2) - w3;
                for (int64_t k = 0; k < n; k++) {
                    float p = (w1 * d[k] + w2 * d2[k]) + w3 * d3[k];
                    x[k] = x[k] + p * dt;
                }
            }
        }
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    return st;
}

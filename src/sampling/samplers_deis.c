/* samplers_deis.c — DEIS (max order 3, "tab" mode): Lagrange-polynomial coefficients integrated
 * over the VP time of each step (spec sampling.md §4.20). ComfyUI integrates in float32 with
 * 10000 points and autograd; we integrate the same Riemann sum in double, so results agree to
 * float32 rounding of the coefficients (not bit for bit). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sampling/samplers.h"
#include "sampling/schedulers.h"

enum { DEIS_POINTS = 10000, DEIS_MAX_ORDER = 3 };

/* EDM sigma -> VP time with ε_s = 1e-3, σ_min = 0.002, σ_max = 80. */
typedef struct vp_consts {
    double beta_d, beta_min, beta0, beta1;
} vp_consts;

static vp_consts vp_init(void)
{
    const double eps_s = 1e-3, smin = 0.002, smax = 80.0;
    vp_consts c;
    c.beta_d = 2.0 * (log(smin * smin + 1.0) / eps_s - log(smax * smax + 1.0)) / (eps_s - 1.0);
    c.beta_min = log(smax * smax + 1.0) - 0.5 * c.beta_d;
    c.beta0 = c.beta_min;
    c.beta1 = c.beta_d + c.beta_min;
    return c;
}

static double vp_t(const vp_consts *c, double sigma)
{
    return (sqrt(c->beta_min * c->beta_min + 2.0 * c->beta_d * log(sigma * sigma + 1.0)) - c->beta_min) / c->beta_d;
}

/* C_{i,j} for step i (order p): Σ_k g(τ_k) L_j(τ_k) Δτ over τ = linspace(t_i, t_{i+1}, 10000). */
static void deis_coeffs(const vp_consts *c, const double *t, int i, int p, double *out)
{
    double a = t[i], b = t[i + 1];
    double dtau = (b - a) / DEIS_POINTS;
    for (int j = 0; j < p; j++) out[j] = 0.0;
    for (int k = 0; k < DEIS_POINTS; k++) {
        double tau = k < DEIS_POINTS / 2 ? a + (b - a) / (DEIS_POINTS - 1) * k
                                         : b - (b - a) / (DEIS_POINTS - 1) * (DEIS_POINTS - 1 - k);
        double abar = exp(-0.5 * tau * tau * (c->beta1 - c->beta0) - tau * c->beta0);
        double g = 0.5 * (tau * (c->beta1 - c->beta0) + c->beta0) / sqrt(abar * (1.0 - abar));
        for (int j = 0; j < p; j++) {
            double poly = 1.0;
            for (int q = 0; q < p; q++) {
                if (q == j) continue;
                poly *= (tau - t[i - q]) / (t[i - j] - t[i - q]);
            }
            out[j] += g * poly;
        }
    }
    for (int j = 0; j < p; j++) out[j] *= dtau;
}

cfy_status cfy_sample_deis(cfy_sampler_run *r, float *x, cfy_error *err)
{
    int64_t n = r->n;
    int N = r->n_sigmas - 1;
    double *t = malloc((size_t)r->n_sigmas * sizeof(double));
    if (!t) return cfy_error_set(err, CFY_ENOMEM, "out of memory for deis");
    vp_consts c = vp_init();
    for (int i = 0; i <= N; i++) t[i] = vp_t(&c, (double)r->sigmas[i]);
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 4, n, err);
    if (st != CFY_OK) {
        free(t);
        return st;
    }
    float *D = b.p[0], *ds[3] = {b.p[1], b.p[2], b.p[3]}; /* ds[0] current */
    for (int i = 0; i < N && st == CFY_OK; i++) {
        float s = r->sigmas[i], sn = r->sigmas[i + 1];
        if ((st = cfy_sampler_D(r, x, s, D, NULL, err)) != CFY_OK) break;
        float *old = ds[2];
        ds[2] = ds[1];
        ds[1] = ds[0];
        ds[0] = old;
        for (int64_t k = 0; k < n; k++) {
            float v = x[k] - D[k];
            ds[0][k] = v / s;
        }
        int p = i + 1 < DEIS_MAX_ORDER ? i + 1 : DEIS_MAX_ORDER;
        if (sn <= 0.0f) p = 1;
        if (p == 1) {
            float dt = sn - s;
            for (int64_t k = 0; k < n; k++) x[k] = x[k] + dt * ds[0][k];
        } else {
            double cd[DEIS_MAX_ORDER];
            deis_coeffs(&c, t, i, p, cd);
            float cf[DEIS_MAX_ORDER];
            for (int j = 0; j < p; j++) cf[j] = (float)cd[j];
            for (int64_t k = 0; k < n; k++) {
                float v = x[k] + cf[0] * ds[0][k];
                for (int j = 1; j < p; j++) v = v + cf[j] * ds[j][k];
                x[k] = v;
            }
        }
        st = cfy_sampler_step_done(r, i, x, D, err);
    }
    cfy_sbuf_free(&b);
    free(t);
    return st;
}

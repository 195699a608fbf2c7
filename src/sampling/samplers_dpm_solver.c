/* samplers_dpm_solver.c — DPM-Solver (eps form, time t = −ln σ): dpm_fast, the fixed-order
 * DPM-Solver-1/2/3 schedule over [σ_lo, σ_hi], and dpm_adaptive, the embedded 2/3 pair with a
 * PID step-size controller (spec sampling.md §4.9–4.10). Both stop at σ_lo, not at 0. */
#include <math.h>
#include <string.h>

#include "sampling/samplers.h"
#include "sampling/schedulers.h"

typedef struct dpms {
    cfy_sampler_run *r;
    int64_t n;
    float *D, *eps, *e1, *e2, *u;
    int evals;
} dpms;

static float sig_of(float t) { return expf(-t); }

/* ê(x, t) = (x − D(x, σ(t)))/σ(t) into out; reports the first evaluation of a segment. */
static cfy_status eps_at(dpms *s, const float *x, float t, float *out, bool report, int seg, cfy_error *err)
{
    float sg = sig_of(t);
    cfy_status st = cfy_sampler_D(s->r, x, sg, s->D, NULL, err);
    if (st != CFY_OK) return st;
    for (int64_t k = 0; k < s->n; k++) {
        float v = x[k] - s->D[k];
        out[k] = v / sg;
    }
    s->evals++;
    if (!report) return CFY_OK;
    for (int64_t k = 0; k < s->n; k++) s->D[k] = x[k] - sg * out[k]; /* the reported denoised */
    return cfy_sampler_step_done(s->r, seg, x, s->D, err);
    return CFY_OK;
}

cfy_status cfy_sample_dpm_fast(cfy_sampler_run *r, float *x, cfy_error *err)
{
    int N = r->n_sigmas - 1;
    if (N < 1) return CFY_OK;
    float smin = r->sigmas[N] == 0.0f ? r->sigmas[N - 1] : r->sigmas[N];
    float smax = r->sigmas[0];
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 5, n, err);
    if (st != CFY_OK) return st;
    dpms s = {r, n, b.p[0], b.p[1], b.p[2], b.p[3], b.p[4], 0};
    int m = N / 3 + 1;
    float ts[4096];
    int orders[4096];
    if (m + 1 > 4096) {
        cfy_sbuf_free(&b);
        return cfy_error_set(err, CFY_EINVAL, "dpm_fast: too many steps (%d)", N);
    }
    float t_start = -logf(smax), t_end = -logf(smin);
    cfy_linspace_f32(t_start, t_end, m + 1, ts);
    int no = 0;
    if (N % 3 == 0) {
        for (int k = 0; k < m - 2; k++) orders[no++] = 3;
        orders[no++] = 2;
        orders[no++] = 1;
    } else {
        for (int k = 0; k < m - 1; k++) orders[no++] = 3;
        orders[no++] = N % 3;
    }
    for (int i = 0; i < no && st == CFY_OK; i++) {
        float t = ts[i], tn = ts[i + 1];
        float h = tn - t;
        if ((st = eps_at(&s, x, t, s.eps, true, i, err)) != CFY_OK) break;
        float stn = sig_of(tn), em = expm1f(h);
        if (orders[i] == 1) {
            float c = stn * em;
            for (int64_t k = 0; k < n; k++) x[k] = x[k] - c * s.eps[k];
        } else if (orders[i] == 2) {
            const float r1 = 0.5f;
            float s1 = t + r1 * h;
            float c1 = sig_of(s1) * expm1f(r1 * h);
            for (int64_t k = 0; k < n; k++) s.u[k] = x[k] - c1 * s.eps[k];
            if ((st = eps_at(&s, s.u, s1, s.e1, false, i, err)) != CFY_OK) break;
            float c = stn * em;
            float c2 = (stn / (float)(2.0 * 0.5)) * em;
            for (int64_t k = 0; k < n; k++) {
                float a = x[k] - c * s.eps[k];
                float dd = s.e1[k] - s.eps[k];
                x[k] = a - c2 * dd;
            }
        } else {
            const float r1 = (float)(1.0 / 3.0), r2 = (float)(2.0 / 3.0);
            float s1 = t + r1 * h, s2 = t + r2 * h;
            float c1 = sig_of(s1) * expm1f(r1 * h);
            for (int64_t k = 0; k < n; k++) s.u[k] = x[k] - c1 * s.eps[k];
            if ((st = eps_at(&s, s.u, s1, s.e1, false, i, err)) != CFY_OK) break;
            float r2h = r2 * h;
            float em2 = expm1f(r2h);
            float c2a = sig_of(s2) * em2;
            float c2b = (sig_of(s2) * (float)((2.0 / 3.0) / (1.0 / 3.0))) * (em2 / r2h - 1.0f);
            for (int64_t k = 0; k < n; k++) {
                float a = x[k] - c2a * s.eps[k];
                float dd = s.e1[k] - s.eps[k];
                s.u[k] = a - c2b * dd;
            }
            if ((st = eps_at(&s, s.u, s2, s.e2, false, i, err)) != CFY_OK) break;
            float c = stn * em;
            float c3 = (stn / r2) * (em / h - 1.0f);
            for (int64_t k = 0; k < n; k++) {
                float a = x[k] - c * s.eps[k];
                float dd = s.e2[k] - s.eps[k];
                x[k] = a - c3 * dd;
            }
        }
    }
    cfy_sbuf_free(&b);
    return st;
}

/* dpm_adaptive: embedded DPM-Solver-2/3 with a PID step-size controller (spec §4.10), order 3,
 * rtol 0.05, atol 0.0078, h_init 0.05, PID (0, 1, 0), accept_safety 0.81, eta 0. The error norm
 * is accumulated in double (ComfyUI: float32 torch.linalg.norm): data-dependent step sizes
 * agree to tolerance, not bit for bit. */
cfy_status cfy_sample_dpm_adaptive(cfy_sampler_run *r, float *x, cfy_error *err)
{
    int N = r->n_sigmas - 1;
    if (N < 1) return CFY_OK;
    float smin = r->sigmas[N] == 0.0f ? r->sigmas[N - 1] : r->sigmas[N];
    float smax = r->sigmas[0];
    int64_t n = r->n;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 8, n, err);
    if (st != CFY_OK) return st;
    dpms s = {r, n, b.p[0], b.p[1], b.p[2], b.p[3], b.p[4], 0};
    float *xlow = b.p[5], *xhigh = b.p[6], *xprev = b.p[7];
    memcpy(xprev, x, (size_t)n * sizeof(float));
    const double rtol = 0.05, atol = 0.0078, order = 3.0, pc = 0.0, ic = 1.0, dc = 0.0, safety = 0.81;
    const float frtol = (float)rtol, fatol = (float)atol;
    double hstep = 0.05, b1 = (pc + ic + dc) / order, b2 = -(pc + 2.0 * dc) / order, b3 = dc / order;
    double errs[3] = {0, 0, 0};
    bool have_errs = false;
    float sc = -logf(smax), t_end = -logf(smin);
    int iter = 0;
    while (sc < t_end - 1e-5f && st == CFY_OK) {
        if (iter > 100000) {
            st = cfy_error_set(err, CFY_EINTERNAL, "dpm_adaptive did not converge");
            break;
        }
        float t = sc + (float)hstep;
        if (t_end < t) t = t_end;
        float h = t - sc;
        if ((st = eps_at(&s, x, sc, s.eps, false, iter, err)) != CFY_OK) break;
        float dn_sig = sig_of(sc);
        /* shared first stage at s1 = s + h/3 */
        const float r1 = (float)(1.0 / 3.0), r2 = (float)(2.0 / 3.0);
        float s1 = sc + r1 * h, s2 = sc + r2 * h;
        float c1 = sig_of(s1) * expm1f(r1 * h);
        for (int64_t k = 0; k < n; k++) s.u[k] = x[k] - c1 * s.eps[k];
        if ((st = eps_at(&s, s.u, s1, s.e1, false, iter, err)) != CFY_OK) break;
        float stn = sig_of(t), em = expm1f(h);
        float c = stn * em;
        float cl = (stn / (float)(2.0 * (1.0 / 3.0))) * em;
        for (int64_t k = 0; k < n; k++) {
            float a = x[k] - c * s.eps[k];
            float dd = s.e1[k] - s.eps[k];
            xlow[k] = a - cl * dd;
        }
        float r2h = r2 * h, em2 = expm1f(r2h);
        float c2a = sig_of(s2) * em2;
        float c2b = (sig_of(s2) * (float)((2.0 / 3.0) / (1.0 / 3.0))) * (em2 / r2h - 1.0f);
        for (int64_t k = 0; k < n; k++) {
            float a = x[k] - c2a * s.eps[k];
            float dd = s.e1[k] - s.eps[k];
            s.u[k] = a - c2b * dd;
        }
        if ((st = eps_at(&s, s.u, s2, s.e2, false, iter, err)) != CFY_OK) break;
        float c3 = (stn / r2) * (em / h - 1.0f);
        double sum = 0.0;
        for (int64_t k = 0; k < n; k++) {
            float a = x[k] - c * s.eps[k];
            float dd = s.e2[k] - s.eps[k];
            xhigh[k] = a - c3 * dd;
            float m = fabsf(xlow[k]) > fabsf(xprev[k]) ? fabsf(xlow[k]) : fabsf(xprev[k]);
            float delta = frtol * m;
            if (delta < fatol) delta = fatol;
            float q = (xlow[k] - xhigh[k]) / delta;
            sum += (double)q * (double)q;
        }
        double error = (double)((float)sqrt(sum) / (float)sqrt((double)n)); /* float32 tensor / float */
        double inv = 1.0 / (error + 1e-8);
        if (!have_errs) {
            errs[0] = errs[1] = errs[2] = inv;
            have_errs = true;
        }
        errs[0] = inv;
        double f = pow(errs[0], b1) * pow(errs[1], b2) * pow(errs[2], b3);
        f = 1.0 + atan(f - 1.0);
        bool accept = f >= safety;
        if (accept) {
            errs[2] = errs[1];
            errs[1] = errs[0];
        }
        hstep *= f;
        /* reported denoised: x − σ(s)·ê at the start of this attempt */
        for (int64_t k = 0; k < n; k++) s.D[k] = x[k] - dn_sig * s.eps[k];
        if (accept) {
            memcpy(xprev, xlow, (size_t)n * sizeof(float));
            memcpy(x, xhigh, (size_t)n * sizeof(float));
            sc = t;
        }
        if (r->step) r->step(r->step_user, iter, N, x, s.D);
        if (r->interrupted && r->interrupted(r->interrupt_user)) {
            st = cfy_error_set(err, CFY_EINTERRUPTED, "interrupted");
            break;
        }
        iter++;
    }
    cfy_sbuf_free(&b);
    return st;
}

/* samplers_sa_solver.c — SA-Solver (stochastic Adams predictor-corrector): sa_solver and
 * sa_solver_pece (spec sampling.md §4.26). Coefficients are solved in double; ComfyUI solves
 * them in float32, so results agree to tolerance, not bit for bit. */
#include <math.h>
#include <string.h>

#include "sampling/model_sampling.h"
#include "sampling/samplers.h"

enum { SA_PRED = 3, SA_CORR = 4, SA_HIST = 4 };

/* b(σ_next, Λ[0..K), λ_a, λ_b, τ) of §4.26 into b[0..K). */
static void sa_coeffs(int K, const double *lam, double la, double lb, double tau, double sigma_next, double *b)
{
    double m = 1.0 + tau * tau, H = lb - la, e = exp(-m * H);
    double c[SA_HIST], A[SA_HIST][SA_HIST], w[SA_HIST];
    for (int p = 0; p < K; p++) {
        double s = 0.0, fact = 1.0; /* p!/q! built from q = p downwards */
        for (int q = p; q >= 0; q--) {
            double sign = ((p - q) & 1) ? -1.0 : 1.0;
            double mp = tau == 0.0 ? 1.0 : pow(m, -(double)(p - q));
            s += sign * fact * mp * (pow(lb, q) - pow(la, q) * e);
            fact *= (double)q;
        }
        c[p] = s;
    }
    /* Σ_k Λ_k^p w_k = c_p */
    for (int p = 0; p < K; p++)
        for (int k = 0; k < K; k++) A[p][k] = pow(lam[k], p);
    for (int col = 0; col < K; col++) {
        int piv = col;
        for (int r = col + 1; r < K; r++)
            if (fabs(A[r][col]) > fabs(A[piv][col])) piv = r;
        for (int k = 0; k < K; k++) {
            double t = A[col][k];
            A[col][k] = A[piv][k];
            A[piv][k] = t;
        }
        double t = c[col];
        c[col] = c[piv];
        c[piv] = t;
        for (int r = col + 1; r < K; r++) {
            double f = A[r][col] / A[col][col];
            for (int k = col; k < K; k++) A[r][k] -= f * A[col][k];
            c[r] -= f * c[col];
        }
    }
    for (int r = K - 1; r >= 0; r--) {
        double s = c[r];
        for (int k = r + 1; k < K; k++) s -= A[r][k] * w[k];
        w[r] = s / A[r][r];
    }
    double alpha = sigma_next * exp(lb);
    for (int k = 0; k < K; k++) b[k] = alpha * w[k];
}

static cfy_status sa_solver(cfy_sampler_run *r, float *x, bool pece, cfy_error *err)
{
    if (!r->ms) return cfy_error_set(err, CFY_EINTERNAL, "sa_solver needs the model's sampling schedule");
    int64_t n = r->n;
    int N = r->n_sigmas - 1;
    const float *sg = r->sigmas;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 8, n, err);
    if (st != CFY_OK) return st;
    float *P[SA_HIST] = {b.p[0], b.p[1], b.p[2], b.p[3]}; /* oldest .. newest */
    float *xpred = b.p[4], *noise = b.p[5], *e = b.p[6], *Dfirst = b.p[7];
    int np = 0;
    double start = cfy_ms_percent_to_sigma(r->ms, 0.2), end = cfy_ms_percent_to_sigma(r->ms, 0.8);
    const double eta = 1.0, s_noise = 1.0;
    double tau = 0.0;
    float hf = 0.0f; /* h = λ_{i+1} − λ_i of the last predictor (float32, as ComfyUI) */
    bool lower = sg[N] == 0.0f;
    bool have_noise = false;
    memcpy(xpred, x, (size_t)n * sizeof(float));
    for (int i = 0; i < N && st == CFY_OK; i++) {
        /* 1. model at x_pred */
        float *slot;
        if (np == SA_HIST) {
            slot = P[0];
            memmove(P, P + 1, (SA_HIST - 1) * sizeof(float *));
            P[SA_HIST - 1] = slot;
        } else {
            slot = P[np++];
        }
        if ((st = cfy_sampler_D(r, xpred, sg[i], slot, NULL, err)) != CFY_OK) break;
        memcpy(Dfirst, slot, (size_t)n * sizeof(float));
        /* 2. orders */
        int kp = np < SA_PRED ? np : SA_PRED;
        int kc = (i == 0 || (sg[i + 1] == 0.0f && !pece)) ? 0 : (np < SA_CORR ? np : SA_CORR);
        if (lower) {
            if (kp > N - 1 - i) kp = N - 1 - i;
            if (kc > N - i) kc = N - i;
        }
        /* 3. corrector */
        if (kc == 0) {
            memcpy(x, xpred, (size_t)n * sizeof(float));
        } else {
            double lam[SA_HIST], bc[SA_HIST];
            for (int k = 0; k < kc; k++) lam[k] = -log((double)sg[i - kc + 1 + k]);
            sa_coeffs(kc, lam, -log((double)sg[i - 1]), -log((double)sg[i]), tau, sg[i], bc);
            float c0 = (sg[i] / sg[i - 1]) * expf((float)(-(tau * tau)) * hf);
            for (int64_t k = 0; k < n; k++) {
                double acc = 0.0;
                for (int j = 0; j < kc; j++) acc += bc[j] * (double)P[np - kc + j][k];
                float v = c0 * x[k] + (float)acc;
                if (tau > 0.0 && have_noise) v = v + noise[k];
                x[k] = v;
            }
            if (pece && (st = cfy_sampler_D(r, x, sg[i], P[np - 1], NULL, err)) != CFY_OK) break;
        }
        /* 4. predictor */
        if (sg[i + 1] == 0.0f) {
            memcpy(xpred, P[np - 1], (size_t)n * sizeof(float));
        } else {
            double s1 = sg[i + 1];
            tau = (s1 <= start && s1 >= end) ? eta : 0.0;
            double lam[SA_HIST], bp[SA_HIST];
            for (int k = 0; k < kp; k++) lam[k] = -log((double)sg[i - kp + 1 + k]);
            double li = -log((double)sg[i]), ln1 = -log(s1);
            sa_coeffs(kp, lam, li, ln1, tau, s1, bp);
            hf = (-logf(sg[i + 1])) - (-logf(sg[i])); /* lambdas[i+1] - lambdas[i], float32 */
            float c0 = (sg[i + 1] / sg[i]) * expf((float)(-(tau * tau)) * hf);
            for (int64_t k = 0; k < n; k++) {
                double acc = 0.0;
                for (int j = 0; j < kp; j++) acc += bp[j] * (double)P[np - kp + j][k];
                xpred[k] = c0 * x[k] + (float)acc;
            }
            have_noise = false;
            if (tau > 0.0 && s_noise > 0.0) {
                if ((st = cfy_noise_sampler_draw(r->noise, sg[i], sg[i + 1], e, err)) != CFY_OK) break;
                float sq = sqrtf(-expm1f((float)(-2.0 * tau * tau) * hf));
                for (int64_t k = 0; k < n; k++) {
                    float v = e[k] * sg[i + 1];
                    v = v * sq;
                    noise[k] = v * (float)s_noise;
                    xpred[k] = xpred[k] + noise[k];
                }
                have_noise = true;
            }
        }
        st = cfy_sampler_step_done(r, i, xpred, Dfirst, err);
    }
    if (st == CFY_OK) memcpy(x, xpred, (size_t)n * sizeof(float));
    cfy_sbuf_free(&b);
    return st;
}

cfy_status cfy_sample_sa_solver(cfy_sampler_run *r, float *x, cfy_error *err) { return sa_solver(r, x, false, err); }
cfy_status cfy_sample_sa_solver_pece(cfy_sampler_run *r, float *x, cfy_error *err) { return sa_solver(r, x, true, err); }

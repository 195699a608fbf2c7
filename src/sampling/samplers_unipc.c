/* samplers_unipc.c — UniPC (variants bh1 "uni_pc" and bh2 "uni_pc_bh2"), multistep with the
 * corrector, in VP coordinates with the sigmas as time (spec sampling.md §4.29). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sampling/samplers.h"

/* ---- VP quantities of a sigma (float32, through the log forms) ---- */
static float log_mean_coeff(float s)
{
    float v = s * s + 1.0f;
    v = 1.0f / v;
    return 0.5f * logf(v);
}
static float vp_alpha(float s) { return expf(log_mean_coeff(s)); }
static float vp_std(float s) { return sqrtf(1.0f - expf(2.0f * log_mean_coeff(s))); }
static float vp_lambda(float s)
{
    float l = log_mean_coeff(s);
    return l - 0.5f * logf(1.0f - expf(2.0f * l));
}

typedef struct unipc {
    cfy_sampler_run *r;
    int64_t n;
    float *xt;   /* scratch: k-diffusion-scaled input */
    float *D;    /* scratch: denoised */
} unipc;

/* data prediction m(x, σ) = (x − s(σ)·ê)/α(σ), ê = (x̃ − D(x̃, σ))/σ, x̃ = x·√(σ²+1). */
static cfy_status model_x0(unipc *u, const float *x, float sigma, float *out, cfy_error *err)
{
    float sc = sqrtf(sigma * sigma + 1.0f);
    for (int64_t k = 0; k < u->n; k++) u->xt[k] = x[k] * sc;
    cfy_status st = cfy_sampler_D(u->r, u->xt, sigma, u->D, NULL, err);
    if (st != CFY_OK) return st;
    float a = vp_alpha(sigma), s = vp_std(sigma);
    for (int64_t k = 0; k < u->n; k++) {
        float eps = u->xt[k] - u->D[k];
        eps = eps / sigma;
        float t = s * eps;
        t = x[k] - t;
        out[k] = t / a;
    }
    return CFY_OK;
}

/* Solve the q×q system A·w = b (double, partial pivoting); q <= 4. */
static void solve_small(int q, double A[4][4], double *b, double *w)
{
    for (int c = 0; c < q; c++) {
        int p = c;
        for (int r = c + 1; r < q; r++)
            if (fabs(A[r][c]) > fabs(A[p][c])) p = r;
        if (p != c) {
            for (int k = 0; k < q; k++) {
                double t = A[c][k];
                A[c][k] = A[p][k];
                A[p][k] = t;
            }
            double t = b[c];
            b[c] = b[p];
            b[p] = t;
        }
        for (int r = c + 1; r < q; r++) {
            double f = A[r][c] / A[c][c];
            for (int k = c; k < q; k++) A[r][k] -= f * A[c][k];
            b[r] -= f * b[c];
        }
    }
    for (int r = q - 1; r >= 0; r--) {
        double s = b[r];
        for (int k = r + 1; k < q; k++) s -= A[r][k] * w[k];
        w[r] = s / A[r][r];
    }
}

/* One update to sigma t from history (hist[0] newest) of `order` entries. With the corrector,
 * evaluates the model at the predicted x and writes it to model_t. */
static cfy_status unipc_update(unipc *u, float *x, float **hist, const float *thist, float t, int order,
                               bool corrector, bool bh2, float *model_t, float *scratch, cfy_error *err)
{
    int64_t n = u->n;
    float *m0 = hist[0];
    float t0 = thist[0];
    float l0 = vp_lambda(t0), lt = vp_lambda(t);
    float s0 = vp_std(t0), st_ = vp_std(t);
    float at = expf(log_mean_coeff(t));
    float h = lt - l0;
    float rks[4];
    for (int i = 1; i < order; i++) {
        float li = vp_lambda(thist[i]);
        rks[i - 1] = (li - l0) / h;
    }
    rks[order - 1] = 1.0f;
    float hh = -h;
    float hphi1 = expm1f(hh);
    float hphik = hphi1 / hh - 1.0f;
    float fact = 1.0f;
    float Bh = bh2 ? expm1f(hh) : hh;
    float R[4][4], bvec[4];
    for (int i = 1; i <= order; i++) {
        for (int k = 0; k < order; k++) R[i - 1][k] = i == 1 ? 1.0f : powf(rks[k], (float)(i - 1));
        float bv = hphik * fact;
        bvec[i - 1] = bv / Bh;
        fact *= (float)(i + 1);
        hphik = hphik / hh - 1.0f / fact;
    }
    float rp[4] = {0}, rc[4] = {0};
    int nd = order - 1; /* number of D1 terms */
    if (nd > 0) {
        if (order == 2) {
            rp[0] = 0.5f;
        } else {
            double A[4][4], bb[4], w[4];
            for (int a = 0; a < nd; a++) {
                for (int c = 0; c < nd; c++) A[a][c] = R[a][c];
                bb[a] = bvec[a];
            }
            solve_small(nd, A, bb, w);
            for (int a = 0; a < nd; a++) rp[a] = (float)w[a];
        }
    }
    if (corrector) {
        if (order == 1) {
            rc[0] = 0.5f;
        } else {
            double A[4][4], bb[4], w[4];
            for (int a = 0; a < order; a++) {
                for (int c = 0; c < order; c++) A[a][c] = R[a][c];
                bb[a] = bvec[a];
            }
            solve_small(order, A, bb, w);
            for (int a = 0; a < order; a++) rc[a] = (float)w[a];
        }
    }
    float c_x = st_ / s0;
    float c_m = at * hphi1;
    float c_b = at * Bh;
    float *xpre = scratch; /* x_t_ */
    for (int64_t k = 0; k < n; k++) {
        float a = c_x * x[k];
        float b = c_m * m0[k];
        xpre[k] = a - b;
    }
    /* predictor */
    for (int64_t k = 0; k < n; k++) {
        if (nd > 0) {
            float pr = 0.0f;
            for (int i = 0; i < nd; i++) {
                float d1 = hist[i + 1][k] - m0[k];
                d1 = d1 / rks[i];
                pr = pr + rp[i] * d1;
            }
            x[k] = xpre[k] - c_b * pr;
        } else {
            x[k] = xpre[k];
        }
    }
    if (!corrector) return CFY_OK;
    cfy_status stt = model_x0(u, x, t, model_t, err);
    if (stt != CFY_OK) return stt;
    float cl = rc[order - 1];
    for (int64_t k = 0; k < n; k++) {
        float cr = 0.0f;
        for (int i = 0; i < nd; i++) {
            float d1 = hist[i + 1][k] - m0[k];
            d1 = d1 / rks[i];
            cr = cr + rc[i] * d1;
        }
        float dt = model_t[k] - m0[k];
        float v = cr + cl * dt;
        x[k] = xpre[k] - c_b * v;
    }
    return CFY_OK;
}

static cfy_status unipc_run(cfy_sampler_run *r, float *x, bool bh2, cfy_error *err)
{
    int64_t n = r->n;
    int N = r->n_sigmas - 1;
    float *ts = malloc((size_t)r->n_sigmas * sizeof(float));
    if (!ts) return cfy_error_set(err, CFY_ENOMEM, "out of memory for uni_pc");
    memcpy(ts, r->sigmas, (size_t)r->n_sigmas * sizeof(float));
    if (ts[N] == 0.0f) ts[N] = 0.001f;
    cfy_sbuf b;
    cfy_status st = cfy_sbuf_alloc(&b, 8, n, err);
    if (st != CFY_OK) {
        free(ts);
        return st;
    }
    unipc u = {r, n, b.p[0], b.p[1]};
    float *scratch = b.p[2], *model_t = b.p[3];
    float *hist[4] = {b.p[4], b.p[5], b.p[6], b.p[7]}; /* hist[0] newest */
    float thist[4] = {0};
    int order = N - 1 < 3 ? N - 1 : 3;
    if (order < 1) order = 1;
    float sc0 = sqrtf(1.0f + ts[0] * ts[0]);
    for (int64_t k = 0; k < n; k++) x[k] = x[k] / sc0;
    int nh = 0;
    st = model_x0(&u, x, ts[0], hist[0], err);
    thist[0] = ts[0];
    nh = 1;
    for (int step = 1; step <= N && st == CFY_OK; step++) {
        int q = step < order ? step : (order < N + 1 - step ? order : N + 1 - step);
        bool corr = step < N;
        st = unipc_update(&u, x, hist, thist, ts[step], q, corr, bh2, model_t, scratch, err);
        if (st != CFY_OK) break;
        if (corr) {
            /* push model_t as newest; keep at most `order` entries */
            float *oldest = hist[3];
            for (int k = 3; k > 0; k--) {
                hist[k] = hist[k - 1];
                thist[k] = thist[k - 1];
            }
            hist[0] = oldest;
            memcpy(hist[0], model_t, (size_t)n * sizeof(float));
            thist[0] = ts[step];
            if (nh < order) nh++;
        }
        st = cfy_sampler_step_done(r, step - 1, x, hist[0], err);
    }
    if (st == CFY_OK) {
        float aT = vp_alpha(ts[N]);
        for (int64_t k = 0; k < n; k++) x[k] = x[k] / aT;
    }
    (void)nh; /* history depth is implied by q <= step */
    cfy_sbuf_free(&b);
    free(ts);
    return st;
}

cfy_status cfy_sample_uni_pc(cfy_sampler_run *r, float *x, cfy_error *err) { return unipc_run(r, x, false, err); }
cfy_status cfy_sample_uni_pc_bh2(cfy_sampler_run *r, float *x, cfy_error *err) { return unipc_run(r, x, true, err); }

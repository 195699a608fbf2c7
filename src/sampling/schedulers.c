/* schedulers.c — ComfyUI's sigma schedules, reimplemented from spec sampling.md §2–3. */
#include "sampling/schedulers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sampling/gits_table.h"
#include "sampling/model_sampling.h"

const char *const cfy_scheduler_names[] = {"simple", "sgm_uniform", "karras", "exponential", "ddim_uniform",
                                           "beta", "normal", "linear_quadratic", "kl_optimal", NULL};

int cfy_scheduler_from_name(const char *name)
{
    for (int i = 0; name && cfy_scheduler_names[i]; i++)
        if (strcmp(name, cfy_scheduler_names[i]) == 0) return i;
    return -1;
}

void cfy_sigmas_free(cfy_sigmas *s)
{
    if (!s) return;
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

cfy_status cfy_sigmas_alloc(cfy_sigmas *s, int n, cfy_error *err)
{
    s->n = 0;
    s->v = calloc((size_t)(n > 0 ? n : 1), sizeof(float));
    if (!s->v) return cfy_error_set(err, CFY_ENOMEM, "out of memory for %d sigmas", n);
    s->n = n;
    return CFY_OK;
}

void cfy_linspace_f32(float a, float b, int n, float *out)
{
    if (n <= 0) return;
    if (n == 1) {
        out[0] = a;
        return;
    }
    float step = (b - a) / (float)(n - 1);
    int half = n / 2;
    for (int i = 0; i < n; i++) {
        if (i < half) {
            float p = step * (float)i;
            out[i] = a + p;
        } else {
            float p = step * (float)(n - 1 - i);
            out[i] = b - p;
        }
    }
}

/* ---------------------------------------------------------------- explicit-range schedules */

cfy_status cfy_sigmas_karras(int n, double sigma_min, double sigma_max, double rho, cfy_sigmas *out, cfy_error *err)
{
    cfy_status st = cfy_sigmas_alloc(out, n + 1, err);
    if (st != CFY_OK) return st;
    double min_inv = pow(sigma_min, 1.0 / rho), max_inv = pow(sigma_max, 1.0 / rho);
    float fmax = (float)max_inv, fdiff = (float)(min_inv - max_inv), frho = (float)rho;
    cfy_linspace_f32(0.0f, 1.0f, n, out->v);
    for (int i = 0; i < n; i++) {
        float p = out->v[i] * fdiff;
        out->v[i] = powf(fmax + p, frho);
    }
    out->v[n] = 0.0f;
    return CFY_OK;
}

cfy_status cfy_sigmas_exponential(int n, double sigma_min, double sigma_max, cfy_sigmas *out, cfy_error *err)
{
    cfy_status st = cfy_sigmas_alloc(out, n + 1, err);
    if (st != CFY_OK) return st;
    cfy_linspace_f32((float)log(sigma_max), (float)log(sigma_min), n, out->v);
    for (int i = 0; i < n; i++) out->v[i] = expf(out->v[i]);
    out->v[n] = 0.0f;
    return CFY_OK;
}

/* ---------------------------------------------------------------- table schedules */

static cfy_status sched_simple(const cfy_model_sampling *ms, int n, cfy_sigmas *out, cfy_error *err)
{
    cfy_status st = cfy_sigmas_alloc(out, n + 1, err);
    if (st != CFY_OK) return st;
    double ss = (double)CFY_NUM_TIMESTEPS / (double)n;
    for (int x = 0; x < n; x++) out->v[x] = ms->sigmas[CFY_NUM_TIMESTEPS - 1 - (int)((double)x * ss)];
    out->v[n] = 0.0f;
    return CFY_OK;
}

static cfy_status sched_ddim_uniform(const cfy_model_sampling *ms, int n, cfy_sigmas *out, cfy_error *err)
{
    int zero_first = !(fabs((double)ms->sigmas[1]) <= 1e-5);
    if (!zero_first) n += 1;
    int ss = CFY_NUM_TIMESTEPS / n;
    if (ss < 1) ss = 1;
    int count = 0;
    for (int x = 1; x < CFY_NUM_TIMESTEPS; x += ss) count++;
    cfy_status st = cfy_sigmas_alloc(out, count + zero_first, err);
    if (st != CFY_OK) return st;
    int k = 0;
    for (int x = 1; x < CFY_NUM_TIMESTEPS; x += ss) out->v[count - 1 - k++] = ms->sigmas[x];
    if (zero_first) out->v[count] = 0.0f;
    return CFY_OK;
}

static cfy_status sched_normal(const cfy_model_sampling *ms, int n, bool sgm, cfy_sigmas *out, cfy_error *err)
{
    float start = (float)cfy_ms_timestep(ms, cfy_ms_sigma_max(ms));
    float end = (float)cfy_ms_timestep(ms, cfy_ms_sigma_min(ms));
    bool append_zero = true;
    if (fabs((double)cfy_ms_sigma(ms, end)) <= 1e-5) {
        n += 1;
        append_zero = false;
    }
    int pts = sgm ? n + 1 : n;
    float *ts = malloc((size_t)pts * sizeof(float));
    if (!ts) return cfy_error_set(err, CFY_ENOMEM, "out of memory for sigmas");
    cfy_linspace_f32(start, end, pts, ts);
    cfy_status st = cfy_sigmas_alloc(out, n + (append_zero ? 1 : 0), err);
    if (st == CFY_OK) {
        for (int i = 0; i < n; i++) out->v[i] = cfy_ms_sigma(ms, ts[i]);
        if (append_zero) out->v[n] = 0.0f;
    }
    free(ts);
    return st;
}

/* Regularised incomplete beta I_x(a, b) by the continued fraction (Lentz), double precision. */
static double betacf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 - qab * x / qap;
    if (fabs(d) < tiny) d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 10000; m++) {
        int m2 = 2 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < 1e-16) break;
    }
    return h;
}

static double beta_cdf(double x, double a, double b)
{
    if (x <= 0.0) return 0.0;
    if (x >= 1.0) return 1.0;
    double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    double bt = exp(lbt);
    if (x < (a + 1.0) / (a + b + 2.0)) return bt * betacf(a, b, x) / a;
    return 1.0 - bt * betacf(b, a, 1.0 - x) / b;
}

static double beta_ppf(double u, double a, double b)
{
    if (u <= 0.0) return 0.0;
    if (u >= 1.0) return 1.0;
    if (a == b) { /* symmetric: exact median, mirror the upper half */
        if (u == 0.5) return 0.5;
        if (u > 0.5) return 1.0 - beta_ppf(1.0 - u, a, b);
    }
    double lo = 0.0, hi = 1.0;
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        if (beta_cdf(mid, a, b) < u) lo = mid;
        else hi = mid;
    }
    return 0.5 * (lo + hi);
}

cfy_status cfy_sigmas_beta(const cfy_model_sampling *ms, int n, double alpha, double beta, cfy_sigmas *out,
                           cfy_error *err)
{
    cfy_status st = cfy_sigmas_alloc(out, n + 1, err);
    if (st != CFY_OK) return st;
    int total = CFY_NUM_TIMESTEPS - 1, k = 0;
    double last = -1.0, step = 1.0 / (double)n;
    for (int i = 0; i < n; i++) {
        double u = 1.0 - (double)i * step;
        double t = nearbyint(beta_ppf(u, alpha, beta) * (double)total);
        if (t != last) {
            out->v[k++] = ms->sigmas[(int)t];
            last = t;
        }
    }
    out->v[k++] = 0.0f;
    out->n = k;
    return CFY_OK;
}

static cfy_status sched_linear_quadratic(const cfy_model_sampling *ms, int n, cfy_sigmas *out, cfy_error *err)
{
    cfy_status st = cfy_sigmas_alloc(out, n + 1, err);
    if (st != CFY_OK) return st;
    const double thr = 0.025;
    float smax = cfy_ms_sigma_max(ms);
    if (n == 1) {
        out->v[0] = (float)(1.0 - 0.0) * smax;
        out->v[1] = (float)(1.0 - 1.0) * smax;
        return CFY_OK;
    }
    int L = n / 2, Q = n - L;
    double diff = (double)L - thr * (double)n;
    double qc = diff / ((double)L * (double)Q * (double)Q);
    double lc = thr / (double)L - 2.0 * diff / ((double)Q * (double)Q);
    double c = qc * (double)L * (double)L;
    for (int i = 0; i < n; i++) {
        double v = i < L ? (double)i * thr / (double)L : qc * (double)i * (double)i + lc * (double)i + c;
        out->v[i] = (float)(1.0 - v) * smax;
    }
    out->v[n] = (float)(1.0 - 1.0) * smax;
    return CFY_OK;
}

static cfy_status sched_kl_optimal(const cfy_model_sampling *ms, int n, cfy_sigmas *out, cfy_error *err)
{
    cfy_status st = cfy_sigmas_alloc(out, n + 1, err);
    if (st != CFY_OK) return st;
    float amin = (float)atan((double)cfy_ms_sigma_min(ms)), amax = (float)atan((double)cfy_ms_sigma_max(ms));
    for (int i = 0; i < n; i++) {
        float w = (float)i / (float)(n - 1);
        float p1 = w * amin;
        float p2 = (1.0f - w) * amax;
        out->v[i] = tanf(p1 + p2);
    }
    out->v[n] = 0.0f;
    return CFY_OK;
}

cfy_status cfy_scheduler_sigmas(const cfy_model_sampling *ms, cfy_scheduler sched, int steps, cfy_sigmas *out,
                                cfy_error *err)
{
    out->v = NULL;
    out->n = 0;
    if (steps < 1 || steps > 100000) return cfy_error_set(err, CFY_EINVAL, "steps %d is out of range 1..100000", steps);
    double smin = cfy_ms_sigma_min(ms), smax = cfy_ms_sigma_max(ms);
    switch (sched) {
    case CFY_SCHED_SIMPLE: return sched_simple(ms, steps, out, err);
    case CFY_SCHED_SGM_UNIFORM: return sched_normal(ms, steps, true, out, err);
    case CFY_SCHED_KARRAS: return cfy_sigmas_karras(steps, smin, smax, 7.0, out, err);
    case CFY_SCHED_EXPONENTIAL: return cfy_sigmas_exponential(steps, smin, smax, out, err);
    case CFY_SCHED_DDIM_UNIFORM: return sched_ddim_uniform(ms, steps, out, err);
    case CFY_SCHED_BETA: return cfy_sigmas_beta(ms, steps, 0.6, 0.6, out, err);
    case CFY_SCHED_NORMAL: return sched_normal(ms, steps, false, out, err);
    case CFY_SCHED_LINEAR_QUADRATIC: return sched_linear_quadratic(ms, steps, out, err);
    case CFY_SCHED_KL_OPTIMAL: return sched_kl_optimal(ms, steps, out, err);
    case CFY_SCHED_COUNT: break;
    }
    return cfy_error_set(err, CFY_EINVAL, "unknown scheduler %d", (int)sched);
}

/* ---------------------------------------------------------------- AYS and GITS (§2.10) */

static const double ays_sd1[11] = {14.6146412293, 6.4745760956, 3.8636745985, 2.6946151520, 1.8841921177, 1.3943805092,
                                   0.9642583904,  0.6523686016, 0.3977456272, 0.1515232662, 0.0291671582};
static const double ays_sdxl[11] = {14.6146412293, 6.3184485287, 3.7681790315, 2.1811480769, 1.3405244945, 0.8620721141,
                                    0.5550693289,  0.3798540708, 0.2332364134, 0.1114188177, 0.0291671582};
static const double ays_svd[11] = {700.00, 54.5, 15.886, 7.977, 4.248, 1.789, 0.981, 0.403, 0.173, 0.034, 0.002};

/* Log-linear interpolation of decreasing levels to n points (NumPy interp semantics). out: n doubles. */
static void loglinear_interp(const double *levels, int m, int n, double *out)
{
    double ys[64], xs[64];
    double xstep = 1.0 / (double)(m - 1);
    for (int j = 0; j < m; j++) {
        xs[j] = j == m - 1 ? 1.0 : (double)j * xstep;
        ys[j] = log(levels[m - 1 - j]);
    }
    double nstep = 1.0 / (double)(n - 1);
    for (int i = 0; i < n; i++) {
        double x = i == n - 1 ? 1.0 : (double)i * nstep;
        double y;
        if (x >= xs[m - 1]) {
            y = ys[m - 1];
        } else {
            int j = 0;
            while (j + 1 < m - 1 && xs[j + 1] <= x) j++;
            double slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j]);
            y = slope * (x - xs[j]) + ys[j];
        }
        out[n - 1 - i] = exp(y);
    }
}

/* Keep the last total+1 of `levels` (n values), zero the last, convert to float32. */
static cfy_status tail_to_sigmas(const double *levels, int n, int total, cfy_sigmas *out, cfy_error *err)
{
    cfy_status st = cfy_sigmas_alloc(out, total + 1, err);
    if (st != CFY_OK) return st;
    for (int i = 0; i <= total; i++) out->v[i] = (float)levels[n - 1 - total + i];
    out->v[total] = 0.0f;
    return CFY_OK;
}

static int reduced_steps(int steps, double denoise)
{
    if (denoise < 1.0) {
        if (denoise <= 0.0) return -1;
        return (int)nearbyint((double)steps * denoise); /* Python round: half to even */
    }
    return steps;
}

cfy_status cfy_sigmas_ays(const char *model_type, int steps, double denoise, cfy_sigmas *out, cfy_error *err)
{
    out->v = NULL;
    out->n = 0;
    const double *table = NULL;
    if (model_type && strcmp(model_type, "SD1") == 0) table = ays_sd1;
    else if (model_type && strcmp(model_type, "SDXL") == 0) table = ays_sdxl;
    else if (model_type && strcmp(model_type, "SVD") == 0) table = ays_svd;
    else return cfy_error_set(err, CFY_EINVAL, "model_type '%s' is not one of SD1, SDXL, SVD", model_type ? model_type : "");
    if (steps < 1 || steps > 10000) return cfy_error_set(err, CFY_EINVAL, "steps %d is out of range 1..10000", steps);
    int total = reduced_steps(steps, denoise);
    if (total < 0) return cfy_sigmas_alloc(out, 0, err);
    double *lv = malloc((size_t)(steps + 1) * sizeof(double));
    if (!lv) return cfy_error_set(err, CFY_ENOMEM, "out of memory for sigmas");
    if (steps + 1 == 11) memcpy(lv, table, sizeof ays_sd1);
    else loglinear_interp(table, 11, steps + 1, lv);
    if (total > steps) total = steps;
    cfy_status st = tail_to_sigmas(lv, steps + 1, total, out, err);
    free(lv);
    return st;
}

cfy_status cfy_sigmas_gits(double coeff, int steps, double denoise, cfy_sigmas *out, cfy_error *err)
{
    out->v = NULL;
    out->n = 0;
    double ci = nearbyint((round(coeff * 100.0) - 80.0) / 5.0);
    if (!(coeff >= 0.795 && coeff <= 1.505) || fabs(round(coeff * 100.0) - (80.0 + 5.0 * ci)) > 0.5)
        return cfy_error_set(err, CFY_EINVAL, "coeff %g is not one of 0.80, 0.85, ..., 1.50", coeff);
    if (steps < 2 || steps > 1000) return cfy_error_set(err, CFY_EINVAL, "steps %d is out of range 2..1000", steps);
    int total = reduced_steps(steps, denoise);
    if (total < 0) return cfy_sigmas_alloc(out, 0, err);
    double *lv = malloc((size_t)(steps + 1) * sizeof(double));
    if (!lv) return cfy_error_set(err, CFY_ENOMEM, "out of memory for sigmas");
    int row_steps = steps <= 20 ? steps : 20;
    double row[21];
    for (int i = 0; i <= row_steps; i++) row[i] = gits_levels[gits_rows[(int)ci][row_steps - 2][i]];
    if (steps <= 20) memcpy(lv, row, (size_t)(steps + 1) * sizeof(double));
    else loglinear_interp(row, 21, steps + 1, lv);
    if (total > steps) total = steps;
    cfy_status st = tail_to_sigmas(lv, steps + 1, total, out, err);
    free(lv);
    return st;
}

/* ---------------------------------------------------------------- KSampler's selection (§3) */

bool cfy_sampler_discards_penultimate(const char *name)
{
    return name && (strcmp(name, "dpm_2") == 0 || strcmp(name, "dpm_2_ancestral") == 0 || strcmp(name, "uni_pc") == 0 ||
                    strcmp(name, "uni_pc_bh2") == 0);
}

static cfy_status calc_sigmas(const cfy_model_sampling *ms, const char *sampler, cfy_scheduler sched, int n,
                              cfy_sigmas *out, cfy_error *err)
{
    bool discard = cfy_sampler_discards_penultimate(sampler);
    cfy_status st = cfy_scheduler_sigmas(ms, sched, discard ? n + 1 : n, out, err);
    if (st != CFY_OK || !discard || out->n < 2) return st;
    out->v[out->n - 2] = out->v[out->n - 1];
    out->n -= 1;
    return CFY_OK;
}

cfy_status cfy_ksampler_sigmas(const cfy_model_sampling *ms, const char *sampler_name, cfy_scheduler sched, int steps,
                               double denoise, cfy_sigmas *out, cfy_error *err)
{
    out->v = NULL;
    out->n = 0;
    if (denoise > 0.9999) return calc_sigmas(ms, sampler_name, sched, steps, out, err);
    if (denoise <= 0.0) return cfy_sigmas_alloc(out, 0, err);
    double nd = (double)steps / denoise;
    if (nd > 1e6) return cfy_error_set(err, CFY_EINVAL, "steps / denoise = %g is too large", nd);
    cfy_status st = calc_sigmas(ms, sampler_name, sched, (int)nd, out, err);
    if (st != CFY_OK) return st;
    int keep = steps + 1;
    if (keep < out->n) {
        memmove(out->v, out->v + (out->n - keep), (size_t)keep * sizeof(float));
        out->n = keep;
    }
    return CFY_OK;
}

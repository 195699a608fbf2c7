/* model_sampling.c — discrete VP schedule, σ ↔ t and parameterisations (spec sampling.md §1). */
#include "sampling/model_sampling.h"

#include <math.h>

void cfy_model_sampling_init(cfy_model_sampling *ms, cfy_prediction prediction, double linear_start,
                             double linear_end, bool zsnr)
{
    const int T = CFY_NUM_TIMESTEPS;
    double a = sqrt(linear_start), b = sqrt(linear_end);
    double step = (b - a) / (double)(T - 1);
    double cum = 1.0;
    double sig[CFY_NUM_TIMESTEPS];
    for (int t = 0; t < T; t++) {
        double r = t < T / 2 ? a + step * (double)t : b - step * (double)(T - 1 - t);
        double beta = r * r;
        cum *= 1.0 - beta;
        sig[t] = sqrt((1.0 - cum) / cum);
    }
    if (zsnr) {
        double s[CFY_NUM_TIMESTEPS];
        for (int t = 0; t < T; t++) s[t] = sqrt(1.0 / (sig[t] * sig[t] + 1.0));
        double a0 = s[0], aT = s[T - 1];
        for (int t = 0; t < T; t++) {
            double at = (s[t] - aT) * a0 / (a0 - aT);
            double ac = at * at;
            if (t == T - 1) ac = 4.8973451890853435e-08;
            sig[t] = sqrt((1.0 - ac) / ac);
        }
    }
    ms->prediction = prediction;
    ms->linear_start = linear_start;
    ms->linear_end = linear_end;
    for (int t = 0; t < T; t++) {
        ms->sigmas[t] = (float)sig[t];
        ms->log_sigmas[t] = (float)log(sig[t]);
    }
}

int cfy_ms_timestep(const cfy_model_sampling *ms, float sigma)
{
    float ls = logf(sigma);
    int best = 0;
    float bd = INFINITY;
    for (int t = 0; t < CFY_NUM_TIMESTEPS; t++) {
        float d = fabsf(ls - ms->log_sigmas[t]);
        if (d < bd) {
            bd = d;
            best = t;
        }
    }
    return best;
}

float cfy_ms_sigma(const cfy_model_sampling *ms, float t)
{
    if (t < 0.0f) t = 0.0f;
    if (t > (float)(CFY_NUM_TIMESTEPS - 1)) t = (float)(CFY_NUM_TIMESTEPS - 1);
    float lo = floorf(t), hi = ceilf(t);
    float w = t - lo;
    float p1 = (1.0f - w) * ms->log_sigmas[(int)lo];
    float p2 = w * ms->log_sigmas[(int)hi];
    return expf(p1 + p2);
}

double cfy_ms_percent_to_sigma(const cfy_model_sampling *ms, double p)
{
    if (p <= 0.0) return 999999999.9;
    if (p >= 1.0) return 0.0;
    float t = (float)((1.0 - p) * 999.0);
    return (double)cfy_ms_sigma(ms, t);
}

void cfy_ms_noise_scaling(float sigma, const float *noise, const float *latent, float *x, int64_t n,
                          bool max_denoise)
{
    float s = max_denoise ? sqrtf(1.0f + sigma * sigma) : sigma;
    for (int64_t i = 0; i < n; i++) {
        float e = noise ? noise[i] * s : 0.0f * s;
        x[i] = e + latent[i];
    }
}

bool cfy_ms_max_denoise(const cfy_model_sampling *ms, float sigma0)
{
    double s0 = sigma0, sm = cfy_ms_sigma_max(ms);
    if (s0 > sm) return true;
    double m = fabs(s0) > fabs(sm) ? fabs(s0) : fabs(sm);
    return fabs(s0 - sm) <= 1e-5 * m;
}

void cfy_ms_calculate_denoised(cfy_prediction pred, float sigma, const float *x, const float *out, float *denoised,
                               int64_t n)
{
    if (pred == CFY_PRED_V) {
        float s2 = sigma * sigma + 1.0f;
        float rs2 = sqrtf(s2);
        for (int64_t i = 0; i < n; i++) {
            float a = x[i] / s2;
            float b = (out[i] * sigma) / rs2;
            denoised[i] = a - b;
        }
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        float b = out[i] * sigma;
        denoised[i] = x[i] - b;
    }
}

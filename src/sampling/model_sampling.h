/* model_sampling.h — ComfyUI's discrete VP model sampling: the sigma table, σ ↔ t, the
 * parameterisations and the latent formats (spec sampling.md §1). */
#ifndef CFY_SAMPLING_MODEL_SAMPLING_H
#define CFY_SAMPLING_MODEL_SAMPLING_H

#include <stdbool.h>
#include <stdint.h>

#include "sampling/model.h"

/* Latent formats (spec §1.6): process_in(z) = z·scale, process_out(z) = z / scale (a division). */
#define CFY_LATENT_SCALE_SD1 0.18215  /* SD 1.x / 2.x */
#define CFY_LATENT_SCALE_SDXL 0.13025 /* SDXL */

/* Fill ms with the float32 sigma / log-sigma tables of the "linear" beta schedule
 * (SD: linear_start 0.00085, linear_end 0.012), optionally zero-terminal-SNR. Never fails. */
void cfy_model_sampling_init(cfy_model_sampling *ms, cfy_prediction prediction, double linear_start,
                             double linear_end, bool zsnr);
/* SD1.x/2.x/SDXL defaults (EPS or V). */
static inline void cfy_model_sampling_init_sd(cfy_model_sampling *ms, cfy_prediction prediction)
{
    cfy_model_sampling_init(ms, prediction, 0.00085, 0.012, false);
}

static inline float cfy_ms_sigma_min(const cfy_model_sampling *ms) { return ms->sigmas[0]; }
static inline float cfy_ms_sigma_max(const cfy_model_sampling *ms) { return ms->sigmas[CFY_NUM_TIMESTEPS - 1]; }
/* Integer timestep index of sigma (argmin |ln σ − log_sigmas[t]|, float32, lowest index on ties). */
int cfy_ms_timestep(const cfy_model_sampling *ms, float sigma);
/* sigma(t) for a real t: log-linear interpolation of the table (float32). */
float cfy_ms_sigma(const cfy_model_sampling *ms, float t);
/* percent_to_sigma(p) (§1.2). */
double cfy_ms_percent_to_sigma(const cfy_model_sampling *ms, double p);

/* Start noise scaling x = ε·√(1+σ²) + latent (max_denoise) or ε·σ + latent (float32, §1.5).
 * noise may be NULL (zeros). x, noise, latent: n floats (x may alias latent). */
void cfy_ms_noise_scaling(float sigma, const float *noise, const float *latent, float *x, int64_t n,
                          bool max_denoise);
/* max_denoise rule: σ₀ > σ_max or isclose(σ₀, σ_max, rel 1e-5). */
bool cfy_ms_max_denoise(const cfy_model_sampling *ms, float sigma0);

/* denoised from the raw network output (EPS: x − out·σ; V: x·1/(σ²+1) − out·σ/√(σ²+1)).
 * x, out, denoised: n floats; denoised may alias out. */
void cfy_ms_calculate_denoised(cfy_prediction pred, float sigma, const float *x, const float *out, float *denoised,
                               int64_t n);

#endif

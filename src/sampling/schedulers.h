/* schedulers.h — sigma schedules: ComfyUI's KSampler schedulers, Karras/exponential with
 * explicit ranges, Align Your Steps and GITS (spec sampling.md §2, §3). */
#ifndef CFY_SAMPLING_SCHEDULERS_H
#define CFY_SAMPLING_SCHEDULERS_H

#include <stdbool.h>

#include "comfyc/error.h"
#include "sampling/model.h"

/* A sigma vector (float32, usually decreasing and ending in 0). v owned (free with cfy_sigmas_free). */
typedef struct cfy_sigmas {
    float *v;
    int n; /* number of sigmas = steps + 1 */
} cfy_sigmas;

void cfy_sigmas_free(cfy_sigmas *s); /* NULL-safe; leaves s empty */
/* Allocate n sigmas (contents zero). */
cfy_status cfy_sigmas_alloc(cfy_sigmas *s, int n, cfy_error *err);

typedef enum cfy_scheduler {
    CFY_SCHED_SIMPLE = 0,
    CFY_SCHED_SGM_UNIFORM,
    CFY_SCHED_KARRAS,
    CFY_SCHED_EXPONENTIAL,
    CFY_SCHED_DDIM_UNIFORM,
    CFY_SCHED_BETA,
    CFY_SCHED_NORMAL,
    CFY_SCHED_LINEAR_QUADRATIC,
    CFY_SCHED_KL_OPTIMAL,
    CFY_SCHED_COUNT
} cfy_scheduler;

/* KSampler.SCHEDULERS in ComfyUI's order, NULL-terminated (the KSampler combo). */
extern const char *const cfy_scheduler_names[];
/* Index into cfy_scheduler_names, or -1 when unknown. */
int cfy_scheduler_from_name(const char *name);

/* The named scheduler for `steps` steps (steps >= 1). out: filled (free with cfy_sigmas_free).
 * Returns CFY_OK, CFY_EINVAL, CFY_ENOMEM. */
cfy_status cfy_scheduler_sigmas(const cfy_model_sampling *ms, cfy_scheduler sched, int steps, cfy_sigmas *out,
                                cfy_error *err);

/* Karras / exponential / polyexponential with explicit ranges (KarrasScheduler, ExponentialScheduler). */
cfy_status cfy_sigmas_karras(int n, double sigma_min, double sigma_max, double rho, cfy_sigmas *out, cfy_error *err);
cfy_status cfy_sigmas_exponential(int n, double sigma_min, double sigma_max, cfy_sigmas *out, cfy_error *err);
/* beta scheduler with parameters alpha, beta (BetaSamplingScheduler; KSampler uses 0.6, 0.6). */
cfy_status cfy_sigmas_beta(const cfy_model_sampling *ms, int n, double alpha, double beta, cfy_sigmas *out,
                           cfy_error *err);

/* Align Your Steps: model_type "SD1", "SDXL" or "SVD". denoise <= 0 gives an empty vector. */
cfy_status cfy_sigmas_ays(const char *model_type, int steps, double denoise, cfy_sigmas *out, cfy_error *err);
/* GITS: coeff 0.80..1.50 (step 0.05), steps 2..1000. */
cfy_status cfy_sigmas_gits(double coeff, int steps, double denoise, cfy_sigmas *out, cfy_error *err);

/* Samplers that compute steps + 1 sigmas and drop the penultimate one (dpm_2, dpm_2_ancestral,
 * uni_pc, uni_pc_bh2). */
bool cfy_sampler_discards_penultimate(const char *sampler_name);

/* KSampler's schedule (§3.1–3.2): calc(steps) for denoise > 0.9999, otherwise the last steps + 1
 * of calc(int(steps / denoise)); denoise <= 0 gives an empty vector. */
cfy_status cfy_ksampler_sigmas(const cfy_model_sampling *ms, const char *sampler_name, cfy_scheduler sched, int steps,
                               double denoise, cfy_sigmas *out, cfy_error *err);

/* torch.linspace(a, b, n) in float32 (torch >= 2.0 formula). out: n floats. */
void cfy_linspace_f32(float a, float b, int n, float *out);

#endif

/* sample.h — one sampler run end to end: ComfyUI's common_ksampler / sample_custom and the
 * Impact Pack's ksampler_wrapper (spec sampling.md §3, §7, §9). The single C entry point for
 * the KSampler nodes, the custom-sampling nodes and the Impact Pack's SEGSUpscaler/detailers.
 *
 * Lifecycle: cfy_sample_params_init(&p); fill p; cfy_sample(&p, latent, &out, NULL, err). */
#ifndef CFY_SAMPLING_SAMPLE_H
#define CFY_SAMPLING_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>

#include "comfyc/error.h"
#include "comfyc/value.h"
#include "sampling/model.h"
#include "sampling/rng.h"
#include "sampling/samplers.h"
#include "sampling/schedulers.h"

/* A SCHEDULER_FUNC: the full schedule for `steps` steps (Impact's scheduler_func_opt:
 * f(model, sampler_name, steps)). out: fill with cfy_sigmas_alloc (the caller frees). */
typedef cfy_status (*cfy_scheduler_func_fn)(void *user, const cfy_model *model, const char *sampler_name, int steps,
                                            cfy_sigmas *out, cfy_error *err);

typedef enum cfy_sample_mode {
    CFY_SAMPLE_KSAMPLER = 0, /* nodes.py common_ksampler (KSampler, KSamplerAdvanced) */
    CFY_SAMPLE_IMPACT = 1    /* Impact Pack impact_sample / ksampler_wrapper (§9) */
} cfy_sample_mode;

typedef struct cfy_sample_params {
    const cfy_model *model;           /* borrowed, required */
    uint64_t seed;                    /* 0 .. 2^64-1 */
    int steps;                        /* >= 1 */
    double cfg;                       /* finite */
    const char *sampler_name;         /* one of cfy_sampler_names */
    const char *scheduler;            /* cfy_scheduler_names; Impact mode also "AYS SD1", "AYS SDXL",
                                         "AYS SVD", "GITS[coeff=1.2]" */
    const cfy_conditioning *positive; /* borrowed, required */
    const cfy_conditioning *negative; /* borrowed; NULL = positive only (BasicGuider) */
    double denoise;                   /* (0, 1]; default 1 */
    bool add_noise;                   /* false: zero initial noise (KSamplerAdvanced add_noise=disable) */
    int start_step;                   /* KSamplerAdvanced start_at_step; -1 = not given */
    int last_step;                    /* KSamplerAdvanced end_at_step; -1 = not given */
    bool force_full_denoise;          /* !return_with_leftover_noise (KSamplerAdvanced; Impact mode:
                                         zero the last sigma of a cut schedule, true for the wrapper) */
    const float *sigmas;              /* explicit schedule (SamplerCustom); NULL = computed */
    int n_sigmas;
    cfy_scheduler_func_fn scheduler_func; /* Impact SCHEDULER_FUNC; NULL = by name */
    void *scheduler_func_user;
    cfy_sample_mode mode;
    double sigma_factor;              /* Impact sigma_ratio (multiplies the sliced schedule); 1.0 */
    bool return_last_denoised;        /* Impact: the result is process_out(last denoised) (§9.4) */
    cfy_randn_variant randn_variant;  /* CFY_RANDN_DEFAULT */
    cfy_step_fn progress;             /* may be NULL: (user, step, total, x, denoised) */
    void *progress_user;
    cfy_interrupt_fn interrupted;     /* may be NULL */
    void *interrupt_user;
} cfy_sample_params;

/* Defaults: denoise 1, add_noise true, start/last step -1, force_full_denoise false,
 * sigma_factor 1, CFY_RANDN_DEFAULT, KSampler mode, everything else zero/NULL. */
void cfy_sample_params_init(cfy_sample_params *p);

/* Sample `latent` (borrowed: samples [B,C,h,w] f32 on the CPU or a CUDA device, optional
 * noise_mask and batch_index). The noise and the per-step arithmetic run on the host (torch-exact
 * CPU noise, as ComfyUI draws it); the model runs on its own device.
 * out: returns new LATENT value (release with cfy_value_release), on the input's device, holding the result
 *      (noise_mask and batch_index kept); with nothing to do (empty schedule) the input samples.
 * out_denoised: may be NULL; else returns new LATENT with process_out(last denoised).
 * Errors name the input ("steps", "denoise", "cfg", "sampler_name", "scheduler", "sigmas",
 * "latent_image") through cfy_error_set_input. Returns CFY_OK, CFY_EINVAL, CFY_EUNSUPPORTED,
 * CFY_ENOMEM, CFY_EINTERRUPTED, or the model's error. Blocks until done (CPU arithmetic; the
 * model runs on its own device). */
cfy_status cfy_sample(const cfy_sample_params *p, const cfy_latent *latent, cfy_value **out,
                      cfy_value **out_denoised, cfy_error *err);

/* The schedule cfy_sample would use (before sampling), for SIGMAS outputs and tests.
 * full (may be NULL): the unsliced schedule (Impact mode builds its Brownian tree from it). */
cfy_status cfy_sample_sigmas(const cfy_sample_params *p, cfy_sigmas *out, cfy_sigmas *full, cfy_error *err);

/* Check a sigma vector: finite, >= 0, strictly decreasing (a final 0 allowed). */
cfy_status cfy_sigmas_check(const float *s, int n, cfy_error *err);

#endif

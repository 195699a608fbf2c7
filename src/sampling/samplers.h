/* samplers.h — the sampler registry and the interface every sampler runs against
 * (spec sampling.md §4). Samplers work on flat float32 host arrays of n values (the latent
 * [B,C,H,W] flattened; every sample shares the step's sigma). */
#ifndef CFY_SAMPLING_SAMPLERS_H
#define CFY_SAMPLING_SAMPLERS_H

#include <stdbool.h>
#include <stdint.h>

#include "comfyc/error.h"
#include "sampling/model.h"
#include "sampling/noise.h"

/* The guided, mask-blended denoiser D(x, σ). denoised: n floats out. uncond: n floats out, or
 * NULL when the sampler does not need the unconditional prediction. */
typedef cfy_status (*cfy_denoise_fn)(void *user, const float *x, float sigma, float *denoised, float *uncond,
                                     cfy_error *err);
/* Called after each step with the step index, the step's (first) denoised prediction and x. */
typedef void (*cfy_step_fn)(void *user, int step, int total, const float *x, const float *denoised);
/* Returns true when the run should stop (checked between steps). */
typedef bool (*cfy_interrupt_fn)(void *user);

typedef enum cfy_sampler_noise {
    CFY_SNOISE_NONE = 0,     /* deterministic */
    CFY_SNOISE_DEFAULT = 1,  /* ancestral: default_noise_sampler (generator seeded seed + 1) */
    CFY_SNOISE_BROWNIAN = 2  /* Brownian tree over the sigma range */
} cfy_sampler_noise;

typedef struct cfy_sampler_run {
    int64_t n;                 /* values per latent (B*C*H*W) */
    float *sigmas;             /* borrowed, n_sigmas values; uni_pc replaces a final 0 by 0.001 in place */
    int n_sigmas;
    cfy_denoise_fn denoise;
    void *denoise_user;
    cfy_noise_sampler *noise;  /* borrowed; required for samplers whose noise kind is not NONE */
    cfy_step_fn step;          /* may be NULL */
    void *step_user;
    cfy_interrupt_fn interrupted; /* may be NULL */
    void *interrupt_user;
    const cfy_model_sampling *ms; /* the model's schedule (sa_solver's τ interval); may be NULL otherwise */
} cfy_sampler_run;

typedef cfy_status (*cfy_sampler_fn)(cfy_sampler_run *r, float *x, cfy_error *err);

typedef struct cfy_sampler_info {
    const char *name;
    cfy_sampler_fn fn;         /* NULL: listed for ComfyUI compatibility but not implemented */
    cfy_sampler_noise noise;
    bool needs_uncond;         /* CFG++: needs U and disables the cfg = 1 shortcut */
} cfy_sampler_info;

/* KSampler.SAMPLERS in ComfyUI's order (2026-02 snapshot), NULL-terminated: the KSampler combo. */
extern const char *const cfy_sampler_names[];
/* Info for a name, or NULL when unknown. */
const cfy_sampler_info *cfy_sampler_find(const char *name);
/* Run sampler `info` on x (in: x_0 scaled start latent; out: final latent). */
cfy_status cfy_sampler_execute(const cfy_sampler_info *info, cfy_sampler_run *r, float *x, cfy_error *err);

/* ---- internal helpers shared by samplers_*.c ---- */
typedef struct cfy_sbuf {
    float *p[8];
    int used;
} cfy_sbuf;
/* Allocate k scratch arrays of n floats each into b (free with cfy_sbuf_free). */
cfy_status cfy_sbuf_alloc(cfy_sbuf *b, int k, int64_t n, cfy_error *err);
void cfy_sbuf_free(cfy_sbuf *b);
/* ComfyUI get_ancestral_step in float32. */
void cfy_ancestral_step(float sigma_from, float sigma_to, float eta, float *sigma_down, float *sigma_up);
/* r->step and interrupt check at the end of step i; returns CFY_EINTERRUPTED when asked to stop. */
cfy_status cfy_sampler_step_done(cfy_sampler_run *r, int i, const float *x, const float *denoised, cfy_error *err);
static inline cfy_status cfy_sampler_D(cfy_sampler_run *r, const float *x, float sigma, float *d, float *u,
                                       cfy_error *err)
{
    return r->denoise(r->denoise_user, x, sigma, d, u, err);
}

/* Sampler functions (samplers_*.c). */
cfy_status cfy_sample_euler(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_euler_ancestral(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_heun(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_dpm_2(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_dpm_2_ancestral(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_lms(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_ipndm(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_gradient_estimation(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_dpmpp_2m(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_dpmpp_2s_ancestral(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_dpmpp_sde(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_dpmpp_2m_sde(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_dpmpp_2m_sde_heun(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_dpmpp_3m_sde(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_ddpm(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_lcm(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_euler_cfg_pp(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_euler_ancestral_cfg_pp(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_dpmpp_2m_cfg_pp(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_uni_pc(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_uni_pc_bh2(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_heunpp2(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_dpm_fast(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_dpm_adaptive(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_dpmpp_2s_ancestral_cfg_pp(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_ipndm_v(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_res_multistep(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_res_multistep_cfg_pp(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_res_multistep_ancestral(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_res_multistep_ancestral_cfg_pp(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_gradient_estimation_cfg_pp(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_er_sde(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_seeds_2(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_exp_heun_2_x0(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_exp_heun_2_x0_sde(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_seeds_3(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_deis(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_sa_solver(cfy_sampler_run *r, float *x, cfy_error *err);
cfy_status cfy_sample_sa_solver_pece(cfy_sampler_run *r, float *x, cfy_error *err);

#endif

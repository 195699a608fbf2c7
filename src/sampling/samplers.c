/* samplers.c — the sampler name table (ComfyUI's KSampler list) and shared sampler helpers. */
#include "sampling/samplers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const cfy_sampler_names[] = {
    "euler", "euler_cfg_pp", "euler_ancestral", "euler_ancestral_cfg_pp", "heun", "heunpp2", "exp_heun_2_x0",
    "exp_heun_2_x0_sde", "dpm_2", "dpm_2_ancestral", "lms", "dpm_fast", "dpm_adaptive", "dpmpp_2s_ancestral",
    "dpmpp_2s_ancestral_cfg_pp", "dpmpp_sde", "dpmpp_sde_gpu", "dpmpp_2m", "dpmpp_2m_cfg_pp", "dpmpp_2m_sde",
    "dpmpp_2m_sde_gpu", "dpmpp_2m_sde_heun", "dpmpp_2m_sde_heun_gpu", "dpmpp_3m_sde", "dpmpp_3m_sde_gpu", "ddpm",
    "lcm", "ipndm", "ipndm_v", "deis", "res_multistep", "res_multistep_cfg_pp", "res_multistep_ancestral",
    "res_multistep_ancestral_cfg_pp", "gradient_estimation", "gradient_estimation_cfg_pp", "er_sde", "seeds_2",
    "seeds_3", "sa_solver", "sa_solver_pece", "ddim", "uni_pc", "uni_pc_bh2", NULL};

/* The _gpu variants draw their Brownian noise on the CPU here (ComfyUI's CUDA generators are
 * not reproducible, spec §8.8); the numbers equal the CPU variant's. */
static const cfy_sampler_info sampler_table[] = {
    {"euler", cfy_sample_euler, CFY_SNOISE_NONE, false},
    {"euler_cfg_pp", cfy_sample_euler_cfg_pp, CFY_SNOISE_DEFAULT, true},
    {"euler_ancestral", cfy_sample_euler_ancestral, CFY_SNOISE_DEFAULT, false},
    {"euler_ancestral_cfg_pp", cfy_sample_euler_ancestral_cfg_pp, CFY_SNOISE_DEFAULT, true},
    {"heun", cfy_sample_heun, CFY_SNOISE_NONE, false},
    {"heunpp2", cfy_sample_heunpp2, CFY_SNOISE_NONE, false},
    {"exp_heun_2_x0", cfy_sample_exp_heun_2_x0, CFY_SNOISE_DEFAULT, false},
    {"exp_heun_2_x0_sde", cfy_sample_exp_heun_2_x0_sde, CFY_SNOISE_DEFAULT, false},
    {"dpm_2", cfy_sample_dpm_2, CFY_SNOISE_NONE, false},
    {"dpm_2_ancestral", cfy_sample_dpm_2_ancestral, CFY_SNOISE_DEFAULT, false},
    {"lms", cfy_sample_lms, CFY_SNOISE_NONE, false},
    {"dpm_fast", cfy_sample_dpm_fast, CFY_SNOISE_NONE, false},
    {"dpm_adaptive", cfy_sample_dpm_adaptive, CFY_SNOISE_NONE, false},
    {"dpmpp_2s_ancestral", cfy_sample_dpmpp_2s_ancestral, CFY_SNOISE_DEFAULT, false},
    {"dpmpp_2s_ancestral_cfg_pp", cfy_sample_dpmpp_2s_ancestral_cfg_pp, CFY_SNOISE_DEFAULT, true},
    {"dpmpp_sde", cfy_sample_dpmpp_sde, CFY_SNOISE_BROWNIAN, false},
    {"dpmpp_sde_gpu", cfy_sample_dpmpp_sde, CFY_SNOISE_BROWNIAN, false},
    {"dpmpp_2m", cfy_sample_dpmpp_2m, CFY_SNOISE_NONE, false},
    {"dpmpp_2m_cfg_pp", cfy_sample_dpmpp_2m_cfg_pp, CFY_SNOISE_NONE, true},
    {"dpmpp_2m_sde", cfy_sample_dpmpp_2m_sde, CFY_SNOISE_BROWNIAN, false},
    {"dpmpp_2m_sde_gpu", cfy_sample_dpmpp_2m_sde, CFY_SNOISE_BROWNIAN, false},
    {"dpmpp_2m_sde_heun", cfy_sample_dpmpp_2m_sde_heun, CFY_SNOISE_BROWNIAN, false},
    {"dpmpp_2m_sde_heun_gpu", cfy_sample_dpmpp_2m_sde_heun, CFY_SNOISE_BROWNIAN, false},
    {"dpmpp_3m_sde", cfy_sample_dpmpp_3m_sde, CFY_SNOISE_BROWNIAN, false},
    {"dpmpp_3m_sde_gpu", cfy_sample_dpmpp_3m_sde, CFY_SNOISE_BROWNIAN, false},
    {"ddpm", cfy_sample_ddpm, CFY_SNOISE_DEFAULT, false},
    {"lcm", cfy_sample_lcm, CFY_SNOISE_DEFAULT, false},
    {"ipndm", cfy_sample_ipndm, CFY_SNOISE_NONE, false},
    {"ipndm_v", cfy_sample_ipndm_v, CFY_SNOISE_NONE, false},
    {"deis", cfy_sample_deis, CFY_SNOISE_NONE, false},
    {"res_multistep", cfy_sample_res_multistep, CFY_SNOISE_DEFAULT, false},
    {"res_multistep_cfg_pp", cfy_sample_res_multistep_cfg_pp, CFY_SNOISE_DEFAULT, true},
    {"res_multistep_ancestral", cfy_sample_res_multistep_ancestral, CFY_SNOISE_DEFAULT, false},
    {"res_multistep_ancestral_cfg_pp", cfy_sample_res_multistep_ancestral_cfg_pp, CFY_SNOISE_DEFAULT, true},
    {"gradient_estimation", cfy_sample_gradient_estimation, CFY_SNOISE_NONE, false},
    {"gradient_estimation_cfg_pp", cfy_sample_gradient_estimation_cfg_pp, CFY_SNOISE_NONE, true},
    {"er_sde", cfy_sample_er_sde, CFY_SNOISE_DEFAULT, false},
    {"seeds_2", cfy_sample_seeds_2, CFY_SNOISE_DEFAULT, false},
    {"seeds_3", cfy_sample_seeds_3, CFY_SNOISE_DEFAULT, false},
    {"sa_solver", cfy_sample_sa_solver, CFY_SNOISE_DEFAULT, false},
    {"sa_solver_pece", cfy_sample_sa_solver_pece, CFY_SNOISE_DEFAULT, false},
    {"ddim", cfy_sample_euler, CFY_SNOISE_NONE, false},
    {"uni_pc", cfy_sample_uni_pc, CFY_SNOISE_NONE, false},
    {"uni_pc_bh2", cfy_sample_uni_pc_bh2, CFY_SNOISE_NONE, false},
};

const cfy_sampler_info *cfy_sampler_find(const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < sizeof sampler_table / sizeof sampler_table[0]; i++)
        if (strcmp(sampler_table[i].name, name) == 0) return &sampler_table[i];
    return NULL;
}

cfy_status cfy_sampler_execute(const cfy_sampler_info *info, cfy_sampler_run *r, float *x, cfy_error *err)
{
    if (!info->fn)
        return cfy_error_set(err, CFY_EUNSUPPORTED, "sampler '%s' is not implemented in comfyc yet", info->name);
    if (info->noise != CFY_SNOISE_NONE && !r->noise)
        return cfy_error_set(err, CFY_EINTERNAL, "sampler '%s' needs a noise sampler", info->name);
    if (r->n_sigmas < 2) return CFY_OK;
    return info->fn(r, x, err);
}

cfy_status cfy_sbuf_alloc(cfy_sbuf *b, int k, int64_t n, cfy_error *err)
{
    memset(b, 0, sizeof *b);
    for (int i = 0; i < k && i < 8; i++) {
        b->p[i] = calloc((size_t)(n > 0 ? n : 1), sizeof(float));
        if (!b->p[i]) {
            cfy_sbuf_free(b);
            return cfy_error_set(err, CFY_ENOMEM, "out of memory for sampler buffers");
        }
        b->used = i + 1;
    }
    return CFY_OK;
}

void cfy_sbuf_free(cfy_sbuf *b)
{
    if (!b) return;
    for (int i = 0; i < 8; i++) {
        free(b->p[i]);
        b->p[i] = NULL;
    }
    b->used = 0;
}

void cfy_ancestral_step(float sigma_from, float sigma_to, float eta, float *sigma_down, float *sigma_up)
{
    if (eta == 0.0f) {
        *sigma_down = sigma_to;
        *sigma_up = 0.0f;
        return;
    }
    float to2 = sigma_to * sigma_to, from2 = sigma_from * sigma_from;
    float v = to2 * (from2 - to2);
    v = v / from2;
    float up = eta * sqrtf(v);
    if (sigma_to < up) up = sigma_to;
    float d2 = to2 - up * up;
    *sigma_up = up;
    *sigma_down = sqrtf(d2);
}

cfy_status cfy_sampler_step_done(cfy_sampler_run *r, int i, const float *x, const float *denoised, cfy_error *err)
{
    if (r->step) r->step(r->step_user, i, r->n_sigmas - 1, x, denoised);
    if (r->interrupted && r->interrupted(r->interrupt_user))
        return cfy_error_set(err, CFY_EINTERRUPTED, "interrupted at step %d", i + 1);
    return CFY_OK;
}

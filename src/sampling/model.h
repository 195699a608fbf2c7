/* model.h — the MODEL value: a denoising network plus the schedule it was trained with.
 *
 * The sampling library (src/sampling) only sees this struct; src/models fills it for an AOTI
 * UNet, and tests fill it with a fake denoiser. ComfyUI's "model sampling" conventions:
 *   denoised = model_output-combined-with-x per prediction type (eps or v);
 *   the network is called with x * c_in(sigma) and the integer-valued timestep t(sigma).
 * The MODEL value's payload is a cfy_model (type CFY_T_MODEL); it is immutable once made —
 * nodes that "patch" a model (DifferentialDiffusion, ...) make a new cfy_model sharing impl. */
#ifndef CFY_SAMPLING_MODEL_H
#define CFY_SAMPLING_MODEL_H

#include <stdbool.h>

#include "comfyc/tensor.h"

typedef enum cfy_prediction { CFY_PRED_EPS = 0, CFY_PRED_V = 1 } cfy_prediction;

#define CFY_NUM_TIMESTEPS 1000

/* Discrete VP schedule (SD1.x/2.x/SDXL): ComfyUI's ModelSamplingDiscrete. */
typedef struct cfy_model_sampling {
    cfy_prediction prediction;
    double linear_start, linear_end;          /* 0.00085, 0.012 for SD */
    float sigmas[CFY_NUM_TIMESTEPS];          /* f32, ascending, as ComfyUI stores them */
    float log_sigmas[CFY_NUM_TIMESTEPS];
} cfy_model_sampling;

/* One network evaluation. All tensors on the model's device, f32 (the backend casts). */
typedef struct cfy_unet_call {
    const cfy_tensor *x;        /* [B,C,H,W]: latent already multiplied by c_in(sigma) */
    const cfy_tensor *timestep; /* f32 [B]: t(sigma) */
    const cfy_tensor *context;  /* f32 [B,T,D]: cross-attention conditioning */
    const cfy_tensor *y;        /* f32 [B,adm] or NULL (class/pooled conditioning, SDXL) */
    const cfy_tensor *concat;   /* f32 [B,Cc,H,W] or NULL: inpaint models' mask+masked latent */
} cfy_unet_call;

/* Runs the network. out: returns new [B,C,H,W] raw model output (eps or v). */
typedef cfy_status (*cfy_unet_apply_fn)(void *impl, const cfy_unet_call *call, cfy_tensor **out, cfy_error *err);

typedef struct cfy_model {
    cfy_model_sampling sampling;
    int latent_channels;          /* 4 for SD1/2/SDXL */
    int unet_in_channels;         /* latent_channels, or 9 for inpainting models */
    double latent_scale_factor;   /* 0.18215 (SD1/2), 0.13025 (SDXL) */
    int max_batch;                /* largest batch one apply may take (CFG batches cond+uncond) */
    bool differential_diffusion;  /* set by the DifferentialDiffusion patch */
    int adm_channels;             /* length of the UNet's y vector: 0 (SD1/2), 2816 (SDXL); added by sampling */
    int adm_pooled_width;         /* > 0: y is SDXL's [pooled (this many) | 6 x 256 sinusoidal]; 1280 for SDXL */
    double differential_diffusion_strength; /* DifferentialDiffusion strength (1.0 default); added by sampling */
    cfy_unet_apply_fn apply;
    void *impl;                   /* owned via impl_retain/impl_release (shared by patched copies) */
    void *(*impl_retain)(void *impl);
    void (*impl_release)(void *impl);
    cfy_device device;            /* where apply wants its inputs (the sampler copies them there) */
} cfy_model;

#endif

/* noise.h — ComfyUI's noise: prepare_noise, the ancestral noise sampler and the Brownian tree
 * (spec sampling.md §8.5–8.7), all on the CPU with torch-exact numbers.
 *
 * On CUDA the same numbers are generated on the host and uploaded, so CPU and CUDA runs start
 * from the same noise (ComfyUI-on-CUDA's own ancestral / _gpu noise is not reproducible, §8.8). */
#ifndef CFY_SAMPLING_NOISE_H
#define CFY_SAMPLING_NOISE_H

#include <stdint.h>

#include "comfyc/error.h"
#include "sampling/rng.h"

/* ComfyUI's prepare_noise for a latent of `batch` items of `item_numel` values each.
 * batch_index borrowed (n_batch_index == batch) or NULL: item b gets draw number batch_index[b]
 * of max(batch_index)+1 per-item draws; without it one randn of batch*item_numel values.
 * out borrowed: batch*item_numel floats. Returns CFY_OK, CFY_EINVAL (bad batch_index), CFY_ENOMEM. */
cfy_status cfy_noise_prepare(uint64_t seed, int64_t batch, int64_t item_numel, const int64_t *batch_index,
                             int n_batch_index, cfy_randn_variant variant, float *out, cfy_error *err);

/* NumPy SeedSequence(entropy, spawn_key, pool_size=24).generate_state(n_words) as uint32.
 * spawn_key borrowed (n_spawn may be 0). out borrowed: n_words words. */
void cfy_seed_sequence(uint64_t entropy, const uint64_t *spawn_key, int n_spawn, uint32_t *out, int n_words);

/* ---- Brownian tree (torchsde BrownianTree as ComfyUI uses it, §8.7) ---- */
typedef struct cfy_brownian_tree {
    double t0, t1;        /* rounded to 6 decimals (root node) */
    uint64_t seed;
    int64_t numel;
    cfy_randn_variant variant;
    float *root_w;        /* owned: increment over [t0, t1] */
    void *cache;          /* owned: recently computed node increments (a cache; no numeric effect) */
} cfy_brownian_tree;

/* Build the tree over [sigma_min, sigma_max] (float32 sigmas promoted to double).
 * Returns CFY_OK, CFY_EINVAL (sigma_min > sigma_max or not finite; equal gives a tree of zeros), CFY_ENOMEM. Free with cfy_brownian_tree_free. */
cfy_status cfy_brownian_tree_init(cfy_brownian_tree *bt, double sigma_min, double sigma_max, uint64_t seed,
                                  int64_t numel, cfy_randn_variant variant, cfy_error *err);
void cfy_brownian_tree_free(cfy_brownian_tree *bt); /* NULL-safe; leaves bt zeroed */
/* BrownianTreeNoiseSampler(sigma, sigma_next): out = W(lo,hi)*sign / sqrt(|sigma_next - sigma|)
 * (float32). out borrowed: numel floats. */
cfy_status cfy_brownian_tree_noise(const cfy_brownian_tree *bt, float sigma, float sigma_next, float *out,
                                   cfy_error *err);

/* ---- noise samplers as the samplers see them ---- */
typedef enum cfy_noise_kind {
    CFY_NOISE_DEFAULT = 0,   /* ComfyUI default_noise_sampler: one randn of the latent per draw */
    CFY_NOISE_BROWNIAN = 1   /* BrownianTreeNoiseSampler */
} cfy_noise_kind;

typedef struct cfy_noise_sampler {
    cfy_noise_kind kind;
    int64_t numel;
    cfy_randn_variant variant;
    cfy_rng gen;             /* DEFAULT: generator seeded seed + 1 (CPU rule) */
    cfy_brownian_tree tree;  /* BROWNIAN */
} cfy_noise_sampler;

/* default_noise_sampler: a fresh generator seeded `gen_seed` (ComfyUI uses seed + 1 on CPU). */
void cfy_noise_sampler_init_default(cfy_noise_sampler *ns, uint64_t gen_seed, int64_t numel,
                                    cfy_randn_variant variant);
/* Brownian tree over [sigma_min, sigma_max] with the sampler seed. */
cfy_status cfy_noise_sampler_init_brownian(cfy_noise_sampler *ns, double sigma_min, double sigma_max, uint64_t seed,
                                           int64_t numel, cfy_randn_variant variant, cfy_error *err);
void cfy_noise_sampler_free(cfy_noise_sampler *ns); /* NULL-safe */
/* Next noise tensor for the step sigma -> sigma_next (DEFAULT ignores the sigmas). out borrowed. */
cfy_status cfy_noise_sampler_draw(cfy_noise_sampler *ns, float sigma, float sigma_next, float *out, cfy_error *err);

#endif

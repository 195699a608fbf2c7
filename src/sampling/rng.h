/* rng.h — torch-compatible CPU random numbers: MT19937 and float32 randn (spec sampling.md §8).
 *
 * A cfy_rng is the state of one torch CPU generator (torch.Generator / the default generator):
 * the MT19937 words plus the cached normal of the small-tensor path. No globals: every caller
 * owns its generator (ComfyUI's initial noise, the ancestral generator seeded seed + 1, each
 * Brownian-tree node's generator). */
#ifndef CFY_SAMPLING_RNG_H
#define CFY_SAMPLING_RNG_H

#include <stdbool.h>
#include <stdint.h>

/* Float32 arithmetic of torch's blocks-of-16 Box–Muller (spec §8.3).
 * SCALAR: C library logf/sinf/cosf — torch's `default` CPU kernel (ATEN_CPU_CAPABILITY=default)
 *         and non-x86 CPUs (ARM).
 * AVX2:   Cephes float polynomials with GCC's fused multiply-adds. Verified bit-exact against
 *         torch 2.13.0 (PyPI wheel) with capability AVX2 *and* AVX512 on an AVX-512 x86-64 CPU:
 *         unlike torch 1.13 (spec §8.3), torch 2.x vectorises normal_ for AVX-512 with the same
 *         polynomials. The default on x86 builds (CFY_RANDN_DEFAULT).
 * AVX2_NOFMA: the same polynomials unfused (MSVC builds of torch; unverified). */
typedef enum cfy_randn_variant {
    CFY_RANDN_SCALAR = 0,
    CFY_RANDN_AVX2 = 1,
    CFY_RANDN_AVX2_NOFMA = 2
} cfy_randn_variant;

/* What torch 2.x computes on the machine family comfyc is built for: the polynomial variant on
 * x86-64 (AVX2/AVX-512 CPUs; pre-AVX2 x86 CPUs use SCALAR — see cfy_randn_variant_detect),
 * the C-library variant elsewhere (ARM). */
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#define CFY_RANDN_DEFAULT CFY_RANDN_AVX2
#else
#define CFY_RANDN_DEFAULT CFY_RANDN_SCALAR
#endif

typedef struct cfy_rng {
    uint32_t mt[624];
    int next;              /* index of the next word; 624 = regenerate first */
    bool has_normal;       /* cached normal of the small path (torch's next_float_normal_sample) */
    double normal;
} cfy_rng;

/* Seed as torch.manual_seed(seed): only the low 32 bits are used; clears the cached normal. */
void cfy_rng_seed(cfy_rng *g, uint64_t seed);
/* Next tempered 32-bit output. */
uint32_t cfy_rng_u32(cfy_rng *g);
/* torch float32 uniform in [0,1): (r & 0xFFFFFF) * 2^-24. */
float cfy_rng_uniform_f32(cfy_rng *g);
/* torch float64 uniform in [0,1): 53 bits of two outputs. */
double cfy_rng_uniform_f64(cfy_rng *g);

/* Fill out[0..n) exactly as torch.randn(n, generator=g) for float32 on the CPU: the scalar
 * double-precision path with the cached normal for n < 16, the blocks-of-16 path otherwise.
 * out borrowed, n >= 0 values. Never fails. */
void cfy_rng_randn(cfy_rng *g, float *out, int64_t n, cfy_randn_variant variant);

/* Static name of a variant ("scalar", "avx2", "avx2_nofma"). */
const char *cfy_randn_variant_name(cfy_randn_variant v);
/* Variant torch 2.x would choose on the CPU running this process: AVX2 when the CPU has
 * AVX2+FMA (with or without AVX-512), else SCALAR. */
cfy_randn_variant cfy_randn_variant_detect(void);

#endif

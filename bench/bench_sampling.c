/* bench_sampling.c — sampling-library costs outside the UNet: torch-exact randn (both Box–Muller
 * variants), the Brownian tree, and per-step sampler + CFG arithmetic with a trivial denoiser.
 * Usage: bench_sampling [repeats]. Prints best and median milliseconds per item. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_timing.h"
#include "sampling/noise.h"
#include "sampling/rng.h"
#include "sampling/samplers.h"
#include "sampling/schedulers.h"

static cfy_status trivial(void *user, const float *x, float sigma, float *d, float *u, cfy_error *err)
{
    int64_t n = *(const int64_t *)user;
    for (int64_t k = 0; k < n; k++) d[k] = x[k] * 0.5f;
    if (u)
        for (int64_t k = 0; k < n; k++) u[k] = x[k] * 0.25f;
    return CFY_OK;
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 10;
    if (reps < 1) reps = 1;
    double *t = calloc((size_t)reps, sizeof *t);
    int64_t sizes[2] = {4 * 64 * 64, 4 * 128 * 128};
    float *buf = malloc((size_t)sizes[1] * sizeof(float));
    for (int s = 0; s < 2; s++) {
        for (int v = 0; v < 2; v++) {
            for (int r = 0; r < reps; r++) {
                cfy_rng g;
                cfy_rng_seed(&g, (uint64_t)r);
                double a = bench_now_ms();
                cfy_rng_randn(&g, buf, sizes[s], v ? CFY_RANDN_AVX2 : CFY_RANDN_SCALAR);
                t[r] = bench_now_ms() - a;
            }
            char what[96];
            snprintf(what, sizeof what, "randn %lld values (%s)", (long long)sizes[s], v ? "avx2 variant" : "scalar variant");
            bench_report_ms(what, t, reps);
        }
        for (int r = 0; r < reps; r++) {
            cfy_brownian_tree bt;
            double a = bench_now_ms();
            if (cfy_brownian_tree_init(&bt, 0.0292, 14.6146, 42, sizes[s], CFY_RANDN_AVX2, NULL) != CFY_OK) return 1;
            if (cfy_brownian_tree_noise(&bt, 1.749418f, 0.914073f, buf, NULL) != CFY_OK) return 1;
            t[r] = bench_now_ms() - a;
            cfy_brownian_tree_free(&bt);
        }
        char what[96];
        snprintf(what, sizeof what, "Brownian tree init + 1 query, %lld values", (long long)sizes[s]);
        bench_report_ms(what, t, reps);
        static const char *const names[] = {"euler", "dpmpp_2m", "dpmpp_2m_sde", "uni_pc", NULL};
        for (int q = 0; names[q]; q++) {
            for (int r = 0; r < reps; r++) {
                cfy_sigmas sig;
                if (cfy_sigmas_karras(20, 0.0292, 14.6146, 7.0, &sig, NULL) != CFY_OK) return 1;
                for (int64_t k = 0; k < sizes[s]; k++) buf[k] = (float)(k % 7) - 3.0f;
                cfy_noise_sampler ns;
                if (cfy_noise_sampler_init_brownian(&ns, 0.0292, 14.6146, 1, sizes[s], CFY_RANDN_AVX2, NULL) != CFY_OK)
                    return 1;
                cfy_sampler_run run = {sizes[s], sig.v, sig.n, trivial, &sizes[s], &ns, NULL, NULL, NULL, NULL, NULL};
                double a = bench_now_ms();
                if (cfy_sampler_execute(cfy_sampler_find(names[q]), &run, buf, NULL) != CFY_OK) return 1;
                t[r] = (bench_now_ms() - a) / 20.0;
                cfy_noise_sampler_free(&ns);
                cfy_sigmas_free(&sig);
            }
            snprintf(what, sizeof what, "%s per step (20 steps), %lld values", names[q], (long long)sizes[s]);
            bench_report_ms(what, t, reps);
        }
    }
    free(buf);
    free(t);
    return 0;
}

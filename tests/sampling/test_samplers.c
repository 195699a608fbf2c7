/* test_samplers.c — every implemented sampler on the exact denoiser of Gaussian data,
 * D(x, σ) = x·s²/(s²+σ²), whose probability-flow ODE has the closed form x(σ) = x₀·√((s²+σ²)/(s²+σ₀²)):
 * deterministic samplers must land near x₀·√(s²/(s²+σ₀²)) after 40 Karras steps. Bit-exact
 * trajectory checks against the Python oracle are test_samplers.py. */
#include <math.h>

#include "harness.h"
#include "sampling/samplers.h"
#include "sampling/schedulers.h"

enum { N = 64 };
static const float S2 = 0.7f;

static cfy_status gauss(void *user, const float *x, float sigma, float *d, float *u, cfy_error *err)
{
    int *calls = user;
    (*calls)++;
    for (int k = 0; k < N; k++) {
        d[k] = (x[k] * S2) / (S2 + sigma * sigma);
        if (u) u[k] = (x[k] * 0.5f) / (0.5f + sigma * sigma);
    }
    return CFY_OK;
}

static void test_deterministic_samplers_converge(void)
{
    static const char *const names[] = {"euler", "heun", "dpm_2", "lms", "ipndm", "gradient_estimation",
                                        "dpmpp_2m", "ddim", "uni_pc", "uni_pc_bh2", NULL};
    /* first-order methods carry O(h) error on this schedule; the others are far closer */
    static const double tol[] = {0.06, 0.01, 0.01, 0.01, 0.01, 0.06, 0.01, 0.06, 0.01, 0.01};
    for (int s = 0; names[s]; s++) {
        cfy_sigmas sig;
        cfy_error err = {0};
        CHECK_ST(cfy_sigmas_karras(40, 0.03, 14.6, 7.0, &sig, &err), &err);
        float x[N];
        for (int k = 0; k < N; k++) x[k] = (float)(k - 32) * 0.5f;
        float x0[N];
        memcpy(x0, x, sizeof x);
        int calls = 0;
        cfy_sampler_run r = {N, sig.v, sig.n, gauss, &calls, NULL, NULL, NULL, NULL, NULL};
        const cfy_sampler_info *info = cfy_sampler_find(names[s]);
        CHECK(info && info->fn);
        CHECK_ST(cfy_sampler_execute(info, &r, x, &err), &err);
        double worst = 0;
        for (int k = 0; k < N; k++) {
            double want = x0[k] * sqrt(S2 / (S2 + 14.6 * 14.6));
            double e = fabs(x[k] - want) / (fabs(want) + 1e-3);
            if (e > worst) worst = e;
        }
        if (worst > tol[s]) fprintf(stderr, "%s: relative error %g\n", names[s], worst);
        CHECK(worst < tol[s]);
        CHECK(calls >= 39);
        cfy_sigmas_free(&sig);
    }
}

static void test_every_name_has_a_sampler(void)
{
    for (int i = 0; cfy_sampler_names[i]; i++) {
        const cfy_sampler_info *info = cfy_sampler_find(cfy_sampler_names[i]);
        CHECK(info && info->fn);
    }
    CHECK(cfy_sampler_find("nope") == NULL);
}

int main(void)
{
    RUN(test_deterministic_samplers_converge);
    RUN(test_every_name_has_a_sampler);
    return cfy_test_finish();
}

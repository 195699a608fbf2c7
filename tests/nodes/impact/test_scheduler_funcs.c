/* test_scheduler_funcs.c — GITSSchedulerFuncProvider returns GITS(coeff, steps, denoise) and
 * ignores model and sampler name; out-of-range inputs are refused naming the input. */
#include <string.h>

#include "comfyc/hooks.h"
#include "harness.h"
#include "sampling/schedulers.h"

static void test_gits_provider(void)
{
    cfy_runtime *rt = NULL;
    cfy_error err = {0};
    CHECK_ST(cfy_runtime_create(NULL, &rt, &err), &err);
    if (!rt) return;
    const double coeffs[2] = {1.2, 0.85}, denoises[2] = {1.0, 0.6};
    for (int k = 0; k < 2; k++) {
        cfy_value *c = cfy_value_new_float(coeffs[k]), *dn = cfy_value_new_float(denoises[k]);
        cfy_named_value in[] = {{"coeff", c}, {"denoise", dn}};
        cfy_value *out = NULL;
        CHECK_ST(cfy_node_call(rt, "GITSSchedulerFuncProvider", in, 2, &out, 1, &err), &err);
        const cfy_scheduler_func *f = cfy_value_scheduler_func(out);
        CHECK(f != NULL);
        for (int steps = 2; f && steps <= 40; steps += 19) {
            cfy_tensor *s = NULL;
            cfy_sigmas ref = {0};
            CHECK_ST(f->get_sigmas(f->user, NULL, "dpm_2", steps, &s, &err), &err);
            CHECK_ST(cfy_sigmas_gits(coeffs[k], steps, denoises[k], &ref, &err), &err);
            CHECK(s && s->ndim == 1 && s->sizes[0] == ref.n);
            if (s && s->sizes[0] == ref.n) CHECK(memcmp(cfy_tensor_f32(s), ref.v, (size_t)ref.n * sizeof(float)) == 0);
            cfy_tensor_release(s);
            cfy_sigmas_free(&ref);
        }
        cfy_value_release(out);
        cfy_value_release(c);
        cfy_value_release(dn);
    }
    cfy_value *c = cfy_value_new_float(2.0), *dn = cfy_value_new_float(1.0);
    cfy_named_value in[] = {{"coeff", c}, {"denoise", dn}};
    cfy_value *out = NULL;
    cfy_error e2 = {0};
    CHECK(cfy_node_call(rt, "GITSSchedulerFuncProvider", in, 2, &out, 1, &e2) == CFY_EINVAL);
    CHECK(strcmp(e2.input, "coeff") == 0);
    cfy_value_release(c);
    cfy_value_release(dn);
    cfy_runtime_destroy(rt);
}

int main(void)
{
    RUN(test_gits_provider);
    return cfy_test_finish();
}

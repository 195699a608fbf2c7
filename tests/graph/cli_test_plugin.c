/* cli_test_plugin.c — a plugin for the CLI tests (compiled by tests/graph/test_cli.py with the system cc).
 *
 * TestSleep sleeps `seconds` and passes `value` on (Ctrl-C tests); TestBars reports two named bars
 * as SEGSUpscaler does (`value` segments of 3 "steps" each, a "segments" tick after each); TestFail always fails
 * (runtime-failure exit code); TestPrint is an output node printing its value to stdout.
 * Built with -DCFY_TEST_BAD_ABI it claims another ABI version, which the loader must refuse. */
#include <stdio.h>
#include <time.h>

#include "comfyc/comfyc.h"

static cfy_status sleep_run(cfy_node_ctx *ctx)
{
    int64_t v = 0;
    double seconds = 0;
    cfy_status st;
    if ((st = cfy_node_in_int(ctx, "value", &v)) != CFY_OK ||
        (st = cfy_node_in_float(ctx, "seconds", &seconds)) != CFY_OK)
        return st;
    for (int i = 0; i < 100; i++) {
        if (cfy_node_interrupted(ctx)) return cfy_node_fail(ctx, CFY_EINTERRUPTED, NULL, "interrupted");
        struct timespec ts = {0, (long)(seconds * 1e9 / 100)};
        nanosleep(&ts, NULL);
        cfy_node_progress(ctx, i + 1, 100);
    }
    return cfy_node_out(ctx, 0, cfy_value_new_int(v + 1));
}

static cfy_status bars_run(cfy_node_ctx *ctx)
{
    int64_t n = 0;
    cfy_status st = cfy_node_in_int(ctx, "value", &n);
    if (st != CFY_OK) return st;
    for (int64_t s = 0; s < n; s++) {
        for (int k = 0; k < 3; k++)
            cfy_node_progress_label(ctx, "steps", k + 1, 3);
        cfy_node_progress_label(ctx, "segments", s + 1, n);
    }
    return cfy_node_out(ctx, 0, cfy_value_new_int(n));
}

static cfy_status fail_run(cfy_node_ctx *ctx)
{
    int64_t v = 0;
    cfy_status st = cfy_node_in_int(ctx, "value", &v);
    if (st != CFY_OK) return st;
    return cfy_node_fail(ctx, CFY_EIO, "value", "TestFail refuses %lld", (long long)v);
}

static cfy_status print_run(cfy_node_ctx *ctx)
{
    int64_t v = 0;
    cfy_status st = cfy_node_in_int(ctx, "value", &v);
    if (st != CFY_OK) return st;
    printf("TestPrint %s: %lld\n", cfy_node_id(ctx), (long long)v);
    fflush(stdout);
    return CFY_OK;
}

static const cfy_input_def sleep_inputs[] = {
    {"value", CFY_T_INT, 0, .i = {0, -1000000, 1000000, 1}},
    {"seconds", CFY_T_FLOAT, 0, .f = {0.1, 0.0, 10.0, 0.01}},
    {NULL},
};
static const cfy_input_def value_inputs[] = {{"value", CFY_T_INT, 0, .i = {0, -1000000, 1000000, 1}}, {NULL}};
static const cfy_output_def int_out[] = {{CFY_T_INT}, {NULL}};
static const cfy_output_def no_out[] = {{NULL}};

static const cfy_node_def sleep_def = {.abi = CFY_ABI_VERSION,
                                       .class_type = "TestSleep",
                                       .category = "test",
                                       .inputs = sleep_inputs,
                                       .outputs = int_out,
                                       .run = sleep_run};
static const cfy_node_def bars_def = {.abi = CFY_ABI_VERSION,
                                      .class_type = "TestBars",
                                      .category = "test",
                                      .inputs = value_inputs,
                                      .outputs = int_out,
                                      .run = bars_run};
static const cfy_node_def fail_def = {.abi = CFY_ABI_VERSION,
                                      .class_type = "TestFail",
                                      .category = "test",
                                      .inputs = value_inputs,
                                      .outputs = int_out,
                                      .run = fail_run};
static const cfy_node_def print_def = {.abi = CFY_ABI_VERSION,
                                       .class_type = "TestPrint",
                                       .category = "test",
                                       .inputs = value_inputs,
                                       .outputs = no_out,
                                       .flags = CFY_NODE_OUTPUT,
                                       .run = print_run};
static const cfy_node_def *const nodes[] = {&sleep_def, &bars_def, &fail_def, &print_def, NULL};

#ifdef CFY_TEST_BAD_ABI
CFY_API const uint32_t cfy_plugin_abi = CFY_ABI_VERSION + 1000;
#else
CFY_API const uint32_t cfy_plugin_abi = CFY_ABI_VERSION;
#endif

CFY_API cfy_status cfy_plugin_register(cfy_registry *reg, cfy_error *err)
{
    return cfy_registry_add_all(reg, nodes, err);
}

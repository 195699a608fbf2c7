/* graph_test_nodes.h — small test-only node classes for the graph tests (included by one test file each).
 *
 * Counters are file-level statics: each test executable is its own process. */
#ifndef CFY_TESTS_GRAPH_TEST_NODES_H
#define CFY_TESTS_GRAPH_TEST_NODES_H

#include <cjson/cJSON.h>

#include "harness.h"

static int tn_runs;          /* run-function calls of every test node */
static int64_t tn_sink_last; /* last value TSink saw */
static int tn_sink_calls;
static int64_t tn_collect_sum;
static int tn_collect_count;

static cfy_status tn_int_run(cfy_node_ctx *ctx)
{
    int64_t v = 0;
    cfy_status st = cfy_node_in_int(ctx, "value", &v);
    if (st != CFY_OK) return st;
    tn_runs++;
    return cfy_node_out(ctx, 0, cfy_value_new_int(v));
}

static cfy_status tn_add_run(cfy_node_ctx *ctx)
{
    int64_t a = 0, b = 0;
    cfy_status st;
    if ((st = cfy_node_in_int(ctx, "a", &a)) != CFY_OK || (st = cfy_node_in_int(ctx, "b", &b)) != CFY_OK) return st;
    tn_runs++;
    return cfy_node_out(ctx, 0, cfy_value_new_int(a + b));
}

static cfy_status tn_sink_run(cfy_node_ctx *ctx)
{
    int64_t v = 0;
    cfy_status st = cfy_node_in_int(ctx, "value", &v);
    if (st != CFY_OK) return st;
    tn_runs++;
    tn_sink_calls++;
    tn_sink_last = v;
    return CFY_OK;
}

static cfy_status tn_any_sink_run(cfy_node_ctx *ctx)
{
    tn_runs++;
    tn_sink_calls++;
    return CFY_OK;
}

static cfy_status tn_float_run(cfy_node_ctx *ctx)
{
    double v = 0;
    cfy_status st = cfy_node_in_float(ctx, "x", &v);
    if (st != CFY_OK) return st;
    tn_runs++;
    return cfy_node_out(ctx, 0, cfy_value_new_float(v));
}

static cfy_status tn_str_run(cfy_node_ctx *ctx)
{
    const char *s = NULL;
    cfy_status st = cfy_node_in_string(ctx, "s", &s);
    if (st != CFY_OK) return st;
    tn_runs++;
    return cfy_node_out(ctx, 0, cfy_value_new_string(s));
}

static cfy_status tn_image_run(cfy_node_ctx *ctx)
{
    int64_t sizes[4] = {1, 2, 3, 3};
    cfy_tensor *t = NULL;
    cfy_status st = cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sizes, true, &t, cfy_node_err(ctx));
    if (st != CFY_OK) return st;
    tn_runs++;
    return cfy_node_out(ctx, 0, cfy_value_new_tensor(CFY_T_IMAGE, t));
}

static cfy_status tn_list_run(cfy_node_ctx *ctx)
{
    int64_t n = 0;
    cfy_status st = cfy_node_in_int(ctx, "count", &n);
    if (st != CFY_OK) return st;
    tn_runs++;
    for (int64_t i = 0; i < n; i++)
        if ((st = cfy_node_out(ctx, 0, cfy_value_new_int(i * 10))) != CFY_OK) return st;
    return CFY_OK;
}

static cfy_status tn_collect_run(cfy_node_ctx *ctx)
{
    tn_runs++;
    int n = cfy_node_in_count(ctx, "values");
    int64_t sum = 0;
    for (int i = 0; i < n; i++)
        sum += cfy_value_int(cfy_node_in_at(ctx, "values", i));
    tn_collect_sum = sum;
    tn_collect_count = n;
    return cfy_node_out(ctx, 0, cfy_value_new_int(sum));
}

static cfy_status tn_validate_not13(cfy_node_ctx *ctx)
{
    int64_t v = 0;
    if (cfy_node_in_int(ctx, "value", &v) == CFY_OK && v == 13)
        return cfy_node_fail(ctx, CFY_EINVAL, "value", "13 is unlucky");
    return CFY_OK;
}

static int tn_nondet_counter;
static cfy_status tn_nondet_run(cfy_node_ctx *ctx)
{
    tn_runs++;
    return cfy_node_out(ctx, 0, cfy_value_new_int(++tn_nondet_counter));
}

static cfy_status tn_interrupt_run(cfy_node_ctx *ctx)
{
    int64_t v = 0;
    cfy_status st = cfy_node_in_int(ctx, "value", &v);
    if (st != CFY_OK) return st;
    tn_runs++;
    cfy_runtime_interrupt(cfy_node_runtime(ctx)); /* as Ctrl-C would, while this node runs */
    return cfy_node_out(ctx, 0, cfy_value_new_int(v));
}

static cfy_status tn_fail_run(cfy_node_ctx *ctx)
{
    int64_t v = 0;
    cfy_status st = cfy_node_in_int(ctx, "value", &v);
    if (st != CFY_OK) return st;
    tn_runs++;
    return cfy_node_fail(ctx, CFY_EINVAL, "value", "value %lld refused", (long long)v);
}

static cfy_status tn_seed_run(cfy_node_ctx *ctx)
{
    uint64_t s = 0;
    cfy_status st = cfy_node_in_uint64(ctx, "seed", &s);
    if (st != CFY_OK) return st;
    tn_runs++;
    return cfy_node_out(ctx, 0, cfy_value_new_uint64(s));
}

static cfy_status tn_bool_run(cfy_node_ctx *ctx)
{
    bool b = false;
    cfy_status st = cfy_node_in_bool(ctx, "b", &b);
    if (st != CFY_OK) return st;
    tn_runs++;
    return cfy_node_out(ctx, 0, cfy_value_new_bool(b));
}

static const char *const tn_modes[] = {"fast", "slow", "exact", NULL};

static const cfy_input_def tn_int_inputs[] = {{"value", CFY_T_INT, 0, .i = {0, -100, 100, 1}}, {NULL}};
static const cfy_input_def tn_add_inputs[] = {
    {"a", CFY_T_INT, 0, .i = {0, -1000, 1000, 1}}, {"b", CFY_T_INT, 0, .i = {0, -1000, 1000, 1}}, {NULL}};
static const cfy_input_def tn_sink_inputs[] = {
    {"value", CFY_T_INT, 0, .i = {0, -1000000, 1000000, 1}}, {"prompt", "PROMPT", CFY_IN_HIDDEN}, {NULL}};
static const cfy_input_def tn_any_sink_inputs[] = {{"anything", "*"}, {NULL}};
static const cfy_input_def tn_float_inputs[] = {{"x", CFY_T_FLOAT, 0, .f = {0.5, 0.0, 1.0, 0.01}}, {NULL}};
static const cfy_input_def tn_str_inputs[] = {{"s", CFY_T_STRING, 0, .s_def = ""}, {NULL}};
static const cfy_input_def tn_combo_inputs[] = {{"mode", CFY_T_COMBO, 0, .combo = tn_modes}, {NULL}};
static const cfy_input_def tn_image_sink_inputs[] = {
    {"image", CFY_T_IMAGE}, {"mask", CFY_T_MASK, CFY_IN_OPTIONAL}, {NULL}};
static const cfy_input_def tn_list_inputs[] = {{"count", CFY_T_INT, 0, .i = {3, 0, 100, 1}}, {NULL}};
static const cfy_input_def tn_collect_inputs[] = {{"values", CFY_T_INT, 0, .i = {0, -1000000, 1000000, 1}}, {NULL}};
static const cfy_input_def tn_seed_inputs[] = {
    {"seed", CFY_T_INT, CFY_IN_UINT64 | CFY_IN_CONTROL_AFTER_GENERATE, .i = {0, 0, 0, 1}}, {NULL}};
static const cfy_input_def tn_bool_inputs[] = {{"b", CFY_T_BOOLEAN, 0, .b_def = true}, {NULL}};
static const cfy_input_def tn_none_inputs[] = {{NULL}};

static const cfy_output_def tn_int_out[] = {{CFY_T_INT, "INT"}, {NULL}};
static const cfy_output_def tn_float_out[] = {{CFY_T_FLOAT}, {NULL}};
static const cfy_output_def tn_str_out[] = {{CFY_T_STRING}, {NULL}};
static const cfy_output_def tn_image_out[] = {{CFY_T_IMAGE}, {NULL}};
static const cfy_output_def tn_list_out[] = {{CFY_T_INT, "items", true}, {NULL}};
static const cfy_output_def tn_bool_out[] = {{CFY_T_BOOLEAN}, {NULL}};
static const cfy_output_def tn_no_out[] = {{NULL}};

#define TN_DEF(name, ins, outs, fl, fn, ...)                                                                           \
    static const cfy_node_def tn_def_##name = {.abi = CFY_ABI_VERSION,                                                 \
                                               .class_type = #name,                                                    \
                                               .category = "test",                                                     \
                                               .inputs = ins,                                                          \
                                               .outputs = outs,                                                        \
                                               .flags = fl,                                                            \
                                               .run = fn,                                                              \
                                               __VA_ARGS__}

TN_DEF(TInt, tn_int_inputs, tn_int_out, 0, tn_int_run);
TN_DEF(TAdd, tn_add_inputs, tn_int_out, 0, tn_add_run);
TN_DEF(TSink, tn_sink_inputs, tn_no_out, CFY_NODE_OUTPUT, tn_sink_run);
TN_DEF(TAnySink, tn_any_sink_inputs, tn_no_out, CFY_NODE_OUTPUT, tn_any_sink_run);
TN_DEF(TFloat, tn_float_inputs, tn_float_out, 0, tn_float_run);
TN_DEF(TStr, tn_str_inputs, tn_str_out, 0, tn_str_run);
TN_DEF(TCombo, tn_combo_inputs, tn_str_out, 0, tn_str_run);
TN_DEF(TImage, tn_none_inputs, tn_image_out, 0, tn_image_run);
TN_DEF(TImageSink, tn_image_sink_inputs, tn_no_out, CFY_NODE_OUTPUT, tn_any_sink_run);
TN_DEF(TList, tn_list_inputs, tn_list_out, 0, tn_list_run);
TN_DEF(TCollect, tn_collect_inputs, tn_int_out, CFY_NODE_INPUT_IS_LIST, tn_collect_run);
TN_DEF(TValidated, tn_int_inputs, tn_int_out, 0, tn_int_run, .validate = tn_validate_not13);
TN_DEF(TNondet, tn_none_inputs, tn_int_out, CFY_NODE_NONDETERMINISTIC, tn_nondet_run);
TN_DEF(TInterrupt, tn_int_inputs, tn_int_out, 0, tn_interrupt_run);
TN_DEF(TFail, tn_int_inputs, tn_int_out, 0, tn_fail_run);
TN_DEF(TSeed, tn_seed_inputs, tn_int_out, 0, tn_seed_run);
TN_DEF(TBool, tn_bool_inputs, tn_bool_out, 0, tn_bool_run);

static const cfy_node_def *const tn_all[] = {
    &tn_def_TInt,    &tn_def_TAdd,       &tn_def_TSink,      &tn_def_TAnySink, &tn_def_TFloat,   &tn_def_TStr,
    &tn_def_TCombo,  &tn_def_TImage,     &tn_def_TImageSink, &tn_def_TList,    &tn_def_TCollect, &tn_def_TValidated,
    &tn_def_TNondet, &tn_def_TInterrupt, &tn_def_TFail,      &tn_def_TSeed,    &tn_def_TBool,    NULL};

/* A runtime with only the test nodes. */
static cfy_runtime *tn_runtime(void)
{
    cfy_runtime_options o;
    cfy_runtime_options_init(&o);
    o.no_builtin_nodes = true;
    cfy_runtime *rt = NULL;
    cfy_error err = {0};
    if (cfy_runtime_create(&o, &rt, &err) != CFY_OK) return NULL;
    if (cfy_registry_add_all(cfy_runtime_registry(rt), tn_all, &err) != CFY_OK) {
        cfy_runtime_destroy(rt);
        return NULL;
    }
    return rt;
}

static cfy_workflow *tn_parse(cfy_runtime *rt, const char *json, cfy_error *err)
{
    cfy_workflow *wf = NULL;
    if (cfy_workflow_parse(rt, json, strlen(json), "test.json", &wf, err) != CFY_OK) return NULL;
    return wf;
}

#endif

/* fuzz_workflow.c — libFuzzer target: bytes -> JSON reader, UI→API conversion, workflow loading, validation, execution.
 *
 * Build: cmake -DCFY_FUZZ=ON -DCMAKE_C_COMPILER=clang; run:
 *   ./fuzz_workflow -max_total_time=60 CORPUS tests/fuzz/corpus/workflow tests/data/ui
 * The converter and validator see the built-in node definitions (one runtime, made once; file
 * combos list an empty folder). Execution uses a second runtime holding only trivial
 * integer nodes, so any graph that validates there runs without touching files or big buffers.
 * Any crash, leak or sanitizer report is a bug. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "comfyc/comfyc.h"
#include "graph/json.h"
#include "graph/ui_convert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cfy_status fz_add_run(cfy_node_ctx *ctx)
{
    int64_t a = 0, b = 0;
    cfy_status st;
    if ((st = cfy_node_in_int(ctx, "a", &a)) != CFY_OK || (st = cfy_node_in_int(ctx, "b", &b)) != CFY_OK) return st;
    return cfy_node_out(ctx, 0, cfy_value_new_int((int64_t)((uint64_t)a + (uint64_t)b)));
}

static cfy_status fz_list_run(cfy_node_ctx *ctx)
{
    const char *count = "0";
    cfy_status st = cfy_node_in_string(ctx, "count", &count);
    for (int64_t i = 0; st == CFY_OK && i < count[0] - '0'; i++)
        st = cfy_node_out(ctx, 0, cfy_value_new_int(i));
    return st;
}

static cfy_status fz_sum_run(cfy_node_ctx *ctx)
{
    int64_t s = 0;
    int n = cfy_node_in_count(ctx, "values");
    for (int i = 0; i < n; i++) {
        const cfy_value *v = cfy_node_in_at(ctx, "values", i);
        if (cfy_value_kind(v) == CFY_KIND_INT) s += cfy_value_int(v);
    }
    return cfy_node_out(ctx, 0, cfy_value_new_int(s));
}

static cfy_status fz_sink_run(cfy_node_ctx *ctx)
{
    const cfy_value *v = NULL;
    return cfy_node_in_value(ctx, "value", NULL, &v);
}

static const char *const fz_modes[] = {"a", "b", NULL};
/* a combo, so no INT output can feed it: list sizes cannot multiply along a chain */
static const char *const fz_counts[] = {"0", "1", "2", "3", NULL};
static const cfy_input_def fz_add_inputs[] = {{"a", CFY_T_INT, 0, .i = {0, -1000, 1000, 1}},
                                              {"b", CFY_T_INT, CFY_IN_OPTIONAL, .i = {0, -1000, 1000, 1}},
                                              {"f", CFY_T_FLOAT, CFY_IN_OPTIONAL, .f = {0, -1, 1, 0.1}},
                                              {"s", CFY_T_STRING, CFY_IN_OPTIONAL},
                                              {"m", CFY_T_COMBO, CFY_IN_OPTIONAL, .combo = fz_modes},
                                              {"seed", CFY_T_INT, CFY_IN_OPTIONAL | CFY_IN_UINT64},
                                              {NULL}};
static const cfy_input_def fz_list_inputs[] = {{"count", CFY_T_COMBO, 0, .combo = fz_counts}, {NULL}};
static const cfy_input_def fz_sum_inputs[] = {{"values", CFY_T_INT, 0, .i = {0, -1000, 1000, 1}}, {NULL}};
static const cfy_input_def fz_sink_inputs[] = {{"value", "*"}, {"prompt", "PROMPT", CFY_IN_HIDDEN}, {NULL}};
static const cfy_output_def fz_int_out[] = {{CFY_T_INT}, {NULL}};
static const cfy_output_def fz_list_out[] = {{CFY_T_INT, "items", true}, {NULL}};
static const cfy_output_def fz_no_out[] = {{NULL}};
static const cfy_node_def fz_add = {
    .abi = CFY_ABI_VERSION, .class_type = "FAdd", .inputs = fz_add_inputs, .outputs = fz_int_out, .run = fz_add_run};
static const cfy_node_def fz_list = {.abi = CFY_ABI_VERSION,
                                     .class_type = "FList",
                                     .inputs = fz_list_inputs,
                                     .outputs = fz_list_out,
                                     .run = fz_list_run};
static const cfy_node_def fz_sum = {.abi = CFY_ABI_VERSION,
                                    .class_type = "FSum",
                                    .inputs = fz_sum_inputs,
                                    .outputs = fz_int_out,
                                    .flags = CFY_NODE_INPUT_IS_LIST,
                                    .run = fz_sum_run};
static const cfy_node_def fz_sink = {.abi = CFY_ABI_VERSION,
                                     .class_type = "FSink",
                                     .inputs = fz_sink_inputs,
                                     .outputs = fz_no_out,
                                     .flags = CFY_NODE_OUTPUT,
                                     .run = fz_sink_run};
static const cfy_node_def *const fz_nodes[] = {&fz_add, &fz_list, &fz_sum, &fz_sink, NULL};

/* The fuzzer's runtimes live for the whole process (a harness, not library code). */
static cfy_runtime *builtin_rt, *exec_rt;

static void setup(void)
{
    cfy_runtime_options o;
    cfy_runtime_options_init(&o);
    o.input_dir = o.output_dir = o.temp_dir = o.models_dir = "/nonexistent-comfyc-fuzz";
    cfy_error err = {0};
    if (cfy_runtime_create(&o, &builtin_rt, &err) != CFY_OK) abort();
    o.no_builtin_nodes = true;
    if (cfy_runtime_create(&o, &exec_rt, &err) != CFY_OK) abort();
    if (cfy_registry_add_all(cfy_runtime_registry(exec_rt), fz_nodes, &err) != CFY_OK) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!builtin_rt) setup();
    cfy_error err = {0};

    /* the reader and printers; printed output must parse back */
    cJSON *root = NULL;
    if (cfy_json_parse((const char *)data, size, "fuzz", &root, &err) == CFY_OK) {
        char *py = cfy_json_print_python_style(root);
        char *compact = cfy_json_print_compact(root);
        char *repr = cfy_json_py_repr(root);
        cJSON *back = NULL;
        if (!py || !compact || !repr) abort();
        if (cfy_json_parse(py, strlen(py), "reprint", &back, &err) != CFY_OK) abort();
        cJSON_Delete(back);
        free(py);
        free(compact);
        free(repr);
        if (cfy_is_ui_workflow(root)) {
            cJSON *api = NULL;
            if (cfy_ui_to_api(builtin_rt, root, &api, &err) == CFY_OK) {
                char *s = cfy_json_print_indented(api);
                if (!s) abort();
                free(s);
                cJSON_Delete(api);
            } else if (api) {
                abort();
            }
        }
        cJSON_Delete(root);
    } else if (root || err.code != CFY_EPARSE) {
        if (err.code != CFY_ENOMEM) abort();
    }

    /* loading and validation with the built-in definitions */
    cfy_workflow *wf = NULL;
    if (cfy_workflow_parse(builtin_rt, data, size, "fuzz", &wf, &err) == CFY_OK) {
        char *report = NULL;
        cfy_status st = cfy_workflow_validate(builtin_rt, wf, &report, &err);
        if (st == CFY_EVALIDATION && !report) abort();
        free(report);
        char *p = cfy_workflow_prompt_json(wf);
        free(p);
        cfy_workflow_free(wf);
    }

    /* execution with trivial nodes, twice (the second run exercises the cache) */
    if (cfy_workflow_parse(exec_rt, data, size, "fuzz", &wf, &err) == CFY_OK) {
        cfy_run_stats s1, s2;
        if (cfy_workflow_run(exec_rt, wf, &s1, &err) == CFY_OK) {
            if (cfy_workflow_run(exec_rt, wf, &s2, &err) != CFY_OK || s2.nodes_executed != 0) abort();
        }
        char *rep = cfy_workflow_report_json(exec_rt, wf);
        free(rep);
        cfy_workflow_free(wf);
        cfy_runtime_clear_cache(exec_rt);
    }
    return 0;
}

/* bench_graph.c — graph speed: parse + UI→API + validate of a generated 1000-node workflow, executor overhead per node.
 *
 * Usage: bench_graph [NODES] [REPS]   (defaults 1000 and 50). Prints the best and median time
 * of each stage. The workflow is a chain of trivial nodes (BAdd: a = link to the previous
 * node, b = widget) ending in an output node; the UI form has one link per node. The node
 * classes are registered by this program (no built-in nodes). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "comfyc/comfyc.h"
#include "graph/json.h"
#include "graph/ui_convert.h"

static cfy_status badd_run(cfy_node_ctx *ctx)
{
    int64_t a = 0, b = 0;
    cfy_status st;
    if ((st = cfy_node_in_int(ctx, "a", &a)) != CFY_OK || (st = cfy_node_in_int(ctx, "b", &b)) != CFY_OK) return st;
    return cfy_node_out(ctx, 0, cfy_value_new_int(a + b));
}

static cfy_status bsink_run(cfy_node_ctx *ctx)
{
    int64_t v = 0;
    return cfy_node_in_int(ctx, "value", &v);
}

static const cfy_input_def badd_inputs[] = {
    {"a", CFY_T_INT, CFY_IN_FORCE_INPUT | CFY_IN_OPTIONAL, .i = {0, -1000000000, 1000000000, 1}},
    {"b", CFY_T_INT, 0, .i = {0, -1000, 1000, 1}},
    {NULL}};
static const cfy_input_def bsink_inputs[] = {
    {"value", CFY_T_INT, CFY_IN_FORCE_INPUT, .i = {0, -1000000000, 1000000000, 1}}, {NULL}};
static const cfy_output_def int_out[] = {{CFY_T_INT}, {NULL}};
static const cfy_output_def no_out[] = {{NULL}};
static const cfy_node_def badd = {.abi = CFY_ABI_VERSION,
                                  .class_type = "BAdd",
                                  .display_name = "Bench Add",
                                  .inputs = badd_inputs,
                                  .outputs = int_out,
                                  .run = badd_run};
static const cfy_node_def bsink = {.abi = CFY_ABI_VERSION,
                                   .class_type = "BSink",
                                   .display_name = "Bench Sink",
                                   .inputs = bsink_inputs,
                                   .outputs = no_out,
                                   .flags = CFY_NODE_OUTPUT,
                                   .run = bsink_run};
static const cfy_node_def *const bench_nodes[] = {&badd, &bsink, NULL};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Growable text buffer. */
typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void put(buf *b, const char *fmt, ...) CFY_PRINTF(2, 3);
static void put(buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int k = vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        if ((size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        b->cap = b->cap * 2 + (size_t)k + 64;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort(); /* a benchmark program: running out of memory ends it */
    }
}

/* API prompt: node 1 starts the chain (a constant), nodes 2..n-1 each add to the previous one, node n sinks. */
static char *make_api(int n)
{
    buf b = {malloc(1024), 0, 1024};
    put(&b, "{");
    for (int i = 1; i < n; i++) {
        if (i == 1)
            put(&b, "\"1\": {\"class_type\": \"BAdd\", \"inputs\": {\"a\": 0, \"b\": 1}}");
        else
            put(&b, ", \"%d\": {\"class_type\": \"BAdd\", \"inputs\": {\"a\": [\"%d\", 0], \"b\": %d}}", i, i - 1,
                i % 7);
    }
    put(&b, ", \"%d\": {\"class_type\": \"BSink\", \"inputs\": {\"value\": [\"%d\", 0]}}}", n, n - 1);
    return b.p;
}

/* The same chain as a UI workflow (schema 0.4, array links). */
static char *make_ui(int n)
{
    buf b = {malloc(1024), 0, 1024};
    put(&b, "{\"last_node_id\": %d, \"last_link_id\": %d, \"version\": 0.4, \"nodes\": [", n, n - 1);
    for (int i = 1; i <= n; i++) {
        if (i > 1) put(&b, ", ");
        if (i < n) {
            char link[16];
            if (i == 1)
                snprintf(link, sizeof link, "null");
            else
                snprintf(link, sizeof link, "%d", i - 1);
            put(&b,
                "{\"id\": %d, \"type\": \"BAdd\", \"pos\": [%d, 0], \"size\": [200, 80], \"flags\": {}, \"order\": %d, "
                "\"mode\": 0, \"inputs\": [{\"name\": \"a\", \"type\": \"INT\", \"link\": %s}], "
                "\"outputs\": [{\"name\": \"INT\", \"type\": \"INT\", \"links\": [%d]}], "
                "\"properties\": {\"Node name for S&R\": \"BAdd\"}, \"widgets_values\": [%d]}",
                i, i * 220, i - 1, link, i, i % 7);
        } else {
            put(&b,
                "{\"id\": %d, \"type\": \"BSink\", \"mode\": 0, \"order\": %d, "
                "\"inputs\": [{\"name\": \"value\", \"type\": \"INT\", \"link\": %d}], \"outputs\": [], "
                "\"widgets_values\": []}",
                i, i - 1, i - 1);
        }
    }
    put(&b, "], \"links\": [");
    for (int l = 1; l < n; l++)
        put(&b, "%s[%d, %d, 0, %d, 0, \"INT\"]", l > 1 ? ", " : "", l, l, l + 1);
    put(&b, "], \"groups\": [], \"config\": {}, \"extra\": {}}");
    return b.p;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, double *t, int reps, int n_nodes)
{
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    if (t[0] < 0) /* a difference of two noisy timings: only its median means something */
        printf("%-44s                   median %9.3f ms   (%.2f us/node median)\n", what, t[reps / 2] * 1e3,
               t[reps / 2] * 1e6 / n_nodes);
    else
        printf("%-44s best %9.3f ms   median %9.3f ms   (%.2f us/node median)\n", what, t[0] * 1e3, t[reps / 2] * 1e3,
               t[reps / 2] * 1e6 / n_nodes);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    int reps = argc > 2 ? atoi(argv[2]) : 50;
    if (n < 3 || reps < 1) {
        fprintf(stderr, "usage: bench_graph [NODES>=3] [REPS>=1]\n");
        return 2;
    }
    cfy_runtime_options o;
    cfy_runtime_options_init(&o);
    o.no_builtin_nodes = true;
    cfy_runtime *rt = NULL;
    cfy_error err = {0};
    if (cfy_runtime_create(&o, &rt, &err) != CFY_OK ||
        cfy_registry_add_all(cfy_runtime_registry(rt), bench_nodes, &err) != CFY_OK) {
        fprintf(stderr, "setup: %s\n", err.message);
        return 1;
    }
    char *api = make_api(n), *ui = make_ui(n);
    size_t api_len = strlen(api), ui_len = strlen(ui);
    printf("bench_graph: %d nodes, %d reps; UI JSON %zu bytes, API JSON %zu bytes\n", n, reps, ui_len, api_len);
    double *t_parse = calloc((size_t)reps, sizeof *t_parse), *t_conv = calloc((size_t)reps, sizeof *t_conv);
    double *t_val = calloc((size_t)reps, sizeof *t_val), *t_all = calloc((size_t)reps, sizeof *t_all);
    double *t_run = calloc((size_t)reps, sizeof *t_run), *t_cached = calloc((size_t)reps, sizeof *t_cached);
    double *t_runonly = calloc((size_t)reps, sizeof *t_runonly);
    int failures = 0;
    for (int r = 0; r < reps; r++) {
        /* stage by stage: UI JSON parse, UI → API, API validation */
        double t0 = now();
        cJSON *root = NULL;
        if (cfy_json_parse(ui, ui_len, "bench-ui", &root, &err) != CFY_OK) failures++;
        double t1 = now();
        cJSON *conv = NULL;
        if (cfy_ui_to_api(rt, root, &conv, &err) != CFY_OK) failures++;
        double t2 = now();
        cJSON_Delete(root);
        cJSON_Delete(conv);
        cfy_workflow *wf = NULL;
        double t3 = now();
        if (cfy_workflow_parse(rt, api, api_len, "bench-api", &wf, &err) != CFY_OK ||
            cfy_workflow_validate(rt, wf, NULL, &err) != CFY_OK)
            failures++;
        double t4 = now();
        cfy_workflow_free(wf);
        t_parse[r] = t1 - t0;
        t_conv[r] = t2 - t1;
        t_val[r] = t4 - t3;
        /* end to end through the public API: UI text → validated workflow */
        t0 = now();
        if (cfy_workflow_parse(rt, ui, ui_len, "bench-ui", &wf, &err) != CFY_OK ||
            cfy_workflow_validate(rt, wf, NULL, &err) != CFY_OK)
            failures++;
        t_all[r] = now() - t0;
        /* executor: a cold run (every node executes), then a warm run (every node cached) */
        cfy_runtime_clear_cache(rt);
        cfy_run_stats s;
        t0 = now();
        if (cfy_workflow_run(rt, wf, &s, &err) != CFY_OK || s.nodes_executed != n) failures++;
        t_run[r] = now() - t0;
        t0 = now();
        if (cfy_workflow_run(rt, wf, &s, &err) != CFY_OK || s.nodes_cached != n) failures++;
        t_cached[r] = now() - t0;
        /* execution proper: what a cold run costs beyond a fully cached one (validation, signatures
         * and cache lookups are in both) */
        t_runonly[r] = t_run[r] - t_cached[r];
        cfy_workflow_free(wf);
    }
    if (failures) {
        fprintf(stderr, "bench_graph: %d failures (last: %s)\n", failures, err.message);
        return 1;
    }
    report("parse UI JSON", t_parse, reps, n);
    report("UI -> API conversion", t_conv, reps, n);
    report("parse API JSON + validate", t_val, reps, n);
    report("UI text -> validated workflow (public API)", t_all, reps, n);
    report("cold run: validate + execute every node", t_run, reps, n);
    report("cold minus warm (calling + storing nodes)", t_runonly, reps, n);
    report("warm run: validate + all nodes cached", t_cached, reps, n);
    free(t_parse);
    free(t_conv);
    free(t_val);
    free(t_all);
    free(t_run);
    free(t_cached);
    free(t_runonly);
    free(api);
    free(ui);
    cfy_runtime_destroy(rt);
    return 0;
}

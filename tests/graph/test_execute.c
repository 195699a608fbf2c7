/* test_execute.c — execution: ancestors only, order, output cache, widget changes, lists, interrupt, errors, report. */
#include "graph_test_nodes.h"

static cfy_runtime *rt;

static cfy_workflow *parse(const char *json)
{
    cfy_error err = {0};
    cfy_workflow *wf = tn_parse(rt, json, &err);
    if (!wf) fprintf(stderr, "  parse failed: %s\n", err.message);
    return wf;
}

static const char *chain = "{\"1\": {\"class_type\": \"TInt\", \"inputs\": {\"value\": 5}},"
                           " \"2\": {\"class_type\": \"TInt\", \"inputs\": {\"value\": 7}},"
                           " \"3\": {\"class_type\": \"TAdd\", \"inputs\": {\"a\": [\"1\", 0], \"b\": [\"2\", 0]}},"
                           " \"4\": {\"class_type\": \"TAdd\", \"inputs\": {\"a\": [\"3\", 0], \"b\": 100}},"
                           " \"5\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"4\", 0]}},"
                           " \"9\": {\"class_type\": \"TInt\", \"inputs\": {\"value\": 1}}}";

static void test_run_and_cache(void)
{
    cfy_runtime_clear_cache(rt);
    cfy_workflow *wf = parse(chain);
    if (!wf) return;
    cfy_error err = {0};
    cfy_run_stats s;
    tn_runs = 0;
    CHECK_ST(cfy_workflow_run(rt, wf, &s, &err), &err);
    CHECK(s.nodes_executed == 5); /* node 9 is no ancestor of an output: never runs */
    CHECK(s.nodes_cached == 0);
    CHECK(tn_runs == 5);
    CHECK(tn_sink_last == 112);
    const cfy_value *v = cfy_workflow_output(rt, wf, "3", 0);
    CHECK(v && cfy_value_int(v) == 12);
    CHECK(cfy_workflow_output(rt, wf, "9", 0) == NULL);
    /* second run of the unchanged graph: zero nodes execute */
    tn_runs = 0;
    CHECK_ST(cfy_workflow_run(rt, wf, &s, &err), &err);
    CHECK(s.nodes_executed == 0);
    CHECK(s.nodes_cached == 5);
    CHECK(tn_runs == 0);
    /* a widget change re-runs only that node's descendants */
    CHECK_ST(cfy_workflow_set_input(wf, "2", "value", "8", &err), &err);
    tn_runs = 0;
    CHECK_ST(cfy_workflow_run(rt, wf, &s, &err), &err);
    CHECK(s.nodes_executed == 4); /* 2, 3, 4, 5 — not 1 */
    CHECK(s.nodes_cached == 1);
    CHECK(tn_sink_last == 113);
    /* changing it back reuses nothing stale: classic lifetime dropped the old entries */
    CHECK_ST(cfy_workflow_set_input(wf, "4", "b", "200", &err), &err);
    CHECK_ST(cfy_workflow_run(rt, wf, &s, &err), &err);
    CHECK(s.nodes_executed == 2); /* 4 and 5 */
    CHECK(tn_sink_last == 213);
    cfy_workflow_free(wf);
}

static void test_cache_shared_between_workflows(void)
{
    /* identical sub-graphs under other node ids share entries (ids are not in the key) */
    cfy_runtime_clear_cache(rt);
    cfy_error err = {0};
    cfy_run_stats s;
    cfy_workflow *a = parse(chain);
    cfy_workflow *b = parse("{\"11\": {\"class_type\": \"TInt\", \"inputs\": {\"value\": 5}},"
                            " \"12\": {\"class_type\": \"TInt\", \"inputs\": {\"value\": 7}},"
                            " \"13\": {\"class_type\": \"TAdd\", \"inputs\": {\"b\": [\"12\", 0], \"a\": [\"11\", 0]}},"
                            " \"15\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"13\", 0]}}}");
    if (!a || !b) return;
    CHECK_ST(cfy_workflow_run(rt, a, &s, &err), &err);
    CHECK_ST(cfy_workflow_run(rt, b, &s, &err), &err);
    CHECK(s.nodes_cached == 3); /* 11, 12, 13 */
    CHECK(s.nodes_executed == 1);
    /* a float 1.0 and an int 1 are different constants */
    cfy_workflow_free(a);
    cfy_workflow_free(b);
}

static void test_order_deterministic(void)
{
    cfy_runtime_clear_cache(rt);
    cfy_workflow *wf = parse(chain);
    if (!wf) return;
    cfy_error err = {0};
    CHECK_ST(cfy_workflow_run(rt, wf, NULL, &err), &err);
    char *rep = cfy_workflow_report_json(rt, wf);
    cJSON *r = cJSON_Parse(rep);
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(r, "nodes");
    const char *want[] = {"1", "2", "3", "4", "5"};
    int i = 0;
    for (const cJSON *n = nodes ? nodes->child : NULL; n; n = n->next, i++)
        CHECK(i < 5 && strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(n, "id")), want[i]) == 0);
    CHECK(i == 5);
    CHECK(strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "status")), "success") == 0);
    CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "error")));
    cJSON_Delete(r);
    free(rep);
    cfy_workflow_free(wf);
}

static void test_nondeterministic_never_cached(void)
{
    cfy_runtime_clear_cache(rt);
    cfy_workflow *wf = parse("{\"1\": {\"class_type\": \"TNondet\", \"inputs\": {}},"
                             " \"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"1\", 0]}}}");
    if (!wf) return;
    cfy_error err = {0};
    cfy_run_stats s;
    CHECK_ST(cfy_workflow_run(rt, wf, &s, &err), &err);
    int64_t first = tn_sink_last;
    CHECK_ST(cfy_workflow_run(rt, wf, &s, &err), &err);
    CHECK(s.nodes_executed == 2); /* the node and its descendant */
    CHECK(tn_sink_last == first + 1);
    cfy_workflow_free(wf);
}

static void test_output_is_list_mapping(void)
{
    cfy_runtime_clear_cache(rt);
    /* TList makes [0,10,20]; TAdd maps over it with b broadcast; TSink runs once per item */
    cfy_workflow *wf = parse("{\"1\": {\"class_type\": \"TList\", \"inputs\": {\"count\": 3}},"
                             " \"2\": {\"class_type\": \"TAdd\", \"inputs\": {\"a\": [\"1\", 0], \"b\": 1}},"
                             " \"3\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"2\", 0]}},"
                             " \"4\": {\"class_type\": \"TCollect\", \"inputs\": {\"values\": [\"2\", 0]}},"
                             " \"5\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"4\", 0]}}}");
    if (!wf) return;
    cfy_error err = {0};
    tn_sink_calls = 0;
    CHECK_ST(cfy_workflow_run(rt, wf, NULL, &err), &err);
    CHECK(tn_collect_count == 3); /* INPUT_IS_LIST: one call with the whole list */
    CHECK(tn_collect_sum == 1 + 11 + 21);
    CHECK(tn_sink_calls == 3 + 1);
    char *rep = cfy_workflow_report_json(rt, wf);
    CHECK(rep && strstr(rep, "\"items\": 3"));
    free(rep);
    cfy_workflow_free(wf);
}

static void test_broadcast_last_item(void)
{
    cfy_runtime_clear_cache(rt);
    /* lists of 3 and 2 items: 3 calls, the shorter list repeats its last item */
    cfy_workflow *wf = parse("{\"1\": {\"class_type\": \"TList\", \"inputs\": {\"count\": 3}},"
                             " \"2\": {\"class_type\": \"TList\", \"inputs\": {\"count\": 2}},"
                             " \"3\": {\"class_type\": \"TAdd\", \"inputs\": {\"a\": [\"1\", 0], \"b\": [\"2\", 0]}},"
                             " \"4\": {\"class_type\": \"TCollect\", \"inputs\": {\"values\": [\"3\", 0]}},"
                             " \"5\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"4\", 0]}}}");
    if (!wf) return;
    cfy_error err = {0};
    CHECK_ST(cfy_workflow_run(rt, wf, NULL, &err), &err);
    CHECK(tn_collect_count == 3);
    CHECK(tn_collect_sum == (0 + 0) + (10 + 10) + (20 + 10));
    /* an empty list alongside a non-empty one is an error naming the input */
    CHECK_ST(cfy_workflow_set_input(wf, "2", "count", "0", &err), &err);
    CHECK(cfy_workflow_run(rt, wf, NULL, &err) == CFY_EINVAL);
    CHECK(strcmp(err.node_id, "3") == 0);
    CHECK(strcmp(err.input, "b") == 0);
    cfy_workflow_free(wf);
}

static void test_interrupt_between_nodes(void)
{
    cfy_runtime_clear_cache(rt);
    cfy_workflow *wf = parse("{\"1\": {\"class_type\": \"TInt\", \"inputs\": {\"value\": 1}},"
                             " \"2\": {\"class_type\": \"TInterrupt\", \"inputs\": {\"value\": [\"1\", 0]}},"
                             " \"3\": {\"class_type\": \"TAdd\", \"inputs\": {\"a\": [\"2\", 0], \"b\": 1}},"
                             " \"4\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"3\", 0]}}}");
    if (!wf) return;
    cfy_error err = {0};
    cfy_run_stats s;
    tn_runs = 0;
    CHECK(cfy_workflow_run(rt, wf, &s, &err) == CFY_EINTERRUPTED);
    CHECK(tn_runs == 2);                  /* 1 and the interrupting node ran; 3 and 4 did not */
    CHECK(strcmp(err.node_id, "3") == 0); /* the node that did not start */
    char *rep = cfy_workflow_report_json(rt, wf);
    CHECK(rep && strstr(rep, "\"status\": \"interrupted\""));
    free(rep);
    /* outputs computed before the interrupt stay cached; the flag is cleared by the next run */
    tn_runs = 0;
    CHECK_ST(cfy_workflow_run(rt, wf, &s, &err), &err);
    CHECK(s.nodes_cached == 2); /* 1 and the interrupting node (which does not run again) */
    CHECK(s.nodes_executed == 2);
    CHECK(tn_runs == 2);
    cfy_workflow_free(wf);
}

static void test_node_error_stops_run(void)
{
    cfy_runtime_clear_cache(rt);
    cfy_workflow *wf = parse("{\"1\": {\"class_type\": \"TFail\", \"inputs\": {\"value\": 42}},"
                             " \"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"1\", 0]}},"
                             " \"3\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": 3}}}");
    if (!wf) return;
    cfy_error err = {0};
    tn_sink_calls = 0;
    CHECK(cfy_workflow_run(rt, wf, NULL, &err) == CFY_EINVAL);
    CHECK(strcmp(err.node_id, "1") == 0);
    CHECK(strcmp(err.class_type, "TFail") == 0);
    CHECK(strcmp(err.input, "value") == 0);
    CHECK(strstr(err.message, "42") != NULL);
    char *rep = cfy_workflow_report_json(rt, wf);
    cJSON *r = cJSON_Parse(rep);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");
    CHECK(strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "node_id")), "1") == 0);
    CHECK(strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "input")), "value") == 0);
    CHECK(strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "status")), "error") == 0);
    cJSON_Delete(r);
    free(rep);
    cfy_workflow_free(wf);
}

static void test_partial_failure_runs_valid_outputs(void)
{
    cfy_runtime_clear_cache(rt);
    cfy_workflow *wf = parse("{\"1\": {\"class_type\": \"TInt\", \"inputs\": {\"value\": 500}},"
                             " \"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"1\", 0]}},"
                             " \"3\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": 77}}}");
    if (!wf) return;
    cfy_error err = {0};
    cfy_run_stats s;
    CHECK_ST(cfy_workflow_run(rt, wf, &s, &err), &err);
    CHECK(s.nodes_executed == 1);
    CHECK(tn_sink_last == 77);
    char *rep = cfy_workflow_report_json(rt, wf);
    CHECK(rep && strstr(rep, "value_bigger_than_max"));
    free(rep);
    cfy_workflow_free(wf);
}

static void test_validation_failure_from_run(void)
{
    cfy_workflow *wf = parse("{\"2\": {\"class_type\": \"TSink\", \"inputs\": {}}}");
    if (!wf) return;
    cfy_error err = {0};
    CHECK(cfy_workflow_run(rt, wf, NULL, &err) == CFY_EVALIDATION);
    CHECK(strcmp(err.node_id, "2") == 0 && strcmp(err.input, "value") == 0);
    char *rep = cfy_workflow_report_json(rt, wf);
    CHECK(rep && strstr(rep, "\"status\": \"invalid\"") && strstr(rep, "required_input_missing"));
    free(rep);
    cfy_workflow_free(wf);
}

static void test_set_input_errors(void)
{
    cfy_workflow *wf = parse(chain);
    if (!wf) return;
    cfy_error err = {0};
    CHECK(cfy_workflow_set_input(wf, "77", "value", "1", &err) == CFY_ENOTFOUND);
    CHECK(strcmp(err.node_id, "77") == 0);
    /* a bare word is a string */
    CHECK_ST(cfy_workflow_set_input(wf, "1", "value", "hello", &err), &err);
    char *p = cfy_workflow_prompt_json(wf);
    CHECK(p && strstr(p, "\"value\": \"hello\""));
    free(p);
    cfy_workflow_free(wf);
}

static void test_two_runtimes_independent(void)
{
    cfy_runtime *rt2 = tn_runtime();
    cfy_workflow *wf = parse(chain);
    if (!rt2 || !wf) return;
    cfy_error err = {0};
    cfy_run_stats s;
    cfy_runtime_clear_cache(rt);
    CHECK_ST(cfy_workflow_run(rt, wf, &s, &err), &err);
    CHECK_ST(cfy_workflow_run(rt2, wf, &s, &err), &err);
    CHECK(s.nodes_executed == 5); /* rt2 has its own cache */
    cfy_workflow_free(wf);
    cfy_runtime_destroy(rt2);
}

int main(void)
{
    rt = tn_runtime();
    if (!rt) return 1;
    RUN(test_run_and_cache);
    RUN(test_cache_shared_between_workflows);
    RUN(test_order_deterministic);
    RUN(test_nondeterministic_never_cached);
    RUN(test_output_is_list_mapping);
    RUN(test_broadcast_last_item);
    RUN(test_interrupt_between_nodes);
    RUN(test_node_error_stops_run);
    RUN(test_partial_failure_runs_valid_outputs);
    RUN(test_validation_failure_from_run);
    RUN(test_set_input_errors);
    RUN(test_two_runtimes_independent);
    cfy_runtime_destroy(rt);
    return cfy_test_finish();
}

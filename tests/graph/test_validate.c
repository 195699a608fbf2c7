/* test_validate.c — validation in ComfyUI's terms: every error type (code, node_id, input, JSON type), coercion. */
#include "graph_test_nodes.h"

static cfy_runtime *rt;

/* Validate json; returns the status, fills err and *report (parsed report JSON or NULL). */
static cfy_status validate(const char *json, cfy_error *err, cJSON **report)
{
    *report = NULL;
    cfy_error_clear(err);
    cfy_workflow *wf = tn_parse(rt, json, err);
    if (!wf) return err->code;
    char *text = NULL;
    cfy_status st = cfy_workflow_validate(rt, wf, &text, err);
    if (text) *report = cJSON_Parse(text);
    free(text);
    cfy_workflow_free(wf);
    return st;
}

/* The first error of node `id` in the report's node_errors. */
static const cJSON *node_error(const cJSON *report, const char *id)
{
    const cJSON *ne = cJSON_GetObjectItemCaseSensitive(report, "node_errors");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(ne, id);
    return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(n, "errors"), 0);
}

static const char *str_at(const cJSON *o, const char *k)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static bool streq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* Check: status EVALIDATION, err names node/input, node_errors[node] first error has type. */
static void expect_node_error(const char *json, const char *node, const char *input, const char *type)
{
    cfy_error err;
    cJSON *r = NULL;
    cfy_status st = validate(json, &err, &r);
    CHECK(st == CFY_EVALIDATION);
    CHECK(err.code == CFY_EVALIDATION);
    CHECK(streq(err.node_id, node));
    CHECK(streq(err.input, input));
    const cJSON *e = node_error(r, node);
    CHECK(streq(str_at(e, "type"), type));
    CHECK(str_at(e, "message") != NULL && str_at(e, "details") != NULL);
    CHECK(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(e, "extra_info")));
    if (!streq(type, "exception_during_validation"))
        CHECK(streq(str_at(cJSON_GetObjectItemCaseSensitive(e, "extra_info"), "input_name"), input));
    CHECK(streq(str_at(cJSON_GetObjectItemCaseSensitive(r, "error"), "type"), "prompt_outputs_failed_validation"));
    if (!streq(str_at(e, "type"), type) || !streq(err.node_id, node)) {
        char *t = cJSON_Print(r);
        fprintf(stderr, "  report: %s\n  err: node=%s input=%s %s\n", t, err.node_id, err.input, err.message);
        free(t);
    }
    cJSON_Delete(r);
}

static void test_valid(void)
{
    cfy_error err;
    cJSON *r = NULL;
    CHECK(validate("{\"1\": {\"class_type\": \"TInt\", \"inputs\": {\"value\": 5}},"
                   " \"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"1\", 0]}}}",
                   &err, &r) == CFY_OK);
    CHECK(r == NULL); /* clean success: no report */
    cJSON_Delete(r);
}

static void test_required_input_missing(void)
{
    expect_node_error("{\"1\": {\"class_type\": \"TInt\", \"inputs\": {}},"
                      " \"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"1\", 0]}}}",
                      "1", "value", "required_input_missing");
}

static void test_bad_linked_input(void)
{
    expect_node_error("{\"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"1\", 0, 3]}}}", "2", "value",
                      "bad_linked_input");
}

static void test_return_type_mismatch(void)
{
    expect_node_error("{\"1\": {\"class_type\": \"TImage\", \"inputs\": {}},"
                      " \"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"1\", 0]}}}",
                      "2", "value", "return_type_mismatch");
    cfy_error err;
    cJSON *r = NULL;
    validate("{\"1\": {\"class_type\": \"TImage\", \"inputs\": {}},"
             " \"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"1\", 0]}}}",
             &err, &r);
    CHECK(streq(str_at(node_error(r, "2"), "details"), "value, received_type(IMAGE) mismatch input_type(INT)"));
    cJSON_Delete(r);
    /* "*" accepts anything */
    CHECK(validate("{\"1\": {\"class_type\": \"TImage\", \"inputs\": {}},"
                   " \"2\": {\"class_type\": \"TAnySink\", \"inputs\": {\"anything\": [\"1\", 0]}}}",
                   &err, &r) == CFY_OK);
    cJSON_Delete(r);
}

static void test_invalid_input_type(void)
{
    expect_node_error("{\"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": \"7.0\"}}}", "2", "value",
                      "invalid_input_type");
    expect_node_error("{\"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": null}}}", "2", "value",
                      "invalid_input_type");
    cfy_error err;
    cJSON *r = NULL;
    validate("{\"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": \"abc\"}}}", &err, &r);
    const cJSON *e = node_error(r, "2");
    CHECK(streq(str_at(e, "message"), "Failed to convert an input value to a INT value"));
    CHECK(streq(str_at(e, "details"), "value, abc, invalid literal for int() with base 10: 'abc'"));
    cJSON_Delete(r);
    expect_node_error("{\"1\": {\"class_type\": \"TFloat\", \"inputs\": {\"x\": \"half\"}},"
                      " \"2\": {\"class_type\": \"TAnySink\", \"inputs\": {\"anything\": [\"1\", 0]}}}",
                      "1", "x", "invalid_input_type");
}

static void test_min_max(void)
{
    expect_node_error("{\"1\": {\"class_type\": \"TInt\", \"inputs\": {\"value\": -101}},"
                      " \"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"1\", 0]}}}",
                      "1", "value", "value_smaller_than_min");
    expect_node_error("{\"1\": {\"class_type\": \"TInt\", \"inputs\": {\"value\": 101}},"
                      " \"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"1\", 0]}}}",
                      "1", "value", "value_bigger_than_max");
    expect_node_error("{\"1\": {\"class_type\": \"TFloat\", \"inputs\": {\"x\": 1.5}},"
                      " \"2\": {\"class_type\": \"TAnySink\", \"inputs\": {\"anything\": [\"1\", 0]}}}",
                      "1", "x", "value_bigger_than_max");
    cfy_error err;
    cJSON *r = NULL;
    validate("{\"1\": {\"class_type\": \"TFloat\", \"inputs\": {\"x\": -0.25}},"
             " \"2\": {\"class_type\": \"TAnySink\", \"inputs\": {\"anything\": [\"1\", 0]}}}",
             &err, &r);
    CHECK(streq(str_at(node_error(r, "1"), "message"), "Value -0.25 smaller than min of 0.0"));
    cJSON_Delete(r);
    /* bounds are inclusive; NaN passes both (Python comparisons) */
    CHECK(validate("{\"1\": {\"class_type\": \"TFloat\", \"inputs\": {\"x\": \"nan\"}},"
                   " \"3\": {\"class_type\": \"TInt\", \"inputs\": {\"value\": 100}},"
                   " \"4\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"3\", 0]}},"
                   " \"2\": {\"class_type\": \"TAnySink\", \"inputs\": {\"anything\": [\"1\", 0]}}}",
                   &err, &r) == CFY_OK);
    cJSON_Delete(r);
}

static void test_value_not_in_list(void)
{
    expect_node_error("{\"1\": {\"class_type\": \"TCombo\", \"inputs\": {\"mode\": \"Fast\"}},"
                      " \"2\": {\"class_type\": \"TAnySink\", \"inputs\": {\"anything\": [\"1\", 0]}}}",
                      "1", "mode", "value_not_in_list");
    cfy_error err;
    cJSON *r = NULL;
    validate("{\"1\": {\"class_type\": \"TCombo\", \"inputs\": {\"mode\": \"Fast\"}},"
             " \"2\": {\"class_type\": \"TAnySink\", \"inputs\": {\"anything\": [\"1\", 0]}}}",
             &err, &r);
    CHECK(streq(str_at(node_error(r, "1"), "details"), "mode: 'Fast' not in ['fast', 'slow', 'exact']"));
    cJSON_Delete(r);
}

static void test_custom_validation_failed(void)
{
    expect_node_error("{\"1\": {\"class_type\": \"TValidated\", \"inputs\": {\"value\": 13}},"
                      " \"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"1\", 0]}}}",
                      "1", "value", "custom_validation_failed");
}

static void test_link_to_missing_node(void)
{
    /* the output node itself holds the bad link: exception_during_validation on it */
    expect_node_error("{\"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"99\", 0]}}}", "2", "value",
                      "exception_during_validation");
    /* an upstream node holds it: exception_during_inner_validation, input_name is the consumer's input */
    cfy_error err;
    cJSON *r = NULL;
    CHECK(validate("{\"1\": {\"class_type\": \"TAdd\", \"inputs\": {\"a\": [\"99\", 0], \"b\": 1}},"
                   " \"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"1\", 0]}}}",
                   &err, &r) == CFY_EVALIDATION);
    const cJSON *e = node_error(r, "1");
    CHECK(streq(str_at(e, "type"), "exception_during_inner_validation"));
    CHECK(streq(str_at(cJSON_GetObjectItemCaseSensitive(e, "extra_info"), "exception_type"), "KeyError"));
    CHECK(streq(str_at(cJSON_GetObjectItemCaseSensitive(e, "extra_info"), "input_name"), "value"));
    CHECK(streq(err.node_id, "1"));
    CHECK(streq(err.input, "a")); /* the error record names the input holding the bad link */
    cJSON_Delete(r);
    /* an output index out of range, and a numeric node id (keys are strings) */
    CHECK(validate("{\"1\": {\"class_type\": \"TInt\", \"inputs\": {\"value\": 1}},"
                   " \"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"1\", 5]}}}",
                   &err, &r) == CFY_EVALIDATION);
    CHECK(streq(str_at(cJSON_GetObjectItemCaseSensitive(node_error(r, "2"), "extra_info"), "exception_type"),
                "IndexError"));
    CHECK(streq(err.node_id, "2"));
    cJSON_Delete(r);
    CHECK(validate("{\"1\": {\"class_type\": \"TInt\", \"inputs\": {\"value\": 1}},"
                   " \"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [1, 0]}}}",
                   &err, &r) == CFY_EVALIDATION);
    CHECK(streq(str_at(node_error(r, "2"), "type"), "exception_during_validation"));
    cJSON_Delete(r);
}

static void test_dependency_cycle(void)
{
    cfy_error err;
    cJSON *r = NULL;
    CHECK(validate("{\"1\": {\"class_type\": \"TAdd\", \"inputs\": {\"a\": [\"3\", 0], \"b\": 1}},"
                   " \"3\": {\"class_type\": \"TAdd\", \"inputs\": {\"a\": [\"1\", 0], \"b\": 2}},"
                   " \"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"1\", 0]}}}",
                   &err, &r) == CFY_EVALIDATION);
    CHECK(err.code == CFY_EVALIDATION);
    CHECK(streq(err.node_id, "1"));
    CHECK(streq(err.input, ""));
    const cJSON *e = node_error(r, "1");
    CHECK(streq(str_at(e, "type"), "dependency_cycle"));
    CHECK(streq(str_at(e, "details"), "1 (TAdd) -> 3 (TAdd) -> 1 (TAdd)"));
    CHECK(cJSON_GetArraySize(
              cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(e, "extra_info"), "cycle_nodes")) == 2);
    cJSON_Delete(r);
    /* a self loop */
    CHECK(validate("{\"1\": {\"class_type\": \"TAdd\", \"inputs\": {\"a\": [\"1\", 0], \"b\": 1}},"
                   " \"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"1\", 0]}}}",
                   &err, &r) == CFY_EVALIDATION);
    CHECK(streq(str_at(node_error(r, "1"), "type"), "dependency_cycle"));
    cJSON_Delete(r);
}

static void test_missing_node_type(void)
{
    cfy_error err;
    cJSON *r = NULL;
    CHECK(validate("{\"1\": {\"class_type\": \"NoSuchNode\", \"inputs\": {}, \"_meta\": {\"title\": \"Mystery\"}},"
                   " \"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": 1}}}",
                   &err, &r) == CFY_EVALIDATION);
    CHECK(streq(err.node_id, "1"));
    CHECK(streq(err.class_type, "NoSuchNode"));
    CHECK(streq(err.input, ""));
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");
    CHECK(streq(str_at(e, "type"), "missing_node_type"));
    CHECK(streq(str_at(e, "details"), "Node ID '#1'"));
    CHECK(streq(str_at(cJSON_GetObjectItemCaseSensitive(e, "extra_info"), "node_title"), "Mystery"));
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "node_errors")) == 0);
    cJSON_Delete(r);
    /* no class_type at all */
    CHECK(validate("{\"1\": {\"inputs\": {}}}", &err, &r) == CFY_EVALIDATION);
    CHECK(streq(err.node_id, "1"));
    CHECK(streq(str_at(cJSON_GetObjectItemCaseSensitive(r, "error"), "type"), "missing_node_type"));
    cJSON_Delete(r);
}

static void test_no_outputs(void)
{
    cfy_error err;
    cJSON *r = NULL;
    CHECK(validate("{\"1\": {\"class_type\": \"TInt\", \"inputs\": {\"value\": 1}}}", &err, &r) == CFY_EVALIDATION);
    CHECK(streq(err.node_id, ""));
    CHECK(streq(str_at(cJSON_GetObjectItemCaseSensitive(r, "error"), "type"), "prompt_no_outputs"));
    cJSON_Delete(r);
    CHECK(validate("{}", &err, &r) == CFY_EVALIDATION);
    CHECK(streq(str_at(cJSON_GetObjectItemCaseSensitive(r, "error"), "type"), "prompt_no_outputs"));
    cJSON_Delete(r);
}

static void test_outputs_failed_details(void)
{
    /* details joins errors on the output nodes themselves; dependent_outputs lists each failing output */
    cfy_error err;
    cJSON *r = NULL;
    CHECK(validate("{\"1\": {\"class_type\": \"TInt\", \"inputs\": {\"value\": 500}},"
                   " \"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"1\", 0]}},"
                   " \"3\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"1\", 0]}},"
                   " \"4\": {\"class_type\": \"TSink\", \"inputs\": {}}}",
                   &err, &r) == CFY_EVALIDATION);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(r, "error");
    CHECK(streq(str_at(e, "type"), "prompt_outputs_failed_validation"));
    CHECK(streq(str_at(e, "message"), "Prompt outputs failed validation"));
    CHECK(streq(str_at(e, "details"), "Required input is missing: value"));
    const cJSON *n1 = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "node_errors"), "1");
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(n1, "dependent_outputs")) == 2);
    CHECK(streq(str_at(n1, "class_type"), "TInt"));
    /* nodes invalid only through an upstream failure are not listed */
    CHECK(!cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "node_errors"), "2"));
    cJSON_Delete(r);
}

static void test_partial_failure(void)
{
    /* one output valid: validation succeeds, the report lists the failed one */
    cfy_error err;
    cJSON *r = NULL;
    CHECK(validate("{\"1\": {\"class_type\": \"TInt\", \"inputs\": {\"value\": 500}},"
                   " \"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"1\", 0]}},"
                   " \"3\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": 4}}}",
                   &err, &r) == CFY_OK);
    CHECK(r && cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(r, "error")));
    CHECK(node_error(r, "1") != NULL);
    cJSON_Delete(r);
}

static void test_coercion_written_back(void)
{
    cfy_error err = {0};
    cfy_workflow *wf = tn_parse(rt,
                                "{\"1\": {\"class_type\": \"TFloat\", \"inputs\": {\"x\": 1}},"
                                " \"5\": {\"class_type\": \"TStr\", \"inputs\": {\"s\": 1.0}},"
                                " \"6\": {\"class_type\": \"TInt\", \"inputs\": {\"value\": 7.9}},"
                                " \"7\": {\"class_type\": \"TBool\", \"inputs\": {\"b\": \"false\"}},"
                                " \"8\": {\"class_type\": \"TInt\", \"inputs\": {\"value\": {\"__value__\": \"-3\"}}},"
                                " \"9\": {\"class_type\": \"TSeed\", \"inputs\": {\"seed\": 18446744073709551615}},"
                                " \"2\": {\"class_type\": \"TAnySink\", \"inputs\": {\"anything\": [\"1\", 0]}},"
                                " \"3\": {\"class_type\": \"TAnySink\", \"inputs\": {\"anything\": [\"5\", 0]}},"
                                " \"4\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"6\", 0]}},"
                                " \"10\": {\"class_type\": \"TAnySink\", \"inputs\": {\"anything\": [\"7\", 0]}},"
                                " \"11\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"8\", 0]}},"
                                " \"12\": {\"class_type\": \"TAnySink\", \"inputs\": {\"anything\": [\"9\", 0]}}}",
                                &err);
    CHECK(wf != NULL);
    if (!wf) return;
    CHECK_ST(cfy_workflow_validate(rt, wf, NULL, &err), &err);
    char *p = cfy_workflow_prompt_json(wf);
    CHECK(p && strstr(p, "\"x\": 1.0"));                     /* int -> float(1) */
    CHECK(p && strstr(p, "\"s\": \"1.0\""));                 /* str(1.0) */
    CHECK(p && strstr(p, "\"value\": 7}"));                  /* int(7.9) truncates */
    CHECK(p && strstr(p, "\"b\": true"));                    /* bool("false") is True */
    CHECK(p && strstr(p, "\"value\": -3}"));                 /* __value__ unwrapped, int("-3") */
    CHECK(p && strstr(p, "\"seed\": 18446744073709551615")); /* exact 2^64-1 */
    free(p);
    cfy_workflow_free(wf);
    /* seeds above 2^64-1 and below min fail */
    expect_node_error("{\"9\": {\"class_type\": \"TSeed\", \"inputs\": {\"seed\": -1}},"
                      " \"12\": {\"class_type\": \"TAnySink\", \"inputs\": {\"anything\": [\"9\", 0]}}}",
                      "9", "seed", "value_smaller_than_min");
}

static void test_unvalidated_nodes_ignored(void)
{
    /* nodes that are not ancestors of an output are neither validated nor run */
    cfy_error err;
    cJSON *r = NULL;
    CHECK(validate("{\"1\": {\"class_type\": \"TInt\", \"inputs\": {\"value\": 1000}},"
                   " \"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": 3}}}",
                   &err, &r) == CFY_OK);
    CHECK(r == NULL);
    cJSON_Delete(r);
}

int main(void)
{
    rt = tn_runtime();
    if (!rt) return 1;
    RUN(test_valid);
    RUN(test_required_input_missing);
    RUN(test_bad_linked_input);
    RUN(test_return_type_mismatch);
    RUN(test_invalid_input_type);
    RUN(test_min_max);
    RUN(test_value_not_in_list);
    RUN(test_custom_validation_failed);
    RUN(test_link_to_missing_node);
    RUN(test_dependency_cycle);
    RUN(test_missing_node_type);
    RUN(test_no_outputs);
    RUN(test_outputs_failed_details);
    RUN(test_partial_failure);
    RUN(test_coercion_written_back);
    RUN(test_unvalidated_nodes_ignored);
    cfy_runtime_destroy(rt);
    return cfy_test_finish();
}

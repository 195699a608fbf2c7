/* test_json.c — the JSON reader (line/column errors, exact integers, float literals) and Python-style printers. */
#include <math.h>

#include "harness.h"
#include "graph/json.h"

static cJSON *parse(const char *s, cfy_error *err)
{
    cJSON *j = NULL;
    cfy_error_clear(err);
    if (cfy_json_parse(s, strlen(s), "t.json", &j, err) != CFY_OK) return NULL;
    return j;
}

static void expect_error(const char *text, const char *where)
{
    cfy_error err;
    cJSON *j = parse(text, &err);
    CHECK(j == NULL);
    CHECK(err.code == CFY_EPARSE);
    CHECK(strstr(err.message, where) != NULL);
    if (!strstr(err.message, where)) fprintf(stderr, "  got: %s (want %s)\n", err.message, where);
    cJSON_Delete(j);
}

static void test_syntax_errors_have_line_and_column(void)
{
    expect_error("{\"a\": 1,\n \"b\": [1 2]}", "t.json: line 2, column 10");
    expect_error("{\"a\": 1,}", "line 1, column 9");
    expect_error("{\"a\" 1}", "line 1, column 6");
    expect_error("[1, 2", "line 1, column 1");
    expect_error("{\"a\": tru}", "line 1, column 7");
    expect_error("\n\n  {\"a\": \"x\n\"}", "line 3, column 11");
    expect_error("{\"a\": 01}", "line 1, column 8");
    expect_error("{\"a\": 1} x", "line 1, column 10");
    expect_error("", "line 1, column 1");
    expect_error("{\"a\": \"\\q\"}", "line 1, column 8");
    expect_error("{\"a\": -}", "line 1, column 7");
    expect_error("{'a': 1}", "line 1, column 2");
}

static void test_depth_limit(void)
{
    char *deep = malloc(2001);
    memset(deep, '[', 1000);
    memset(deep + 1000, ']', 1000);
    deep[2000] = '\0';
    cfy_error err;
    cJSON *j = parse(deep, &err);
    CHECK(j == NULL && err.code == CFY_EPARSE && strstr(err.message, "nesting"));
    cJSON_Delete(j);
    free(deep);
}

static void test_exact_integers(void)
{
    cfy_error err;
    cJSON *j =
        parse("[18446744073709551615, 9007199254740993, -9223372036854775808, 42, 1.0, 2e3, 9007199254740992]", &err);
    CHECK(j != NULL);
    if (!j) return;
    int64_t v;
    bool u64;
    CHECK(cfy_json_is_int(cJSON_GetArrayItem(j, 0)));
    CHECK(cfy_json_get_int(cJSON_GetArrayItem(j, 0), &v, &u64, &err) == CFY_OK && u64 && (uint64_t)v == UINT64_MAX);
    CHECK(cfy_json_get_int(cJSON_GetArrayItem(j, 1), &v, &u64, &err) == CFY_OK && !u64 && v == 9007199254740993LL);
    CHECK(cfy_json_get_int(cJSON_GetArrayItem(j, 2), &v, &u64, &err) == CFY_OK && v == INT64_MIN);
    CHECK(cfy_json_get_int(cJSON_GetArrayItem(j, 3), &v, &u64, &err) == CFY_OK && v == 42);
    CHECK(!cfy_json_is_int(cJSON_GetArrayItem(j, 4))); /* 1.0 is a float literal */
    CHECK(!cfy_json_is_int(cJSON_GetArrayItem(j, 5)));
    CHECK(cfy_json_is_int(cJSON_GetArrayItem(j, 6)));
    char *s = cfy_json_print_python_style(j);
    CHECK(s && strcmp(s, "[18446744073709551615, 9007199254740993, -9223372036854775808, 42, 1.0, 2000.0, "
                         "9007199254740992]") == 0);
    free(s);
    cJSON_Delete(j);
    cJSON *big = parse("[184467440737095516150]", &err);
    CHECK(big && cfy_json_get_int(cJSON_GetArrayItem(big, 0), &v, &u64, &err) == CFY_EINVAL);
    cJSON_Delete(big);
}

static void test_python_style(void)
{
    cfy_error err;
    cJSON *j =
        parse("{\"t\": \"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\n\", \"n\": null, \"b\": [true, false], \"x\": NaN,"
              " \"i\": -Infinity, \"f\": 0.1, \"e\": 1e-7, \"g\": 1e16, \"h\": 123.456, \"o\": {}}",
              &err);
    CHECK(j != NULL);
    char *s = cfy_json_print_python_style(j);
    const char *want =
        "{\"t\": \"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\n\", \"n\": null, \"b\": [true, false], "
        "\"x\": NaN, \"i\": -Infinity, \"f\": 0.1, \"e\": 1e-07, \"g\": 1e+16, \"h\": 123.456, \"o\": {}}";
    CHECK(s && strcmp(s, want) == 0);
    if (s && strcmp(s, want)) fprintf(stderr, "  got  %s\n  want %s\n", s, want);
    free(s);
    s = cfy_json_print_compact(j);
    CHECK(s && strstr(s, "\"t\":\"café 😀 \\\"q\\\" \\n\",\"n\":null"));
    free(s);
    cJSON_Delete(j);
}

static void test_py_float_repr(void)
{
    char b[64];
    CHECK(strcmp(cfy_json_py_float(1.0, b, sizeof b), "1.0") == 0);
    CHECK(strcmp(cfy_json_py_float(0.1, b, sizeof b), "0.1") == 0);
    CHECK(strcmp(cfy_json_py_float(1e-5, b, sizeof b), "1e-05") == 0);
    CHECK(strcmp(cfy_json_py_float(0.0001, b, sizeof b), "0.0001") == 0);
    CHECK(strcmp(cfy_json_py_float(1e16, b, sizeof b), "1e+16") == 0);
    CHECK(strcmp(cfy_json_py_float(1234567890123456.0, b, sizeof b), "1234567890123456.0") == 0);
    CHECK(strcmp(cfy_json_py_float(-2.5, b, sizeof b), "-2.5") == 0);
    CHECK(strcmp(cfy_json_py_float(1.0 / 3.0, b, sizeof b), "0.3333333333333333") == 0);
    CHECK(strcmp(cfy_json_py_float(123456789012345678.0, b, sizeof b), "1.2345678901234568e+17") == 0);
    CHECK(strcmp(cfy_json_py_float(-0.0, b, sizeof b), "-0.0") == 0);
    CHECK(strcmp(cfy_json_py_float(NAN, b, sizeof b), "nan") == 0);
}

static void test_py_repr(void)
{
    cfy_error err;
    cJSON *j = parse("{\"a\": [1, 2.5, \"it's\", null, true], \"b\": \"x\"}", &err);
    char *s = cfy_json_py_repr(j);
    CHECK(s && strcmp(s, "{'a': [1, 2.5, \"it's\", None, True], 'b': 'x'}") == 0);
    free(s);
    s = cfy_json_py_str(cJSON_GetObjectItemCaseSensitive(j, "b"));
    CHECK(s && strcmp(s, "x") == 0);
    free(s);
    cJSON_Delete(j);
}

static void test_duplicate_keys_keep_last_value(void)
{
    cfy_error err;
    cJSON *j = parse("{\"a\": 1, \"b\": 2, \"a\": 3}", &err);
    char *s = cfy_json_print_compact(j);
    CHECK(s && strcmp(s, "{\"a\":3,\"b\":2}") == 0);
    free(s);
    cJSON_Delete(j);
}

static void test_bom_and_whitespace(void)
{
    cfy_error err;
    cJSON *j = parse("\xEF\xBB\xBF \r\n\t{\"a\": [ ] }\n", &err);
    CHECK(j && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "a")));
    cJSON_Delete(j);
}

static void test_indented(void)
{
    cfy_error err;
    cJSON *j = parse("{\"a\": [1, {\"b\": 2}], \"c\": []}", &err);
    char *s = cfy_json_print_indented(j);
    CHECK(s && strcmp(s, "{\n  \"a\": [\n    1,\n    {\n      \"b\": 2\n    }\n  ],\n  \"c\": []\n}") == 0);
    free(s);
    cJSON_Delete(j);
}

int main(void)
{
    RUN(test_syntax_errors_have_line_and_column);
    RUN(test_depth_limit);
    RUN(test_exact_integers);
    RUN(test_python_style);
    RUN(test_py_float_repr);
    RUN(test_py_repr);
    RUN(test_duplicate_keys_keep_last_value);
    RUN(test_bom_and_whitespace);
    RUN(test_indented);
    return cfy_test_finish();
}

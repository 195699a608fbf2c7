/* test_coerce.c — constant coercion with Python's int()/float()/str()/bool() semantics, link type matching. */
#include <math.h>

#include "harness.h"
#include "graph/json.h"
#include "graph/workflow_internal.h"

/* Coerce the JSON text `in` as type t; returns the compact print of the result, or NULL on failure
 * (the exception text goes to exc). */
static char *co(const char *t, const char *in, char *exc, size_t exc_size)
{
    cJSON *v = NULL;
    cfy_error err;
    if (cfy_json_parse(in, strlen(in), "v", &v, &err) != CFY_OK) return NULL;
    wf_coerced c;
    bool ok = wf_coerce(t, v, &c);
    cJSON_Delete(v);
    if (exc) snprintf(exc, exc_size, "%s", c.exc);
    if (!ok) return NULL;
    char *s = cfy_json_print_python_style(c.json);
    cJSON_Delete(c.json);
    return s;
}

static void expect(const char *t, const char *in, const char *want)
{
    char exc[256];
    char *got = co(t, in, exc, sizeof exc);
    CHECK(got && strcmp(got, want) == 0);
    if (!got || strcmp(got, want))
        fprintf(stderr, "  %s(%s): got %s (%s), want %s\n", t, in, got ? got : "failure", exc, want);
    free(got);
}

static void expect_fail(const char *t, const char *in, const char *exc_part)
{
    char exc[256];
    char *got = co(t, in, exc, sizeof exc);
    CHECK(got == NULL);
    CHECK(strstr(exc, exc_part) != NULL);
    if (got || !strstr(exc, exc_part)) fprintf(stderr, "  %s(%s): got %s / '%s'\n", t, in, got ? got : "failure", exc);
    free(got);
}

static void test_int(void)
{
    expect("INT", "7", "7");
    expect("INT", "7.9", "7");
    expect("INT", "-7.9", "-7");
    expect("INT", "\" 12 \"", "12");
    expect("INT", "\"1_000\"", "1000");
    expect("INT", "true", "1");
    expect("INT", "\"18446744073709551615\"", "18446744073709551615");
    expect_fail("INT", "\"7.0\"", "invalid literal for int() with base 10: '7.0'");
    expect_fail("INT", "null", "not 'NoneType'");
    expect_fail("INT", "NaN", "cannot convert float NaN to integer");
    expect_fail("INT", "Infinity", "cannot convert float infinity to integer");
    expect_fail("INT", "{}", "not 'dict'");
}

static void test_float(void)
{
    expect("FLOAT", "1", "1.0");
    expect("FLOAT", "\"1e3\"", "1000.0");
    expect("FLOAT", "\" -2.5 \"", "-2.5");
    expect("FLOAT", "\"inf\"", "Infinity");
    expect("FLOAT", "\"NaN\"", "NaN");
    expect("FLOAT", "false", "0.0");
    expect_fail("FLOAT", "\"abc\"", "could not convert string to float: 'abc'");
    expect_fail("FLOAT", "\"0x10\"", "could not convert string to float");
    expect_fail("FLOAT", "null", "float() argument must be a string or a real number, not 'NoneType'");
}

static void test_string(void)
{
    expect("STRING", "1.0", "\"1.0\"");
    expect("STRING", "1", "\"1\"");
    expect("STRING", "true", "\"True\"");
    expect("STRING", "null", "\"None\"");
    expect("STRING", "{\"a\": [1, \"b\"]}", "\"{'a': [1, 'b']}\"");
}

static void test_boolean(void)
{
    expect("BOOLEAN", "\"false\"", "true"); /* a non-empty string is True */
    expect("BOOLEAN", "\"\"", "false");
    expect("BOOLEAN", "0", "false");
    expect("BOOLEAN", "0.5", "true");
    expect("BOOLEAN", "[]", "false");
    expect("BOOLEAN", "null", "false");
}

static void test_other_types_unchanged(void)
{
    expect("COMBO", "1", "1");
    expect("IMAGE", "\"x\"", "\"x\"");
}

static void test_types_compatible(void)
{
    CHECK(wf_types_compatible("INT", "INT"));
    CHECK(!wf_types_compatible("IMAGE", "MASK"));
    CHECK(wf_types_compatible("INT,FLOAT", "FLOAT"));
    CHECK(wf_types_compatible("FLOAT", "STRING,FLOAT"));
    CHECK(!wf_types_compatible("INT,FLOAT", "STRING"));
    CHECK(wf_types_compatible("*", "IMAGE"));
    CHECK(wf_types_compatible("LATENT", "*"));
}

int main(void)
{
    RUN(test_int);
    RUN(test_float);
    RUN(test_string);
    RUN(test_boolean);
    RUN(test_other_types_unchanged);
    RUN(test_types_compatible);
    return cfy_test_finish();
}

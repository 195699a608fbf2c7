/* test_prompt.c — ComfyUI prompt weighting (spec segs-upscaler §6.1 examples) and Python float parsing. */
#include <math.h>

#include "harness.h"
#include "models/prompt.h"

static int segs_eq(const char *text, int n, const char *const *texts, const double *weights)
{
    cfy_prompt_segment *s = NULL;
    int got = 0;
    cfy_error err = {0};
    if (cfy_prompt_parse(text, &s, &got, &err) != CFY_OK) return 0;
    int ok = got == n;
    for (int i = 0; ok && i < n; i++) {
        if (strcmp(s[i].text, texts[i]) || s[i].weight != weights[i]) {
            fprintf(stderr, "  '%s': segment %d is ('%s', %.17g), expected ('%s', %.17g)\n", text, i, s[i].text,
                    s[i].weight, texts[i], weights[i]);
            ok = 0;
        }
    }
    if (got != n) fprintf(stderr, "  '%s': %d segments, expected %d\n", text, got, n);
    cfy_prompt_segments_free(s, got);
    return ok;
}

static void test_spec_examples(void)
{
    CHECK(segs_eq("(foo)", 1, (const char *[]){"foo"}, (double[]){1.1}));
    CHECK(segs_eq("((foo))", 1, (const char *[]){"foo"}, (double[]){1.1 * 1.1}));
    CHECK(segs_eq("(foo:2.0)", 1, (const char *[]){"foo"}, (double[]){2.0}));
    CHECK(segs_eq("((foo:1.1))", 1, (const char *[]){"foo"}, (double[]){1.1}));
    CHECK(segs_eq("((foo):1.1)", 1, (const char *[]){"foo"}, (double[]){1.1 * 1.1}));
    CHECK(segs_eq("(:1.5)", 1, (const char *[]){":1.5"}, (double[]){1.1}));
    CHECK(segs_eq("a (cat:1.2) on ((grass))", 4, (const char *[]){"a ", "cat", " on ", "grass"},
                  (double[]){1.0, 1.2, 1.0, 1.2100000000000002}));
}

static void test_escapes_and_unbalanced(void)
{
    CHECK(segs_eq("\\(x\\) (y)", 2, (const char *[]){"(x) ", "y"}, (double[]){1.0, 1.1}));
    CHECK(segs_eq("(a \\) b:1.3)", 1, (const char *[]){"a ) b"}, (double[]){1.3}));
    CHECK(segs_eq("a) (b", 1, (const char *[]){"a) (b"}, (double[]){1.0}));
    CHECK(segs_eq("(a", 1, (const char *[]){"(a"}, (double[]){1.0}));
    CHECK(segs_eq("[x]", 1, (const char *[]){"[x]"}, (double[]){1.0}));
    CHECK(segs_eq("", 0, NULL, NULL));
    CHECK(segs_eq("(a:b:0.5)", 1, (const char *[]){"a:b"}, (double[]){0.5}));
    CHECK(segs_eq("(x: 1e1 )", 1, (const char *[]){"x"}, (double[]){10.0}));
    CHECK(segs_eq("(x:1_5)", 1, (const char *[]){"x"}, (double[]){15.0}));
    CHECK(segs_eq("(x:1__5)", 1, (const char *[]){"x:1__5"}, (double[]){1.1}));
}

static void test_float(void)
{
    double v = 0;
    CHECK(cfy_prompt_parse_float(" 1.5 ", 5, &v) && v == 1.5);
    CHECK(cfy_prompt_parse_float("-.5", 3, &v) && v == -0.5);
    CHECK(cfy_prompt_parse_float("5.", 2, &v) && v == 5.0);
    CHECK(cfy_prompt_parse_float("inf", 3, &v) && isinf(v));
    CHECK(cfy_prompt_parse_float("-Infinity", 9, &v) && isinf(v) && v < 0);
    CHECK(cfy_prompt_parse_float("NaN", 3, &v) && isnan(v));
    CHECK(cfy_prompt_parse_float("1e-2", 4, &v) && v == 0.01);
    CHECK(!cfy_prompt_parse_float("0x10", 4, &v));
    CHECK(!cfy_prompt_parse_float("1e", 2, &v));
    CHECK(!cfy_prompt_parse_float(".", 1, &v));
    CHECK(!cfy_prompt_parse_float("", 0, &v));
    CHECK(!cfy_prompt_parse_float("1.2.3", 5, &v));
    CHECK(!cfy_prompt_parse_float("_1", 2, &v));
}

int main(void)
{
    RUN(test_spec_examples);
    RUN(test_escapes_and_unbalanced);
    RUN(test_float);
    return cfy_test_finish();
}

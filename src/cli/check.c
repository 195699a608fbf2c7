/* check.c — `comfyc check SUITE.json`: run a list of workflows, compare one image output of each
 * with a golden image under tolerances, print a summary and write a JUnit XML report.
 *
 * Suite file (paths relative to the suite file's folder):
 *   {
 *     "name": "segs-upscaler",                      optional; the JUnit testsuite name
 *     "models": "../build/models", "input_dir": "input",   optional defaults for every case
 *     "defaults": {"psnr_min": 40, "ssim_min": 0.98, "max_diff": 0.05},
 *     "cases": [
 *       {"name": "tiled", "workflow": "a.api.json", "output": "6" or "6:0",
 *        "golden": "golden/a.png" (or .npy), "set": {"6.seed": 7} or ["6.seed=7"],
 *        "psnr_min": 45, ...}
 *     ]
 *   }
 * A PNG golden is compared with the output quantized as SaveImage writes it; a .npy golden with
 * the float output. Exit codes: 0 every case passed, 1 a case failed or errored, 2 bad suite or
 * arguments. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cli/cli.h"
#include "cli/regress.h"
#include "core/fsutil.h"
#include "core/png_text.h"
#include "image/convert.h"

static const char check_usage[] =
    "usage: comfyc check SUITE.json [options]\n"
    "\n"
    "Run every workflow of a suite, compare the chosen image output with its golden image\n"
    "(PSNR / SSIM / largest difference within the case's tolerances) and report pass/fail.\n"
    "\n"
    "options:\n"
    "  --junit FILE.xml     write a JUnit XML report (for CI)\n"
    "  --update-golden      write each case's output as its golden (PNG or .npy by extension)\n"
    "  --case NAME          run only this case (repeatable)\n"
    "%s"
    "\n"
    "exit codes: 0 all cases passed, 1 a case failed or could not run, 2 bad suite or arguments\n";

#define MAX_CASES 256
#define MAX_ONLY 32

typedef struct case_result {
    char name[128];
    double seconds;
    int status; /* 0 pass, 1 failure, 2 error */
    char message[768];
    cfy_image_metrics m;
    bool have_metrics;
} case_result;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* dir/rel unless rel is absolute. Returns new malloc'd string or NULL. */
static char *resolve(const char *dir, const char *rel)
{
    if (!rel) return NULL;
    size_t n = strlen(dir) + strlen(rel) + 2;
    char *p = malloc(n);
    if (!p) return NULL;
    if (rel[0] == '/')
        snprintf(p, n, "%s", rel);
    else
        snprintf(p, n, "%s/%s", dir, rel);
    return p;
}

static double num_or(const cJSON *obj, const char *key, double def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (cJSON_IsNumber(v)) return v->valuedouble;
    if (cJSON_IsNull(v)) return -1;
    return def;
}

static const char *str_or(const cJSON *obj, const char *key, const char *def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : def;
}

/* Apply "set": {"6.seed": 7} or ["6.seed=7"]. */
static cfy_status apply_sets(cfy_workflow *wf, const cJSON *sets, cfy_error *err)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, sets)
    {
        char spec[512], node[128], input[128];
        char *json_val = NULL;
        if (cJSON_IsString(s)) {
            snprintf(spec, sizeof spec, "%s", s->valuestring);
        } else if (s->string) {
            json_val = cJSON_PrintUnformatted(s);
            snprintf(spec, sizeof spec, "%s=%s", s->string, json_val ? json_val : "null");
            free(json_val);
        } else {
            return cfy_error_set(err, CFY_EINVAL, "\"set\" entries are \"NODE.INPUT=VALUE\" strings or an object");
        }
        char *eq = strchr(spec, '=');
        char *dot = NULL;
        for (char *p = spec; eq && p < eq; p++)
            if (*p == '.') dot = p;
        if (!eq || !dot || dot == spec || dot + 1 == eq)
            return cfy_error_set(err, CFY_EINVAL, "\"set\" entry '%s' is not NODE.INPUT=VALUE", spec);
        snprintf(node, sizeof node, "%.*s", (int)(dot - spec), spec);
        snprintf(input, sizeof input, "%.*s", (int)(eq - dot - 1), dot + 1);
        cfy_status st = cfy_workflow_set_input(wf, node, input, eq + 1, err);
        if (st) return st;
    }
    return CFY_OK;
}

static cfy_status write_golden(const cfy_tensor *img, const char *path, cfy_error *err)
{
    if (cfy_path_has_suffix(path, ".npy")) return cfy_tensor_save_npy(img, path, err);
    cfy_tensor *q = NULL;
    cfy_status st = cfy_image_to_u8(NULL, img, &q, err);
    if (!st)
        st = cfy_png_write(path, cfy_tensor_data(q), (int)q->sizes[1], (int)q->sizes[0], (int)q->sizes[2], NULL, 0, 4,
                           err);
    cfy_tensor_release(q);
    return st;
}

/* Run one case into r. */
static void run_case(cli_common *base, const char *dir, const cJSON *suite, const cJSON *c, bool update, case_result *r)
{
    cfy_error err;
    cfy_error_clear(&err);
    double t0 = now_s();
    const cJSON *defaults = cJSON_GetObjectItemCaseSensitive(suite, "defaults");
    cli_thresholds t = {num_or(defaults, "psnr_min", 40.0), num_or(defaults, "ssim_min", -1),
                        num_or(defaults, "max_diff", -1)};
    t.psnr_min = num_or(c, "psnr_min", t.psnr_min);
    t.ssim_min = num_or(c, "ssim_min", t.ssim_min);
    t.max_diff = num_or(c, "max_diff", t.max_diff);
    char *wf_path = resolve(dir, str_or(c, "workflow", NULL));
    char *golden = resolve(dir, str_or(c, "golden", NULL));
    char *models = resolve(dir, str_or(c, "models", str_or(suite, "models", NULL)));
    char *input = resolve(dir, str_or(c, "input_dir", str_or(suite, "input_dir", NULL)));
    const char *output = str_or(c, "output", NULL);
    cfy_runtime *rt = NULL;
    cfy_workflow *wf = NULL;
    cfy_tensor *got = NULL, *ref = NULL;
    r->status = 2;
    if (!wf_path || !golden || !output) {
        snprintf(r->message, sizeof r->message, "case needs \"workflow\", \"output\" and \"golden\"");
        goto done;
    }
    cli_common cc = *base;
    cc.verbosity = base->verbosity > 1 ? 1 : 0; /* per-node progress only with -v */
    if (models && !base->opts.models_dir) cc.opts.models_dir = models;
    if (input && !base->opts.input_dir) cc.opts.input_dir = input;
    if (cli_runtime_create(&cc, &rt) != CLI_OK) {
        snprintf(r->message, sizeof r->message, "cannot create the runtime");
        goto done;
    }
    char node[128];
    int index = 0;
    snprintf(node, sizeof node, "%s", output);
    char *colon = strrchr(node, ':');
    if (colon) {
        index = atoi(colon + 1);
        *colon = '\0';
    }
    cfy_status st = cfy_workflow_load(rt, wf_path, &wf, &err);
    if (!st) st = apply_sets(wf, cJSON_GetObjectItemCaseSensitive(c, "set"), &err);
    if (!st) st = cfy_workflow_run(rt, wf, NULL, &err);
    if (st) {
        cfy_error_format(&err, r->message, sizeof r->message);
        goto done;
    }
    const cfy_value *v = cfy_workflow_output(rt, wf, node, index);
    if (!v || cfy_value_kind(v) != CFY_KIND_TENSOR || strcmp(cfy_value_type(v), CFY_T_IMAGE) != 0) {
        snprintf(r->message, sizeof r->message, "output %s of the workflow is not an IMAGE that ran", output);
        goto done;
    }
    bool as_png = !cfy_path_has_suffix(golden, ".npy");
    if ((st = cli_first_image(cfy_value_tensor(v), as_png, &got, &err))) goto fmt;
    if (update) {
        if ((st = write_golden(got, golden, &err))) goto fmt;
        r->status = 0;
        snprintf(r->message, sizeof r->message, "golden written: %s", golden);
        goto done;
    }
    if ((st = cli_load_compare_image(golden, &ref, &err))) goto fmt;
    if ((st = cfy_image_compare(got, ref, &r->m, &err))) {
        r->status = 1;
        cfy_error_format(&err, r->message, sizeof r->message);
        goto done;
    }
    r->have_metrics = true;
    char why[256];
    if (cli_thresholds_pass(&t, &r->m, why, sizeof why)) {
        r->status = 0;
    } else {
        r->status = 1;
        snprintf(r->message, sizeof r->message, "%s", why);
    }
    goto done;
fmt:
    cfy_error_format(&err, r->message, sizeof r->message);
done:
    r->seconds = now_s() - t0;
    cfy_tensor_release(got);
    cfy_tensor_release(ref);
    cfy_workflow_free(wf);
    cfy_runtime_destroy(rt);
    free(wf_path);
    free(golden);
    free(models);
    free(input);
}

static void xml_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&apos;", f);
            break;
        default:
            if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
                fputc(' ', f);
            else
                fputc(*s, f);
        }
    }
}

static int write_junit(const char *path, const char *suite_name, const case_result *res, int n)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "comfyc check: cannot write %s\n", path);
        return CLI_RUNTIME;
    }
    int fails = 0, errors = 0;
    double total = 0;
    for (int i = 0; i < n; i++) {
        fails += res[i].status == 1;
        errors += res[i].status == 2;
        total += res[i].seconds;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"");
    xml_escaped(f, suite_name);
    fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" time=\"%.3f\">\n", n, fails, errors, total);
    for (int i = 0; i < n; i++) {
        const case_result *r = &res[i];
        fprintf(f, "    <testcase classname=\"");
        xml_escaped(f, suite_name);
        fprintf(f, "\" name=\"");
        xml_escaped(f, r->name);
        fprintf(f, "\" time=\"%.3f\">\n", r->seconds);
        if (r->have_metrics)
            fprintf(f, "      <system-out>psnr_db=%.4f ssim=%.6f max_abs_diff=%.8g different=%lld/%lld</system-out>\n",
                    isinf(r->m.psnr_db) ? 999.0 : r->m.psnr_db, r->m.ssim, r->m.max_abs_diff,
                    (long long)r->m.n_different, (long long)r->m.n_values);
        if (r->status) {
            fprintf(f, "      <%s message=\"", r->status == 1 ? "failure" : "error");
            xml_escaped(f, r->message);
            fprintf(f, "\"/>\n");
        }
        fprintf(f, "    </testcase>\n");
    }
    fprintf(f, "  </testsuite>\n</testsuites>\n");
    if (fclose(f) != 0) {
        fprintf(stderr, "comfyc check: cannot write %s\n", path);
        return CLI_RUNTIME;
    }
    return CLI_OK;
}

int cmd_check(int argc, char **argv)
{
    cli_common c;
    cli_common_init(&c);
    const char *suite_path = NULL, *junit = NULL, *only[MAX_ONLY];
    int n_only = 0;
    bool update = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int k = cli_common_option(&c, argc, argv, &i);
        if (k < 0) return CLI_INVALID;
        if (k > 0) continue;
        if (cli_is_help(a)) {
            printf(check_usage, cli_common_help);
            return CLI_OK;
        }
        if (strcmp(a, "--junit") == 0) {
            if (!(junit = cli_value(argc, argv, &i))) return CLI_INVALID;
        } else if (strcmp(a, "--update-golden") == 0) {
            update = true;
        } else if (strcmp(a, "--case") == 0) {
            const char *v = cli_value(argc, argv, &i);
            if (!v || n_only == MAX_ONLY) return CLI_INVALID;
            only[n_only++] = v;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "comfyc check: unknown option '%s'\n", a);
            return CLI_INVALID;
        } else if (!suite_path) {
            suite_path = a;
        } else {
            fprintf(stderr, "comfyc check: more than one suite given ('%s')\n", a);
            return CLI_INVALID;
        }
    }
    if (!suite_path) {
        fprintf(stderr, "comfyc check: no SUITE.json given\n");
        return CLI_INVALID;
    }
    void *data = NULL;
    size_t size = 0;
    cfy_error err;
    cfy_error_clear(&err);
    if (cfy_read_file(suite_path, (size_t)64 << 20, &data, &size, &err) != CFY_OK) {
        cli_print_error("check", &err);
        return CLI_INVALID;
    }
    cJSON *suite = cJSON_ParseWithLength(data, size);
    free(data);
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(suite, "cases");
    if (!suite || !cJSON_IsArray(cases) || cJSON_GetArraySize(cases) > MAX_CASES) {
        fprintf(stderr, "comfyc check: %s: expected a JSON object with a \"cases\" array (at most %d)\n", suite_path,
                MAX_CASES);
        cJSON_Delete(suite);
        return CLI_INVALID;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", suite_path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    const char *suite_name = str_or(suite, "name", suite_path);
    case_result *res = calloc(MAX_CASES, sizeof *res);
    if (!res) {
        cJSON_Delete(suite);
        return CLI_RUNTIME;
    }
    int n = 0, failed = 0;
    const cJSON *cs;
    cJSON_ArrayForEach(cs, cases)
    {
        const char *name = str_or(cs, "name", str_or(cs, "workflow", "case"));
        bool selected = n_only == 0;
        for (int k = 0; k < n_only; k++)
            selected |= strcmp(only[k], name) == 0;
        if (!selected) continue;
        case_result *r = &res[n++];
        snprintf(r->name, sizeof r->name, "%s", name);
        run_case(&c, dir, suite, cs, update, r);
        failed += r->status != 0;
        const char *label = r->status == 0 ? "PASS" : r->status == 1 ? "FAIL" : "ERROR";
        if (r->have_metrics)
            printf("%-5s %s  PSNR %.2f dB  SSIM %.5f  max abs diff %.1f/255  (%.2f s)%s%s\n", label, r->name,
                   isinf(r->m.psnr_db) ? INFINITY : r->m.psnr_db, r->m.ssim, r->m.max_abs_diff * 255.0, r->seconds,
                   r->status ? ": " : "", r->status ? r->message : "");
        else
            printf("%-5s %s  (%.2f s)%s%s\n", label, r->name, r->seconds, r->message[0] ? ": " : "", r->message);
        fflush(stdout);
    }
    printf("%d of %d cases passed\n", n - failed, n);
    int rc = failed ? CLI_RUNTIME : CLI_OK;
    if (junit && write_junit(junit, suite_name, res, n) != CLI_OK) rc = CLI_RUNTIME;
    free(res);
    cJSON_Delete(suite);
    return rc;
}

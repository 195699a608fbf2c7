/* validate.c — `comfyc validate` (ComfyUI's error JSON) and `comfyc convert` (UI → API JSON). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/fsutil.h"
#include "core/png_text.h"

static const char validate_usage[] =
    "usage: comfyc validate WORKFLOW [options]\n"
    "\n"
    "Validate a workflow as ComfyUI does. Prints {\"error\": ..., \"node_errors\": {...}} on stdout\n"
    "(error is null when the workflow is valid; node_errors lists outputs that would be skipped).\n"
    "\n"
    "options:\n"
    "  --set NODE.INPUT=VALUE   set a constant input first (as for run)\n"
    "%s"
    "\n"
    "exit codes: 0 valid, 2 invalid workflow or arguments, 1 other failures\n";

static const char convert_usage[] =
    "usage: comfyc convert UI.json|IMAGE.png [options]\n"
    "\n"
    "Convert a UI (litegraph) workflow, or the `workflow` chunk of a PNG, to an API prompt as\n"
    "ComfyUI's frontend does, and print it on stdout.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE        write to FILE instead of stdout\n"
    "%s"
    "\n"
    "exit codes: 0 ok, 2 invalid workflow or arguments, 1 other failures\n";

/* Print a load/parse failure in ComfyUI's error shape (type invalid_prompt). */
static void print_load_error(const cfy_error *err)
{
    char buf[1024];
    cfy_error_format(err, buf, sizeof buf);
    printf("{\"error\": {\"type\": \"invalid_prompt\", \"message\": \"");
    for (const char *p = buf; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if ((unsigned char)*p < 0x20)
            printf("\\u%04x", (unsigned char)*p);
        else
            putchar(*p);
    }
    printf("\", \"details\": \"\", \"extra_info\": {}}, \"node_errors\": {}}\n");
}

int cmd_validate(int argc, char **argv)
{
    cli_common c;
    cli_common_init(&c);
    const char *workflow = NULL;
    const char *sets[256];
    int n_sets = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int k = cli_common_option(&c, argc, argv, &i);
        if (k < 0) return CLI_INVALID;
        if (k > 0) continue;
        if (cli_is_help(a)) {
            printf(validate_usage, cli_common_help);
            return CLI_OK;
        }
        if (strcmp(a, "--set") == 0) {
            const char *v = cli_value(argc, argv, &i);
            if (!v || n_sets == 256) return CLI_INVALID;
            sets[n_sets++] = v;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "comfyc validate: unknown option '%s'\ntry 'comfyc validate --help'\n", a);
            return CLI_INVALID;
        } else if (!workflow) {
            workflow = a;
        } else {
            fprintf(stderr, "comfyc validate: more than one workflow given\n");
            return CLI_INVALID;
        }
    }
    if (!workflow) {
        fprintf(stderr, "comfyc validate: no WORKFLOW given\ntry 'comfyc validate --help'\n");
        return CLI_INVALID;
    }
    cfy_runtime *rt = NULL;
    int rc = cli_runtime_create(&c, &rt);
    if (rc != CLI_OK) return rc;
    cfy_error err;
    cfy_error_clear(&err);
    cfy_workflow *wf = NULL;
    cfy_status st = cfy_workflow_load(rt, workflow, &wf, &err);
    if (st != CFY_OK) {
        print_load_error(&err);
        cli_print_error(NULL, &err);
        cfy_runtime_destroy(rt);
        return st == CFY_ENOMEM ? CLI_RUNTIME : CLI_INVALID;
    }
    for (int i = 0; i < n_sets && rc == CLI_OK; i++) {
        const char *eq = strchr(sets[i], '='), *dot = NULL;
        for (const char *p = sets[i]; eq && p < eq; p++)
            if (*p == '.') dot = p;
        if (!eq || !dot) {
            fprintf(stderr, "comfyc: --set expects NODE.INPUT=VALUE, got '%s'\n", sets[i]);
            rc = CLI_INVALID;
            break;
        }
        char node[256], input[256];
        snprintf(node, sizeof node, "%.*s", (int)(dot - sets[i]), sets[i]);
        snprintf(input, sizeof input, "%.*s", (int)(eq - dot - 1), dot + 1);
        if (cfy_workflow_set_input(wf, node, input, eq + 1, &err) != CFY_OK) {
            cli_print_error("--set", &err);
            rc = CLI_INVALID;
        }
    }
    if (rc == CLI_OK) {
        char *report = NULL;
        st = cfy_workflow_validate(rt, wf, &report, &err);
        if (st == CFY_OK || st == CFY_EVALIDATION) {
            printf("%s\n", report ? report : "{\"error\": null, \"node_errors\": {}}");
            if (st != CFY_OK) cli_print_error("invalid workflow", &err);
        } else {
            cli_print_error(NULL, &err);
        }
        free(report);
        rc = cli_exit_code(st);
    }
    cfy_workflow_free(wf);
    cfy_runtime_destroy(rt);
    return rc;
}

int cmd_convert(int argc, char **argv)
{
    cli_common c;
    cli_common_init(&c);
    const char *input = NULL, *output = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int k = cli_common_option(&c, argc, argv, &i);
        if (k < 0) return CLI_INVALID;
        if (k > 0) continue;
        if (cli_is_help(a)) {
            printf(convert_usage, cli_common_help);
            return CLI_OK;
        }
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (!(output = cli_value(argc, argv, &i))) return CLI_INVALID;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "comfyc convert: unknown option '%s'\ntry 'comfyc convert --help'\n", a);
            return CLI_INVALID;
        } else if (!input) {
            input = a;
        } else {
            fprintf(stderr, "comfyc convert: more than one input given\n");
            return CLI_INVALID;
        }
    }
    if (!input) {
        fprintf(stderr, "comfyc convert: no UI.json given\ntry 'comfyc convert --help'\n");
        return CLI_INVALID;
    }
    cfy_error err;
    cfy_error_clear(&err);
    void *data = NULL;
    size_t size = 0;
    cfy_status st = cfy_read_file(input, (size_t)256 << 20, &data, &size, &err);
    if (st != CFY_OK) {
        cli_print_error(NULL, &err);
        return CLI_INVALID;
    }
    char *text = data;
    if (cfy_png_is_png(data, size)) {
        text = NULL;
        st = cfy_png_read_text(data, size, "workflow", &text, &err);
        if (st != CFY_OK) {
            if (st == CFY_ENOTFOUND)
                fprintf(stderr, "comfyc: %s: the PNG has no 'workflow' text chunk\n", input);
            else
                cli_print_error(input, &err);
            free(data);
            return CLI_INVALID;
        }
    }
    cfy_runtime *rt = NULL;
    int rc = cli_runtime_create(&c, &rt);
    char *api = NULL;
    if (rc == CLI_OK) {
        st = cfy_workflow_convert_ui(rt, text, &api, &err);
        if (st != CFY_OK) {
            cli_print_error(input, &err);
            rc = st == CFY_ENOMEM ? CLI_RUNTIME : CLI_INVALID;
        }
    }
    if (rc == CLI_OK) {
        if (output) {
            size_t len = strlen(api);
            api[len] = '\0';
            char *with_nl = malloc(len + 2);
            if (with_nl) {
                memcpy(with_nl, api, len);
                with_nl[len] = '\n';
                st = cfy_write_file_atomic(output, with_nl, len + 1, &err);
                free(with_nl);
            } else {
                st = CFY_ENOMEM;
            }
            if (st != CFY_OK) {
                cli_print_error("--output", &err);
                rc = CLI_RUNTIME;
            }
        } else {
            printf("%s\n", api);
        }
    }
    free(api);
    if (text != data) free(text);
    free(data);
    cfy_runtime_destroy(rt);
    return rc;
}

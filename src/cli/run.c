/* run.c — `comfyc run`: load, edit (--set), validate and execute a workflow; dumps and a JSON report. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static const char run_usage[] =
    "usage: comfyc run WORKFLOW [options]\n"
    "\n"
    "Execute a workflow: API JSON, UI JSON (converted as ComfyUI's frontend does) or a PNG\n"
    "carrying a `prompt` or `workflow` text chunk. Only output nodes and their ancestors run.\n"
    "\n"
    "options:\n"
    "  --set NODE.INPUT=VALUE   set a constant input (VALUE as JSON; a bare word is a string)\n"
    "  --dump NODE[:OUTPUT]=FILE.npy  write a tensor output (IMAGE, MASK, LATENT samples, ...)\n"
    "                           as NumPy .npy; OUTPUT is an index or name (default 0)\n"
    "  --report FILE.json       write the run report: per-node status and timing, files, errors\n"
    "  --repeat N               run N times in one process (later runs reuse cached outputs)\n"
    "%s"
    "\n"
    "exit codes: 0 ok, 1 runtime failure or interrupted, 2 invalid workflow or arguments\n";

#define MAX_EDITS 256

typedef struct dump_spec {
    const char *node; /* points into an owned copy */
    const char *output;
    const char *file;
    char *owned;
} dump_spec;

/* The runtime Ctrl-C interrupts (a CLI-only global: the signal handler needs it). */
static cfy_runtime *volatile g_interrupt_rt;

static void on_sigint(int sig)
{
    (void)sig;
    static const char msg[] = "\ncomfyc: interrupting after the current node or step (Ctrl-C again to kill)\n";
    if (g_interrupt_rt) cfy_runtime_interrupt(g_interrupt_rt);
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w; /* nothing to do when stderr is gone */
}

static void install_sigint(cfy_runtime *rt)
{
    g_interrupt_rt = rt;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sa.sa_flags = SA_RESETHAND; /* a second Ctrl-C kills */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

/* --set NODE.INPUT=VALUE: node ids may hold ':' or '.', input names do not: split at the last '.' before '='. */
static int apply_set(cfy_workflow *wf, const char *spec)
{
    const char *eq = strchr(spec, '=');
    const char *dot = NULL;
    for (const char *p = spec; eq && p < eq; p++)
        if (*p == '.') dot = p;
    if (!eq || !dot || dot == spec || dot + 1 == eq) {
        fprintf(stderr, "comfyc: --set expects NODE.INPUT=VALUE, got '%s'\n", spec);
        return CLI_INVALID;
    }
    char node[256], input[256];
    snprintf(node, sizeof node, "%.*s", (int)(dot - spec), spec);
    snprintf(input, sizeof input, "%.*s", (int)(eq - dot - 1), dot + 1);
    cfy_error err;
    cfy_error_clear(&err);
    if (cfy_workflow_set_input(wf, node, input, eq + 1, &err) != CFY_OK) {
        cli_print_error("--set", &err);
        return CLI_INVALID;
    }
    return CLI_OK;
}

/* --dump NODE[:OUTPUT]=FILE: the output part is split off only when NODE:OUTPUT is not itself a
 * node id (subgraph ids look like "5:3"). */
static int parse_dump(const char *spec, dump_spec *d)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || !eq[1]) {
        fprintf(stderr, "comfyc: --dump expects NODE[:OUTPUT]=FILE.npy, got '%s'\n", spec);
        return CLI_INVALID;
    }
    d->owned = strdup(spec);
    if (!d->owned) return CLI_RUNTIME;
    d->owned[eq - spec] = '\0';
    d->node = d->owned;
    d->output = NULL;
    d->file = d->owned + (eq - spec) + 1;
    return CLI_OK;
}

/* Resolve a dump's node and output index against the loaded workflow's node classes. */
static int resolve_dump(cfy_runtime *rt, cfy_workflow *wf, dump_spec *d, char **node_out, int *index_out)
{
    char *node = strdup(d->node);
    if (!node) return CLI_RUNTIME;
    const char *out = NULL;
    char *colon = strrchr(node, ':');
    /* prefer the whole text as a node id */
    if (colon && !cfy_workflow_output(rt, wf, node, 0)) {
        *colon = '\0';
        out = colon + 1;
        if (!cfy_workflow_output(rt, wf, node, 0)) {
            *colon = ':';
            out = NULL;
        }
    }
    int index = 0;
    if (out && *out) {
        char *end;
        long v = strtol(out, &end, 10);
        if (*end == '\0') {
            index = (int)v;
        } else {
            /* an output name: search the node's class outputs by name or type */
            index = -1;
            for (int i = 0; i < 64 && index < 0; i++) {
                const cfy_value *val = cfy_workflow_output(rt, wf, node, i);
                if (!val) break;
                if (strcmp(cfy_value_type(val), out) == 0) index = i;
            }
            if (index < 0) {
                fprintf(stderr, "comfyc: --dump %s: node %s has no output named '%s'\n", d->node, node, out);
                free(node);
                return CLI_INVALID;
            }
        }
    }
    *node_out = node;
    *index_out = index;
    return CLI_OK;
}

static int write_dump(cfy_runtime *rt, cfy_workflow *wf, dump_spec *d)
{
    char *node = NULL;
    int index = 0;
    int rc = resolve_dump(rt, wf, d, &node, &index);
    if (rc != CLI_OK) return rc;
    const cfy_value *v = cfy_workflow_output(rt, wf, node, index);
    if (!v) {
        fprintf(stderr, "comfyc: --dump %s: node %s output %d has no value (not executed, or no such output)\n",
                d->node, node, index);
        free(node);
        return CLI_INVALID;
    }
    const cfy_tensor *t = NULL;
    if (cfy_value_kind(v) == CFY_KIND_TENSOR)
        t = cfy_value_tensor(v);
    else if (strcmp(cfy_value_type(v), CFY_T_LATENT) == 0 && cfy_value_latent(v))
        t = cfy_value_latent(v)->samples;
    cfy_tensor *scalar = NULL;
    cfy_error err;
    cfy_error_clear(&err);
    if (!t && (cfy_value_kind(v) == CFY_KIND_INT || cfy_value_kind(v) == CFY_KIND_FLOAT ||
               cfy_value_kind(v) == CFY_KIND_BOOL)) {
        /* scalars become 0-d arrays */
        bool is_int = cfy_value_kind(v) != CFY_KIND_FLOAT;
        if (cfy_tensor_new(is_int ? CFY_I64 : CFY_F32, cfy_cpu(), 0, NULL, false, &scalar, &err) == CFY_OK) {
            if (is_int)
                *(int64_t *)cfy_tensor_data(scalar) =
                    cfy_value_kind(v) == CFY_KIND_BOOL ? cfy_value_bool(v) : cfy_value_int(v);
            else
                *(float *)cfy_tensor_data(scalar) = (float)cfy_value_float(v);
            t = scalar;
        }
    }
    if (!t) {
        fprintf(stderr, "comfyc: --dump %s: output %d of node %s is %s, not a tensor\n", d->node, index, node,
                cfy_value_type(v));
        free(node);
        return CLI_INVALID;
    }
    cfy_status st = cfy_tensor_save_npy(t, d->file, &err);
    cfy_tensor_release(scalar);
    free(node);
    if (st != CFY_OK) {
        cli_print_error("--dump", &err);
        return CLI_RUNTIME;
    }
    return CLI_OK;
}

static int write_report(cfy_runtime *rt, cfy_workflow *wf, const char *path)
{
    char *json = cfy_workflow_report_json(rt, wf);
    if (!json) {
        fprintf(stderr, "comfyc: --report: out of memory\n");
        return CLI_RUNTIME;
    }
    FILE *f = fopen(path, "wb");
    int rc = CLI_OK;
    if (!f || fputs(json, f) < 0 || fputc('\n', f) == EOF) rc = CLI_RUNTIME;
    if (f && fclose(f) != 0) rc = CLI_RUNTIME;
    if (rc != CLI_OK) fprintf(stderr, "comfyc: --report: cannot write %s\n", path);
    free(json);
    return rc;
}

/* The report of a workflow that could not be loaded: status "invalid" and the error. */
static void write_load_failure_report(const char *path, const cfy_error *err)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "comfyc: --report: cannot write %s\n", path);
        return;
    }
    fprintf(f,
            "{\n  \"status\": \"invalid\",\n  \"nodes_executed\": 0,\n  \"nodes_cached\": 0,\n  \"nodes\": [],\n"
            "  \"files\": [],\n  \"outputs\": {},\n  \"error\": {\"code\": \"%s\", \"node_id\": \"\", \"class_type\": "
            "\"\", "
            "\"input\": \"\", \"message\": \"",
            cfy_status_name(err->code));
    for (const char *p = err->message; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if ((unsigned char)*p < 0x20)
            fprintf(f, "\\u%04x", (unsigned char)*p);
        else
            fputc(*p, f);
    }
    fprintf(f, "\"}\n}\n");
    if (fclose(f) != 0) fprintf(stderr, "comfyc: --report: cannot write %s\n", path);
}

int cmd_run(int argc, char **argv)
{
    cli_common c;
    cli_common_init(&c);
    const char *workflow = NULL, *report = NULL;
    const char *sets[MAX_EDITS];
    dump_spec dumps[MAX_EDITS];
    int n_sets = 0, n_dumps = 0, repeat = 1, rc = CLI_OK;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int k = cli_common_option(&c, argc, argv, &i);
        if (k < 0) goto bad_args;
        if (k > 0) continue;
        if (cli_is_help(a)) {
            printf(run_usage, cli_common_help);
            rc = CLI_OK;
            goto out;
        }
        if (strcmp(a, "--set") == 0 || strcmp(a, "--dump") == 0) {
            const char *v = cli_value(argc, argv, &i);
            if (!v) goto bad_args;
            if (n_sets == MAX_EDITS || n_dumps == MAX_EDITS) {
                fprintf(stderr, "comfyc: too many --set/--dump options\n");
                goto bad_args;
            }
            if (a[2] == 's')
                sets[n_sets++] = v;
            else if ((rc = parse_dump(v, &dumps[n_dumps])) != CLI_OK)
                goto out;
            else
                n_dumps++;
        } else if (strcmp(a, "--report") == 0) {
            if (!(report = cli_value(argc, argv, &i))) goto bad_args;
        } else if (strcmp(a, "--repeat") == 0) {
            const char *v = cli_value(argc, argv, &i);
            char *end;
            long n = v ? strtol(v, &end, 10) : 0;
            if (!v || *end || n < 1 || n > 100000) {
                fprintf(stderr, "comfyc: --repeat needs a count of 1 or more\n");
                goto bad_args;
            }
            repeat = (int)n;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "comfyc run: unknown option '%s'\n", a);
            goto bad_args;
        } else if (!workflow) {
            workflow = a;
        } else {
            fprintf(stderr, "comfyc run: more than one workflow given ('%s')\n", a);
            goto bad_args;
        }
    }
    if (!workflow) {
        fprintf(stderr, "comfyc run: no WORKFLOW given\n");
        goto bad_args;
    }

    cfy_runtime *rt = NULL;
    if ((rc = cli_runtime_create(&c, &rt)) != CLI_OK) goto out;
    cfy_error err;
    cfy_error_clear(&err);
    cfy_workflow *wf = NULL;
    cfy_status st = cfy_workflow_load(rt, workflow, &wf, &err);
    if (st != CFY_OK) {
        cli_print_error(NULL, &err);
        rc = st == CFY_ENOMEM ? CLI_RUNTIME : CLI_INVALID;
        if (report) write_load_failure_report(report, &err);
        cfy_runtime_destroy(rt);
        goto out;
    }
    for (int i = 0; i < n_sets && rc == CLI_OK; i++)
        rc = apply_set(wf, sets[i]);
    if (rc == CLI_OK) {
        install_sigint(rt);
        for (int r = 0; r < repeat; r++) {
            cfy_run_stats stats;
            cfy_error_clear(&err);
            if (r > 0 && cfy_runtime_interrupted(rt)) {
                /* Ctrl-C after the last node of the previous run: cfy_workflow_run would clear the flag */
                fprintf(stderr, "comfyc: interrupted after run %d of %d\n", r, repeat);
                rc = CLI_RUNTIME;
                break;
            }
            st = cfy_workflow_run(rt, wf, &stats, &err);
            if (st == CFY_EVALIDATION) {
                char *report_json = NULL;
                cfy_error verr;
                if (cfy_workflow_validate(rt, wf, &report_json, &verr) == CFY_EVALIDATION && report_json)
                    fprintf(stderr, "%s\n", report_json);
                free(report_json);
                cli_print_error("invalid workflow", &err);
                rc = CLI_INVALID;
                break;
            }
            if (st != CFY_OK) {
                cli_print_error(st == CFY_EINTERRUPTED ? "interrupted" : "run failed", &err);
                rc = CLI_RUNTIME;
                break;
            }
            if (c.verbosity > 0)
                fprintf(stderr, "run %d/%d: %d executed, %d cached, %.3f s\n", r + 1, repeat, stats.nodes_executed,
                        stats.nodes_cached, stats.seconds);
        }
        g_interrupt_rt = NULL;
        signal(SIGINT, SIG_DFL);
    }
    if (rc == CLI_OK)
        for (int i = 0; i < n_dumps && rc == CLI_OK; i++)
            rc = write_dump(rt, wf, &dumps[i]);
    if (report) {
        int rrc = write_report(rt, wf, report);
        if (rc == CLI_OK) rc = rrc;
    }
    cfy_workflow_free(wf);
    cfy_runtime_destroy(rt);
    goto out;
bad_args:
    fprintf(stderr, "try 'comfyc run --help'\n");
    rc = CLI_INVALID;
out:
    for (int i = 0; i < n_dumps; i++)
        free(dumps[i].owned);
    return rc;
}

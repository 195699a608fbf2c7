/* common.c — options every comfyc command shares (folders, device, plugins) and error printing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

const char cli_common_help[] = "  --input-dir DIR      LoadImage's folder (default: input)\n"
                               "  --output-dir DIR     SaveImage's folder (default: output)\n"
                               "  --temp-dir DIR       PreviewImage's folder (default: temp)\n"
                               "  --models DIR         ComfyUI models/ folder (default: models)\n"
                               "  --extra-model-paths FILE  extra_model_paths.yaml with more model folders\n"
                               "  --max-image-size PX  refuse images wider or taller than PX (default: 16384)\n"
                               "  --device cpu|cuda[:N]  where tensors and models live (default: cpu)\n"
                               "  --plugin LIB.so      load a custom-node plugin (repeatable)\n"
                               "  -q, --quiet          no progress on stderr;  -v, --verbose  more detail\n"
                               "  -h, --help           this help\n";

bool cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0 || strcmp(arg, "help") == 0;
}

void cli_common_init(cli_common *c)
{
    memset(c, 0, sizeof *c);
    cfy_runtime_options_init(&c->opts);
    c->verbosity = 1;
}

const char *cli_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "comfyc: option %s needs a value\n", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

static int parse_device(const char *s, cfy_device *out)
{
    if (strcmp(s, "cpu") == 0) {
        *out = cfy_cpu();
        return 0;
    }
    if (strcmp(s, "cuda") == 0) {
        *out = cfy_cuda(0);
        return 0;
    }
    if (strncmp(s, "cuda:", 5) == 0 && s[5]) {
        char *end;
        long idx = strtol(s + 5, &end, 10);
        if (*end || idx < 0 || idx > 64) return -1;
        *out = cfy_cuda((int)idx);
        return 0;
    }
    return -1;
}

int cli_common_option(cli_common *c, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    const char **dst = NULL;
    if (strcmp(a, "--input-dir") == 0)
        dst = &c->opts.input_dir;
    else if (strcmp(a, "--output-dir") == 0)
        dst = &c->opts.output_dir;
    else if (strcmp(a, "--temp-dir") == 0)
        dst = &c->opts.temp_dir;
    else if (strcmp(a, "--models") == 0 || strcmp(a, "--models-dir") == 0)
        dst = &c->opts.models_dir;
    else if (strcmp(a, "--extra-model-paths") == 0)
        dst = &c->opts.extra_model_paths;
    if (dst) {
        if (!(*dst = cli_value(argc, argv, i))) return -1;
        return 1;
    }
    if (strcmp(a, "--device") == 0) {
        const char *v = cli_value(argc, argv, i);
        if (!v) return -1;
        if (parse_device(v, &c->opts.device) != 0) {
            fprintf(stderr, "comfyc: --device must be cpu, cuda or cuda:N, not '%s'\n", v);
            return -1;
        }
        return 1;
    }
    if (strcmp(a, "--max-image-size") == 0) {
        const char *v = cli_value(argc, argv, i);
        if (!v) return -1;
        char *end;
        long long px = strtoll(v, &end, 10);
        if (*end || px < 1 || px > (1LL << 30)) {
            fprintf(stderr, "comfyc: --max-image-size must be a positive number of pixels, not '%s'\n", v);
            return -1;
        }
        c->opts.max_image_pixels_side = px;
        return 1;
    }
    if (strcmp(a, "--plugin") == 0) {
        const char *v = cli_value(argc, argv, i);
        if (!v) return -1;
        if (c->n_plugins == CLI_MAX_PLUGINS) {
            fprintf(stderr, "comfyc: at most %d plugins\n", CLI_MAX_PLUGINS);
            return -1;
        }
        c->plugins[c->n_plugins++] = v;
        return 1;
    }
    if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
        c->verbosity = 0;
        return 1;
    }
    if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
        c->verbosity = 2;
        return 1;
    }
    return 0;
}

static void log_to_stderr(void *user, int level, const char *message)
{
    cli_common *c = user;
    int max = c->verbosity == 0 ? 1 : c->verbosity == 1 ? 2 : 3;
    if (level > max) return;
    if (c->bar_open) { /* end a bar's line first */
        fputc('\n', stderr);
        c->bar_open = false;
        c->bar_key[0] = '\0';
    }
    static const char *const names[] = {"error: ", "warning: ", "", ""};
    fprintf(stderr, "%s%s\n", names[level < 0 ? 0 : level > 3 ? 3 : level], message);
}

/* A bar per long node and label, redrawn in place: "  12/20 [############        ] node 5 (KSampler) steps",
 * "  3/8 [#######             ] node 6 (SEGSUpscaler) segments". When another bar starts (a
 * segment's sampler steps after the segments bar moved on) the open line is ended first, so each
 * bar keeps its own line and label. */
static void progress_to_stderr(void *user, const char *node_id, const char *class_type, const char *label,
                               int64_t done, int64_t total)
{
    cli_common *c = user;
    if (c->verbosity == 0 || total <= 0) return;
    char key[sizeof c->bar_key];
    snprintf(key, sizeof key, "%s\n%s", node_id ? node_id : "", label ? label : "");
    if (c->bar_open && strcmp(key, c->bar_key) != 0) fputc('\n', stderr);
    snprintf(c->bar_key, sizeof c->bar_key, "%s", key);
    char bar[21];
    int64_t clamped = done < 0 ? 0 : done > total ? total : done;
    int fill = (int)(clamped * 20 / total);
    for (int i = 0; i < 20; i++)
        bar[i] = i < fill ? '#' : ' ';
    bar[20] = '\0';
    fprintf(stderr, "\r  %lld/%lld [%s] node %s (%s)%s%s%s", (long long)done, (long long)total, bar,
            node_id ? node_id : "", class_type ? class_type : "", label && label[0] ? " " : "", label ? label : "",
            done >= total ? "\n" : "");
    c->bar_open = done < total;
    fflush(stderr);
}

int cli_runtime_create(cli_common *c, cfy_runtime **rt)
{
    cfy_error err;
    cfy_error_clear(&err);
    c->opts.log = log_to_stderr;
    c->opts.log_user = c;
    c->opts.progress = progress_to_stderr;
    c->opts.progress_user = c;
    cfy_status st = cfy_runtime_create(&c->opts, rt, &err);
    if (st != CFY_OK) {
        cli_print_error("cannot create the runtime", &err);
        return st == CFY_EUNSUPPORTED || st == CFY_EINVAL ? CLI_INVALID : CLI_RUNTIME;
    }
    for (int i = 0; i < c->n_plugins; i++) {
        cfy_error_clear(&err);
        st = cfy_runtime_load_plugin(*rt, c->plugins[i], &err);
        if (st != CFY_OK) {
            cli_print_error("cannot load plugin", &err);
            cfy_runtime_destroy(*rt);
            *rt = NULL;
            return CLI_INVALID;
        }
    }
    return CLI_OK;
}

int cli_exit_code(cfy_status st)
{
    switch (st) {
    case CFY_OK:
        return CLI_OK;
    case CFY_EPARSE:
    case CFY_EVALIDATION:
        return CLI_INVALID;
    default:
        return CLI_RUNTIME;
    }
}

void cli_print_error(const char *what, const cfy_error *err)
{
    char buf[1024];
    fprintf(stderr, "comfyc: %s%s%s\n", what ? what : "", what ? ": " : "", cfy_error_format(err, buf, sizeof buf));
}

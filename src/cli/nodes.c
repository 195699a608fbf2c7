/* nodes.c — `comfyc nodes`: list the registered node classes, or print them as /object_info JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char nodes_usage[] = "usage: comfyc nodes [--json] [options]\n"
                                  "\n"
                                  "List the node classes (built-in and from --plugin libraries): class, display name,\n"
                                  "category. --json prints them in the shape of ComfyUI's GET /object_info.\n"
                                  "\n"
                                  "options:\n"
                                  "  --json                   /object_info JSON on stdout\n"
                                  "%s";

int cmd_nodes(int argc, char **argv)
{
    cli_common c;
    cli_common_init(&c);
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int k = cli_common_option(&c, argc, argv, &i);
        if (k < 0) return CLI_INVALID;
        if (k > 0) continue;
        if (cli_is_help(a)) {
            printf(nodes_usage, cli_common_help);
            return CLI_OK;
        }
        if (strcmp(a, "--json") == 0) {
            json = true;
        } else {
            fprintf(stderr, "comfyc nodes: unknown argument '%s'\ntry 'comfyc nodes --help'\n", a);
            return CLI_INVALID;
        }
    }
    cfy_runtime *rt = NULL;
    int rc = cli_runtime_create(&c, &rt);
    if (rc != CLI_OK) return rc;
    if (json) {
        char *s = cfy_object_info_json(rt);
        if (!s) {
            fprintf(stderr, "comfyc: out of memory\n");
            rc = CLI_RUNTIME;
        } else {
            printf("%s\n", s);
            free(s);
        }
    } else {
        cfy_registry *reg = cfy_runtime_registry(rt);
        int n = cfy_registry_count(reg);
        for (int i = 0; i < n; i++) {
            const cfy_node_def *d = cfy_registry_at(reg, i);
            printf("%-32s %-40s %s%s\n", d->class_type, d->display_name ? d->display_name : d->class_type,
                   d->category ? d->category : "", (d->flags & CFY_NODE_OUTPUT) ? "  [output]" : "");
        }
    }
    cfy_runtime_destroy(rt);
    return rc;
}

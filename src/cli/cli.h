/* cli.h — shared pieces of the comfyc command line: options common to every command, output helpers.
 *
 * Exit codes: CLI_OK 0, CLI_RUNTIME 1 (a node or the machine failed), CLI_INVALID 2 (invalid
 * workflow or arguments). */
#ifndef CFY_CLI_H
#define CFY_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "comfyc/comfyc.h"

enum { CLI_OK = 0, CLI_RUNTIME = 1, CLI_INVALID = 2 };

#define CLI_MAX_PLUGINS 32

/* Options that configure the runtime (shared by run, validate, convert, nodes). */
typedef struct cli_common {
    cfy_runtime_options opts;
    const char *plugins[CLI_MAX_PLUGINS];
    int n_plugins;
    int verbosity; /* 0 quiet, 1 normal, 2 verbose */
    /* progress printer state: the bar drawn last (node id + label) and whether its line is open */
    char bar_key[192];
    bool bar_open;
} cli_common;

void cli_common_init(cli_common *c);
/* If argv[*i] is a common option, consume it (and its value) and return 1; return 0 when it is
 * not one; return -1 after printing an error (bad or missing value). */
int cli_common_option(cli_common *c, int argc, char **argv, int *i);
/* Help text for the common options. */
extern const char cli_common_help[];
/* Create the runtime and load plugins. Prints the error and returns CLI_INVALID/CLI_RUNTIME on
 * failure (*rt NULL); CLI_OK otherwise. */
int cli_runtime_create(cli_common *c, cfy_runtime **rt);

/* Exit code for a library status. */
int cli_exit_code(cfy_status st);
/* Print "comfyc: <formatted error>" to stderr. */
void cli_print_error(const char *what, const cfy_error *err);
/* Option value helper: returns argv[*i + 1] and advances, or prints an error and returns NULL. */
const char *cli_value(int argc, char **argv, int *i);
bool cli_is_help(const char *arg);

int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_nodes(int argc, char **argv);

#endif

/* main.c — the comfyc command line: dispatches to run, validate, convert, nodes, compare and check. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/regress.h"

static const char usage[] =
    "usage: comfyc <command> [options]\n"
    "\n"
    "Run ComfyUI workflows headless.\n"
    "\n"
    "commands:\n"
    "  run WORKFLOW       execute a workflow (API JSON, UI JSON or PNG with prompt/workflow chunks)\n"
    "  validate WORKFLOW  check a workflow; prints ComfyUI's {\"error\", \"node_errors\"} JSON\n"
    "  convert UI.json    convert a UI workflow (or a PNG's workflow chunk) to API JSON\n"
    "  nodes [--json]     list the node classes (--json: ComfyUI /object_info shape)\n"
    "  compare A B        PSNR, SSIM and max abs difference of two images (thresholds -> exit code)\n"
    "  check SUITE.json   run workflows against golden images; JUnit XML report\n"
    "\n"
    "  comfyc <command> --help   options of one command\n"
    "  comfyc --version          print the version\n"
    "\n"
    "exit codes: 0 ok, 1 runtime failure, 2 invalid workflow or arguments\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return CLI_INVALID;
    }
    const char *cmd = argv[1];
    if (cli_is_help(cmd)) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("comfyc %s\n", cfy_version());
        return CLI_OK;
    }
    if (strcmp(cmd, "run") == 0) return cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "validate") == 0) return cmd_validate(argc - 1, argv + 1);
    if (strcmp(cmd, "convert") == 0) return cmd_convert(argc - 1, argv + 1);
    if (strcmp(cmd, "nodes") == 0) return cmd_nodes(argc - 1, argv + 1);
    if (strcmp(cmd, "compare") == 0) return cmd_compare(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0) return cmd_check(argc - 1, argv + 1);
    fprintf(stderr, "comfyc: unknown command '%s'\n\n%s", cmd, usage);
    return CLI_INVALID;
}

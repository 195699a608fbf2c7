/* main.c — the comfyc command line (placeholder until the CLI lands). */
#include <stdio.h>
#include "comfyc/comfyc.h"
int main(void) { printf("comfyc %s\n", cfy_version()); return 0; }

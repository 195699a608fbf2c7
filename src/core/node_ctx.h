/* node_ctx.h — the context a node runs in: its input values and output lists.
 *
 * Built by the executor (src/graph) for each call, and by cfy_node_call for direct calls.
 * Inputs are indexed like def->inputs; each holds a list of values (one item for ordinary
 * calls; whole lists for INPUT_IS_LIST nodes). Outputs collect values per output slot. */
#ifndef CFY_CORE_NODE_CTX_H
#define CFY_CORE_NODE_CTX_H

#include "comfyc/node.h"

typedef struct cfy_value_list {
    cfy_value **items; /* owned references */
    int n, cap;
} cfy_value_list;

/* Append (takes v, released on failure). */
cfy_status cfy_value_list_push(cfy_value_list *l, cfy_value *v, cfy_error *err);
void cfy_value_list_clear(cfy_value_list *l);

typedef void (*cfy_report_file_fn)(void *user, const char *node_id, const char *filename, const char *subfolder,
                                   const char *folder_type);

typedef void (*cfy_report_item_fn)(void *user, const char *node_id, const char *key, const char *json_text);

struct cfy_node_ctx {
    cfy_runtime *rt;
    const cfy_node_def *def;
    const char *node_id;            /* borrowed */
    int n_inputs, n_outputs;
    cfy_value_list *inputs;         /* [n_inputs], owned */
    cfy_value_list *outputs;        /* [n_outputs], owned */
    cfy_error *err;                 /* borrowed; filled with node id and class at init */
    const char *prompt_json;        /* borrowed, may be NULL */
    const char *workflow_json;      /* borrowed, may be NULL */
    cfy_report_file_fn report_file; /* may be NULL */
    cfy_report_item_fn report_item; /* may be NULL */
    void *report_user;
};

/* Initialise ctx for one call of def. node_id borrowed. err borrowed: its node_id/class_type
 * are filled now. */
cfy_status cfy_node_ctx_init(cfy_node_ctx *ctx, cfy_runtime *rt, const cfy_node_def *def, const char *node_id,
                             cfy_error *err);
/* Release every input and output reference. */
void cfy_node_ctx_free(cfy_node_ctx *ctx);
/* Index of input `name` in def->inputs, or -1. */
int cfy_node_ctx_input_index(const cfy_node_ctx *ctx, const char *name);

/* Check a constant value against its input definition: kind (INT/FLOAT/STRING/BOOLEAN/COMBO),
 * min/max, combo membership. Errors are filled as cfy_node_fail would (input named).
 * Used by cfy_node_call; the workflow validator has its own ComfyUI-shaped reporting. */
cfy_status cfy_input_check_value(cfy_runtime *rt, const cfy_input_def *in, const cfy_value *v, cfy_error *err);

#endif

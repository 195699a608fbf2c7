/* workflow_internal.h — the cfy_workflow struct and the node table shared by src/graph files.
 *
 * A workflow owns its API prompt as a cJSON tree (ordered like the source). Validation builds
 * a node table over it: one wf_node per prompt entry, with its definition and resolved inputs
 * (constants coerced in place in the tree, links as node indices). Execution and the report
 * use that table. Nothing here is visible outside src/graph. */
#ifndef CFY_GRAPH_WORKFLOW_INTERNAL_H
#define CFY_GRAPH_WORKFLOW_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "comfyc/workflow.h"
#include "core/node_ctx.h"

/* One entry of a node's "inputs" object. */
typedef struct wf_input {
    const char *name;    /* borrowed: the JSON key */
    cJSON *json;         /* borrowed: the value item in the prompt (coerced after validation) */
    int def_index;       /* index into def->inputs, -1 when the class does not declare it */
    int src, slot;       /* link: source node index and output slot; src -1 for constants */
    cfy_value *constant; /* owned: the coerced constant as a value (declared constants only) */
} wf_input;

enum { WF_UNSEEN = 0, WF_ON_STACK, WF_DONE };

typedef struct wf_node {
    const char *id;          /* borrowed: the prompt key */
    cJSON *json;             /* borrowed: the node object */
    const cfy_node_def *def; /* NULL only before validation succeeded for this node */
    wf_input *inputs;        /* owned [n_inputs] */
    int n_inputs;
    cJSON *errors;       /* owned JSON array of ComfyUI error objects, or NULL */
    bool checked;        /* own inputs checked (memo) */
    bool link_exception; /* a link names a missing node or output (spec 4.5) */
    char exc_type[32], exc_msg[160];
    const char *exc_input; /* borrowed: the input holding the bad link */
    int visit;             /* WF_* during the ancestor walk */
    bool valid;            /* own inputs and all ancestors valid */
    bool in_exec;          /* part of the set to execute */
    bool has_sig;
    uint64_t sig[2]; /* output-cache key of the last run */
    cJSON *report;   /* owned or NULL: {key: [items]} the node added with cfy_node_report_item */
    /* last run */
    int run_status; /* WF_RUN_* */
    double seconds;
    int items; /* list items produced per output slot */
} wf_node;

enum { WF_RUN_NOT_RUN = 0, WF_RUN_EXECUTED, WF_RUN_CACHED, WF_RUN_ERROR, WF_RUN_INTERRUPTED };

typedef struct wf_file {
    char *node_id, *filename, *subfolder, *type;
    bool cached;
} wf_file;

struct cfy_workflow {
    cJSON *prompt;  /* owned: the API prompt */
    cJSON *ui;      /* owned: the UI workflow (SaveImage's extra_pnginfo), or NULL */
    char *ui_json;  /* owned: ui printed Python-style, made on first use, or NULL */
    char *name;     /* owned: source name for messages */
    wf_node *nodes; /* owned [n_nodes] (rebuilt by each validation) */
    int n_nodes;
    int *id_index; /* owned open-addressing table of node indices by id hash */
    int id_cap;
    int *order; /* owned: execution order (node indices) */
    int n_order;
    bool validated;        /* table matches the prompt (cleared by set_input) */
    char *validation_json; /* owned: last validation report, or NULL */
    /* last run */
    cfy_status run_status;
    cfy_error run_error;
    cfy_run_stats stats;
    wf_file *files;
    int n_files, cap_files;
};

/* Index of the node with this id, or -1. Needs the node table. */
int wf_find(const cfy_workflow *wf, const char *id);
/* Drop the node table (keeps the prompt). */
void wf_clear_table(cfy_workflow *wf);

/* The input definition as ComfyUI's /object_info lists it: [type, {options}] (combos: [choices,
 * {options}]). Returns new (cJSON_Delete), NULL out of memory. choices may be NULL to list them
 * (combo_fn) here. */
cJSON *cfy_graph_input_config(cfy_runtime *rt, const cfy_input_def *in);
/* The current choices of a combo input. Returns new NULL-terminated list (cfy_strlist_free), or
 * NULL when listing failed (err filled). A static list is copied. */
char **cfy_graph_combo_choices(cfy_runtime *rt, const cfy_input_def *in, cfy_error *err);
/* True when the definition declares a range (min and max not both zero). */
bool cfy_graph_int_has_range(const cfy_input_def *in);
bool cfy_graph_float_has_range(const cfy_input_def *in);

/* Constant coercion (coerce.c, spec 4.3). */
typedef struct wf_coerced {
    cJSON *json;   /* new coerced item */
    char exc[200]; /* Python exception text on failure */
} wf_coerced;
/* Coerce v for declared type t ("INT", "FLOAT", "STRING", "BOOLEAN"; others are copied). True on
 * success (out->json new, NULL out of memory); false with out->exc set. */
bool wf_coerce(const char *t, const cJSON *v, wf_coerced *out);
/* The coerced JSON constant as a node value (returns new), NULL for objects/arrays/null. */
cfy_value *wf_json_to_value(const char *t, const cJSON *v);
/* Link type compatibility (spec 3.3): equal, "*" on either side, or comma-separated sets intersect. */
bool wf_types_compatible(const char *received, const char *input);
/* Python's type name of a JSON value ("int", "str", "NoneType", ...). */
const char *wf_py_type_name(const cJSON *v);

/* Output-cache key hashing (exec_cache.c). */
typedef struct wf_hash {
    uint64_t a, b;
} wf_hash;
void wf_hash_init(wf_hash *h);
void wf_hash_bytes(wf_hash *h, const void *p, size_t n);
void wf_hash_str(wf_hash *h, const char *s); /* includes the terminator, so "ab","c" != "a","bc" */
void wf_hash_u64(wf_hash *h, uint64_t v);

/* The output cache kept in the runtime slot CFY_SLOT_EXEC_CACHE (exec_cache.c). */
typedef struct exec_entry {
    uint64_t key[2];
    cfy_value_list *outputs; /* owned [n_outputs]: the items of each output slot */
    int n_outputs;
    wf_file *files; /* owned [n_files]: files the node reported when it ran */
    int n_files;
} exec_entry;

/* The entry for key, or NULL. Borrowed; valid until the next put/prune/clear. */
exec_entry *exec_cache_find(cfy_runtime *rt, const uint64_t key[2]);
/* Store a node's merged outputs. outputs takes (the array and its lists, also on failure);
 * files borrowed (copied). Replaces an entry with the same key. */
cfy_status exec_cache_put(cfy_runtime *rt, const uint64_t key[2], cfy_value_list *outputs, int n_outputs,
                          const wf_file *files, int n_files, cfy_error *err);
/* Drop every entry whose key is not the signature of one of nodes[] with has_sig set
 * (ComfyUI's "classic" cache lifetime). */
void exec_cache_keep_only(cfy_runtime *rt, const wf_node *nodes, int n_nodes);
/* A number never returned before by this runtime (keys of nondeterministic nodes). */
uint64_t exec_cache_nonce(cfy_runtime *rt);
/* Entries currently held (tests). */
int exec_cache_count(cfy_runtime *rt);

/* Validation (validate.c): builds the node table, fills wf->validation_json and wf->order. */
cfy_status wf_validate(cfy_runtime *rt, cfy_workflow *wf, cfy_error *err);
/* Free one file record's strings. */
void wf_file_free(wf_file *f);

/* A node context holding only the node's constant inputs (what VALIDATE_INPUTS and IS_CHANGED
 * see; linked inputs read as absent). Free with cfy_node_ctx_free. */
cfy_status wf_constants_ctx(cfy_runtime *rt, const wf_node *node, cfy_node_ctx *ctx, cfy_error *err);

#endif

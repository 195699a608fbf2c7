/* node.h — node definitions (static tables), the registry, and the context a node runs in.
 *
 * A node class is a `static const cfy_node_def`: its inputs, outputs, flags and run function.
 * The same table drives validation, `comfyc nodes --json` (ComfyUI's /object_info shape) and
 * execution. A node's run function reads inputs only through cfy_node_in_* and writes
 * outputs only through cfy_node_out; those helpers check types and fill the error with the
 * node id, class and input name. */
#ifndef COMFYC_NODE_H
#define COMFYC_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "comfyc/error.h"
#include "comfyc/tensor.h"
#include "comfyc/value.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bump when cfy_node_def, cfy_input_def or any plugin-visible struct changes layout. */
#define CFY_ABI_VERSION 2u /* 2: cfy_cond_entry.has_size/size */

typedef struct cfy_runtime cfy_runtime;
typedef struct cfy_registry cfy_registry;
typedef struct cfy_node_ctx cfy_node_ctx;

/* Input flags. */
enum {
    CFY_IN_OPTIONAL = 1u << 0,         /* listed under "optional" */
    CFY_IN_HIDDEN = 1u << 1,           /* listed under "hidden" (never a widget) */
    CFY_IN_FORCE_INPUT = 1u << 2,      /* socket only, no widget */
    CFY_IN_MULTILINE = 1u << 3,        /* STRING text box */
    CFY_IN_DYNAMIC_PROMPTS = 1u << 4,  /* STRING: frontend expands {a|b} */
    CFY_IN_CONTROL_AFTER_GENERATE = 1u << 5, /* INT/FLOAT/COMBO: phantom control widget value(s) */
    CFY_IN_NO_CONTROL = 1u << 6,       /* INT named seed without a control widget */
    CFY_IN_IMAGE_UPLOAD = 1u << 7,     /* combo `image` with an upload button ("image" phantom) */
    CFY_IN_UINT64 = 1u << 8,           /* INT whose max is 2^64-1 (seeds); i.max is ignored */
    CFY_IN_TEXT_REPLACE = 1u << 9,     /* STRING: UI conversion applies %date:..% / %Node.widget% replacement
                                          (implied for filename_prefix of the frontend's Save nodes) */
    CFY_IN_NODE_VALIDATED = 1u << 10   /* checked by the node's validate fn instead of the built-in
                                          min/max/combo checks (an argument of VALIDATE_INPUTS, spec 4.4) */
};

/* Lists the current choices of a combo whose options come from the file system
 * (input images, checkpoints, ...). Fills *out with a NULL-terminated malloc'd array of
 * malloc'd strings (free with cfy_strlist_free). */
typedef cfy_status (*cfy_combo_list_fn)(cfy_runtime *rt, char ***out, cfy_error *err);
CFY_API void cfy_strlist_free(char **list);

typedef struct cfy_input_def {
    const char *name;
    const char *type; /* "INT", "FLOAT", "STRING", "BOOLEAN", "COMBO", or a link type ("IMAGE", ...) */
    unsigned flags;   /* CFY_IN_* */
    struct { int64_t def, min, max, step; } i;
    struct { double def, min, max, step, round; } f;
    const char *s_def;               /* STRING default */
    bool b_def;                      /* BOOLEAN default */
    const char *label_on, *label_off; /* BOOLEAN labels (UI only) */
    const char *const *combo;        /* COMBO: NULL-terminated static choices ... */
    cfy_combo_list_fn combo_fn;      /* ... or choices listed at validation time */
    const char *combo_def;           /* COMBO default (first choice when NULL) */
    const char *tooltip;
} cfy_input_def;

typedef struct cfy_output_def {
    const char *type; /* "IMAGE", ... */
    const char *name; /* display name; the type when NULL */
    bool is_list;     /* OUTPUT_IS_LIST */
} cfy_output_def;

/* Node flags. */
enum {
    CFY_NODE_OUTPUT = 1u << 0,           /* OUTPUT_NODE: executed as a target */
    CFY_NODE_NONDETERMINISTIC = 1u << 1, /* never reuse a cached result (IS_CHANGED = NaN) */
    CFY_NODE_INPUT_IS_LIST = 1u << 2,    /* run once with whole lists (cfy_node_in_count/at) */
    CFY_NODE_NOT_IDEMPOTENT = 1u << 3    /* node id is part of the cache key */
};

typedef cfy_status (*cfy_node_run_fn)(cfy_node_ctx *ctx);

/* Optional extra check run after built-in validation (VALIDATE_INPUTS). Receives the node's
 * constant inputs through the same ctx helpers (linked inputs read as absent); fills err via
 * cfy_node_fail. */
typedef cfy_status (*cfy_node_validate_fn)(cfy_node_ctx *ctx);

/* Optional IS_CHANGED: write into key (NUL-terminated, at most key_size bytes) a text that
 * changes whenever something outside the workflow that the node reads has changed (e.g. a hash
 * of LoadImage's file). Receives the constant inputs only, like validate. The executor mixes the
 * key into the node's cache signature, so a changed file re-runs the node and its descendants. */
typedef cfy_status (*cfy_node_is_changed_fn)(cfy_node_ctx *ctx, char *key, size_t key_size);

typedef struct cfy_node_def {
    uint32_t abi;                 /* CFY_ABI_VERSION */
    const char *class_type;       /* registered name, e.g. "ImageScale" */
    const char *display_name;
    const char *category;         /* e.g. "image/upscaling" */
    const char *description;
    const char *python_module;    /* reported in /object_info; "nodes" when NULL */
    const cfy_input_def *inputs;  /* terminated by { NULL } */
    const cfy_output_def *outputs;/* terminated by { NULL } */
    unsigned flags;               /* CFY_NODE_* */
    cfy_node_run_fn run;
    cfy_node_validate_fn validate;/* may be NULL */
    cfy_node_is_changed_fn is_changed; /* may be NULL */
} cfy_node_def;

/* ---- registry (owned by a runtime) ---- */

/* Register one definition. def borrowed: must stay valid and unchanged while registered
 * (static tables). A duplicate class_type is refused (CFY_EINVAL) naming both sources. */
CFY_API CFY_NODISCARD cfy_status cfy_registry_add(cfy_registry *reg, const cfy_node_def *def, cfy_error *err);
/* Register a NULL-terminated array of definitions; stops at the first failure. */
CFY_API CFY_NODISCARD cfy_status cfy_registry_add_all(cfy_registry *reg, const cfy_node_def *const *defs,
                                                      cfy_error *err);
/* Replace a registered class explicitly (the only way to override a built-in). */
CFY_API CFY_NODISCARD cfy_status cfy_registry_replace(cfy_registry *reg, const cfy_node_def *def, cfy_error *err);
/* Look a class up; NULL when unknown. Borrowed; valid while registered. */
CFY_API const cfy_node_def *cfy_registry_find(const cfy_registry *reg, const char *class_type);
CFY_API int cfy_registry_count(const cfy_registry *reg);
CFY_API const cfy_node_def *cfy_registry_at(const cfy_registry *reg, int index); /* in registration order */

/* Look up an input definition by name; NULL when the node has none of that name. */
CFY_API const cfy_input_def *cfy_node_def_input(const cfy_node_def *def, const char *name);
CFY_API int cfy_node_def_output_count(const cfy_node_def *def);

/* ---- inside a node's run function ---- */

/* The runtime running this node (borrowed). */
CFY_API cfy_runtime *cfy_node_runtime(cfy_node_ctx *ctx);
CFY_API const char *cfy_node_id(const cfy_node_ctx *ctx);
CFY_API const cfy_node_def *cfy_node_def_of(const cfy_node_ctx *ctx);

/* The value of input `name` (borrowed; valid during run), or NULL when an optional input is
 * absent. For INPUT_IS_LIST nodes: the first item. */
CFY_API const cfy_value *cfy_node_in(cfy_node_ctx *ctx, const char *name);
/* Typed readers: fail with CFY_EINVAL naming the input when absent (and required) or of the
 * wrong type. `required == false` readers leave *out unchanged and return CFY_OK when absent. */
CFY_API CFY_NODISCARD cfy_status cfy_node_in_int(cfy_node_ctx *ctx, const char *name, int64_t *out);
CFY_API CFY_NODISCARD cfy_status cfy_node_in_uint64(cfy_node_ctx *ctx, const char *name, uint64_t *out);
CFY_API CFY_NODISCARD cfy_status cfy_node_in_float(cfy_node_ctx *ctx, const char *name, double *out);
CFY_API CFY_NODISCARD cfy_status cfy_node_in_bool(cfy_node_ctx *ctx, const char *name, bool *out);
/* *out borrowed; valid during run. COMBO inputs read as strings. */
CFY_API CFY_NODISCARD cfy_status cfy_node_in_string(cfy_node_ctx *ctx, const char *name, const char **out);
/* A tensor-backed input (IMAGE, MASK, SIGMAS). *out borrowed; valid during run. */
CFY_API CFY_NODISCARD cfy_status cfy_node_in_tensor(cfy_node_ctx *ctx, const char *name, const cfy_tensor **out);
/* Any input of the given type (NULL type: any). *out borrowed, NULL when absent and optional. */
CFY_API CFY_NODISCARD cfy_status cfy_node_in_value(cfy_node_ctx *ctx, const char *name, const char *type,
                                                   const cfy_value **out);
/* Object payload of an input of the given type (LATENT, MODEL, SEGS, ...); NULL when optional and absent. */
CFY_API CFY_NODISCARD cfy_status cfy_node_in_object(cfy_node_ctx *ctx, const char *name, const char *type,
                                                    void **out);

/* INPUT_IS_LIST nodes: how many items input `name` has (0 when absent), and item i (borrowed). */
CFY_API int cfy_node_in_count(cfy_node_ctx *ctx, const char *name);
CFY_API const cfy_value *cfy_node_in_at(cfy_node_ctx *ctx, const char *name, int i);

/* Set output `index`. v takes (released even on failure). For OUTPUT_IS_LIST outputs each
 * call appends one item. Fails when the value's type is not the declared output type. */
CFY_API CFY_NODISCARD cfy_status cfy_node_out(cfy_node_ctx *ctx, int index, cfy_value *v);

/* Fail the node: fills the node's error (node id, class, input; input may be NULL) and returns code. */
CFY_API cfy_status cfy_node_fail(cfy_node_ctx *ctx, cfy_status code, const char *input, const char *fmt, ...)
    CFY_PRINTF(4, 5);
/* The node's error record, for passing to library calls (cfy_image_*, ...). The node id and
 * class are already filled; after a library call fails, just `return st`. */
CFY_API cfy_error *cfy_node_err(cfy_node_ctx *ctx);

/* Progress of a long node: `done` of `total`, on the node's unnamed bar (label ""). */
CFY_API void cfy_node_progress(cfy_node_ctx *ctx, int64_t done, int64_t total);
/* The same on a named bar, for nodes that report more than one thing: label "steps" for sampler
 * steps, "segments" for segments (see cfy_progress_fn). label borrowed; NULL means "". */
CFY_API void cfy_node_progress_label(cfy_node_ctx *ctx, const char *label, int64_t done, int64_t total);
/* True once the run was interrupted (Ctrl-C, cfy_runtime_interrupt); long nodes check it
 * between steps and return CFY_EINTERRUPTED. */
CFY_API bool cfy_node_interrupted(cfy_node_ctx *ctx);

/* Hidden inputs of output nodes: the prompt (API JSON text) and extra_pnginfo's workflow
 * (UI JSON text). NULL when not available (e.g. a node called directly). Borrowed. */
CFY_API const char *cfy_node_prompt_json(const cfy_node_ctx *ctx);
CFY_API const char *cfy_node_workflow_json(const cfy_node_ctx *ctx);

/* Add one JSON value (json_text, e.g. "{\"seed\": 5}") to the array `key` of this node's entry in
 * the run report (`--report`): per-item details of a long node, such as SEGSUpscaler's segments.
 * Best effort: malformed text or no memory drops the item, never the run. Both strings borrowed. */
CFY_API void cfy_node_report_item(cfy_node_ctx *ctx, const char *key, const char *json_text);

/* Output nodes report files they wrote ("output" or "temp" folder type) for the run report. */
CFY_API void cfy_node_report_file(cfy_node_ctx *ctx, const char *filename, const char *subfolder,
                                  const char *folder_type);

/* ---- calling a node directly (embedding without the executor) ---- */

typedef struct cfy_named_value {
    const char *name;       /* input name */
    const cfy_value *value; /* borrowed */
} cfy_named_value;

/* Run node class `class_type` once with the given input values (constants are checked against
 * the definition: type, min/max, combo). outputs: caller array of n_outputs (>= the node's
 * output count) receiving new references (release each with cfy_value_release); unset
 * outputs are NULL. Errors name the input. */
CFY_API CFY_NODISCARD cfy_status cfy_node_call(cfy_runtime *rt, const char *class_type, const cfy_named_value *inputs,
                                               int n_inputs, cfy_value **outputs, int n_outputs, cfy_error *err);

#ifdef __cplusplus
}
#endif
#endif

/* runtime.h — the runtime: registry, folders, device, callbacks, output cache.
 *
 * Everything comfyc keeps between calls hangs off a cfy_runtime; two runtimes in one process
 * share no mutable state. A runtime is used by one thread at a time, except
 * cfy_runtime_interrupt, which may be called from any thread or a signal handler. */
#ifndef COMFYC_RUNTIME_H
#define COMFYC_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "comfyc/error.h"
#include "comfyc/node.h"
#include "comfyc/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Progress callback: `done` of `total` units of one bar of node `node_id` (class_type). `label`
 * (never NULL) names what the bar counts, so a node can run several: "steps" (sampler steps),
 * "segments" (SEGSUpscaler's segments), or "" for a node's single unnamed bar. */
typedef void (*cfy_progress_fn)(void *user, const char *node_id, const char *class_type, const char *label,
                                int64_t done, int64_t total);
/* Log callback: level 0 error, 1 warning, 2 info, 3 debug. */
typedef void (*cfy_log_fn)(void *user, int level, const char *message);

typedef struct cfy_runtime_options {
    const char *input_dir;   /* LoadImage's folder ("input" when NULL) */
    const char *output_dir;  /* SaveImage's folder ("output" when NULL) */
    const char *temp_dir;    /* PreviewImage's folder ("temp" when NULL) */
    const char *models_dir;  /* ComfyUI models/ folder ("models" when NULL) */
    const char *extra_model_paths; /* extra_model_paths.yaml, or NULL */
    cfy_device device;       /* where tensors and models live */
    int64_t max_image_pixels_side; /* refuse images wider or taller than this (default 16384) */
    cfy_progress_fn progress; void *progress_user; /* may be NULL */
    cfy_log_fn log; void *log_user;                /* may be NULL (silent) */
    bool no_builtin_nodes;   /* start with an empty registry (tests, custom embedders) */
} cfy_runtime_options;

/* Library version "MAJOR.MINOR.PATCH" (static), so embedders can check header vs library. */
CFY_API const char *cfy_version(void);
#define CFY_VERSION_STRING "0.1.0"

/* Fill opts with defaults (CPU device, default folder names, 16384 pixel limit). */
CFY_API void cfy_runtime_options_init(cfy_runtime_options *opts);

/* Create a runtime. opts borrowed (strings copied); may be NULL for defaults. Built-in nodes are
 * registered unless opts->no_builtin_nodes. out: returns new (cfy_runtime_destroy). */
CFY_API CFY_NODISCARD cfy_status cfy_runtime_create(const cfy_runtime_options *opts, cfy_runtime **out,
                                                    cfy_error *err);
/* Destroy a runtime and everything it owns (cache, plugins). NULL is a no-op. */
CFY_API void cfy_runtime_destroy(cfy_runtime *rt);

/* The runtime's node registry (borrowed; lives as long as rt). */
CFY_API cfy_registry *cfy_runtime_registry(cfy_runtime *rt);
/* Options as given at creation (borrowed; folder strings never NULL). */
CFY_API const cfy_runtime_options *cfy_runtime_opts(const cfy_runtime *rt);

/* Load a custom-node plugin (.so exporting cfy_plugin_abi and cfy_plugin_register). Refuses an
 * ABI mismatch naming the file and both versions; if registration fails, what it added is
 * removed and the library unloaded. */
CFY_API CFY_NODISCARD cfy_status cfy_runtime_load_plugin(cfy_runtime *rt, const char *path, cfy_error *err);

/* Ask the current run to stop at the next node or step boundary. Async-signal-safe. */
CFY_API void cfy_runtime_interrupt(cfy_runtime *rt);
CFY_API bool cfy_runtime_interrupted(const cfy_runtime *rt);
/* Clear the interrupt flag (cfy_workflow_run does this when it starts). */
CFY_API void cfy_runtime_clear_interrupt(cfy_runtime *rt);

/* Log through the runtime's callback (printf-style). */
CFY_API void cfy_log(cfy_runtime *rt, int level, const char *fmt, ...) CFY_PRINTF(3, 4);

/* Drop every cached node output. */
CFY_API void cfy_runtime_clear_cache(cfy_runtime *rt);

/* Plugin entry points (what a plugin .so exports). */
typedef cfy_status (*cfy_plugin_register_fn)(cfy_registry *reg, cfy_error *err);

#ifdef __cplusplus
}
#endif
#endif

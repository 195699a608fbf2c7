/* runtime_internal.h — the runtime struct, shared by src/ modules (never by nodes/). */
#ifndef CFY_CORE_RUNTIME_INTERNAL_H
#define CFY_CORE_RUNTIME_INTERNAL_H

#include <signal.h>
#include <stdatomic.h>

#include "comfyc/runtime.h"

typedef struct cfy_registry cfy_registry;

/* Hook used by src/graph to keep its output cache in the runtime without core knowing it. */
typedef struct cfy_runtime_slot {
    void *ptr;
    void (*free_fn)(void *ptr);
} cfy_runtime_slot;

enum { CFY_SLOT_EXEC_CACHE = 0, CFY_SLOT_MODELS = 1, CFY_SLOT_COUNT = 4 };

struct cfy_runtime {
    cfy_runtime_options opts;      /* folder strings point into the owned copies below */
    char *input_dir, *output_dir, *temp_dir, *models_dir, *extra_model_paths;
    cfy_registry *registry;
    volatile sig_atomic_t interrupted;
    void **plugins;                /* dlopen handles */
    int n_plugins;
    cfy_runtime_slot slots[CFY_SLOT_COUNT];
};

/* Create / destroy a registry (owned by a runtime). */
cfy_status cfy_registry_create(cfy_registry **out, cfy_error *err);
void cfy_registry_destroy(cfy_registry *reg);
/* Tag later additions with a source name ("built-in" or a plugin path) for duplicate messages. */
void cfy_registry_set_source(cfy_registry *reg, const char *source);
/* Remove every definition added under `source` (plugin rollback). */
void cfy_registry_remove_source(cfy_registry *reg, const char *source);

/* Defined in the generated builtin_nodes.c. */
cfy_status cfy_register_builtin_nodes(cfy_registry *reg, cfy_error *err);

#endif

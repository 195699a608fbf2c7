/* workflow.h — loading, validating and running a ComfyUI workflow (prompt).
 *
 * A cfy_workflow is an API-format prompt: node id -> {class_type, inputs}. It can be read from
 * API JSON, from UI (litegraph) JSON (converted as ComfyUI's frontend does), or from a PNG
 * carrying a `prompt` or `workflow` text chunk. */
#ifndef COMFYC_WORKFLOW_H
#define COMFYC_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "comfyc/error.h"
#include "comfyc/runtime.h"
#include "comfyc/value.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cfy_workflow cfy_workflow;

/* Parse a workflow from bytes: API JSON, UI JSON (converted with rt's node definitions) or a
 * PNG with a prompt/workflow chunk. `name` is used in messages (file name; may be NULL).
 * Malformed JSON reports line and column. out: returns new (cfy_workflow_free). */
CFY_API CFY_NODISCARD cfy_status cfy_workflow_parse(cfy_runtime *rt, const void *data, size_t size, const char *name,
                                                    cfy_workflow **out, cfy_error *err);
/* Read a file and parse it as above. */
CFY_API CFY_NODISCARD cfy_status cfy_workflow_load(cfy_runtime *rt, const char *path, cfy_workflow **out,
                                                   cfy_error *err);
CFY_API void cfy_workflow_free(cfy_workflow *wf);

/* The prompt as API JSON text (returns new malloc'd string; free()). After validation this is
 * the coerced prompt that SaveImage embeds. */
CFY_API char *cfy_workflow_prompt_json(const cfy_workflow *wf);
/* The UI workflow JSON when the source was UI format (borrowed), else NULL. */
CFY_API const char *cfy_workflow_ui_json(const cfy_workflow *wf);

/* Set a constant input: node `node_id`, input `input`, value parsed as JSON (a bare word is
 * taken as a string). Used by --set. */
CFY_API CFY_NODISCARD cfy_status cfy_workflow_set_input(cfy_workflow *wf, const char *node_id, const char *input,
                                                        const char *json_value, cfy_error *err);

/* Validate as ComfyUI does. Returns CFY_OK, or CFY_EVALIDATION with *report_json set to the
 * ComfyUI-shaped {"error":…, "node_errors":{…}} (returns new malloc'd string; free()).
 * report_json may be NULL. On success with partial failures, *report_json holds them too. */
CFY_API CFY_NODISCARD cfy_status cfy_workflow_validate(cfy_runtime *rt, cfy_workflow *wf, char **report_json,
                                                       cfy_error *err);

typedef struct cfy_run_stats {
    int nodes_executed;  /* nodes whose run function was called */
    int nodes_cached;    /* nodes whose outputs came from the cache */
    double seconds;
} cfy_run_stats;

/* Validate, then execute the output nodes and their ancestors in a deterministic topological
 * order, reusing cached outputs of nodes whose signature is unchanged since an earlier run in
 * this runtime. Stops at the first node error (err names node, class, input). stats may be NULL. */
CFY_API CFY_NODISCARD cfy_status cfy_workflow_run(cfy_runtime *rt, cfy_workflow *wf, cfy_run_stats *stats,
                                                  cfy_error *err);

/* After a run: output `index` of node `node_id` (item 0; borrowed, valid until the next run or
 * cache clear), or NULL when the node did not run or has no such output. */
CFY_API const cfy_value *cfy_workflow_output(cfy_runtime *rt, const cfy_workflow *wf, const char *node_id, int index);

/* After a run: the run report as JSON (files written, per-node timings, node reports).
 * Returns new malloc'd string (free()). */
CFY_API char *cfy_workflow_report_json(cfy_runtime *rt, const cfy_workflow *wf);

/* Convert UI workflow JSON to API prompt JSON text (returns new; free()). */
CFY_API CFY_NODISCARD cfy_status cfy_workflow_convert_ui(cfy_runtime *rt, const char *ui_json, char **api_json,
                                                         cfy_error *err);

/* The registry as ComfyUI /object_info JSON (returns new; free()). */
CFY_API char *cfy_object_info_json(cfy_runtime *rt);

#ifdef __cplusplus
}
#endif
#endif

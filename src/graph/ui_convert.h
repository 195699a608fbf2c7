/* ui_convert.h — converting a UI (litegraph) workflow to an API prompt, as ComfyUI's frontend does.
 *
 * Follows spec/workflow-and-executor.md §2: widgets_values mapping (phantom control values,
 * image upload value, forceInput migration), links, Reroute, PrimitiveNode, muted (2) and
 * bypassed (4) nodes, subgraph flattening, filename_prefix text replacement, post-pass removal
 * of links to absent nodes. Node definitions come from rt's registry. Big integers arrive as
 * cJSON_Raw items (see json.h) and are copied through unchanged. */
#ifndef CFY_GRAPH_UI_CONVERT_H
#define CFY_GRAPH_UI_CONVERT_H

#include <cjson/cJSON.h>

#include "comfyc/runtime.h"

/* True when root looks like a UI workflow (has a "nodes" array and "links"). */
bool cfy_is_ui_workflow(const cJSON *root);

/* Convert. ui borrowed. api_out: returns new cJSON object {id: {inputs, class_type, _meta}}
 * (cJSON_Delete). Fails (CFY_EINVAL, message naming the UI node id and type) when a node's
 * widgets_values cannot be mapped, or an unknown node type has widgets. */
cfy_status cfy_ui_to_api(cfy_runtime *rt, const cJSON *ui, cJSON **api_out, cfy_error *err);

#endif

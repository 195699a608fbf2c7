/* ui_convert_internal.h — shared state of the UI → API converter (ui_convert.c, ui_widgets.c, ui_links.c).
 *
 * Not installed. A UI workflow is read into a tree of ui_graph: the root graph, and one child
 * graph per subgraph instance (its definition's nodes and links, with the instance's execution
 * id as prefix). Nodes keep borrowed pointers into the cJSON tree of the workflow, which must
 * outlive the converter state. */
#ifndef CFY_GRAPH_UI_CONVERT_INTERNAL_H
#define CFY_GRAPH_UI_CONVERT_INTERNAL_H

#include <stdbool.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "comfyc/node.h"
#include "comfyc/runtime.h"

enum {
    UI_MODE_ALWAYS = 0,
    UI_MODE_NEVER = 2, /* muted */
    UI_MODE_BYPASS = 4,
    UI_ID_MAX = 160, /* execution ids "a:b:c" */
    UI_MAX_SUBGRAPH_DEPTH = 16,
    UI_MAX_FLAT_NODES = 1000000, /* flattened subgraph instances may not multiply past this */
    UI_SUBGRAPH_INPUT_ID = -10,  /* origin_id of links leaving a subgraph's input node */
    UI_SUBGRAPH_OUTPUT_ID = -20  /* target_id of links entering a subgraph's output node */
};

typedef struct ui_graph ui_graph;

/* One link, normalised from the array form [id, origin_id, origin_slot, target_id, target_slot,
 * type] or the object form {id, origin_id, ...}. Node ids are kept as text ("12", "-10"). */
typedef struct ui_link {
    double id;
    char origin[UI_ID_MAX];
    int origin_slot;
    char target[UI_ID_MAX];
    int target_slot;
} ui_link;

typedef struct ui_node {
    const cJSON *json;       /* the node object (borrowed) */
    char id[UI_ID_MAX];      /* id inside its graph, as text */
    char exec_id[UI_ID_MAX]; /* API key: prefix + id */
    const char *type;        /* class type, or a subgraph definition id */
    int mode;
    const cfy_node_def *def;   /* NULL for virtual, subgraph and unregistered types */
    const cJSON *subgraph_def; /* definition when this node is a subgraph instance */
    ui_graph *child;           /* flattened instance graph (NULL unless subgraph_def) */
    cJSON *widgets;            /* owned: widget name -> value (phantoms dropped); NULL when none */
} ui_node;

struct ui_graph {
    ui_graph *parent;       /* NULL at the root */
    ui_node *instance;      /* the instance node in parent this graph flattens */
    char prefix[UI_ID_MAX]; /* "" at the root, "5:" / "5:3:" inside instances */
    ui_node *nodes;
    int n_nodes;
    int *node_order; /* indices of nodes sorted by id (for lookup) */
    ui_link *links;
    int n_links; /* links sorted by id */
};

typedef struct ui_ctx {
    cfy_runtime *rt;
    const cfy_registry *reg;
    const cJSON *ui;
    const cJSON **subgraph_defs; /* every definitions.subgraphs entry, nested ones included */
    int n_subgraph_defs, cap_subgraph_defs;
    ui_graph *root;
    long total_nodes; /* nodes read so far, all instances included */
    struct tm now;    /* local time used by %date:...% */
    cfy_error *err;
} ui_ctx;

/* ---- ui_links.c ---- */

/* Read a graph object's nodes and links into g (nodes' def/subgraph fields are filled by the
 * caller). Fails (CFY_EINVAL) on a malformed node or link. */
cfy_status ui_graph_read(ui_ctx *c, ui_graph *g, const cJSON *graph_json);
void ui_graph_free(ui_graph *g);
/* Node by id in g, or NULL. */
ui_node *ui_graph_find_node(const ui_graph *g, const char *id);
/* Link by id in g, or NULL. */
const ui_link *ui_graph_find_link(const ui_graph *g, double id);

/* Where an input's link leads once Reroute, PrimitiveNode, bypass and subgraph boundaries are
 * followed. */
typedef enum ui_source_kind { UI_SRC_NONE, UI_SRC_LINK, UI_SRC_CONST } ui_source_kind;
typedef struct ui_source {
    ui_source_kind kind;
    char node_id[UI_ID_MAX]; /* UI_SRC_LINK: execution id of the source */
    int slot;                /* UI_SRC_LINK: output index */
    cJSON *value;            /* UI_SRC_CONST: owned copy of the constant */
} ui_source;

/* Resolve the link feeding input `input_json` (an entry of node->json's inputs[]) of `node` in g.
 * Fails (CFY_EINVAL, naming the node and input) on a link whose source node is missing or on a
 * cycle. On success *out is filled; the caller deletes out->value. */
cfy_status ui_resolve_input(ui_ctx *c, ui_graph *g, const ui_node *node, const cJSON *input_json, ui_source *out);

/* ---- ui_widgets.c ---- */

/* Map node->json's widgets_values to node->widgets using node->def (§2.4). Fails (CFY_EINVAL,
 * naming the node) when the number of values does not fit the definition. */
cfy_status ui_map_widgets(ui_ctx *c, ui_node *node);
/* True when `name` of `def` is a filename prefix that the frontend rewrites (§2.7). */
bool ui_is_text_replace_input(const cfy_node_def *def, const cfy_input_def *in);
/* Apply %date:FORMAT% and %Node.widget% replacement (§2.7) to text. Returns new malloc'd string
 * (free()), NULL when out of memory. */
char *ui_text_replace(ui_ctx *c, const char *text);

/* ---- ui_convert.c ---- */

/* Fill the error record with the node's id and type and a message; returns code. */
cfy_status ui_node_fail(ui_ctx *c, const ui_node *node, const char *input, cfy_status code, const char *fmt, ...)
    CFY_PRINTF(5, 6);
/* True for frontend-only node types (Reroute, PrimitiveNode, Note, MarkdownNote). */
bool ui_is_virtual_type(const char *type);
/* Title a node shows: its "title", else the definition's display name, else its type. */
const char *ui_node_title(const ui_node *node);
/* Same as cfy_ui_to_api, with the time used by %date:...% given (tests). */
cfy_status cfy_ui_to_api_at(cfy_runtime *rt, const cJSON *ui, const struct tm *now, cJSON **api_out, cfy_error *err);

#endif

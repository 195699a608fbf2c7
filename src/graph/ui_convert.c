/* ui_convert.c — converting a UI (litegraph) workflow to an API prompt, as ComfyUI's frontend does.
 *
 * The steps follow spec §2.5: read the graph (and flatten subgraph instances into child graphs
 * whose nodes get "instance:inner" ids), map every node's widgets_values to input names, emit
 * every executable node with its widget values and resolved links (links win), and finally
 * delete inputs that link to nodes absent from the prompt (muted sources). Widget mapping and
 * text replacement live in ui_widgets.c, link reading and resolution in ui_links.c. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph/ui_convert.h"
#include "graph/ui_convert_internal.h"

/* ================================ helpers ================================ */

bool cfy_is_ui_workflow(const cJSON *root)
{
    if (!cJSON_IsObject(root)) return false;
    const cJSON *links = cJSON_GetObjectItemCaseSensitive(root, "links");
    return cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "nodes")) &&
           (cJSON_IsArray(links) || cJSON_IsNull(links));
}

static const char *const virtual_types[] = {"Reroute", "PrimitiveNode", "Note", "MarkdownNote", NULL};

bool ui_is_virtual_type(const char *type)
{
    for (int i = 0; virtual_types[i]; i++)
        if (strcmp(type, virtual_types[i]) == 0) return true;
    return false;
}

cfy_status ui_node_fail(ui_ctx *c, const ui_node *node, const char *input, cfy_status code, const char *fmt, ...)
{
    cfy_error *err = c->err;
    if (!err) return code;
    va_list ap;
    va_start(ap, fmt);
    cfy_error_setv(err, code, fmt, ap);
    va_end(ap);
    snprintf(err->node_id, sizeof err->node_id, "%.31s", node->exec_id);
    snprintf(err->class_type, sizeof err->class_type, "%.63s", node->type);
    snprintf(err->input, sizeof err->input, "%.63s", input ? input : "");
    return code;
}

const char *ui_node_title(const ui_node *node)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(node->json, "title");
    if (cJSON_IsString(t)) return t->valuestring;
    if (node->def && node->def->display_name) return node->def->display_name;
    return node->type;
}

static cfy_status oom(ui_ctx *c)
{
    return cfy_error_set(c->err, CFY_ENOMEM, "UI workflow: out of memory");
}

/* ================================ subgraph definitions ================================ */

static cfy_status collect_defs(ui_ctx *c, const cJSON *graph_json, int depth)
{
    const cJSON *defs = cJSON_GetObjectItemCaseSensitive(graph_json, "definitions");
    const cJSON *subs = cJSON_GetObjectItemCaseSensitive(defs, "subgraphs");
    if (!cJSON_IsArray(subs)) return CFY_OK;
    if (depth > UI_MAX_SUBGRAPH_DEPTH)
        return cfy_error_set(c->err, CFY_EINVAL, "UI workflow: subgraph definitions nested deeper than %d",
                             UI_MAX_SUBGRAPH_DEPTH);
    const cJSON *s;
    cJSON_ArrayForEach(s, subs)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(s, "id");
        if (!cJSON_IsString(id))
            return cfy_error_set(c->err, CFY_EINVAL, "UI workflow: a subgraph definition has no string 'id'");
        if (c->n_subgraph_defs == c->cap_subgraph_defs) {
            int cap = c->cap_subgraph_defs ? c->cap_subgraph_defs * 2 : 8;
            const cJSON **p = realloc(c->subgraph_defs, sizeof *p * (size_t)cap);
            if (!p) return oom(c);
            c->subgraph_defs = p;
            c->cap_subgraph_defs = cap;
        }
        c->subgraph_defs[c->n_subgraph_defs++] = s;
        cfy_status st = collect_defs(c, s, depth + 1);
        if (st != CFY_OK) return st;
    }
    return CFY_OK;
}

static const cJSON *find_subgraph_def(const ui_ctx *c, const char *type)
{
    for (int i = 0; i < c->n_subgraph_defs; i++) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(c->subgraph_defs[i], "id");
        if (strcmp(id->valuestring, type) == 0) return c->subgraph_defs[i];
    }
    return NULL;
}

/* ================================ building the graph tree ================================ */

static cfy_status build_graph(ui_ctx *c, ui_graph *g, const cJSON *json, int depth)
{
    cfy_status st = ui_graph_read(c, g, json);
    if (st != CFY_OK) return st;
    c->total_nodes += g->n_nodes;
    if (c->total_nodes > UI_MAX_FLAT_NODES)
        return cfy_error_set(c->err, CFY_EINVAL, "UI workflow: more than %d nodes once subgraphs are flattened",
                             UI_MAX_FLAT_NODES);
    for (int i = 0; i < g->n_nodes; i++) {
        ui_node *n = &g->nodes[i];
        if (ui_is_virtual_type(n->type)) continue;
        n->subgraph_def = find_subgraph_def(c, n->type);
        if (!n->subgraph_def) {
            n->def = cfy_registry_find(c->reg, n->type);
            continue;
        }
        if (depth >= UI_MAX_SUBGRAPH_DEPTH)
            return ui_node_fail(c, n, NULL, CFY_EINVAL,
                                "subgraphs nested deeper than %d (a subgraph containing itself?)",
                                UI_MAX_SUBGRAPH_DEPTH);
        n->child = calloc(1, sizeof *n->child);
        if (!n->child) return oom(c);
        n->child->parent = g;
        n->child->instance = n;
        if (strlen(n->exec_id) + 2 > sizeof n->child->prefix)
            return ui_node_fail(c, n, NULL, CFY_EINVAL, "subgraph ids nested too deep");
        snprintf(n->child->prefix, sizeof n->child->prefix, "%.*s:", (int)sizeof n->child->prefix - 2, n->exec_id);
        st = build_graph(c, n->child, n->subgraph_def, depth + 1);
        if (st != CFY_OK) return st;
    }
    return CFY_OK;
}

static bool has_widget_values(const cJSON *node_json)
{
    const cJSON *wv = cJSON_GetObjectItemCaseSensitive(node_json, "widgets_values");
    return (cJSON_IsArray(wv) || cJSON_IsObject(wv)) && wv->child;
}

/* Map widgets of every registered node. Nodes that emit nothing (muted, bypassed, or inside a
 * muted or bypassed subgraph instance) are mapped leniently: their values only matter to
 * %Node.widget% replacement. */
static cfy_status map_all_widgets(ui_ctx *c, ui_graph *g, bool lenient)
{
    for (int i = 0; i < g->n_nodes; i++) {
        ui_node *n = &g->nodes[i];
        bool silent = lenient || n->mode == UI_MODE_NEVER || n->mode == UI_MODE_BYPASS;
        if (n->child) {
            cfy_status st = map_all_widgets(c, n->child, silent);
            if (st != CFY_OK) return st;
            continue;
        }
        if (!n->def) continue;
        cfy_status st = ui_map_widgets(c, n);
        if (st == CFY_OK) continue;
        if (st == CFY_ENOMEM || !silent) return st;
        cJSON_Delete(n->widgets);
        n->widgets = NULL;
        cfy_error_clear(c->err);
    }
    return CFY_OK;
}

/* ================================ emission ================================ */

/* Arrays are wrapped so the backend does not read them as links. Takes v. */
static cJSON *wrap_value(cJSON *v)
{
    if (!v || !cJSON_IsArray(v)) return v;
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToObject(o, "__value__", v)) {
        cJSON_Delete(o);
        cJSON_Delete(v);
        return NULL;
    }
    return o;
}

/* inputs[name] = v, replacing an earlier value. Takes v. */
static bool set_input(cJSON *inputs, const char *name, cJSON *v)
{
    if (!v) return false;
    bool ok = cJSON_GetObjectItemCaseSensitive(inputs, name) ? cJSON_ReplaceItemInObjectCaseSensitive(inputs, name, v)
                                                             : cJSON_AddItemToObject(inputs, name, v);
    if (!ok) {
        cJSON_Delete(v);
        return false;
    }
    return true;
}

/* Apply the frontend's filename text replacement to a string value when `name` is such an input. */
static cfy_status maybe_replace(ui_ctx *c, const ui_node *n, const char *name, cJSON **v)
{
    if (!n->def || !cJSON_IsString(*v) || !ui_is_text_replace_input(n->def, cfy_node_def_input(n->def, name)))
        return CFY_OK;
    char *txt = ui_text_replace(c, (*v)->valuestring);
    cJSON *r = txt ? cJSON_CreateString(txt) : NULL;
    free(txt);
    if (!r) return oom(c);
    cJSON_Delete(*v);
    *v = r;
    return CFY_OK;
}

static cfy_status emit_node(ui_ctx *c, ui_graph *g, ui_node *n, cJSON *api)
{
    if (!n->def) {
        if (strncmp(n->type, "workflow>", 9) == 0 || strncmp(n->type, "workflow/", 9) == 0)
            return ui_node_fail(c, n, NULL, CFY_EUNSUPPORTED,
                                "legacy group node; open and save the workflow in a current ComfyUI frontend to "
                                "turn it into a subgraph");
        if (has_widget_values(n->json))
            return ui_node_fail(c, n, NULL, CFY_EINVAL,
                                "unknown node type '%s' with widget values, which cannot be mapped without its "
                                "definition",
                                n->type);
    }
    cJSON *node = cJSON_CreateObject();
    cJSON *inputs = cJSON_CreateObject();
    if (!node || !inputs || !cJSON_AddItemToObject(node, "inputs", inputs)) {
        cJSON_Delete(node);
        cJSON_Delete(inputs);
        return oom(c);
    }
    cfy_status st = CFY_OK;
    /* widget values: text replacement, array wrapping */
    const cJSON *w;
    cJSON_ArrayForEach(w, n->widgets)
    {
        cJSON *v = cJSON_Duplicate(w, true);
        if (!v) {
            st = oom(c);
            break;
        }
        st = maybe_replace(c, n, w->string, &v);
        if (st != CFY_OK) {
            cJSON_Delete(v);
            break;
        }
        if (!set_input(inputs, w->string, wrap_value(v))) {
            st = oom(c);
            break;
        }
    }
    /* links win over widget values */
    const cJSON *in;
    const cJSON *ins = cJSON_GetObjectItemCaseSensitive(n->json, "inputs");
    if (cJSON_IsArray(ins)) {
        cJSON_ArrayForEach(in, ins)
        {
            if (st != CFY_OK) break;
            const cJSON *nm = cJSON_GetObjectItemCaseSensitive(in, "name");
            if (!cJSON_IsString(nm)) continue;
            ui_source src;
            st = ui_resolve_input(c, g, n, in, &src);
            if (st != CFY_OK) break;
            cJSON *v = NULL;
            if (src.kind == UI_SRC_LINK) {
                v = cJSON_CreateArray();
                cJSON *id = cJSON_CreateString(src.node_id), *slot = cJSON_CreateNumber(src.slot);
                if (!v || !id || !slot || !cJSON_AddItemToArray(v, id) || !cJSON_AddItemToArray(v, slot)) {
                    cJSON_Delete(v);
                    cJSON_Delete(id);
                    cJSON_Delete(slot);
                    st = oom(c);
                    break;
                }
            } else if (src.kind == UI_SRC_CONST) {
                v = src.value;
                st = maybe_replace(c, n, nm->valuestring, &v);
                if (st != CFY_OK) {
                    cJSON_Delete(v);
                    break;
                }
                v = wrap_value(v);
            } else {
                continue; /* unresolvable: the widget value, if any, stays */
            }
            if (!set_input(inputs, nm->valuestring, v)) st = oom(c);
        }
    }
    if (st == CFY_OK) {
        cJSON *meta =
            cJSON_AddStringToObject(node, "class_type", n->type) ? cJSON_AddObjectToObject(node, "_meta") : NULL;
        if (!meta || !cJSON_AddStringToObject(meta, "title", ui_node_title(n))) st = oom(c);
    }
    if (st == CFY_OK && !cJSON_AddItemToObject(api, n->exec_id, node)) st = oom(c);
    if (st != CFY_OK) cJSON_Delete(node);
    return st;
}

typedef struct order_key {
    double order; /* the node's saved execution order ("order"); position when absent */
    int index;
} order_key;

static int cmp_order(const void *a, const void *b)
{
    const order_key *x = a, *y = b;
    if (x->order != y->order) return x->order < y->order ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* Nodes are emitted in their saved execution order, as the frontend walks them (the key order
 * of the prompt does not matter to the backend, but keeps PNG prompt chunks alike). */
static cfy_status emit_graph(ui_ctx *c, ui_graph *g, cJSON *api)
{
    order_key *keys = malloc(sizeof *keys * (size_t)(g->n_nodes ? g->n_nodes : 1));
    if (!keys) return oom(c);
    for (int i = 0; i < g->n_nodes; i++) {
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(g->nodes[i].json, "order");
        keys[i] = (order_key){cJSON_IsNumber(o) && isfinite(o->valuedouble) ? o->valuedouble : (double)i, i};
    }
    qsort(keys, (size_t)g->n_nodes, sizeof *keys, cmp_order);
    cfy_status st = CFY_OK;
    for (int k = 0; k < g->n_nodes && st == CFY_OK; k++) {
        ui_node *n = &g->nodes[keys[k].index];
        if (n->mode == UI_MODE_NEVER || n->mode == UI_MODE_BYPASS || ui_is_virtual_type(n->type)) continue;
        st = n->child ? emit_graph(c, n->child, api) : emit_node(c, g, n, api);
    }
    free(keys);
    return st;
}

/* Step 7 of §2.5: drop inputs linking to nodes that emitted nothing (muted sources). */
static void drop_dangling_links(cJSON *api)
{
    cJSON *node;
    cJSON_ArrayForEach(node, api)
    {
        cJSON *inputs = cJSON_GetObjectItemCaseSensitive(node, "inputs");
        for (cJSON *it = inputs ? inputs->child : NULL; it;) {
            cJSON *next = it->next;
            if (cJSON_IsArray(it) && cJSON_GetArraySize(it) == 2 && cJSON_IsString(it->child) &&
                !cJSON_GetObjectItemCaseSensitive(api, it->child->valuestring))
                cJSON_Delete(cJSON_DetachItemViaPointer(inputs, it));
            it = next;
        }
    }
}

/* ================================ entry points ================================ */

cfy_status cfy_ui_to_api_at(cfy_runtime *rt, const cJSON *ui, const struct tm *now, cJSON **api_out, cfy_error *err)
{
    *api_out = NULL;
    if (!cfy_is_ui_workflow(ui))
        return cfy_error_set(err, CFY_EINVAL, "UI workflow: expected an object with 'nodes' and 'links' arrays");
    ui_ctx c = {.rt = rt, .reg = cfy_runtime_registry(rt), .ui = ui, .now = *now, .err = err};
    ui_graph root = {0};
    cJSON *api = NULL;
    c.root = &root;
    cfy_status st = collect_defs(&c, ui, 0);
    if (st == CFY_OK) st = build_graph(&c, &root, ui, 0);
    if (st == CFY_OK) st = map_all_widgets(&c, &root, false);
    if (st == CFY_OK && !(api = cJSON_CreateObject())) st = oom(&c);
    if (st == CFY_OK) st = emit_graph(&c, &root, api);
    if (st == CFY_OK) drop_dangling_links(api);
    ui_graph_free(&root);
    free(c.subgraph_defs);
    if (st != CFY_OK) {
        cJSON_Delete(api);
        return st;
    }
    *api_out = api;
    return CFY_OK;
}

cfy_status cfy_ui_to_api(cfy_runtime *rt, const cJSON *ui, cJSON **api_out, cfy_error *err)
{
    time_t t = time(NULL);
    struct tm now;
    if (!localtime_r(&t, &now)) memset(&now, 0, sizeof now);
    return cfy_ui_to_api_at(rt, ui, &now, api_out, err);
}

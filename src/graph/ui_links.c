/* ui_links.c — reading a UI graph's nodes and links, and resolving where an input's link leads.
 *
 * Links come in two layouts (spec §2.1): arrays [id, origin_id, origin_slot, target_id,
 * target_slot, type] in schema 0.4 and objects {id, origin_id, ...} in version 1 and in subgraph
 * definitions; both are normalised to ui_link. Resolution (§2.6) follows Reroute nodes, bypassed
 * (mode 4) nodes, other virtual nodes and subgraph boundaries until it reaches a real node
 * output, a PrimitiveNode constant, or nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "graph/ui_convert_internal.h"

/* ================================ reading ================================ */

/* Node ids are integers (strings for legacy group-node inner nodes); keep them as text. */
static bool id_text(const cJSON *item, char *buf, size_t size)
{
    if (cJSON_IsNumber(item)) {
        double v = item->valuedouble;
        if (!isfinite(v)) return false;
        if (v == floor(v) && fabs(v) < 9e15)
            snprintf(buf, size, "%lld", (long long)v);
        else
            snprintf(buf, size, "%.17g", v);
        return true;
    }
    if (cJSON_IsString(item) && item->valuestring) {
        if (strlen(item->valuestring) >= size) return false;
        snprintf(buf, size, "%s", item->valuestring);
        return true;
    }
    return false;
}

/* Slot indices are numbers, sometimes numeric strings. */
static bool slot_int(const cJSON *item, int *out)
{
    double v;
    if (cJSON_IsNumber(item))
        v = item->valuedouble;
    else if (cJSON_IsString(item) && item->valuestring && item->valuestring[0]) {
        char *end;
        v = strtod(item->valuestring, &end);
        if (*end) return false;
    } else
        return false;
    if (!isfinite(v) || v != floor(v) || v < -1e9 || v > 1e9) return false;
    *out = (int)v;
    return true;
}

static bool read_link(const cJSON *j, ui_link *l)
{
    const cJSON *id, *oid, *os, *tid, *ts;
    if (cJSON_IsArray(j)) {
        if (cJSON_GetArraySize(j) < 5) return false;
        id = j->child;
        oid = id->next;
        os = oid->next;
        tid = os->next;
        ts = tid->next;
    } else if (cJSON_IsObject(j)) {
        id = cJSON_GetObjectItemCaseSensitive(j, "id");
        oid = cJSON_GetObjectItemCaseSensitive(j, "origin_id");
        os = cJSON_GetObjectItemCaseSensitive(j, "origin_slot");
        tid = cJSON_GetObjectItemCaseSensitive(j, "target_id");
        ts = cJSON_GetObjectItemCaseSensitive(j, "target_slot");
    } else
        return false;
    if (!cJSON_IsNumber(id) || !isfinite(id->valuedouble)) return false;
    l->id = id->valuedouble;
    return id_text(oid, l->origin, sizeof l->origin) && slot_int(os, &l->origin_slot) &&
           id_text(tid, l->target, sizeof l->target) && slot_int(ts, &l->target_slot);
}

static int cmp_link(const void *a, const void *b)
{
    double x = ((const ui_link *)a)->id, y = ((const ui_link *)b)->id;
    return (x > y) - (x < y);
}

static int cmp_node_ids(const char *a, const char *b)
{
    return strcmp(a, b);
}

/* qsort has no context argument; sort node indices by id with a merge sort instead. */
static void merge_sort_idx(int *idx, int *tmp, int n, const ui_node *nodes)
{
    if (n < 2) return;
    int h = n / 2;
    merge_sort_idx(idx, tmp, h, nodes);
    merge_sort_idx(idx + h, tmp, n - h, nodes);
    int i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = cmp_node_ids(nodes[idx[j]].id, nodes[idx[i]].id) < 0 ? idx[j++] : idx[i++];
    while (i < h)
        tmp[k++] = idx[i++];
    while (j < n)
        tmp[k++] = idx[j++];
    memcpy(idx, tmp, sizeof *idx * (size_t)n);
}

cfy_status ui_graph_read(ui_ctx *c, ui_graph *g, const cJSON *graph_json)
{
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(graph_json, "nodes");
    const cJSON *links = cJSON_GetObjectItemCaseSensitive(graph_json, "links");
    if (!cJSON_IsArray(nodes))
        return cfy_error_set(c->err, CFY_EINVAL, "UI workflow%s%s: 'nodes' is not an array",
                             g->prefix[0] ? " subgraph at " : "", g->prefix);
    if (links && !cJSON_IsArray(links) && !cJSON_IsNull(links))
        return cfy_error_set(c->err, CFY_EINVAL, "UI workflow%s%s: 'links' is not an array",
                             g->prefix[0] ? " subgraph at " : "", g->prefix);
    int nn = cJSON_GetArraySize(nodes), nl = cJSON_IsArray(links) ? cJSON_GetArraySize(links) : 0;
    g->nodes = calloc((size_t)(nn ? nn : 1), sizeof *g->nodes);
    g->node_order = calloc((size_t)(nn ? nn : 1), sizeof *g->node_order);
    g->links = calloc((size_t)(nl ? nl : 1), sizeof *g->links);
    if (!g->nodes || !g->node_order || !g->links)
        return cfy_error_set(c->err, CFY_ENOMEM, "UI workflow: out of memory");

    int i = 0;
    const cJSON *n;
    cJSON_ArrayForEach(n, nodes)
    {
        ui_node *un = &g->nodes[i];
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(n, "id");
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(n, "type");
        const cJSON *mode = cJSON_GetObjectItemCaseSensitive(n, "mode");
        if (!cJSON_IsObject(n) || !id_text(id, un->id, sizeof un->id))
            return cfy_error_set(c->err, CFY_EINVAL, "UI workflow%s%s: node #%d has no valid 'id'",
                                 g->prefix[0] ? " subgraph at " : "", g->prefix, i);
        if (!cJSON_IsString(type) || !type->valuestring[0])
            return cfy_error_set(c->err, CFY_EINVAL, "UI workflow: node %s%s has no 'type'", g->prefix, un->id);
        un->json = n;
        un->type = type->valuestring;
        un->mode = cJSON_IsNumber(mode) && mode->valuedouble >= 0 && mode->valuedouble <= 16 ? (int)mode->valuedouble
                                                                                             : UI_MODE_ALWAYS;
        if (strlen(g->prefix) + strlen(un->id) >= sizeof un->exec_id)
            return cfy_error_set(c->err, CFY_EINVAL, "UI workflow: node id %s%s is too long", g->prefix, un->id);
        size_t lp = strlen(g->prefix);
        memcpy(un->exec_id, g->prefix, lp);
        memcpy(un->exec_id + lp, un->id, strlen(un->id) + 1);
        g->node_order[i] = i;
        i++;
    }
    g->n_nodes = nn;
    int *tmp = malloc(sizeof *tmp * (size_t)(nn ? nn : 1));
    if (!tmp) return cfy_error_set(c->err, CFY_ENOMEM, "UI workflow: out of memory");
    merge_sort_idx(g->node_order, tmp, nn, g->nodes);
    free(tmp);
    for (int j = 1; j < nn; j++)
        if (strcmp(g->nodes[g->node_order[j - 1]].id, g->nodes[g->node_order[j]].id) == 0)
            return cfy_error_set(c->err, CFY_EINVAL, "UI workflow: node id %s%s is used twice", g->prefix,
                                 g->nodes[g->node_order[j]].id);

    int k = 0;
    const cJSON *l;
    if (cJSON_IsArray(links)) {
        cJSON_ArrayForEach(l, links)
        {
            if (cJSON_IsNull(l)) continue; /* deleted links are sometimes left as null */
            if (!read_link(l, &g->links[k])) {
                char *txt = cJSON_PrintUnformatted(l);
                cfy_status st = cfy_error_set(c->err, CFY_EINVAL, "UI workflow%s%s: malformed link %.200s",
                                              g->prefix[0] ? " subgraph at " : "", g->prefix, txt ? txt : "?");
                free(txt);
                return st;
            }
            k++;
        }
    }
    g->n_links = k;
    qsort(g->links, (size_t)k, sizeof *g->links, cmp_link);
    return CFY_OK;
}

void ui_graph_free(ui_graph *g)
{
    if (!g) return;
    for (int i = 0; i < g->n_nodes; i++) {
        cJSON_Delete(g->nodes[i].widgets);
        if (g->nodes[i].child) {
            ui_graph_free(g->nodes[i].child);
            free(g->nodes[i].child);
        }
    }
    free(g->nodes);
    free(g->node_order);
    free(g->links);
    g->nodes = NULL;
    g->links = NULL;
    g->node_order = NULL;
}

ui_node *ui_graph_find_node(const ui_graph *g, const char *id)
{
    int lo = 0, hi = g->n_nodes - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int c = cmp_node_ids(g->nodes[g->node_order[mid]].id, id);
        if (c == 0) return &g->nodes[g->node_order[mid]];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

const ui_link *ui_graph_find_link(const ui_graph *g, double id)
{
    int lo = 0, hi = g->n_links - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        double v = g->links[mid].id;
        if (v == id) return &g->links[mid];
        if (v < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

/* ================================ resolution ================================ */

static const cJSON *nth_item(const cJSON *arr, int n)
{
    if (!cJSON_IsArray(arr) || n < 0) return NULL;
    const cJSON *it = arr->child;
    while (it && n-- > 0)
        it = it->next;
    return it;
}

static const cJSON *node_input(const ui_node *n, int index)
{
    return nth_item(cJSON_GetObjectItemCaseSensitive(n->json, "inputs"), index);
}

static int node_input_count(const ui_node *n)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(n->json, "inputs");
    return cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0;
}

static const char *slot_type(const cJSON *slot)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(slot, "type");
    return cJSON_IsString(t) ? t->valuestring : "";
}

/* The link an input entry points at, or NULL when unconnected (or a stale link id). */
static const ui_link *input_link(const ui_graph *g, const cJSON *input)
{
    const cJSON *lk = cJSON_GetObjectItemCaseSensitive(input, "link");
    if (!cJSON_IsNumber(lk)) return NULL;
    return ui_graph_find_link(g, lk->valuedouble);
}

/* Frontend type compatibility: empty or "*" matches anything; else case-insensitive equality,
 * or a common member of comma-separated lists. */
static bool types_compatible(const char *a, const char *b)
{
    if (!a[0] || !b[0] || strcmp(a, "*") == 0 || strcmp(b, "*") == 0) return true;
    if (strcasecmp(a, b) == 0) return true;
    if (!strchr(a, ',') && !strchr(b, ',')) return false;
    for (const char *p = a; *p;) {
        const char *e = strchr(p, ',');
        size_t la = e ? (size_t)(e - p) : strlen(p);
        for (const char *q = b; *q;) {
            const char *f = strchr(q, ',');
            size_t lb = f ? (size_t)(f - q) : strlen(q);
            if (la == lb && strncasecmp(p, q, la) == 0) return true;
            q += lb + (f ? 1 : 0);
        }
        p += la + (e ? 1 : 0);
    }
    return false;
}

/* Which input of bypassed node n stands in for its output `slot` when the consumer's input has
 * type req (§2.6, rule (d) implemented as intended). -1 when none. */
static int bypass_slot(const ui_node *n, int slot, const char *req)
{
    int count = node_input_count(n);
    if (count == 0) return -1;
    if (!req[0] || strcmp(req, "*") == 0) return slot >= 0 && slot < count ? slot : 0;
    const char *out_type = slot_type(nth_item(cJSON_GetObjectItemCaseSensitive(n->json, "outputs"), slot));
    if (slot >= 0 && slot < count) {
        const char *t = slot_type(node_input(n, slot));
        if (types_compatible(t, out_type) && types_compatible(t, req)) return slot;
    }
    for (int j = 0; j < count; j++)
        if (strcmp(slot_type(node_input(n, j)), req) == 0) return j;
    for (int j = 0; j < count; j++)
        if (types_compatible(slot_type(node_input(n, j)), req)) return j;
    return -1;
}

/* (graph, node, slot) triples already passed while resolving one input. */
typedef struct visit {
    const ui_graph *g;
    const ui_node *n;
    int slot;
} visit;
enum { MAX_HOPS = 1024 };

static cfy_status primitive_value(ui_ctx *c, const ui_node *src, ui_source *out)
{
    const cJSON *wv = cJSON_GetObjectItemCaseSensitive(src->json, "widgets_values");
    const cJSON *v = cJSON_IsArray(wv) ? wv->child : NULL;
    if (!v) return CFY_OK; /* an unconfigured primitive: nothing */
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(src->json, "properties");
    const cJSON *replace = cJSON_GetObjectItemCaseSensitive(props, "Run widget replace on values");
    if (cJSON_IsTrue(replace) && cJSON_IsString(v)) {
        char *txt = ui_text_replace(c, v->valuestring);
        out->value = txt ? cJSON_CreateString(txt) : NULL;
        free(txt);
    } else {
        out->value = cJSON_Duplicate(v, true);
    }
    if (!out->value) return cfy_error_set(c->err, CFY_ENOMEM, "UI workflow: out of memory");
    out->kind = UI_SRC_CONST;
    return CFY_OK;
}

cfy_status ui_resolve_input(ui_ctx *c, ui_graph *g, const ui_node *node, const cJSON *input_json, ui_source *out)
{
    memset(out, 0, sizeof *out);
    out->kind = UI_SRC_NONE;
    const cJSON *nm = cJSON_GetObjectItemCaseSensitive(input_json, "name");
    const char *name = cJSON_IsString(nm) ? nm->valuestring : "";
    const char *req = slot_type(input_json);
    const ui_link *l = input_link(g, input_json);
    visit seen[MAX_HOPS];
    int n_seen = 0;

    while (l) {
        /* Leaving a subgraph through its input node: continue with what feeds the instance. */
        if (g->parent && strcmp(l->origin, "-10") == 0) {
            const ui_node *inst = g->instance;
            g = g->parent;
            l = input_link(g, node_input(inst, l->origin_slot));
            continue; /* an unconnected instance input: nothing ([unconfirmed] promoted widgets) */
        }
        ui_node *src = ui_graph_find_node(g, l->origin);
        if (!src)
            return ui_node_fail(c, node, name, CFY_EINVAL,
                                "linked (link %.0f) to node %s%s, which is not in the workflow", l->id, g->prefix,
                                l->origin);
        for (int i = 0; i < n_seen; i++)
            if (seen[i].g == g && seen[i].n == src && seen[i].slot == l->origin_slot)
                return ui_node_fail(c, node, name, CFY_EINVAL, "the link loops back through node %s (%s)", src->exec_id,
                                    src->type);
        if (n_seen == MAX_HOPS)
            return ui_node_fail(c, node, name, CFY_EINVAL, "more than %d hops through virtual nodes", MAX_HOPS);
        seen[n_seen++] = (visit){g, src, l->origin_slot};

        if (strcmp(src->type, "PrimitiveNode") == 0) return primitive_value(c, src, out);
        if (strcmp(src->type, "Reroute") == 0) {
            l = input_link(g, node_input(src, 0));
            continue;
        }
        if (src->mode == UI_MODE_BYPASS) {
            int j = bypass_slot(src, l->origin_slot, req);
            l = j >= 0 ? input_link(g, node_input(src, j)) : NULL;
            continue;
        }
        if (src->mode == UI_MODE_NEVER || (!src->child && !ui_is_virtual_type(src->type))) {
            out->kind = UI_SRC_LINK;
            snprintf(out->node_id, sizeof out->node_id, "%s", src->exec_id);
            out->slot = l->origin_slot;
            return CFY_OK;
        }
        if (src->child) { /* entering a subgraph instance through its output node */
            const ui_graph *ch = src->child;
            const ui_link *inner = NULL;
            for (int i = 0; i < ch->n_links && !inner; i++)
                if (strcmp(ch->links[i].target, "-20") == 0 && ch->links[i].target_slot == l->origin_slot)
                    inner = &ch->links[i];
            g = src->child;
            l = inner;
            continue;
        }
        /* Other virtual nodes (Note, MarkdownNote, ...): the input with the output's index. */
        l = input_link(g, node_input(src, l->origin_slot));
    }
    return CFY_OK;
}

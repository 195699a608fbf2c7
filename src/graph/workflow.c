/* workflow.c — loading a workflow (API JSON, UI JSON, PNG chunks, /prompt bodies) and editing it.
 *
 * Format detection: a PNG is read through its `prompt` chunk (its `workflow` chunk is kept for
 * re-embedding) or, lacking one, its `workflow` chunk converted from UI format. JSON text is
 * a UI workflow when it has "nodes" and "links", a POST /prompt body when it has a "prompt"
 * object, and otherwise an API prompt: an object of node objects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"
#include "core/png_text.h"
#include "graph/json.h"
#include "graph/ui_convert.h"
#include "graph/workflow_internal.h"

#define MAX_WORKFLOW_BYTES ((size_t)256 << 20)

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

int wf_find(const cfy_workflow *wf, const char *id)
{
    if (!wf->id_index || !id) return -1;
    size_t mask = (size_t)wf->id_cap - 1;
    for (size_t i = (size_t)str_hash(id) & mask;; i = (i + 1) & mask) {
        int k = wf->id_index[i];
        if (k < 0) return -1;
        if (strcmp(wf->nodes[k].id, id) == 0) return k;
    }
}

void wf_file_free(wf_file *f)
{
    free(f->node_id);
    free(f->filename);
    free(f->subfolder);
    free(f->type);
}

void wf_clear_table(cfy_workflow *wf)
{
    for (int i = 0; i < wf->n_nodes; i++) {
        wf_node *n = &wf->nodes[i];
        for (int k = 0; k < n->n_inputs; k++)
            cfy_value_release(n->inputs[k].constant);
        free(n->inputs);
        cJSON_Delete(n->errors);
        cJSON_Delete(n->report);
    }
    free(wf->nodes);
    free(wf->id_index);
    free(wf->order);
    wf->nodes = NULL;
    wf->id_index = NULL;
    wf->order = NULL;
    wf->n_nodes = wf->id_cap = wf->n_order = 0;
    wf->validated = false;
}

/* Build the bare node table (ids and JSON) and the id index. Wrong shapes were refused at load. */
cfy_status wf_build_table(cfy_workflow *wf, cfy_error *err);
cfy_status wf_build_table(cfy_workflow *wf, cfy_error *err)
{
    wf_clear_table(wf);
    int n = cJSON_GetArraySize(wf->prompt);
    int cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    wf->nodes = calloc((size_t)n + 1, sizeof *wf->nodes);
    wf->id_index = malloc(sizeof *wf->id_index * (size_t)cap);
    if (!wf->nodes || !wf->id_index) return cfy_error_set(err, CFY_ENOMEM, "workflow: out of memory");
    wf->id_cap = cap;
    memset(wf->id_index, 0xff, sizeof *wf->id_index * (size_t)cap);
    int i = 0;
    for (cJSON *c = wf->prompt->child; c; c = c->next, i++) {
        wf->nodes[i].id = c->string;
        wf->nodes[i].json = c;
        if (wf_find(wf, c->string) >= 0) continue; /* duplicate keys were merged by the parser */
        size_t mask = (size_t)cap - 1;
        size_t at = (size_t)str_hash(c->string) & mask;
        while (wf->id_index[at] >= 0)
            at = (at + 1) & mask;
        wf->id_index[at] = i;
        wf->n_nodes = i + 1;
    }
    wf->n_nodes = n;
    return CFY_OK;
}

static const char *json_kind(const cJSON *v)
{
    switch (v->type & 0xFF) {
    case cJSON_Array:
        return "an array";
    case cJSON_Object:
        return "an object";
    case cJSON_String:
        return "a string";
    case cJSON_Number:
    case cJSON_Raw:
        return "a number";
    case cJSON_True:
    case cJSON_False:
        return "a boolean";
    default:
        return "null";
    }
}

/* The top level must be an object of node objects, each with an "inputs" object when present. */
static cfy_status check_api_shape(const cJSON *api, const char *name, cfy_error *err)
{
    if (!cJSON_IsObject(api))
        return cfy_error_set(err, CFY_EPARSE,
                             "%s: wrong top-level shape: expected a JSON object of nodes (API prompt) or a UI "
                             "workflow, got %s",
                             name, json_kind(api));
    for (const cJSON *c = api->child; c; c = c->next) {
        if (!cJSON_IsObject(c))
            return cfy_error_set(err, CFY_EPARSE,
                                 "%s: wrong shape: node '%s' is %s, expected an object with class_type and inputs",
                                 name, c->string, json_kind(c));
        const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(c, "inputs");
        if (inputs && !cJSON_IsObject(inputs))
            return cfy_error_set(err, CFY_EPARSE, "%s: wrong shape: node '%s' has \"inputs\" as %s, expected an object",
                                 name, c->string, json_kind(inputs));
    }
    return CFY_OK;
}

static cfy_status new_workflow(const char *name, cfy_workflow **out, cfy_error *err)
{
    cfy_workflow *wf = calloc(1, sizeof *wf);
    if (!wf || !(wf->name = strdup(name ? name : "workflow"))) {
        free(wf);
        return cfy_error_set(err, CFY_ENOMEM, "workflow: out of memory");
    }
    *out = wf;
    return CFY_OK;
}

/* Make every node have an "inputs" object, so later stages need not check. */
static cfy_status ensure_inputs(cJSON *api, cfy_error *err)
{
    for (cJSON *c = api->child; c; c = c->next)
        if (!cJSON_GetObjectItemCaseSensitive(c, "inputs") && !cJSON_AddObjectToObject(c, "inputs"))
            return cfy_error_set(err, CFY_ENOMEM, "workflow: out of memory");
    return CFY_OK;
}

/* Take a parsed JSON root (takes root) and turn it into the workflow's prompt. */
static cfy_status adopt_json(cfy_runtime *rt, cfy_workflow *wf, cJSON *root, cfy_error *err)
{
    cfy_status st;
    if (cJSON_IsObject(root) && cfy_is_ui_workflow(root)) {
        cJSON *api = NULL;
        st = cfy_ui_to_api(rt, root, &api, err);
        if (st != CFY_OK) {
            cJSON_Delete(root);
            if (st == CFY_ENOMEM || st == CFY_EUNSUPPORTED) return st;
            if (err) err->code = CFY_EPARSE; /* a UI workflow that cannot be converted is an invalid workflow */
            return CFY_EPARSE;
        }
        if (!wf->ui)
            wf->ui = root; /* kept: printed when a node asks for it */
        else
            cJSON_Delete(root);
        root = api;
    } else if (cJSON_IsObject(root)) {
        /* a POST /prompt body: {"prompt": {...}, "extra_data": {"extra_pnginfo": {"workflow": ...}}} */
        cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "prompt");
        if (cJSON_IsObject(p) && !cJSON_GetObjectItemCaseSensitive(p, "class_type") &&
            !cJSON_GetObjectItemCaseSensitive(root, "class_type")) {
            const cJSON *ui = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "extra_data"), "extra_pnginfo"),
                "workflow");
            if (ui && !wf->ui)
                wf->ui = cJSON_DetachItemViaPointer(
                    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "extra_data"),
                                                     "extra_pnginfo"),
                    (cJSON *)ui);
            cJSON_DetachItemViaPointer(root, p);
            cJSON_Delete(root);
            root = p;
        }
    }
    if ((st = check_api_shape(root, wf->name, err)) != CFY_OK || (st = ensure_inputs(root, err)) != CFY_OK) {
        cJSON_Delete(root);
        return st;
    }
    wf->prompt = root;
    return CFY_OK;
}

static cfy_status parse_png(cfy_runtime *rt, cfy_workflow *wf, const void *data, size_t size, cfy_error *err)
{
    char *prompt = NULL, *workflow = NULL;
    cfy_status st = cfy_png_read_text(data, size, "prompt", &prompt, err);
    if (st != CFY_OK && st != CFY_ENOTFOUND) return st;
    st = cfy_png_read_text(data, size, "workflow", &workflow, err);
    if (st != CFY_OK && st != CFY_ENOTFOUND) {
        free(prompt);
        return st;
    }
    if (!prompt && !workflow)
        return cfy_error_set(err, CFY_EPARSE, "%s: the PNG carries no 'prompt' or 'workflow' text chunk", wf->name);
    char where[300];
    cJSON *root = NULL;
    if (workflow) {
        /* keep the UI workflow for re-embedding (Python style, as SaveImage writes it) */
        snprintf(where, sizeof where, "%s (workflow chunk)", wf->name);
        st = cfy_json_parse(workflow, strlen(workflow), where, &root, err);
        if (st == CFY_OK) {
            if (!prompt)
                st = adopt_json(rt, wf, root, err);
            else
                wf->ui = root; /* kept for re-embedding */
            root = NULL;
        }
        cJSON_Delete(root);
        root = NULL;
        if (st != CFY_OK && prompt) st = CFY_OK; /* a broken workflow chunk is not needed to run the prompt */
    }
    if (st == CFY_OK && prompt) {
        snprintf(where, sizeof where, "%s (prompt chunk)", wf->name);
        st = cfy_json_parse(prompt, strlen(prompt), where, &root, err);
        if (st == CFY_OK) st = adopt_json(rt, wf, root, err);
    }
    free(prompt);
    free(workflow);
    return st;
}

cfy_status cfy_workflow_parse(cfy_runtime *rt, const void *data, size_t size, const char *name, cfy_workflow **out,
                              cfy_error *err)
{
    *out = NULL;
    cfy_workflow *wf = NULL;
    cfy_status st = new_workflow(name, &wf, err);
    if (st != CFY_OK) return st;
    if (cfy_png_is_png(data, size)) {
        st = parse_png(rt, wf, data, size, err);
    } else {
        cJSON *root = NULL;
        st = cfy_json_parse(data, size, wf->name, &root, err);
        if (st == CFY_OK) st = adopt_json(rt, wf, root, err);
    }
    if (st != CFY_OK) {
        cfy_workflow_free(wf);
        return st;
    }
    *out = wf;
    return CFY_OK;
}

cfy_status cfy_workflow_load(cfy_runtime *rt, const char *path, cfy_workflow **out, cfy_error *err)
{
    *out = NULL;
    void *data = NULL;
    size_t size = 0;
    cfy_status st = cfy_read_file(path, MAX_WORKFLOW_BYTES, &data, &size, err);
    if (st != CFY_OK) return st;
    st = cfy_workflow_parse(rt, data, size, path, out, err);
    free(data);
    return st;
}

void cfy_workflow_free(cfy_workflow *wf)
{
    if (!wf) return;
    wf_clear_table(wf);
    cJSON_Delete(wf->prompt);
    cJSON_Delete(wf->ui);
    free(wf->ui_json);
    free(wf->name);
    free(wf->validation_json);
    for (int i = 0; i < wf->n_files; i++)
        wf_file_free(&wf->files[i]);
    free(wf->files);
    free(wf);
}

char *cfy_workflow_prompt_json(const cfy_workflow *wf)
{
    return cfy_json_print_python_style(wf->prompt);
}

const char *cfy_workflow_ui_json(const cfy_workflow *wf)
{
    /* printed on first use: loading a big UI workflow does not pay for it unless a node needs it.
     * The cached text does not change the workflow's meaning, so the const cast is safe. */
    cfy_workflow *w = (cfy_workflow *)wf;
    if (!w->ui_json && w->ui) w->ui_json = cfy_json_print_python_style(w->ui);
    return w->ui_json;
}

cfy_status cfy_workflow_set_input(cfy_workflow *wf, const char *node_id, const char *input, const char *json_value,
                                  cfy_error *err)
{
    cJSON *node = cJSON_GetObjectItemCaseSensitive(wf->prompt, node_id);
    if (!node) {
        cfy_error_set(err, CFY_ENOTFOUND, "no node with id '%s' in the workflow", node_id);
        if (err) snprintf(err->node_id, sizeof err->node_id, "%s", node_id);
        return cfy_error_set_input(err, input);
    }
    cJSON *v = NULL;
    cfy_error ignore;
    if (cfy_json_parse(json_value, strlen(json_value), "value", &v, &ignore) != CFY_OK)
        v = cJSON_CreateString(json_value);
    if (!v) return cfy_error_set(err, CFY_ENOMEM, "out of memory");
    cJSON *inputs = cJSON_GetObjectItemCaseSensitive(node, "inputs");
    bool ok = cJSON_GetObjectItemCaseSensitive(inputs, input) ? cJSON_ReplaceItemInObjectCaseSensitive(inputs, input, v)
                                                              : cJSON_AddItemToObject(inputs, input, v);
    if (!ok) {
        cJSON_Delete(v);
        return cfy_error_set(err, CFY_ENOMEM, "out of memory");
    }
    wf->validated = false;
    return CFY_OK;
}

cfy_status cfy_workflow_convert_ui(cfy_runtime *rt, const char *ui_json, char **api_json, cfy_error *err)
{
    *api_json = NULL;
    cJSON *root = NULL;
    cfy_status st = cfy_json_parse(ui_json, strlen(ui_json), "UI workflow", &root, err);
    if (st != CFY_OK) return st;
    if (!cJSON_IsObject(root) || !cfy_is_ui_workflow(root)) {
        cJSON_Delete(root);
        return cfy_error_set(err, CFY_EPARSE, "not a UI workflow: expected an object with \"nodes\" and \"links\"");
    }
    cJSON *api = NULL;
    st = cfy_ui_to_api(rt, root, &api, err);
    cJSON_Delete(root);
    if (st != CFY_OK) return st;
    *api_json = cfy_json_print_indented(api);
    cJSON_Delete(api);
    return *api_json ? CFY_OK : cfy_error_set(err, CFY_ENOMEM, "out of memory");
}

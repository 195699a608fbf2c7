/* execute.c — running a validated workflow: signatures, output cache, list mapping, the run report.
 *
 * Order: the validator's post-order walk (sources before consumers, deterministic). Each node's
 * signature hashes its class, its constants (sorted by input name) and, for links, the
 * signature of the source and the slot — so it covers every ancestor (spec 5.4). A node whose
 * signature has a cache entry is not executed. Nondeterministic nodes mix in a fresh nonce each
 * run, so they and their descendants always run; NOT_IDEMPOTENT nodes (and nodes with a
 * hidden UNIQUE_ID input) mix in their id.
 *
 * Lists (spec 5.3): every output slot holds a list of items. A node is called once per item
 * index (N = the longest input list, shorter lists repeat their last item), or once with whole
 * lists when it is INPUT_IS_LIST. Outputs flagged is_list concatenate the calls' lists. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "comfyc/runtime.h"
#include "core/node_ctx.h"
#include "graph/json.h"
#include "graph/workflow_internal.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ======================================================================== signatures */

static int cmp_input_name(const void *a, const void *b)
{
    const wf_input *x = *(const wf_input *const *)a, *y = *(const wf_input *const *)b;
    return strcmp(x->name, y->name);
}

static bool has_unique_id_input(const cfy_node_def *def)
{
    for (const cfy_input_def *in = def->inputs; in && in->name; in++)
        if ((in->flags & CFY_IN_HIDDEN) && in->type && strcmp(in->type, "UNIQUE_ID") == 0) return true;
    return false;
}

static cfy_status node_signature(cfy_runtime *rt, cfy_workflow *wf, wf_node *n, uint64_t nonce, cfy_error *err)
{
    wf_hash h;
    wf_hash_init(&h);
    wf_hash_str(&h, n->def->class_type);
    if ((n->def->flags & CFY_NODE_NOT_IDEMPOTENT) || has_unique_id_input(n->def)) wf_hash_str(&h, n->id);
    if (n->def->flags & CFY_NODE_NONDETERMINISTIC) wf_hash_u64(&h, nonce);
    wf_input *stack_in[16];
    wf_input **sorted = n->n_inputs <= 16 ? stack_in : malloc(sizeof *sorted * (size_t)n->n_inputs);
    if (!sorted) return cfy_error_set(err, CFY_ENOMEM, "out of memory");
    for (int i = 0; i < n->n_inputs; i++)
        sorted[i] = &n->inputs[i];
    qsort(sorted, (size_t)n->n_inputs, sizeof *sorted, cmp_input_name);
    cfy_status st = CFY_OK;
    for (int i = 0; i < n->n_inputs; i++) {
        const wf_input *wi = sorted[i];
        wf_hash_str(&h, wi->name);
        if (wi->src >= 0) {
            const wf_node *s = &wf->nodes[wi->src];
            wf_hash_str(&h, "\x01link");
            wf_hash_u64(&h, s->sig[0]);
            wf_hash_u64(&h, s->sig[1]);
            wf_hash_u64(&h, (uint64_t)wi->slot);
        } else {
            char *text = cfy_json_print_compact(wi->json);
            if (!text) {
                st = cfy_error_set(err, CFY_ENOMEM, "out of memory");
                break;
            }
            /* floats and ints print differently ("1.0" vs "1"), as Python's key tuples differ */
            wf_hash_str(&h, text);
            free(text);
        }
    }
    if (sorted != stack_in) free(sorted);
    if (st == CFY_OK && n->def->is_changed) {
        /* IS_CHANGED: the node's view of the outside world (e.g. a file hash) joins the key */
        cfy_node_ctx ctx;
        cfy_error ierr;
        char key[256] = "";
        cfy_error_clear(&ierr);
        st = wf_constants_ctx(rt, n, &ctx, &ierr);
        if (st != CFY_OK) return cfy_error_set(err, st, "%s", ierr.message);
        cfy_status changed = n->def->is_changed(&ctx, key, sizeof key);
        cfy_node_ctx_free(&ctx);
        wf_hash_str(&h, "\x01changed");
        wf_hash_str(&h, key);
        /* a failing IS_CHANGED counts as "changed" (ComfyUI treats it as NaN); the run itself
         * then reports the real problem */
        if (changed != CFY_OK) wf_hash_u64(&h, nonce);
    }
    n->sig[0] = h.a;
    n->sig[1] = h.b;
    n->has_sig = st == CFY_OK;
    return st;
}

/* ======================================================================== one node */

typedef struct run_state {
    cfy_runtime *rt;
    cfy_workflow *wf;
    char *prompt_text; /* owned: Python-style validated prompt (SaveImage's `prompt` chunk), made on first use */
    int first_file;    /* index in wf->files of the running node's first file */
    wf_node *current;  /* the running node (its report items) */
    cfy_error *err;
} run_state;

static void report_item(void *user, const char *node_id, const char *key, const char *json_text)
{
    run_state *rs = user;
    wf_node *n = rs->current;
    (void)node_id;
    cJSON *item = n ? cJSON_Parse(json_text) : NULL;
    if (!item) return; /* best effort: the report loses one item */
    if (!n->report && !(n->report = cJSON_CreateObject())) {
        cJSON_Delete(item);
        return;
    }
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(n->report, key);
    if (!arr && !(arr = cJSON_AddArrayToObject(n->report, key))) {
        cJSON_Delete(item);
        return;
    }
    cJSON_AddItemToArray(arr, item);
}

static void report_file(void *user, const char *node_id, const char *filename, const char *subfolder,
                        const char *folder_type)
{
    run_state *rs = user;
    cfy_workflow *wf = rs->wf;
    if (wf->n_files == wf->cap_files) {
        int cap = wf->cap_files ? wf->cap_files * 2 : 8;
        wf_file *f = realloc(wf->files, sizeof *f * (size_t)cap);
        if (!f) return; /* the report loses one line; the file itself was written */
        wf->files = f;
        wf->cap_files = cap;
    }
    wf_file *f = &wf->files[wf->n_files];
    f->node_id = strdup(node_id ? node_id : "");
    f->filename = strdup(filename ? filename : "");
    f->subfolder = strdup(subfolder ? subfolder : "");
    f->type = strdup(folder_type ? folder_type : "output");
    f->cached = false;
    if (!f->node_id || !f->filename || !f->subfolder || !f->type) {
        wf_file_free(f);
        return;
    }
    wf->n_files++;
}

/* The item list feeding input def_index of node n (NULL when absent), from the cache. */
static const cfy_value_list *input_items(cfy_runtime *rt, const cfy_workflow *wf, const wf_node *n, int def_index,
                                         cfy_value_list *const_list, const wf_input **which)
{
    *which = NULL;
    for (int i = 0; i < n->n_inputs; i++) {
        const wf_input *wi = &n->inputs[i];
        if (wi->def_index != def_index) continue;
        *which = wi;
        if (wi->src >= 0) {
            const exec_entry *e = exec_cache_find(rt, wf->nodes[wi->src].sig);
            if (!e || wi->slot >= e->n_outputs) return NULL;
            return &e->outputs[wi->slot];
        }
        if (!wi->constant) return NULL;
        const_list->items = (cfy_value **)&((wf_input *)wi)->constant;
        const_list->n = 1;
        return const_list;
    }
    return NULL;
}

/* Does the node declare a hidden input of this kind ("PROMPT", "EXTRA_PNGINFO")? Only those get
 * the texts, which are printed on first use. */
static bool wants_hidden(const cfy_node_def *def, const char *kind)
{
    for (const cfy_input_def *in = def->inputs; in && in->name; in++)
        if ((in->flags & CFY_IN_HIDDEN) && in->type && strcmp(in->type, kind) == 0) return true;
    return false;
}

/* Execute node n (not cached). On success its merged outputs are in the cache. */
static cfy_status exec_node(run_state *rs, wf_node *n)
{
    cfy_runtime *rt = rs->rt;
    const cfy_node_def *def = n->def;
    cfy_error *err = rs->err;
    int n_in = 0;
    for (const cfy_input_def *in = def->inputs; in && in->name; in++)
        n_in++;
    int n_out = cfy_node_def_output_count(def);
    const cfy_value_list *lists_stack[16];
    cfy_value_list consts_stack[16];
    const cfy_value_list **lists = n_in <= 16 ? lists_stack : calloc((size_t)n_in, sizeof *lists);
    cfy_value_list *consts = n_in <= 16 ? consts_stack : calloc((size_t)n_in, sizeof *consts);
    cfy_value_list *merged = calloc((size_t)n_out + 1, sizeof *merged);
    cfy_status st = CFY_OK;
    if (!lists || !consts || !merged) {
        st = cfy_error_set(err, CFY_ENOMEM, "out of memory");
        goto done;
    }
    /* gather inputs; N = longest list */
    int calls = 0;
    const char *empty_input = NULL;
    for (int i = 0; i < n_in; i++) {
        const wf_input *wi;
        memset(&consts[i], 0, sizeof consts[i]);
        lists[i] = input_items(rt, rs->wf, n, i, &consts[i], &wi);
        if (wi && wi->src >= 0 && (!lists[i] || lists[i]->n == 0)) empty_input = def->inputs[i].name;
        if (lists[i] && lists[i]->n > calls) calls = lists[i]->n;
    }
    bool input_is_list = (def->flags & CFY_NODE_INPUT_IS_LIST) != 0;
    if (input_is_list || calls == 0)
        calls = 1;
    else if (empty_input) {
        cfy_error_set(err, CFY_EINVAL, "input '%s' received an empty list while other inputs have %d items",
                      empty_input, calls);
        snprintf(err->node_id, sizeof err->node_id, "%s", n->id);
        snprintf(err->class_type, sizeof err->class_type, "%s", def->class_type);
        st = cfy_error_set_input(err, empty_input);
        goto done;
    }
    for (int call = 0; call < calls && st == CFY_OK; call++) {
        if (cfy_runtime_interrupted(rt)) {
            cfy_error_set(err, CFY_EINTERRUPTED, "interrupted before node %s (%s)", n->id, def->class_type);
            snprintf(err->node_id, sizeof err->node_id, "%s", n->id);
            snprintf(err->class_type, sizeof err->class_type, "%s", def->class_type);
            st = CFY_EINTERRUPTED;
            break;
        }
        cfy_node_ctx ctx;
        if ((st = cfy_node_ctx_init(&ctx, rt, def, n->id, err)) != CFY_OK) break;
        if (wants_hidden(def, "PROMPT")) {
            if (!rs->prompt_text && !(rs->prompt_text = cfy_json_print_python_style(rs->wf->prompt))) {
                cfy_node_ctx_free(&ctx);
                st = cfy_error_set(err, CFY_ENOMEM, "out of memory");
                break;
            }
            ctx.prompt_json = rs->prompt_text;
        }
        if (wants_hidden(def, "EXTRA_PNGINFO")) ctx.workflow_json = cfy_workflow_ui_json(rs->wf);
        ctx.report_file = report_file;
        ctx.report_item = report_item;
        ctx.report_user = rs;
        for (int i = 0; i < n_in && st == CFY_OK; i++) {
            const cfy_value_list *l = lists[i];
            if (!l || l->n == 0) continue;
            if (input_is_list) {
                for (int k = 0; k < l->n && st == CFY_OK; k++)
                    st = cfy_value_list_push(&ctx.inputs[i], cfy_value_retain(l->items[k]), err);
            } else {
                int k = call < l->n ? call : l->n - 1; /* broadcast the last item */
                st = cfy_value_list_push(&ctx.inputs[i], cfy_value_retain(l->items[k]), err);
            }
        }
        if (st == CFY_OK) {
            st = def->run(&ctx);
            if (st != CFY_OK && err && !err->message[0])
                cfy_error_set(err, st, "node %s (%s) failed with %s", n->id, def->class_type, cfy_status_name(st));
        }
        /* move this call's outputs into the merged lists */
        for (int k = 0; k < n_out && st == CFY_OK; k++) {
            cfy_value_list *o = &ctx.outputs[k];
            for (int j = 0; j < o->n && st == CFY_OK; j++) {
                cfy_value *item = o->items[j];
                o->items[j] = NULL;
                st = cfy_value_list_push(&merged[k], item, err);
            }
            o->n = 0;
        }
        cfy_node_ctx_free(&ctx);
    }
    if (st == CFY_OK) {
        n->items = n_out > 0 ? merged[0].n : calls;
        int n_files = rs->wf->n_files - rs->first_file;
        st = exec_cache_put(rt, n->sig, merged, n_out, n_files > 0 ? rs->wf->files + rs->first_file : NULL, n_files,
                            err);
        merged = NULL;
    }
done:
    if (merged) {
        for (int k = 0; k < n_out; k++)
            cfy_value_list_clear(&merged[k]);
        free(merged);
    }
    if (lists != lists_stack) free((void *)lists);
    if (consts != consts_stack) free(consts);
    return st;
}

/* ======================================================================== the run */

static void reset_run(cfy_workflow *wf)
{
    for (int i = 0; i < wf->n_files; i++)
        wf_file_free(&wf->files[i]);
    wf->n_files = 0;
    memset(&wf->stats, 0, sizeof wf->stats);
    cfy_error_clear(&wf->run_error);
    wf->run_status = CFY_OK;
}

static void add_cached_files(cfy_workflow *wf, const exec_entry *e)
{
    for (int i = 0; i < e->n_files; i++) {
        if (wf->n_files == wf->cap_files) {
            int cap = wf->cap_files ? wf->cap_files * 2 : 8;
            wf_file *f = realloc(wf->files, sizeof *f * (size_t)cap);
            if (!f) return;
            wf->files = f;
            wf->cap_files = cap;
        }
        wf_file *f = &wf->files[wf->n_files];
        f->node_id = strdup(e->files[i].node_id);
        f->filename = strdup(e->files[i].filename);
        f->subfolder = strdup(e->files[i].subfolder);
        f->type = strdup(e->files[i].type);
        f->cached = true;
        if (!f->node_id || !f->filename || !f->subfolder || !f->type) {
            wf_file_free(f);
            return;
        }
        wf->n_files++;
    }
}

cfy_status cfy_workflow_run(cfy_runtime *rt, cfy_workflow *wf, cfy_run_stats *stats, cfy_error *err)
{
    cfy_error local;
    if (!err) err = &local;
    cfy_error_clear(err);
    reset_run(wf);
    double t0 = now_s();
    cfy_runtime_clear_interrupt(rt);
    cfy_status st = wf_validate(rt, wf, err);
    /* signatures in execution order (sources first), then drop stale cache entries */
    uint64_t nonce = st == CFY_OK ? exec_cache_nonce(rt) : 0;
    for (int k = 0; k < wf->n_order && st == CFY_OK; k++)
        st = node_signature(rt, wf, &wf->nodes[wf->order[k]], nonce, err);
    if (st == CFY_OK) exec_cache_keep_only(rt, wf->nodes, wf->n_nodes);
    run_state rs = {rt, wf, NULL, 0, NULL, err};
    int total = wf->n_order;
    for (int k = 0; k < wf->n_order && st == CFY_OK; k++) {
        wf_node *n = &wf->nodes[wf->order[k]];
        const exec_entry *hit = exec_cache_find(rt, n->sig);
        cJSON_Delete(n->report); /* details belong to the run that executed the node */
        n->report = NULL;
        if (hit) {
            n->run_status = WF_RUN_CACHED;
            n->items = hit->n_outputs > 0 ? hit->outputs[0].n : 1;
            add_cached_files(wf, hit);
            wf->stats.nodes_cached++;
            cfy_log(rt, 3, "[%d/%d] node %s (%s): cached", k + 1, total, n->id, n->def->class_type);
            continue;
        }
        if (cfy_runtime_interrupted(rt)) {
            n->run_status = WF_RUN_INTERRUPTED;
            cfy_error_set(err, CFY_EINTERRUPTED, "interrupted before node %s (%s)", n->id, n->def->class_type);
            snprintf(err->node_id, sizeof err->node_id, "%s", n->id);
            snprintf(err->class_type, sizeof err->class_type, "%s", n->def->class_type);
            st = CFY_EINTERRUPTED;
            break;
        }
        cfy_log(rt, 2, "[%d/%d] node %s (%s)", k + 1, total, n->id, n->def->class_type);
        double t = now_s();
        rs.first_file = wf->n_files;
        rs.current = n;
        st = exec_node(&rs, n);
        rs.current = NULL;
        n->seconds = now_s() - t;
        if (st == CFY_OK) {
            n->run_status = WF_RUN_EXECUTED;
            wf->stats.nodes_executed++;
            cfy_log(rt, 3, "[%d/%d] node %s (%s): %.3f s", k + 1, total, n->id, n->def->class_type, n->seconds);
        } else {
            n->run_status = st == CFY_EINTERRUPTED ? WF_RUN_INTERRUPTED : WF_RUN_ERROR;
            if (st != CFY_EINTERRUPTED) wf->stats.nodes_executed++;
        }
    }
    free(rs.prompt_text);
    wf->stats.seconds = now_s() - t0;
    if (stats) *stats = wf->stats;
    wf->run_status = st;
    wf->run_error = *err;
    return st;
}

const cfy_value *cfy_workflow_output(cfy_runtime *rt, const cfy_workflow *wf, const char *node_id, int index)
{
    int k = wf_find(wf, node_id);
    if (k < 0 || !wf->nodes[k].has_sig) return NULL;
    const exec_entry *e = exec_cache_find(rt, wf->nodes[k].sig);
    if (!e || index < 0 || index >= e->n_outputs || e->outputs[index].n == 0) return NULL;
    return e->outputs[index].items[0];
}

/* ======================================================================== the report */

static const char *run_status_name(int s)
{
    switch (s) {
    case WF_RUN_EXECUTED:
        return "executed";
    case WF_RUN_CACHED:
        return "cached";
    case WF_RUN_ERROR:
        return "error";
    case WF_RUN_INTERRUPTED:
        return "interrupted";
    default:
        return "not_run";
    }
}

char *cfy_workflow_report_json(cfy_runtime *rt, const cfy_workflow *wf)
{
    (void)rt;
    cJSON *r = cJSON_CreateObject();
    if (!r) return NULL;
    const char *status = wf->run_status == CFY_OK                                            ? "success"
                         : wf->run_status == CFY_EINTERRUPTED                                ? "interrupted"
                         : wf->run_status == CFY_EVALIDATION || wf->run_status == CFY_EPARSE ? "invalid"
                                                                                             : "error";
    cJSON_AddStringToObject(r, "status", status);
    cJSON_AddNumberToObject(r, "seconds", wf->stats.seconds);
    cJSON_AddNumberToObject(r, "nodes_executed", wf->stats.nodes_executed);
    cJSON_AddNumberToObject(r, "nodes_cached", wf->stats.nodes_cached);
    cJSON *nodes = cJSON_AddArrayToObject(r, "nodes");
    for (int k = 0; nodes && k < wf->n_order; k++) {
        const wf_node *n = &wf->nodes[wf->order[k]];
        cJSON *o = cJSON_CreateObject();
        if (!o) break;
        cJSON_AddStringToObject(o, "id", n->id);
        cJSON_AddStringToObject(o, "class_type", n->def->class_type);
        cJSON_AddStringToObject(o, "status", run_status_name(n->run_status));
        cJSON_AddNumberToObject(o, "seconds", n->run_status == WF_RUN_CACHED ? 0.0 : n->seconds);
        if (n->run_status == WF_RUN_EXECUTED || n->run_status == WF_RUN_CACHED)
            cJSON_AddNumberToObject(o, "items", n->items);
        for (const cJSON *d = n->report ? n->report->child : NULL; d; d = d->next)
            cJSON_AddItemToObject(o, d->string, cJSON_Duplicate(d, 1));
        cJSON_AddItemToArray(nodes, o);
    }
    cJSON *files = cJSON_AddArrayToObject(r, "files");
    cJSON *outputs = cJSON_AddObjectToObject(r, "outputs"); /* like ComfyUI's history "outputs" */
    for (int i = 0; files && outputs && i < wf->n_files; i++) {
        const wf_file *f = &wf->files[i];
        cJSON *o = cJSON_CreateObject();
        if (!o) break;
        cJSON_AddStringToObject(o, "node_id", f->node_id);
        cJSON_AddStringToObject(o, "filename", f->filename);
        cJSON_AddStringToObject(o, "subfolder", f->subfolder);
        cJSON_AddStringToObject(o, "type", f->type);
        cJSON_AddBoolToObject(o, "cached", f->cached);
        cJSON_AddItemToArray(files, o);
        cJSON *per = cJSON_GetObjectItemCaseSensitive(outputs, f->node_id);
        if (!per && (per = cJSON_AddObjectToObject(outputs, f->node_id))) cJSON_AddArrayToObject(per, "images");
        cJSON *img = cJSON_CreateObject();
        if (per && img) {
            cJSON_AddStringToObject(img, "filename", f->filename);
            cJSON_AddStringToObject(img, "subfolder", f->subfolder);
            cJSON_AddStringToObject(img, "type", f->type);
            cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(per, "images"), img);
        } else {
            cJSON_Delete(img);
        }
    }
    if (wf->run_status != CFY_OK) {
        const cfy_error *e = &wf->run_error;
        cJSON *eo = cJSON_AddObjectToObject(r, "error");
        if (eo) {
            cJSON_AddStringToObject(eo, "code", cfy_status_name(e->code));
            cJSON_AddStringToObject(eo, "node_id", e->node_id);
            cJSON_AddStringToObject(eo, "class_type", e->class_type);
            cJSON_AddStringToObject(eo, "input", e->input);
            cJSON_AddStringToObject(eo, "message", e->message);
        }
    } else {
        cJSON_AddNullToObject(r, "error");
    }
    if (wf->validation_json) {
        cJSON *v = NULL;
        cfy_error ignore;
        if (cfy_json_parse(wf->validation_json, strlen(wf->validation_json), "validation", &v, &ignore) == CFY_OK)
            cJSON_AddItemToObject(r, "validation", v);
    }
    char *s = cfy_json_print_indented(r);
    cJSON_Delete(r);
    return s;
}

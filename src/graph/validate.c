/* validate.c — validating an API prompt as ComfyUI does, with its error JSON (spec §1.4, §4).
 *
 * Order (spec 4.1): every node needs a known class_type (missing_node_type, reported at once);
 * outputs are the nodes whose class is an output node (prompt_no_outputs when none); each
 * output's ancestors are walked, each node's inputs checked once (memo): required inputs,
 * link shape and types, constant coercion (Python int()/float()/str()/bool()) written back
 * into the prompt, min/max, combo membership, then the node's own validate function. A node
 * is valid when it and all its ancestors are. node_errors lists, per node with errors of its
 * own, the outputs that depend on it; prompt_outputs_failed_validation when no output is valid.
 *
 * The walk is iterative (no recursion on graph depth) and finds cycles (dependency_cycle). The
 * execution order is the post-order of that walk over the valid outputs: deterministic, and
 * every node comes after its sources. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comfyc/runtime.h"
#include "core/node_ctx.h"
#include "graph/json.h"
#include "graph/workflow_internal.h"

cfy_status wf_build_table(cfy_workflow *wf, cfy_error *err);

/* ======================================================================== error objects */

/* Append {"type","message","details","extra_info"} to node->errors; extra takes. */
static cfy_status add_error(wf_node *node, const char *type, const char *message, const char *details, cJSON *extra)
{
    if (!node->errors) node->errors = cJSON_CreateArray();
    cJSON *e = cJSON_CreateObject();
    if (!extra) extra = cJSON_CreateObject();
    if (!node->errors || !e || !extra || !cJSON_AddStringToObject(e, "type", type) ||
        !cJSON_AddStringToObject(e, "message", message) || !cJSON_AddStringToObject(e, "details", details)) {
        cJSON_Delete(e);
        cJSON_Delete(extra);
        return CFY_ENOMEM;
    }
    cJSON_AddItemToObject(e, "extra_info", extra);
    cJSON_AddItemToArray(node->errors, e);
    return CFY_OK;
}

static cJSON *extra_input(cfy_runtime *rt, const cfy_input_def *in, const char *name, bool with_config)
{
    cJSON *x = cJSON_CreateObject();
    if (!x) return NULL;
    cJSON_AddStringToObject(x, "input_name", name);
    if (with_config && in) {
        cJSON *cfg = cfy_graph_input_config(rt, in);
        if (cfg) cJSON_AddItemToObject(x, "input_config", cfg);
    }
    return x;
}

static void add_received(cJSON *x, const cJSON *value)
{
    cJSON *dup = value ? cJSON_Duplicate(value, true) : cJSON_CreateNull();
    if (x && dup)
        cJSON_AddItemToObject(x, "received_value", dup);
    else
        cJSON_Delete(dup);
}

/* ======================================================================== per-node checks */

typedef struct vctx {
    cfy_runtime *rt;
    cfy_workflow *wf;
    cfy_error *err;
} vctx;

static cfy_status oom(vctx *v)
{
    return cfy_error_set(v->err, CFY_ENOMEM, "validation: out of memory");
}

/* Is the input handled by the node's own validate function (built-in range/combo checks skipped)? */
static bool node_validated_input(const cfy_input_def *in)
{
    return (in->flags & CFY_IN_NODE_VALIDATED) != 0;
}

static cfy_status check_range_and_combo(vctx *v, wf_node *node, const cfy_input_def *in, const cJSON *val)
{
    char a[64], b[64], msg[200];
    const char *t = in->type;
    if (strcmp(t, CFY_T_INT) == 0 && cfy_graph_int_has_range(in)) {
        int64_t i;
        bool u64;
        if (cfy_json_get_int(val, &i, &u64, NULL) != CFY_OK) return CFY_OK;
        bool below = !u64 && i < in->i.min;
        bool above = !(in->flags & CFY_IN_UINT64) && (u64 || i > in->i.max);
        if (!below && !above) return CFY_OK;
        if (u64)
            snprintf(a, sizeof a, "%llu", (unsigned long long)(uint64_t)i);
        else
            snprintf(a, sizeof a, "%lld", (long long)i);
        snprintf(b, sizeof b, "%lld", (long long)(below ? in->i.min : in->i.max));
        snprintf(msg, sizeof msg, "Value %s %s of %s", a, below ? "smaller than min" : "bigger than max", b);
        cJSON *x = extra_input(v->rt, in, in->name, true);
        add_received(x, val);
        return add_error(node, below ? "value_smaller_than_min" : "value_bigger_than_max", msg, in->name, x);
    }
    if (strcmp(t, CFY_T_FLOAT) == 0 && cfy_graph_float_has_range(in)) {
        double d = cfy_json_get_double(val);
        bool below = d<in->f.min, above = d> in->f.max; /* NaN passes both, as in Python */
        if (!below && !above) return CFY_OK;
        cfy_json_py_float(d, a, sizeof a);
        cfy_json_py_float(below ? in->f.min : in->f.max, b, sizeof b);
        snprintf(msg, sizeof msg, "Value %s %s of %s", a, below ? "smaller than min" : "bigger than max", b);
        cJSON *x = extra_input(v->rt, in, in->name, true);
        add_received(x, val);
        return add_error(node, below ? "value_smaller_than_min" : "value_bigger_than_max", msg, in->name, x);
    }
    if (strcmp(t, CFY_T_COMBO) == 0) {
        cfy_error lerr;
        char **choices = cfy_graph_combo_choices(v->rt, in, &lerr);
        if (!choices) {
            cJSON *x = cJSON_CreateObject();
            if (x) {
                cJSON_AddStringToObject(x, "exception_type", "Exception");
                cJSON_AddArrayToObject(x, "traceback");
            }
            return add_error(node, "exception_during_validation", "Exception when validating node", lerr.message, x);
        }
        int n = 0;
        bool found = false;
        for (; choices[n]; n++)
            if (cJSON_IsString(val) && strcmp(choices[n], val->valuestring) == 0) found = true;
        if (found) {
            cfy_strlist_free(choices);
            return CFY_OK;
        }
        /* details: "<name>: '<v>' not in ['a', 'b']" or "(list of length N)" past 20 choices */
        char *vrepr = cfy_json_py_repr(val);
        char *lrepr = NULL;
        if (n > 20) {
            lrepr = malloc(48);
            if (lrepr) snprintf(lrepr, 48, "(list of length %d)", n);
        } else {
            cJSON *arr = cJSON_CreateArray();
            for (int i = 0; arr && i < n; i++)
                cJSON_AddItemToArray(arr, cJSON_CreateString(choices[i]));
            lrepr = arr ? cfy_json_py_repr(arr) : NULL;
            cJSON_Delete(arr);
        }
        cfy_strlist_free(choices);
        size_t dl = strlen(in->name) + (vrepr ? strlen(vrepr) : 0) + (lrepr ? strlen(lrepr) : 0) + 16;
        char *details = malloc(dl);
        if (details) snprintf(details, dl, "%s: %s not in %s", in->name, vrepr ? vrepr : "", lrepr ? lrepr : "");
        cJSON *x = extra_input(v->rt, in, in->name, n <= 20);
        if (x && n > 20) cJSON_AddNullToObject(x, "input_config");
        add_received(x, val);
        cfy_status st = details ? add_error(node, "value_not_in_list", "Value not in list", details, x) : CFY_ENOMEM;
        if (!details) cJSON_Delete(x);
        free(details);
        free(vrepr);
        free(lrepr);
        return st;
    }
    return CFY_OK;
}

/* A link [id, slot] is usable when id is a string naming a node and slot an integer output index.
 * Otherwise Python raises while looking it up; fills the exception text. */
static bool resolve_link(vctx *v, const cJSON *val, int *src, int *slot, char *exc_type, char *exc_msg, size_t n)
{
    const cJSON *id = val->child, *sl = id->next;
    char *repr = cfy_json_py_repr(id);
    int k = cJSON_IsString(id) ? wf_find(v->wf, id->valuestring) : -1;
    if (k < 0) {
        snprintf(exc_type, 32, "KeyError");
        snprintf(exc_msg, n, "%s", repr ? repr : "?");
        free(repr);
        return false;
    }
    free(repr);
    if (!cfy_json_is_int(sl)) {
        snprintf(exc_type, 32, "TypeError");
        snprintf(exc_msg, n, "tuple indices must be integers or slices, not %s", wf_py_type_name(sl));
        return false;
    }
    int64_t s;
    bool u64;
    const cfy_node_def *d = v->wf->nodes[k].def;
    int nout = d ? cfy_node_def_output_count(d) : 0;
    if (cfy_json_get_int(sl, &s, &u64, NULL) != CFY_OK || u64 || s >= nout || s < -nout) {
        snprintf(exc_type, 32, "IndexError");
        snprintf(exc_msg, n, "tuple index out of range");
        return false;
    }
    *src = k;
    *slot = (int)(s < 0 ? s + nout : s);
    return true;
}

/* Replace item old of object obj by repl (takes), keeping old's key string (borrowed names stay valid). */
static void replace_keep_key(cJSON *obj, cJSON *old, cJSON *repl)
{
    if (repl->string && !(repl->type & cJSON_StringIsConst)) cJSON_free(repl->string); /* duplicates carry a key */
    repl->string = old->string;
    repl->type &= ~cJSON_StringIsConst;
    repl->type |= old->type & cJSON_StringIsConst;
    old->string = NULL;
    cJSON_ReplaceItemViaPointer(obj, old, repl);
}

cfy_status wf_constants_ctx(cfy_runtime *rt, const wf_node *node, cfy_node_ctx *ctx, cfy_error *err)
{
    cfy_status st = cfy_node_ctx_init(ctx, rt, node->def, node->id, err);
    if (st != CFY_OK) return st;
    for (int i = 0; i < node->n_inputs; i++) {
        const wf_input *wi = &node->inputs[i];
        if (wi->def_index >= 0 && wi->constant &&
            (st = cfy_value_list_push(&ctx->inputs[wi->def_index], cfy_value_retain(wi->constant), err)) != CFY_OK) {
            cfy_node_ctx_free(ctx);
            return st;
        }
    }
    return CFY_OK;
}

/* Run the node's own validate function on its constant inputs (VALIDATE_INPUTS). */
static cfy_status run_custom_validate(vctx *v, wf_node *node)
{
    const cfy_node_def *def = node->def;
    cfy_error verr;
    cfy_error_clear(&verr);
    cfy_node_ctx ctx;
    if (wf_constants_ctx(v->rt, node, &ctx, &verr) != CFY_OK) return oom(v);
    cfy_status st = def->validate(&ctx);
    cfy_node_ctx_free(&ctx);
    if (st == CFY_OK) return CFY_OK;
    if (st == CFY_ENOMEM) return oom(v);
    char details[700];
    if (verr.input[0])
        snprintf(details, sizeof details, "%s - %s", verr.input, verr.message);
    else
        snprintf(details, sizeof details, "%s", verr.message);
    cJSON *x = cJSON_CreateObject();
    if (x) cJSON_AddStringToObject(x, "input_name", verr.input);
    return add_error(node, "custom_validation_failed", "Custom validation failed for node", details, x);
}

/* Check a node's own inputs (memoised). Links are resolved; their sources are walked by the caller. */
static cfy_status check_node(vctx *v, wf_node *node)
{
    if (node->checked) return CFY_OK;
    node->checked = true;
    const cfy_node_def *def = node->def;
    cJSON *inputs = cJSON_GetObjectItemCaseSensitive(node->json, "inputs");
    int n = cJSON_GetArraySize(inputs);
    node->inputs = calloc((size_t)n + 1, sizeof *node->inputs);
    if (!node->inputs) return oom(v);
    int k = 0;
    for (cJSON *c = inputs->child; c; c = c->next, k++) {
        wf_input *wi = &node->inputs[k];
        wi->name = c->string;
        wi->json = c;
        wi->src = -1;
        wi->def_index = -1;
        int di = 0;
        for (const cfy_input_def *in = def->inputs; in && in->name; in++, di++)
            if (strcmp(in->name, c->string) == 0 && !(in->flags & CFY_IN_HIDDEN)) wi->def_index = di;
    }
    node->n_inputs = n;
    cfy_status st = CFY_OK;
    int di = 0;
    for (const cfy_input_def *in = def->inputs; in && in->name && st == CFY_OK; in++, di++) {
        if (in->flags & CFY_IN_HIDDEN) continue;
        wf_input *wi = NULL;
        for (int i = 0; i < n; i++)
            if (node->inputs[i].def_index == di) wi = &node->inputs[i];
        if (!wi) {
            if (!(in->flags & CFY_IN_OPTIONAL))
                st = add_error(node, "required_input_missing", "Required input is missing", in->name,
                               extra_input(v->rt, in, in->name, false));
            continue;
        }
        cJSON *val = wi->json;
        if (cJSON_IsArray(val)) {
            if (cJSON_GetArraySize(val) != 2) {
                cJSON *x = extra_input(v->rt, in, in->name, true);
                add_received(x, val);
                st = add_error(node, "bad_linked_input",
                               "Bad linked input, must be a length-2 list of [node_id, slot_index]", in->name, x);
                continue;
            }
            if (!resolve_link(v, val, &wi->src, &wi->slot, node->exc_type, node->exc_msg, sizeof node->exc_msg)) {
                wi->src = -1;
                node->link_exception = true;
                node->exc_input = wi->name;
                continue;
            }
            const cfy_node_def *sd = v->wf->nodes[wi->src].def;
            const char *received = sd->outputs[wi->slot].type;
            if (!wf_types_compatible(received, in->type)) {
                char details[300];
                snprintf(details, sizeof details, "%s, received_type(%s) mismatch input_type(%s)", in->name, received,
                         in->type);
                cJSON *x = extra_input(v->rt, in, in->name, true);
                if (x) {
                    cJSON_AddStringToObject(x, "received_type", received);
                    cJSON_AddItemToObject(x, "linked_node", cJSON_Duplicate(val, true));
                }
                st = add_error(node, "return_type_mismatch", "Return type mismatch between linked nodes", details, x);
            }
            continue;
        }
        /* a constant: unwrap {"__value__": ...}, coerce, write back */
        if (cJSON_IsObject(val)) {
            cJSON *inner = cJSON_GetObjectItemCaseSensitive(val, "__value__");
            if (inner) {
                cJSON *dup = cJSON_Duplicate(inner, true);
                if (!dup) return oom(v);
                replace_keep_key(inputs, val, dup);
                wi->json = val = dup;
            }
        }
        wf_coerced co;
        if (!wf_coerce(in->type, val, &co)) {
            char *vs = cfy_json_py_str(val);
            char details[600], msg[120];
            snprintf(details, sizeof details, "%s, %s, %s", in->name, vs ? vs : "", co.exc);
            snprintf(msg, sizeof msg, "Failed to convert an input value to a %s value", in->type);
            free(vs);
            cJSON *x = extra_input(v->rt, in, in->name, true);
            add_received(x, val);
            if (x) cJSON_AddStringToObject(x, "exception_message", co.exc);
            st = add_error(node, "invalid_input_type", msg, details, x);
            continue;
        }
        if (!co.json) return oom(v);
        replace_keep_key(inputs, val, co.json);
        wi->json = val = co.json;
        if (!node_validated_input(in)) st = check_range_and_combo(v, node, in, val);
        if (st == CFY_OK && !wi->constant) wi->constant = wf_json_to_value(in->type, val);
    }
    if (st != CFY_OK) return oom(v);
    /* constants of undeclared inputs are ignored (spec 1.1) */
    if (def->validate && !node->errors && !node->link_exception) st = run_custom_validate(v, node);
    return st;
}

/* Record the exception of a node whose link names a missing node/output (spec 4.5). */
static cfy_status add_link_exception(vctx *v, wf_node *node, const wf_node *consumer, const char *consumer_input)
{
    cJSON *x = cJSON_CreateObject();
    if (!x) return oom(v);
    const char *type;
    if (consumer) {
        type = "exception_during_inner_validation";
        cJSON_AddStringToObject(x, "input_name", consumer_input);
        const cfy_input_def *cin = cfy_node_def_input(consumer->def, consumer_input);
        if (cin) {
            cJSON *cfg = cfy_graph_input_config(v->rt, cin);
            if (cfg) cJSON_AddItemToObject(x, "input_config", cfg);
        }
        cJSON_AddStringToObject(x, "exception_message", node->exc_msg);
        cJSON_AddStringToObject(x, "exception_type", node->exc_type);
        cJSON_AddArrayToObject(x, "traceback");
        const cJSON *link = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(consumer->json, "inputs"),
                                                             consumer_input);
        cJSON_AddItemToObject(x, "linked_node", link ? cJSON_Duplicate(link, true) : cJSON_CreateNull());
    } else {
        type = "exception_during_validation";
        cJSON_AddStringToObject(x, "exception_type", node->exc_type);
        cJSON_AddArrayToObject(x, "traceback");
    }
    cfy_status st =
        add_error(node, type, consumer ? "Exception when validating inner node" : "Exception when validating node",
                  node->exc_msg, x);
    node->exc_type[0] = '\0'; /* reported once */
    return st == CFY_OK ? CFY_OK : oom(v);
}

/* ======================================================================== the walk */

typedef struct frame {
    int node;
    int next_input; /* next input index to visit */
} frame;

/* Walk the ancestors of output `root` depth-first (inputs in JSON order), checking each node
 * once, finding cycles, and computing validity in post-order. Appends newly finished nodes to
 * post[] (*n_post). */
static cfy_status walk(vctx *v, int root, frame *stack, int *post, int *n_post)
{
    cfy_workflow *wf = v->wf;
    wf_node *nodes = wf->nodes;
    if (nodes[root].visit == WF_DONE) return CFY_OK;
    cfy_status st = check_node(v, &nodes[root]);
    if (st != CFY_OK) return st;
    if (nodes[root].exc_type[0] && (st = add_link_exception(v, &nodes[root], NULL, NULL)) != CFY_OK) return st;
    int sp = 0;
    stack[sp++] = (frame){root, 0};
    nodes[root].visit = WF_ON_STACK;
    while (sp > 0) {
        frame *f = &stack[sp - 1];
        wf_node *n = &nodes[f->node];
        if (f->next_input < n->n_inputs) {
            wf_input *wi = &n->inputs[f->next_input++];
            if (wi->src < 0) continue;
            wf_node *s = &nodes[wi->src];
            if (s->visit == WF_ON_STACK) {
                /* a cycle: report it on the node where it closes, listing the path */
                int from = sp - 1;
                while (from > 0 && stack[from].node != wi->src)
                    from--;
                cJSON *ids = cJSON_CreateArray();
                char details[1024];
                size_t w = 0;
                details[0] = '\0';
                for (int i = from; i < sp; i++) {
                    const wf_node *c = &nodes[stack[i].node];
                    if (ids) cJSON_AddItemToArray(ids, cJSON_CreateString(c->id));
                    if (w < sizeof details)
                        w +=
                            (size_t)snprintf(details + w, sizeof details - w, "%s (%s) -> ", c->id, c->def->class_type);
                }
                if (w < sizeof details) snprintf(details + w, sizeof details - w, "%s (%s)", s->id, s->def->class_type);
                cJSON *x = cJSON_CreateObject();
                if (x) {
                    cJSON_AddStringToObject(x, "node_id", s->id);
                    if (ids) cJSON_AddItemToObject(x, "cycle_nodes", ids);
                } else {
                    cJSON_Delete(ids);
                }
                bool already = false;
                for (const cJSON *e = s->errors ? s->errors->child : NULL; e; e = e->next)
                    if (strcmp(cJSON_GetObjectItemCaseSensitive(e, "type")->valuestring, "dependency_cycle") == 0)
                        already = true;
                if (already)
                    cJSON_Delete(x);
                else if (add_error(s, "dependency_cycle", "Dependency cycle detected", details, x) != CFY_OK)
                    return oom(v);
                continue;
            }
            if (s->visit == WF_DONE) continue;
            if ((st = check_node(v, s)) != CFY_OK) return st;
            if (s->exc_type[0] && (st = add_link_exception(v, s, n, wi->name)) != CFY_OK) return st;
            s->visit = WF_ON_STACK;
            stack[sp++] = (frame){wi->src, 0};
            continue;
        }
        /* all inputs visited: decide validity */
        bool ok = !n->errors && !n->link_exception;
        for (int i = 0; i < n->n_inputs && ok; i++)
            if (n->inputs[i].src >= 0 && !nodes[n->inputs[i].src].valid) ok = false;
        /* (a source still on the stack is part of a cycle and reads as invalid) */
        n->valid = ok;
        n->visit = WF_DONE;
        post[(*n_post)++] = f->node;
        sp--;
    }
    return CFY_OK;
}

/* Mark in `mark` every ancestor of node r (including r), iteratively. */
static void mark_ancestors(cfy_workflow *wf, int r, unsigned char *mark, int *queue)
{
    int head = 0, tail = 0;
    if (mark[r]) return;
    mark[r] = 1;
    queue[tail++] = r;
    while (head < tail) {
        const wf_node *n = &wf->nodes[queue[head++]];
        for (int i = 0; i < n->n_inputs; i++) {
            int s = n->inputs[i].src;
            if (s >= 0 && !mark[s]) {
                mark[s] = 1;
                queue[tail++] = s;
            }
        }
    }
}

static cJSON *error_object(const char *type, const char *message, const char *details, cJSON *extra)
{
    cJSON *e = cJSON_CreateObject();
    if (!extra) extra = cJSON_CreateObject();
    if (!e || !extra) {
        cJSON_Delete(e);
        cJSON_Delete(extra);
        return NULL;
    }
    cJSON_AddStringToObject(e, "type", type);
    cJSON_AddStringToObject(e, "message", message);
    cJSON_AddStringToObject(e, "details", details);
    cJSON_AddItemToObject(e, "extra_info", extra);
    return e;
}

/* Store {"error": error (takes; may be NULL for null), "node_errors": node_errors (takes)}. */
static cfy_status set_report(vctx *v, cJSON *error, cJSON *node_errors)
{
    cJSON *r = cJSON_CreateObject();
    if (!node_errors) node_errors = cJSON_CreateObject();
    if (!r || !node_errors) {
        cJSON_Delete(r);
        cJSON_Delete(error);
        cJSON_Delete(node_errors);
        return oom(v);
    }
    cJSON_AddItemToObject(r, "error", error ? error : cJSON_CreateNull());
    cJSON_AddItemToObject(r, "node_errors", node_errors);
    free(v->wf->validation_json);
    v->wf->validation_json = cfy_json_print_python_style(r);
    cJSON_Delete(r);
    return v->wf->validation_json ? CFY_OK : oom(v);
}

/* Fill the caller's error from the first error of node n. */
static void describe_first_error(vctx *v, const wf_node *n)
{
    if (!v->err) return;
    const cJSON *e = cJSON_GetArrayItem(n->errors, 0);
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "type"));
    const char *msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "message"));
    const char *det = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "details"));
    const char *input = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(e, "extra_info"), "input_name"));
    const cJSON *rv =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(e, "extra_info"), "received_value");
    char *rvs = rv ? cfy_json_py_repr(rv) : NULL;
    cfy_error_set(v->err, CFY_EVALIDATION, "%s: %s: %s%s%s", type ? type : "?", msg ? msg : "", det ? det : "",
                  rvs ? " (received " : "", rvs ? rvs : "");
    if (rvs) {
        size_t l = strlen(v->err->message);
        if (l + 1 < sizeof v->err->message) snprintf(v->err->message + l, sizeof v->err->message - l, ")");
    }
    free(rvs);
    if (n->exc_input && type && strncmp(type, "exception_during", 16) == 0) {
        /* name the input that holds the bad link (ComfyUI's input_name is the consumer's) */
        input = n->exc_input;
        size_t l = strlen(v->err->message);
        snprintf(v->err->message + l, sizeof v->err->message - l, " (input '%s' links to a missing node or output)",
                 input);
    }
    snprintf(v->err->node_id, sizeof v->err->node_id, "%s", n->id);
    snprintf(v->err->class_type, sizeof v->err->class_type, "%s", n->def ? n->def->class_type : "");
    cfy_error_set_input(v->err, input);
}

cfy_status wf_validate(cfy_runtime *rt, cfy_workflow *wf, cfy_error *err)
{
    vctx v = {rt, wf, err};
    cfy_error_clear(err);
    free(wf->validation_json);
    wf->validation_json = NULL;
    cfy_status st = wf_build_table(wf, err);
    if (st != CFY_OK) return st;
    cfy_registry *reg = cfy_runtime_registry(rt);

    /* 1. every node needs a known class_type; the first failure ends validation */
    for (int i = 0; i < wf->n_nodes; i++) {
        wf_node *n = &wf->nodes[i];
        const cJSON *ct = cJSON_GetObjectItemCaseSensitive(n->json, "class_type");
        n->def = cJSON_IsString(ct) ? cfy_registry_find(reg, ct->valuestring) : NULL;
        if (n->def) continue;
        const char *title = cJSON_GetStringValue(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(n->json, "_meta"), "title"));
        char msg[400], details[100];
        if (cJSON_IsString(ct))
            snprintf(msg, sizeof msg, "Node '%s' not found. The custom node may not be installed.",
                     title ? title : ct->valuestring);
        else
            snprintf(msg, sizeof msg,
                     "Node '%s' has no class_type. The workflow may be corrupted or a custom node is "
                     "missing.",
                     title ? title : n->id);
        snprintf(details, sizeof details, "Node ID '#%s'", n->id);
        cJSON *x = cJSON_CreateObject();
        if (x) {
            cJSON_AddStringToObject(x, "node_id", n->id);
            cJSON_AddItemToObject(x, "class_type",
                                  cJSON_IsString(ct) ? cJSON_CreateString(ct->valuestring) : cJSON_CreateNull());
            cJSON_AddItemToObject(x, "node_title", title ? cJSON_CreateString(title) : cJSON_CreateNull());
        }
        if ((st = set_report(&v, error_object("missing_node_type", msg, details, x), NULL)) != CFY_OK) return st;
        cfy_error_set(err, CFY_EVALIDATION, "missing_node_type: %s", msg);
        if (err) {
            snprintf(err->node_id, sizeof err->node_id, "%s", n->id);
            snprintf(err->class_type, sizeof err->class_type, "%s", cJSON_IsString(ct) ? ct->valuestring : "");
        }
        return CFY_EVALIDATION;
    }

    /* 2. outputs */
    int n_outputs = 0;
    for (int i = 0; i < wf->n_nodes; i++)
        if (wf->nodes[i].def->flags & CFY_NODE_OUTPUT) n_outputs++;
    if (n_outputs == 0) {
        if ((st = set_report(&v, error_object("prompt_no_outputs", "Prompt has no outputs", "", NULL), NULL)) != CFY_OK)
            return st;
        return cfy_error_set(err, CFY_EVALIDATION, "prompt_no_outputs: Prompt has no outputs");
    }

    /* 3. walk each output's ancestors */
    frame *stack = malloc(sizeof *stack * ((size_t)wf->n_nodes + 1));
    int *post = malloc(sizeof *post * ((size_t)wf->n_nodes + 1));
    int *queue = malloc(sizeof *queue * ((size_t)wf->n_nodes + 1));
    unsigned char *mark = calloc((size_t)wf->n_nodes + 1, 1);
    unsigned char *exec = calloc((size_t)wf->n_nodes + 1, 1);
    cJSON *node_errors = cJSON_CreateObject();
    cJSON *out_details = NULL; /* "<message>: <details>" of errors on failing output nodes */
    int n_post = 0, n_valid = 0;
    if (!stack || !post || !queue || !mark || !exec || !node_errors) st = oom(&v);
    for (int i = 0; i < wf->n_nodes && st == CFY_OK; i++) {
        if (!(wf->nodes[i].def->flags & CFY_NODE_OUTPUT)) continue;
        if ((st = walk(&v, i, stack, post, &n_post)) != CFY_OK) break;
        memset(mark, 0, (size_t)wf->n_nodes);
        mark_ancestors(wf, i, mark, queue);
        if (wf->nodes[i].valid) {
            n_valid++;
            for (int k = 0; k < wf->n_nodes; k++)
                exec[k] |= mark[k];
            continue;
        }
        /* 4. every invalid ancestor with errors of its own gets this output as dependent */
        for (int k = 0; k < wf->n_nodes; k++) {
            wf_node *n = &wf->nodes[k];
            if (!mark[k] || !n->errors || !cJSON_GetArraySize(n->errors)) continue;
            cJSON *entry = cJSON_GetObjectItemCaseSensitive(node_errors, n->id);
            if (!entry) {
                entry = cJSON_AddObjectToObject(node_errors, n->id);
                if (!entry) {
                    st = oom(&v);
                    break;
                }
                cJSON_AddItemToObject(entry, "errors", cJSON_Duplicate(n->errors, true));
                cJSON_AddArrayToObject(entry, "dependent_outputs");
                cJSON_AddStringToObject(entry, "class_type", n->def->class_type);
            }
            cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(entry, "dependent_outputs"),
                                 cJSON_CreateString(wf->nodes[i].id));
        }
        wf_node *o = &wf->nodes[i];
        for (const cJSON *e = o->errors ? o->errors->child : NULL; e; e = e->next) {
            if (!out_details) out_details = cJSON_CreateArray();
            char line[800];
            snprintf(line, sizeof line, "%s: %s", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "message")),
                     cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "details")));
            if (out_details) cJSON_AddItemToArray(out_details, cJSON_CreateString(line));
        }
    }
    /* node_errors in prompt order, for stable output */
    if (st == CFY_OK && node_errors->child) {
        cJSON *sorted = cJSON_CreateObject();
        for (int k = 0; sorted && k < wf->n_nodes; k++) {
            cJSON *e = cJSON_DetachItemFromObjectCaseSensitive(node_errors, wf->nodes[k].id);
            if (e) cJSON_AddItemToObject(sorted, wf->nodes[k].id, e);
        }
        if (sorted) {
            cJSON_Delete(node_errors);
            node_errors = sorted;
        }
    }
    if (st == CFY_OK) {
        /* the execution order: post-order restricted to ancestors of valid outputs */
        free(wf->order);
        wf->order = malloc(sizeof *wf->order * ((size_t)n_post + 1));
        wf->n_order = 0;
        if (!wf->order) st = oom(&v);
        for (int k = 0; st == CFY_OK && k < n_post; k++)
            if (exec[post[k]]) wf->order[wf->n_order++] = post[k];
        for (int k = 0; k < wf->n_nodes; k++)
            wf->nodes[k].in_exec = exec[k] != 0;
    }
    if (st == CFY_OK) {
        const wf_node *first = NULL;
        for (int k = 0; k < wf->n_nodes && !first; k++)
            if (cJSON_GetObjectItemCaseSensitive(node_errors, wf->nodes[k].id)) first = &wf->nodes[k];
        if (n_valid == 0) {
            char *details = NULL;
            size_t len = 1;
            for (const cJSON *l = out_details ? out_details->child : NULL; l; l = l->next)
                len += strlen(l->valuestring) + 1;
            details = calloc(len, 1);
            for (const cJSON *l = out_details ? out_details->child : NULL; details && l; l = l->next) {
                if (l != out_details->child) strcat(details, "\n");
                strcat(details, l->valuestring);
            }
            st = set_report(&v,
                            error_object("prompt_outputs_failed_validation", "Prompt outputs failed validation",
                                         details ? details : "", NULL),
                            node_errors);
            node_errors = NULL;
            free(details);
            if (st == CFY_OK) {
                if (first)
                    describe_first_error(&v, first);
                else
                    cfy_error_set(err, CFY_EVALIDATION, "prompt_outputs_failed_validation");
                st = CFY_EVALIDATION;
            }
        } else if (node_errors->child) {
            /* partial failure: runs, but the report lists the failed outputs */
            st = set_report(&v, NULL, node_errors);
            node_errors = NULL;
        }
    }
    cJSON_Delete(node_errors);
    cJSON_Delete(out_details);
    free(stack);
    free(post);
    free(queue);
    free(mark);
    free(exec);
    wf->validated = st == CFY_OK;
    return st;
}

cfy_status cfy_workflow_validate(cfy_runtime *rt, cfy_workflow *wf, char **report_json, cfy_error *err)
{
    if (report_json) *report_json = NULL;
    cfy_status st = wf_validate(rt, wf, err);
    if (report_json && wf->validation_json && (st == CFY_OK || st == CFY_EVALIDATION)) {
        *report_json = strdup(wf->validation_json);
        if (!*report_json) return cfy_error_set(err, CFY_ENOMEM, "out of memory");
    }
    return st;
}

/* node_ctx.c — input readers, output writers and failure helpers for node run functions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comfyc/runtime.h"
#include "core/node_ctx.h"
#include "core/runtime_internal.h"

cfy_status cfy_value_list_push(cfy_value_list *l, cfy_value *v, cfy_error *err)
{
    if (!v) return cfy_error_set(err, CFY_ENOMEM, "out of memory creating a value");
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 2;
        cfy_value **items = realloc(l->items, sizeof *items * (size_t)cap);
        if (!items) {
            cfy_value_release(v);
            return cfy_error_set(err, CFY_ENOMEM, "out of memory");
        }
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = v;
    return CFY_OK;
}

void cfy_value_list_clear(cfy_value_list *l)
{
    for (int i = 0; i < l->n; i++) cfy_value_release(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}

cfy_status cfy_node_ctx_init(cfy_node_ctx *ctx, cfy_runtime *rt, const cfy_node_def *def, const char *node_id,
                             cfy_error *err)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->rt = rt;
    ctx->def = def;
    ctx->node_id = node_id ? node_id : "";
    ctx->err = err;
    if (err) {
        snprintf(err->node_id, sizeof err->node_id, "%s", ctx->node_id);
        snprintf(err->class_type, sizeof err->class_type, "%s", def->class_type);
        err->input[0] = '\0';
    }
    for (const cfy_input_def *in = def->inputs; in && in->name; in++) ctx->n_inputs++;
    ctx->n_outputs = cfy_node_def_output_count(def);
    ctx->inputs = calloc((size_t)ctx->n_inputs + 1, sizeof *ctx->inputs);
    ctx->outputs = calloc((size_t)ctx->n_outputs + 1, sizeof *ctx->outputs);
    if (!ctx->inputs || !ctx->outputs) {
        cfy_node_ctx_free(ctx);
        return cfy_error_set(err, CFY_ENOMEM, "out of memory");
    }
    return CFY_OK;
}

void cfy_node_ctx_free(cfy_node_ctx *ctx)
{
    if (ctx->inputs)
        for (int i = 0; i < ctx->n_inputs; i++) cfy_value_list_clear(&ctx->inputs[i]);
    if (ctx->outputs)
        for (int i = 0; i < ctx->n_outputs; i++) cfy_value_list_clear(&ctx->outputs[i]);
    free(ctx->inputs);
    free(ctx->outputs);
    ctx->inputs = ctx->outputs = NULL;
}

int cfy_node_ctx_input_index(const cfy_node_ctx *ctx, const char *name)
{
    int i = 0;
    for (const cfy_input_def *in = ctx->def->inputs; in && in->name; in++, i++)
        if (strcmp(in->name, name) == 0) return i;
    return -1;
}

cfy_runtime *cfy_node_runtime(cfy_node_ctx *ctx) { return ctx->rt; }
const char *cfy_node_id(const cfy_node_ctx *ctx) { return ctx->node_id; }
const cfy_node_def *cfy_node_def_of(const cfy_node_ctx *ctx) { return ctx->def; }
cfy_error *cfy_node_err(cfy_node_ctx *ctx) { return ctx->err; }

cfy_status cfy_node_fail(cfy_node_ctx *ctx, cfy_status code, const char *input, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cfy_error_setv(ctx->err, code, fmt, ap);
    va_end(ap);
    cfy_error_set_input(ctx->err, input);
    return code;
}

const cfy_value *cfy_node_in(cfy_node_ctx *ctx, const char *name)
{
    int i = cfy_node_ctx_input_index(ctx, name);
    if (i < 0 || ctx->inputs[i].n == 0) return NULL;
    return ctx->inputs[i].items[0];
}

int cfy_node_in_count(cfy_node_ctx *ctx, const char *name)
{
    int i = cfy_node_ctx_input_index(ctx, name);
    return i < 0 ? 0 : ctx->inputs[i].n;
}

const cfy_value *cfy_node_in_at(cfy_node_ctx *ctx, const char *name, int k)
{
    int i = cfy_node_ctx_input_index(ctx, name);
    if (i < 0 || k < 0 || k >= ctx->inputs[i].n) return NULL;
    return ctx->inputs[i].items[k];
}

/* Fetch input `name`; fail when it is undeclared, or absent and required. */
static cfy_status fetch(cfy_node_ctx *ctx, const char *name, const cfy_value **out)
{
    *out = NULL;
    int i = cfy_node_ctx_input_index(ctx, name);
    if (i < 0) return cfy_node_fail(ctx, CFY_EINTERNAL, name, "node has no input named '%s'", name);
    if (ctx->inputs[i].n > 0) {
        *out = ctx->inputs[i].items[0];
        return CFY_OK;
    }
    if (ctx->def->inputs[i].flags & CFY_IN_OPTIONAL) return CFY_OK;
    return cfy_node_fail(ctx, CFY_EINVAL, name, "Required input is missing");
}

static cfy_status want_kind(cfy_node_ctx *ctx, const char *name, const cfy_value *v, cfy_kind kind, const char *what)
{
    cfy_kind k = cfy_value_kind(v);
    if (k == kind) return CFY_OK;
    /* numbers convert as Python would at validation time */
    if ((kind == CFY_KIND_FLOAT && (k == CFY_KIND_INT || k == CFY_KIND_BOOL)) ||
        (kind == CFY_KIND_INT && k == CFY_KIND_BOOL) || (kind == CFY_KIND_BOOL && k == CFY_KIND_INT))
        return CFY_OK;
    return cfy_node_fail(ctx, CFY_EINVAL, name, "expected %s, got a %s value", what, cfy_value_type(v));
}

cfy_status cfy_node_in_int(cfy_node_ctx *ctx, const char *name, int64_t *out)
{
    const cfy_value *v;
    cfy_status st = fetch(ctx, name, &v);
    if (st != CFY_OK || !v) return st;
    if ((st = want_kind(ctx, name, v, CFY_KIND_INT, "INT")) != CFY_OK) return st;
    if (cfy_value_int_is_uint64(v)) return cfy_node_fail(ctx, CFY_EINVAL, name, "value %llu does not fit a signed 64-bit integer", (unsigned long long)cfy_value_uint64(v));
    *out = cfy_value_int(v);
    return CFY_OK;
}

cfy_status cfy_node_in_uint64(cfy_node_ctx *ctx, const char *name, uint64_t *out)
{
    const cfy_value *v;
    cfy_status st = fetch(ctx, name, &v);
    if (st != CFY_OK || !v) return st;
    if ((st = want_kind(ctx, name, v, CFY_KIND_INT, "INT")) != CFY_OK) return st;
    if (!cfy_value_int_is_uint64(v) && cfy_value_int(v) < 0)
        return cfy_node_fail(ctx, CFY_EINVAL, name, "value %lld is negative", (long long)cfy_value_int(v));
    *out = cfy_value_uint64(v);
    return CFY_OK;
}

cfy_status cfy_node_in_float(cfy_node_ctx *ctx, const char *name, double *out)
{
    const cfy_value *v;
    cfy_status st = fetch(ctx, name, &v);
    if (st != CFY_OK || !v) return st;
    if ((st = want_kind(ctx, name, v, CFY_KIND_FLOAT, "FLOAT")) != CFY_OK) return st;
    *out = cfy_value_float(v);
    return CFY_OK;
}

cfy_status cfy_node_in_bool(cfy_node_ctx *ctx, const char *name, bool *out)
{
    const cfy_value *v;
    cfy_status st = fetch(ctx, name, &v);
    if (st != CFY_OK || !v) return st;
    if ((st = want_kind(ctx, name, v, CFY_KIND_BOOL, "BOOLEAN")) != CFY_OK) return st;
    *out = cfy_value_bool(v);
    return CFY_OK;
}

cfy_status cfy_node_in_string(cfy_node_ctx *ctx, const char *name, const char **out)
{
    const cfy_value *v;
    cfy_status st = fetch(ctx, name, &v);
    if (st != CFY_OK || !v) return st;
    if ((st = want_kind(ctx, name, v, CFY_KIND_STRING, "STRING")) != CFY_OK) return st;
    *out = cfy_value_string(v);
    return CFY_OK;
}

cfy_status cfy_node_in_tensor(cfy_node_ctx *ctx, const char *name, const cfy_tensor **out)
{
    const cfy_value *v;
    *out = NULL;
    cfy_status st = fetch(ctx, name, &v);
    if (st != CFY_OK || !v) return st;
    if ((st = want_kind(ctx, name, v, CFY_KIND_TENSOR, "a tensor (IMAGE/MASK/SIGMAS)")) != CFY_OK) return st;
    *out = cfy_value_tensor(v);
    return CFY_OK;
}

cfy_status cfy_node_in_value(cfy_node_ctx *ctx, const char *name, const char *type, const cfy_value **out)
{
    const cfy_value *v;
    *out = NULL;
    cfy_status st = fetch(ctx, name, &v);
    if (st != CFY_OK || !v) return st;
    if (type && strcmp(type, cfy_value_type(v)) != 0)
        return cfy_node_fail(ctx, CFY_EINVAL, name, "expected %s, got %s", type, cfy_value_type(v));
    *out = v;
    return CFY_OK;
}

cfy_status cfy_node_in_object(cfy_node_ctx *ctx, const char *name, const char *type, void **out)
{
    const cfy_value *v;
    *out = NULL;
    cfy_status st = cfy_node_in_value(ctx, name, type, &v);
    if (st != CFY_OK || !v) return st;
    if (cfy_value_kind(v) != CFY_KIND_OBJECT) return cfy_node_fail(ctx, CFY_EINVAL, name, "expected an object value, got %s", cfy_value_type(v));
    *out = cfy_value_object(v);
    return CFY_OK;
}

cfy_status cfy_node_out(cfy_node_ctx *ctx, int index, cfy_value *v)
{
    if (!v) return cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory creating output %d", index);
    if (index < 0 || index >= ctx->n_outputs) {
        cfy_value_release(v);
        return cfy_node_fail(ctx, CFY_EINTERNAL, NULL, "output index %d outside 0..%d", index, ctx->n_outputs - 1);
    }
    const char *want = ctx->def->outputs[index].type;
    /* "*" outputs (pass-through nodes) accept any value. */
    if (strcmp(want, "*") != 0 && strcmp(want, cfy_value_type(v)) != 0) {
        cfy_status st = cfy_node_fail(ctx, CFY_EINTERNAL, NULL, "output %d is declared %s but got %s", index, want, cfy_value_type(v));
        cfy_value_release(v);
        return st;
    }
    if (!ctx->def->outputs[index].is_list && ctx->outputs[index].n > 0) {
        /* An ordinary output holds one value per call: replace. */
        cfy_value_release(ctx->outputs[index].items[0]);
        ctx->outputs[index].items[0] = v;
        return CFY_OK;
    }
    return cfy_value_list_push(&ctx->outputs[index], v, ctx->err);
}

void cfy_node_progress_label(cfy_node_ctx *ctx, const char *label, int64_t done, int64_t total)
{
    const cfy_runtime_options *o = cfy_runtime_opts(ctx->rt);
    if (o->progress)
        o->progress(o->progress_user, ctx->node_id, ctx->def->class_type, label ? label : "", done, total);
}

void cfy_node_progress(cfy_node_ctx *ctx, int64_t done, int64_t total)
{
    cfy_node_progress_label(ctx, "", done, total);
}

bool cfy_node_interrupted(cfy_node_ctx *ctx) { return cfy_runtime_interrupted(ctx->rt); }
const char *cfy_node_prompt_json(const cfy_node_ctx *ctx) { return ctx->prompt_json; }
const char *cfy_node_workflow_json(const cfy_node_ctx *ctx) { return ctx->workflow_json; }

void cfy_node_report_item(cfy_node_ctx *ctx, const char *key, const char *json_text)
{
    if (ctx->report_item && key && json_text) ctx->report_item(ctx->report_user, ctx->node_id, key, json_text);
}

void cfy_node_report_file(cfy_node_ctx *ctx, const char *filename, const char *subfolder, const char *folder_type)
{
    if (ctx->report_file) ctx->report_file(ctx->report_user, ctx->node_id, filename, subfolder, folder_type);
}

/* input_check.c — checking a constant value against its input definition (type, range, combo). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/node_ctx.h"

static cfy_status fail(cfy_error *err, const cfy_input_def *in, cfy_status code, const char *msg)
{
    cfy_error_set(err, code, "%s", msg);
    return cfy_error_set_input(err, in->name);
}

/* True when s is one of the combo's current choices. */
static cfy_status combo_contains(cfy_runtime *rt, const cfy_input_def *in, const char *s, bool *found, cfy_error *err)
{
    *found = false;
    if (in->combo) {
        for (const char *const *c = in->combo; *c; c++)
            if (strcmp(*c, s) == 0) { *found = true; return CFY_OK; }
        return CFY_OK;
    }
    if (in->combo_fn) {
        char **list = NULL;
        cfy_status st = in->combo_fn(rt, &list, err);
        if (st != CFY_OK) return st;
        for (char **c = list; c && *c; c++)
            if (strcmp(*c, s) == 0) { *found = true; break; }
        cfy_strlist_free(list);
    }
    return CFY_OK;
}

cfy_status cfy_input_check_value(cfy_runtime *rt, const cfy_input_def *in, const cfy_value *v, cfy_error *err)
{
    char msg[256];
    cfy_kind k = cfy_value_kind(v);
    if (strcmp(in->type, CFY_T_INT) == 0) {
        if (k != CFY_KIND_INT && k != CFY_KIND_BOOL) return fail(err, in, CFY_EINVAL, "Failed to convert an input value to a INT value");
        if (cfy_value_int_is_uint64(v)) {
            if (!(in->flags & CFY_IN_UINT64)) {
                snprintf(msg, sizeof msg, "Value %llu bigger than max of %lld", (unsigned long long)cfy_value_uint64(v), (long long)in->i.max);
                return fail(err, in, CFY_EINVAL, msg);
            }
            return CFY_OK;
        }
        int64_t x = cfy_value_int(v);
        if (x < in->i.min) {
            snprintf(msg, sizeof msg, "Value %lld smaller than min of %lld", (long long)x, (long long)in->i.min);
            return fail(err, in, CFY_EINVAL, msg);
        }
        if (!(in->flags & CFY_IN_UINT64) && x > in->i.max) {
            snprintf(msg, sizeof msg, "Value %lld bigger than max of %lld", (long long)x, (long long)in->i.max);
            return fail(err, in, CFY_EINVAL, msg);
        }
        return CFY_OK;
    }
    if (strcmp(in->type, CFY_T_FLOAT) == 0) {
        if (k != CFY_KIND_FLOAT && k != CFY_KIND_INT && k != CFY_KIND_BOOL) return fail(err, in, CFY_EINVAL, "Failed to convert an input value to a FLOAT value");
        double x = cfy_value_float(v);
        if (x < in->f.min) { /* NaN passes both checks, as in ComfyUI */
            snprintf(msg, sizeof msg, "Value %g smaller than min of %g", x, in->f.min);
            return fail(err, in, CFY_EINVAL, msg);
        }
        if (x > in->f.max) {
            snprintf(msg, sizeof msg, "Value %g bigger than max of %g", x, in->f.max);
            return fail(err, in, CFY_EINVAL, msg);
        }
        return CFY_OK;
    }
    if (strcmp(in->type, CFY_T_STRING) == 0) {
        if (k != CFY_KIND_STRING) return fail(err, in, CFY_EINVAL, "Failed to convert an input value to a STRING value");
        return CFY_OK;
    }
    if (strcmp(in->type, CFY_T_BOOLEAN) == 0) {
        if (k != CFY_KIND_BOOL && k != CFY_KIND_INT) return fail(err, in, CFY_EINVAL, "Failed to convert an input value to a BOOLEAN value");
        return CFY_OK;
    }
    if (strcmp(in->type, CFY_T_COMBO) == 0) {
        if (k != CFY_KIND_STRING) return fail(err, in, CFY_EINVAL, "Value not in list");
        if (in->flags & CFY_IN_NODE_VALIDATED) return CFY_OK; /* VALIDATE_INPUTS takes it (spec 4.4) */
        bool found;
        cfy_status st = combo_contains(rt, in, cfy_value_string(v), &found, err);
        if (st != CFY_OK) return cfy_error_set_input(err, in->name);
        if (!found) {
            snprintf(msg, sizeof msg, "Value not in list: %s: '%s'", in->name, cfy_value_string(v));
            return fail(err, in, CFY_EINVAL, msg);
        }
        return CFY_OK;
    }
    /* link types: the value must carry that type */
    if (strcmp(in->type, "*") != 0 && strcmp(in->type, cfy_value_type(v)) != 0) {
        snprintf(msg, sizeof msg, "Return type mismatch: received_type(%s) mismatch input_type(%s)", cfy_value_type(v), in->type);
        return fail(err, in, CFY_EINVAL, msg);
    }
    return CFY_OK;
}

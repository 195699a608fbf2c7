/* object_info.c — node definitions as ComfyUI's /object_info JSON (also the validator's input_config).
 *
 * Per class: input {required, optional, hidden}, input_order, output, output_is_list,
 * output_name, name, display_name, description, python_module, category, output_node. An
 * input is [TYPE, {options}]; a combo is [[choices...], {options}]; a hidden input is its
 * type string. INT/FLOAT ranges are listed when the definition declares one (min and max not
 * both zero). */
#include <stdlib.h>
#include <string.h>

#include "comfyc/runtime.h"
#include "graph/json.h"
#include "graph/workflow_internal.h"

bool cfy_graph_int_has_range(const cfy_input_def *in)
{
    return (in->flags & CFY_IN_UINT64) || in->i.min || in->i.max;
}
bool cfy_graph_float_has_range(const cfy_input_def *in)
{
    return in->f.min != 0 || in->f.max != 0;
}

char **cfy_graph_combo_choices(cfy_runtime *rt, const cfy_input_def *in, cfy_error *err)
{
    char **list = NULL;
    if (in->combo) {
        int n = 0;
        while (in->combo[n])
            n++;
        list = calloc((size_t)n + 1, sizeof *list);
        if (!list) return cfy_error_set(err, CFY_ENOMEM, "out of memory"), NULL;
        for (int i = 0; i < n; i++)
            if (!(list[i] = strdup(in->combo[i]))) {
                cfy_strlist_free(list);
                return cfy_error_set(err, CFY_ENOMEM, "out of memory"), NULL;
            }
        return list;
    }
    if (in->combo_fn) {
        if (in->combo_fn(rt, &list, err) != CFY_OK) return NULL;
        if (!list) list = calloc(1, sizeof *list);
        return list;
    }
    list = calloc(1, sizeof *list);
    if (!list) cfy_error_set(err, CFY_ENOMEM, "out of memory");
    return list;
}

static bool add_num(cJSON *o, const char *k, cJSON *v)
{
    return v && cJSON_AddItemToObject(o, k, v);
}

cJSON *cfy_graph_input_config(cfy_runtime *rt, const cfy_input_def *in)
{
    cJSON *cfg = cJSON_CreateArray();
    cJSON *opts = cJSON_CreateObject();
    cJSON *type = NULL;
    bool ok = cfg && opts;
    const char *t = in->type ? in->type : "*";
    if (ok && strcmp(t, CFY_T_COMBO) == 0) {
        cfy_error ignore;
        char **choices = cfy_graph_combo_choices(rt, in, &ignore);
        type = cJSON_CreateArray();
        for (char **c = choices; type && c && *c; c++)
            ok = ok && cJSON_AddItemToArray(type, cJSON_CreateString(*c));
        const char *def = in->combo_def ? in->combo_def : (choices && choices[0] ? choices[0] : NULL);
        if (def) ok = ok && cJSON_AddStringToObject(opts, "default", def);
        cfy_strlist_free(choices);
        if (in->flags & CFY_IN_IMAGE_UPLOAD) ok = ok && cJSON_AddTrueToObject(opts, "image_upload");
    } else if (ok) {
        type = cJSON_CreateString(t);
    }
    if (ok && strcmp(t, CFY_T_INT) == 0) {
        ok = add_num(opts, "default", cfy_json_new_int(in->i.def));
        if (cfy_graph_int_has_range(in)) {
            ok = ok && add_num(opts, "min", cfy_json_new_int(in->i.min));
            ok = ok &&
                 add_num(opts, "max",
                         (in->flags & CFY_IN_UINT64) ? cfy_json_new_uint64(UINT64_MAX) : cfy_json_new_int(in->i.max));
        }
        if (in->i.step) ok = ok && add_num(opts, "step", cfy_json_new_int(in->i.step));
    } else if (ok && strcmp(t, CFY_T_FLOAT) == 0) {
        ok = add_num(opts, "default", cfy_json_new_float(in->f.def));
        if (cfy_graph_float_has_range(in)) {
            ok = ok && add_num(opts, "min", cfy_json_new_float(in->f.min));
            ok = ok && add_num(opts, "max", cfy_json_new_float(in->f.max));
        }
        if (in->f.step != 0) ok = ok && add_num(opts, "step", cfy_json_new_float(in->f.step));
        if (in->f.round != 0) ok = ok && add_num(opts, "round", cfy_json_new_float(in->f.round));
    } else if (ok && strcmp(t, CFY_T_STRING) == 0) {
        ok = cJSON_AddStringToObject(opts, "default", in->s_def ? in->s_def : "") != NULL;
        if (in->flags & CFY_IN_MULTILINE) ok = ok && cJSON_AddTrueToObject(opts, "multiline");
        if (in->flags & CFY_IN_DYNAMIC_PROMPTS) ok = ok && cJSON_AddTrueToObject(opts, "dynamicPrompts");
    } else if (ok && strcmp(t, CFY_T_BOOLEAN) == 0) {
        ok = cJSON_AddBoolToObject(opts, "default", in->b_def) != NULL;
        if (in->label_on) ok = ok && cJSON_AddStringToObject(opts, "label_on", in->label_on);
        if (in->label_off) ok = ok && cJSON_AddStringToObject(opts, "label_off", in->label_off);
    }
    if (ok && (in->flags & CFY_IN_CONTROL_AFTER_GENERATE))
        ok = cJSON_AddTrueToObject(opts, "control_after_generate") != NULL;
    if (ok && (in->flags & CFY_IN_FORCE_INPUT)) ok = cJSON_AddTrueToObject(opts, "forceInput") != NULL;
    if (ok && in->tooltip) ok = cJSON_AddStringToObject(opts, "tooltip", in->tooltip) != NULL;
    if (ok && type) {
        cJSON_AddItemToArray(cfg, type);
        type = NULL;
        cJSON_AddItemToArray(cfg, opts);
        opts = NULL;
        return cfg;
    }
    cJSON_Delete(type);
    cJSON_Delete(opts);
    cJSON_Delete(cfg);
    return NULL;
}

static cJSON *class_info(cfy_runtime *rt, const cfy_node_def *def)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON *input = cJSON_AddObjectToObject(o, "input");
    cJSON *req = input ? cJSON_AddObjectToObject(input, "required") : NULL;
    cJSON *opt = NULL, *hid = NULL;
    cJSON *order = cJSON_AddObjectToObject(o, "input_order");
    cJSON *oreq = order ? cJSON_AddArrayToObject(order, "required") : NULL;
    cJSON *oopt = NULL, *ohid = NULL;
    bool ok = req && oreq;
    for (const cfy_input_def *in = def->inputs; ok && in && in->name; in++) {
        if (in->flags & CFY_IN_HIDDEN) {
            if (!hid) hid = cJSON_AddObjectToObject(input, "hidden");
            if (!ohid) ohid = cJSON_AddArrayToObject(order, "hidden");
            ok = hid && ohid && cJSON_AddStringToObject(hid, in->name, in->type ? in->type : "*") &&
                 cJSON_AddItemToArray(ohid, cJSON_CreateString(in->name));
            continue;
        }
        cJSON *cfg = cfy_graph_input_config(rt, in);
        bool optional = (in->flags & CFY_IN_OPTIONAL) != 0;
        if (optional && !opt) opt = cJSON_AddObjectToObject(input, "optional");
        if (optional && !oopt) oopt = cJSON_AddArrayToObject(order, "optional");
        cJSON *dst = optional ? opt : req, *odst = optional ? oopt : oreq;
        ok = cfg && dst && odst && cJSON_AddItemToObject(dst, in->name, cfg) &&
             cJSON_AddItemToArray(odst, cJSON_CreateString(in->name));
        if (!ok && cfg && !(dst && cJSON_GetObjectItemCaseSensitive(dst, in->name) == cfg)) cJSON_Delete(cfg);
    }
    cJSON *out = cJSON_AddArrayToObject(o, "output");
    cJSON *is_list = cJSON_AddArrayToObject(o, "output_is_list");
    cJSON *names = cJSON_AddArrayToObject(o, "output_name");
    ok = ok && out && is_list && names;
    for (const cfy_output_def *d = def->outputs; ok && d && d->type; d++)
        ok = cJSON_AddItemToArray(out, cJSON_CreateString(d->type)) &&
             cJSON_AddItemToArray(is_list, cJSON_CreateBool(d->is_list)) &&
             cJSON_AddItemToArray(names, cJSON_CreateString(d->name ? d->name : d->type));
    ok = ok && cJSON_AddStringToObject(o, "name", def->class_type) &&
         cJSON_AddStringToObject(o, "display_name", def->display_name ? def->display_name : def->class_type) &&
         cJSON_AddStringToObject(o, "description", def->description ? def->description : "") &&
         cJSON_AddStringToObject(o, "python_module", def->python_module ? def->python_module : "nodes") &&
         cJSON_AddStringToObject(o, "category", def->category ? def->category : "") &&
         cJSON_AddBoolToObject(o, "output_node", (def->flags & CFY_NODE_OUTPUT) != 0);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

char *cfy_object_info_json(cfy_runtime *rt)
{
    cfy_registry *reg = cfy_runtime_registry(rt);
    cJSON *all = cJSON_CreateObject();
    if (!all) return NULL;
    int n = cfy_registry_count(reg);
    for (int i = 0; i < n; i++) {
        const cfy_node_def *def = cfy_registry_at(reg, i);
        cJSON *info = class_info(rt, def);
        if (!info || !cJSON_AddItemToObject(all, def->class_type, info)) {
            cJSON_Delete(info);
            cJSON_Delete(all);
            return NULL;
        }
    }
    char *s = cfy_json_print_indented(all);
    cJSON_Delete(all);
    return s;
}

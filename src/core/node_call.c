/* node_call.c — calling one node class directly with caller-given values (no executor). */
#include <string.h>

#include "comfyc/runtime.h"
#include "core/node_ctx.h"

cfy_status cfy_node_call(cfy_runtime *rt, const char *class_type, const cfy_named_value *inputs, int n_inputs,
                         cfy_value **outputs, int n_outputs, cfy_error *err)
{
    for (int i = 0; i < n_outputs; i++) outputs[i] = NULL;
    const cfy_node_def *def = cfy_registry_find(cfy_runtime_registry(rt), class_type);
    if (!def) return cfy_error_set(err, CFY_ENOTFOUND, "unknown node class '%s'", class_type);
    cfy_node_ctx ctx;
    cfy_status st = cfy_node_ctx_init(&ctx, rt, def, "", err);
    if (st != CFY_OK) return st;
    if (n_outputs < ctx.n_outputs) {
        st = cfy_node_fail(&ctx, CFY_EINVAL, NULL, "%d output slots given, node has %d", n_outputs, ctx.n_outputs);
        goto done;
    }
    for (int i = 0; i < n_inputs; i++) {
        int idx = cfy_node_ctx_input_index(&ctx, inputs[i].name);
        if (idx < 0) {
            st = cfy_node_fail(&ctx, CFY_EINVAL, inputs[i].name, "node has no input named '%s'", inputs[i].name);
            goto done;
        }
        if ((st = cfy_input_check_value(rt, &def->inputs[idx], inputs[i].value, err)) != CFY_OK) goto done;
        if ((st = cfy_value_list_push(&ctx.inputs[idx], cfy_value_retain((cfy_value *)inputs[i].value), err)) != CFY_OK) goto done;
    }
    for (int i = 0; i < ctx.n_inputs; i++) {
        if (ctx.inputs[i].n == 0 && !(def->inputs[i].flags & (CFY_IN_OPTIONAL | CFY_IN_HIDDEN))) {
            st = cfy_node_fail(&ctx, CFY_EINVAL, def->inputs[i].name, "Required input is missing");
            goto done;
        }
    }
    cfy_runtime_clear_interrupt(rt);
    st = def->run(&ctx);
    if (st == CFY_OK) {
        for (int i = 0; i < ctx.n_outputs; i++)
            if (ctx.outputs[i].n > 0) outputs[i] = cfy_value_retain(ctx.outputs[i].items[0]);
    }
done:
    cfy_node_ctx_free(&ctx);
    return st;
}

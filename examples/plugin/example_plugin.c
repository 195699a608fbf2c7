/* example_plugin.c — a custom-node plugin: registers "ExampleAddInts" (a + b). */
#include "comfyc/comfyc.h"

static cfy_status add_ints_run(cfy_node_ctx *ctx)
{
    int64_t a = 0, b = 0;
    cfy_status st;
    if ((st = cfy_node_in_int(ctx, "a", &a)) != CFY_OK) return st;
    if ((st = cfy_node_in_int(ctx, "b", &b)) != CFY_OK) return st;
    return cfy_node_out(ctx, 0, cfy_value_new_int(a + b));
}

static const cfy_input_def add_ints_inputs[] = {
    {"a", CFY_T_INT, 0, .i = {0, -1000000, 1000000, 1}},
    {"b", CFY_T_INT, 0, .i = {0, -1000000, 1000000, 1}},
    {NULL},
};
static const cfy_output_def add_ints_outputs[] = {{CFY_T_INT, "sum"}, {NULL}};

static const cfy_node_def add_ints = {
    .abi = CFY_ABI_VERSION, .class_type = "ExampleAddInts", .display_name = "Add Ints (example plugin)",
    .category = "examples", .python_module = "custom_nodes.example_plugin",
    .inputs = add_ints_inputs, .outputs = add_ints_outputs, .run = add_ints_run,
};
static const cfy_node_def *const plugin_nodes[] = {&add_ints, NULL};

CFY_API const uint32_t cfy_plugin_abi = CFY_ABI_VERSION;

CFY_API cfy_status cfy_plugin_register(cfy_registry *reg, cfy_error *err)
{
    return cfy_registry_add_all(reg, plugin_nodes, err);
}

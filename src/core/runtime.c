/* runtime.c — creating and destroying a runtime, logging, interrupts, plugins. */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comfyc/runtime.h"
#include "core/runtime_internal.h"

const char *cfy_version(void) { return CFY_VERSION_STRING; }

void cfy_runtime_options_init(cfy_runtime_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->device = cfy_cpu();
    opts->max_image_pixels_side = 16384;
}

static char *dup_or(const char *s, const char *fallback)
{
    return strdup(s ? s : fallback);
}

cfy_status cfy_runtime_create(const cfy_runtime_options *opts, cfy_runtime **out, cfy_error *err)
{
    *out = NULL;
    cfy_runtime *rt = calloc(1, sizeof *rt);
    if (!rt) return cfy_error_set(err, CFY_ENOMEM, "runtime: out of memory");
    if (opts) rt->opts = *opts;
    else cfy_runtime_options_init(&rt->opts);
    if (rt->opts.max_image_pixels_side <= 0) rt->opts.max_image_pixels_side = 16384;
    rt->input_dir = dup_or(rt->opts.input_dir, "input");
    rt->output_dir = dup_or(rt->opts.output_dir, "output");
    rt->temp_dir = dup_or(rt->opts.temp_dir, "temp");
    rt->models_dir = dup_or(rt->opts.models_dir, "models");
    rt->extra_model_paths = rt->opts.extra_model_paths ? strdup(rt->opts.extra_model_paths) : NULL;
    if (!rt->input_dir || !rt->output_dir || !rt->temp_dir || !rt->models_dir) {
        cfy_runtime_destroy(rt);
        return cfy_error_set(err, CFY_ENOMEM, "runtime: out of memory");
    }
    rt->opts.input_dir = rt->input_dir;
    rt->opts.output_dir = rt->output_dir;
    rt->opts.temp_dir = rt->temp_dir;
    rt->opts.models_dir = rt->models_dir;
    rt->opts.extra_model_paths = rt->extra_model_paths;
    cfy_status st = cfy_registry_create(&rt->registry, err);
    if (st == CFY_OK && !rt->opts.no_builtin_nodes) st = cfy_register_builtin_nodes(rt->registry, err);
    if (st != CFY_OK) {
        cfy_runtime_destroy(rt);
        return st;
    }
    *out = rt;
    return CFY_OK;
}

void cfy_runtime_destroy(cfy_runtime *rt)
{
    if (!rt) return;
    for (int i = 0; i < CFY_SLOT_COUNT; i++)
        if (rt->slots[i].ptr && rt->slots[i].free_fn) rt->slots[i].free_fn(rt->slots[i].ptr);
    cfy_registry_destroy(rt->registry);
    for (int i = 0; i < rt->n_plugins; i++) dlclose(rt->plugins[i]);
    free(rt->plugins);
    free(rt->input_dir);
    free(rt->output_dir);
    free(rt->temp_dir);
    free(rt->models_dir);
    free(rt->extra_model_paths);
    free(rt);
}

cfy_registry *cfy_runtime_registry(cfy_runtime *rt) { return rt->registry; }
const cfy_runtime_options *cfy_runtime_opts(const cfy_runtime *rt) { return &rt->opts; }

void cfy_runtime_interrupt(cfy_runtime *rt) { rt->interrupted = 1; }
bool cfy_runtime_interrupted(const cfy_runtime *rt) { return rt->interrupted != 0; }
void cfy_runtime_clear_interrupt(cfy_runtime *rt) { rt->interrupted = 0; }

void cfy_log(cfy_runtime *rt, int level, const char *fmt, ...)
{
    if (!rt || !rt->opts.log) return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    rt->opts.log(rt->opts.log_user, level, buf);
}

void cfy_runtime_clear_cache(cfy_runtime *rt)
{
    cfy_runtime_slot *s = &rt->slots[CFY_SLOT_EXEC_CACHE];
    if (s->ptr && s->free_fn) s->free_fn(s->ptr);
    s->ptr = NULL;
}

cfy_status cfy_runtime_load_plugin(cfy_runtime *rt, const char *path, cfy_error *err)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) return cfy_error_set(err, CFY_ENOTFOUND, "cannot load plugin '%s': %s", path, dlerror());
    const uint32_t *abi = dlsym(h, "cfy_plugin_abi");
    if (!abi) {
        dlclose(h);
        return cfy_error_set(err, CFY_EABI, "plugin '%s' does not export cfy_plugin_abi", path);
    }
    if (*abi != CFY_ABI_VERSION) {
        uint32_t got = *abi;
        dlclose(h);
        return cfy_error_set(err, CFY_EABI, "plugin '%s' was built for comfyc ABI %u, this comfyc has ABI %u", path, got, CFY_ABI_VERSION);
    }
    cfy_plugin_register_fn reg_fn;
    *(void **)&reg_fn = dlsym(h, "cfy_plugin_register");
    if (!reg_fn) {
        dlclose(h);
        return cfy_error_set(err, CFY_EABI, "plugin '%s' does not export cfy_plugin_register", path);
    }
    void **grown = realloc(rt->plugins, sizeof *grown * (size_t)(rt->n_plugins + 1));
    if (!grown) { dlclose(h); return cfy_error_set(err, CFY_ENOMEM, "out of memory"); }
    rt->plugins = grown;
    /* a per-load source name, so a failed second load of the same file rolls back only its own classes */
    char source[300];
    snprintf(source, sizeof source, "%s (plugin #%d)", path, rt->n_plugins + 1);
    cfy_registry_set_source(rt->registry, source);
    cfy_status st = reg_fn(rt->registry, err);
    cfy_registry_set_source(rt->registry, "built-in");
    if (st != CFY_OK) {
        cfy_registry_remove_source(rt->registry, source);
        dlclose(h);
        return st;
    }
    rt->plugins[rt->n_plugins++] = h;
    return CFY_OK;
}

/* hooks.c — UPSCALER_HOOK and SCHEDULER_FUNC values wrapping caller-supplied vtables. */
#include <stdlib.h>
#include <string.h>

#include "comfyc/hooks.h"

static void upscaler_hook_free(void *p)
{
    cfy_upscaler_hook *h = p;
    if (h->release) h->release(h->user);
    free(h);
}

cfy_value *cfy_value_new_upscaler_hook(const cfy_upscaler_hook *hook)
{
    return cfy_value_new_upscaler_hook_as(CFY_T_UPSCALER_HOOK, hook);
}

cfy_value *cfy_value_new_upscaler_hook_as(const char *type, const cfy_upscaler_hook *hook)
{
    cfy_upscaler_hook *h = malloc(sizeof *h);
    if (!h) {
        if (hook->release) hook->release(hook->user);
        return NULL;
    }
    *h = *hook;
    return cfy_value_new_object(type, h, upscaler_hook_free);
}

static void scheduler_func_free(void *p)
{
    cfy_scheduler_func *f = p;
    if (f->release) f->release(f->user);
    free(f);
}

cfy_value *cfy_value_new_scheduler_func(const cfy_scheduler_func *fn)
{
    cfy_scheduler_func *f = malloc(sizeof *f);
    if (!f) {
        if (fn->release) fn->release(fn->user);
        return NULL;
    }
    *f = *fn;
    return cfy_value_new_object(CFY_T_SCHEDULER_FUNC, f, scheduler_func_free);
}

const cfy_upscaler_hook *cfy_value_upscaler_hook(const cfy_value *v)
{
    if (!v || cfy_value_kind(v) != CFY_KIND_OBJECT) return NULL;
    const char *t = cfy_value_type(v);
    if (strcmp(t, CFY_T_UPSCALER_HOOK) != 0 && strcmp(t, CFY_T_DETAILER_HOOK) != 0) return NULL;
    return cfy_value_object(v);
}

const cfy_scheduler_func *cfy_value_scheduler_func(const cfy_value *v)
{
    if (!v || cfy_value_kind(v) != CFY_KIND_OBJECT || strcmp(cfy_value_type(v), CFY_T_SCHEDULER_FUNC) != 0) return NULL;
    return cfy_value_object(v);
}

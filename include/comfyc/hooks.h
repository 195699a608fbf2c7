/* hooks.h — hook interfaces an embedding program can implement in C: UPSCALER_HOOK and
 * SCHEDULER_FUNC (the Impact Pack's callables, as vtables with user data).
 *
 * Both structs start with `abi` (CFY_ABI_VERSION) so fields can be added later. A hook is
 * wrapped in a value with cfy_value_new_upscaler_hook / cfy_value_new_scheduler_func; the
 * value owns the hook and calls `release(user)` when its last reference goes. */
#ifndef COMFYC_HOOKS_H
#define COMFYC_HOOKS_H

#include <stdint.h>

#include "comfyc/error.h"
#include "comfyc/node.h"
#include "comfyc/tensor.h"
#include "comfyc/value.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CFY_T_DETAILER_HOOK "DETAILER_HOOK"

typedef struct cfy_upscaler_hook {
    uint32_t abi; /* CFY_ABI_VERSION */
    void *user;
    /* Called after each successful paste with the whole working image.
     * image borrowed: IMAGE f32 [1,H,W,3] on the runtime's device.
     * out: returns new image that replaces the working image (return a retained `image` to
     *      keep it unchanged). NULL on failure. */
    cfy_status (*post_paste)(void *user, cfy_runtime *rt, const cfy_tensor *image, cfy_tensor **out, cfy_error *err);
    void (*release)(void *user); /* may be NULL */
} cfy_upscaler_hook;

typedef struct cfy_scheduler_func {
    uint32_t abi; /* CFY_ABI_VERSION */
    void *user;
    /* Build a noise schedule of `steps` steps for the given MODEL value and sampler name.
     * sigmas: returns new f32 [N] CPU tensor, descending, normally steps+1 long ending in 0. */
    cfy_status (*get_sigmas)(void *user, const cfy_value *model, const char *sampler_name, int64_t steps,
                             cfy_tensor **sigmas, cfy_error *err);
    void (*release)(void *user); /* may be NULL */
} cfy_scheduler_func;

/* Wrap a hook as an UPSCALER_HOOK value. hook borrowed: the struct is copied; its user data
 * becomes owned by the value (release(user) runs with the last reference, and on failure).
 * Returns new, or NULL out of memory. */
CFY_API cfy_value *cfy_value_new_upscaler_hook(const cfy_upscaler_hook *hook);
/* The same with another type name for the value (e.g. CFY_T_DETAILER_HOOK: the Impact Pack's
 * PreviewDetailerHookProvider hands one hook out as both types). type: static string. */
CFY_API cfy_value *cfy_value_new_upscaler_hook_as(const char *type, const cfy_upscaler_hook *hook);
/* Same for SCHEDULER_FUNC values. */
CFY_API cfy_value *cfy_value_new_scheduler_func(const cfy_scheduler_func *fn);

/* The hook inside an UPSCALER_HOOK or DETAILER_HOOK value (borrowed), or NULL. */
CFY_API const cfy_upscaler_hook *cfy_value_upscaler_hook(const cfy_value *v);
/* The function inside a SCHEDULER_FUNC value (borrowed), or NULL. */
CFY_API const cfy_scheduler_func *cfy_value_scheduler_func(const cfy_value *v);

#ifdef __cplusplus
}
#endif
#endif

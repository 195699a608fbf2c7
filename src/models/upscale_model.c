/* upscale_model.c — UPSCALE_MODEL values over a compiled upscaler graph. */
#include <stdlib.h>
#include <string.h>

#include "models/upscale_model.h"

cfy_status cfy_upscale_model_new(cfy_package *pkg, cfy_upscale_model **out, cfy_error *err)
{
    *out = NULL;
    cfy_aoti_component *net = cfy_package_component(pkg, "upscaler");
    if (!net || strcmp(pkg->manifest->kind, "upscale_model"))
        return cfy_error_set(err, CFY_EINVAL, "%s is not an upscale model package", pkg->manifest->dir);
    const cfy_component_spec *s = cfy_aoti_component_spec(net);
    if (s->n_in != 1 || s->in[0].ndim != 4)
        return cfy_error_set(err, CFY_EINVAL, "%s: upscaler graph is not [B,C,H,W]", pkg->manifest->dir);
    cfy_upscale_model *m = calloc(1, sizeof *m);
    if (!m) return cfy_error_set(err, CFY_ENOMEM, "upscale model: out of memory");
    m->package = cfy_package_retain(pkg);
    m->net = net;
    m->scale = pkg->manifest->upscale_scale > 0 ? pkg->manifest->upscale_scale : 1;
    m->max_side = s->in[0].dims[2].max < s->in[0].dims[3].max ? s->in[0].dims[2].max : s->in[0].dims[3].max;
    *out = m;
    return CFY_OK;
}

void cfy_upscale_model_free(void *model)
{
    cfy_upscale_model *m = model;
    if (!m) return;
    cfy_package_release(m->package);
    free(m);
}

cfy_status cfy_upscale_model_run_tile(void *model, const cfy_tensor *tile, cfy_tensor **out, cfy_error *err)
{
    cfy_upscale_model *m = model;
    return cfy_component_run_batched(m->net, tile, out, err);
}

/* package.c — open a model package: manifest + one AOTI container per component, shared by refcount. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "models/package.h"

cfy_status cfy_package_open(const char *dir, cfy_device device, cfy_package **out, cfy_error *err)
{
    *out = NULL;
    cfy_package *p = calloc(1, sizeof *p);
    if (!p) return cfy_error_set(err, CFY_ENOMEM, "model package: out of memory");
    p->refs = 1;
    p->device = device;
    cfy_status st = cfy_manifest_load(dir, &p->manifest, err);
    for (int i = 0; !st && i < p->manifest->n_components; i++)
        st = cfy_aoti_component_load(p->manifest, &p->manifest->components[i], device, &p->components[i], err);
    if (st) {
        cfy_package_release(p);
        return st;
    }
    *out = p;
    return CFY_OK;
}

cfy_package *cfy_package_retain(cfy_package *p)
{
    if (p) atomic_fetch_add_explicit((_Atomic int *)&p->refs, 1, memory_order_relaxed);
    return p;
}

void cfy_package_release(cfy_package *p)
{
    if (!p || atomic_fetch_sub_explicit((_Atomic int *)&p->refs, 1, memory_order_acq_rel) != 1) return;
    for (int i = 0; i < CFY_COMPONENTS_MAX; i++)
        cfy_aoti_component_destroy(p->components[i]);
    cfy_manifest_free(p->manifest);
    free(p);
}

cfy_aoti_component *cfy_package_component(const cfy_package *p, const char *name)
{
    for (int i = 0; p && p->manifest && i < p->manifest->n_components; i++)
        if (!strcmp(p->manifest->components[i].name, name)) return p->components[i];
    return NULL;
}

/* x as the graph takes it: dtype `dt` on `device`, contiguous (x itself, retained, when it already is). */
static cfy_status stage_input(const cfy_tensor *x, cfy_dtype dt, cfy_device device, cfy_tensor **out, cfy_error *err)
{
    cfy_tensor *host = NULL, *conv = NULL;
    cfy_status st = CFY_OK;
    if (x->dtype != dt) { /* the converter runs on the host */
        if (x->device.kind != CFY_DEVICE_CPU && (st = cfy_tensor_to(x, cfy_cpu(), &host, err))) return st;
        st = cfy_tensor_convert(host ? host : x, dt, &conv, err);
        cfy_tensor_release(host);
        if (st) return st;
        x = conv;
    }
    st = cfy_device_eq(x->device, device) ? cfy_tensor_contiguous(x, out, err) : cfy_tensor_to(x, device, out, err);
    cfy_tensor_release(conv);
    return st;
}

/* y as host f32 contiguous. */
static cfy_status to_host_f32(const cfy_tensor *y, cfy_tensor **out, cfy_error *err)
{
    if (y->device.kind == CFY_DEVICE_CPU) return cfy_tensor_convert(y, CFY_F32, out, err);
    cfy_tensor *host = NULL;
    cfy_status st = cfy_tensor_to(y, cfy_cpu(), &host, err);
    if (st) return st;
    st = cfy_tensor_convert(host, CFY_F32, out, err);
    cfy_tensor_release(host);
    return st;
}

cfy_status cfy_component_call_host(cfy_aoti_component *c, const cfy_tensor *const *inputs, int n_in,
                                   cfy_tensor **outputs, int n_out, cfy_error *err)
{
    for (int i = 0; i < n_out; i++)
        outputs[i] = NULL;
    const cfy_component_spec *s = cfy_aoti_component_spec(c);
    if (n_in != s->n_in || n_in > CFY_IO_MAX || n_out > CFY_IO_MAX)
        return cfy_error_set(err, CFY_EINVAL, "%s takes %d inputs, %d given", s->name, s->n_in, n_in);
    cfy_device device = cfy_aoti_component_device(c);
    cfy_tensor *in[CFY_IO_MAX] = {0}, *res[CFY_IO_MAX] = {0};
    cfy_status st = CFY_OK;
    for (int i = 0; i < n_in && !st; i++)
        st = stage_input(inputs[i], s->in[i].dtype, device, &in[i], err);
    if (!st) st = cfy_aoti_component_run(c, (const cfy_tensor *const *)in, n_in, res, n_out, err);
    for (int i = 0; i < n_out && !st; i++)
        st = to_host_f32(res[i], &outputs[i], err);
    for (int i = 0; i < CFY_IO_MAX; i++) {
        cfy_tensor_release(in[i]);
        cfy_tensor_release(res[i]);
        if (st && i < n_out) {
            cfy_tensor_release(outputs[i]);
            outputs[i] = NULL;
        }
    }
    return st;
}

cfy_status cfy_component_run_batched(cfy_aoti_component *c, const cfy_tensor *x, cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    const cfy_component_spec *s = cfy_aoti_component_spec(c);
    if (s->n_in != 1 || s->n_out != 1 || x->ndim < 1)
        return cfy_error_set(err, CFY_EINVAL, "%s: not a one-input, one-output graph", s->name);
    int64_t max_b = s->in[0].dims[0].name[0] ? s->in[0].dims[0].max : s->in[0].dims[0].min;
    int64_t b = x->sizes[0];
    if (b <= max_b) return cfy_component_call_host(c, &x, 1, out, 1, err);
    cfy_tensor *result = NULL;
    cfy_status st = CFY_OK;
    size_t row_bytes = 0;
    for (int64_t start = 0; start < b && !st; start += max_b) {
        int64_t n = b - start < max_b ? b - start : max_b;
        cfy_tensor *part = NULL, *y = NULL;
        st = cfy_tensor_narrow(x, 0, start, n, &part, err);
        if (!st) st = cfy_component_call_host(c, (const cfy_tensor *const *)&part, 1, &y, 1, err);
        cfy_tensor_release(part);
        if (st) break;
        if (!result) {
            int64_t sizes[CFY_MAX_DIMS];
            memcpy(sizes, y->sizes, sizeof sizes);
            sizes[0] = b;
            st = cfy_tensor_new(CFY_F32, y->device, y->ndim, sizes, false, &result, err);
            row_bytes = (size_t)(cfy_tensor_numel(y) / n) * sizeof(float);
        }
        if (!st)
            memcpy((char *)cfy_tensor_data(result) + (size_t)start * row_bytes, cfy_tensor_data(y), (size_t)n * row_bytes);
        cfy_tensor_release(y);
    }
    if (st) {
        cfy_tensor_release(result);
        return st;
    }
    *out = result;
    return CFY_OK;
}

/* tensor.c — refcounted strided tensors: allocation, views, copies, dtype conversion. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comfyc/tensor.h"
#include "core/device_mem.h"
#include "core/half.h"

size_t cfy_dtype_size(cfy_dtype dtype)
{
    switch (dtype) {
    case CFY_F32: return 4;
    case CFY_F16: return 2;
    case CFY_BF16: return 2;
    case CFY_U8: return 1;
    case CFY_I64: return 8;
    case CFY_I32: return 4;
    }
    return 0;
}

const char *cfy_dtype_name(cfy_dtype dtype)
{
    switch (dtype) {
    case CFY_F32: return "f32";
    case CFY_F16: return "f16";
    case CFY_BF16: return "bf16";
    case CFY_U8: return "u8";
    case CFY_I64: return "i64";
    case CFY_I32: return "i32";
    }
    return "?";
}

static void storage_retain(cfy_storage *s) { atomic_fetch_add_explicit((_Atomic int *)&s->refs, 1, memory_order_relaxed); }

static void storage_release(cfy_storage *s)
{
    if (!s) return;
    if (atomic_fetch_sub_explicit((_Atomic int *)&s->refs, 1, memory_order_acq_rel) != 1) return;
    if (s->release) s->release(s->release_ctx, s->data);
    free(s);
}

static void host_free(void *ctx, void *data) { (void)ctx; free(data); }

static cfy_status check_shape(int ndim, const int64_t *sizes, int64_t *numel, cfy_error *err)
{
    if (ndim < 0 || ndim > CFY_MAX_DIMS) return cfy_error_set(err, CFY_EINVAL, "tensor: ndim %d outside 0..%d", ndim, CFY_MAX_DIMS);
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (sizes[i] < 0) return cfy_error_set(err, CFY_EINVAL, "tensor: negative size %lld in dim %d", (long long)sizes[i], i);
        if (sizes[i] && n > INT64_MAX / 16 / sizes[i]) return cfy_error_set(err, CFY_EINVAL, "tensor: size overflow");
        n *= sizes[i];
    }
    *numel = n;
    return CFY_OK;
}

static void set_contiguous_strides(cfy_tensor *t)
{
    int64_t s = 1;
    for (int i = t->ndim - 1; i >= 0; i--) {
        t->strides[i] = s;
        s *= t->sizes[i];
    }
}

static cfy_tensor *view_new(cfy_dtype dtype, cfy_device device, int ndim, const int64_t *sizes, cfy_storage *s)
{
    cfy_tensor *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->refs = 1;
    t->dtype = dtype;
    t->device = device;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++) t->sizes[i] = sizes[i];
    set_contiguous_strides(t);
    t->storage = s;
    return t;
}

cfy_status cfy_tensor_wrap(cfy_dtype dtype, cfy_device device, int ndim, const int64_t *sizes, void *data,
                           cfy_release_fn release, void *release_ctx, cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    int64_t numel;
    cfy_status st = check_shape(ndim, sizes, &numel, err);
    cfy_storage *s = st == CFY_OK ? calloc(1, sizeof *s) : NULL;
    cfy_tensor *t = s ? view_new(dtype, device, ndim, sizes, s) : NULL;
    if (!t) {
        free(s);
        if (release) release(release_ctx, data);
        return st != CFY_OK ? st : cfy_error_set(err, CFY_ENOMEM, "tensor: out of memory");
    }
    s->refs = 1;
    s->data = data;
    s->bytes = (size_t)numel * cfy_dtype_size(dtype);
    s->device = device;
    s->release = release;
    s->release_ctx = release_ctx;
    *out = t;
    return CFY_OK;
}

cfy_status cfy_tensor_new(cfy_dtype dtype, cfy_device device, int ndim, const int64_t *sizes, bool zero,
                          cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    int64_t numel;
    cfy_status st = check_shape(ndim, sizes, &numel, err);
    if (st != CFY_OK) return st;
    size_t bytes = (size_t)numel * cfy_dtype_size(dtype);
    void *data = NULL;
    cfy_release_fn release = host_free;
    void *release_ctx = NULL;
    if (device.kind == CFY_DEVICE_CPU) {
        data = zero ? calloc(bytes ? bytes : 1, 1) : malloc(bytes ? bytes : 1);
        if (!data) return cfy_error_set(err, CFY_ENOMEM, "tensor: cannot allocate %zu bytes", bytes);
    } else {
        st = cfy_device_alloc(device, bytes, zero, &data, &release, &release_ctx, err);
        if (st != CFY_OK) return st;
    }
    return cfy_tensor_wrap(dtype, device, ndim, sizes, data, release, release_ctx, out, err);
}

cfy_tensor *cfy_tensor_retain(cfy_tensor *t)
{
    if (t) atomic_fetch_add_explicit((_Atomic int *)&t->refs, 1, memory_order_relaxed);
    return t;
}

void cfy_tensor_release(cfy_tensor *t)
{
    if (!t) return;
    if (atomic_fetch_sub_explicit((_Atomic int *)&t->refs, 1, memory_order_acq_rel) != 1) return;
    storage_release(t->storage);
    free(t);
}

int64_t cfy_tensor_numel(const cfy_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->ndim; i++) n *= t->sizes[i];
    return n;
}

bool cfy_tensor_is_contiguous(const cfy_tensor *t)
{
    int64_t s = 1;
    for (int i = t->ndim - 1; i >= 0; i--) {
        if (t->sizes[i] != 1 && t->strides[i] != s) return false;
        s *= t->sizes[i];
    }
    return true;
}

void *cfy_tensor_data(const cfy_tensor *t)
{
    return (char *)t->storage->data + t->offset * (int64_t)cfy_dtype_size(t->dtype);
}

static cfy_tensor *view_of(const cfy_tensor *t)
{
    cfy_tensor *v = malloc(sizeof *v);
    if (!v) return NULL;
    *v = *t;
    v->refs = 1;
    storage_retain(t->storage);
    return v;
}

cfy_status cfy_tensor_reshape(const cfy_tensor *t, int ndim, const int64_t *sizes, cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    int64_t numel;
    cfy_status st = check_shape(ndim, sizes, &numel, err);
    if (st != CFY_OK) return st;
    if (!cfy_tensor_is_contiguous(t)) return cfy_error_set(err, CFY_EINVAL, "reshape: tensor is not contiguous");
    if (numel != cfy_tensor_numel(t)) return cfy_error_set(err, CFY_EINVAL, "reshape: %lld elements cannot become %lld", (long long)cfy_tensor_numel(t), (long long)numel);
    cfy_tensor *v = view_of(t);
    if (!v) return cfy_error_set(err, CFY_ENOMEM, "reshape: out of memory");
    v->ndim = ndim;
    for (int i = 0; i < ndim; i++) v->sizes[i] = sizes[i];
    set_contiguous_strides(v);
    *out = v;
    return CFY_OK;
}

cfy_status cfy_tensor_narrow(const cfy_tensor *t, int dim, int64_t start, int64_t length, cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    if (dim < 0 || dim >= t->ndim) return cfy_error_set(err, CFY_EINVAL, "narrow: dim %d outside 0..%d", dim, t->ndim - 1);
    if (start < 0 || length < 0 || start + length > t->sizes[dim])
        return cfy_error_set(err, CFY_EINVAL, "narrow: [%lld, %lld) outside dim %d of size %lld", (long long)start,
                             (long long)(start + length), dim, (long long)t->sizes[dim]);
    cfy_tensor *v = view_of(t);
    if (!v) return cfy_error_set(err, CFY_ENOMEM, "narrow: out of memory");
    v->offset += start * t->strides[dim];
    v->sizes[dim] = length;
    *out = v;
    return CFY_OK;
}

/* Copy a strided CPU tensor into contiguous dst memory of the same dtype. */
static void copy_strided_cpu(const cfy_tensor *t, void *dst)
{
    size_t es = cfy_dtype_size(t->dtype);
    int64_t n = cfy_tensor_numel(t);
    const char *src = cfy_tensor_data(t);
    int64_t idx[CFY_MAX_DIMS] = {0};
    for (int64_t k = 0; k < n; k++) {
        int64_t off = 0;
        for (int d = 0; d < t->ndim; d++) off += idx[d] * t->strides[d];
        memcpy((char *)dst + k * (int64_t)es, src + off * (int64_t)es, es);
        for (int d = t->ndim - 1; d >= 0; d--) {
            if (++idx[d] < t->sizes[d]) break;
            idx[d] = 0;
        }
    }
}

cfy_status cfy_tensor_contiguous(const cfy_tensor *t, cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    if (cfy_tensor_is_contiguous(t)) {
        *out = cfy_tensor_retain((cfy_tensor *)t);
        return CFY_OK;
    }
    if (t->device.kind != CFY_DEVICE_CPU) return cfy_device_contiguous(t, out, err);
    cfy_tensor *c;
    cfy_status st = cfy_tensor_new(t->dtype, t->device, t->ndim, t->sizes, false, &c, err);
    if (st != CFY_OK) return st;
    copy_strided_cpu(t, cfy_tensor_data(c));
    *out = c;
    return CFY_OK;
}

cfy_status cfy_tensor_to(const cfy_tensor *t, cfy_device device, cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    cfy_tensor *c;
    cfy_status st = cfy_tensor_contiguous(t, &c, err);
    if (st != CFY_OK) return st;
    if (cfy_device_eq(c->device, device)) {
        *out = c;
        return CFY_OK;
    }
    cfy_tensor *d;
    st = cfy_tensor_new(c->dtype, device, c->ndim, c->sizes, false, &d, err);
    if (st == CFY_OK) st = cfy_device_copy(cfy_tensor_data(d), device, cfy_tensor_data(c), c->device, c->storage->bytes ? (size_t)cfy_tensor_numel(c) * cfy_dtype_size(c->dtype) : 0, err);
    cfy_tensor_release(c);
    if (st != CFY_OK) { cfy_tensor_release(d); return st; }
    *out = d;
    return CFY_OK;
}

static double load_elem(const void *p, cfy_dtype dt, int64_t i)
{
    switch (dt) {
    case CFY_F32: return ((const float *)p)[i];
    case CFY_F16: return cfy_half_to_float(((const uint16_t *)p)[i]);
    case CFY_BF16: return cfy_bf16_to_float(((const uint16_t *)p)[i]);
    case CFY_U8: return ((const uint8_t *)p)[i];
    case CFY_I64: return (double)((const int64_t *)p)[i];
    case CFY_I32: return ((const int32_t *)p)[i];
    }
    return 0;
}

static void store_elem(void *p, cfy_dtype dt, int64_t i, double v)
{
    switch (dt) {
    case CFY_F32: ((float *)p)[i] = (float)v; break;
    case CFY_F16: ((uint16_t *)p)[i] = cfy_float_to_half((float)v); break;
    case CFY_BF16: ((uint16_t *)p)[i] = cfy_float_to_bf16((float)v); break;
    case CFY_U8: ((uint8_t *)p)[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); break;
    case CFY_I64: ((int64_t *)p)[i] = (int64_t)v; break;
    case CFY_I32: ((int32_t *)p)[i] = (int32_t)v; break;
    }
}

cfy_status cfy_tensor_convert(const cfy_tensor *t, cfy_dtype dtype, cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    if (t->device.kind != CFY_DEVICE_CPU) return cfy_error_set(err, CFY_EUNSUPPORTED, "convert: only CPU tensors");
    cfy_tensor *c;
    cfy_status st = cfy_tensor_contiguous(t, &c, err);
    if (st != CFY_OK) return st;
    if (dtype == t->dtype) { *out = c; return CFY_OK; }
    cfy_tensor *d;
    st = cfy_tensor_new(dtype, t->device, t->ndim, t->sizes, false, &d, err);
    if (st != CFY_OK) { cfy_tensor_release(c); return st; }
    int64_t n = cfy_tensor_numel(c);
    const void *src = cfy_tensor_data(c);
    void *dst = cfy_tensor_data(d);
    for (int64_t i = 0; i < n; i++) store_elem(dst, dtype, i, load_elem(src, c->dtype, i));
    cfy_tensor_release(c);
    *out = d;
    return CFY_OK;
}

const char *cfy_tensor_shape_str(const cfy_tensor *t, char *buf, size_t buf_size)
{
    size_t n = (size_t)snprintf(buf, buf_size, "[");
    for (int i = 0; i < t->ndim && n < buf_size; i++)
        n += (size_t)snprintf(buf + n, buf_size - n, "%s%lld", i ? "," : "", (long long)t->sizes[i]);
    if (n < buf_size) snprintf(buf + n, buf_size - n, "]");
    return buf;
}

/* value.c — tagged refcounted workflow values (scalars, strings, tensors, objects). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "comfyc/value.h"

struct cfy_value {
    _Atomic int refs;
    cfy_kind kind;
    const char *type;      /* static type name */
    bool is_uint64;        /* INT stored above INT64_MAX */
    union {
        int64_t i;
        double f;
        char *s;
        bool b;
        cfy_tensor *t;
        struct { void *ptr; cfy_object_free_fn free_fn; } obj;
    } u;
};

static cfy_value *value_alloc(cfy_kind kind, const char *type)
{
    cfy_value *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    atomic_init(&v->refs, 1);
    v->kind = kind;
    v->type = type;
    return v;
}

cfy_value *cfy_value_new_int(int64_t x)
{
    cfy_value *v = value_alloc(CFY_KIND_INT, CFY_T_INT);
    if (v) v->u.i = x;
    return v;
}

cfy_value *cfy_value_new_uint64(uint64_t x)
{
    cfy_value *v = value_alloc(CFY_KIND_INT, CFY_T_INT);
    if (!v) return NULL;
    v->u.i = (int64_t)x;
    v->is_uint64 = x > (uint64_t)INT64_MAX;
    return v;
}

cfy_value *cfy_value_new_float(double x)
{
    cfy_value *v = value_alloc(CFY_KIND_FLOAT, CFY_T_FLOAT);
    if (v) v->u.f = x;
    return v;
}

cfy_value *cfy_value_new_string(const char *s)
{
    cfy_value *v = value_alloc(CFY_KIND_STRING, CFY_T_STRING);
    if (!v) return NULL;
    v->u.s = strdup(s ? s : "");
    if (!v->u.s) { free(v); return NULL; }
    return v;
}

cfy_value *cfy_value_new_bool(bool x)
{
    cfy_value *v = value_alloc(CFY_KIND_BOOL, CFY_T_BOOLEAN);
    if (v) v->u.b = x;
    return v;
}

cfy_value *cfy_value_new_tensor(const char *type, cfy_tensor *t)
{
    cfy_value *v = t ? value_alloc(CFY_KIND_TENSOR, type) : NULL;
    if (!v) { cfy_tensor_release(t); return NULL; }
    v->u.t = t;
    return v;
}

cfy_value *cfy_value_new_object(const char *type, void *object, cfy_object_free_fn free_fn)
{
    cfy_value *v = value_alloc(CFY_KIND_OBJECT, type);
    if (!v) { if (free_fn && object) free_fn(object); return NULL; }
    v->u.obj.ptr = object;
    v->u.obj.free_fn = free_fn;
    return v;
}

cfy_value *cfy_value_retain(cfy_value *v)
{
    if (v) atomic_fetch_add_explicit(&v->refs, 1, memory_order_relaxed);
    return v;
}

void cfy_value_release(cfy_value *v)
{
    if (!v) return;
    if (atomic_fetch_sub_explicit(&v->refs, 1, memory_order_acq_rel) != 1) return;
    switch (v->kind) {
    case CFY_KIND_STRING: free(v->u.s); break;
    case CFY_KIND_TENSOR: cfy_tensor_release(v->u.t); break;
    case CFY_KIND_OBJECT: if (v->u.obj.free_fn && v->u.obj.ptr) v->u.obj.free_fn(v->u.obj.ptr); break;
    default: break;
    }
    free(v);
}

const char *cfy_value_type(const cfy_value *v) { return v->type; }
cfy_kind cfy_value_kind(const cfy_value *v) { return v->kind; }
int64_t cfy_value_int(const cfy_value *v)
{
    if (v->kind == CFY_KIND_FLOAT) return (int64_t)v->u.f;
    if (v->kind == CFY_KIND_BOOL) return v->u.b;
    return v->u.i;
}
uint64_t cfy_value_uint64(const cfy_value *v) { return (uint64_t)cfy_value_int(v); }
bool cfy_value_int_is_uint64(const cfy_value *v) { return v->kind == CFY_KIND_INT && v->is_uint64; }
double cfy_value_float(const cfy_value *v)
{
    if (v->kind == CFY_KIND_INT) return v->is_uint64 ? (double)(uint64_t)v->u.i : (double)v->u.i;
    if (v->kind == CFY_KIND_BOOL) return v->u.b;
    return v->u.f;
}
const char *cfy_value_string(const cfy_value *v) { return v->kind == CFY_KIND_STRING ? v->u.s : ""; }
bool cfy_value_bool(const cfy_value *v) { return v->kind == CFY_KIND_BOOL ? v->u.b : cfy_value_int(v) != 0; }
cfy_tensor *cfy_value_tensor(const cfy_value *v) { return v->kind == CFY_KIND_TENSOR ? v->u.t : NULL; }
void *cfy_value_object(const cfy_value *v) { return v->kind == CFY_KIND_OBJECT ? v->u.obj.ptr : NULL; }

/* ---- LATENT ---- */

static void latent_free(void *p)
{
    cfy_latent *l = p;
    cfy_tensor_release(l->samples);
    cfy_tensor_release(l->noise_mask);
    free(l->batch_index);
    free(l);
}

cfy_value *cfy_value_new_latent(cfy_tensor *samples, cfy_tensor *noise_mask, const int64_t *batch_index,
                                int n_batch_index)
{
    cfy_latent *l = calloc(1, sizeof *l);
    if (!l) goto fail;
    l->samples = samples;
    l->noise_mask = noise_mask;
    if (batch_index && n_batch_index > 0) {
        l->batch_index = malloc(sizeof(int64_t) * (size_t)n_batch_index);
        if (!l->batch_index) { free(l); goto fail; }
        memcpy(l->batch_index, batch_index, sizeof(int64_t) * (size_t)n_batch_index);
        l->n_batch_index = n_batch_index;
    }
    return cfy_value_new_object(CFY_T_LATENT, l, latent_free);
fail:
    cfy_tensor_release(samples);
    cfy_tensor_release(noise_mask);
    return NULL;
}

/* ---- CONDITIONING ---- */

void cfy_cond_entry_init(cfy_cond_entry *e)
{
    memset(e, 0, sizeof *e);
    e->strength = 1.0;
    e->start_percent = 0.0;
    e->end_percent = 1.0;
}

void cfy_conditioning_free(cfy_conditioning *c)
{
    if (!c) return;
    for (int i = 0; i < c->n; i++) {
        cfy_tensor_release(c->entries[i].cond);
        cfy_tensor_release(c->entries[i].pooled);
        cfy_tensor_release(c->entries[i].concat_latent_image);
        cfy_tensor_release(c->entries[i].concat_mask);
    }
    free(c->entries);
    free(c);
}

static void conditioning_free_obj(void *p) { cfy_conditioning_free(p); }

cfy_value *cfy_value_new_conditioning(cfy_conditioning *cond)
{
    if (!cond) return NULL;
    return cfy_value_new_object(CFY_T_CONDITIONING, cond, conditioning_free_obj);
}

cfy_status cfy_conditioning_copy(const cfy_conditioning *src, cfy_conditioning **out, cfy_error *err)
{
    *out = NULL;
    cfy_conditioning *c = calloc(1, sizeof *c);
    if (!c) return cfy_error_set(err, CFY_ENOMEM, "conditioning: out of memory");
    c->entries = calloc((size_t)(src->n ? src->n : 1), sizeof *c->entries);
    if (!c->entries) { free(c); return cfy_error_set(err, CFY_ENOMEM, "conditioning: out of memory"); }
    c->n = src->n;
    for (int i = 0; i < src->n; i++) {
        c->entries[i] = src->entries[i];
        cfy_tensor_retain(c->entries[i].cond);
        cfy_tensor_retain(c->entries[i].pooled);
        cfy_tensor_retain(c->entries[i].concat_latent_image);
        cfy_tensor_retain(c->entries[i].concat_mask);
    }
    *out = c;
    return CFY_OK;
}

/* safetensors.c — parse the JSON header once; tensors are copied out on request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/fsutil.h"
#include "models/safetensors.h"

typedef struct entry {
    char *name;
    cfy_dtype dtype;
    bool known_dtype;
    char dtype_name[8];
    int ndim;
    int64_t sizes[CFY_MAX_DIMS];
    size_t begin, end; /* byte range inside the data section */
} entry;

struct cfy_safetensors {
    unsigned char *buf;
    size_t data_off, data_len;
    entry *e;
    int n;
    char what[256];
};

void cfy_safetensors_close(cfy_safetensors *f)
{
    if (!f) return;
    for (int i = 0; i < f->n; i++)
        free(f->e[i].name);
    free(f->e);
    free(f->buf);
    free(f);
}

static bool dtype_of(const char *s, cfy_dtype *dt, size_t *elem)
{
    static const struct { const char *name; cfy_dtype dt; size_t size; } map[] = {
        {"F32", CFY_F32, 4}, {"F16", CFY_F16, 2}, {"BF16", CFY_BF16, 2}};
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (!strcmp(s, map[i].name)) {
            *dt = map[i].dt;
            *elem = map[i].size;
            return true;
        }
    return false;
}

/* One header entry: checks shape, offsets and that the byte count matches the shape. */
static cfy_status parse_entry(cfy_safetensors *f, const cJSON *item, entry *e, cfy_error *err)
{
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(item, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(item, "shape");
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(item, "data_offsets");
    if (!cJSON_IsString(dt) || !cJSON_IsArray(shape) || !cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2)
        return cfy_error_set(err, CFY_EPARSE, "%s: tensor '%s' needs dtype, shape and data_offsets", f->what, e->name);
    snprintf(e->dtype_name, sizeof e->dtype_name, "%s", dt->valuestring);
    size_t elem = 1;
    e->known_dtype = dtype_of(dt->valuestring, &e->dtype, &elem);
    int nd = cJSON_GetArraySize(shape);
    if (nd > CFY_MAX_DIMS) return cfy_error_set(err, CFY_EPARSE, "%s: tensor '%s' has %d dims", f->what, e->name, nd);
    e->ndim = nd;
    double numel = 1;
    for (int d = 0; d < nd; d++) {
        const cJSON *s = cJSON_GetArrayItem(shape, d);
        if (!cJSON_IsNumber(s) || s->valuedouble < 0 || s->valuedouble > 1e12 || s->valuedouble != (double)(int64_t)s->valuedouble)
            return cfy_error_set(err, CFY_EPARSE, "%s: tensor '%s' has a bad shape", f->what, e->name);
        e->sizes[d] = (int64_t)s->valuedouble;
        numel *= s->valuedouble;
    }
    const cJSON *b = cJSON_GetArrayItem(off, 0), *en = cJSON_GetArrayItem(off, 1);
    if (!cJSON_IsNumber(b) || !cJSON_IsNumber(en) || b->valuedouble < 0 || en->valuedouble < b->valuedouble ||
        en->valuedouble > (double)f->data_len)
        return cfy_error_set(err, CFY_EPARSE, "%s: tensor '%s' lies outside the file (truncated?)", f->what, e->name);
    e->begin = (size_t)b->valuedouble;
    e->end = (size_t)en->valuedouble;
    if (e->known_dtype && (double)(e->end - e->begin) != numel * (double)elem)
        return cfy_error_set(err, CFY_EPARSE, "%s: tensor '%s' has %zu bytes for its shape", f->what, e->name,
                             e->end - e->begin);
    return CFY_OK;
}

cfy_status cfy_safetensors_parse(void *buf, size_t len, const char *what, cfy_safetensors **out, cfy_error *err)
{
    *out = NULL;
    cfy_safetensors *f = calloc(1, sizeof *f);
    if (!f) {
        free(buf);
        return cfy_error_set(err, CFY_ENOMEM, "out of memory");
    }
    f->buf = buf;
    snprintf(f->what, sizeof f->what, "%s", what ? what : "safetensors");
    uint64_t hlen = 0;
    if (len >= 8)
        for (int i = 7; i >= 0; i--)
            hlen = hlen << 8 | f->buf[i];
    if (len < 8 || hlen < 2 || hlen > len - 8) {
        cfy_error_set(err, CFY_EPARSE, "%s: not a safetensors file (bad header length)", f->what);
        cfy_safetensors_close(f);
        return CFY_EPARSE;
    }
    f->data_off = 8 + (size_t)hlen;
    f->data_len = len - f->data_off;
    cJSON *root = cJSON_ParseWithLength((const char *)f->buf + 8, (size_t)hlen);
    cfy_status st = CFY_OK;
    if (!cJSON_IsObject(root)) st = cfy_error_set(err, CFY_EPARSE, "%s: the safetensors header is not a JSON object", f->what);
    int n = 0;
    for (const cJSON *it = root ? root->child : NULL; !st && it; it = it->next)
        n += strcmp(it->string, "__metadata__") != 0;
    if (!st && n && !(f->e = calloc((size_t)n, sizeof *f->e))) st = cfy_error_set(err, CFY_ENOMEM, "out of memory");
    for (const cJSON *it = root ? root->child : NULL; !st && it; it = it->next) {
        if (!strcmp(it->string, "__metadata__")) continue;
        entry *e = &f->e[f->n];
        if (!(e->name = strdup(it->string))) {
            st = cfy_error_set(err, CFY_ENOMEM, "out of memory");
            break;
        }
        f->n++;
        if (!cJSON_IsObject(it)) st = cfy_error_set(err, CFY_EPARSE, "%s: tensor '%s' is not an object", f->what, e->name);
        else st = parse_entry(f, it, e, err);
    }
    cJSON_Delete(root);
    if (st) {
        cfy_safetensors_close(f);
        return st;
    }
    *out = f;
    return CFY_OK;
}

cfy_status cfy_safetensors_open(const char *path, size_t max_bytes, cfy_safetensors **out, cfy_error *err)
{
    *out = NULL;
    void *buf = NULL;
    size_t len = 0;
    cfy_status st = cfy_read_file(path, max_bytes, &buf, &len, err);
    if (st) return st;
    return cfy_safetensors_parse(buf, len, path, out, err);
}

int cfy_safetensors_count(const cfy_safetensors *f)
{
    return f->n;
}

const char *cfy_safetensors_name(const cfy_safetensors *f, int i)
{
    return i >= 0 && i < f->n ? f->e[i].name : NULL;
}

cfy_status cfy_safetensors_get_f32(const cfy_safetensors *f, const char *name, cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    const entry *e = NULL;
    for (int i = 0; i < f->n && !e; i++)
        if (!strcmp(f->e[i].name, name)) e = &f->e[i];
    if (!e) return cfy_error_set(err, CFY_ENOTFOUND, "%s: no tensor '%s'", f->what, name);
    if (!e->known_dtype)
        return cfy_error_set(err, CFY_EUNSUPPORTED, "%s: tensor '%s' has dtype %s (F32, F16 or BF16 expected)", f->what,
                             name, e->dtype_name);
    cfy_tensor *raw = NULL;
    cfy_status st = cfy_tensor_new(e->dtype, cfy_cpu(), e->ndim, e->sizes, false, &raw, err);
    if (st) return st;
    if (e->end > e->begin) memcpy(cfy_tensor_data(raw), f->buf + f->data_off + e->begin, e->end - e->begin);
    st = cfy_tensor_convert(raw, CFY_F32, out, err);
    cfy_tensor_release(raw);
    return st;
}

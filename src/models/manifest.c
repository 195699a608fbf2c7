/* manifest.c — parse a model package's manifest.json and check tensors against its signatures. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsutil.h"
#include "models/manifest.h"

#define FORMAT_VERSION 1

static char *join(const char *dir, const char *a, const char *b)
{
    size_t n = strlen(dir) + strlen(a) + (b ? strlen(b) : 0) + 3;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s%s%s", dir, a, b ? "/" : "", b ? b : "");
    return p;
}

static const char *str_field(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool num_field(const cJSON *o, const char *key, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v)) return false;
    *out = v->valuedouble;
    return true;
}

static bool parse_dtype(const char *s, cfy_dtype *out)
{
    static const struct {
        const char *name;
        cfy_dtype dt;
    } tab[] = {{"f32", CFY_F32},   {"fp32", CFY_F32}, {"f16", CFY_F16}, {"fp16", CFY_F16},
               {"bf16", CFY_BF16}, {"i64", CFY_I64},  {"i32", CFY_I32}, {"u8", CFY_U8}};
    for (size_t i = 0; s && i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(s, tab[i].name)) {
            *out = tab[i].dt;
            return true;
        }
    return false;
}

static cfy_status parse_io(const cJSON *arr, cfy_io_spec *io, int *n, const char *where, cfy_error *err)
{
    if (!cJSON_IsArray(arr)) return cfy_error_set(err, CFY_EPARSE, "manifest: %s: missing list", where);
    int count = cJSON_GetArraySize(arr);
    if (count > CFY_IO_MAX)
        return cfy_error_set(err, CFY_EPARSE, "manifest: %s: %d entries, at most %d", where, count, CFY_IO_MAX);
    *n = count;
    for (int i = 0; i < count; i++) {
        const cJSON *e = cJSON_GetArrayItem(arr, i);
        const char *name = str_field(e, "name");
        const cJSON *shape = cJSON_GetObjectItemCaseSensitive(e, "shape");
        if (!name || !parse_dtype(str_field(e, "dtype"), &io[i].dtype) || !cJSON_IsArray(shape) ||
            cJSON_GetArraySize(shape) > CFY_MAX_DIMS)
            return cfy_error_set(err, CFY_EPARSE, "manifest: %s[%d]: needs name, dtype and shape", where, i);
        snprintf(io[i].name, sizeof io[i].name, "%s", name);
        io[i].ndim = cJSON_GetArraySize(shape);
        for (int d = 0; d < io[i].ndim; d++) {
            const cJSON *dim = cJSON_GetArrayItem(shape, d);
            cfy_dim_spec *ds = &io[i].dims[d];
            memset(ds, 0, sizeof *ds);
            ds->mul = ds->scale = 1;
            if (cJSON_IsNumber(dim)) {
                ds->min = ds->max = (int64_t)dim->valuedouble;
                continue;
            }
            const char *dn = str_field(dim, "dim");
            if (!dn)
                return cfy_error_set(err, CFY_EPARSE, "manifest: %s[%d] dim %d: number or {dim: name}", where, i, d);
            snprintf(ds->name, sizeof ds->name, "%s", dn);
            double v;
            ds->min = num_field(dim, "min", &v) ? (int64_t)v : -1;
            ds->max = num_field(dim, "max", &v) ? (int64_t)v : -1;
            if (num_field(dim, "mul", &v)) ds->mul = (int64_t)v;
            if (num_field(dim, "scale", &v)) ds->scale = (int64_t)v;
            if (ds->mul < 1) ds->mul = 1;
        }
    }
    return CFY_OK;
}

static cfy_status parse_component(const char *dir, const char *name, const cJSON *c, cfy_component_spec *out,
                                  cfy_error *err)
{
    snprintf(out->name, sizeof out->name, "%s", name);
    const char *sub = str_field(c, "dir"), *so = str_field(c, "so"), *blob = str_field(c, "blob");
    if (!sub || !so || !blob)
        return cfy_error_set(err, CFY_EPARSE, "manifest: component %s needs dir, so and blob", name);
    if (strstr(sub, "..") || strchr(so, '/') || strchr(blob, '/'))
        return cfy_error_set(err, CFY_EPARSE, "manifest: component %s: file names must stay inside the package", name);
    out->dir = join(dir, sub, NULL);
    out->so_path = join(dir, sub, so);
    out->blob_path = join(dir, sub, blob);
    if (!out->dir || !out->so_path || !out->blob_path) return cfy_error_set(err, CFY_ENOMEM, "manifest: out of memory");
    double v;
    if (!num_field(c, "so_bytes", &v))
        return cfy_error_set(err, CFY_EPARSE, "manifest: component %s needs so_bytes", name);
    out->so_bytes = (int64_t)v;
    if (!num_field(c, "blob_bytes", &v))
        return cfy_error_set(err, CFY_EPARSE, "manifest: component %s needs blob_bytes", name);
    out->blob_bytes = (int64_t)v;
    char where[64];
    snprintf(where, sizeof where, "%s.inputs", name);
    cfy_status st = parse_io(cJSON_GetObjectItemCaseSensitive(c, "inputs"), out->in, &out->n_in, where, err);
    if (st) return st;
    snprintf(where, sizeof where, "%s.outputs", name);
    return parse_io(cJSON_GetObjectItemCaseSensitive(c, "outputs"), out->out, &out->n_out, where, err);
}

static cfy_status parse(const char *dir, const cJSON *root, cfy_manifest *m, cfy_error *err)
{
    const char *fmt = str_field(root, "format");
    double v;
    if (!fmt || strcmp(fmt, "comfyc-model-package"))
        return cfy_error_set(err, CFY_EPARSE, "%s/manifest.json: not a comfyc model package", dir);
    if (!num_field(root, "format_version", &v) || (int)v != FORMAT_VERSION)
        return cfy_error_set(err, CFY_EUNSUPPORTED, "%s: package format %g, this comfyc reads %d: re-export it", dir,
                             num_field(root, "format_version", &v) ? v : -1.0, FORMAT_VERSION);
    const char *kind = str_field(root, "kind"), *dev = str_field(root, "device"), *dt = str_field(root, "dtype");
    if (!kind || !dev || !dt) return cfy_error_set(err, CFY_EPARSE, "%s/manifest.json: needs kind, device, dtype", dir);
    snprintf(m->kind, sizeof m->kind, "%s", kind);
    if (!strcmp(dev, "cpu"))
        m->device = CFY_DEVICE_CPU;
    else if (!strcmp(dev, "cuda"))
        m->device = CFY_DEVICE_CUDA;
    else
        return cfy_error_set(err, CFY_EPARSE, "%s/manifest.json: unknown device '%s'", dir, dev);
    if (!parse_dtype(dt, &m->dtype))
        return cfy_error_set(err, CFY_EPARSE, "%s/manifest.json: unknown dtype '%s'", dir, dt);
    const char *s;
    if ((s = str_field(root, "family"))) snprintf(m->family, sizeof m->family, "%s", s);
    snprintf(m->prediction, sizeof m->prediction, "%s", (s = str_field(root, "prediction")) ? s : "eps");

    const cJSON *torch = cJSON_GetObjectItemCaseSensitive(root, "torch");
    const char *tv = str_field(torch, "version"), *abi = str_field(torch, "abi"), *lib = str_field(torch, "lib_dir");
    if (!tv || !abi || sscanf(abi, "%d.%d.%d", &m->torch_abi[0], &m->torch_abi[1], &m->torch_abi[2]) != 3)
        return cfy_error_set(err, CFY_EPARSE, "%s/manifest.json: torch.version / torch.abi missing", dir);
    snprintf(m->torch_version, sizeof m->torch_version, "%s", tv);
    if (lib && !(m->torch_lib_dir = strdup(lib))) return cfy_error_set(err, CFY_ENOMEM, "manifest: out of memory");

    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(root, "latent");
    m->latent_channels = 4;
    m->latent_scale_factor = 0.18215;
    if (num_field(lat, "channels", &v)) m->latent_channels = (int)v;
    if (num_field(lat, "scale_factor", &v)) m->latent_scale_factor = v;
    const cJSON *smp = cJSON_GetObjectItemCaseSensitive(root, "sampling");
    m->linear_start = num_field(smp, "linear_start", &v) ? v : 0.00085;
    m->linear_end = num_field(smp, "linear_end", &v) ? v : 0.012;

    const cJSON *te = cJSON_GetObjectItemCaseSensitive(root, "text_encoder");
    if (te) {
        const char *voc = str_field(te, "vocab"), *mer = str_field(te, "merges");
        if (!voc || !mer || strstr(voc, "..") || strstr(mer, ".."))
            return cfy_error_set(err, CFY_EPARSE, "%s/manifest.json: text_encoder needs vocab and merges", dir);
        m->vocab_path = join(dir, voc, NULL);
        m->merges_path = join(dir, mer, NULL);
        m->text_bos = num_field(te, "bos", &v) ? (int)v : 49406;
        m->text_eos = num_field(te, "eos", &v) ? (int)v : 49407;
        m->text_pad = num_field(te, "pad", &v) ? (int)v : 49407;
        m->text_hidden = num_field(te, "hidden_size", &v) ? (int)v : 0;
        m->text_layers = num_field(te, "num_layers", &v) ? (int)v : 0;
        m->text_default_layer = num_field(te, "default_layer", &v) ? (int)v : -1;
        if (m->text_layers < 1 || m->text_hidden < 1)
            return cfy_error_set(err, CFY_EPARSE, "%s/manifest.json: text_encoder.num_layers/hidden_size missing", dir);
    }
    m->upscale_scale = num_field(root, "scale", &v) ? (int)v : 1;

    const cJSON *comps = cJSON_GetObjectItemCaseSensitive(root, "components"), *c;
    if (!cJSON_IsObject(comps)) return cfy_error_set(err, CFY_EPARSE, "%s/manifest.json: no components", dir);
    cJSON_ArrayForEach(c, comps)
    {
        if (m->n_components == CFY_COMPONENTS_MAX)
            return cfy_error_set(err, CFY_EPARSE, "%s/manifest.json: more than %d components", dir, CFY_COMPONENTS_MAX);
        cfy_status st = parse_component(dir, c->string, c, &m->components[m->n_components++], err);
        if (st) return st;
    }
    return CFY_OK;
}

cfy_status cfy_manifest_load(const char *dir, cfy_manifest **out, cfy_error *err)
{
    *out = NULL;
    char *path = join(dir, "manifest.json", NULL);
    if (!path) return cfy_error_set(err, CFY_ENOMEM, "manifest: out of memory");
    void *text = NULL;
    size_t size = 0;
    cfy_status st = cfy_read_file(path, 16u << 20, &text, &size, err);
    free(path);
    if (st) {
        if (st == CFY_EIO || st == CFY_ENOTFOUND)
            return cfy_error_set(err, CFY_ENOTFOUND,
                                 "%s: no manifest.json (not a comfyc model package; export it "
                                 "with comfyc-export)",
                                 dir);
        return st;
    }
    cJSON *root = cJSON_ParseWithLength(text, size);
    free(text);
    if (!root) return cfy_error_set(err, CFY_EPARSE, "%s/manifest.json: malformed JSON", dir);
    cfy_manifest *m = calloc(1, sizeof *m);
    if (!m || !(m->dir = strdup(dir))) {
        cJSON_Delete(root);
        cfy_manifest_free(m);
        return cfy_error_set(err, CFY_ENOMEM, "manifest: out of memory");
    }
    st = parse(dir, root, m, err);
    cJSON_Delete(root);
    if (st) {
        cfy_manifest_free(m);
        return st;
    }
    *out = m;
    return CFY_OK;
}

void cfy_manifest_free(cfy_manifest *m)
{
    if (!m) return;
    for (int i = 0; i < m->n_components; i++) {
        free(m->components[i].so_path);
        free(m->components[i].blob_path);
        free(m->components[i].dir);
    }
    free(m->dir);
    free(m->torch_lib_dir);
    free(m->vocab_path);
    free(m->merges_path);
    free(m);
}

const cfy_component_spec *cfy_manifest_component(const cfy_manifest *m, const char *name)
{
    for (int i = 0; m && i < m->n_components; i++)
        if (!strcmp(m->components[i].name, name)) return &m->components[i];
    return NULL;
}

cfy_status cfy_component_check_inputs(const cfy_component_spec *c, const cfy_tensor *const *inputs, int n,
                                      cfy_error *err)
{
    if (n != c->n_in)
        return cfy_error_set(err, CFY_EINVAL, "%s: %d inputs given, the compiled graph takes %d", c->name, n, c->n_in);
    struct {
        const char *name;
        int64_t value;
    } seen[16];
    int n_seen = 0;
    for (int i = 0; i < n; i++) {
        const cfy_io_spec *s = &c->in[i];
        const cfy_tensor *t = inputs[i];
        if (t->dtype != s->dtype)
            return cfy_error_set(err, CFY_EINVAL, "%s input '%s': dtype %s, expected %s", c->name, s->name,
                                 cfy_dtype_name(t->dtype), cfy_dtype_name(s->dtype));
        if (t->ndim != s->ndim)
            return cfy_error_set(err, CFY_EINVAL, "%s input '%s': %d dims, expected %d", c->name, s->name, t->ndim,
                                 s->ndim);
        for (int d = 0; d < s->ndim; d++) {
            const cfy_dim_spec *ds = &s->dims[d];
            int64_t v = t->sizes[d];
            if (!ds->name[0]) {
                if (v != ds->min)
                    return cfy_error_set(err, CFY_EINVAL, "%s input '%s' dim %d: size %lld, expected %lld", c->name,
                                         s->name, d, (long long)v, (long long)ds->min);
                continue;
            }
            if (v < ds->min || v > ds->max || v % ds->mul)
                return cfy_error_set(
                    err, CFY_EINVAL,
                    "%s input '%s' dim %d (%s): size %lld is outside the compiled range %lld..%lld%s%lld", c->name,
                    s->name, d, ds->name, (long long)v, (long long)ds->min, (long long)ds->max,
                    ds->mul > 1 ? " in multiples of " : "", ds->mul > 1 ? (long long)ds->mul : 0LL);
            int k = 0;
            while (k < n_seen && strcmp(seen[k].name, ds->name))
                k++;
            if (k < n_seen && seen[k].value != v)
                return cfy_error_set(err, CFY_EINVAL,
                                     "%s input '%s' dim %d (%s): size %lld, but another input has %lld", c->name,
                                     s->name, d, ds->name, (long long)v, (long long)seen[k].value);
            if (k == n_seen && n_seen < 16) {
                seen[n_seen].name = ds->name;
                seen[n_seen++].value = v;
            }
        }
    }
    return CFY_OK;
}

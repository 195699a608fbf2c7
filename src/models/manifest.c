/* manifest.c — parse a model package's manifest.json and check tensors against its signatures. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
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

/* Manifest integers arrive as doubles, and converting a double outside the target type is UB (found
 * by fuzz_manifest: "channels": 4.9e9), so values outside lo..hi are refused instead of cast.
 * Sizes and dims are bounded by 2^53, where doubles still hold every integer. */
#define I64_LIM ((int64_t)1 << 53)

static bool to_int(double v, int64_t lo, int64_t hi, int64_t *out)
{
    if (!(v >= (double)lo && v <= (double)hi)) return false;
    *out = (int64_t)v;
    return true;
}

/* Optional integer field `where`.`key`: def when absent or not a number, an error when out of range. */
static cfy_status int_field(const cJSON *o, const char *key, int64_t lo, int64_t hi, int64_t def, int64_t *out,
                            const char *where, cfy_error *err)
{
    double v;
    *out = def;
    if (num_field(o, key, &v) && !to_int(v, lo, hi, out))
        return cfy_error_set(err, CFY_EPARSE, "manifest: %s.%s: %g is outside %lld..%lld", where, key, v, (long long)lo,
                             (long long)hi);
    return CFY_OK;
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
                if (!to_int(dim->valuedouble, 0, I64_LIM, &ds->min))
                    return cfy_error_set(err, CFY_EPARSE, "manifest: %s[%d] dim %d: size %g is out of range", where, i,
                                         d, dim->valuedouble);
                ds->max = ds->min;
                continue;
            }
            const char *dn = str_field(dim, "dim");
            /* an empty name would read back as a static dim (name[0] == 0) and a truncated one could
             * merge two symbols in cfy_component_check_inputs: refuse both (found by fuzz_manifest) */
            if (!dn || !dn[0] || strlen(dn) >= sizeof ds->name)
                return cfy_error_set(err, CFY_EPARSE, "manifest: %s[%d] dim %d: number or {dim: name} (1..%d chars)",
                                     where, i, d, (int)sizeof ds->name - 1);
            snprintf(ds->name, sizeof ds->name, "%s", dn);
            cfy_status st;
            if ((st = int_field(dim, "min", -1, I64_LIM, -1, &ds->min, where, err)) ||
                (st = int_field(dim, "max", -1, I64_LIM, -1, &ds->max, where, err)) ||
                (st = int_field(dim, "mul", -I64_LIM, I64_LIM, 1, &ds->mul, where, err)) ||
                (st = int_field(dim, "scale", -I64_LIM, I64_LIM, 1, &ds->scale, where, err)))
                return st;
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
    if (!num_field(c, "so_bytes", &v) || !to_int(v, 0, I64_LIM, &out->so_bytes))
        return cfy_error_set(err, CFY_EPARSE, "manifest: component %s needs so_bytes (a file size)", name);
    if (!num_field(c, "blob_bytes", &v) || !to_int(v, 0, I64_LIM, &out->blob_bytes))
        return cfy_error_set(err, CFY_EPARSE, "manifest: component %s needs blob_bytes (a file size)", name);
    char where[64];
    snprintf(where, sizeof where, "%s.inputs", name);
    cfy_status st = parse_io(cJSON_GetObjectItemCaseSensitive(c, "inputs"), out->in, &out->n_in, where, err);
    if (st) return st;
    snprintf(where, sizeof where, "%s.outputs", name);
    return parse_io(cJSON_GetObjectItemCaseSensitive(c, "outputs"), out->out, &out->n_out, where, err);
}

/* "major.minor.patch[anything]" (sscanf's %d is UB on overflow, so strtol with a range check) */
static bool parse_abi(const char *s, int abi[3])
{
    for (int i = 0; i < 3; i++) {
        char *end;
        errno = 0;
        long x = strtol(s, &end, 10);
        if (end == s || errno || x < INT_MIN || x > INT_MAX || (i < 2 && *end != '.')) return false;
        abi[i] = (int)x;
        s = end + 1;
    }
    return true;
}

/* One "text_encoder"/"text_encoder_2" entry. */
static cfy_status parse_text_encoder(const char *dir, const cJSON *te, const char *key, cfy_text_encoder_info *t,
                                     cfy_error *err)
{
    const char *voc = str_field(te, "vocab"), *mer = str_field(te, "merges");
    if (!voc || !mer || strstr(voc, "..") || strstr(mer, ".."))
        return cfy_error_set(err, CFY_EPARSE, "%s/manifest.json: %s needs vocab and merges", dir, key);
    t->vocab_path = join(dir, voc, NULL);
    t->merges_path = join(dir, mer, NULL);
    if (!t->vocab_path || !t->merges_path) return cfy_error_set(err, CFY_ENOMEM, "manifest: out of memory");
    const char *type = str_field(te, "type"), *comp = str_field(te, "component");
    snprintf(t->type, sizeof t->type, "%s", type ? type : "clip_l");
    snprintf(t->component, sizeof t->component, "%s", comp ? comp : key);
    const struct {
        const char *key;
        int def;
        int *dst;
    } tf[] = {{"bos", 49406, &t->bos},       {"eos", 49407, &t->eos},       {"pad", 49407, &t->pad},
              {"hidden_size", 0, &t->hidden}, {"num_layers", 0, &t->layers}, {"default_layer", -1, &t->default_layer}};
    int64_t n;
    for (size_t i = 0; i < sizeof tf / sizeof tf[0]; i++) {
        cfy_status st = int_field(te, tf[i].key, INT_MIN, INT_MAX, tf[i].def, &n, key, err);
        if (st) return st;
        *tf[i].dst = (int)n;
    }
    const cJSON *fn = cJSON_GetObjectItemCaseSensitive(te, "final_norm");
    t->final_norm = !cJSON_IsFalse(fn); /* packages before exporter 0.3: always normed */
    if (t->layers < 1 || t->hidden < 1)
        return cfy_error_set(err, CFY_EPARSE, "%s/manifest.json: %s.num_layers/hidden_size missing", dir, key);
    return CFY_OK;
}

static cfy_status parse(const char *dir, const cJSON *root, cfy_manifest *m, cfy_error *err)
{
    const char *fmt = str_field(root, "format");
    double v;
    if (!fmt || strcmp(fmt, "comfyc-model-package"))
        return cfy_error_set(err, CFY_EPARSE, "%s/manifest.json: not a comfyc model package", dir);
    if (!num_field(root, "format_version", &v) || v != FORMAT_VERSION)
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
    if (!tv || !abi || !parse_abi(abi, m->torch_abi))
        return cfy_error_set(err, CFY_EPARSE, "%s/manifest.json: torch.version / torch.abi missing", dir);
    snprintf(m->torch_version, sizeof m->torch_version, "%s", tv);
    if (lib && !(m->torch_lib_dir = strdup(lib))) return cfy_error_set(err, CFY_ENOMEM, "manifest: out of memory");

    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(root, "latent");
    int64_t n;
    cfy_status st;
    if ((st = int_field(lat, "channels", INT_MIN, INT_MAX, 4, &n, "latent", err))) return st;
    m->latent_channels = (int)n;
    m->latent_scale_factor = num_field(lat, "scale_factor", &v) ? v : 0.18215;
    const cJSON *smp = cJSON_GetObjectItemCaseSensitive(root, "sampling");
    m->linear_start = num_field(smp, "linear_start", &v) ? v : 0.00085;
    m->linear_end = num_field(smp, "linear_end", &v) ? v : 0.012;

    static const char *const te_keys[CFY_TEXT_ENCODERS_MAX] = {"text_encoder", "text_encoder_2"};
    for (int k = 0; k < CFY_TEXT_ENCODERS_MAX; k++) {
        const cJSON *te = cJSON_GetObjectItemCaseSensitive(root, te_keys[k]);
        if (!te) break; /* text_encoder_2 only after text_encoder */
        if ((st = parse_text_encoder(dir, te, te_keys[k], &m->text[k], err))) return st;
        m->n_text = k + 1;
    }
    const cJSON *unet = cJSON_GetObjectItemCaseSensitive(root, "unet");
    if ((st = int_field(unet, "adm_in_channels", 0, 1 << 20, 0, &n, "unet", err))) return st;
    m->unet_adm_channels = (int)n;
    if ((st = int_field(unet, "pooled_width", 0, 1 << 20, m->unet_adm_channels ? 1280 : 0, &n, "unet", err))) return st;
    m->unet_pooled_width = (int)n;
    if (m->unet_adm_channels && m->unet_adm_channels != m->unet_pooled_width + 6 * 256)
        return cfy_error_set(err, CFY_EPARSE, "%s/manifest.json: unet.adm_in_channels %d is not pooled_width %d + 1536",
                             dir, m->unet_adm_channels, m->unet_pooled_width);
    if ((st = int_field(root, "scale", INT_MIN, INT_MAX, 1, &n, "manifest", err))) return st;
    m->upscale_scale = (int)n;

    const cJSON *comps = cJSON_GetObjectItemCaseSensitive(root, "components"), *c;
    if (!cJSON_IsObject(comps)) return cfy_error_set(err, CFY_EPARSE, "%s/manifest.json: no components", dir);
    cJSON_ArrayForEach(c, comps)
    {
        if (m->n_components == CFY_COMPONENTS_MAX)
            return cfy_error_set(err, CFY_EPARSE, "%s/manifest.json: more than %d components", dir, CFY_COMPONENTS_MAX);
        if ((st = parse_component(dir, c->string, c, &m->components[m->n_components++], err))) return st;
    }
    return CFY_OK;
}

cfy_status cfy_manifest_parse(const char *json, size_t len, const char *dir, cfy_manifest **out, cfy_error *err)
{
    *out = NULL;
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root) return cfy_error_set(err, CFY_EPARSE, "%s/manifest.json: malformed JSON", dir);
    cfy_manifest *m = calloc(1, sizeof *m);
    if (!m || !(m->dir = strdup(dir))) {
        cJSON_Delete(root);
        cfy_manifest_free(m);
        return cfy_error_set(err, CFY_ENOMEM, "manifest: out of memory");
    }
    cfy_status st = parse(dir, root, m, err);
    cJSON_Delete(root);
    if (st) {
        cfy_manifest_free(m);
        return st;
    }
    *out = m;
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
    st = cfy_manifest_parse(text, size, dir, out, err);
    free(text);
    return st;
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
    for (int k = 0; k < CFY_TEXT_ENCODERS_MAX; k++) {
        free(m->text[k].vocab_path);
        free(m->text[k].merges_path);
    }
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

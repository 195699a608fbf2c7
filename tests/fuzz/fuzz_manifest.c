/* fuzz_manifest.c — libFuzzer target: bytes -> a model package's manifest.json parser
 * (cfy_manifest_parse, what cfy_manifest_load runs on the file), then the parsed specs through
 * cfy_manifest_component and cfy_component_check_inputs.
 *
 * Build: cmake -DCFY_FUZZ=ON -DCMAKE_C_COMPILER=clang; run:
 *   ./fuzz_manifest -max_total_time=60 CORPUS tests/fuzz/corpus/manifest
 * Seeds: the manifests comfyc-export writes for the tiny test models (SD1 and SD2 checkpoints —
 * SD2's text encoder has two outputs —, a VAE, an upscale model). No file is read: the package
 * folder is a made-up path the parser only joins onto. Any crash, leak or sanitizer report is a
 * bug, and so is a failure that is not a cfy_error or a success that breaks the struct's promises. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_DIR "/fuzz/pkg.comfyc"

static void check_str(const char *s, size_t cap)
{
    if (memchr(s, 0, cap) == NULL) abort();
}

/* an absolute path under the package folder, with no ".." when the parser refuses one */
static void check_path(const char *p, int no_dotdot)
{
    if (!p || strncmp(p, FZ_DIR "/", sizeof FZ_DIR) != 0) abort();
    if (no_dotdot && strstr(p, "..")) abort();
}

static void check_io(const cfy_io_spec *io, int n)
{
    if (n < 0 || n > CFY_IO_MAX) abort();
    for (int i = 0; i < n; i++) {
        check_str(io[i].name, sizeof io[i].name);
        if (io[i].ndim < 0 || io[i].ndim > CFY_MAX_DIMS || cfy_dtype_size(io[i].dtype) == 0) abort();
        for (int d = 0; d < io[i].ndim; d++) {
            const cfy_dim_spec *ds = &io[i].dims[d];
            check_str(ds->name, sizeof ds->name);
            if (ds->mul < 1) abort();
            if (!ds->name[0] && ds->min != ds->max) abort();
        }
    }
}

/* Tensors (metadata only: check_inputs reads dtype, ndim and sizes) shaped after the specs:
 * static dims at their size, each dynamic symbol at one value (its smallest allowed multiple,
 * `bump` steps up), so consistent specs pass and the range/multiple/shared-symbol paths run. */
static void run_check_inputs(const cfy_component_spec *c, int64_t bump, int drop_dtype)
{
    cfy_tensor t[CFY_IO_MAX];
    const cfy_tensor *ptrs[CFY_IO_MAX];
    const char *sym[CFY_IO_MAX * CFY_MAX_DIMS];
    int64_t val[CFY_IO_MAX * CFY_MAX_DIMS];
    int n_sym = 0;
    memset(t, 0, sizeof t);
    for (int i = 0; i < c->n_in; i++) {
        const cfy_io_spec *s = &c->in[i];
        t[i].refs = 1;
        t[i].dtype = drop_dtype && i == c->n_in - 1 ? (s->dtype == CFY_F32 ? CFY_I64 : CFY_F32) : s->dtype;
        t[i].device = cfy_cpu();
        t[i].ndim = s->ndim;
        for (int d = 0; d < s->ndim; d++) {
            const cfy_dim_spec *ds = &s->dims[d];
            int64_t v = ds->min;
            if (ds->name[0]) {
                int k = 0;
                while (k < n_sym && strcmp(sym[k], ds->name))
                    k++;
                if (k == n_sym) {
                    int64_t lo = ds->min > 0 ? ds->min : 1;
                    /* clamp so the arithmetic below cannot overflow whatever the manifest says */
                    if (lo > ((int64_t)1 << 40)) lo = (int64_t)1 << 40;
                    int64_t mul = ds->mul < ((int64_t)1 << 20) ? ds->mul : ((int64_t)1 << 20);
                    v = (lo + mul - 1) / mul * mul + bump * mul;
                    sym[n_sym] = ds->name;
                    val[n_sym++] = v;
                } else {
                    v = val[k];
                }
            }
            t[i].sizes[d] = v;
        }
        ptrs[i] = &t[i];
    }
    cfy_error err = {0};
    cfy_status st = cfy_component_check_inputs(c, ptrs, c->n_in, &err);
    if (st != CFY_OK && (st != CFY_EINVAL || err.code != st || !err.message[0])) abort();
    if (st == CFY_OK && drop_dtype && c->n_in > 0) abort(); /* a wrong dtype must be refused */
    /* a wrong input count is refused before any tensor is read */
    if (c->n_in > 0) {
        st = cfy_component_check_inputs(c, ptrs, c->n_in - 1, &err);
        if (st != CFY_EINVAL) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cfy_manifest sentinel;
    cfy_manifest *m = &sentinel;
    cfy_error err = {0};
    cfy_status st = cfy_manifest_parse((const char *)data, size, FZ_DIR, &m, &err);
    if (st != CFY_OK) {
        /* every failure is a cfy_error: code set, one-line message, nothing returned */
        if (m != NULL || err.code != st || !err.message[0] || !memchr(err.message, 0, sizeof err.message)) abort();
        if (st != CFY_EPARSE && st != CFY_EUNSUPPORTED && st != CFY_ENOMEM) abort();
        return 0;
    }
    if (!m || m == &sentinel || err.code != CFY_OK) abort();

    if (!m->dir || strcmp(m->dir, FZ_DIR)) abort();
    check_str(m->kind, sizeof m->kind);
    check_str(m->family, sizeof m->family);
    check_str(m->prediction, sizeof m->prediction);
    check_str(m->torch_version, sizeof m->torch_version);
    if (m->device != CFY_DEVICE_CPU && m->device != CFY_DEVICE_CUDA) abort();
    if (cfy_dtype_size(m->dtype) == 0) abort();
    if (m->torch_lib_dir) check_str(m->torch_lib_dir, strlen(m->torch_lib_dir) + 1);
    /* text encoders: both tokenizer files, layers, width and a component name each */
    if (m->n_text < 0 || m->n_text > CFY_TEXT_ENCODERS_MAX) abort();
    for (int k = 0; k < m->n_text; k++) {
        const cfy_text_encoder_info *t = &m->text[k];
        check_path(t->vocab_path, 1);
        check_path(t->merges_path, 1);
        check_str(t->type, sizeof t->type);
        check_str(t->component, sizeof t->component);
        if (t->layers < 1 || t->hidden < 1) abort();
    }
    for (int k = m->n_text; k < CFY_TEXT_ENCODERS_MAX; k++)
        if (m->text[k].vocab_path || m->text[k].merges_path) abort();
    if (m->unet_adm_channels && m->unet_adm_channels != m->unet_pooled_width + 1536) abort();

    if (m->n_components < 0 || m->n_components > CFY_COMPONENTS_MAX) abort();
    for (int i = 0; i < m->n_components; i++) {
        const cfy_component_spec *c = &m->components[i];
        check_str(c->name, sizeof c->name);
        check_path(c->dir, 1);
        check_path(c->so_path, 0);
        check_path(c->blob_path, 0);
        /* the .so and the blob are plain file names inside the component folder */
        size_t nd = strlen(c->dir);
        if (strncmp(c->so_path, c->dir, nd) || c->so_path[nd] != '/' || strchr(c->so_path + nd + 1, '/')) abort();
        if (strncmp(c->blob_path, c->dir, nd) || c->blob_path[nd] != '/' || strchr(c->blob_path + nd + 1, '/')) abort();
        check_io(c->in, c->n_in);
        check_io(c->out, c->n_out);
        const cfy_component_spec *found = cfy_manifest_component(m, c->name);
        if (!found || strcmp(found->name, c->name) || found > c) abort();
        run_check_inputs(c, 0, 0);
        run_check_inputs(c, 1, 0);
        run_check_inputs(c, 0, 1);
    }
    if (cfy_manifest_component(m, "no such component\x01")) abort();
    cfy_manifest_free(m);
    return 0;
}

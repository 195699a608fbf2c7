/* aoti.c — AOTInductor graphs loaded and run through libtorch's C shim, libtorch opened at run time.
 *
 * The official headers are C++-only (aoti-from-c spec §1.2), so the handful of C shim and
 * container entry points used here are declared below as function-pointer types and looked
 * up with dlsym. Each component keeps its own table of pointers: no global state. */
#include <dlfcn.h>
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fsutil.h"
#include "models/aoti.h"

/* ---------------------------------------------------------------- C declarations of the ABI */

typedef struct AtenTensorOpaque *AtenTensorHandle;
typedef struct AOTInductorModelContainerOpaque *AOTInductorModelContainerHandle;
typedef int32_t aoti_err; /* 0 = success */

typedef aoti_err (*create_with_device_fn)(AOTInductorModelContainerHandle *, size_t num_models, const char *device,
                                          const char *cubin_dir);
typedef aoti_err (*delete_fn)(AOTInductorModelContainerHandle);
typedef aoti_err (*run_fn)(AOTInductorModelContainerHandle, AtenTensorHandle *in, size_t n_in, AtenTensorHandle *out,
                           size_t n_out, void *stream, void *proxy_executor);
typedef aoti_err (*get_count_fn)(AOTInductorModelContainerHandle, size_t *);
typedef aoti_err (*update_blob_fn)(AOTInductorModelContainerHandle, const uint8_t *);
typedef aoti_err (*get_data_size_fn)(AOTInductorModelContainerHandle, size_t idx, size_t *);
typedef aoti_err (*last_error_fn)(const char **);

typedef int32_t (*enum_fn)(void);
typedef uint64_t (*abi_fn)(void);
typedef aoti_err (*from_blob_fn)(void *data, int64_t ndim, const int64_t *sizes, const int64_t *strides,
                                 int64_t storage_offset, int32_t dtype, int32_t device_type, int32_t device_index,
                                 AtenTensorHandle *ret);
typedef aoti_err (*delete_tensor_fn)(AtenTensorHandle);
typedef aoti_err (*get_ptr_fn)(AtenTensorHandle, void **);
typedef aoti_err (*get_i64_fn)(AtenTensorHandle, int64_t *);
typedef aoti_err (*get_i64p_fn)(AtenTensorHandle, int64_t **);
typedef aoti_err (*get_i32_fn)(AtenTensorHandle, int32_t *);

typedef struct shim {
    from_blob_fn from_blob;
    delete_tensor_fn delete_tensor;
    get_ptr_fn data_ptr;
    get_i64_fn dim;
    get_i64p_fn sizes, strides;
    get_i64_fn storage_offset;
    get_i32_fn dtype;
    int32_t dt[6]; /* aoti dtype code per cfy_dtype (-1 when unknown) */
    int32_t dev_cpu, dev_cuda;
    uint64_t abi;
} shim;

struct cfy_aoti_component {
    cfy_component_spec spec; /* copy; path strings owned */
    cfy_device device;
    shim t;
    void *so;
    AOTInductorModelContainerHandle container;
    delete_fn del;
    run_fn run;
    last_error_fn last_error; /* may be NULL (older torch) */
};

/* ---------------------------------------------------------------- loading libtorch */

static bool file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static cfy_status open_lib(const char *dir, const char *name, bool required, cfy_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!file_exists(path)) {
        if (!required) return CFY_OK;
        return cfy_error_set(err, CFY_EUNSUPPORTED, "libtorch: %s not found", path);
    }
    if (!dlopen(path, RTLD_NOW | RTLD_GLOBAL))
        return cfy_error_set(err, CFY_EUNSUPPORTED, "libtorch: cannot load %s: %s", path, dlerror());
    return CFY_OK;
}

/* dlopen libtorch from the first folder that has libtorch_cpu.so. Loading again is cheap
 * (dlopen reference counts), so this runs for every component. */
static cfy_status load_libtorch(const cfy_manifest *m, cfy_device device, cfy_error *err)
{
    const char *env = getenv("CFY_TORCH_LIB_DIR");
    const char *cands[2] = {env && env[0] ? env : NULL, m->torch_lib_dir};
    const char *dir = NULL;
    char probe[4096];
    for (int i = 0; i < 2 && !dir; i++) {
        if (!cands[i]) continue;
        snprintf(probe, sizeof probe, "%s/libtorch_cpu.so", cands[i]);
        if (file_exists(probe)) dir = cands[i];
    }
    if (!dir)
        return cfy_error_set(err, CFY_EUNSUPPORTED,
                             "cannot run model package %s: libtorch (torch %s) not found in %s%s%s; install that torch "
                             "version or set CFY_TORCH_LIB_DIR to its torch/lib folder",
                             m->dir, m->torch_version, env && env[0] ? env : "", env && env[0] ? " or " : "",
                             m->torch_lib_dir ? m->torch_lib_dir : "(no folder recorded)");
    static const char *const cpu_libs[] = {"libtorch_global_deps.so", "libc10.so", "libgomp.so.1", "libtorch_cpu.so",
                                           "libtorch.so"};
    static const bool cpu_req[] = {false, true, false, true, false};
    for (size_t i = 0; i < sizeof cpu_libs / sizeof cpu_libs[0]; i++) {
        cfy_status st = open_lib(dir, cpu_libs[i], cpu_req[i], err);
        if (st) return st;
    }
    if (device.kind == CFY_DEVICE_CUDA) {
        cfy_status st = open_lib(dir, "libc10_cuda.so", true, err);
        if (!st) st = open_lib(dir, "libtorch_cuda.so", true, err);
        if (st) return st;
    }
    return CFY_OK;
}

static void *sym(const char *name, bool *ok)
{
    void *p = dlsym(RTLD_DEFAULT, name);
    if (!p) *ok = false;
    return p;
}

static cfy_status load_shim(shim *t, cfy_error *err)
{
    bool ok = true;
    t->from_blob = (from_blob_fn)sym("aoti_torch_create_tensor_from_blob", &ok);
    t->delete_tensor = (delete_tensor_fn)sym("aoti_torch_delete_tensor_object", &ok);
    t->data_ptr = (get_ptr_fn)sym("aoti_torch_get_data_ptr", &ok);
    t->dim = (get_i64_fn)sym("aoti_torch_get_dim", &ok);
    t->sizes = (get_i64p_fn)sym("aoti_torch_get_sizes", &ok);
    t->strides = (get_i64p_fn)sym("aoti_torch_get_strides", &ok);
    t->storage_offset = (get_i64_fn)sym("aoti_torch_get_storage_offset", &ok);
    t->dtype = (get_i32_fn)sym("aoti_torch_get_dtype", &ok);
    static const char *const dt_names[6] = {"aoti_torch_dtype_float32",  "aoti_torch_dtype_float16",
                                            "aoti_torch_dtype_bfloat16", "aoti_torch_dtype_uint8",
                                            "aoti_torch_dtype_int64",    "aoti_torch_dtype_int32"};
    for (int i = 0; i < 6; i++) {
        enum_fn f = (enum_fn)sym(dt_names[i], &ok);
        t->dt[i] = f ? f() : -1;
    }
    enum_fn cpu = (enum_fn)sym("aoti_torch_device_type_cpu", &ok);
    enum_fn cuda = (enum_fn)sym("aoti_torch_device_type_cuda", &ok);
    abi_fn abi = (abi_fn)sym("aoti_torch_abi_version", &ok);
    if (!ok) return cfy_error_set(err, CFY_EUNSUPPORTED, "libtorch: the AOTI C shim is incomplete (torch too old?)");
    t->dev_cpu = cpu();
    t->dev_cuda = cuda();
    t->abi = abi();
    return CFY_OK;
}

/* ---------------------------------------------------------------- load */

static cfy_status check_version(const cfy_manifest *m, uint64_t abi, cfy_error *err)
{
    int major = (int)(abi >> 56 & 0xff), minor = (int)(abi >> 48 & 0xff), patch = (int)(abi >> 40 & 0xff);
    long have = major * 10000L + minor * 100L + patch;
    long need = m->torch_abi[0] * 10000L + m->torch_abi[1] * 100L + m->torch_abi[2];
    if (major != m->torch_abi[0] || minor != m->torch_abi[1] || have < need)
        return cfy_error_set(err, CFY_EUNSUPPORTED,
                             "model package %s was compiled with torch %s, but the loaded libtorch is %d.%d.%d: "
                             "re-export it with this torch or point CFY_TORCH_LIB_DIR at torch %s",
                             m->dir, m->torch_version, major, minor, patch, m->torch_version);
    return CFY_OK;
}

static cfy_status copy_spec(const cfy_component_spec *s, cfy_component_spec *d, cfy_error *err)
{
    *d = *s;
    d->so_path = strdup(s->so_path);
    d->blob_path = strdup(s->blob_path);
    d->dir = strdup(s->dir);
    if (!d->so_path || !d->blob_path || !d->dir) return cfy_error_set(err, CFY_ENOMEM, "aoti: out of memory");
    return CFY_OK;
}

static cfy_status check_size(const char *path, int64_t expected, const char *what, cfy_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0) return cfy_error_set(err, CFY_ENOTFOUND, "%s %s is missing", what, path);
    if (expected >= 0 && (int64_t)st.st_size != expected)
        return cfy_error_set(err, CFY_EIO, "%s %s has %lld bytes, the manifest says %lld (truncated or replaced)", what,
                             path, (long long)st.st_size, (long long)expected);
    return CFY_OK;
}

/* dlopen maps a truncated library and faults (SIGBUS) on first touch: check that the ELF
 * headers and every loadable segment lie inside the file first. */
static cfy_status check_elf(const char *path, cfy_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return cfy_error_set(err, CFY_ENOTFOUND, "cannot open compiled graph %s", path);
    Elf64_Ehdr eh;
    struct stat st;
    bool ok = false;
    if (fstat(fileno(f), &st) != 0 || fread(&eh, sizeof eh, 1, f) != 1 || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
        eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr))
        goto done;
    uint64_t size = (uint64_t)st.st_size;
    if (eh.e_phoff + (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > size ||
        eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize > size || fseek(f, (long)eh.e_phoff, SEEK_SET))
        goto done;
    for (int i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        if (fread(&ph, sizeof ph, 1, f) != 1) goto done;
        if (ph.p_type == PT_LOAD && ph.p_offset + ph.p_filesz > size) goto done;
    }
    ok = true;
done:
    fclose(f);
    if (ok) return CFY_OK;
    return cfy_error_set(err, CFY_EIO, "cannot load compiled graph %s: not a complete 64-bit ELF library (truncated?)",
                         path);
}

static const char *last_error(const cfy_aoti_component *c)
{
    const char *msg = NULL;
    if (c->last_error && c->last_error(&msg) == 0 && msg && msg[0]) return msg;
    return "see stderr";
}

cfy_status cfy_aoti_component_load(const cfy_manifest *m, const cfy_component_spec *spec, cfy_device device,
                                   cfy_aoti_component **out, cfy_error *err)
{
    *out = NULL;
    if (device.kind != m->device)
        return cfy_error_set(
            err, CFY_EINVAL, "model package %s was compiled for %s, not %s: re-export it with --device %s", m->dir,
            m->device == CFY_DEVICE_CUDA ? "cuda" : "cpu", device.kind == CFY_DEVICE_CUDA ? "cuda" : "cpu",
            device.kind == CFY_DEVICE_CUDA ? "cuda" : "cpu");
    cfy_status st = check_size(spec->so_path, spec->so_bytes, "compiled graph", err);
    if (!st) st = check_size(spec->blob_path, spec->blob_bytes, "weights blob", err);
    if (st) return st;
    cfy_aoti_component *c = calloc(1, sizeof *c);
    if (!c) return cfy_error_set(err, CFY_ENOMEM, "aoti: out of memory");
    c->device = device;
    if ((st = copy_spec(spec, &c->spec, err)) || (st = load_libtorch(m, device, err)) || (st = load_shim(&c->t, err)) ||
        (st = check_version(m, c->t.abi, err)))
        goto fail;
    if ((st = check_elf(spec->so_path, err))) goto fail;
    c->so = dlopen(spec->so_path, RTLD_NOW | RTLD_LOCAL);
    if (!c->so) {
        st = cfy_error_set(err, CFY_EIO, "cannot load compiled graph %s: %s", spec->so_path, dlerror());
        goto fail;
    }
    create_with_device_fn create = (create_with_device_fn)dlsym(c->so, "AOTInductorModelContainerCreateWithDevice");
    c->del = (delete_fn)dlsym(c->so, "AOTInductorModelContainerDelete");
    c->run = (run_fn)dlsym(c->so, "AOTInductorModelContainerRun");
    get_count_fn n_in = (get_count_fn)dlsym(c->so, "AOTInductorModelContainerGetNumInputs");
    get_count_fn n_out = (get_count_fn)dlsym(c->so, "AOTInductorModelContainerGetNumOutputs");
    update_blob_fn update = (update_blob_fn)dlsym(c->so, "AOTInductorModelUpdateConstantsFromBlob");
    c->last_error = (last_error_fn)dlsym(c->so, "AOTInductorGetLastError");
    if (!create || !c->del || !c->run || !n_in || !n_out || !update) {
        st = cfy_error_set(err, CFY_EIO, "%s is not an AOTInductor model (container entry points missing)",
                           spec->so_path);
        goto fail;
    }
    char devstr[32];
    if (device.kind == CFY_DEVICE_CUDA)
        snprintf(devstr, sizeof devstr, "cuda:%d", device.index);
    else
        snprintf(devstr, sizeof devstr, "cpu");
    if (create(&c->container, 1, devstr, device.kind == CFY_DEVICE_CUDA ? c->spec.dir : NULL) != 0) {
        c->container = NULL;
        st = cfy_error_set(err, CFY_EDEVICE, "%s: creating the AOTI container on %s failed (%s)", spec->so_path, devstr,
                           last_error(c));
        goto fail;
    }
    size_t ni = 0, no = 0;
    if (n_in(c->container, &ni) || n_out(c->container, &no) || (int)ni != spec->n_in || (int)no != spec->n_out) {
        st = cfy_error_set(err, CFY_EIO, "%s takes %zu inputs and returns %zu outputs, the manifest says %d and %d",
                           spec->so_path, ni, no, spec->n_in, spec->n_out);
        goto fail;
    }
    void *blob = NULL;
    size_t blob_size = 0, need = 0, n_const = 0;
    if ((st = cfy_read_file(spec->blob_path, (size_t)1 << 40, &blob, &blob_size, err))) goto fail;
    /* the runtime reads every constant from the blob without a length: refuse a short one */
    get_count_fn n_constants = (get_count_fn)dlsym(c->so, "AOTInductorModelContainerGetNumConstants");
    get_data_size_fn data_size = (get_data_size_fn)dlsym(c->so, "AOTInductorModelContainerGetConstantDataSize");
    if (n_constants && data_size && n_constants(c->container, &n_const) == 0)
        for (size_t i = 0; i < n_const; i++) {
            size_t d = 0;
            if (data_size(c->container, i, &d) == 0) need += d;
        }
    if (blob_size < need) {
        free(blob);
        st = cfy_error_set(err, CFY_EIO, "weights blob %s has %zu bytes, the graph needs %zu (truncated)",
                           spec->blob_path, blob_size, need);
        goto fail;
    }
    aoti_err rc = update(c->container, (const uint8_t *)blob);
    free(blob);
    if (rc) {
        st =
            cfy_error_set(err, CFY_EDEVICE, "%s: loading the weights blob failed (%s)", spec->blob_path, last_error(c));
        goto fail;
    }
    *out = c;
    return CFY_OK;
fail:
    cfy_aoti_component_destroy(c);
    return st;
}

void cfy_aoti_component_destroy(cfy_aoti_component *c)
{
    if (!c) return;
    if (c->container && c->del) c->del(c->container);
    free(c->spec.so_path);
    free(c->spec.blob_path);
    free(c->spec.dir);
    free(c);
}

const cfy_component_spec *cfy_aoti_component_spec(const cfy_aoti_component *c)
{
    return &c->spec;
}

cfy_device cfy_aoti_component_device(const cfy_aoti_component *c)
{
    return c->device;
}

/* ---------------------------------------------------------------- run */

typedef struct handle_ref {
    delete_tensor_fn del;
    AtenTensorHandle h;
} handle_ref;

static void release_handle(void *ctx, void *data)
{
    (void)data;
    handle_ref *r = ctx;
    r->del(r->h);
    free(r);
}

static cfy_status dtype_from_aoti(const shim *t, int32_t code, cfy_dtype *out)
{
    for (int i = 0; i < 6; i++)
        if (t->dt[i] == code) {
            *out = (cfy_dtype)i;
            return CFY_OK;
        }
    return CFY_EUNSUPPORTED;
}

/* Turn an output handle into a cfy_tensor that owns it (zero-copy when contiguous). Takes h. */
static cfy_status wrap_output(cfy_aoti_component *c, AtenTensorHandle h, cfy_tensor **out, cfy_error *err)
{
    const shim *t = &c->t;
    int64_t ndim = 0, off = 0, *sizes = NULL, *strides = NULL;
    int32_t code = -1;
    void *data = NULL;
    cfy_dtype dt;
    if (t->dim(h, &ndim) || t->sizes(h, &sizes) || t->strides(h, &strides) || t->storage_offset(h, &off) ||
        t->dtype(h, &code) || t->data_ptr(h, &data) || ndim > CFY_MAX_DIMS || dtype_from_aoti(t, code, &dt)) {
        t->delete_tensor(h);
        return cfy_error_set(err, CFY_EDEVICE, "%s: cannot read an output tensor", c->spec.name);
    }
    handle_ref *ref = malloc(sizeof *ref);
    if (!ref) {
        t->delete_tensor(h);
        return cfy_error_set(err, CFY_ENOMEM, "aoti: out of memory");
    }
    ref->del = t->delete_tensor;
    ref->h = h;
    /* data_ptr already includes the storage offset: wrap as a plain view with those strides */
    cfy_tensor *w = NULL;
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= sizes[i];
    int64_t contig[CFY_MAX_DIMS];
    int64_t acc = 1;
    for (int i = (int)ndim - 1; i >= 0; i--) {
        contig[i] = acc;
        acc *= sizes[i];
    }
    bool is_contig = true;
    for (int i = 0; i < ndim; i++)
        if (sizes[i] > 1 && strides[i] != contig[i]) is_contig = false;
    cfy_status st = cfy_tensor_wrap(dt, c->device, (int)ndim, sizes, data, release_handle, ref, &w, err);
    if (st) return st;
    if (is_contig || n == 0) {
        *out = w;
        return CFY_OK;
    }
    for (int i = 0; i < ndim; i++)
        w->strides[i] = strides[i];
    st = cfy_tensor_contiguous(w, out, err);
    cfy_tensor_release(w);
    return st;
}

cfy_status cfy_aoti_component_run(cfy_aoti_component *c, const cfy_tensor *const *inputs, int n_in,
                                  cfy_tensor **outputs, int n_out, cfy_error *err)
{
    for (int i = 0; i < n_out; i++)
        outputs[i] = NULL;
    const cfy_component_spec *s = &c->spec;
    if (n_out != s->n_out)
        return cfy_error_set(err, CFY_EINVAL, "%s: %d outputs requested, the graph returns %d", s->name, n_out,
                             s->n_out);
    cfy_status st = cfy_component_check_inputs(s, inputs, n_in, err);
    if (st) return st;
    cfy_tensor *own[CFY_IO_MAX] = {0};
    AtenTensorHandle in_h[CFY_IO_MAX] = {0}, out_h[CFY_IO_MAX] = {0};
    for (int i = 0; i < n_in && !st; i++) {
        const cfy_tensor *x = inputs[i];
        if (!cfy_device_eq(x->device, c->device)) {
            st = cfy_error_set(err, CFY_EINVAL, "%s input '%s': tensor on the wrong device", s->name, s->in[i].name);
            break;
        }
        if (!cfy_tensor_is_contiguous(x) || ((uintptr_t)cfy_tensor_data(x) & 15u)) {
            /* the generated code copies misaligned inputs on every call; do it once here */
            if ((st = cfy_tensor_to(x, c->device, &own[i], err))) break;
            x = own[i];
        }
        int64_t strides[CFY_MAX_DIMS], acc = 1;
        for (int d = x->ndim - 1; d >= 0; d--) {
            strides[d] = acc;
            acc *= x->sizes[d];
        }
        if (c->t.from_blob(cfy_tensor_data(x), x->ndim, x->sizes, strides, 0, c->t.dt[x->dtype],
                           c->device.kind == CFY_DEVICE_CUDA ? c->t.dev_cuda : c->t.dev_cpu, c->device.index, &in_h[i]))
            st = cfy_error_set(err, CFY_EDEVICE, "%s input '%s': wrapping the tensor failed", s->name, s->in[i].name);
    }
    if (!st) {
        /* Run steals the input handles (spec §2 step 7). */
        if (c->run(c->container, in_h, (size_t)n_in, out_h, (size_t)n_out, NULL, NULL) != 0)
            st = cfy_error_set(err, CFY_EDEVICE, "%s: the compiled graph failed (%s)", s->name, last_error(c));
    } else {
        for (int i = 0; i < n_in; i++)
            if (in_h[i]) c->t.delete_tensor(in_h[i]);
    }
    if (!st) {
        /* outputs: each distinct non-NULL handle is owned once (the same handle may repeat) */
        for (int i = 0; i < n_out; i++) {
            bool dup = false;
            for (int j = 0; j < i; j++)
                if (out_h[j] == out_h[i]) {
                    dup = true;
                    outputs[i] = cfy_tensor_retain(outputs[j]);
                }
            if (dup) continue;
            if (!out_h[i]) {
                st = cfy_error_set(err, CFY_EDEVICE, "%s: output %d is None", s->name, i);
                continue;
            }
            cfy_status st2 = st ? (c->t.delete_tensor(out_h[i]), st) : wrap_output(c, out_h[i], &outputs[i], err);
            st = st2;
        }
        if (st)
            for (int i = 0; i < n_out; i++) {
                cfy_tensor_release(outputs[i]);
                outputs[i] = NULL;
            }
    }
    for (int i = 0; i < n_in; i++)
        cfy_tensor_release(own[i]);
    return st;
}

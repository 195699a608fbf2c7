/* bench_models.c — model-package costs: load time of all components, UNet time per CFG step
 * (batch 2) at given latent sizes, text encoder and VAE decoder time.
 *
 * Usage: bench_models PACKAGE_DIR [--device cpu|cuda] [--latent 64,128] [--repeats N]
 *
 * "step (host)" is what comfyc's sampler pays per step: inputs staged from the host, the output
 * brought back (cfy_component_call_host). "step (graph)" runs the graph on inputs already on the
 * device, the number to compare with published UNet timings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_timing.h"
#include "models/package.h"

typedef struct bench_opts {
    const char *dir;
    cfy_device device;
    int latents[8], n_latents;
    int repeats;
} bench_opts;

static int parse(int argc, char **argv, bench_opts *o)
{
    memset(o, 0, sizeof *o);
    o->device = cfy_cpu();
    o->repeats = 10;
    o->latents[o->n_latents++] = 64;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--device") && i + 1 < argc) {
            const char *v = argv[++i];
            if (!strcmp(v, "cuda")) o->device = cfy_cuda(0);
            else if (strcmp(v, "cpu")) return fprintf(stderr, "bench_models: --device cpu|cuda, not '%s'\n", v), 2;
        } else if (!strcmp(argv[i], "--latent") && i + 1 < argc) {
            o->n_latents = 0;
            for (char *s = argv[++i], *end; *s && o->n_latents < 8; s = *end ? end + 1 : end) {
                long v = strtol(s, &end, 10);
                if (end == s || v < 1) return fprintf(stderr, "bench_models: bad --latent '%s'\n", argv[i]), 2;
                o->latents[o->n_latents++] = (int)v;
            }
        } else if (!strcmp(argv[i], "--repeats") && i + 1 < argc) {
            o->repeats = atoi(argv[++i]);
            if (o->repeats < 1) return fprintf(stderr, "bench_models: --repeats must be >= 1\n"), 2;
        } else if (!o->dir && argv[i][0] != '-') {
            o->dir = argv[i];
        } else {
            return fprintf(stderr, "usage: bench_models PACKAGE_DIR [--device cpu|cuda] [--latent 64,128] [--repeats N]\n"), 2;
        }
    }
    if (!o->dir) return fprintf(stderr, "usage: bench_models PACKAGE_DIR [--device cpu|cuda] [--latent 64,128] [--repeats N]\n"), 2;
    return 0;
}

/* A host f32 tensor of the given shape filled with a fixed pseudo-random pattern in [-1, 1). */
static cfy_tensor *host_f32(int ndim, const int64_t *sizes, cfy_error *err)
{
    cfy_tensor *t = NULL;
    if (cfy_tensor_new(CFY_F32, cfy_cpu(), ndim, sizes, false, &t, err)) return NULL;
    float *p = cfy_tensor_f32(t);
    uint32_t s = 12345u;
    for (int64_t i = 0, n = cfy_tensor_numel(t); i < n; i++) {
        s = s * 1664525u + 1013904223u;
        p[i] = (float)(s >> 8) / 8388608.0f - 1.0f;
    }
    return t;
}

/* Times `repeats` calls: through the host (staging included) and, on inputs already staged to the
 * component's device, the graph alone. The first call of each kind is a warm-up. */
static int time_component(cfy_aoti_component *c, cfy_tensor **host_in, int n_in, const char *label, int repeats)
{
    cfy_error err = {0};
    const cfy_component_spec *s = cfy_aoti_component_spec(c);
    cfy_tensor *dev_in[CFY_IO_MAX] = {0}, *out[CFY_IO_MAX] = {0};
    double *t = calloc((size_t)repeats, sizeof *t);
    int rc = t ? 0 : 1;
    char what[96];
    for (int pass = 0; pass < 2 && !rc; pass++) {
        for (int r = -1; r < repeats && !rc; r++) {
            double t0 = bench_now_ms();
            cfy_status st = pass == 0 ? cfy_component_call_host(c, (const cfy_tensor *const *)host_in, n_in, out, s->n_out, &err)
                                      : cfy_aoti_component_run(c, (const cfy_tensor *const *)dev_in, n_in, out, s->n_out, &err);
            if (st) {
                fprintf(stderr, "bench_models: %s: %s\n", label, err.message);
                rc = 1;
            }
            if (r >= 0) t[r] = bench_now_ms() - t0;
            for (int i = 0; i < s->n_out; i++) {
                cfy_tensor_release(out[i]);
                out[i] = NULL;
            }
        }
        if (rc) break;
        snprintf(what, sizeof what, "%s (%s)", label, pass == 0 ? "host" : "graph");
        bench_report_ms(what, t, repeats);
        if (pass == 0) /* stage the inputs once for the graph-only pass (same dtype and device as the graph) */
            for (int i = 0; i < n_in && !rc; i++) {
                cfy_tensor *conv = NULL;
                if (cfy_tensor_convert(host_in[i], s->in[i].dtype, &conv, &err) ||
                    cfy_tensor_to(conv, cfy_aoti_component_device(c), &dev_in[i], &err)) {
                    fprintf(stderr, "bench_models: %s: %s\n", label, err.message);
                    rc = 1;
                }
                cfy_tensor_release(conv);
            }
    }
    for (int i = 0; i < n_in; i++)
        cfy_tensor_release(dev_in[i]);
    free(t);
    return rc;
}

int main(int argc, char **argv)
{
    bench_opts o;
    int rc = parse(argc, argv, &o);
    if (rc) return rc;
    cfy_error err = {0};
    cfy_package *pkg = NULL;
    double loads[3];
    for (int i = 0; i < 3; i++) { /* the first load reads the files from disk; later ones from the page cache */
        double t0 = bench_now_ms();
        if (cfy_package_open(o.dir, o.device, &pkg, &err)) {
            fprintf(stderr, "bench_models: %s\n", err.message);
            return 1;
        }
        loads[i] = bench_now_ms() - t0;
        if (i < 2) cfy_package_release(pkg);
    }
    printf("package %s: %d components, load %.1f ms (first), %.1f / %.1f ms (warm)\n", o.dir,
           pkg->manifest->n_components, loads[0], loads[1], loads[2]);

    cfy_aoti_component *unet = cfy_package_component(pkg, "unet");
    cfy_aoti_component *te = cfy_package_component(pkg, "text_encoder");
    cfy_aoti_component *dec = cfy_package_component(pkg, "vae_decoder");
    int ctx_dim = unet ? (int)cfy_aoti_component_spec(unet)->in[2].dims[2].min : 0;
    int lat_c = unet ? (int)cfy_aoti_component_spec(unet)->in[0].dims[1].min : 4;
    for (int li = 0; li < o.n_latents && unet && !rc; li++) {
        int L = o.latents[li];
        int64_t xs[4] = {2, lat_c, L, L}, ts[1] = {2}, cs[3] = {2, 77, ctx_dim};
        cfy_tensor *in[3] = {host_f32(4, xs, &err), host_f32(1, ts, &err), host_f32(3, cs, &err)};
        if (in[1]) { /* timesteps in the model's range */
            float *t = cfy_tensor_f32(in[1]);
            t[0] = t[1] = 500.0f;
        }
        char label[96];
        snprintf(label, sizeof label, "unet CFG step, batch 2, latent %dx%d", L, L);
        rc = (in[0] && in[1] && in[2]) ? time_component(unet, in, 3, label, o.repeats) : 1;
        for (int i = 0; i < 3; i++)
            cfy_tensor_release(in[i]);
    }
    if (te && !rc) {
        int64_t sz[2] = {2, 77};
        cfy_tensor *tok = NULL;
        if (cfy_tensor_new(CFY_I64, cfy_cpu(), 2, sz, false, &tok, &err)) return 1;
        int64_t *p = cfy_tensor_data(tok);
        for (int i = 0; i < 154; i++)
            p[i] = i % 77 == 0 ? 49406 : i % 77 < 9 ? 320 + i % 77 : 49407;
        rc = time_component(te, &tok, 1, "text encoder, 2 windows", o.repeats);
        cfy_tensor_release(tok);
    }
    if (dec && !rc && o.n_latents) {
        int L = o.latents[0];
        int64_t sz[4] = {1, lat_c, L, L};
        cfy_tensor *lat = host_f32(4, sz, &err);
        char label[96];
        snprintf(label, sizeof label, "vae decoder, latent %dx%d", L, L);
        rc = lat ? time_component(dec, &lat, 1, label, o.repeats < 3 ? o.repeats : 3) : 1;
        cfy_tensor_release(lat);
    }
    cfy_package_release(pkg);
    return rc;
}

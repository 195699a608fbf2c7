/* bench_image_ops.c — timings of the src/image operations (not a test): Pillow-exact resize of a
 * 1024^2 RGB image to 2048^2 with each filter, with and without the 8x supersample chain; mask
 * blur of 512^2 with feather 5 and 20; tensor_paste of a 512^2 crop. CPU always, CUDA when built
 * with it and a GPU is present. Compare with bench/image_ops_reference.py (Pillow / torch on the
 * same machine).
 *
 * Usage: bench_image_ops [--quick] [--no-supersample] [--cuda-only]   (prints one line per case) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "comfyc/comfyc.h"
#include "core/device_mem.h"
#include "image/blur.h"
#include "image/paste.h"
#include "image/resize.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static cfy_tensor *random_tensor(cfy_dtype dt, int ndim, const int64_t *sizes, cfy_device dev)
{
    cfy_tensor *t = NULL, *d = NULL;
    cfy_error err = {0};
    if (cfy_tensor_new(dt, cfy_cpu(), ndim, sizes, false, &t, &err) != CFY_OK) return NULL;
    uint32_t s = 7;
    int64_t n = cfy_tensor_numel(t);
    for (int64_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        if (dt == CFY_U8) ((uint8_t *)cfy_tensor_data(t))[i] = (uint8_t)(s >> 24);
        else cfy_tensor_f32(t)[i] = (float)(s >> 8) / 16777216.0f;
    }
    if (dev.kind == CFY_DEVICE_CPU) return t;
    if (cfy_tensor_to(t, dev, &d, &err) != CFY_OK) d = NULL;
    cfy_tensor_release(t);
    return d;
}

/* Force completion of queued CUDA work by a tiny device->host copy. */
static void sync_dev(const cfy_tensor *t)
{
    if (t && t->device.kind == CFY_DEVICE_CUDA) {
        char b;
        cfy_error err = {0};
        if (cfy_device_copy(&b, cfy_cpu(), cfy_tensor_data(t), t->device, 1, &err) != CFY_OK)
            fprintf(stderr, "sync failed: %s\n", err.message);
    }
}

static const char *const filter_names[] = {"nearest", "lanczos", "bilinear", "bicubic"};

static void bench_device(cfy_device dev, int reps, int supersample)
{
    const char *dn = dev.kind == CFY_DEVICE_CPU ? "cpu" : "cuda";
    cfy_error err = {0};
    int64_t isz[3] = {1024, 1024, 3};
    cfy_tensor *img = random_tensor(CFY_U8, 3, isz, dev);
    for (int ss = 0; ss <= supersample; ss++)
        for (int m = 0; m < 4; m++) {
            double best = 1e30;
            int n = ss && dev.kind == CFY_DEVICE_CPU ? 1 : reps;
            for (int r = 0; r < n + (dev.kind == CFY_DEVICE_CUDA); r++) { /* one CUDA warm-up */
                cfy_tensor *o = NULL;
                double t0 = now_s();
                cfy_status st = ss ? cfy_image_resize_u8_supersample(NULL, img, 2048, 2048, (cfy_resample)m, &o, &err)
                                   : cfy_image_resize_u8(NULL, img, 2048, 2048, (cfy_resample)m, &o, &err);
                sync_dev(o);
                double t = now_s() - t0;
                if (st != CFY_OK) {
                    fprintf(stderr, "resize failed: %s\n", err.message);
                    break;
                }
                if (!(dev.kind == CFY_DEVICE_CUDA && r == 0) && t < best) best = t;
                cfy_tensor_release(o);
            }
            printf("%-5s resize %-8s 1024^2->2048^2 RGB%s  %10.2f ms\n", dn, filter_names[m],
                   ss ? " supersample" : "            ", best * 1e3);
        }
    cfy_tensor_release(img);
    int64_t msz[3] = {1, 512, 512};
    cfy_tensor *mask = random_tensor(CFY_F32, 3, msz, dev);
    for (int f = 5; f <= 20; f += 15) {
        double best = 1e30;
        for (int r = 0; r < reps + 1; r++) {
            cfy_tensor *o = NULL;
            double t0 = now_s();
            cfy_status st = cfy_image_blur_mask(NULL, mask, f, &o, &err);
            sync_dev(o);
            double t = now_s() - t0;
            if (st != CFY_OK) break;
            if (r > 0 && t < best) best = t;
            cfy_tensor_release(o);
        }
        printf("%-5s blur_mask 512^2 feather %-2d                  %10.2f ms\n", dn, f, best * 1e3);
    }
    int64_t big[4] = {1, 2048, 2048, 3}, crop[4] = {1, 512, 512, 3};
    cfy_tensor *canvas = random_tensor(CFY_F32, 4, big, dev), *piece = random_tensor(CFY_F32, 4, crop, dev);
    double best = 1e30;
    for (int r = 0; r < reps + 1; r++) {
        double t0 = now_s();
        cfy_status st = cfy_image_paste(NULL, canvas, piece, 700, 900, mask, &err);
        sync_dev(canvas);
        double t = now_s() - t0;
        if (st != CFY_OK) break;
        if (r > 0 && t < best) best = t;
    }
    printf("%-5s paste 512^2 into 2048^2                      %10.2f ms\n", dn, best * 1e3);
    cfy_tensor_release(canvas);
    cfy_tensor_release(piece);
    cfy_tensor_release(mask);
}

int main(int argc, char **argv)
{
    int quick = 0, supersample = 1, cuda_only = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) quick = 1;
        else if (strcmp(argv[i], "--no-supersample") == 0) supersample = 0;
        else if (strcmp(argv[i], "--cuda-only") == 0) cuda_only = 1;
    }
    int reps = quick ? 1 : 5;
    if (!cuda_only) bench_device(cfy_cpu(), reps, supersample);
    if (cfy_cuda_device_count() > 0) bench_device(cfy_cuda(0), reps, supersample);
    else printf("cuda  (no device or built without CUDA)\n");
    return 0;
}

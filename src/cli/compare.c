/* compare.c — `comfyc compare A B`: PSNR, SSIM and largest difference of two images, with
 * optional pass/fail thresholds for CI (exit 0 pass, 1 a threshold failed or the shapes differ,
 * 2 bad arguments or unreadable files). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/regress.h"
#include "core/fsutil.h"
#include "core/image_decode.h"
#include "image/convert.h"

static const char compare_usage[] =
    "usage: comfyc compare A B [options]\n"
    "\n"
    "Compare two images (PNG, JPEG, BMP, ... as RGB; or .npy arrays such as `comfyc run --dump` writes)\n"
    "and print PSNR (dB, on the 0..1 scale), SSIM (11x11 Gaussian window) and the largest difference.\n"
    "\n"
    "options:\n"
    "  --psnr-min DB     fail when PSNR is below DB\n"
    "  --ssim-min X      fail when SSIM is below X (0..1)\n"
    "  --max-diff D      fail when some value differs by more than D (0..1 scale; 1/255 = one 8-bit level)\n"
    "  --json            print the result as one JSON object\n"
    "\n"
    "exit codes: 0 equal within the thresholds, 1 a threshold failed or the shapes differ,\n"
    "            2 bad arguments or unreadable files\n";

cfy_status cli_load_compare_image(const char *path, cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    cfy_status st;
    if (cfy_path_has_suffix(path, ".npy")) {
        cfy_tensor *t = NULL, *f = NULL;
        if ((st = cfy_tensor_load_npy(path, &t, err))) return st;
        if (t->ndim == 4 && t->sizes[0] == 1) {
            cfy_tensor *r = NULL;
            int64_t sz[3] = {t->sizes[1], t->sizes[2], t->sizes[3]};
            st = cfy_tensor_reshape(t, 3, sz, &r, err);
            cfy_tensor_release(t);
            if (st) return st;
            t = r;
        }
        if (t->ndim != 3) {
            char b[96];
            cfy_error_set(err, CFY_EINVAL, "%s: expected an image array [H,W,C] or [1,H,W,C], got %s", path,
                          cfy_tensor_shape_str(t, b, sizeof b));
            cfy_tensor_release(t);
            return CFY_EINVAL;
        }
        if (t->dtype == CFY_F32) {
            *out = t;
            return CFY_OK;
        }
        if (t->dtype == CFY_U8)
            st = cfy_image_from_u8(NULL, t, &f, err);
        else
            st = cfy_error_set(err, CFY_EINVAL, "%s: dtype %s is not f32 or u8", path, cfy_dtype_name(t->dtype));
        cfy_tensor_release(t);
        *out = f;
        return st;
    }
    void *data = NULL;
    size_t size = 0;
    if ((st = cfy_read_file(path, (size_t)1 << 30, &data, &size, err))) return st;
    cfy_decoded_image img;
    st = cfy_image_decode(data, size, 0, &img, err);
    free(data);
    if (st) {
        char msg[sizeof err->message];
        snprintf(msg, sizeof msg, "%s", err ? err->message : "");
        return cfy_error_set(err, st, "%s: %s", path, msg);
    }
    int64_t sz[3] = {img.height, img.width, 3};
    st = cfy_tensor_new(CFY_F32, cfy_cpu(), 3, sz, false, out, err);
    if (!st) {
        float *d = cfy_tensor_f32(*out);
        for (int64_t p = 0; p < (int64_t)img.width * img.height; p++)
            for (int c = 0; c < 3; c++)
                d[p * 3 + c] = (float)img.rgba[p * 4 + c] / 255.0f;
    }
    cfy_decoded_image_free(&img);
    return st;
}

cfy_status cli_first_image(const cfy_tensor *image, bool as_png, cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    if (image->dtype != CFY_F32 || image->ndim != 4)
        return cfy_error_set(err, CFY_EINVAL, "expected an IMAGE [B,H,W,C]");
    cfy_tensor *first = NULL, *cpu = NULL;
    int64_t sz[3] = {image->sizes[1], image->sizes[2], image->sizes[3]};
    cfy_status st = cfy_tensor_narrow(image, 0, 0, 1, &first, err);
    if (!st) st = cfy_tensor_to(first, cfy_cpu(), &cpu, err);
    if (!st) st = cfy_tensor_new(CFY_F32, cfy_cpu(), 3, sz, false, out, err);
    if (!st) {
        const float *s = cfy_tensor_f32(cpu);
        float *d = cfy_tensor_f32(*out);
        for (int64_t i = 0, n = cfy_tensor_numel(cpu); i < n; i++)
            d[i] = as_png ? (float)cfy_image_quantize(s[i]) / 255.0f : s[i];
    }
    cfy_tensor_release(first);
    cfy_tensor_release(cpu);
    return st;
}

bool cli_thresholds_pass(const cli_thresholds *t, const cfy_image_metrics *m, char *why, size_t why_size)
{
    char dummy[8];
    if (!why) {
        why = dummy;
        why_size = sizeof dummy;
    }
    why[0] = '\0';
    if (t->psnr_min >= 0 && !(m->psnr_db >= t->psnr_min)) {
        snprintf(why, why_size, "PSNR %.2f dB is below %.2f dB", m->psnr_db, t->psnr_min);
        return false;
    }
    if (t->ssim_min >= 0 && !(m->ssim >= t->ssim_min)) {
        snprintf(why, why_size, "SSIM %.5f is below %.5f", m->ssim, t->ssim_min);
        return false;
    }
    if (t->max_diff >= 0 && !(m->max_abs_diff <= t->max_diff)) {
        snprintf(why, why_size, "max abs diff %.6g (%.1f/255) is above %.6g", m->max_abs_diff, m->max_abs_diff * 255.0,
                 t->max_diff);
        return false;
    }
    return true;
}

static int parse_number(int argc, char **argv, int *i, double *out)
{
    const char *v = cli_value(argc, argv, i);
    char *end;
    if (!v) return -1;
    *out = strtod(v, &end);
    if (*end || !isfinite(*out) || *out < 0) {
        fprintf(stderr, "comfyc compare: %s needs a non-negative number, got '%s'\n", argv[*i - 1], v);
        return -1;
    }
    return 0;
}

int cmd_compare(int argc, char **argv)
{
    const char *path[2] = {NULL, NULL};
    cli_thresholds t = {-1, -1, -1};
    bool json = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(compare_usage, stdout);
            return CLI_OK;
        }
        if (strcmp(a, "--psnr-min") == 0) {
            if (parse_number(argc, argv, &i, &t.psnr_min)) return CLI_INVALID;
        } else if (strcmp(a, "--ssim-min") == 0) {
            if (parse_number(argc, argv, &i, &t.ssim_min)) return CLI_INVALID;
        } else if (strcmp(a, "--max-diff") == 0) {
            if (parse_number(argc, argv, &i, &t.max_diff)) return CLI_INVALID;
        } else if (strcmp(a, "--json") == 0) {
            json = true;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "comfyc compare: unknown option '%s'\n\n%s", a, compare_usage);
            return CLI_INVALID;
        } else if (!path[0]) {
            path[0] = a;
        } else if (!path[1]) {
            path[1] = a;
        } else {
            fprintf(stderr, "comfyc compare: more than two images given ('%s')\n", a);
            return CLI_INVALID;
        }
    }
    if (!path[1]) {
        fprintf(stderr, "comfyc compare: two images are needed\n\n%s", compare_usage);
        return CLI_INVALID;
    }
    cfy_tensor *img[2] = {NULL, NULL};
    cfy_error err;
    cfy_error_clear(&err);
    for (int k = 0; k < 2; k++)
        if (cli_load_compare_image(path[k], &img[k], &err) != CFY_OK) {
            cli_print_error("compare", &err);
            cfy_tensor_release(img[0]);
            return CLI_INVALID;
        }
    cfy_image_metrics m;
    int rc = CLI_OK;
    char why[256] = "";
    if (cfy_image_compare(img[0], img[1], &m, &err) != CFY_OK) {
        cli_print_error(NULL, &err);
        rc = err.code == CFY_EINVAL ? CLI_RUNTIME : CLI_INVALID; /* shapes differ: a failed comparison */
    } else {
        bool pass = cli_thresholds_pass(&t, &m, why, sizeof why);
        if (json) {
            printf("{\"psnr_db\": %s%.4f%s, \"ssim\": %.6f, \"max_abs_diff\": %.8g, \"mse\": %.8g, "
                   "\"values\": %lld, \"different\": %lld, \"pass\": %s}\n",
                   isinf(m.psnr_db) ? "\"" : "", isinf(m.psnr_db) ? INFINITY : m.psnr_db, isinf(m.psnr_db) ? "\"" : "",
                   m.ssim, m.max_abs_diff, m.mse, (long long)m.n_values, (long long)m.n_different,
                   pass ? "true" : "false");
        } else {
            if (isinf(m.psnr_db))
                printf("PSNR inf dB (identical)");
            else
                printf("PSNR %.2f dB", m.psnr_db);
            printf("  SSIM %.5f  max abs diff %.6g (%.1f/255)  %lld of %lld values differ\n", m.ssim, m.max_abs_diff,
                   m.max_abs_diff * 255.0, (long long)m.n_different, (long long)m.n_values);
        }
        if (!pass) {
            fprintf(stderr, "comfyc compare: FAIL: %s\n", why);
            rc = CLI_RUNTIME;
        }
    }
    cfy_tensor_release(img[0]);
    cfy_tensor_release(img[1]);
    return rc;
}

/* regress.h — the regression-check commands (`comfyc compare`, `comfyc check`) and the image
 * loading they share. */
#ifndef CFY_CLI_REGRESS_H
#define CFY_CLI_REGRESS_H

#include "comfyc/comfyc.h"
#include "image/metrics.h"

int cmd_compare(int argc, char **argv);
int cmd_check(int argc, char **argv);

/* Load an image for comparison: a PNG/JPEG/BMP/... file (RGB, /255) or a .npy array (f32 kept,
 * u8 divided by 255; [H,W,C] or [1,H,W,C]). out returns new f32 [H,W,C] CPU. */
cfy_status cli_load_compare_image(const char *path, cfy_tensor **out, cfy_error *err);

/* The first image of an IMAGE [B,H,W,C] as [H,W,C]; quantized the way SaveImage writes PNGs
 * (trunc(clip(255 v)) / 255) when `as_png`. out returns new. */
cfy_status cli_first_image(const cfy_tensor *image, bool as_png, cfy_tensor **out, cfy_error *err);

/* Threshold check. Fields < 0 (or NaN) are not checked. Returns true when m passes; writes the
 * first failed condition into why (may be NULL). */
typedef struct cli_thresholds {
    double psnr_min, ssim_min, max_diff;
} cli_thresholds;
bool cli_thresholds_pass(const cli_thresholds *t, const cfy_image_metrics *m, char *why, size_t why_size);

#endif

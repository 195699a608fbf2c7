/* metrics.h — image similarity for regression checks: PSNR, SSIM and the largest difference. */
#ifndef CFY_IMAGE_METRICS_H
#define CFY_IMAGE_METRICS_H

#include <stdint.h>

#include "comfyc/error.h"
#include "comfyc/tensor.h"

typedef struct cfy_image_metrics {
    double mse;          /* mean squared difference over every value, on the 0..1 scale */
    double psnr_db;      /* 10 log10(1 / mse); INFINITY when the images are identical */
    double ssim;         /* mean SSIM (Wang et al. 2004), averaged over channels and images */
    double max_abs_diff; /* largest |a - b| on the 0..1 scale (x255 for 8-bit levels) */
    int64_t n_values;    /* values compared */
    int64_t n_different; /* values with a != b */
} cfy_image_metrics;

/* Compare two images of one shape.
 * a, b borrowed: f32, [H,W,C] or [B,H,W,C] with values on the 0..1 scale, CPU, any strides.
 * SSIM: per channel, an 11x11 Gaussian window (sigma 1.5; a smaller odd window with sigma scaled
 * when a side is below 11), K1 = 0.01, K2 = 0.03, data range 1, mean over the positions where the
 * window fits inside the image (scikit-image's gaussian_weights=True, use_sample_covariance=False).
 * out filled on success. Returns CFY_OK, CFY_EINVAL (dtype, rank, shapes differ, device), CFY_ENOMEM. */
CFY_API CFY_NODISCARD cfy_status cfy_image_compare(const cfy_tensor *a, const cfy_tensor *b, cfy_image_metrics *out,
                                                   cfy_error *err);

#endif

/* step_ops_cuda.h — internal CUDA launchers of step_ops.c; stubs without CUDA.
 * All pointers are device pointers to n contiguous floats on the current CUDA device. */
#ifndef CFY_SAMPLING_STEP_OPS_CUDA_H
#define CFY_SAMPLING_STEP_OPS_CUDA_H

#include "comfyc/tensor.h"

#if defined(CFY_WITH_CUDA)
cfy_status cfy_sampling_euler_step_cuda(float *x, const float *d, float sigma, float dt, int64_t n, cfy_error *err);
cfy_status cfy_sampling_add_noise_cuda(float *x, const float *e, float s_noise, float sigma_up, int64_t n,
                                       cfy_error *err);
cfy_status cfy_sampling_cfg_combine_cuda(const float *c, const float *u, float cfg, float *out, int64_t n,
                                         cfy_error *err);
cfy_status cfy_sampling_mask_blend_input_cuda(const float *x, const float *m, const float *e, float sigma,
                                              const float *l, float *out, int64_t n, cfy_error *err);
cfy_status cfy_sampling_mask_blend_output_cuda(float *d, const float *m, const float *l, int64_t n, cfy_error *err);
#else
static inline cfy_status step_ops_no_cuda(cfy_error *err)
{
    return cfy_error_set(err, CFY_EUNSUPPORTED, "sampling: CUDA tensor but comfyc was built without CUDA");
}
static inline cfy_status cfy_sampling_euler_step_cuda(float *x, const float *d, float sigma, float dt, int64_t n,
                                                      cfy_error *err)
{
    (void)x; (void)d; (void)sigma; (void)dt; (void)n;
    return step_ops_no_cuda(err);
}
static inline cfy_status cfy_sampling_add_noise_cuda(float *x, const float *e, float s_noise, float sigma_up,
                                                     int64_t n, cfy_error *err)
{
    (void)x; (void)e; (void)s_noise; (void)sigma_up; (void)n;
    return step_ops_no_cuda(err);
}
static inline cfy_status cfy_sampling_cfg_combine_cuda(const float *c, const float *u, float cfg, float *out,
                                                       int64_t n, cfy_error *err)
{
    (void)c; (void)u; (void)cfg; (void)out; (void)n;
    return step_ops_no_cuda(err);
}
static inline cfy_status cfy_sampling_mask_blend_input_cuda(const float *x, const float *m, const float *e,
                                                            float sigma, const float *l, float *out, int64_t n,
                                                            cfy_error *err)
{
    (void)x; (void)m; (void)e; (void)sigma; (void)l; (void)out; (void)n;
    return step_ops_no_cuda(err);
}
static inline cfy_status cfy_sampling_mask_blend_output_cuda(float *d, const float *m, const float *l, int64_t n,
                                                             cfy_error *err)
{
    (void)d; (void)m; (void)l; (void)n;
    return step_ops_no_cuda(err);
}
#endif

#endif

/* tiled_scale.h — ComfyUI's tiled_scale (model upscaling by overlapping tiles with feathered
 * blending) and the upscale_with_model wrapper (tile 512, overlap 32, halve on out-of-memory,
 * clamp), with the model call as a callback (spec segs-upscaler.md 4.6). */
#ifndef CFY_IMAGE_TILED_SCALE_H
#define CFY_IMAGE_TILED_SCALE_H

#include "comfyc/runtime.h"
#include "comfyc/tensor.h"

/* The model call. tile borrowed: f32 [1,C,h,w] NCHW, contiguous, on the input's device, valid for
 * the call. *out returns new: f32 [1,C_out,h',w'] NCHW (normally h' = h*s, w' = w*s) on any device.
 * Return CFY_ENOMEM when the tile did not fit (the wrapper then retries with smaller tiles). */
typedef cfy_status (*cfy_tile_model_fn)(void *user, const cfy_tensor *tile, cfy_tensor **out, cfy_error *err);

/* tiled_scale (newest ComfyUI): output roundHE(H*s) x roundHE(W*s) with out_channels channels.
 * An image that fits one tile (H <= tile_y and W <= tile_x) is passed whole, unblended. Otherwise
 * tile starts per axis are 0, T-V, 2(T-V), ... below n - V, clamped to n - V; each tile's output
 * is weighted by a separable ramp of roundHE(V*s) samples on every edge ((t+1)/F), accumulated,
 * and divided by the accumulated weights. Tiles are visited rows outer, columns inner.
 * image borrowed: f32 [B,C,H,W] NCHW, CPU or CUDA. out returns new f32 [B,out_channels,H',W'] on
 * the CPU (ComfyUI's output_device). Returns CFY_OK, CFY_EINVAL (shapes, tile <= overlap, a tile
 * output of the wrong size), CFY_ENOMEM, or the callback's error. */
CFY_API CFY_NODISCARD cfy_status cfy_image_tiled_scale(cfy_runtime *rt, const cfy_tensor *image, cfy_tile_model_fn fn,
                                                       void *user, int64_t tile_x, int64_t tile_y, int64_t overlap,
                                                       double upscale_amount, int64_t out_channels, cfy_tensor **out,
                                                       cfy_error *err);

/* Impact's upscale_with_model / ComfyUI's ImageUpscaleWithModel: IMAGE NHWC -> NCHW, tiled_scale
 * with tile 512 and overlap 32 (256 then 128 when the model or an allocation reports CFY_ENOMEM),
 * back to NHWC, clamped to [0, 1] after blending.
 * image borrowed: f32 [B,H,W,3]. scale: the model's integer scale. out returns new f32
 * [B,roundHE(H*s),roundHE(W*s),3] on the CPU. */
CFY_API CFY_NODISCARD cfy_status cfy_image_upscale_with_model(cfy_runtime *rt, const cfy_tensor *image,
                                                              cfy_tile_model_fn fn, void *user, double scale,
                                                              cfy_tensor **out, cfy_error *err);

#endif

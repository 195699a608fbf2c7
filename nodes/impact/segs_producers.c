/* segs_producers.c — Impact Pack nodes that build and inspect SEGS: ImpactMakeTileSEGS,
 * MaskToSEGS, EmptySegs, ImpactSEGSToMaskList, SegsToCombinedMask. */
#include <stdlib.h>

#include "comfyc/comfyc.h"
#include "image/mask_to_segs.h"
#include "image/segs.h"
#include "image/tile_segs.h"

#define IMPACT_MODULE "custom_nodes.ComfyUI-Impact-Pack"
#define MAX_RESOLUTION 16384

/* Output a SEGS list as output 0. segs takes. */
static cfy_status out_segs(cfy_node_ctx *ctx, cfy_segs *segs)
{
    cfy_value *v = cfy_value_new_segs(segs);
    if (!v) return cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
    return cfy_node_out(ctx, 0, v);
}

/* ---- ImpactMakeTileSEGS ---- */

static cfy_status make_tile_segs_run(cfy_node_ctx *ctx)
{
    const cfy_tensor *images;
    int64_t bbox_size, min_overlap, dilation;
    double crop_factor, irregularity;
    const char *mode_name;
    void *fin = NULL, *fout = NULL;
    cfy_status st;
    if ((st = cfy_node_in_tensor(ctx, "images", &images)) != CFY_OK) return st;
    if ((st = cfy_node_in_int(ctx, "bbox_size", &bbox_size)) != CFY_OK) return st;
    if ((st = cfy_node_in_float(ctx, "crop_factor", &crop_factor)) != CFY_OK) return st;
    if ((st = cfy_node_in_int(ctx, "min_overlap", &min_overlap)) != CFY_OK) return st;
    if ((st = cfy_node_in_int(ctx, "filter_segs_dilation", &dilation)) != CFY_OK) return st;
    if ((st = cfy_node_in_float(ctx, "mask_irregularity", &irregularity)) != CFY_OK) return st;
    if ((st = cfy_node_in_string(ctx, "irregular_mask_mode", &mode_name)) != CFY_OK) return st;
    if ((st = cfy_node_in_object(ctx, "filter_in_segs_opt", CFY_T_SEGS, &fin)) != CFY_OK) return st;
    if ((st = cfy_node_in_object(ctx, "filter_out_segs_opt", CFY_T_SEGS, &fout)) != CFY_OK) return st;
    if (images->ndim != 4)
        return cfy_node_fail(ctx, CFY_EINVAL, "images", "expected an IMAGE [B,H,W,C], got %d dims", images->ndim);
    cfy_tile_segs_opts o = {.bbox_size = bbox_size, .crop_factor = crop_factor, .min_overlap = min_overlap,
                            .filter_segs_dilation = dilation, .mask_irregularity = irregularity,
                            .filter_in = fin, .filter_out = fout, .seed = 0};
    if (cfy_irregular_mode_parse(mode_name, &o.irregular_mode, cfy_node_err(ctx)) != CFY_OK)
        return cfy_error_set_input(cfy_node_err(ctx), "irregular_mask_mode");
    cfy_segs *segs = NULL;
    if ((st = cfy_make_tile_segs(cfy_node_runtime(ctx), images->sizes[1], images->sizes[2], &o, &segs,
                                 cfy_node_err(ctx))) != CFY_OK)
        return st;
    return out_segs(ctx, segs);
}

static const char *const irregular_modes[] = {"Reuse fast", "Reuse quality", "All random fast",
                                              "All random quality", NULL};
static const cfy_input_def make_tile_segs_inputs[] = {
    {"images", CFY_T_IMAGE},
    {"bbox_size", CFY_T_INT, 0, .i = {512, 64, 4096, 8}},
    {"crop_factor", CFY_T_FLOAT, 0, .f = {3.0, 1.0, 10.0, 0.01, 0.01}},
    {"min_overlap", CFY_T_INT, 0, .i = {5, 0, 512, 1}},
    {"filter_segs_dilation", CFY_T_INT, 0, .i = {20, -255, 255, 1}},
    {"mask_irregularity", CFY_T_FLOAT, 0, .f = {0.0, 0.0, 1.0, 0.01, 0.01}},
    {"irregular_mask_mode", CFY_T_COMBO, .combo = irregular_modes},
    {"filter_in_segs_opt", CFY_T_SEGS, CFY_IN_OPTIONAL},
    {"filter_out_segs_opt", CFY_T_SEGS, CFY_IN_OPTIONAL},
    {NULL},
};
static const cfy_output_def segs_output[] = {{CFY_T_SEGS}, {NULL}};
static const cfy_node_def make_tile_segs = {
    .abi = CFY_ABI_VERSION, .class_type = "ImpactMakeTileSEGS", .display_name = "Make Tile SEGS",
    .category = "ImpactPack/__for_testing", .python_module = IMPACT_MODULE,
    .inputs = make_tile_segs_inputs, .outputs = segs_output, .run = make_tile_segs_run,
};

/* ---- MaskToSEGS ---- */

static cfy_status mask_to_segs_run(cfy_node_ctx *ctx)
{
    const cfy_tensor *mask;
    bool combined, bbox_fill, contour_fill = false;
    double crop_factor;
    int64_t drop_size;
    cfy_status st;
    if ((st = cfy_node_in_tensor(ctx, "mask", &mask)) != CFY_OK) return st;
    if ((st = cfy_node_in_bool(ctx, "combined", &combined)) != CFY_OK) return st;
    if ((st = cfy_node_in_float(ctx, "crop_factor", &crop_factor)) != CFY_OK) return st;
    if ((st = cfy_node_in_bool(ctx, "bbox_fill", &bbox_fill)) != CFY_OK) return st;
    if ((st = cfy_node_in_int(ctx, "drop_size", &drop_size)) != CFY_OK) return st;
    if (cfy_node_in(ctx, "contour_fill") && (st = cfy_node_in_bool(ctx, "contour_fill", &contour_fill)) != CFY_OK)
        return st;
    /* make_2d_mask: [1,1,H,W] -> [H,W], [1,B,H,W] -> [B,H,W] (squeeze(0) twice), [1,H,W] -> [H,W];
     * a real batch stays [B,H,W] */
    cfy_tensor *m = NULL;
    int64_t sizes[3];
    int nd = 0;
    if (mask->ndim == 4 && mask->sizes[0] == 1) {
        if (mask->sizes[1] != 1) sizes[nd++] = mask->sizes[1];
        sizes[nd++] = mask->sizes[2];
        sizes[nd++] = mask->sizes[3];
    } else if (mask->ndim == 3 && mask->sizes[0] == 1) {
        sizes[nd++] = mask->sizes[1];
        sizes[nd++] = mask->sizes[2];
    } else if (mask->ndim != 2 && mask->ndim != 3) {
        return cfy_node_fail(ctx, CFY_EINVAL, "mask", "expected a MASK [B,H,W] or [H,W], got %d dims", mask->ndim);
    }
    if (nd) {
        cfy_tensor *c = NULL;
        if ((st = cfy_tensor_contiguous(mask, &c, cfy_node_err(ctx))) != CFY_OK) return st;
        st = cfy_tensor_reshape(c, nd, sizes, &m, cfy_node_err(ctx));
        cfy_tensor_release(c);
        if (st != CFY_OK) return st;
    } else {
        m = cfy_tensor_retain((cfy_tensor *)mask);
    }
    cfy_mask_to_segs_opts o = {.combined = combined, .crop_factor = crop_factor, .bbox_fill = bbox_fill,
                               .drop_size = drop_size, .label = "A", .crop_min_size = -1,
                               .contour_fill = contour_fill};
    cfy_segs *segs = NULL;
    st = cfy_mask_to_segs(m, &o, &segs, cfy_node_err(ctx));
    cfy_tensor_release(m);
    if (st != CFY_OK) return cfy_error_set_input(cfy_node_err(ctx), "mask");
    return out_segs(ctx, segs);
}

static const cfy_input_def mask_to_segs_inputs[] = {
    {"mask", CFY_T_MASK},
    {"combined", CFY_T_BOOLEAN, 0, .b_def = false, .label_on = "True", .label_off = "False"},
    {"crop_factor", CFY_T_FLOAT, 0, .f = {3.0, 1.0, 100.0, 0.1, 0.01}},
    {"bbox_fill", CFY_T_BOOLEAN, 0, .b_def = false, .label_on = "enabled", .label_off = "disabled"},
    {"drop_size", CFY_T_INT, 0, .i = {10, 1, MAX_RESOLUTION, 1}},
    {"contour_fill", CFY_T_BOOLEAN, 0, .b_def = false, .label_on = "enabled", .label_off = "disabled"},
    {NULL},
};
static const cfy_node_def mask_to_segs = {
    .abi = CFY_ABI_VERSION, .class_type = "MaskToSEGS", .display_name = "MASK to SEGS",
    .category = "ImpactPack/Operation", .python_module = IMPACT_MODULE,
    .inputs = mask_to_segs_inputs, .outputs = segs_output, .run = mask_to_segs_run,
};

/* ---- EmptySegs ---- */

static cfy_status empty_segs_run(cfy_node_ctx *ctx)
{
    cfy_segs *segs = NULL;
    cfy_status st = cfy_segs_create(0, 0, &segs, cfy_node_err(ctx));
    if (st != CFY_OK) return st;
    return out_segs(ctx, segs);
}

static const cfy_input_def no_inputs[] = {{NULL}};
static const cfy_node_def empty_segs = {
    .abi = CFY_ABI_VERSION, .class_type = "EmptySegs", .display_name = "EmptySegs",
    .category = "ImpactPack/Util", .python_module = IMPACT_MODULE,
    .inputs = no_inputs, .outputs = segs_output, .run = empty_segs_run,
};

/* ---- ImpactSEGSToMaskList ---- */

static cfy_status segs_to_mask_list_run(cfy_node_ctx *ctx)
{
    void *obj;
    cfy_status st = cfy_node_in_object(ctx, "segs", CFY_T_SEGS, &obj);
    if (st != CFY_OK) return st;
    cfy_tensor **masks = NULL;
    int n = 0;
    if ((st = cfy_segs_mask_list(obj, &masks, &n, cfy_node_err(ctx))) != CFY_OK)
        return cfy_error_set_input(cfy_node_err(ctx), "segs");
    int i = 0;
    for (; i < n && st == CFY_OK; i++) st = cfy_node_out(ctx, 0, cfy_value_new_tensor(CFY_T_MASK, masks[i]));
    for (; i < n; i++) cfy_tensor_release(masks[i]);
    free(masks);
    return st;
}

static const cfy_input_def segs_input[] = {{"segs", CFY_T_SEGS}, {NULL}};
static const cfy_output_def mask_list_output[] = {{CFY_T_MASK, NULL, true}, {NULL}};
static const cfy_node_def segs_to_mask_list = {
    .abi = CFY_ABI_VERSION, .class_type = "ImpactSEGSToMaskList", .display_name = "SEGS to Mask List",
    .category = "ImpactPack/Util", .python_module = IMPACT_MODULE,
    .inputs = segs_input, .outputs = mask_list_output, .run = segs_to_mask_list_run,
};

/* ---- SegsToCombinedMask ---- */

static cfy_status segs_to_combined_mask_run(cfy_node_ctx *ctx)
{
    void *obj;
    cfy_status st = cfy_node_in_object(ctx, "segs", CFY_T_SEGS, &obj);
    if (st != CFY_OK) return st;
    cfy_tensor *m = NULL, *m3 = NULL;
    if ((st = cfy_segs_combined_mask(obj, &m, cfy_node_err(ctx))) != CFY_OK)
        return cfy_error_set_input(cfy_node_err(ctx), "segs");
    int64_t sizes[3] = {1, m->sizes[0], m->sizes[1]}; /* make_3d_mask */
    st = cfy_tensor_reshape(m, 3, sizes, &m3, cfy_node_err(ctx));
    cfy_tensor_release(m);
    if (st != CFY_OK) return st;
    return cfy_node_out(ctx, 0, cfy_value_new_tensor(CFY_T_MASK, m3));
}

static const cfy_output_def mask_output[] = {{CFY_T_MASK}, {NULL}};
static const cfy_node_def segs_to_combined_mask = {
    .abi = CFY_ABI_VERSION, .class_type = "SegsToCombinedMask", .display_name = "SEGS to MASK (combined)",
    .category = "ImpactPack/Operation", .python_module = IMPACT_MODULE,
    .inputs = segs_input, .outputs = mask_output, .run = segs_to_combined_mask_run,
};

static const cfy_node_def *const segs_producer_nodes[] = {
    &make_tile_segs, &mask_to_segs, &empty_segs, &segs_to_mask_list, &segs_to_combined_mask, NULL,
};

cfy_status cfy_nodes_impact_segs_producers_register(cfy_registry *reg, cfy_error *err)
{
    return cfy_registry_add_all(reg, segs_producer_nodes, err);
}

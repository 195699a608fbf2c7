/* test_ui_convert.c — UI (litegraph) workflow → API prompt conversion against hand-derived prompts.
 *
 * The runtime starts without built-in nodes; this file registers test-only definitions that
 * follow the spec's reference definitions (§3.5) plus a few synthetic nodes for the widget
 * rules (forceInput migration, explicit control flags, list values, bypass slot choice).
 * Each tests/data/ui/NAME.json is converted at a fixed local time (2025-01-31 12:34:56) and
 * compared key-order-insensitively with tests/data/ui/NAME.api.json, written by hand from the
 * spec rules. */
#include <time.h>

#include <cjson/cJSON.h>

#include "graph/json.h"
#include "graph/ui_convert.h"
#include "graph/ui_convert_internal.h"
#include "harness.h"

/* ================================ test definitions ================================ */

static cfy_status dummy_run(cfy_node_ctx *ctx)
{
    (void)ctx;
    return CFY_OK;
}

static const char *const methods[] = {"nearest-exact", "bilinear", "area", "bicubic", "lanczos", NULL};
static const char *const crops[] = {"disabled", "center", NULL};
static const char *const samplers[] = {"euler", "euler_ancestral", "dpmpp_2m", NULL};
static const char *const schedulers[] = {"normal", "karras", "simple", NULL};
static const char *const enable_disable[] = {"enable", "disable", NULL};
static const char *const disable_enable[] = {"disable", "enable", NULL};
static const char *const channels[] = {"alpha", "red", "green", "blue", NULL};
static const char *const ckpts[] = {"v1-5-pruned-emaonly.safetensors", "sd15.safetensors", NULL};
static const char *const loras[] = {"style.safetensors", NULL};
static const char *const images[] = {"photo.png", "input/cat.png", "mask.png", NULL};
static const char *const abc[] = {"a", "b", "c", NULL};

#define INT_IN(nm, d, lo, hi, fl) {nm, "INT", (fl), .i = {d, lo, hi, 1}}
#define FLOAT_IN(nm, d, lo, hi, fl) {nm, "FLOAT", (fl), .f = {d, lo, hi, 0.01, 0.01}}

static const cfy_output_def out_model_clip_vae[] = {{"MODEL"}, {"CLIP"}, {"VAE"}, {NULL}};
static const cfy_output_def out_model_clip[] = {{"MODEL"}, {"CLIP"}, {NULL}};
static const cfy_output_def out_cond[] = {{"CONDITIONING"}, {NULL}};
static const cfy_output_def out_latent[] = {{"LATENT"}, {NULL}};
static const cfy_output_def out_image[] = {{"IMAGE"}, {NULL}};
static const cfy_output_def out_image_mask[] = {{"IMAGE"}, {"MASK"}, {NULL}};
static const cfy_output_def out_mask[] = {{"MASK"}, {NULL}};
static const cfy_output_def out_float[] = {{"FLOAT"}, {NULL}};
static const cfy_output_def out_none[] = {{NULL}};

static const cfy_input_def ckpt_in[] = {{"ckpt_name", "COMBO", .combo = ckpts}, {NULL}};
static const cfy_input_def lora_in[] = {{"model", "MODEL"},
                                        {"clip", "CLIP"},
                                        {"lora_name", "COMBO", .combo = loras},
                                        FLOAT_IN("strength_model", 1.0, -100, 100, 0),
                                        FLOAT_IN("strength_clip", 1.0, -100, 100, 0),
                                        {NULL}};
static const cfy_input_def clip_text_in[] = {
    {"text", "STRING", CFY_IN_MULTILINE | CFY_IN_DYNAMIC_PROMPTS}, {"clip", "CLIP"}, {NULL}};
static const cfy_input_def empty_latent_in[] = {INT_IN("width", 512, 16, 16384, 0),
                                                INT_IN("height", 512, 16, 16384, 0),
                                                INT_IN("batch_size", 1, 1, 4096, 0),
                                                {NULL}};
/* seed without an explicit flag: the phantom comes from the seed/noise_seed name rule */
static const cfy_input_def ksampler_in[] = {{"model", "MODEL"},
                                            INT_IN("seed", 0, 0, 0, CFY_IN_UINT64),
                                            INT_IN("steps", 20, 1, 10000, 0),
                                            FLOAT_IN("cfg", 8.0, 0, 100, 0),
                                            {"sampler_name", "COMBO", .combo = samplers},
                                            {"scheduler", "COMBO", .combo = schedulers},
                                            {"positive", "CONDITIONING"},
                                            {"negative", "CONDITIONING"},
                                            {"latent_image", "LATENT"},
                                            FLOAT_IN("denoise", 1.0, 0, 1, 0),
                                            {NULL}};
static const cfy_input_def ksampler_adv_in[] = {{"model", "MODEL"},
                                                {"add_noise", "COMBO", .combo = enable_disable},
                                                INT_IN("noise_seed", 0, 0, 0, CFY_IN_UINT64),
                                                INT_IN("steps", 20, 1, 10000, 0),
                                                FLOAT_IN("cfg", 8.0, 0, 100, 0),
                                                {"sampler_name", "COMBO", .combo = samplers},
                                                {"scheduler", "COMBO", .combo = schedulers},
                                                {"positive", "CONDITIONING"},
                                                {"negative", "CONDITIONING"},
                                                {"latent_image", "LATENT"},
                                                INT_IN("start_at_step", 0, 0, 10000, 0),
                                                INT_IN("end_at_step", 10000, 0, 10000, 0),
                                                {"return_with_leftover_noise", "COMBO", .combo = disable_enable},
                                                {NULL}};
static const cfy_input_def vae_decode_in[] = {{"samples", "LATENT"}, {"vae", "VAE"}, {NULL}};
static const cfy_input_def save_in[] = {{"images", "IMAGE"},
                                        {"filename_prefix", "STRING", .s_def = "ComfyUI"},
                                        {"prompt", "PROMPT", CFY_IN_HIDDEN},
                                        {"extra_pnginfo", "EXTRA_PNGINFO", CFY_IN_HIDDEN},
                                        {NULL}};
static const cfy_input_def preview_in[] = {{"images", "IMAGE"},
                                           {"prompt", "PROMPT", CFY_IN_HIDDEN},
                                           {"extra_pnginfo", "EXTRA_PNGINFO", CFY_IN_HIDDEN},
                                           {NULL}};
static const cfy_input_def load_image_in[] = {{"image", "COMBO", CFY_IN_IMAGE_UPLOAD, .combo = images}, {NULL}};
static const cfy_input_def load_mask_in[] = {
    {"image", "COMBO", CFY_IN_IMAGE_UPLOAD, .combo = images}, {"channel", "COMBO", .combo = channels}, {NULL}};
static const cfy_input_def image_scale_in[] = {{"image", "IMAGE"},
                                               {"upscale_method", "COMBO", .combo = methods},
                                               INT_IN("width", 512, 0, 16384, 0),
                                               INT_IN("height", 512, 0, 16384, 0),
                                               {"crop", "COMBO", .combo = crops},
                                               {NULL}};
static const cfy_input_def image_scale_by_in[] = {
    {"image", "IMAGE"}, {"upscale_method", "COMBO", .combo = methods}, FLOAT_IN("scale_by", 1.0, 0.01, 8.0, 0), {NULL}};
static const cfy_input_def latent_scale_by_in[] = {{"samples", "LATENT"},
                                                   {"upscale_method", "COMBO", .combo = methods},
                                                   FLOAT_IN("scale_by", 1.5, 0.01, 8.0, 0),
                                                   {NULL}};
static const cfy_input_def image_in[] = {{"image", "IMAGE"}, {NULL}};
/* synthetic nodes */
static const cfy_input_def test_mix_in[] = {{"a", "MASK"}, {"b", "IMAGE"}, {NULL}};
static const cfy_input_def test_any_in[] = {{"x", "MASK"}, {"y", "*"}, {"z", "LATENT"}, {NULL}};
static const cfy_input_def test_float_in[] = {FLOAT_IN("value", 0, -100, 100, 0), {NULL}};
static const cfy_input_def test_force_in[] = {{"image", "IMAGE"},
                                              FLOAT_IN("strength", 1.0, 0, 10, CFY_IN_FORCE_INPUT),
                                              INT_IN("steps", 10, 1, 100, 0),
                                              {"label", "STRING"},
                                              {"extra", "BOOLEAN", CFY_IN_OPTIONAL},
                                              {NULL}};
static const cfy_input_def test_controls_in[] = {INT_IN("value", 0, 0, 100, CFY_IN_CONTROL_AFTER_GENERATE),
                                                 {"choice", "COMBO", CFY_IN_CONTROL_AFTER_GENERATE, .combo = abc},
                                                 FLOAT_IN("amount", 0, 0, 10, CFY_IN_CONTROL_AFTER_GENERATE),
                                                 INT_IN("seed", 0, 0, 1000, CFY_IN_NO_CONTROL),
                                                 {NULL}};
static const cfy_input_def test_list_in[] = {{"items", "STRING"}, {NULL}};
/* optional widgets come after required ones whatever their position in the table */
static const cfy_input_def test_order_in[] = {
    {"opt", "INT", CFY_IN_OPTIONAL}, {"req", "STRING"}, {"hidden_id", "UNIQUE_ID", CFY_IN_HIDDEN}, {NULL}};

#define DEF(var, cls, disp, ins, outs, fl)                                                                             \
    static const cfy_node_def var = {.abi = CFY_ABI_VERSION,                                                           \
                                     .class_type = cls,                                                                \
                                     .display_name = disp,                                                             \
                                     .inputs = ins,                                                                    \
                                     .outputs = outs,                                                                  \
                                     .flags = fl,                                                                      \
                                     .run = dummy_run}
DEF(d_ckpt, "CheckpointLoaderSimple", "Load Checkpoint", ckpt_in, out_model_clip_vae, 0);
DEF(d_lora, "LoraLoader", "Load LoRA", lora_in, out_model_clip, 0);
DEF(d_clip_text, "CLIPTextEncode", "CLIP Text Encode (Prompt)", clip_text_in, out_cond, 0);
DEF(d_empty_latent, "EmptyLatentImage", "Empty Latent Image", empty_latent_in, out_latent, 0);
DEF(d_ksampler, "KSampler", "KSampler", ksampler_in, out_latent, 0);
DEF(d_ksampler_adv, "KSamplerAdvanced", "KSampler (Advanced)", ksampler_adv_in, out_latent, 0);
DEF(d_vae_decode, "VAEDecode", "VAE Decode", vae_decode_in, out_image, 0);
DEF(d_save, "SaveImage", "Save Image", save_in, out_none, CFY_NODE_OUTPUT);
DEF(d_preview, "PreviewImage", "Preview Image", preview_in, out_none, CFY_NODE_OUTPUT);
DEF(d_load_image, "LoadImage", "Load Image", load_image_in, out_image_mask, 0);
DEF(d_load_mask, "LoadImageMask", "Load Image (as Mask)", load_mask_in, out_mask, 0);
DEF(d_image_scale, "ImageScale", "Upscale Image", image_scale_in, out_image, 0);
DEF(d_image_scale_by, "ImageScaleBy", "Upscale Image By", image_scale_by_in, out_image, 0);
DEF(d_latent_scale_by, "LatentUpscaleBy", "Upscale Latent By", latent_scale_by_in, out_latent, 0);
DEF(d_invert, "ImageInvert", "Invert Image", image_in, out_image, 0);
DEF(d_test_mix, "TestMix", "Test Mix", test_mix_in, out_image, 0);
DEF(d_test_any, "TestAny", "Test Any", test_any_in, out_image, 0);
DEF(d_test_float, "TestFloat", "Test Float", test_float_in, out_float, 0);
DEF(d_test_force, "TestForce", "Test Force", test_force_in, out_image, 0);
DEF(d_test_controls, "TestControls", "Test Controls", test_controls_in, out_none, CFY_NODE_OUTPUT);
DEF(d_test_list, "TestList", "Test List", test_list_in, out_none, CFY_NODE_OUTPUT);
DEF(d_test_order, "TestOrder", NULL, test_order_in, out_none, CFY_NODE_OUTPUT);

static const cfy_node_def *const test_defs[] = {
    &d_ckpt,       &d_lora,     &d_clip_text,  &d_empty_latent, &d_ksampler,    &d_ksampler_adv,   &d_vae_decode,
    &d_save,       &d_preview,  &d_load_image, &d_load_mask,    &d_image_scale, &d_image_scale_by, &d_latent_scale_by,
    &d_invert,     &d_test_mix, &d_test_any,   &d_test_float,   &d_test_force,  &d_test_controls,  &d_test_list,
    &d_test_order, NULL};

/* ================================ helpers ================================ */

static cfy_runtime *new_runtime(void)
{
    cfy_runtime_options opts;
    cfy_runtime_options_init(&opts);
    opts.no_builtin_nodes = true;
    cfy_runtime *rt = NULL;
    cfy_error err = {0};
    CHECK_ST(cfy_runtime_create(&opts, &rt, &err), &err);
    if (!rt) return NULL;
    CHECK_ST(cfy_registry_add_all(cfy_runtime_registry(rt), test_defs, &err), &err);
    return rt;
}

static const struct tm fixed_now = {
    .tm_year = 2025 - 1900, .tm_mon = 0, .tm_mday = 31, .tm_hour = 12, .tm_min = 34, .tm_sec = 56};

static cJSON *read_json(const char *rel)
{
    char path[1024];
    cfy_test_src_path(path, sizeof path, rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = buf ? fread(buf, 1, (size_t)n, f) : 0;
    fclose(f);
    if (!buf) return NULL;
    buf[got] = '\0';
    cJSON *j = cJSON_Parse(buf);
    if (!j) fprintf(stderr, "%s: JSON syntax error\n", path);
    free(buf);
    return j;
}

static cfy_status convert_text(cfy_runtime *rt, const char *ui_text, cJSON **api, cfy_error *err)
{
    cJSON *ui = cJSON_Parse(ui_text);
    if (!ui) {
        fprintf(stderr, "test JSON does not parse: %s\n", ui_text);
        *api = NULL;
        return CFY_EPARSE;
    }
    cfy_status st = cfy_ui_to_api_at(rt, ui, &fixed_now, api, err);
    cJSON_Delete(ui);
    return st;
}

/* Print where two prompts differ (node by node) and return whether they are equal. */
static int same_prompt(const char *what, const cJSON *got, const cJSON *want)
{
    if (cJSON_Compare(got, want, true)) return 1;
    const cJSON *n;
    cJSON_ArrayForEach(n, want)
    {
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(got, n->string);
        if (!g || !cJSON_Compare(g, n, true)) {
            char *a = g ? cJSON_PrintUnformatted(g) : NULL, *b = cJSON_PrintUnformatted(n);
            fprintf(stderr, "%s: node %s differs\n  got:  %s\n  want: %s\n", what, n->string, a ? a : "(absent)",
                    b ? b : "?");
            free(a);
            free(b);
        }
    }
    cJSON_ArrayForEach(n, got)
    {
        if (!cJSON_GetObjectItemCaseSensitive(want, n->string))
            fprintf(stderr, "%s: unexpected node %s\n", what, n->string);
    }
    return 0;
}

static void check_fixture(const char *name)
{
    char ui_rel[256], api_rel[256];
    snprintf(ui_rel, sizeof ui_rel, "tests/data/ui/%s.json", name);
    snprintf(api_rel, sizeof api_rel, "tests/data/ui/%s.api.json", name);
    cfy_runtime *rt = new_runtime();
    cJSON *ui = read_json(ui_rel), *want = read_json(api_rel), *got = NULL;
    CHECK(rt && ui && want);
    if (rt && ui && want) {
        CHECK(cfy_is_ui_workflow(ui));
        CHECK(!cfy_is_ui_workflow(want));
        cfy_error err = {0};
        CHECK_ST(cfy_ui_to_api_at(rt, ui, &fixed_now, &got, &err), &err);
        if (got) CHECK(same_prompt(name, got, want));
    }
    cJSON_Delete(got);
    cJSON_Delete(ui);
    cJSON_Delete(want);
    cfy_runtime_destroy(rt);
}

/* ================================ fixtures ================================ */

/* §8.1: upload phantom, combo + float widgets, %date:yyyyMMdd%, muted PreviewImage. */
static void test_spec_example_a(void)
{
    check_fixture("spec_a");
}
/* §8.2: PrimitiveNode seed, seed phantom, Reroute, bypassed LoraLoader (same-index rule), title. */
static void test_spec_example_b(void)
{
    check_fixture("spec_b");
}
/* Version-1 object links, chained Reroutes, converted widget fed by a PrimitiveNode, bypass rules
 * (b) and (c), muted sources (post-pass deletes a widget-backed input entirely), Note and
 * MarkdownNote, mode 3, %date:...% and %Node.widget% in a Save prefix, native reroutes ignored. */
static void test_txt2img_v1(void)
{
    check_fixture("txt2img_v1");
}
/* Legacy 0.4 file: LoadImage / LoadImageMask upload phantoms, converted widgets with the old
 * widget.config form, forceInput migration, explicit INT/COMBO/FLOAT control flags and NO_CONTROL,
 * object-form widgets_values, list value wrapping, bypass rule (d), numeric-string slots, null
 * link entries, PrimitiveNode with "Run widget replace on values", title lookup, the '.' quirk
 * of %date:yy.M.d%, unknown %tokens% kept. */
static void test_img2img_legacy(void)
{
    check_fixture("img2img_legacy");
}
/* Subgraph flattening: two instances of one definition, "instance:inner" ids, links across the
 * -10 / -20 boundary nodes, muted inner node, %Title.widget% found inside a subgraph. */
static void test_subgraph(void)
{
    check_fixture("subgraph");
}

/* ================================ single rules ================================ */

static void test_required_then_optional(void)
{
    cfy_runtime *rt = new_runtime();
    cJSON *api = NULL;
    cfy_error err = {0};
    CHECK_ST(convert_text(rt,
                          "{\"nodes\":[{\"id\":1,\"type\":\"TestOrder\",\"mode\":0,\"widgets_values\":[\"r\",7]}],"
                          "\"links\":[],\"version\":0.4}",
                          &api, &err),
             &err);
    cJSON *want = cJSON_Parse("{\"1\":{\"inputs\":{\"req\":\"r\",\"opt\":7},\"class_type\":\"TestOrder\","
                              "\"_meta\":{\"title\":\"TestOrder\"}}}");
    CHECK(api && same_prompt("order", api, want));
    cJSON_Delete(want);
    cJSON_Delete(api);
    cfy_runtime_destroy(rt);
}

static void test_big_seed_copied_raw(void)
{
    cfy_runtime *rt = new_runtime();
    cJSON *ui = cJSON_Parse(
        "{\"nodes\":[{\"id\":3,\"type\":\"KSampler\",\"mode\":0,"
        "\"widgets_values\":[0,\"fixed\",20,8,\"euler\",\"normal\",1]},"
        "{\"id\":4,\"type\":\"PrimitiveNode\",\"mode\":0,"
        "\"outputs\":[{\"name\":\"INT\",\"type\":\"INT\",\"widget\":{\"name\":\"noise_seed\"},\"links\":[1]}],"
        "\"widgets_values\":[0,\"fixed\"]},"
        "{\"id\":5,\"type\":\"KSamplerAdvanced\",\"mode\":0,"
        "\"inputs\":[{\"name\":\"noise_seed\",\"type\":\"INT\",\"widget\":{\"name\":\"noise_seed\"},\"link\":1}],"
        "\"widgets_values\":[\"enable\",1,\"fixed\",20,8,\"euler\",\"normal\",0,10000,\"disable\"]}],"
        "\"links\":[[1,4,0,5,0,\"INT\"]],\"version\":0.4}");
    CHECK(ui);
    if (!ui) return;
    /* what json.c produces for integers above 2^53 */
    cJSON *wv = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(ui, "nodes"), 0), "widgets_values");
    cJSON_ReplaceItemInArray(wv, 0, cJSON_CreateRaw("18446744073709551615"));
    wv = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(ui, "nodes"), 1), "widgets_values");
    cJSON_ReplaceItemInArray(wv, 0, cJSON_CreateRaw("9007199254740993"));
    cJSON *api = NULL;
    cfy_error err = {0};
    CHECK_ST(cfy_ui_to_api_at(rt, ui, &fixed_now, &api, &err), &err);
    const cJSON *seed = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(api, "3"), "inputs"), "seed");
    CHECK(cJSON_IsRaw(seed) && strcmp(seed->valuestring, "18446744073709551615") == 0);
    const cJSON *steps = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(api, "3"), "inputs"), "steps");
    CHECK(cJSON_IsNumber(steps) && steps->valuedouble == 20);
    const cJSON *ns = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(api, "5"), "inputs"), "noise_seed");
    CHECK(cJSON_IsRaw(ns) && strcmp(ns->valuestring, "9007199254740993") == 0);
    cJSON_Delete(api);
    cJSON_Delete(ui);
    cfy_runtime_destroy(rt);
}

static void test_unknown_type_without_widgets(void)
{
    cfy_runtime *rt = new_runtime();
    cJSON *api = NULL;
    cfy_error err = {0};
    CHECK_ST(
        convert_text(
            rt,
            "{\"nodes\":[{\"id\":1,\"type\":\"LoadImage\",\"mode\":0,\"widgets_values\":[\"photo.png\",\"image\"]},"
            "{\"id\":2,\"type\":\"SomeCustomNode\",\"mode\":0,"
            "\"inputs\":[{\"name\":\"pixels\",\"type\":\"IMAGE\",\"link\":1}],\"widgets_values\":[]}],"
            "\"links\":[[1,1,0,2,0,\"IMAGE\"]],\"version\":0.4}",
            &api, &err),
        &err);
    cJSON *want = cJSON_Parse("{\"1\":{\"inputs\":{\"image\":\"photo.png\"},\"class_type\":\"LoadImage\","
                              "\"_meta\":{\"title\":\"Load Image\"}},"
                              "\"2\":{\"inputs\":{\"pixels\":[\"1\",0]},\"class_type\":\"SomeCustomNode\","
                              "\"_meta\":{\"title\":\"SomeCustomNode\"}}}");
    CHECK(api && same_prompt("unknown-no-widgets", api, want));
    cJSON_Delete(want);
    cJSON_Delete(api);
    cfy_runtime_destroy(rt);
}

/* A muted or bypassed node with a stale widget list is not refused: it emits nothing. */
static void test_bypassed_node_with_bad_widgets_is_fine(void)
{
    cfy_runtime *rt = new_runtime();
    cJSON *api = NULL;
    cfy_error err = {0};
    CHECK_ST(convert_text(rt,
                          "{\"nodes\":[{\"id\":1,\"type\":\"ImageScaleBy\",\"mode\":4,\"widgets_values\":[\"area\"]},"
                          "{\"id\":2,\"type\":\"ImageScaleBy\",\"mode\":2,\"widgets_values\":[]}],"
                          "\"links\":[],\"version\":0.4}",
                          &api, &err),
             &err);
    CHECK(api && cJSON_GetArraySize(api) == 0);
    cJSON_Delete(api);
    cfy_runtime_destroy(rt);
}

/* Bypass slot choice (§2.6): (a) a "*" consumer takes the same index; no compatible input at
 * all leaves the input unresolved (the widget value stays, a socket input is omitted). */
static void test_bypass_rules(void)
{
    cfy_runtime *rt = new_runtime();
    cJSON *api = NULL;
    cfy_error err = {0};
    CHECK_ST(
        convert_text(
            rt,
            "{\"nodes\":["
            "{\"id\":1,\"type\":\"CheckpointLoaderSimple\",\"mode\":0,\"widgets_values\":[\"sd15.safetensors\"]},"
            "{\"id\":2,\"type\":\"LoraLoader\",\"mode\":4,"
            "\"inputs\":[{\"name\":\"model\",\"type\":\"MODEL\",\"link\":1},{\"name\":\"clip\",\"type\":\"CLIP\","
            "\"link\":2}],"
            "\"outputs\":[{\"name\":\"MODEL\",\"type\":\"MODEL\",\"links\":[]},{\"name\":\"CLIP\",\"type\":\"CLIP\","
            "\"links\":[3]}],"
            "\"widgets_values\":[\"style.safetensors\",1,1]},"
            "{\"id\":3,\"type\":\"TestAny\",\"mode\":0,"
            "\"inputs\":[{\"name\":\"y\",\"type\":\"*\",\"link\":3},{\"name\":\"z\",\"type\":\"LATENT\",\"link\":5}]},"
            "{\"id\":4,\"type\":\"TestMix\",\"mode\":4,"
            "\"inputs\":[{\"name\":\"a\",\"type\":\"MASK\",\"link\":null},{\"name\":\"b\",\"type\":\"IMAGE\",\"link\":"
            "null}],"
            "\"outputs\":[{\"name\":\"IMAGE\",\"type\":\"IMAGE\",\"links\":[5,6]}]},"
            "{\"id\":5,\"type\":\"ImageScaleBy\",\"mode\":0,"
            "\"inputs\":[{\"name\":\"image\",\"type\":\"IMAGE\",\"link\":6}],\"widgets_values\":[\"area\",2]}],"
            "\"links\":[[1,1,0,2,0,\"MODEL\"],[2,1,1,2,1,\"CLIP\"],[3,2,1,3,0,\"*\"],[5,4,0,3,1,\"LATENT\"],"
            "[6,4,0,5,0,\"IMAGE\"]],\"version\":0.4}",
            &api, &err),
        &err);
    cJSON *want = cJSON_Parse(
        "{\"1\":{\"inputs\":{\"ckpt_name\":\"sd15.safetensors\"},\"class_type\":\"CheckpointLoaderSimple\","
        "\"_meta\":{\"title\":\"Load Checkpoint\"}},"
        "\"3\":{\"inputs\":{\"y\":[\"1\",1]},\"class_type\":\"TestAny\",\"_meta\":{\"title\":\"Test Any\"}},"
        "\"5\":{\"inputs\":{\"upscale_method\":\"area\",\"scale_by\":2},\"class_type\":\"ImageScaleBy\","
        "\"_meta\":{\"title\":\"Upscale Image By\"}}}");
    CHECK(api && same_prompt("bypass", api, want));
    cJSON_Delete(want);
    cJSON_Delete(api);
    cfy_runtime_destroy(rt);
}

/* The same through the project's JSON parser, which keeps integers above 2^53 as raw items. */
static void test_big_seed_via_json_parser(void)
{
    const char *text = "{\"nodes\":[{\"id\":3,\"type\":\"KSampler\",\"mode\":0,"
                       "\"widgets_values\":[18446744073709551615,\"randomize\",20,8.0,\"euler\",\"normal\",1]}],"
                       "\"links\":[],\"version\":0.4}";
    cfy_runtime *rt = new_runtime();
    cJSON *ui = NULL, *api = NULL;
    cfy_error err = {0};
    CHECK_ST(cfy_json_parse(text, strlen(text), "big.json", &ui, &err), &err);
    if (ui) CHECK_ST(cfy_ui_to_api_at(rt, ui, &fixed_now, &api, &err), &err);
    const cJSON *in = cJSON_GetObjectItem(cJSON_GetObjectItem(api, "3"), "inputs");
    char *seed = cJSON_PrintUnformatted(cJSON_GetObjectItem(in, "seed"));
    CHECK(seed && strcmp(seed, "18446744073709551615") == 0);
    CHECK(cJSON_GetArraySize(in) == 6);
    free(seed);
    cJSON_Delete(api);
    cJSON_Delete(ui);
    cfy_runtime_destroy(rt);
}

/* ================================ errors ================================ */

static void expect_error(const char *what, const char *ui_text, cfy_status code, const char *node_id,
                         const char *class_type, const char *input)
{
    cfy_runtime *rt = new_runtime();
    cJSON *api = (cJSON *)1;
    cfy_error err = {0};
    cfy_status st = convert_text(rt, ui_text, &api, &err);
    CHECK(st == code);
    CHECK(api == NULL);
    if (node_id) CHECK(strcmp(err.node_id, node_id) == 0);
    if (class_type) CHECK(strcmp(err.class_type, class_type) == 0);
    if (input) CHECK(strcmp(err.input, input) == 0);
    if (st != code || (node_id && strcmp(err.node_id, node_id) != 0))
        fprintf(stderr, "%s: got %s node '%s' class '%s' input '%s': %s\n", what, cfy_status_name(st), err.node_id,
                err.class_type, err.input, err.message);
    cfy_runtime_destroy(rt);
}

static void test_error_widget_count(void)
{
    /* KSampler without its seed control value: 6 values, 7 expected */
    expect_error("widget count",
                 "{\"nodes\":[{\"id\":3,\"type\":\"KSampler\",\"mode\":0,"
                 "\"widgets_values\":[42,20,8,\"euler\",\"normal\",1]}],\"links\":[],\"version\":0.4}",
                 CFY_EINVAL, "3", "KSampler", "");
    /* too many values for LoadImage */
    expect_error("widget count 2",
                 "{\"nodes\":[{\"id\":9,\"type\":\"LoadImage\",\"mode\":0,"
                 "\"widgets_values\":[\"a.png\",\"image\",\"extra\"]}],\"links\":[],\"version\":0.4}",
                 CFY_EINVAL, "9", "LoadImage", NULL);
    /* missing widgets_values on a node that has widgets */
    expect_error("widget count 3", "{\"nodes\":[{\"id\":4,\"type\":\"ImageScaleBy\",\"mode\":0}],\"links\":[]}",
                 CFY_EINVAL, "4", "ImageScaleBy", NULL);
}

static void test_error_missing_source_node(void)
{
    expect_error("missing node",
                 "{\"nodes\":[{\"id\":2,\"type\":\"ImageInvert\",\"mode\":0,"
                 "\"inputs\":[{\"name\":\"image\",\"type\":\"IMAGE\",\"link\":7}]}],"
                 "\"links\":[[7,99,0,2,0,\"IMAGE\"]],\"version\":0.4}",
                 CFY_EINVAL, "2", "ImageInvert", "image");
}

static void test_error_reroute_cycle(void)
{
    expect_error("reroute cycle",
                 "{\"nodes\":["
                 "{\"id\":1,\"type\":\"Reroute\",\"mode\":0,\"inputs\":[{\"name\":\"\",\"type\":\"*\",\"link\":2}],"
                 "\"outputs\":[{\"name\":\"\",\"type\":\"IMAGE\",\"links\":[1,3]}]},"
                 "{\"id\":2,\"type\":\"Reroute\",\"mode\":0,\"inputs\":[{\"name\":\"\",\"type\":\"*\",\"link\":1}],"
                 "\"outputs\":[{\"name\":\"\",\"type\":\"IMAGE\",\"links\":[2]}]},"
                 "{\"id\":3,\"type\":\"ImageInvert\",\"mode\":0,\"inputs\":[{\"name\":\"image\",\"type\":\"IMAGE\","
                 "\"link\":3}]}],"
                 "\"links\":[[1,1,0,2,0,\"*\"],[2,2,0,1,0,\"*\"],[3,1,0,3,0,\"IMAGE\"]],\"version\":0.4}",
                 CFY_EINVAL, "3", "ImageInvert", "image");
}

static void test_error_unknown_type_with_widgets(void)
{
    expect_error("unknown type",
                 "{\"nodes\":[{\"id\":5,\"type\":\"FancyCustomSampler\",\"mode\":0,\"widgets_values\":[1,2,3]}],"
                 "\"links\":[],\"version\":0.4}",
                 CFY_EINVAL, "5", "FancyCustomSampler", NULL);
    expect_error("legacy group node",
                 "{\"nodes\":[{\"id\":6,\"type\":\"workflow>MyGroup\",\"mode\":0,\"widgets_values\":[]}],\"links\":[]}",
                 CFY_EUNSUPPORTED, "6", "workflow>MyGroup", NULL);
}

static void test_error_bad_shape(void)
{
    expect_error("no nodes", "{\"links\":[]}", CFY_EINVAL, NULL, NULL, NULL);
    expect_error("bad link", "{\"nodes\":[],\"links\":[[1,2]]}", CFY_EINVAL, NULL, NULL, NULL);
    expect_error("node without type", "{\"nodes\":[{\"id\":1}],\"links\":[]}", CFY_EINVAL, NULL, NULL, NULL);
    expect_error("self-nesting subgraph",
                 "{\"nodes\":[{\"id\":1,\"type\":\"sg-1\",\"mode\":0}],\"links\":[],"
                 "\"definitions\":{\"subgraphs\":[{\"id\":\"sg-1\",\"nodes\":[{\"id\":2,\"type\":\"sg-1\",\"mode\":0}],"
                 "\"links\":[]}]},\"version\":1}",
                 CFY_EINVAL, NULL, NULL, NULL);
}

/* Text replacement: date tokens and the JavaScript number formatting of widget values. */
static void test_text_replacement(void)
{
    cfy_runtime *rt = new_runtime();
    cJSON *api = NULL;
    cfy_error err = {0};
    CHECK_ST(convert_text(
                 rt,
                 "{\"nodes\":[{\"id\":1,\"type\":\"TestFloat\",\"mode\":0,\"title\":\"F\",\"widgets_values\":[0.1]},"
                 "{\"id\":2,\"type\":\"TestFloat\",\"mode\":0,\"title\":\"G\",\"widgets_values\":[1e-7]},"
                 "{\"id\":3,\"type\":\"TestList\",\"mode\":0,\"title\":\"P\",\"widgets_values\":[\"a/b\\\\c:d\"]},"
                 "{\"id\":4,\"type\":\"SaveImage\",\"mode\":0,\"widgets_values\":"
                 "[\"%date:yyyy-yy-M-MM-d-dd-h-hh-m-mm-s-ss%|%F.value%|%G.value%|%P.items%|%F.nope%|%date:yyyy.MM%|100%"
                 "%\"]}],"
                 "\"links\":[],\"version\":0.4}",
                 &api, &err),
             &err);
    const cJSON *p =
        cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(api, "4"), "inputs"), "filename_prefix");
    const char *want = "2025-25-1-01-31-31-12-12-34-34-56-56|0.1|1e-7|a_b_c_d|%F.nope%|%date:yyyy.MM%|100%%";
    CHECK(cJSON_IsString(p) && strcmp(p->valuestring, want) == 0);
    if (cJSON_IsString(p) && strcmp(p->valuestring, want) != 0)
        fprintf(stderr, "got %s\nwant %s\n", p->valuestring, want);
    cJSON_Delete(api);
    cfy_runtime_destroy(rt);
}

int main(void)
{
    RUN(test_spec_example_a);
    RUN(test_spec_example_b);
    RUN(test_txt2img_v1);
    RUN(test_img2img_legacy);
    RUN(test_subgraph);
    RUN(test_required_then_optional);
    RUN(test_big_seed_copied_raw);
    RUN(test_big_seed_via_json_parser);
    RUN(test_bypass_rules);
    RUN(test_unknown_type_without_widgets);
    RUN(test_bypassed_node_with_bad_widgets_is_fine);
    RUN(test_error_widget_count);
    RUN(test_error_missing_source_node);
    RUN(test_error_reroute_cycle);
    RUN(test_error_unknown_type_with_widgets);
    RUN(test_error_bad_shape);
    RUN(test_text_replacement);
    return cfy_test_finish();
}

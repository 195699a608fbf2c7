/* test_image_io.c — PNG text chunks, image decoding, LoadImage/LoadImageMask/SaveImage/PreviewImage,
 * ImageInvert, EmptyImage, SolidMask, InvertMask: names, folders, limits and corrupt files. */
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/fsutil.h"
#include "core/image_decode.h"
#include "core/node_ctx.h"
#include "core/png_text.h"
#include "harness.h"

/* ---- helpers ---- */

static cfy_runtime *make_rt(const char *in, const char *out, const char *tmp, int64_t max_side)
{
    cfy_runtime_options o;
    cfy_runtime_options_init(&o);
    o.input_dir = in;
    o.output_dir = out;
    o.temp_dir = tmp;
    if (max_side) o.max_image_pixels_side = max_side;
    cfy_runtime *rt = NULL;
    cfy_error err = {0};
    CHECK_ST(cfy_runtime_create(&o, &rt, &err), &err);
    return rt;
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static bool exists(const char *dir, const char *name)
{
    char p[1024];
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return stat(p, &sb) == 0;
}

static void write_bytes(const char *dir, const char *name, const void *data, size_t n)
{
    char p[1024];
    cfy_error err = {0};
    snprintf(p, sizeof p, "%s/%s", dir, name);
    CHECK_ST(cfy_write_file_atomic(p, data, n, &err), &err);
}

/* A 4x3 RGBA test pattern with varied alpha. */
static void pattern(unsigned char *px, int w, int h, int ch)
{
    for (int i = 0; i < w * h * ch; i++) px[i] = (unsigned char)(i * 37 + 11);
}

static cfy_value *image_value(int b, int h, int w, int c, const float *data)
{
    int64_t sz[4] = {b, h, w, c};
    cfy_tensor *t;
    cfy_error err = {0};
    if (cfy_tensor_new(CFY_F32, cfy_cpu(), 4, sz, false, &t, &err) != CFY_OK) return NULL;
    memcpy(cfy_tensor_f32(t), data, sizeof(float) * (size_t)(b * h * w * c));
    return cfy_value_new_tensor(CFY_T_IMAGE, t);
}

/* Call a node with one string input (and optional extra value). */
static cfy_status call1(cfy_runtime *rt, const char *cls, const char *in, cfy_value *v, cfy_value **outs, int n_out,
                        cfy_error *err)
{
    cfy_named_value nv = {in, v};
    return cfy_node_call(rt, cls, &nv, 1, outs, n_out, err);
}

static cfy_status load_image(cfy_runtime *rt, const char *name, cfy_value **outs, cfy_error *err)
{
    cfy_value *s = cfy_value_new_string(name);
    cfy_status st = call1(rt, "LoadImage", "image", s, outs, 2, err);
    cfy_value_release(s);
    return st;
}

/* ---- PNG text chunks ---- */

static void test_png_text_roundtrip(void)
{
    char dir[512], path[600];
    cfy_test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/t.png", dir);
    unsigned char px[4 * 3 * 4];
    pattern(px, 4, 3, 4);
    cfy_png_text texts[3] = {{"prompt", "{\"a\": 1}"}, {"latin", "caf\xc3\xa9"}, {"uni", "\xe2\x82\xac \xf0\x9f\x98\x80"}};
    cfy_error err = {0};
    for (int ch = 1; ch <= 4; ch++) {
        CHECK_ST(cfy_png_write(path, px, 4, 3, ch, texts, 3, 4, &err), &err);
        void *data;
        size_t n;
        CHECK_ST(cfy_read_file(path, 1 << 20, &data, &n, &err), &err);
        char *s = NULL;
        for (int k = 0; k < 3; k++) {
            CHECK_ST(cfy_png_read_text(data, n, texts[k].key, &s, &err), &err);
            CHECK(s && strcmp(s, texts[k].value) == 0);
            free(s);
        }
        CHECK(cfy_png_read_text(data, n, "workflow", &s, &err) == CFY_ENOTFOUND && s == NULL);
        /* the pixels decode back exactly */
        cfy_decoded_image img;
        CHECK_ST(cfy_image_decode(data, n, 0, &img, &err), &err);
        bool same = img.width == 4 && img.height == 3;
        for (int i = 0; same && i < 12; i++) {
            const unsigned char *o = img.rgba + i * 4, *q = px + i * ch;
            unsigned char r = q[0], g = ch >= 3 ? q[1] : q[0], b = ch >= 3 ? q[2] : q[0];
            unsigned char a = ch == 2 ? q[1] : ch == 4 ? q[3] : 255;
            same = o[0] == r && o[1] == g && o[2] == b && o[3] == a;
        }
        CHECK(same);
        CHECK(img.has_alpha == (ch == 2 || ch == 4));
        cfy_decoded_image_free(&img);
        /* truncated copies: a clear error, never a crash */
        CHECK(cfy_png_read_text(data, n / 2, "nope", &s, &err) == CFY_EIO);
        CHECK(cfy_image_decode(data, n - 20, 0, &img, &err) == CFY_EIO);
        CHECK(img.rgba == NULL);
        free(data);
    }
    CHECK(cfy_png_read_text("GIF89a....", 10, "prompt", &(char *){NULL}, &err) == CFY_EIO);
    CHECK(count_files(dir) == 1); /* atomic write left no temp files */
}

/* A write that cannot complete leaves neither a half file nor a temp file behind. */
static void test_png_write_atomic_failure(void)
{
    char dir[512], path[600];
    cfy_test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/x.png", dir);
    CHECK(mkdir(path, 0755) == 0); /* rename onto a directory fails */
    unsigned char px[12] = {0};
    cfy_error err = {0};
    CHECK(cfy_png_write(path, px, 2, 2, 3, NULL, 0, 4, &err) == CFY_EIO);
    CHECK(count_files(dir) == 1 && count_files(path) == 0);
    snprintf(path, sizeof path, "%s/missing/x.png", dir);
    CHECK(cfy_png_write(path, px, 2, 2, 3, NULL, 0, 4, &err) == CFY_EIO);
    CHECK(count_files(dir) == 1);
    CHECK(cfy_png_write(path, px, 0, 2, 3, NULL, 0, 4, &err) == CFY_EINVAL);
    cfy_png_text bad_key = {"", "x"};
    snprintf(path, sizeof path, "%s/y.png", dir);
    CHECK(cfy_png_write(path, px, 2, 2, 3, &bad_key, 1, 4, &err) == CFY_EINVAL);
    CHECK(count_files(dir) == 1);
}

/* zTXt and compressed iTXt chunks written by hand. */
static void test_png_read_compressed(void)
{
    char dir[512], path[600];
    cfy_test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/t.png", dir);
    unsigned char px[3] = {1, 2, 3};
    cfy_error err = {0};
    CHECK_ST(cfy_png_write(path, px, 1, 1, 3, NULL, 0, 9, &err), &err);
    void *data;
    size_t n;
    CHECK_ST(cfy_read_file(path, 1 << 20, &data, &n, &err), &err);
    const char *text = "{\"1\": {\"class_type\": \"SaveImage\"}}";
    unsigned char z[256];
    uLongf zl = sizeof z;
    CHECK(compress(z, &zl, (const Bytef *)text, strlen(text)) == Z_OK);
    /* build: signature+IHDR (33 bytes), zTXt 'prompt', iTXt 'workflow' compressed, rest */
    unsigned char chunk[600];
    size_t out_n = 0;
    unsigned char *out = malloc(n + 1200);
    memcpy(out, data, 33);
    out_n = 33;
    for (int kind = 0; kind < 2; kind++) {
        size_t bl = 0;
        const char *key = kind ? "workflow" : "prompt";
        memcpy(chunk + 8, key, strlen(key) + 1);
        bl = strlen(key) + 1;
        if (kind) { chunk[8 + bl++] = 1; chunk[8 + bl++] = 0; chunk[8 + bl++] = 0; chunk[8 + bl++] = 0; }
        else chunk[8 + bl++] = 0;
        memcpy(chunk + 8 + bl, z, zl);
        bl += zl;
        chunk[0] = 0; chunk[1] = 0; chunk[2] = (unsigned char)(bl >> 8); chunk[3] = (unsigned char)bl;
        memcpy(chunk + 4, kind ? "iTXt" : "zTXt", 4);
        uLong crc = crc32(0, chunk + 4, (uInt)(bl + 4));
        chunk[8 + bl] = (unsigned char)(crc >> 24); chunk[9 + bl] = (unsigned char)(crc >> 16);
        chunk[10 + bl] = (unsigned char)(crc >> 8); chunk[11 + bl] = (unsigned char)crc;
        memcpy(out + out_n, chunk, bl + 12);
        out_n += bl + 12;
    }
    memcpy(out + out_n, (unsigned char *)data + 33, n - 33);
    out_n += n - 33;
    char *s = NULL;
    CHECK_ST(cfy_png_read_text(out, out_n, "prompt", &s, &err), &err);
    CHECK(s && strcmp(s, text) == 0);
    free(s);
    CHECK_ST(cfy_png_read_text(out, out_n, "workflow", &s, &err), &err);
    CHECK(s && strcmp(s, text) == 0);
    free(s);
    /* corrupt the compressed stream */
    out[33 + 8 + 7 + 3] ^= 0xFF;
    cfy_status st = cfy_png_read_text(out, out_n, "prompt", &s, &err);
    CHECK(st == CFY_EIO || st == CFY_OK);
    if (st == CFY_OK) free(s);
    free(out);
    free(data);
}

/* ---- LoadImage / LoadImageMask ---- */

static void test_load_image_alpha_and_mask(void)
{
    char dir[512];
    cfy_test_tmpdir(dir, sizeof dir);
    cfy_runtime *rt = make_rt(dir, dir, dir, 0);
    if (!rt) return;
    unsigned char px[4 * 3 * 4];
    pattern(px, 4, 3, 4);
    char path[600];
    cfy_error err = {0};
    snprintf(path, sizeof path, "%s/rgba.png", dir);
    CHECK_ST(cfy_png_write(path, px, 4, 3, 4, NULL, 0, 4, &err), &err);
    snprintf(path, sizeof path, "%s/rgb.png", dir);
    CHECK_ST(cfy_png_write(path, px, 4, 3, 3, NULL, 0, 4, &err), &err);

    cfy_value *outs[2];
    CHECK_ST(load_image(rt, "rgba.png", outs, &err), &err);
    if (outs[0] && outs[1]) {
        const cfy_tensor *im = cfy_value_tensor(outs[0]), *mk = cfy_value_tensor(outs[1]);
        CHECK(im->ndim == 4 && im->sizes[0] == 1 && im->sizes[1] == 3 && im->sizes[2] == 4 && im->sizes[3] == 3);
        CHECK(mk->ndim == 3 && mk->sizes[1] == 3 && mk->sizes[2] == 4);
        const float *ip = cfy_tensor_f32(im), *mp = cfy_tensor_f32(mk);
        bool ok = true;
        for (int i = 0; i < 12; i++) {
            for (int c = 0; c < 3; c++) ok &= ip[i * 3 + c] == (float)px[i * 4 + c] / 255.0f;
            ok &= mp[i] == 1.0f - (float)px[i * 4 + 3] / 255.0f;
        }
        CHECK(ok);
    }
    cfy_value_release(outs[0]);
    cfy_value_release(outs[1]);

    CHECK_ST(load_image(rt, "rgb.png", outs, &err), &err);
    if (outs[1]) {
        const cfy_tensor *mk = cfy_value_tensor(outs[1]);
        CHECK(mk->ndim == 3 && mk->sizes[0] == 1 && mk->sizes[1] == 64 && mk->sizes[2] == 64);
        const float *mp = cfy_tensor_f32(mk);
        bool zero = true;
        for (int i = 0; i < 64 * 64; i++) zero &= mp[i] == 0.0f;
        CHECK(zero);
    }
    cfy_value_release(outs[0]);
    cfy_value_release(outs[1]);

    /* LoadImageMask: red channel, and alpha inverted */
    const char *channels[2] = {"red", "alpha"};
    for (int k = 0; k < 2; k++) {
        cfy_value *img = cfy_value_new_string("rgba.png"), *ch = cfy_value_new_string(channels[k]), *m = NULL;
        cfy_named_value in[2] = {{"image", img}, {"channel", ch}};
        CHECK_ST(cfy_node_call(rt, "LoadImageMask", in, 2, &m, 1, &err), &err);
        if (m) {
            const float *mp = cfy_tensor_f32(cfy_value_tensor(m));
            bool ok = true;
            for (int i = 0; i < 12; i++) {
                float v = (float)px[i * 4 + (k ? 3 : 0)] / 255.0f;
                ok &= mp[i] == (k ? 1.0f - v : v);
            }
            CHECK(ok);
        }
        cfy_value_release(m);
        cfy_value_release(img);
        cfy_value_release(ch);
    }
    /* " [output]" annotation resolves in the output folder (same folder here) */
    CHECK_ST(load_image(rt, "rgb.png [output]", outs, &err), &err);
    cfy_value_release(outs[0]);
    cfy_value_release(outs[1]);
    cfy_runtime_destroy(rt);
}

static void test_load_image_refusals(void)
{
    char root[512], in[600], outside[600];
    cfy_test_tmpdir(root, sizeof root);
    snprintf(in, sizeof in, "%s/input", root);
    snprintf(outside, sizeof outside, "%s/secret", root);
    cfy_error err = {0};
    CHECK_ST(cfy_mkdirs(in, &err), &err);
    CHECK_ST(cfy_mkdirs(outside, &err), &err);
    unsigned char px[9 * 4 * 3];
    pattern(px, 9, 4, 3);
    char path[700];
    snprintf(path, sizeof path, "%s/s.png", outside);
    CHECK_ST(cfy_png_write(path, px, 9, 4, 3, NULL, 0, 4, &err), &err);
    snprintf(path, sizeof path, "%s/big.png", in);
    CHECK_ST(cfy_png_write(path, px, 9, 4, 3, NULL, 0, 4, &err), &err);
    char link[700];
    snprintf(link, sizeof link, "%s/link.png", in);
    snprintf(path, sizeof path, "%s/s.png", outside);
    CHECK(symlink(path, link) == 0);
    snprintf(link, sizeof link, "%s/linkdir", in);
    CHECK(symlink(outside, link) == 0);
    write_bytes(in, "garbage.png", "\x89PNG\r\n\x1a\nthis is not a png at all", 32);
    write_bytes(in, "noise.jpg", "hello world, not an image", 25);
    write_bytes(in, "empty.png", "", 0);

    cfy_runtime *rt = make_rt(in, in, in, 8);
    if (!rt) return;
    cfy_value *outs[2] = {NULL, NULL};
    struct { const char *name; cfy_status code; } cases[] = {
        {"../secret/s.png", CFY_EINVAL}, {"sub/../../secret/s.png", CFY_EINVAL}, {path, CFY_EINVAL},
        {"link.png", CFY_EINVAL}, {"linkdir/s.png", CFY_EINVAL}, {"missing.png", CFY_ENOTFOUND},
        {"big.png", CFY_EINVAL}, /* 9 px wide, limit 8 */
        {"garbage.png", CFY_EIO}, {"noise.jpg", CFY_EIO}, {"empty.png", CFY_EIO},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cfy_error e = {0};
        cfy_status st = load_image(rt, cases[i].name, outs, &e);
        if (st != cases[i].code) fprintf(stderr, "  case %s: got %s (%s)\n", cases[i].name, cfy_status_name(st), e.message);
        CHECK(st == cases[i].code);
        CHECK(strcmp(e.input, "image") == 0);
        CHECK(strcmp(e.class_type, "LoadImage") == 0);
        CHECK(outs[0] == NULL && outs[1] == NULL);
    }
    cfy_runtime_destroy(rt);
}

/* ---- SaveImage ---- */

typedef struct reported {
    char names[8][128];
    char subfolder[128];
    char type[16];
    int n;
} reported;

static void on_report(void *user, const char *node_id, const char *filename, const char *subfolder, const char *type)
{
    reported *r = user;
    if (r->n < 8) snprintf(r->names[r->n], sizeof r->names[0], "%s", filename);
    snprintf(r->subfolder, sizeof r->subfolder, "%s", subfolder);
    snprintf(r->type, sizeof r->type, "%s", type);
    r->n++;
}

/* Run SaveImage (or PreviewImage) through a hand-built context carrying prompt/workflow text. */
static cfy_status run_save(cfy_runtime *rt, const char *cls, cfy_value *images, const char *prefix, const char *prompt,
                           const char *workflow, reported *rep, cfy_error *err)
{
    const cfy_node_def *def = cfy_registry_find(cfy_runtime_registry(rt), cls);
    if (!def) return CFY_ENOTFOUND;
    cfy_node_ctx ctx;
    cfy_status st = cfy_node_ctx_init(&ctx, rt, def, "9", err);
    if (st != CFY_OK) return st;
    ctx.prompt_json = prompt;
    ctx.workflow_json = workflow;
    ctx.report_file = on_report;
    ctx.report_user = rep;
    st = cfy_value_list_push(&ctx.inputs[cfy_node_ctx_input_index(&ctx, "images")], cfy_value_retain(images), err);
    if (st == CFY_OK && prefix)
        st = cfy_value_list_push(&ctx.inputs[cfy_node_ctx_input_index(&ctx, "filename_prefix")], cfy_value_new_string(prefix), err);
    if (st == CFY_OK) st = def->run(&ctx);
    cfy_node_ctx_free(&ctx);
    return st;
}

static void test_save_image_chunks_and_counter(void)
{
    char dir[512];
    cfy_test_tmpdir(dir, sizeof dir);
    cfy_runtime *rt = make_rt(dir, dir, dir, 0);
    if (!rt) return;
    float data[2 * 2 * 3 * 3];
    for (int i = 0; i < 36; i++) data[i] = (float)i / 35.0f * 1.2f - 0.1f;
    data[5] = 0.99999f;
    data[6] = 1.0f / 255.0f;
    cfy_value *images = image_value(2, 2, 3, 3, data);
    /* existing files: counters 7 (png) and 3 (webp) count, other prefixes do not */
    write_bytes(dir, "ComfyUI_00007_.png", "x", 1);
    write_bytes(dir, "ComfyUI_00003_.webp", "x", 1);
    write_bytes(dir, "ComfyUIx_00010_.png", "x", 1);
    write_bytes(dir, "comfyui_00020_.png", "x", 1);
    const char *prompt = "{\"1\":{\"inputs\":{\"x\":1.0,\"s\":\"caf\xc3\xa9 \\/ \\u00e9\\n\"},\"class_type\":\"A\"},\n \"2\":[]}";
    const char *want = "{\"1\": {\"inputs\": {\"x\": 1.0, \"s\": \"caf\\u00e9 / \\u00e9\\n\"}, \"class_type\": \"A\"}, \"2\": []}";
    reported rep = {0};
    cfy_error err = {0};
    CHECK_ST(run_save(rt, "SaveImage", images, "ComfyUI", prompt, "{\"nodes\": []}", &rep, &err), &err);
    CHECK(rep.n == 2 && strcmp(rep.names[0], "ComfyUI_00008_.png") == 0 && strcmp(rep.names[1], "ComfyUI_00009_.png") == 0);
    CHECK(strcmp(rep.type, "output") == 0 && strcmp(rep.subfolder, "") == 0);
    char path[700];
    snprintf(path, sizeof path, "%s/ComfyUI_00009_.png", dir);
    void *file;
    size_t n;
    CHECK_ST(cfy_read_file(path, 1 << 20, &file, &n, &err), &err);
    char *s = NULL;
    CHECK_ST(cfy_png_read_text(file, n, "prompt", &s, &err), &err);
    CHECK(s && strcmp(s, want) == 0);
    if (s && strcmp(s, want) != 0) fprintf(stderr, "  got  %s\n  want %s\n", s, want);
    free(s);
    CHECK_ST(cfy_png_read_text(file, n, "workflow", &s, &err), &err);
    CHECK(s && strcmp(s, "{\"nodes\": []}") == 0);
    free(s);
    /* truncating quantisation of image 1 */
    cfy_decoded_image img;
    CHECK_ST(cfy_image_decode(file, n, 0, &img, &err), &err);
    bool ok = img.width == 3 && img.height == 2;
    for (int i = 0; ok && i < 6; i++)
        for (int c = 0; c < 3; c++) {
            float v = 255.0f * data[18 + i * 3 + c];
            unsigned char q = v <= 0 ? 0 : v >= 255 ? 255 : (unsigned char)v;
            ok &= img.rgba[i * 4 + c] == q;
        }
    CHECK(ok);
    cfy_decoded_image_free(&img);
    free(file);

    /* subfolder + batch_num + substitutions */
    rep.n = 0;
    CHECK_ST(run_save(rt, "SaveImage", images, "a/b/img_%width%x%height%_%batch_num%", NULL, NULL, &rep, &err), &err);
    CHECK(rep.n == 2 && strcmp(rep.subfolder, "a/b") == 0);
    CHECK(strcmp(rep.names[0], "img_3x2_0_00001_.png") == 0 && strcmp(rep.names[1], "img_3x2_1_00002_.png") == 0);
    char sub[700];
    snprintf(sub, sizeof sub, "%s/a/b", dir);
    CHECK(exists(sub, "img_3x2_0_00001_.png") && exists(sub, "img_3x2_1_00002_.png"));
    CHECK(count_files(sub) == 2);

    /* PreviewImage: temp folder, ComfyUI_temp_xxxxx_00001_.png */
    rep.n = 0;
    CHECK_ST(run_save(rt, "PreviewImage", images, NULL, NULL, NULL, &rep, &err), &err);
    CHECK(rep.n == 2 && strcmp(rep.type, "temp") == 0);
    CHECK(strncmp(rep.names[0], "ComfyUI_temp_", 13) == 0 && strcmp(rep.names[0] + 18, "_00001_.png") == 0);
    for (int i = 13; i < 18; i++) CHECK(rep.names[0][i] >= 'a' && rep.names[0][i] <= 'z' && rep.names[0][i] != 'w');
    cfy_value_release(images);
    cfy_runtime_destroy(rt);
}

static void test_save_image_refusals(void)
{
    char root[512], out[600], outside[600];
    cfy_test_tmpdir(root, sizeof root);
    snprintf(out, sizeof out, "%s/output", root);
    snprintf(outside, sizeof outside, "%s/outside", root);
    cfy_error err = {0};
    CHECK_ST(cfy_mkdirs(out, &err), &err);
    CHECK_ST(cfy_mkdirs(outside, &err), &err);
    char link[700];
    snprintf(link, sizeof link, "%s/escape", out);
    CHECK(symlink(outside, link) == 0);
    cfy_runtime *rt = make_rt(out, out, out, 0);
    if (!rt) return;
    float data[3] = {0.1f, 0.2f, 0.3f};
    cfy_value *images = image_value(1, 1, 1, 3, data);
    char abs_prefix[700];
    snprintf(abs_prefix, sizeof abs_prefix, "%s/x", outside);
    const char *bad[] = {"../x", "a/../../x", abs_prefix, "escape/x", "escape/deeper/x", ".."};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfy_value *p = cfy_value_new_string(bad[i]);
        cfy_named_value in[2] = {{"images", images}, {"filename_prefix", p}};
        cfy_error e = {0};
        cfy_status st = cfy_node_call(rt, "SaveImage", in, 2, NULL, 0, &e);
        CHECK(st == CFY_EINVAL);
        CHECK(strcmp(e.input, "filename_prefix") == 0);
        cfy_value_release(p);
    }
    CHECK(count_files(outside) == 0);
    CHECK(count_files(root) == 2);
    CHECK(count_files(out) == 1); /* only the symlink */
    /* a bad IMAGE shape is refused naming the input */
    int64_t sz[3] = {2, 2, 3};
    cfy_tensor *t;
    CHECK_ST(cfy_tensor_new(CFY_F32, cfy_cpu(), 3, sz, true, &t, &err), &err);
    cfy_value *flat = cfy_value_new_tensor(CFY_T_IMAGE, t);
    cfy_value *prefix = cfy_value_new_string("ok");
    cfy_named_value in[2] = {{"images", flat}, {"filename_prefix", prefix}};
    cfy_error e = {0};
    CHECK(cfy_node_call(rt, "SaveImage", in, 2, NULL, 0, &e) == CFY_EINVAL && strcmp(e.input, "images") == 0);
    cfy_value_release(prefix);
    cfy_value_release(flat);
    cfy_value_release(images);
    cfy_runtime_destroy(rt);
}

/* ---- ImageInvert, EmptyImage, SolidMask, InvertMask ---- */

static void test_basic_nodes(void)
{
    char dir[512];
    cfy_test_tmpdir(dir, sizeof dir);
    cfy_runtime *rt = make_rt(dir, dir, dir, 0);
    if (!rt) return;
    cfy_error err = {0};
    cfy_value *w = cfy_value_new_int(3), *h = cfy_value_new_int(2), *b = cfy_value_new_int(2), *c = cfy_value_new_int(0x80FF01);
    cfy_named_value ein[4] = {{"width", w}, {"height", h}, {"batch_size", b}, {"color", c}};
    cfy_value *img = NULL, *inv = NULL;
    CHECK_ST(cfy_node_call(rt, "EmptyImage", ein, 4, &img, 1, &err), &err);
    if (img) {
        const cfy_tensor *t = cfy_value_tensor(img);
        CHECK(t->ndim == 4 && t->sizes[0] == 2 && t->sizes[1] == 2 && t->sizes[2] == 3 && t->sizes[3] == 3);
        const float *p = cfy_tensor_f32(t);
        CHECK(p[0] == (float)(128.0 / 255.0) && p[1] == 1.0f && p[2] == (float)(1.0 / 255.0));
        CHECK(p[33] == p[0] && p[35] == p[2]);
        CHECK_ST(call1(rt, "ImageInvert", "image", img, &inv, 1, &err), &err);
        if (inv) {
            const float *q = cfy_tensor_f32(cfy_value_tensor(inv));
            CHECK(q[0] == 1.0f - p[0] && q[1] == 0.0f && q[2] == 1.0f - p[2]);
        }
    }
    cfy_value *bad_w = cfy_value_new_int(0);
    ein[0].value = bad_w;
    cfy_error e = {0};
    CHECK(cfy_node_call(rt, "EmptyImage", ein, 4, &(cfy_value *){NULL}, 1, &e) == CFY_EINVAL && strcmp(e.input, "width") == 0);

    cfy_value *val = cfy_value_new_float(0.3), *m = NULL, *mi = NULL;
    cfy_named_value sin[3] = {{"value", val}, {"width", w}, {"height", h}};
    CHECK_ST(cfy_node_call(rt, "SolidMask", sin, 3, &m, 1, &err), &err);
    if (m) {
        const cfy_tensor *t = cfy_value_tensor(m);
        CHECK(t->ndim == 3 && t->sizes[0] == 1 && t->sizes[1] == 2 && t->sizes[2] == 3);
        CHECK(cfy_tensor_f32(t)[5] == 0.3f);
        CHECK_ST(call1(rt, "InvertMask", "mask", m, &mi, 1, &err), &err);
        if (mi) CHECK(cfy_tensor_f32(cfy_value_tensor(mi))[4] == 1.0f - 0.3f);
    }
    cfy_value *too_big = cfy_value_new_float(1.5);
    sin[0].value = too_big;
    CHECK(cfy_node_call(rt, "SolidMask", sin, 3, &(cfy_value *){NULL}, 1, &e) == CFY_EINVAL && strcmp(e.input, "value") == 0);
    cfy_value *vals[] = {w, h, b, c, img, inv, bad_w, val, m, mi, too_big};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) cfy_value_release(vals[i]);
    cfy_runtime_destroy(rt);
}

int main(void)
{
    RUN(test_png_text_roundtrip);
    RUN(test_png_write_atomic_failure);
    RUN(test_png_read_compressed);
    RUN(test_load_image_alpha_and_mask);
    RUN(test_load_image_refusals);
    RUN(test_save_image_chunks_and_counter);
    RUN(test_save_image_refusals);
    RUN(test_basic_nodes);
    return cfy_test_finish();
}

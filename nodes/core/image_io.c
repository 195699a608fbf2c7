/* image_io.c — LoadImage, LoadImageMask, SaveImage and PreviewImage (spec/workflow-and-executor.md §6).
 *
 * Loading reads from the runtime's input folder (or the output/temp folder for names annotated
 * " [output]" / " [temp]"); decoding is cfy_image_decode (src/core/image_decode.c), shared with
 * the fuzz target. Saving follows ComfyUI's get_save_image_path: %width%-style substitutions,
 * subfolders in the prefix, `name_00001_.png` counters continuing after existing files, PNG
 * text chunks `prompt` and `workflow` in json.dumps style, truncating quantisation, and an
 * atomic write. Every user-given name is confined to its folder (no "..", absolute paths or
 * symlinks out). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "comfyc/comfyc.h"
#include "core/fsutil.h"
#include "core/image_decode.h"
#include "core/png_text.h"

/* Image files larger than this are refused before reading. */
#define MAX_IMAGE_FILE_BYTES ((size_t)1 << 30)

/* ==== the input folder ==== */

static const char *const image_exts[] = {".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".bmp", ".gif", ".tga",
                                         ".webp", ".tif", ".tiff", ".ppm", ".pgm", ".pnm", ".psd", NULL};

static bool has_image_ext(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot) return false;
    for (const char *const *e = image_exts; *e; e++)
        if (strcasecmp(dot, *e) == 0) return true;
    return false;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Combo choices of `image`: the non-recursive image files of the input folder, sorted. */
static cfy_status list_input_images(cfy_runtime *rt, char ***out, cfy_error *err)
{
    *out = NULL;
    const char *dir = cfy_runtime_opts(rt)->input_dir;
    size_t n = 0, cap = 16;
    char **list = calloc(cap + 1, sizeof *list);
    if (!list) return cfy_error_set(err, CFY_ENOMEM, "out of memory");
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!has_image_ext(e->d_name)) continue;
            char path[4096];
            struct stat sb;
            if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) continue;
            if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) continue;
            if (n == cap) {
                char **grown = realloc(list, sizeof *list * (cap * 2 + 1));
                if (!grown) break;
                list = grown;
                cap *= 2;
            }
            if (!(list[n] = strdup(e->d_name))) break;
            list[++n] = NULL;
        }
        closedir(d);
    }
    list[n] = NULL;
    qsort(list, n, sizeof *list, cmp_str);
    *out = list;
    return CFY_OK;
}

/* Resolve a LoadImage name: " [output]" / " [input]" / " [temp]" suffixes pick the folder
 * (annotated_filepath); the rest must stay inside it. path returns new (free()). */
static cfy_status resolve_image_name(cfy_node_ctx *ctx, const char *name, char **path)
{
    const cfy_runtime_options *o = cfy_runtime_opts(cfy_node_runtime(ctx));
    static const struct { const char *suffix; int which; } annotations[] = {
        {" [output]", 1}, {" [input]", 0}, {" [temp]", 2}};
    const char *base = o->input_dir;
    size_t len = strlen(name);
    for (size_t i = 0; i < sizeof annotations / sizeof annotations[0]; i++) {
        size_t sl = strlen(annotations[i].suffix);
        if (len > sl && strcmp(name + len - sl, annotations[i].suffix) == 0) {
            base = annotations[i].which == 1 ? o->output_dir : annotations[i].which == 2 ? o->temp_dir : o->input_dir;
            len -= sl;
            break;
        }
    }
    char *rel = strndup(name, len);
    if (!rel) return cfy_node_fail(ctx, CFY_ENOMEM, "image", "out of memory");
    cfy_status st = cfy_path_join_inside(base, rel, path, cfy_node_err(ctx));
    free(rel);
    if (st != CFY_OK) return cfy_error_set_input(cfy_node_err(ctx), "image");
    return CFY_OK;
}

/* Resolve and read an image file named by input `image`. data returns new (free()). */
static cfy_status read_image_input(cfy_node_ctx *ctx, void **data, size_t *size)
{
    *data = NULL;
    const char *name;
    cfy_status st = cfy_node_in_string(ctx, "image", &name);
    if (st != CFY_OK) return st;
    char *path;
    if ((st = resolve_image_name(ctx, name, &path)) != CFY_OK) return st;
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        free(path);
        return cfy_node_fail(ctx, CFY_ENOTFOUND, "image", "Invalid image file: %s", name);
    }
    st = cfy_read_file(path, MAX_IMAGE_FILE_BYTES, data, size, cfy_node_err(ctx));
    free(path);
    if (st != CFY_OK) return cfy_error_set_input(cfy_node_err(ctx), "image");
    return CFY_OK;
}

/* VALIDATE_INPUTS(image): the file must exist (the combo membership check is skipped). */
static cfy_status validate_image_exists(cfy_node_ctx *ctx)
{
    const char *name = NULL;
    cfy_status st = cfy_node_in_string(ctx, "image", &name);
    if (st != CFY_OK || !name) return st;
    char *path;
    if ((st = resolve_image_name(ctx, name, &path)) != CFY_OK) return st;
    struct stat sb;
    bool ok = stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
    free(path);
    return ok ? CFY_OK : cfy_node_fail(ctx, CFY_ENOTFOUND, "image", "Invalid image file: %s", name);
}

/* IS_CHANGED(image): a hash of the file's bytes (ComfyUI hashes the file with SHA-256; any
 * content hash serves the cache), so editing the file re-runs the node in the same process. */
static cfy_status image_file_changed(cfy_node_ctx *ctx, char *key, size_t key_size)
{
    void *data;
    size_t size;
    cfy_status st = read_image_input(ctx, &data, &size);
    if (st != CFY_OK) return st;
    uint64_t h = 1469598103934665603ull; /* FNV-1a 64 */
    const unsigned char *p = data;
    for (size_t i = 0; i < size; i++) h = (h ^ p[i]) * 1099511628211ull;
    free(data);
    snprintf(key, key_size, "%zu:%016llx", size, (unsigned long long)h);
    return CFY_OK;
}

/* Decode the file of input `image` with the runtime's pixel limit. */
static cfy_status decode_image_input(cfy_node_ctx *ctx, cfy_decoded_image *img)
{
    memset(img, 0, sizeof *img);
    void *data;
    size_t size;
    cfy_status st = read_image_input(ctx, &data, &size);
    if (st != CFY_OK) return st;
    int64_t max_side = cfy_runtime_opts(cfy_node_runtime(ctx))->max_image_pixels_side;
    st = cfy_image_decode(data, size, max_side, img, cfy_node_err(ctx));
    free(data);
    if (st != CFY_OK) return cfy_error_set_input(cfy_node_err(ctx), "image");
    return CFY_OK;
}

/* Move a new CPU tensor to the runtime's device (no-op on CPU). t takes; out returns new. */
static cfy_status to_runtime_device(cfy_node_ctx *ctx, cfy_tensor *t, cfy_tensor **out)
{
    cfy_device dev = cfy_runtime_opts(cfy_node_runtime(ctx))->device;
    if (cfy_device_eq(dev, t->device)) {
        *out = t;
        return CFY_OK;
    }
    cfy_status st = cfy_tensor_to(t, dev, out, cfy_node_err(ctx));
    cfy_tensor_release(t);
    return st;
}

/* ==== LoadImage, LoadImageMask ==== */

static cfy_status load_image_run(cfy_node_ctx *ctx)
{
    cfy_decoded_image img;
    cfy_status st = decode_image_input(ctx, &img);
    if (st != CFY_OK) return st;
    cfy_tensor *image, *mask;
    st = cfy_image_to_comfy(&img, &image, &mask, cfy_node_err(ctx));
    cfy_decoded_image_free(&img);
    if (st != CFY_OK) return st;
    if ((st = to_runtime_device(ctx, image, &image)) != CFY_OK) { cfy_tensor_release(mask); return st; }
    if ((st = to_runtime_device(ctx, mask, &mask)) != CFY_OK) { cfy_tensor_release(image); return st; }
    if ((st = cfy_node_out(ctx, 0, cfy_value_new_tensor(CFY_T_IMAGE, image))) != CFY_OK) {
        cfy_tensor_release(mask);
        return st;
    }
    return cfy_node_out(ctx, 1, cfy_value_new_tensor(CFY_T_MASK, mask));
}

static cfy_status load_image_mask_run(cfy_node_ctx *ctx)
{
    const char *channel;
    cfy_status st = cfy_node_in_string(ctx, "channel", &channel);
    if (st != CFY_OK) return st;
    char c = channel[0] >= 'a' && channel[0] <= 'z' ? (char)(channel[0] - 'a' + 'A') : channel[0];
    if (c != 'R' && c != 'G' && c != 'B' && c != 'A')
        return cfy_node_fail(ctx, CFY_EINVAL, "channel", "unknown channel '%s'", channel);
    cfy_decoded_image img;
    if ((st = decode_image_input(ctx, &img)) != CFY_OK) return st;
    cfy_tensor *mask;
    st = cfy_image_channel_mask(&img, c, &mask, cfy_node_err(ctx));
    cfy_decoded_image_free(&img);
    if (st != CFY_OK) return st;
    if ((st = to_runtime_device(ctx, mask, &mask)) != CFY_OK) return st;
    return cfy_node_out(ctx, 0, cfy_value_new_tensor(CFY_T_MASK, mask));
}

/* ==== SaveImage: names and paths (folder_paths.get_save_image_path) ==== */

/* Replace every `from` in *s by `to` (s is malloc'd; replaced in place). */
static cfy_status replace_all(char **s, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), n = 0;
    for (const char *p = strstr(*s, from); p; p = strstr(p + fl, from)) n++;
    if (!n) return CFY_OK;
    char *out = malloc(strlen(*s) + n * tl + 1), *o = out;
    if (!out) return CFY_ENOMEM;
    const char *p = *s, *q;
    while ((q = strstr(p, from)) != NULL) {
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, to, tl);
        o += tl;
        p = q + fl;
    }
    strcpy(o, p);
    free(*s);
    *s = out;
    return CFY_OK;
}

/* compute_vars: %width% %height% %year% %month% %day% %hour% %minute% %second% (local time). */
static cfy_status substitute_vars(char **prefix, int64_t width, int64_t height)
{
    if (!strchr(*prefix, '%')) return CFY_OK;
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char v[8][32];
    snprintf(v[0], sizeof v[0], "%lld", (long long)width);
    snprintf(v[1], sizeof v[1], "%lld", (long long)height);
    snprintf(v[2], sizeof v[2], "%d", tm.tm_year + 1900);
    snprintf(v[3], sizeof v[3], "%02d", tm.tm_mon + 1);
    snprintf(v[4], sizeof v[4], "%02d", tm.tm_mday);
    snprintf(v[5], sizeof v[5], "%02d", tm.tm_hour);
    snprintf(v[6], sizeof v[6], "%02d", tm.tm_min);
    snprintf(v[7], sizeof v[7], "%02d", tm.tm_sec);
    static const char *const keys[8] = {"%width%", "%height%", "%year%", "%month%", "%day%", "%hour%", "%minute%", "%second%"};
    for (int i = 0; i < 8; i++)
        if (replace_all(prefix, keys[i], v[i]) != CFY_OK) return CFY_ENOMEM;
    return CFY_OK;
}

/* posixpath.normpath into a new string. */
static char *normpath(const char *path)
{
    size_t len = strlen(path);
    char *out = malloc(len + 2);
    const char **parts = malloc(sizeof *parts * (len / 2 + 2));
    size_t *plen = malloc(sizeof *plen * (len / 2 + 2));
    if (!out || !parts || !plen) { free(out); free(parts); free(plen); return NULL; }
    bool abs = path[0] == '/';
    size_t n = 0;
    for (const char *p = path; *p;) {
        while (*p == '/') p++;
        const char *e = p;
        while (*e && *e != '/') e++;
        size_t l = (size_t)(e - p);
        if (l == 0 || (l == 1 && p[0] == '.')) {
        } else if (l == 2 && p[0] == '.' && p[1] == '.') {
            if (n > 0 && !(plen[n - 1] == 2 && parts[n - 1][0] == '.' && parts[n - 1][1] == '.')) n--;
            else if (!abs) { parts[n] = p; plen[n++] = l; }
        } else {
            parts[n] = p;
            plen[n++] = l;
        }
        p = e;
    }
    char *o = out;
    if (abs) *o++ = '/';
    for (size_t i = 0; i < n; i++) {
        if (i) *o++ = '/';
        memcpy(o, parts[i], plen[i]);
        o += plen[i];
    }
    if (o == out) *o++ = '.';
    *o = '\0';
    free(parts);
    free(plen);
    return out;
}

/* Python int() of s (whitespace, optional sign, digits); false when it does not parse. */
static bool py_int(const char *s, size_t n, long long *out)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
    while (n > i && (s[n - 1] == ' ' || (s[n - 1] >= '\t' && s[n - 1] <= '\r'))) n--;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    if (i == n) return false;
    long long v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        if (v < 1000000000000000LL) v = v * 10 + (s[i] - '0');
    }
    *out = neg ? -v : v;
    return true;
}

/* The next counter for `filename` in folder: 1 + the largest counter of names that start
 * with `filename` + "_" (prefix_len characters compared, as ComfyUI's map_filename). */
static long long next_counter(const char *folder, const char *filename, size_t prefix_len)
{
    DIR *d = opendir(folder);
    if (!d) return 1;
    bool any = false;
    long long best = 0;
    size_t fl = strlen(filename);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
        size_t nl = strlen(name);
        /* prefix = name[:prefix_len + 1]; qualifies when prefix[:-1] == filename and prefix[-1] == '_' */
        size_t pl = nl < prefix_len + 1 ? nl : prefix_len + 1;
        if (pl == 0 || pl - 1 != fl || memcmp(name, filename, fl) != 0 || name[pl - 1] != '_') continue;
        const char *rest = nl > prefix_len + 1 ? name + prefix_len + 1 : name + nl;
        const char *us = strchr(rest, '_');
        long long digits;
        if (!py_int(rest, us ? (size_t)(us - rest) : strlen(rest), &digits)) digits = 0;
        if (!any || digits > best) best = digits;
        any = true;
    }
    closedir(d);
    return any ? best + 1 : 1;
}

/* ==== SaveImage: PNG text in json.dumps style ==== */

/* A growing output string; `oom` latches the first allocation failure. */
typedef struct jbuf {
    char *p;
    size_t n, cap;
    bool oom;
} jbuf;

static void jput(jbuf *b, const char *s, size_t k)
{
    if (b->oom) return;
    if (b->n + k + 1 > b->cap) {
        size_t cap = (b->cap + k) * 2 + 64;
        char *g = realloc(b->p, cap);
        if (!g) { b->oom = true; return; }
        b->p = g;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, k);
    b->n += k;
    b->p[b->n] = '\0';
}

/* Append code point cp (from a JSON string) as json.dumps(ensure_ascii=True) writes it. */
static void jput_char(jbuf *b, unsigned long cp)
{
    char tmp[16];
    const char *short_esc = cp == '"' ? "\\\"" : cp == '\\' ? "\\\\" : cp == '\n' ? "\\n" : cp == '\r' ? "\\r"
                          : cp == '\t' ? "\\t" : cp == '\b' ? "\\b" : cp == '\f' ? "\\f" : NULL;
    if (short_esc) {
        jput(b, short_esc, 2);
    } else if (cp >= 0x20 && cp < 0x7f) {
        tmp[0] = (char)cp;
        jput(b, tmp, 1);
    } else if (cp > 0xFFFF) {
        cp -= 0x10000;
        int k = snprintf(tmp, sizeof tmp, "\\u%04lx\\u%04lx", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
        jput(b, tmp, (size_t)k);
    } else {
        int k = snprintf(tmp, sizeof tmp, "\\u%04lx", cp);
        jput(b, tmp, (size_t)k);
    }
}

/* Re-space JSON text as Python's json.dumps(obj) prints it: ", " and ": " separators, no other
 * whitespace, non-ASCII and control characters as lowercase \uXXXX escapes, "\/" unescaped.
 * Numbers and literals are kept as written. Idempotent. Returns new (free()), NULL out of memory. */
static char *python_json(const char *s)
{
    jbuf b = {0};
    jput(&b, "", 0);
    const unsigned char *p = (const unsigned char *)s;
    while (*p && !b.oom) {
        unsigned char c = *p;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') { p++; continue; }
        if (c == ',' || c == ':') { jput(&b, c == ',' ? ", " : ": ", 2); p++; continue; }
        if (c != '"') { jput(&b, (const char *)p, 1); p++; continue; }
        jput(&b, "\"", 1);
        p++;
        while (*p && *p != '"') {
            unsigned long cp;
            if (*p == '\\') {
                unsigned char e = p[1];
                if (!e) { p++; break; }
                if (e == 'u') {
                    char hex[5] = {0};
                    for (int i = 0; i < 4 && p[2 + i]; i++) hex[i] = (char)p[2 + i];
                    cp = strtoul(hex, NULL, 16);
                    p += 2 + strlen(hex);
                } else {
                    cp = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
                    p += 2;
                }
                jput_char(&b, cp);
                continue;
            }
            /* raw byte: ASCII, or a UTF-8 sequence decoded to its code point */
            int extra = *p >= 0xF0 ? 3 : *p >= 0xE0 ? 2 : *p >= 0xC0 ? 1 : 0;
            cp = extra == 0 ? *p : (unsigned long)(*p & (0x3F >> extra));
            int k = 1;
            for (; k <= extra && (p[k] & 0xC0) == 0x80; k++) cp = (cp << 6) | (p[k] & 0x3F);
            p += k;
            jput_char(&b, cp);
        }
        if (*p == '"') { jput(&b, "\"", 1); p++; }
    }
    if (b.oom) { free(b.p); return NULL; }
    return b.p;
}

/* ==== SaveImage, PreviewImage ==== */

typedef struct save_opts {
    const char *folder;      /* base folder (output or temp) */
    const char *folder_type; /* "output" or "temp" */
    int compress_level;      /* 4 for SaveImage, 1 for previews */
} save_opts;

/* IMAGE input as a contiguous host f32 tensor [B,H,W,C] (C 1..4). out returns new. */
static cfy_status host_images(cfy_node_ctx *ctx, const cfy_tensor *in, cfy_tensor **out)
{
    *out = NULL;
    char shape[96];
    if (in->ndim != 4 || in->sizes[0] < 1 || in->sizes[1] < 1 || in->sizes[2] < 1 || in->sizes[3] < 1 || in->sizes[3] > 4)
        return cfy_node_fail(ctx, CFY_EINVAL, "images", "expected IMAGE [B,H,W,C] with B >= 1 and C in 1..4, got %s",
                             cfy_tensor_shape_str(in, shape, sizeof shape));
    if (in->sizes[1] > 0x7fffffff / 4 || in->sizes[2] > 0x7fffffff / 4)
        return cfy_node_fail(ctx, CFY_EINVAL, "images", "image %s is too large to save as PNG", cfy_tensor_shape_str(in, shape, sizeof shape));
    cfy_error *err = cfy_node_err(ctx);
    cfy_tensor *host = NULL, *f32 = NULL;
    cfy_status st = cfy_tensor_to(in, cfy_cpu(), &host, err);
    if (st != CFY_OK) return st;
    if (host->dtype != CFY_F32) {
        st = cfy_tensor_convert(host, CFY_F32, &f32, err);
        cfy_tensor_release(host);
        if (st != CFY_OK) return st;
        host = f32;
    }
    *out = host;
    return CFY_OK;
}

static cfy_status save_images(cfy_node_ctx *ctx, const char *prefix_in, const save_opts *so)
{
    const cfy_tensor *images;
    cfy_status st = cfy_node_in_tensor(ctx, "images", &images);
    if (st != CFY_OK) return st;
    cfy_tensor *host;
    if ((st = host_images(ctx, images, &host)) != CFY_OK) return st;
    int64_t B = host->sizes[0], H = host->sizes[1], W = host->sizes[2], C = host->sizes[3];

    char *prefix = strdup(prefix_in), *norm = NULL, *folder = NULL, *checked = NULL, *prompt = NULL, *workflow = NULL;
    unsigned char *pixels = NULL;
    if (!prefix || substitute_vars(&prefix, W, H) != CFY_OK || !(norm = normpath(prefix))) {
        st = cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
        goto done;
    }
    /* subfolder = dirname(normpath(prefix)), filename = basename(normpath(prefix)) */
    char *slash = strrchr(norm, '/');
    const char *filename = slash ? slash + 1 : norm;
    const char *subfolder = "";
    if (slash) {
        *slash = '\0';
        subfolder = norm[0] ? norm : "/";
    }
    const char *raw_base = strrchr(prefix, '/');
    size_t prefix_len = strlen(raw_base ? raw_base + 1 : prefix);
    if (subfolder[0] == '/' || strcmp(subfolder, "..") == 0 || strncmp(subfolder, "../", 3) == 0 || strcmp(filename, "..") == 0) {
        st = cfy_node_fail(ctx, CFY_EINVAL, "filename_prefix", "Saving image outside the output folder is not allowed: '%s'", prefix_in);
        goto done;
    }
    if (subfolder[0]) {
        if ((st = cfy_path_join_inside(so->folder, subfolder, &checked, cfy_node_err(ctx))) != CFY_OK) {
            cfy_error_set_input(cfy_node_err(ctx), "filename_prefix");
            goto done;
        }
    }
    size_t fl = strlen(so->folder) + strlen(subfolder) + 2;
    if (!(folder = malloc(fl))) { st = cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory"); goto done; }
    snprintf(folder, fl, subfolder[0] ? "%s/%s" : "%s%s", so->folder, subfolder);
    if ((st = cfy_mkdirs(folder, cfy_node_err(ctx))) != CFY_OK) goto done;
    long long counter = next_counter(folder, filename, prefix_len);

    const char *pj = cfy_node_prompt_json(ctx), *wj = cfy_node_workflow_json(ctx);
    cfy_png_text texts[2];
    int n_texts = 0;
    if (pj) {
        if (!(prompt = python_json(pj))) { st = cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory"); goto done; }
        texts[n_texts++] = (cfy_png_text){"prompt", prompt};
    }
    if (wj) {
        if (!(workflow = python_json(wj))) { st = cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory"); goto done; }
        texts[n_texts++] = (cfy_png_text){"workflow", workflow};
    }

    size_t plane = (size_t)H * (size_t)W * (size_t)C;
    if (!(pixels = malloc(plane))) { st = cfy_node_fail(ctx, CFY_ENOMEM, "images", "out of memory"); goto done; }
    const float *src = cfy_tensor_f32(host);
    for (int64_t b = 0; b < B; b++, counter++) {
        if (cfy_node_interrupted(ctx)) { st = cfy_node_fail(ctx, CFY_EINTERRUPTED, NULL, "interrupted"); goto done; }
        /* clip(255 * x, 0, 255).astype(uint8): float32 product, truncated; NaN -> 0 */
        const float *x = src + (size_t)b * plane;
        for (size_t i = 0; i < plane; i++) {
            float v = 255.0f * x[i];
            pixels[i] = !(v > 0.0f) ? 0 : v >= 255.0f ? 255 : (unsigned char)v;
        }
        char *file = NULL, bnum[24];
        snprintf(bnum, sizeof bnum, "%lld", (long long)b);
        if (!(file = strdup(filename)) || replace_all(&file, "%batch_num%", bnum) != CFY_OK) {
            free(file);
            st = cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
            goto done;
        }
        size_t name_len = strlen(file) + 32, path_len = strlen(folder) + name_len + 2;
        char *name = malloc(name_len), *path = malloc(path_len);
        if (!name || !path) {
            free(file); free(name); free(path);
            st = cfy_node_fail(ctx, CFY_ENOMEM, NULL, "out of memory");
            goto done;
        }
        snprintf(name, name_len, "%s_%05lld_.png", file, counter);
        snprintf(path, path_len, "%s/%s", folder, name);
        free(file);
        st = cfy_png_write(path, pixels, (int)W, (int)H, (int)C, texts, n_texts, so->compress_level, cfy_node_err(ctx));
        if (st == CFY_OK) cfy_node_report_file(ctx, name, subfolder, so->folder_type);
        free(name);
        free(path);
        if (st != CFY_OK) goto done;
    }
done:
    free(pixels);
    free(prompt);
    free(workflow);
    free(checked);
    free(folder);
    free(norm);
    free(prefix);
    cfy_tensor_release(host);
    return st;
}

static cfy_status save_image_run(cfy_node_ctx *ctx)
{
    const char *prefix;
    cfy_status st = cfy_node_in_string(ctx, "filename_prefix", &prefix);
    if (st != CFY_OK) return st;
    save_opts so = {cfy_runtime_opts(cfy_node_runtime(ctx))->output_dir, "output", 4};
    return save_images(ctx, prefix, &so);
}

/* 5 characters from ComfyUI's alphabet (it has 'p' twice and no 'w'). */
static void random_suffix(char out[6])
{
    static const char alphabet[] = "abcdefghijklmnopqrstupvxyz";
    unsigned char r[5] = {0};
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    bool ok = fd >= 0 && read(fd, r, sizeof r) == (ssize_t)sizeof r;
    if (fd >= 0) close(fd);
    if (!ok) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        unsigned long x = (unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 16) ^ (unsigned long)(uintptr_t)out;
        for (int i = 0; i < 5; i++) { x = x * 6364136223846793005UL + 1442695040888963407UL; r[i] = (unsigned char)(x >> 33); }
    }
    for (int i = 0; i < 5; i++) out[i] = alphabet[r[i] % 26];
    out[5] = '\0';
}

static cfy_status preview_image_run(cfy_node_ctx *ctx)
{
    char suffix[6], prefix[32];
    random_suffix(suffix);
    snprintf(prefix, sizeof prefix, "ComfyUI_temp_%s", suffix);
    save_opts so = {cfy_runtime_opts(cfy_node_runtime(ctx))->temp_dir, "temp", 1};
    return save_images(ctx, prefix, &so);
}

/* ==== definitions ==== */

static const char *const mask_channels[] = {"alpha", "red", "green", "blue", NULL};

static const cfy_input_def load_image_inputs[] = {
    {"image", CFY_T_COMBO, CFY_IN_IMAGE_UPLOAD | CFY_IN_NODE_VALIDATED, .combo_fn = list_input_images},
    {NULL},
};
static const cfy_output_def load_image_outputs[] = {{CFY_T_IMAGE}, {CFY_T_MASK}, {NULL}};

static const cfy_input_def load_image_mask_inputs[] = {
    {"image", CFY_T_COMBO, CFY_IN_IMAGE_UPLOAD | CFY_IN_NODE_VALIDATED, .combo_fn = list_input_images},
    {"channel", CFY_T_COMBO, 0, .combo = mask_channels},
    {NULL},
};
static const cfy_output_def mask_outputs[] = {{CFY_T_MASK}, {NULL}};

static const cfy_input_def save_image_inputs[] = {
    {"images", CFY_T_IMAGE, 0, .tooltip = "The images to save."},
    {"filename_prefix", CFY_T_STRING, 0, .s_def = "ComfyUI",
     .tooltip = "The prefix for the file to save. This may include formatting information such as %date:yyyy-MM-dd% "
                "or %Empty Latent Image.width% to include values from nodes."},
    {"prompt", "PROMPT", CFY_IN_HIDDEN},
    {"extra_pnginfo", "EXTRA_PNGINFO", CFY_IN_HIDDEN},
    {NULL},
};
static const cfy_input_def preview_image_inputs[] = {
    {"images", CFY_T_IMAGE, 0},
    {"prompt", "PROMPT", CFY_IN_HIDDEN},
    {"extra_pnginfo", "EXTRA_PNGINFO", CFY_IN_HIDDEN},
    {NULL},
};
static const cfy_output_def no_outputs[] = {{NULL}};

static const cfy_node_def load_image = {
    .abi = CFY_ABI_VERSION, .class_type = "LoadImage", .display_name = "Load Image", .category = "image",
    .inputs = load_image_inputs, .outputs = load_image_outputs, .run = load_image_run,
    .validate = validate_image_exists, .is_changed = image_file_changed,
};
static const cfy_node_def load_image_mask = {
    .abi = CFY_ABI_VERSION, .class_type = "LoadImageMask", .display_name = "Load Image (as Mask)", .category = "mask",
    .inputs = load_image_mask_inputs, .outputs = mask_outputs, .run = load_image_mask_run,
    .validate = validate_image_exists, .is_changed = image_file_changed,
};
static const cfy_node_def save_image = {
    .abi = CFY_ABI_VERSION, .class_type = "SaveImage", .display_name = "Save Image", .category = "image",
    .description = "Saves the input images to your ComfyUI output directory.",
    .inputs = save_image_inputs, .outputs = no_outputs, .flags = CFY_NODE_OUTPUT, .run = save_image_run,
};
static const cfy_node_def preview_image = {
    .abi = CFY_ABI_VERSION, .class_type = "PreviewImage", .display_name = "Preview Image", .category = "image",
    .description = "Saves the input images to your ComfyUI output directory.",
    .inputs = preview_image_inputs, .outputs = no_outputs, .flags = CFY_NODE_OUTPUT, .run = preview_image_run,
};
static const cfy_node_def *const image_io_nodes[] = {&load_image, &load_image_mask, &save_image, &preview_image, NULL};

cfy_status cfy_nodes_core_image_io_register(cfy_registry *reg, cfy_error *err)
{
    return cfy_registry_add_all(reg, image_io_nodes, err);
}

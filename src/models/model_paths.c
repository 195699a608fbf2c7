/* model_paths.c — find model packages in the models folder and the extra_model_paths.yaml folders. */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/fsutil.h"
#include "models/model_paths.h"

#define SUFFIX ".comfyc"
#define MAX_DEPTH 4

typedef struct strlist {
    char **v;
    size_t n, cap;
} strlist;

static bool sl_add(strlist *l, const char *s)
{
    if (l->n + 1 >= l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **nv = realloc(l->v, cap * sizeof *nv);
        if (!nv) return false;
        l->v = nv;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(s))) return false;
    l->v[++l->n] = NULL;
    return true;
}

static void sl_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---------------------------------------------------------------- extra_model_paths.yaml */

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = 0;
    if (n >= 2 && ((s[0] == '"' && s[n - 1] == '"') || (s[0] == '\'' && s[n - 1] == '\''))) {
        s[n - 1] = 0;
        s++;
    }
    return s;
}

static int indent_of(const char *s)
{
    int i = 0;
    while (s[i] == ' ' || s[i] == '\t')
        i++;
    return i;
}

static bool add_path(strlist *out, const char *yaml_dir, const char *base, const char *value)
{
    char buf[4096], bb[4096];
    snprintf(bb, sizeof bb, "%s", base ? base : "");
    for (size_t n = strlen(bb); n > 1 && bb[n - 1] == '/';)
        bb[--n] = 0;
    const char *b = bb;
    int w;
    if (value[0] == '/')
        w = snprintf(buf, sizeof buf, "%s", value);
    else if (b[0] == '/')
        w = snprintf(buf, sizeof buf, "%s/%s", b, value);
    else if (b[0])
        w = snprintf(buf, sizeof buf, "%s/%s/%s", yaml_dir, b, value);
    else
        w = snprintf(buf, sizeof buf, "%s/%s", yaml_dir, value);
    if (w < 0 || (size_t)w >= sizeof buf) return true; /* an over-long path cannot exist: skip it */
    size_t n = strlen(buf);
    while (n > 1 && buf[n - 1] == '/')
        buf[--n] = 0;
    return sl_add(out, buf);
}

/* Parse the yaml subset ComfyUI's example uses: sections of `key: value` lines and `|` blocks. */
static cfy_status parse_yaml(const char *path, char *text, const char *folder, strlist *out, cfy_error *err)
{
    char yaml_dir[4096];
    snprintf(yaml_dir, sizeof yaml_dir, "%s", path);
    char *slash = strrchr(yaml_dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(yaml_dir, sizeof yaml_dir, ".");
    /* one section at a time: collect its base_path and its `folder` values, then resolve */
    char base[4096] = "";
    strlist vals = {0};
    char *line = text, *key_block = NULL;
    int block_indent = -1, lineno = 0;
    bool in_section = false;
    cfy_status st = CFY_OK;
    for (;;) {
        char *nl = line ? strchr(line, '\n') : NULL;
        if (nl) *nl = 0;
        bool eof = line == NULL;
        char *hash = eof ? NULL : strchr(line, '#');
        if (hash && (hash == line || hash[-1] == ' ' || hash[-1] == '\t')) *hash = 0;
        int ind = eof ? 0 : indent_of(line);
        char *content = eof ? (char *)"" : trim(line);
        lineno++;
        bool blank = !eof && !content[0];
        if (!blank && key_block && (eof || ind <= block_indent)) key_block = NULL;
        if (!blank && key_block) {
            if (!strcmp(key_block, folder) && !sl_add(&vals, content)) st = CFY_ENOMEM;
        } else if (!blank && (eof || ind == 0)) {
            /* a new top-level section: flush the previous one */
            for (size_t i = 0; !st && in_section && i < vals.n; i++)
                if (!add_path(out, yaml_dir, base, vals.v[i])) st = CFY_ENOMEM;
            sl_free(&vals);
            base[0] = 0;
            in_section = !eof;
            if (eof) break;
        } else if (!blank) {
            char *colon = strchr(content, ':');
            if (!colon) {
                st = cfy_error_set(err, CFY_EPARSE, "%s:%d: expected 'key: value'", path, lineno);
                break;
            }
            *colon = 0;
            char *key = trim(content), *val = trim(colon + 1);
            if (!strcmp(val, "|") || !strcmp(val, "|-") || !strcmp(val, ">")) {
                key_block = key;
                block_indent = ind;
            } else if (!strcmp(key, "base_path")) {
                snprintf(base, sizeof base, "%s", val);
            } else if (!strcmp(key, folder) && val[0] && !sl_add(&vals, val)) {
                st = CFY_ENOMEM;
            }
        }
        if (st || eof) break;
        line = nl ? nl + 1 : NULL;
    }
    sl_free(&vals);
    if (st == CFY_ENOMEM) return cfy_error_set(err, CFY_ENOMEM, "extra_model_paths: out of memory");
    return st;
}

cfy_status cfy_model_paths_from_yaml(const char *yaml_path, const char *folder, char ***out, cfy_error *err)
{
    *out = NULL;
    void *text = NULL;
    size_t size = 0;
    cfy_status st = cfy_read_file(yaml_path, 1u << 20, &text, &size, err);
    if (st) return st;
    strlist l = {0};
    st = parse_yaml(yaml_path, text, folder, &l, err);
    free(text);
    if (!st && !l.v && !(l.v = calloc(1, sizeof *l.v))) st = cfy_error_set(err, CFY_ENOMEM, "out of memory");
    if (st) {
        sl_free(&l);
        return st;
    }
    *out = l.v;
    return CFY_OK;
}

/* ---------------------------------------------------------------- listing and lookup */

static cfy_status roots(cfy_runtime *rt, const char *folder, strlist *out, cfy_error *err)
{
    const cfy_runtime_options *o = cfy_runtime_opts(rt);
    char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", o->models_dir, folder);
    if (!sl_add(out, buf)) return cfy_error_set(err, CFY_ENOMEM, "out of memory");
    if (o->extra_model_paths && o->extra_model_paths[0]) {
        char **extra = NULL;
        cfy_status st = cfy_model_paths_from_yaml(o->extra_model_paths, folder, &extra, err);
        if (st) return st;
        for (char **e = extra; *e; e++)
            if (!sl_add(out, *e)) {
                cfy_strlist_free(extra);
                return cfy_error_set(err, CFY_ENOMEM, "out of memory");
            }
        cfy_strlist_free(extra);
    }
    return CFY_OK;
}

static bool scan(const char *dir, const char *prefix, int depth, strlist *out)
{
    DIR *d = opendir(dir);
    if (!d) return true;
    struct dirent *e;
    bool ok = true;
    size_t ls = strlen(SUFFIX);
    while (ok && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[4096], name[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        snprintf(name, sizeof name, "%s%s", prefix, e->d_name);
        if (!is_dir(path)) continue;
        size_t n = strlen(name);
        if (n > ls && !strcmp(name + n - ls, SUFFIX)) {
            char manifest[4200];
            snprintf(manifest, sizeof manifest, "%s/manifest.json", path);
            struct stat st;
            if (stat(manifest, &st) == 0) {
                name[n - ls] = 0;
                ok = sl_add(out, name);
            }
        } else if (depth < MAX_DEPTH) {
            strcat(name, "/");
            ok = scan(path, name, depth + 1, out);
        }
    }
    closedir(d);
    return ok;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

cfy_status cfy_model_paths_dirs(cfy_runtime *rt, const char *folder, char ***out, cfy_error *err)
{
    *out = NULL;
    strlist r = {0};
    cfy_status st = roots(rt, folder, &r, err);
    if (st) {
        sl_free(&r);
        return st;
    }
    *out = r.v;
    return CFY_OK;
}

cfy_status cfy_model_paths_list(cfy_runtime *rt, const char *folder, char ***out, cfy_error *err)
{
    *out = NULL;
    strlist r = {0}, names = {0};
    cfy_status st = roots(rt, folder, &r, err);
    for (size_t i = 0; !st && i < r.n; i++)
        if (!scan(r.v[i], "", 0, &names)) st = cfy_error_set(err, CFY_ENOMEM, "out of memory");
    sl_free(&r);
    if (!st && !names.v && !(names.v = calloc(1, sizeof *names.v)))
        st = cfy_error_set(err, CFY_ENOMEM, "out of memory");
    if (st) {
        sl_free(&names);
        return st;
    }
    qsort(names.v, names.n, sizeof *names.v, cmp_str);
    size_t w = 0;
    for (size_t i = 0; i < names.n; i++) {
        if (w && !strcmp(names.v[w - 1], names.v[i])) {
            free(names.v[i]);
            continue;
        }
        names.v[w++] = names.v[i];
    }
    names.v[w] = NULL;
    *out = names.v;
    return CFY_OK;
}

cfy_status cfy_model_paths_find(cfy_runtime *rt, const char *folder, const char *name, char **dir, cfy_error *err)
{
    *dir = NULL;
    strlist r = {0};
    cfy_status st = roots(rt, folder, &r, err);
    if (st) {
        sl_free(&r);
        return st;
    }
    size_t n = strlen(name), ls = strlen(SUFFIX);
    char *rel = malloc(n + ls + 1);
    if (!rel) {
        sl_free(&r);
        return cfy_error_set(err, CFY_ENOMEM, "out of memory");
    }
    strcpy(rel, name);
    if (!(n > ls && !strcmp(name + n - ls, SUFFIX))) strcat(rel, SUFFIX);
    for (size_t i = 0; i < r.n && !*dir; i++) {
        char *p = NULL;
        cfy_error e2 = {0};
        if (!is_dir(r.v[i]) || cfy_path_join_name(r.v[i], rel, &p, &e2)) continue;
        if (is_dir(p))
            *dir = p;
        else
            free(p);
    }
    free(rel);
    sl_free(&r);
    if (*dir) return CFY_OK;
    char **avail = NULL;
    char list[400] = "";
    if (cfy_model_paths_list(rt, folder, &avail, NULL) == CFY_OK) {
        size_t k = 0;
        for (char **a = avail; *a && k + 8 < sizeof list; a++) {
            int w = snprintf(list + k, sizeof list - k, "%s'%s'", a == avail ? "" : ", ", *a);
            if (w < 0 || (size_t)w >= sizeof list - k) {
                snprintf(list + (sizeof list - 5), 5, "...");
                break;
            }
            k += (size_t)w;
        }
        cfy_strlist_free(avail);
    }
    return cfy_error_set(err, CFY_ENOTFOUND, "'%s' not in [%s] (model packages in %s/%s%s)", name, list,
                         cfy_runtime_opts(rt)->models_dir, folder,
                         cfy_runtime_opts(rt)->extra_model_paths ? " and extra_model_paths.yaml" : "");
}

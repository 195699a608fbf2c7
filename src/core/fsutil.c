/* fsutil.c — whole-file reads, atomic writes and folder-confined path joins. */
#include "core/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

cfy_status cfy_read_file(const char *path, size_t max_bytes, void **data, size_t *size, cfy_error *err)
{
    *data = NULL;
    *size = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return cfy_error_set(err, errno == ENOENT ? CFY_ENOTFOUND : CFY_EIO, "cannot open '%s': %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) { fclose(f); return cfy_error_set(err, CFY_ENOMEM, "out of memory reading '%s'", path); }
    for (;;) {
        if (n == cap) {
            if (cap >= max_bytes) { free(buf); fclose(f); return cfy_error_set(err, CFY_EIO, "'%s' is larger than %zu bytes", path, max_bytes); }
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) { free(buf); fclose(f); return cfy_error_set(err, CFY_ENOMEM, "out of memory reading '%s'", path); }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) { free(buf); return cfy_error_set(err, CFY_EIO, "error reading '%s'", path); }
    buf[n] = '\0';
    *data = buf;
    *size = n;
    return CFY_OK;
}

cfy_status cfy_write_file_atomic(const char *path, const void *data, size_t size, cfy_error *err)
{
    size_t len = strlen(path);
    char *tmp = malloc(len + 32);
    if (!tmp) return cfy_error_set(err, CFY_ENOMEM, "out of memory");
    snprintf(tmp, len + 32, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        cfy_status st = cfy_error_set(err, CFY_EIO, "cannot create '%s': %s", tmp, strerror(errno));
        free(tmp);
        return st;
    }
    const char *p = data;
    size_t left = size;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR) continue;
            cfy_status st = cfy_error_set(err, CFY_EIO, "cannot write '%s': %s", path, strerror(errno));
            close(fd); unlink(tmp); free(tmp);
            return st;
        }
        p += w;
        left -= (size_t)w;
    }
    int synced = fsync(fd), closed = close(fd);
    if (synced != 0 || closed != 0 || rename(tmp, path) != 0) {
        cfy_status st = cfy_error_set(err, CFY_EIO, "cannot finish writing '%s': %s", path, strerror(errno));
        unlink(tmp); free(tmp);
        return st;
    }
    free(tmp);
    return CFY_OK;
}

bool cfy_path_has_suffix(const char *path, const char *suffix)
{
    size_t n = strlen(path), k = strlen(suffix);
    return n >= k && strcmp(path + n - k, suffix) == 0;
}

cfy_status cfy_mkdirs(const char *path, cfy_error *err)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return cfy_error_set(err, CFY_EINVAL, "path too long: '%s'", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) return cfy_error_set(err, CFY_EIO, "cannot create folder '%s': %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST) return cfy_error_set(err, CFY_EIO, "cannot create folder '%s': %s", buf, strerror(errno));
    return CFY_OK;
}

/* True when `path` equals `base` or lies below it (both canonical). */
static bool is_inside(const char *base, const char *path)
{
    size_t n = strlen(base);
    if (strncmp(base, path, n) != 0) return false;
    return path[n] == '\0' || path[n] == '/' || (n > 0 && base[n - 1] == '/');
}

cfy_status cfy_path_join_name(const char *base, const char *rel, char **out, cfy_error *err)
{
    *out = NULL;
    if (!rel || !rel[0]) return cfy_error_set(err, CFY_EINVAL, "empty file name");
    if (rel[0] == '/' || rel[0] == '\\') return cfy_error_set(err, CFY_EINVAL, "'%s' is an absolute path; only names inside the folder are allowed", rel);
    /* Reject any ".." component (either separator). */
    for (const char *p = rel; *p;) {
        const char *e = p;
        while (*e && *e != '/' && *e != '\\') e++;
        if (e - p == 2 && p[0] == '.' && p[1] == '.') return cfy_error_set(err, CFY_EINVAL, "'%s' escapes its folder ('..' is not allowed)", rel);
        p = *e ? e + 1 : e;
    }
    size_t len = strlen(base) + strlen(rel) + 2;
    char *joined = malloc(len);
    if (!joined) return cfy_error_set(err, CFY_ENOMEM, "out of memory");
    snprintf(joined, len, "%s/%s", base, rel);
    *out = joined;
    return CFY_OK;
}

cfy_status cfy_path_join_inside(const char *base, const char *rel, char **out, cfy_error *err)
{
    char *joined = NULL;
    cfy_status st = cfy_path_join_name(base, rel, &joined, err);
    if (st) return st;
    /* Symlinks: resolve what exists of the path and check it stays below base. */
    char real_base[PATH_MAX], real_path[PATH_MAX];
    if (realpath(base, real_base)) {
        char probe[PATH_MAX];
        snprintf(probe, sizeof probe, "%s", joined);
        /* walk up until an existing prefix is found */
        for (;;) {
            if (realpath(probe, real_path)) {
                if (!is_inside(real_base, real_path)) {
                    free(joined);
                    return cfy_error_set(err, CFY_EINVAL, "'%s' resolves outside its folder (symlink)", rel);
                }
                break;
            }
            char *slash = strrchr(probe, '/');
            if (!slash || slash == probe) break;
            *slash = '\0';
        }
    }
    *out = joined;
    return CFY_OK;
}

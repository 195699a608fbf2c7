/* npy.c — NumPy .npy read/write for tensors (format v1.0, little-endian, C order). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comfyc/tensor.h"
#include "core/fsutil.h"

static const char *npy_descr(cfy_dtype dt)
{
    switch (dt) {
    case CFY_F32: return "<f4";
    case CFY_F16: return "<f2";
    case CFY_U8: return "|u1";
    case CFY_I64: return "<i8";
    case CFY_I32: return "<i4";
    case CFY_BF16: return NULL;
    }
    return NULL;
}

cfy_status cfy_tensor_save_npy(const cfy_tensor *t, const char *path, cfy_error *err)
{
    cfy_tensor *src = NULL;
    cfy_status st;
    if (t->dtype == CFY_BF16) {
        cfy_tensor *h;
        st = cfy_tensor_to(t, cfy_cpu(), &h, err);
        if (st != CFY_OK) return st;
        st = cfy_tensor_convert(h, CFY_F32, &src, err);
        cfy_tensor_release(h);
    } else {
        st = cfy_tensor_to(t, cfy_cpu(), &src, err);
    }
    if (st != CFY_OK) return st;
    char header[512];
    int n = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (", npy_descr(src->dtype));
    for (int i = 0; i < src->ndim; i++) n += snprintf(header + n, sizeof header - (size_t)n, "%lld,%s", (long long)src->sizes[i], i + 1 < src->ndim ? " " : "");
    n += snprintf(header + n, sizeof header - (size_t)n, "), }");
    int total = 10 + n + 1;
    int pad = (64 - total % 64) % 64;
    size_t data_bytes = (size_t)cfy_tensor_numel(src) * cfy_dtype_size(src->dtype);
    size_t file_bytes = (size_t)total + (size_t)pad + data_bytes;
    unsigned char *buf = malloc(file_bytes);
    if (!buf) { cfy_tensor_release(src); return cfy_error_set(err, CFY_ENOMEM, "npy: out of memory"); }
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    unsigned hlen = (unsigned)(n + pad + 1);
    buf[8] = (unsigned char)(hlen & 0xff);
    buf[9] = (unsigned char)(hlen >> 8);
    memcpy(buf + 10, header, (size_t)n);
    memset(buf + 10 + n, ' ', (size_t)pad);
    buf[10 + n + pad] = '\n';
    memcpy(buf + total + pad, cfy_tensor_data(src), data_bytes);
    cfy_tensor_release(src);
    st = cfy_write_file_atomic(path, buf, file_bytes, err);
    free(buf);
    return st;
}

cfy_status cfy_tensor_load_npy(const char *path, cfy_tensor **out, cfy_error *err)
{
    *out = NULL;
    void *data;
    size_t size;
    cfy_status st = cfy_read_file(path, 1u << 31, &data, &size, err);
    if (st != CFY_OK) return st;
    unsigned char *b = data;
    if (size < 10 || memcmp(b, "\x93NUMPY", 6) != 0) { free(data); return cfy_error_set(err, CFY_EIO, "%s: not a .npy file", path); }
    size_t hlen, hoff;
    if (b[6] == 1) { hlen = (size_t)b[8] | ((size_t)b[9] << 8); hoff = 10; }
    else { if (size < 12) { free(data); return cfy_error_set(err, CFY_EIO, "%s: truncated", path); }
           hlen = (size_t)b[8] | ((size_t)b[9] << 8) | ((size_t)b[10] << 16) | ((size_t)b[11] << 24); hoff = 12; }
    if (hoff + hlen > size) { free(data); return cfy_error_set(err, CFY_EIO, "%s: truncated header", path); }
    char *h = strndup((char *)b + hoff, hlen);
    if (!h) { free(data); return cfy_error_set(err, CFY_ENOMEM, "npy: out of memory"); }
    cfy_dtype dt;
    if (strstr(h, "'<f4'")) dt = CFY_F32;
    else if (strstr(h, "'<f2'")) dt = CFY_F16;
    else if (strstr(h, "'|u1'")) dt = CFY_U8;
    else if (strstr(h, "'<i8'")) dt = CFY_I64;
    else if (strstr(h, "'<i4'")) dt = CFY_I32;
    else { free(h); free(data); return cfy_error_set(err, CFY_EUNSUPPORTED, "%s: unsupported dtype", path); }
    if (strstr(h, "True")) { free(h); free(data); return cfy_error_set(err, CFY_EUNSUPPORTED, "%s: fortran order", path); }
    int64_t sizes[CFY_MAX_DIMS];
    int ndim = 0;
    char *p = strchr(h, '(');
    if (!p) { free(h); free(data); return cfy_error_set(err, CFY_EIO, "%s: no shape", path); }
    p++;
    while (*p && *p != ')') {
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p) { p++; continue; }
        if (ndim == CFY_MAX_DIMS) { free(h); free(data); return cfy_error_set(err, CFY_EUNSUPPORTED, "%s: too many dims", path); }
        sizes[ndim++] = v;
        p = end;
    }
    free(h);
    cfy_tensor *t;
    st = cfy_tensor_new(dt, cfy_cpu(), ndim, sizes, false, &t, err);
    if (st != CFY_OK) { free(data); return st; }
    size_t need = (size_t)cfy_tensor_numel(t) * cfy_dtype_size(dt);
    if (hoff + hlen + need > size) { cfy_tensor_release(t); free(data); return cfy_error_set(err, CFY_EIO, "%s: truncated data", path); }
    memcpy(cfy_tensor_data(t), b + hoff + hlen, need);
    free(data);
    *out = t;
    return CFY_OK;
}

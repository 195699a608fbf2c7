/* png_text.c — PNG text chunks: reading tEXt/zTXt/iTXt, and writing PNGs that carry them.
 *
 * Reading walks the chunk list of an in-memory PNG (CRCs are not checked, like ComfyUI's
 * frontend reader); when a key occurs more than once the last chunk wins, as in Pillow's
 * `info` dict. Writing is a small self-contained PNG encoder on zlib (so the compress level is
 * a parameter, not a process-wide setting): IHDR, text chunks, IDAT, IEND, written atomically.
 * Text encoding follows Pillow's PngInfo.add_text: Latin-1-encodable text goes into tEXt,
 * anything else into an uncompressed iTXt. */
#include "core/png_text.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h> /* crc32, inflate, deflate */

#include "core/fsutil.h"

static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

/* Decompressed text above this size is refused (zTXt/iTXt bombs). */
#define MAX_TEXT_BYTES ((size_t)256 << 20)

bool cfy_png_is_png(const void *data, size_t size)
{
    return data && size >= 8 && memcmp(data, png_sig, 8) == 0;
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* ==== reading ==== */

/* Inflate a zlib stream into a new NUL-terminated buffer. */
static cfy_status inflate_text(const unsigned char *src, size_t n, char **out, size_t *out_len, cfy_error *err)
{
    *out = NULL;
    size_t cap = n * 4 + 64, len = 0;
    char *buf = malloc(cap + 1);
    if (!buf) return cfy_error_set(err, CFY_ENOMEM, "out of memory inflating a PNG text chunk");
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit(&zs) != Z_OK) {
        free(buf);
        return cfy_error_set(err, CFY_ENOMEM, "zlib inflateInit failed");
    }
    const unsigned char *in = src;
    size_t in_left = n;
    int zr = Z_OK;
    while (zr != Z_STREAM_END) {
        if (len == cap) {
            if (cap >= MAX_TEXT_BYTES) { zr = Z_MEM_ERROR; break; }
            size_t ncap = cap * 2 > MAX_TEXT_BYTES ? MAX_TEXT_BYTES : cap * 2;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) { zr = Z_MEM_ERROR; break; }
            buf = nb;
            cap = ncap;
        }
        uInt chunk_in = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
        zs.next_in = (Bytef *)in;
        zs.avail_in = chunk_in;
        zs.next_out = (Bytef *)buf + len;
        zs.avail_out = (uInt)(cap - len);
        zr = inflate(&zs, Z_NO_FLUSH);
        in += chunk_in - zs.avail_in;
        in_left -= chunk_in - zs.avail_in;
        len = cap - zs.avail_out;
        if (zr == Z_STREAM_END) break;
        if (zr != Z_OK && zr != Z_BUF_ERROR) break;
        if (zr == Z_BUF_ERROR && in_left == 0 && len < cap) break; /* truncated stream */
    }
    inflateEnd(&zs);
    if (zr != Z_STREAM_END) {
        free(buf);
        if (len >= MAX_TEXT_BYTES) return cfy_error_set(err, CFY_EIO, "PNG text chunk inflates to more than %zu bytes", MAX_TEXT_BYTES);
        return cfy_error_set(err, CFY_EIO, "PNG text chunk: corrupt or truncated compressed data");
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return CFY_OK;
}

/* Latin-1 bytes -> new NUL-terminated UTF-8 string. */
static char *latin1_to_utf8(const unsigned char *s, size_t n)
{
    char *out = malloc(n * 2 + 1), *o = out;
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < 0x80) {
            *o++ = (char)s[i];
        } else {
            *o++ = (char)(0xC0 | (s[i] >> 6));
            *o++ = (char)(0x80 | (s[i] & 0x3F));
        }
    }
    *o = '\0';
    return out;
}

/* Position of the first NUL in [p, p+n), or -1. */
static long find_nul(const unsigned char *p, size_t n)
{
    const unsigned char *z = memchr(p, 0, n);
    return z ? (long)(z - p) : -1;
}

/* Decode one text chunk's body if its keyword is `key`. *out set (new) when it matches. */
static cfy_status decode_text_chunk(const char *type, const unsigned char *d, size_t n, const char *key, char **out,
                                    cfy_error *err)
{
    *out = NULL;
    long kl = find_nul(d, n);
    if (kl < 0) return CFY_OK; /* malformed keyword: not ours (Pillow skips these too) */
    if ((size_t)kl != strlen(key) || memcmp(d, key, (size_t)kl) != 0) return CFY_OK;
    const unsigned char *p = d + kl + 1;
    size_t left = n - (size_t)kl - 1;
    if (strcmp(type, "tEXt") == 0) {
        *out = latin1_to_utf8(p, left);
        return *out ? CFY_OK : cfy_error_set(err, CFY_ENOMEM, "out of memory");
    }
    if (strcmp(type, "zTXt") == 0) {
        if (left < 1) return cfy_error_set(err, CFY_EIO, "PNG zTXt chunk '%s' is truncated", key);
        if (p[0] != 0) return cfy_error_set(err, CFY_EIO, "PNG zTXt chunk '%s' uses unknown compression %d", key, p[0]);
        char *raw;
        size_t raw_len;
        cfy_status st = inflate_text(p + 1, left - 1, &raw, &raw_len, err);
        if (st != CFY_OK) return st;
        *out = latin1_to_utf8((const unsigned char *)raw, raw_len);
        free(raw);
        return *out ? CFY_OK : cfy_error_set(err, CFY_ENOMEM, "out of memory");
    }
    /* iTXt: compression flag, method, language\0, translated keyword\0, UTF-8 text */
    if (left < 2) return cfy_error_set(err, CFY_EIO, "PNG iTXt chunk '%s' is truncated", key);
    int compressed = p[0], method = p[1];
    p += 2;
    left -= 2;
    for (int skip = 0; skip < 2; skip++) {
        long l = find_nul(p, left);
        if (l < 0) return cfy_error_set(err, CFY_EIO, "PNG iTXt chunk '%s' is truncated", key);
        p += l + 1;
        left -= (size_t)l + 1;
    }
    if (compressed) {
        if (method != 0) return cfy_error_set(err, CFY_EIO, "PNG iTXt chunk '%s' uses unknown compression %d", key, method);
        size_t len;
        return inflate_text(p, left, out, &len, err);
    }
    char *s = malloc(left + 1);
    if (!s) return cfy_error_set(err, CFY_ENOMEM, "out of memory");
    memcpy(s, p, left);
    s[left] = '\0';
    *out = s;
    return CFY_OK;
}

cfy_status cfy_png_read_text(const void *data, size_t size, const char *key, char **out, cfy_error *err)
{
    *out = NULL;
    if (!cfy_png_is_png(data, size)) return cfy_error_set(err, CFY_EIO, "not a PNG file");
    const unsigned char *b = data;
    size_t pos = 8;
    char *found = NULL;
    bool saw_iend = false;
    while (pos + 8 <= size) {
        uint32_t len = rd32(b + pos);
        char type[5] = {(char)b[pos + 4], (char)b[pos + 5], (char)b[pos + 6], (char)b[pos + 7], 0};
        if (len > 0x7fffffffu || (size_t)len > size - pos - 8) {
            free(found);
            return cfy_error_set(err, CFY_EIO, "PNG is truncated or corrupt: chunk '%.4s' at byte %zu claims %u bytes", type, pos, len);
        }
        const unsigned char *body = b + pos + 8;
        if (strcmp(type, "tEXt") == 0 || strcmp(type, "zTXt") == 0 || strcmp(type, "iTXt") == 0) {
            char *text = NULL;
            cfy_status st = decode_text_chunk(type, body, len, key, &text, err);
            if (st != CFY_OK) { free(found); return st; }
            if (text) { free(found); found = text; }
        }
        if (strcmp(type, "IEND") == 0) { saw_iend = true; break; }
        /* skip body and CRC (the CRC may be missing only at the very end of a truncated file) */
        pos += 8 + (size_t)len;
        pos = size - pos < 4 ? size : pos + 4;
    }
    if (!found) {
        if (!saw_iend) return cfy_error_set(err, CFY_EIO, "PNG is truncated (no IEND chunk before byte %zu)", size);
        return cfy_error_set(err, CFY_ENOTFOUND, "PNG has no '%s' text chunk", key);
    }
    *out = found;
    return CFY_OK;
}

/* ==== writing ==== */

typedef struct png_buf {
    unsigned char *p;
    size_t n, cap;
    bool oom;
} png_buf;

static void buf_put(png_buf *b, const void *src, size_t n)
{
    if (b->oom) return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n) cap *= 2;
        unsigned char *np = realloc(b->p, cap);
        if (!np) { b->oom = true; return; }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

/* Append one chunk: length, type, body, CRC over type and body. */
static void put_chunk(png_buf *b, const char *type, const unsigned char *body, size_t n)
{
    unsigned char hdr[8];
    wr32(hdr, (uint32_t)n);
    memcpy(hdr + 4, type, 4);
    buf_put(b, hdr, 8);
    if (n) buf_put(b, body, n);
    uLong crc = crc32(0L, (const Bytef *)type, 4);
    if (n) crc = crc32(crc, body, (uInt)n);
    unsigned char c[4];
    wr32(c, (uint32_t)crc);
    buf_put(b, c, 4);
}

/* UTF-8 -> Latin-1 when every code point is <= 0xFF. Returns new buffer (length *n) or NULL
 * when the text needs iTXt (or is not valid UTF-8). */
static unsigned char *utf8_to_latin1(const char *s, size_t *n, bool *oom)
{
    size_t len = strlen(s);
    unsigned char *out = malloc(len + 1), *o = out;
    *oom = out == NULL;
    if (!out) return NULL;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x80) {
            *o++ = *p++;
        } else if ((p[0] == 0xC2 || p[0] == 0xC3) && (p[1] & 0xC0) == 0x80) {
            *o++ = (unsigned char)(((p[0] & 0x1F) << 6) | (p[1] & 0x3F));
            p += 2;
        } else {
            free(out);
            return NULL;
        }
    }
    *n = (size_t)(o - out);
    return out;
}

static cfy_status put_text(png_buf *b, const cfy_png_text *t, cfy_error *err)
{
    size_t kl = t->key ? strlen(t->key) : 0;
    if (kl < 1 || kl > 79) return cfy_error_set(err, CFY_EINVAL, "PNG text key '%s' must be 1..79 bytes", t->key ? t->key : "");
    const char *value = t->value ? t->value : "";
    bool oom;
    size_t vl = 0;
    unsigned char *latin = utf8_to_latin1(value, &vl, &oom);
    if (oom) return cfy_error_set(err, CFY_ENOMEM, "out of memory");
    size_t body_len;
    unsigned char *body;
    const char *type;
    if (latin) {
        type = "tEXt";
        body_len = kl + 1 + vl;
        body = malloc(body_len);
        if (body) {
            memcpy(body, t->key, kl);
            body[kl] = 0;
            memcpy(body + kl + 1, latin, vl);
        }
        free(latin);
    } else {
        /* keyword\0 compression-flag 0, method 0, empty language\0, empty translation\0, text */
        type = "iTXt";
        vl = strlen(value);
        body_len = kl + 5 + vl;
        body = malloc(body_len);
        if (body) {
            memcpy(body, t->key, kl);
            memset(body + kl, 0, 5);
            memcpy(body + kl + 5, value, vl);
        }
    }
    if (!body) return cfy_error_set(err, CFY_ENOMEM, "out of memory");
    if (body_len > 0x7fffffffu) {
        free(body);
        return cfy_error_set(err, CFY_EINVAL, "PNG text '%s' is too long", t->key);
    }
    put_chunk(b, type, body, body_len);
    free(body);
    return CFY_OK;
}

static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    if (pa <= pb && pa <= pc) return a;
    return pb <= pc ? b : c;
}

/* Filter one row with filter type f into out (1 + row bytes); returns the sum of |signed bytes|
 * (libpng's minimum-sum-of-absolute-differences heuristic). */
static unsigned long filter_row(int f, const unsigned char *row, const unsigned char *prev, size_t n, int bpp,
                                unsigned char *out)
{
    unsigned long sum = 0;
    out[0] = (unsigned char)f;
    for (size_t i = 0; i < n; i++) {
        int a = i >= (size_t)bpp ? row[i - (size_t)bpp] : 0;
        int up = prev ? prev[i] : 0;
        int c = (prev && i >= (size_t)bpp) ? prev[i - (size_t)bpp] : 0;
        int pred = 0;
        switch (f) {
        case 1: pred = a; break;
        case 2: pred = up; break;
        case 3: pred = (a + up) / 2; break;
        case 4: pred = paeth(a, up, c); break;
        default: pred = 0; break;
        }
        unsigned char v = (unsigned char)(row[i] - pred);
        out[i + 1] = v;
        sum += v < 128 ? v : 256u - v;
    }
    return sum;
}

/* Filtered scanlines (a filter byte per row) of the image. Returns new malloc'd buffer. */
static unsigned char *filter_image(const unsigned char *px, int w, int h, int ch, int level, size_t *out_len)
{
    size_t row = (size_t)w * (size_t)ch, stride = row + 1;
    unsigned char *out = malloc(stride * (size_t)h);
    unsigned char *tmp = malloc(stride * 2);
    if (!out || !tmp) { free(out); free(tmp); return NULL; }
    for (int y = 0; y < h; y++) {
        const unsigned char *cur = px + row * (size_t)y, *prev = y ? cur - row : NULL;
        unsigned char *dst = out + stride * (size_t)y;
        if (level == 0) { /* stored: no filtering, like zlib-level-0 writers */
            filter_row(0, cur, prev, row, ch, dst);
            continue;
        }
        unsigned long best = filter_row(0, cur, prev, row, ch, dst);
        unsigned char *cand = tmp;
        for (int f = 1; f <= 4; f++) {
            unsigned long s = filter_row(f, cur, prev, row, ch, cand);
            if (s < best) {
                best = s;
                memcpy(dst, cand, stride);
            }
        }
    }
    free(tmp);
    *out_len = stride * (size_t)h;
    return out;
}

cfy_status cfy_png_write(const char *path, const unsigned char *pixels, int width, int height, int channels,
                         const cfy_png_text *texts, int n_texts, int compress_level, cfy_error *err)
{
    if (width < 1 || height < 1 || channels < 1 || channels > 4)
        return cfy_error_set(err, CFY_EINVAL, "cannot write a %dx%d PNG with %d channels", width, height, channels);
    if ((uint64_t)width * (uint64_t)channels + 1 > 0x7fffffffu || (uint64_t)height > 0x7fffffffu)
        return cfy_error_set(err, CFY_EINVAL, "PNG %dx%d is too large", width, height);
    if (compress_level < 0 || compress_level > 9) compress_level = 6;

    png_buf b = {0};
    buf_put(&b, png_sig, 8);
    unsigned char ihdr[13];
    static const unsigned char color_type[5] = {0, 0, 4, 2, 6}; /* by channel count: L, LA, RGB, RGBA */
    wr32(ihdr, (uint32_t)width);
    wr32(ihdr + 4, (uint32_t)height);
    ihdr[8] = 8;
    ihdr[9] = color_type[channels];
    ihdr[10] = ihdr[11] = ihdr[12] = 0;
    put_chunk(&b, "IHDR", ihdr, sizeof ihdr);
    for (int i = 0; i < n_texts; i++) {
        cfy_status st = put_text(&b, &texts[i], err);
        if (st != CFY_OK) { free(b.p); return st; }
    }

    size_t raw_len = 0;
    unsigned char *raw = filter_image(pixels, width, height, channels, compress_level, &raw_len);
    if (!raw) { free(b.p); return cfy_error_set(err, CFY_ENOMEM, "out of memory encoding PNG"); }
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit(&zs, compress_level) != Z_OK) {
        free(raw); free(b.p);
        return cfy_error_set(err, CFY_ENOMEM, "zlib deflateInit failed");
    }
    /* Deflate in pieces and emit one IDAT per 64 KiB of output. */
    enum { IDAT_MAX = 1 << 16 };
    unsigned char *zout = malloc(IDAT_MAX);
    int zr = Z_OK;
    size_t in_pos = 0;
    if (zout) {
        do {
            size_t piece = raw_len - in_pos > (1u << 30) ? (1u << 30) : raw_len - in_pos;
            zs.next_in = raw + in_pos;
            zs.avail_in = (uInt)piece;
            int flush = in_pos + piece == raw_len ? Z_FINISH : Z_NO_FLUSH;
            do {
                zs.next_out = zout;
                zs.avail_out = IDAT_MAX;
                zr = deflate(&zs, flush);
                size_t have = IDAT_MAX - zs.avail_out;
                if (have) put_chunk(&b, "IDAT", zout, have);
            } while (zs.avail_out == 0 && zr != Z_STREAM_ERROR);
            in_pos += piece - zs.avail_in;
        } while (zr != Z_STREAM_END && zr != Z_STREAM_ERROR && in_pos <= raw_len && !b.oom);
    }
    deflateEnd(&zs);
    free(zout);
    free(raw);
    if (!zout || b.oom) { free(b.p); return cfy_error_set(err, CFY_ENOMEM, "out of memory encoding PNG"); }
    if (zr != Z_STREAM_END) { free(b.p); return cfy_error_set(err, CFY_EINTERNAL, "zlib deflate failed (%d)", zr); }
    put_chunk(&b, "IEND", NULL, 0);
    if (b.oom) { free(b.p); return cfy_error_set(err, CFY_ENOMEM, "out of memory encoding PNG"); }
    cfy_status st = cfy_write_file_atomic(path, b.p, b.n, err);
    free(b.p);
    return st;
}

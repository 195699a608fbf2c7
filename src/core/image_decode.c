/* image_decode.c — image files to 8-bit RGBA the way ComfyUI's Pillow path sees them (see image_decode.h). */
#include "core/image_decode.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <stb_image.h> /* stbi_info_from_memory, stbi_load(_16)_from_memory; implementation in libstb */

/* ==== small byte readers ==== */

static unsigned rd16(const unsigned char *p, bool le)
{
    return le ? (unsigned)p[0] | (unsigned)p[1] << 8 : (unsigned)p[0] << 8 | p[1];
}

static uint32_t rd32(const unsigned char *p, bool le)
{
    return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
              : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ==== EXIF orientation ==== */

/* Orientation tag (0x0112) of IFD0 in a TIFF-structured EXIF block; 1 when absent or invalid. */
static int tiff_orientation(const unsigned char *p, size_t n)
{
    if (n < 8) return 1;
    bool le;
    if (p[0] == 'I' && p[1] == 'I') le = true;
    else if (p[0] == 'M' && p[1] == 'M') le = false;
    else return 1;
    if (rd16(p + 2, le) != 42) return 1;
    uint32_t ifd = rd32(p + 4, le);
    if (ifd > n || n - ifd < 2) return 1;
    unsigned count = rd16(p + ifd, le);
    for (unsigned i = 0; i < count; i++) {
        size_t e = (size_t)ifd + 2 + 12 * (size_t)i;
        if (e + 12 > n) break;
        if (rd16(p + e, le) != 0x0112) continue;
        unsigned type = rd16(p + e + 2, le);
        uint32_t v = type == 3 ? rd16(p + e + 8, le) : type == 4 ? rd32(p + e + 8, le) : 1;
        return v >= 1 && v <= 8 ? (int)v : 1;
    }
    return 1;
}

/* First APP1 "Exif" segment of a JPEG, before the scan data. */
static int jpeg_orientation(const unsigned char *d, size_t n)
{
    size_t pos = 2;
    while (pos + 4 <= n) {
        if (d[pos] != 0xFF) break;
        unsigned marker = d[pos + 1];
        if (marker == 0xFF) { pos++; continue; }
        if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { pos += 2; continue; }
        if (marker == 0xDA || marker == 0xD9) break;
        size_t len = rd16(d + pos + 2, false);
        if (len < 2) break;
        size_t seg = pos + 4, seg_len = len - 2;
        if (seg_len > n - seg) seg_len = n - seg;
        if (marker == 0xE1 && seg_len >= 6 && memcmp(d + seg, "Exif\0\0", 6) == 0)
            return tiff_orientation(d + seg + 6, seg_len - 6);
        pos += 2 + len;
    }
    return 1;
}

/* ==== guards for stb_image 2.27 (Debian) defects reachable from file bytes ==== */

/* Byte i of d, or 0 past the end (what stb_image reads there). */
static unsigned byte_at(const unsigned char *d, size_t n, size_t i)
{
    return i < n ? d[i] : 0;
}

/* JPEG: walk every marker segment (skipping entropy-coded data) and refuse two defects of
 * stb_image 2.27 (both fixed upstream in 2.28):
 *   - a DHT table's symbol count (up to 16*255) is copied into a 256-entry array unchecked;
 *   - the decoder state is not zeroed, so a scan that uses a Huffman table no DHT defined reads
 *     uninitialised tables (garbage lookups, out-of-bounds reads, an assertion abort). */
static bool jpeg_segments_ok(const unsigned char *d, size_t n)
{
    unsigned dc_defined = 0, ac_defined = 0; /* bit per table id 0..3 */
    size_t pos = 2;
    while (pos + 4 <= n) {
        if (d[pos] != 0xFF) { /* entropy-coded data: find the next real marker */
            pos++;
            continue;
        }
        unsigned m = d[pos + 1];
        if (m == 0x00 || m == 0xFF || (m >= 0xD0 && m <= 0xD7) || m == 0x01 || m == 0xD8) {
            pos += m == 0xFF ? 1 : 2;
            continue;
        }
        if (m == 0xD9) break;
        size_t len = rd16(d + pos + 2, false);
        if (len < 2) return false;
        if (m == 0xC4) {
            size_t q = pos + 4, end = pos + 2 + len;
            while (q < end) {
                if (q + 17 > end || q + 17 > n) return false;
                unsigned tc = d[q] >> 4, th = d[q] & 15, count = 0;
                for (int i = 0; i < 16; i++) count += d[q + 1 + i];
                if (count > 256) return false;
                if (th <= 3) {
                    if (tc == 0) dc_defined |= 1u << th;
                    else if (tc == 1) ac_defined |= 1u << th;
                }
                q += 17 + count;
            }
        } else if (m == 0xDA) {
            size_t h = pos + 4;
            unsigned ns = byte_at(d, n, h);
            unsigned ss = byte_at(d, n, h + 1 + 2 * (size_t)ns), se = byte_at(d, n, h + 2 + 2 * (size_t)ns);
            for (unsigned i = 0; i < ns && i < 4; i++) {
                unsigned sel = byte_at(d, n, h + 2 + 2 * (size_t)i), td = sel >> 4, ta = sel & 15;
                if (ss == 0 && td <= 3 && !(dc_defined & (1u << td))) return false;
                if (se != 0 && ta <= 3 && !(ac_defined & (1u << ta))) return false;
            }
        }
        pos += 2 + len;
    }
    return true;
}

/* PNG: every chunk length must fit in the file. stb_image grows its IDAT buffer to a chunk's
 * claimed length before reading it, so a 100-byte file could make it allocate gigabytes. */
static bool png_chunks_ok(const unsigned char *d, size_t n)
{
    size_t pos = 8;
    while (pos + 8 <= n) {
        uint32_t len = rd32(d + pos, false);
        if (len > 0x7fffffffu || len > n - pos - 8) return false;
        if (memcmp(d + pos + 4, "IEND", 4) == 0) break;
        pos += 12 + (size_t)len;
    }
    return true;
}

/* eXIf chunk of a PNG (anywhere before IEND). */
static int png_orientation(const unsigned char *d, size_t n)
{
    size_t pos = 8;
    while (pos + 8 <= n) {
        uint32_t len = rd32(d + pos, false);
        if (len > n - pos - 8) break;
        if (memcmp(d + pos + 4, "eXIf", 4) == 0) return tiff_orientation(d + pos + 8, len);
        if (memcmp(d + pos + 4, "IEND", 4) == 0) break;
        pos += 12 + (size_t)len;
    }
    return 1;
}

/* Apply orientation o (2..8) as Pillow's ImageOps.exif_transpose: returns new pixels and
 * swaps the width and height for the transposing orientations (5..8). NULL out of memory. */
static unsigned char *orient(const unsigned char *src, int *w, int *h, int o)
{
    int W = *w, H = *h;
    bool swap = o >= 5;
    int ow = swap ? H : W, oh = swap ? W : H;
    unsigned char *dst = malloc((size_t)ow * (size_t)oh * 4);
    if (!dst) return NULL;
    for (int y = 0; y < oh; y++) {
        for (int x = 0; x < ow; x++) {
            int sx, sy;
            switch (o) {
            case 2: sx = W - 1 - x; sy = y; break;          /* FLIP_LEFT_RIGHT */
            case 3: sx = W - 1 - x; sy = H - 1 - y; break;  /* ROTATE_180 */
            case 4: sx = x; sy = H - 1 - y; break;          /* FLIP_TOP_BOTTOM */
            case 5: sx = y; sy = x; break;                  /* TRANSPOSE */
            case 6: sx = y; sy = H - 1 - x; break;          /* ROTATE_270 (90 clockwise) */
            case 7: sx = W - 1 - y; sy = H - 1 - x; break;  /* TRANSVERSE */
            case 8: sx = W - 1 - y; sy = x; break;          /* ROTATE_90 (counter-clockwise) */
            default: sx = x; sy = y; break;
            }
            memcpy(dst + ((size_t)y * (size_t)ow + (size_t)x) * 4, src + ((size_t)sy * (size_t)W + (size_t)sx) * 4, 4);
        }
    }
    *w = ow;
    *h = oh;
    return dst;
}

/* ==== per-format facts stb_image does not report ==== */

/* GIF: transparency of the first frame (its Graphic Control Extension) and the RGB that
 * Pillow's P -> RGB conversion gives the transparent index. */
static bool gif_transparency(const unsigned char *d, size_t n, unsigned char rgb[3])
{
    rgb[0] = rgb[1] = rgb[2] = 0;
    if (n < 13) return false;
    const unsigned char *table = NULL;
    size_t table_len = 0, pos = 13;
    if (d[10] & 0x80) {
        table_len = (size_t)3 << ((d[10] & 7) + 1);
        table = d + 13;
        pos += table_len;
    }
    bool trans = false;
    int index = 0;
    while (pos < n) {
        if (d[pos] == 0x21) { /* extension: label, then sub-blocks */
            if (pos + 2 > n) break;
            if (d[pos + 1] == 0xF9 && pos + 7 <= n && d[pos + 2] == 4) {
                trans = (d[pos + 3] & 1) != 0;
                index = d[pos + 6];
            }
            pos += 2;
            while (pos < n && d[pos] != 0) pos += (size_t)d[pos] + 1;
            pos++;
        } else if (d[pos] == 0x2C) { /* first image descriptor: its local table wins */
            if (pos + 10 <= n && (d[pos + 9] & 0x80)) {
                table_len = (size_t)3 << ((d[pos + 9] & 7) + 1);
                table = d + pos + 10;
            }
            break;
        } else {
            break;
        }
    }
    if (trans && table && (size_t)index * 3 + 3 <= table_len && table + (size_t)index * 3 + 3 <= d + n)
        memcpy(rgb, table + (size_t)index * 3, 3);
    return trans;
}

/* PNG: an 'A' band as Pillow reports it — colour type 4/6, or a palette with a tRNS chunk.
 * (A tRNS colour key on grey/RGB gives Pillow no 'A' band; stb_image reports 4 channels.) */
static bool png_has_alpha(const unsigned char *d, size_t n)
{
    if (n < 29) return false;
    unsigned ct = d[25];
    if (ct == 4 || ct == 6) return true;
    if (ct != 3) return false;
    size_t pos = 8;
    while (pos + 8 <= n) {
        uint32_t len = rd32(d + pos, false);
        if (memcmp(d + pos + 4, "tRNS", 4) == 0) return true;
        if (memcmp(d + pos + 4, "IDAT", 4) == 0 || len > n - pos - 8) break;
        pos += 12 + (size_t)len;
    }
    return false;
}

/* GIF: number of image descriptors (frames), walking the block structure without decoding. */
static long gif_frame_count(const unsigned char *d, size_t n)
{
    if (n < 13) return 0;
    size_t pos = 13;
    if (d[10] & 0x80) pos += (size_t)3 << ((d[10] & 7) + 1);
    long frames = 0;
    while (pos < n) {
        if (d[pos] == 0x21) {
            pos += 2;
        } else if (d[pos] == 0x2C) {
            if (pos + 10 > n) break;
            frames++;
            unsigned char packed = d[pos + 9];
            pos += 10;
            if (packed & 0x80) pos += (size_t)3 << ((packed & 7) + 1);
            pos++; /* LZW minimum code size */
        } else {
            break;
        }
        while (pos < n && d[pos] != 0) pos += (size_t)d[pos] + 1; /* sub-blocks */
        pos++;
    }
    return frames;
}

/* BMP: true for an uncompressed (BI_RGB) bitmap, whose 4th byte Pillow ignores. */
static bool bmp_is_bi_rgb(const unsigned char *d, size_t n)
{
    if (n < 34) return false;
    uint32_t header = rd32(d + 14, true);
    if (header < 40) return true; /* OS/2 headers have no compression field */
    return rd32(d + 30, true) == 0;
}

static const char *sniff_format(const unsigned char *d, size_t n)
{
    if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) return "png";
    if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return "jpeg";
    if (n >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0)) return "gif";
    if (n >= 2 && d[0] == 'B' && d[1] == 'M') return "bmp";
    return "image";
}

/* ==== decoding ==== */

/* 16-bit samples (stbi, RGBA) -> 8-bit as Pillow does. comp: channels in the file. */
static void reduce16(const unsigned short *in, unsigned char *out, size_t n_px, int comp)
{
    for (size_t i = 0; i < n_px; i++) {
        const unsigned short *p = in + i * 4;
        unsigned char *o = out + i * 4;
        if (comp == 1) {
            /* mode "I": point(lambda v: v * (1/255)) truncates to int, convert() clamps to 0..255 */
            long v = (long)((double)p[0] * (1.0 / 255.0));
            unsigned char g = (unsigned char)(v > 255 ? 255 : v);
            o[0] = o[1] = o[2] = g;
        } else {
            o[0] = (unsigned char)(p[0] >> 8);
            o[1] = (unsigned char)(p[1] >> 8);
            o[2] = (unsigned char)(p[2] >> 8);
        }
        o[3] = (unsigned char)(p[3] >> 8);
    }
}

void cfy_decoded_image_free(cfy_decoded_image *img)
{
    if (!img) return;
    free(img->rgba);
    img->rgba = NULL;
}

cfy_status cfy_image_decode(const void *data, size_t size, int64_t max_side_px, cfy_decoded_image *out,
                            cfy_error *err)
{
    memset(out, 0, sizeof *out);
    const unsigned char *d = data;
    if (!d || size == 0) return cfy_error_set(err, CFY_EIO, "image file is empty");
    if (size > INT_MAX) return cfy_error_set(err, CFY_EIO, "image file is too large (%zu bytes)", size);
    const char *format = sniff_format(d, size);
    int len = (int)size, w = 0, h = 0, comp = 0;
    if (d[0] == 0xFF && strcmp(format, "jpeg") != 0) /* stb would try it as a JPEG; Pillow wants FF D8 FF */
        return cfy_error_set(err, CFY_EIO, "not a supported image: bad JPEG start of image");
    if (strcmp(format, "png") == 0 && !png_chunks_ok(d, size))
        return cfy_error_set(err, CFY_EIO, "PNG is truncated or corrupt: a chunk is longer than the file");
    if (strcmp(format, "jpeg") == 0 && !jpeg_segments_ok(d, size)) /* before any stb call reads tables */
        return cfy_error_set(err, CFY_EIO, "corrupt JPEG: bad or missing Huffman table (DHT)");
    if (stbi_is_hdr_from_memory(d, len)) return cfy_error_set(err, CFY_EIO, "HDR images are not supported");
    if (!stbi_info_from_memory(d, len, &w, &h, &comp)) {
        const char *why = stbi_failure_reason();
        return cfy_error_set(err, CFY_EIO, "cannot read image header: not a supported image or corrupt (%s)", why ? why : "unknown");
    }
    if (w <= 0 || h <= 0) return cfy_error_set(err, CFY_EIO, "image has no pixels (%dx%d)", w, h);
    if (max_side_px > 0 && (w > max_side_px || h > max_side_px))
        return cfy_error_set(err, CFY_EINVAL, "image is %dx%d pixels, above the limit of %lld pixels per side", w, h, (long long)max_side_px);

    bool gif = strcmp(format, "gif") == 0;
    long frames = 1;
    if (gif) {
        frames = gif_frame_count(d, size);
        if (frames < 1) frames = 1;
        if (max_side_px > 0 && (double)frames * w * h > (double)max_side_px * (double)max_side_px)
            return cfy_error_set(err, CFY_EINVAL, "animation has %ld frames of %dx%d pixels, more than one %lldx%lld image",
                                 frames, w, h, (long long)max_side_px, (long long)max_side_px);
    }

    unsigned char *px = NULL;
    int dw = 0, dh = 0;
    comp = 0;
    if (gif) {
        int *delays = NULL, z = 0;
        unsigned char *all = stbi_load_gif_from_memory(d, len, &delays, &dw, &dh, &z, &comp, 4);
        stbi_image_free(delays);
        if (all && (dw != w || dh != h || z < 1)) { stbi_image_free(all); all = NULL; }
        if (all && max_side_px > 0 && (double)z * w * h > (double)max_side_px * (double)max_side_px) {
            stbi_image_free(all);
            return cfy_error_set(err, CFY_EINVAL, "animation has %d frames of %dx%d pixels, more than one %lldx%lld image",
                                 z, w, h, (long long)max_side_px, (long long)max_side_px);
        }
        if (all) {
            frames = z;
            size_t bytes = (size_t)w * (size_t)h * 4 * (size_t)z;
            px = malloc(bytes);
            if (px) memcpy(px, all, bytes);
            stbi_image_free(all);
            if (!px) return cfy_error_set(err, CFY_ENOMEM, "out of memory decoding a %dx%d GIF with %d frames", w, h, z);
        }
    } else if (stbi_is_16_bit_from_memory(d, len)) {
        unsigned short *p16 = stbi_load_16_from_memory(d, len, &dw, &dh, &comp, 4);
        if (p16 && dw == w && dh == h) {
            px = malloc((size_t)w * (size_t)h * 4);
            if (px) reduce16(p16, px, (size_t)w * (size_t)h, comp);
            stbi_image_free(p16);
            if (!px) return cfy_error_set(err, CFY_ENOMEM, "out of memory decoding a %dx%d image", w, h);
        } else {
            stbi_image_free(p16);
        }
    } else {
        px = stbi_load_from_memory(d, len, &dw, &dh, &comp, 4);
        if (px && (dw != w || dh != h)) { stbi_image_free(px); px = NULL; }
        if (px) { /* own copy, so every path frees with free() */
            unsigned char *own = malloc((size_t)w * (size_t)h * 4);
            if (own) memcpy(own, px, (size_t)w * (size_t)h * 4);
            stbi_image_free(px);
            px = own;
            if (!px) return cfy_error_set(err, CFY_ENOMEM, "out of memory decoding a %dx%d image", w, h);
        }
    }
    if (!px) {
        const char *why = stbi_failure_reason();
        return cfy_error_set(err, CFY_EIO, "cannot decode %s image (%dx%d): truncated or corrupt (%s)", format, w, h, why ? why : "unknown");
    }

    bool has_alpha = comp == 2 || comp == 4;
    size_t n_px = (size_t)w * (size_t)h;
    if (strcmp(format, "jpeg") == 0) has_alpha = false;
    if (strcmp(format, "png") == 0) has_alpha = png_has_alpha(d, size);
    if (strcmp(format, "bmp") == 0 && has_alpha && bmp_is_bi_rgb(d, size)) {
        has_alpha = false;
        for (size_t i = 0; i < n_px; i++) px[i * 4 + 3] = 255;
    }
    if (gif) {
        unsigned char rgb[3];
        has_alpha = gif_transparency(d, size, rgb);
        for (size_t i = 0; i < n_px * (size_t)frames; i++) {
            unsigned char *p = px + i * 4;
            if (!has_alpha) p[3] = 255;
            else if (p[3] == 0) memcpy(p, rgb, 3);
        }
    }

    int o = 1;
    if (strcmp(format, "jpeg") == 0) o = jpeg_orientation(d, size);
    else if (strcmp(format, "png") == 0) o = png_orientation(d, size);
    if (o >= 2 && o <= 8) {
        unsigned char *r = orient(px, &w, &h, o);
        free(px);
        if (!r) return cfy_error_set(err, CFY_ENOMEM, "out of memory rotating a %dx%d image", w, h);
        px = r;
    }
    out->width = w;
    out->height = h;
    out->frames = (int)frames;
    out->rgba = px;
    out->has_alpha = has_alpha;
    out->format = format;
    out->exif_orientation = o;
    return CFY_OK;
}

/* ==== ComfyUI tensors ==== */

static cfy_status new_f32(int ndim, const int64_t *sizes, bool zero, cfy_tensor **out, cfy_error *err)
{
    return cfy_tensor_new(CFY_F32, cfy_cpu(), ndim, sizes, zero, out, err);
}

cfy_status cfy_image_to_comfy(const cfy_decoded_image *img, cfy_tensor **image, cfy_tensor **mask, cfy_error *err)
{
    *image = *mask = NULL;
    int64_t n_frames = img->frames > 0 ? img->frames : 1;
    int64_t isz[4] = {n_frames, img->height, img->width, 3};
    cfy_status st = new_f32(4, isz, false, image, err);
    if (st != CFY_OK) return st;
    size_t n_px = (size_t)img->width * (size_t)img->height * (size_t)n_frames;
    float *ip = cfy_tensor_f32(*image);
    for (size_t i = 0; i < n_px; i++)
        for (int c = 0; c < 3; c++) ip[i * 3 + (size_t)c] = (float)img->rgba[i * 4 + (size_t)c] / 255.0f;
    if (img->has_alpha) {
        int64_t msz[3] = {n_frames, img->height, img->width};
        st = new_f32(3, msz, false, mask, err);
        if (st == CFY_OK) {
            float *mp = cfy_tensor_f32(*mask);
            for (size_t i = 0; i < n_px; i++) mp[i] = 1.0f - (float)img->rgba[i * 4 + 3] / 255.0f;
        }
    } else {
        int64_t msz[3] = {n_frames, 64, 64};
        st = new_f32(3, msz, true, mask, err);
    }
    if (st != CFY_OK) {
        cfy_tensor_release(*image);
        *image = NULL;
    }
    return st;
}

cfy_status cfy_image_channel_mask(const cfy_decoded_image *img, char channel, cfy_tensor **mask, cfy_error *err)
{
    *mask = NULL;
    int c;
    switch (channel) {
    case 'R': c = 0; break;
    case 'G': c = 1; break;
    case 'B': c = 2; break;
    case 'A': c = 3; break;
    default: return cfy_error_set(err, CFY_EINVAL, "unknown channel '%c' (expected R, G, B or A)", channel);
    }
    int64_t msz[3] = {1, img->height, img->width};
    cfy_status st = new_f32(3, msz, false, mask, err);
    if (st != CFY_OK) return st;
    size_t n_px = (size_t)img->width * (size_t)img->height;
    float *mp = cfy_tensor_f32(*mask);
    for (size_t i = 0; i < n_px; i++) {
        float v = (float)img->rgba[i * 4 + (size_t)c] / 255.0f;
        mp[i] = c == 3 ? 1.0f - v : v;
    }
    return CFY_OK;
}

cfy_status cfy_image_decode_comfy(const void *data, size_t size, int64_t max_side_px, cfy_tensor **image,
                                  cfy_tensor **mask, cfy_error *err)
{
    *image = *mask = NULL;
    cfy_decoded_image img;
    cfy_status st = cfy_image_decode(data, size, max_side_px, &img, err);
    if (st != CFY_OK) return st;
    st = cfy_image_to_comfy(&img, image, mask, err);
    cfy_decoded_image_free(&img);
    return st;
}

/* test_safetensors.c — the .safetensors reader and textual-inversion lookup, on files built
 * byte by byte here from the format's definition (u64 LE header length, JSON header, data). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "models/embedding.h"
#include "models/safetensors.h"

/* A file image: header JSON + data bytes. Returns a malloc'd buffer of *len bytes. */
static void *build(const char *header, const void *data, size_t data_len, size_t *len)
{
    size_t h = strlen(header);
    *len = 8 + h + data_len;
    unsigned char *b = malloc(*len);
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)h >> (8 * i));
    memcpy(b + 8, header, h);
    if (data_len) memcpy(b + 8 + h, data, data_len);
    return b;
}

static void write_bytes(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(b, 1, n, f);
    fclose(f);
}

static void test_read_dtypes(void)
{
    /* F32 [2,2] = 1 2 3 4; F16 [3] = 1, -2, 0.5; BF16 [2] = 1, -3 */
    unsigned char data[16 + 6 + 4];
    float f[4] = {1, 2, 3, 4};
    memcpy(data, f, 16);
    const unsigned char h16[6] = {0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38}, bf[4] = {0x80, 0x3F, 0x40, 0xC0};
    memcpy(data + 16, h16, 6);
    memcpy(data + 22, bf, 4);
    size_t len;
    void *b = build("{\"__metadata__\":{\"x\":\"y\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                    "\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[16,22]},"
                    "\"z\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[22,26]}}",
                    data, sizeof data, &len);
    cfy_safetensors *s = NULL;
    cfy_error err = {0};
    CHECK_ST(cfy_safetensors_parse(b, len, "mem", &s, &err), &err);
    if (!s) return;
    CHECK(cfy_safetensors_count(s) == 3);
    CHECK(!strcmp(cfy_safetensors_name(s, 0), "a") && cfy_safetensors_name(s, 3) == NULL);
    cfy_tensor *t = NULL;
    CHECK_ST(cfy_safetensors_get_f32(s, "a", &t, &err), &err);
    CHECK(t && t->ndim == 2 && t->sizes[0] == 2 && cfy_tensor_f32(t)[3] == 4.0f);
    cfy_tensor_release(t);
    CHECK_ST(cfy_safetensors_get_f32(s, "h", &t, &err), &err);
    CHECK(t && cfy_tensor_f32(t)[0] == 1.0f && cfy_tensor_f32(t)[1] == -2.0f && cfy_tensor_f32(t)[2] == 0.5f);
    cfy_tensor_release(t);
    CHECK_ST(cfy_safetensors_get_f32(s, "z", &t, &err), &err);
    CHECK(t && cfy_tensor_f32(t)[0] == 1.0f && cfy_tensor_f32(t)[1] == -3.0f);
    cfy_tensor_release(t);
    CHECK(cfy_safetensors_get_f32(s, "nope", &t, &err) == CFY_ENOTFOUND && t == NULL);
    cfy_safetensors_close(s);
}

static void test_malformed(void)
{
    static const struct { const char *header; size_t data; cfy_status want; } cases[] = {
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}}", 8, CFY_EPARSE},  /* past the end */
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, CFY_EPARSE},   /* bytes != shape */
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, CFY_EPARSE},   /* reversed */
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, CFY_EPARSE},  /* negative */
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, CFY_EPARSE},                          /* no offsets */
        {"{\"a\":3}", 0, CFY_EPARSE},
        {"[1,2]", 0, CFY_EPARSE},
        {"{\"a\":", 0, CFY_EPARSE},
    };
    unsigned char zeros[16] = {0};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t len;
        void *b = build(cases[i].header, zeros, cases[i].data, &len);
        cfy_safetensors *s = NULL;
        cfy_error err = {0};
        cfy_status st = cfy_safetensors_parse(b, len, "mem", &s, &err);
        CHECK(st == cases[i].want && s == NULL && err.message[0]);
        if (st != cases[i].want) fprintf(stderr, "  case %zu: %s\n", i, cfy_status_name(st));
    }
    /* header length larger than the file, and a file shorter than 8 bytes */
    unsigned char *b = malloc(12);
    memset(b, 0, 12);
    b[0] = 200;
    cfy_safetensors *s = NULL;
    cfy_error err = {0};
    CHECK(cfy_safetensors_parse(b, 12, "mem", &s, &err) == CFY_EPARSE && strstr(err.message, "header length"));
    CHECK(cfy_safetensors_parse(calloc(1, 4), 4, "mem", &s, &err) == CFY_EPARSE);
    /* an unknown dtype parses (other tensors stay usable) but is refused when read */
    size_t len;
    void *u = build("{\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", zeros, 8, &len);
    CHECK_ST(cfy_safetensors_parse(u, len, "mem", &s, &err), &err);
    cfy_tensor *t = NULL;
    if (s) CHECK(cfy_safetensors_get_f32(s, "i", &t, &err) == CFY_EUNSUPPORTED && strstr(err.message, "I64"));
    cfy_safetensors_close(s);
}

/* An embedding file with `tensors` rows of width `w` under `key`, values k + 0.25*j. */
static void write_embedding(const char *path, const char *key, int rows, int w)
{
    char header[256];
    size_t n = (size_t)rows * (size_t)w;
    float *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = (float)(i / (size_t)w) + 0.25f * (float)(i % (size_t)w);
    snprintf(header, sizeof header, "{\"%s\":{\"dtype\":\"F32\",\"shape\":[%d,%d],\"data_offsets\":[0,%zu]}}", key, rows,
             w, n * sizeof *v);
    size_t len;
    void *b = build(header, v, n * sizeof *v, &len);
    write_bytes(path, b, len);
    free(b);
    free(v);
}

static void test_embedding_lookup(void)
{
    char tmp[512], a[700], b[700], p[900];
    cfy_test_tmpdir(tmp, sizeof tmp);
    snprintf(a, sizeof a, "%s/a", tmp);
    snprintf(b, sizeof b, "%s/b", tmp);
    mkdir(a, 0755);
    mkdir(b, 0755);
    snprintf(p, sizeof p, "%s/style.safetensors", b);
    write_embedding(p, "emb_params", 3, 4);
    snprintf(p, sizeof p, "%s/style", a); /* the exact name wins over name + extension, folder a first */
    write_embedding(p, "emb_params", 2, 4);
    snprintf(p, sizeof p, "%s/wide.safetensors", a);
    write_embedding(p, "emb_params", 2, 8);
    snprintf(p, sizeof p, "%s/old.pt", b);
    write_bytes(p, "PK\x03\x04", 4);
    const char *dirs[] = {a, b, NULL};
    cfy_embedding e;
    cfy_error err = {0};
    CHECK_ST(cfy_embedding_load(dirs, "style", "clip_l", 4, &e, &err), &err);
    CHECK(e.outcome == CFY_EMBEDDING_FOUND && e.n == 2 && e.dim == 4 && e.vectors[5] == 1.25f);
    cfy_embedding_free(&e);
    CHECK_ST(cfy_embedding_load(dirs, "style.safetensors", "clip_l", 4, &e, &err), &err);
    CHECK(e.outcome == CFY_EMBEDDING_FOUND && e.n == 3);
    cfy_embedding_free(&e);
    CHECK_ST(cfy_embedding_load(dirs, "wide", "clip_l", 4, &e, &err), &err);
    CHECK(e.outcome == CFY_EMBEDDING_WRONG_WIDTH && e.dim == 8 && e.vectors == NULL);
    CHECK_ST(cfy_embedding_load(dirs, "missing", "clip_l", 4, &e, &err), &err);
    CHECK(e.outcome == CFY_EMBEDDING_MISSING);
    CHECK_ST(cfy_embedding_load(dirs, "../a/style", "clip_l", 4, &e, &err), &err); /* never leaves a folder */
    CHECK(e.outcome == CFY_EMBEDDING_MISSING);
    CHECK(cfy_embedding_load(dirs, "old", "clip_l", 4, &e, &err) == CFY_EUNSUPPORTED &&
          strstr(err.message, "comfyc-export embedding"));
    CHECK_ST(cfy_embedding_load(NULL, "style", "clip_l", 4, &e, &err), &err);
    CHECK(e.outcome == CFY_EMBEDDING_MISSING);
}

static void test_embedding_key_choice(void)
{
    char tmp[512], p[700];
    cfy_test_tmpdir(tmp, sizeof tmp);
    /* clip_l [1,4] then clip_h [2,4]: the encoder's key decides */
    float v[12] = {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3};
    size_t len;
    void *b = build("{\"clip_h\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[16,48]},"
                    "\"clip_l\":{\"dtype\":\"F32\",\"shape\":[1,4],\"data_offsets\":[0,16]}}",
                    v, sizeof v, &len);
    snprintf(p, sizeof p, "%s/pair.safetensors", tmp);
    write_bytes(p, b, len);
    free(b);
    const char *dirs[] = {tmp, NULL};
    cfy_embedding e;
    cfy_error err = {0};
    CHECK_ST(cfy_embedding_load(dirs, "pair", "clip_l", 4, &e, &err), &err);
    CHECK(e.n == 1 && e.vectors[0] == 1.0f);
    cfy_embedding_free(&e);
    CHECK_ST(cfy_embedding_load(dirs, "pair", "clip_h", 4, &e, &err), &err);
    CHECK(e.n == 2 && e.vectors[0] == 2.0f && e.vectors[7] == 3.0f);
    cfy_embedding_free(&e);
}

int main(void)
{
    RUN(test_read_dtypes);
    RUN(test_malformed);
    RUN(test_embedding_lookup);
    RUN(test_embedding_key_choice);
    return cfy_test_finish();
}

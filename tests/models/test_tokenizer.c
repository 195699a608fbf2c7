/* test_tokenizer.c — the C CLIP tokenizer on known ids (spec segs-upscaler §6.2 and ids checked
 * against transformers' CLIPTokenizer), under the sanitizers too. Needs the tokenizer files of the
 * tiny package ($CFY_BUILD_DIR/models/...); skips without them. The full comparison over 300+
 * prompts is tests/models/test_tokenizer.py. */
#include <sys/stat.h>

#include "harness.h"
#include "models/tokenizer.h"

static char dir[2048];

static int ids_are(const cfy_tokenizer *t, const char *text, const int32_t *want, int n)
{
    int32_t *ids = NULL;
    int got = 0;
    cfy_error err = {0};
    if (cfy_tokenizer_encode(t, text, &ids, &got, &err) != CFY_OK) return 0;
    int ok = got == n;
    for (int i = 0; ok && i < n; i++)
        ok = ids[i] == want[i];
    if (!ok) {
        fprintf(stderr, "  '%s':", text);
        for (int i = 0; i < got; i++)
            fprintf(stderr, " %d", ids[i]);
        fprintf(stderr, "\n");
    }
    free(ids);
    return ok;
}

static void test_known_ids(void)
{
    char v[2200], m[2200];
    snprintf(v, sizeof v, "%s/vocab.json", dir);
    snprintf(m, sizeof m, "%s/merges.txt", dir);
    cfy_tokenizer *t = NULL;
    cfy_error err = {0};
    CHECK_ST(cfy_tokenizer_load(v, m, &t, &err), &err);
    if (!t) return;
    CHECK(cfy_tokenizer_id(t, "<|startoftext|>") == 49406 && cfy_tokenizer_id(t, "<|endoftext|>") == 49407);
    CHECK(ids_are(t, "a photo of a cat", (int32_t[]){320, 1125, 539, 320, 2368}, 5));
    CHECK(ids_are(t, "A  PHOTO\tof\na Cat", (int32_t[]){320, 1125, 539, 320, 2368}, 5));
    CHECK(ids_are(t, "Hello, World! 123", (int32_t[]){3306, 267, 1002, 256, 272, 273, 274}, 7));
    CHECK(ids_are(t, "café naïve", (int32_t[]){15304, 1097, 35689, 563}, 4));
    CHECK(ids_are(t, "e\xcc\x81", (int32_t[]){4166}, 1)); /* e + combining acute -> NFC é */
    CHECK(ids_are(t, "İstanbul", (int32_t[]){328, 16384, 11231}, 3));
    CHECK(ids_are(t, "ß ẞ", (int32_t[]){127, 509, 127, 509}, 4));
    CHECK(ids_are(t, "it's don't", (int32_t[]){585, 568, 847, 713}, 4));
    CHECK(ids_are(t, "<|endoftext|> hi", (int32_t[]){49407, 1883}, 2));
    CHECK(ids_are(t, "한국어", (int32_t[]){15197, 250, 31871, 255, 31625, 368}, 6));
    CHECK(ids_are(t, "", NULL, 0));
    CHECK(ids_are(t, "\xff\xfe", (int32_t[]){47356, 39802}, 2)); /* invalid UTF-8 reads as U+FFFD U+FFFD */
    cfy_tokenizer_destroy(t);
    CHECK(cfy_tokenizer_load("/nonexistent/vocab.json", m, &t, &err) == CFY_ENOTFOUND && t == NULL);
}

int main(void)
{
    /* $CFY_MODELS_DIR (e.g. the release build's models, for the sanitizer build), else $CFY_BUILD_DIR/models */
    const char *md = getenv("CFY_MODELS_DIR"), *b = getenv("CFY_BUILD_DIR");
    if (md && md[0])
        snprintf(dir, sizeof dir, "%s/checkpoints/tiny-sd1-s1.safetensors.comfyc/tokenizer", md);
    else
        snprintf(dir, sizeof dir, "%s/models/checkpoints/tiny-sd1-s1.safetensors.comfyc/tokenizer", b ? b : "build");
    char p[2200];
    snprintf(p, sizeof p, "%s/vocab.json", dir);
    struct stat st;
    if (stat(p, &st) != 0) {
        fprintf(stderr, "skipped: no tokenizer files at %s (run comfyc-export --tiny-random 1)\n", dir);
        return 77;
    }
    RUN(test_known_ids);
    return cfy_test_finish();
}

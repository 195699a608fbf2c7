/* fuzz_safetensors.c — libFuzzer target: bytes -> the .safetensors reader (textual-inversion
 * files come from users' folders), then every tensor read as f32.
 * Build: cmake -DCFY_FUZZ=ON -DCMAKE_C_COMPILER=clang; run:
 *   ./fuzz_safetensors -max_total_time=60 CORPUS tests/fuzz/corpus/safetensors
 * Any crash, leak or sanitizer report is a bug, and so is a failure without an error message. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    void *buf = malloc(size ? size : 1);
    if (!buf) return 0;
    if (size) memcpy(buf, data, size);
    cfy_safetensors *f = NULL;
    cfy_error err = {0};
    if (cfy_safetensors_parse(buf, size, "fuzz", &f, &err) != CFY_OK) {
        if (f || !err.message[0]) abort();
        return 0;
    }
    for (int i = 0; i < cfy_safetensors_count(f); i++) {
        cfy_tensor *t = NULL;
        cfy_error e2 = {0};
        if (cfy_safetensors_get_f32(f, cfy_safetensors_name(f, i), &t, &e2) == CFY_OK) {
            if (!t || t->dtype != CFY_F32) abort();
            cfy_tensor_release(t);
        } else if (t || !e2.message[0]) {
            abort();
        }
    }
    cfy_safetensors_close(f);
    return 0;
}

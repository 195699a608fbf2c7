/* test_load_image_cache.c — LoadImage's IS_CHANGED: the output cache notices an edited input file. */
#include <math.h>

#include "harness.h"

#include "core/png_text.h"

static const char *const WORKFLOW =
    "{\"1\": {\"class_type\": \"LoadImage\", \"inputs\": {\"image\": \"in.png\"}},"
    " \"2\": {\"class_type\": \"ImageInvert\", \"inputs\": {\"image\": [\"1\", 0]}},"
    " \"3\": {\"class_type\": \"PreviewImage\", \"inputs\": {\"images\": [\"2\", 0]}}}";

static void write_png(const char *dir, unsigned char value)
{
    char path[512];
    unsigned char px[4 * 3 * 3];
    memset(px, value, sizeof px);
    snprintf(path, sizeof path, "%s/in.png", dir);
    cfy_error err = {0};
    CHECK_ST(cfy_png_write(path, px, 4, 3, 3, NULL, 0, 1, &err), &err);
}

static void test_edited_file_reruns(void)
{
    char dir[256];
    cfy_test_tmpdir(dir, sizeof dir);
    write_png(dir, 10);
    cfy_runtime_options opts;
    cfy_runtime_options_init(&opts);
    opts.input_dir = dir;
    opts.temp_dir = dir;
    opts.output_dir = dir;
    cfy_runtime *rt = NULL;
    cfy_error err = {0};
    CHECK_ST(cfy_runtime_create(&opts, &rt, &err), &err);
    if (!rt) return;
    cfy_workflow *wf = NULL;
    CHECK_ST(cfy_workflow_parse(rt, WORKFLOW, strlen(WORKFLOW), "test", &wf, &err), &err);
    cfy_run_stats stats;
    CHECK_ST(cfy_workflow_run(rt, wf, &stats, &err), &err);
    CHECK(stats.nodes_executed == 3);
    const cfy_value *inv = cfy_workflow_output(rt, wf, "2", 0);
    CHECK(inv && fabsf(cfy_tensor_f32(cfy_value_tensor(inv))[0] - (1.0f - 10.0f / 255.0f)) < 1e-6f);

    CHECK_ST(cfy_workflow_run(rt, wf, &stats, &err), &err);
    CHECK(stats.nodes_executed == 0); /* unchanged file: everything from the cache */

    write_png(dir, 200);
    CHECK_ST(cfy_workflow_run(rt, wf, &stats, &err), &err);
    CHECK(stats.nodes_executed == 3); /* edited file: LoadImage and its descendants re-run */
    inv = cfy_workflow_output(rt, wf, "2", 0);
    CHECK(inv && fabsf(cfy_tensor_f32(cfy_value_tensor(inv))[0] - (1.0f - 200.0f / 255.0f)) < 1e-6f);

    cfy_workflow_free(wf);
    cfy_runtime_destroy(rt);
}

int main(void)
{
    RUN(test_edited_file_reruns);
    return cfy_test_finish();
}

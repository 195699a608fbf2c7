/* test_workflow.c — loading (API, /prompt body, UI, PNG chunks), wrong shapes, /object_info, plugins. */
#include <unistd.h>

#include "graph_test_nodes.h"
#include "core/png_text.h"

static cfy_runtime *rt;

static cfy_status parse_status(const char *json, cfy_error *err)
{
    cfy_workflow *wf = NULL;
    cfy_error_clear(err);
    cfy_status st = cfy_workflow_parse(rt, json, strlen(json), "w.json", &wf, err);
    cfy_workflow_free(wf);
    return st;
}

static void test_wrong_top_level_shape(void)
{
    cfy_error err;
    CHECK(parse_status("[1, 2]", &err) == CFY_EPARSE);
    CHECK(strstr(err.message, "wrong top-level shape") != NULL);
    CHECK(parse_status("\"prompt\"", &err) == CFY_EPARSE);
    CHECK(parse_status("{\"1\": [\"TInt\"]}", &err) == CFY_EPARSE);
    CHECK(strstr(err.message, "node '1'") != NULL);
    CHECK(parse_status("{\"1\": {\"class_type\": \"TInt\", \"inputs\": 5}}", &err) == CFY_EPARSE);
    CHECK(parse_status("{\"1\": {\"class_type\": \"TInt\"}}", &err) == CFY_OK); /* inputs may be omitted */
    CHECK(parse_status("{\"a\": 1,\n\"b\": }", &err) == CFY_EPARSE);
    CHECK(strstr(err.message, "w.json: line 2, column 6") != NULL);
}

static void test_load_file_errors(void)
{
    cfy_workflow *wf = NULL;
    cfy_error err = {0};
    CHECK(cfy_workflow_load(rt, "/nonexistent/dir/wf.json", &wf, &err) != CFY_OK);
    CHECK(wf == NULL);
}

static void test_prompt_body(void)
{
    const char *body = "{\"prompt\": {\"1\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": 3}}},"
                       " \"extra_data\": {\"extra_pnginfo\": {\"workflow\": {\"nodes\": [], \"links\": []}}}}";
    cfy_workflow *wf = NULL;
    cfy_error err = {0};
    CHECK_ST(cfy_workflow_parse(rt, body, strlen(body), "body.json", &wf, &err), &err);
    if (!wf) return;
    CHECK(cfy_workflow_ui_json(wf) && strcmp(cfy_workflow_ui_json(wf), "{\"nodes\": [], \"links\": []}") == 0);
    CHECK_ST(cfy_workflow_validate(rt, wf, NULL, &err), &err);
    cfy_workflow_free(wf);
}

static const char *ui_text =
    "{\"last_node_id\": 3, \"last_link_id\": 2, \"version\": 0.4,"
    " \"nodes\": ["
    "  {\"id\": 1, \"type\": \"TInt\", \"mode\": 0, \"inputs\": [],"
    "   \"outputs\": [{\"name\": \"INT\", \"type\": \"INT\", \"links\": [1]}], \"widgets_values\": [9]},"
    "  {\"id\": 2, \"type\": \"TAdd\", \"mode\": 0,"
    "   \"inputs\": [{\"name\": \"a\", \"type\": \"INT\", \"widget\": {\"name\": \"a\"}, \"link\": 1}],"
    "   \"outputs\": [{\"name\": \"INT\", \"type\": \"INT\", \"links\": [2]}], \"widgets_values\": [0, 4]},"
    "  {\"id\": 3, \"type\": \"TSink\", \"mode\": 0,"
    "   \"inputs\": [{\"name\": \"value\", \"type\": \"INT\", \"widget\": {\"name\": \"value\"}, \"link\": 2}],"
    "   \"outputs\": [], \"widgets_values\": [0]}"
    " ],"
    " \"links\": [[1, 1, 0, 2, 0, \"INT\"], [2, 2, 0, 3, 0, \"INT\"]]}";

static void test_ui_workflow(void)
{
    cfy_workflow *wf = NULL;
    cfy_error err = {0};
    CHECK_ST(cfy_workflow_parse(rt, ui_text, strlen(ui_text), "ui.json", &wf, &err), &err);
    if (!wf) return;
    CHECK(cfy_workflow_ui_json(wf) != NULL); /* kept for SaveImage's workflow chunk */
    cfy_run_stats s;
    CHECK_ST(cfy_workflow_run(rt, wf, &s, &err), &err);
    CHECK(tn_sink_last == 13);
    cfy_workflow_free(wf);
    char *api = NULL;
    CHECK_ST(cfy_workflow_convert_ui(rt, ui_text, &api, &err), &err);
    CHECK(api && strstr(api, "\"class_type\": \"TAdd\""));
    free(api);
    /* API JSON is not a UI workflow */
    CHECK(cfy_workflow_convert_ui(rt, "{\"1\": {\"class_type\": \"TInt\"}}", &api, &err) == CFY_EPARSE);
    CHECK(api == NULL);
}

static void test_png_chunks(void)
{
    char dir[256], path[300];
    cfy_test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/wf.png", dir);
    unsigned char px[3 * 4] = {0};
    const char *prompt = "{\"1\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": 31}}}";
    cfy_png_text texts[2] = {{"prompt", prompt}, {"workflow", ui_text}};
    cfy_error err = {0};
    cfy_workflow *wf = NULL;
    /* prompt + workflow: the prompt runs, the workflow is kept */
    CHECK_ST(cfy_png_write(path, px, 2, 2, 3, texts, 2, 4, &err), &err);
    CHECK_ST(cfy_workflow_load(rt, path, &wf, &err), &err);
    if (wf) {
        CHECK(cfy_workflow_ui_json(wf) != NULL);
        CHECK_ST(cfy_workflow_run(rt, wf, NULL, &err), &err);
        CHECK(tn_sink_last == 31);
        cfy_workflow_free(wf);
        wf = NULL;
    }
    /* workflow only: converted from UI format */
    CHECK_ST(cfy_png_write(path, px, 2, 2, 3, texts + 1, 1, 4, &err), &err);
    CHECK_ST(cfy_workflow_load(rt, path, &wf, &err), &err);
    if (wf) {
        CHECK_ST(cfy_workflow_run(rt, wf, NULL, &err), &err);
        CHECK(tn_sink_last == 13);
        cfy_workflow_free(wf);
        wf = NULL;
    }
    /* no chunk: an invalid workflow */
    CHECK_ST(cfy_png_write(path, px, 2, 2, 3, NULL, 0, 4, &err), &err);
    CHECK(cfy_workflow_load(rt, path, &wf, &err) == CFY_EPARSE);
    CHECK(strstr(err.message, "no 'prompt' or 'workflow'") != NULL);
    unlink(path);
    rmdir(dir);
}

static void test_object_info(void)
{
    char *s = cfy_object_info_json(rt);
    cJSON *j = cJSON_Parse(s);
    CHECK(j != NULL);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "TInt");
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(t, "input"), "required"), "value");
    CHECK(strcmp(cJSON_GetStringValue(cJSON_GetArrayItem(value, 0)), "INT") == 0);
    const cJSON *opts = cJSON_GetArrayItem(value, 1);
    CHECK(cJSON_GetObjectItemCaseSensitive(opts, "min")->valuedouble == -100);
    CHECK(cJSON_GetObjectItemCaseSensitive(opts, "max")->valuedouble == 100);
    CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(t, "output_node")));
    CHECK(cJSON_GetArraySize(
              cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(t, "input_order"), "required")) == 1);
    const cJSON *combo = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "TCombo"), "input"), "required"),
        "mode");
    CHECK(cJSON_GetArraySize(cJSON_GetArrayItem(combo, 0)) == 3); /* combos list their choices as the type */
    const cJSON *sink = cJSON_GetObjectItemCaseSensitive(j, "TSink");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(sink, "output_node")));
    CHECK(strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                     cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sink, "input"), "hidden"),
                     "prompt")),
                 "PROMPT") == 0);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "TList");
    CHECK(cJSON_IsTrue(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(list, "output_is_list"), 0)));
    CHECK(strstr(s, "\"max\": 18446744073709551615") != NULL); /* TSeed: exact 2^64-1 */
    cJSON_Delete(j);
    free(s);
}

static void test_plugin(void)
{
    const char *bd = getenv("CFY_BUILD_DIR");
    char path[512];
    snprintf(path, sizeof path, "%s/example_plugin.so", bd ? bd : ".");
    if (access(path, R_OK) != 0) {
        fprintf(stderr, "  (no %s: skipped)\n", path);
        return;
    }
    cfy_error err = {0};
    CHECK_ST(cfy_runtime_load_plugin(rt, path, &err), &err);
    CHECK(cfy_registry_find(cfy_runtime_registry(rt), "ExampleAddInts") != NULL);
    char *info = cfy_object_info_json(rt);
    CHECK(info && strstr(info, "\"python_module\": \"custom_nodes.example_plugin\""));
    free(info);
    const char *json = "{\"1\": {\"class_type\": \"ExampleAddInts\", \"inputs\": {\"a\": 40, \"b\": 2}},"
                       " \"2\": {\"class_type\": \"TSink\", \"inputs\": {\"value\": [\"1\", 0]}}}";
    cfy_workflow *wf = tn_parse(rt, json, &err);
    CHECK(wf != NULL);
    if (wf) {
        CHECK_ST(cfy_workflow_run(rt, wf, NULL, &err), &err);
        CHECK(tn_sink_last == 42);
        cfy_workflow_free(wf);
    }
    /* loading it twice: the duplicate class is refused naming both sources, and rolled back */
    int before = cfy_registry_count(cfy_runtime_registry(rt));
    CHECK(cfy_runtime_load_plugin(rt, path, &err) == CFY_EINVAL);
    CHECK(strstr(err.message, "already registered") != NULL);
    CHECK(cfy_registry_count(cfy_runtime_registry(rt)) == before);
    /* a missing file */
    CHECK(cfy_runtime_load_plugin(rt, "/nonexistent/plugin.so", &err) == CFY_ENOTFOUND);
}

int main(void)
{
    rt = tn_runtime();
    if (!rt) return 1;
    RUN(test_wrong_top_level_shape);
    RUN(test_load_file_errors);
    RUN(test_prompt_body);
    RUN(test_ui_workflow);
    RUN(test_png_chunks);
    RUN(test_object_info);
    RUN(test_plugin);
    cfy_runtime_destroy(rt);
    return cfy_test_finish();
}

/* test_model_paths.c — models folder lookup, extra_model_paths.yaml, and errors listing what is available. */
#include <sys/stat.h>

#include "harness.h"
#include "models/model_paths.h"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static void make_pkg(const char *dir)
{
    char p[4096];
    mkdir(dir, 0755);
    snprintf(p, sizeof p, "%s/manifest.json", dir);
    write_file(p, "{}");
}

static void test_lookup(void)
{
    char tmp[512], p[1024], yaml[1024];
    cfy_test_tmpdir(tmp, sizeof tmp);
    snprintf(p, sizeof p, "%s/models", tmp);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/models/checkpoints", tmp);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/models/checkpoints/a.safetensors.comfyc", tmp);
    make_pkg(p);
    snprintf(p, sizeof p, "%s/models/checkpoints/sub", tmp);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/models/checkpoints/sub/b.ckpt.comfyc", tmp);
    make_pkg(p);
    snprintf(p, sizeof p, "%s/models/checkpoints/not-a-package.comfyc", tmp); /* no manifest: not listed */
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/other", tmp);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/other/ckpts", tmp);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/other/ckpts/c.safetensors.comfyc", tmp);
    make_pkg(p);
    snprintf(yaml, sizeof yaml, "%s/extra_model_paths.yaml", tmp);
    write_file(yaml, "# comment\ncomfyui:\n    base_path: other/\n    checkpoints: |\n        ckpts\n        missing\n"
                     "    vae: vae/  # trailing comment\nsecond:\n    checkpoints: /nonexistent\n");

    cfy_runtime_options o;
    cfy_runtime_options_init(&o);
    snprintf(p, sizeof p, "%s/models", tmp);
    o.models_dir = p;
    o.extra_model_paths = yaml;
    o.no_builtin_nodes = true;
    cfy_runtime *rt = NULL;
    cfy_error err = {0};
    CHECK_ST(cfy_runtime_create(&o, &rt, &err), &err);
    if (!rt) return;
    char **list = NULL;
    CHECK_ST(cfy_model_paths_list(rt, "checkpoints", &list, &err), &err);
    CHECK(list && list[0] && !strcmp(list[0], "a.safetensors"));
    CHECK(list && list[1] && !strcmp(list[1], "c.safetensors"));
    CHECK(list && list[2] && !strcmp(list[2], "sub/b.ckpt"));
    CHECK(list && !list[3]);
    cfy_strlist_free(list);
    char *dir = NULL;
    CHECK_ST(cfy_model_paths_find(rt, "checkpoints", "c.safetensors", &dir, &err), &err);
    CHECK(dir && strstr(dir, "other/ckpts/c.safetensors.comfyc"));
    free(dir);
    CHECK_ST(cfy_model_paths_find(rt, "checkpoints", "sub/b.ckpt.comfyc", &dir, &err), &err);
    free(dir);
    CHECK(cfy_model_paths_find(rt, "checkpoints", "zzz.safetensors", &dir, &err) == CFY_ENOTFOUND);
    CHECK(strstr(err.message, "'a.safetensors'") && strstr(err.message, "'sub/b.ckpt'"));
    CHECK(cfy_model_paths_find(rt, "checkpoints", "../models/checkpoints/a.safetensors", &dir, &err) == CFY_ENOTFOUND);
    char **vaes = NULL;
    CHECK_ST(cfy_model_paths_from_yaml(yaml, "vae", &vaes, &err), &err);
    CHECK(vaes && vaes[0] && strstr(vaes[0], "/other/vae") && !vaes[1]);
    cfy_strlist_free(vaes);
    cfy_runtime_destroy(rt);
}

static void test_bad_yaml(void)
{
    char tmp[512], yaml[1024];
    cfy_test_tmpdir(tmp, sizeof tmp);
    snprintf(yaml, sizeof yaml, "%s/bad.yaml", tmp);
    write_file(yaml, "a:\n    just some words\n");
    char **l = NULL;
    cfy_error err = {0};
    CHECK(cfy_model_paths_from_yaml(yaml, "checkpoints", &l, &err) == CFY_EPARSE);
    CHECK(l == NULL);
}

int main(void)
{
    RUN(test_lookup);
    RUN(test_bad_yaml);
    return cfy_test_finish();
}

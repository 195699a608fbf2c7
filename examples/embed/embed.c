/* embed.c — using libcomfyc from another program: (b) call nodes directly, (a) run a workflow.
 *
 *   embed [--input-dir DIR] [--output-dir DIR] [WORKFLOW NODE_ID]
 *
 * (b) always: EmptyImage -> ImageInvert called with cfy_node_call, no executor involved; the
 *     inverted colour is printed and checked.
 * (a) with WORKFLOW: load (API JSON, UI JSON or a PNG carrying one), validate, run, then read
 *     output 0 of NODE_ID and print its type and shape.
 * Exit status: 0 ok, 1 the direct call failed, 2 the workflow failed, 64 bad arguments.
 * Build: make (uses pkg-config comfyc). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <comfyc/comfyc.h> /* cfy_runtime_*, cfy_node_call, cfy_value_*, cfy_tensor_*, cfy_workflow_* */

static void print_error(const char *what, const cfy_error *err)
{
    char line[1024];
    fprintf(stderr, "embed: %s failed: %s (%s)\n", what, cfy_error_format(err, line, sizeof line), cfy_status_name(err->code));
}

/* (b) Look nodes up by class_type and call them with our own values. */
static int call_nodes_directly(cfy_runtime *rt)
{
    cfy_error err = {0};
    if (!cfy_registry_find(cfy_runtime_registry(rt), "ImageInvert")) {
        fprintf(stderr, "embed: ImageInvert is not registered\n");
        return 1;
    }
    cfy_value *w = cfy_value_new_int(4), *h = cfy_value_new_int(3), *b = cfy_value_new_int(1);
    cfy_value *color = cfy_value_new_int(0x336699);
    cfy_named_value empty_in[] = {{"width", w}, {"height", h}, {"batch_size", b}, {"color", color}};
    cfy_value *image = NULL, *inverted = NULL;
    int rc = 0;
    if (cfy_node_call(rt, "EmptyImage", empty_in, 4, &image, 1, &err) != CFY_OK) {
        print_error("EmptyImage", &err);
        rc = 1;
    } else {
        cfy_named_value invert_in[] = {{"image", image}};
        if (cfy_node_call(rt, "ImageInvert", invert_in, 1, &inverted, 1, &err) != CFY_OK) {
            print_error("ImageInvert", &err);
            rc = 1;
        } else {
            const cfy_tensor *t = cfy_value_tensor(inverted); /* IMAGE f32 [1,3,4,3] on the CPU */
            cfy_tensor *host = NULL;
            if (cfy_tensor_to(t, cfy_cpu(), &host, &err) != CFY_OK) {
                print_error("copy to host", &err);
                rc = 1;
            } else {
                char shape[64];
                const float *px = cfy_tensor_f32(host);
                printf("direct: EmptyImage -> ImageInvert %s %s pixel0 = %.6f %.6f %.6f\n", cfy_value_type(inverted),
                       cfy_tensor_shape_str(host, shape, sizeof shape), px[0], px[1], px[2]);
                /* 0x33/255 = 0.2, 0x66/255 = 0.4, 0x99/255 = 0.6 -> inverted 0.8, 0.6, 0.4 */
                if (px[0] < 0.799f || px[0] > 0.801f || px[2] < 0.399f || px[2] > 0.401f) rc = 1;
                cfy_tensor_release(host);
            }
        }
    }
    cfy_value_release(inverted);
    cfy_value_release(image);
    cfy_value_release(w);
    cfy_value_release(h);
    cfy_value_release(b);
    cfy_value_release(color);
    return rc;
}

/* (a) Load, validate and run a workflow, then read one node's output. */
static int run_workflow(cfy_runtime *rt, const char *path, const char *node_id)
{
    cfy_error err = {0};
    cfy_workflow *wf = NULL;
    char *report = NULL;
    if (cfy_workflow_load(rt, path, &wf, &err) != CFY_OK) {
        print_error("loading the workflow", &err);
        return 2;
    }
    int rc = 0;
    cfy_run_stats stats = {0};
    if (cfy_workflow_validate(rt, wf, &report, &err) != CFY_OK) {
        print_error("validation", &err);
        if (report) fprintf(stderr, "%s\n", report);
        rc = 2;
    } else if (cfy_workflow_run(rt, wf, &stats, &err) != CFY_OK) {
        print_error("running the workflow", &err);
        rc = 2;
    } else {
        const cfy_value *out = cfy_workflow_output(rt, wf, node_id, 0); /* borrowed until the next run */
        if (!out) {
            fprintf(stderr, "embed: node %s has no output 0 after the run\n", node_id);
            rc = 2;
        } else if (cfy_value_kind(out) == CFY_KIND_TENSOR) {
            char shape[64];
            printf("workflow: %d nodes executed, %d cached; node %s output 0 is %s %s\n", stats.nodes_executed,
                   stats.nodes_cached, node_id, cfy_value_type(out),
                   cfy_tensor_shape_str(cfy_value_tensor(out), shape, sizeof shape));
        } else {
            printf("workflow: %d nodes executed; node %s output 0 is %s\n", stats.nodes_executed, node_id,
                   cfy_value_type(out));
        }
    }
    free(report);
    cfy_workflow_free(wf);
    return rc;
}

int main(int argc, char **argv)
{
    cfy_runtime_options opts;
    cfy_runtime_options_init(&opts);
    const char *workflow = NULL, *node_id = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--input-dir") == 0 && i + 1 < argc) opts.input_dir = argv[++i];
        else if (strcmp(argv[i], "--output-dir") == 0 && i + 1 < argc) opts.output_dir = argv[++i];
        else if (!workflow) workflow = argv[i];
        else if (!node_id) node_id = argv[i];
        else {
            fprintf(stderr, "usage: embed [--input-dir DIR] [--output-dir DIR] [WORKFLOW NODE_ID]\n");
            return 64;
        }
    }
    if (workflow && !node_id) {
        fprintf(stderr, "embed: give the node id whose output to read after WORKFLOW\n");
        return 64;
    }
    printf("comfyc %s (header %s)\n", cfy_version(), CFY_VERSION_STRING);
    cfy_runtime *rt = NULL;
    cfy_error err = {0};
    if (cfy_runtime_create(&opts, &rt, &err) != CFY_OK) {
        print_error("creating the runtime", &err);
        return 1;
    }
    int rc = call_nodes_directly(rt);
    if (rc == 0 && workflow) rc = run_workflow(rt, workflow, node_id);
    cfy_runtime_destroy(rt);
    return rc;
}

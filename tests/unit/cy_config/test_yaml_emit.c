/*
 * test_yaml_emit.c - cy_yaml_emit / cy_yaml_write_file on hand-built trees. Every expected text
 * is OmegaConf.to_yaml's output for the same config (omegaconf 2.2.2, PyYAML 6.0); the bulk
 * comparison over random trees is test_yaml_golden.c.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

#include "cydra/error.h"
#include "cydra/yaml.h"

static cy_arena *A;

static void expect_yaml(const cy_node *n, unsigned flags, const char *want, int line) {
    char *got = NULL;
    int rc = cy_yaml_emit(&got, n, flags);
    if (rc != 0) {
        harness_fail(__FILE__, line, "emit failed: %s", cy_error_last()->msg);
        return;
    }
    if (strcmp(got, want) != 0)
        harness_fail(__FILE__, line, "emitted:\n%s--- expected:\n%s---", got, want);
    free(got);
}
#define EXPECT_YAML(n, flags, want) expect_yaml(n, flags, want, __LINE__)

static cy_node *put(cy_node *d, const char *k, cy_node *v) {
    cy_dict_put(d, k, v);
    return v;
}

/* the hydra-torch MNIST config, as --cfg job prints it */
static void test_mnist_like(void) {
    cy_node *c = cy_new_dict(A);
    put(c, "batch_size", cy_new_int(A, 64));
    put(c, "lr", cy_new_float(A, 1.0));
    put(c, "eps", cy_new_float(A, 1e-06));
    put(c, "gamma", cy_new_float(A, 0.7));
    put(c, "no_cuda", cy_new_bool(A, false));
    put(c, "name", cy_new_str(A, "???"));
    put(c, "ckpt", cy_new_str(A, "mnist_cnn.pt"));
    cy_node *ad = put(c, "adadelta", cy_new_dict(A));
    put(ad, "_target_", cy_new_str(A, "torch.optim.Adadelta"));
    put(ad, "params", cy_new_missing(A));
    put(ad, "lr", cy_new_float(A, 1.0));
    put(ad, "rho", cy_new_float(A, 0.9));
    put(ad, "eps", cy_new_float(A, 1e-06));
    put(ad, "weight_decay", cy_new_int(A, 0));
    cy_node *steps = put(c, "steps", cy_new_list(A));
    cy_list_push(steps, cy_new_int(A, 1));
    cy_list_push(steps, cy_new_int(A, 2));
    cy_node *item = cy_new_dict(A);
    put(item, "a", cy_new_null(A));
    cy_list_push(steps, item);
    put(c, "empty", cy_new_dict(A));
    put(c, "nolist", cy_new_list(A));
    EXPECT_YAML(c, 0,
                "batch_size: 64\nlr: 1.0\neps: 1.0e-06\ngamma: 0.7\nno_cuda: false\nname: ???\n"
                "ckpt: mnist_cnn.pt\nadadelta:\n  _target_: torch.optim.Adadelta\n  params: ???\n"
                "  lr: 1.0\n  rho: 0.9\n  eps: 1.0e-06\n  weight_decay: 0\nsteps:\n- 1\n- 2\n"
                "- a: null\nempty: {}\nnolist: []\n");
}

static void test_empty_and_nested(void) {
    EXPECT_YAML(cy_new_dict(A), 0, "{}\n");
    EXPECT_YAML(cy_new_list(A), 0, "[]\n");
    /* [[1, [2, 3]], {a: [1], b: {}}, [], None] */
    cy_node *l = cy_new_list(A), *l0 = cy_new_list(A), *l01 = cy_new_list(A);
    cy_list_push(l0, cy_new_int(A, 1));
    cy_list_push(l01, cy_new_int(A, 2));
    cy_list_push(l01, cy_new_int(A, 3));
    cy_list_push(l0, l01);
    cy_list_push(l, l0);
    cy_node *d = cy_new_dict(A);
    cy_node *da = put(d, "a", cy_new_list(A));
    cy_list_push(da, cy_new_int(A, 1));
    put(d, "b", cy_new_dict(A));
    cy_list_push(l, d);
    cy_list_push(l, cy_new_list(A));
    cy_list_push(l, cy_new_null(A));
    EXPECT_YAML(l, 0, "- - 1\n  - - 2\n    - 3\n- a:\n  - 1\n  b: {}\n- []\n- null\n");
}

static void test_keys(void) {
    /* {1: c, 1.5: b, x: {k*122: 1, k*123: 2, '': 3, 'a\nb': 4}} */
    char k122[123], k123[124];
    memset(k122, 'k', 122);
    k122[122] = '\0';
    memset(k123, 'k', 123);
    k123[123] = '\0';
    cy_node *c = cy_new_dict(A);
    cy_dict_put_kind(c, "1", CY_KEY_INT, cy_new_str(A, "c"));
    cy_dict_put_kind(c, "1.5", CY_KEY_FLOAT, cy_new_str(A, "b"));
    cy_node *x = put(c, "x", cy_new_dict(A));
    put(x, k122, cy_new_int(A, 1));
    put(x, k123, cy_new_int(A, 2)); /* "!!str" + 123 chars reaches PyYAML's 128: a complex key */
    put(x, "", cy_new_int(A, 3));
    put(x, "a\nb", cy_new_int(A, 4));
    char want[1024];
    snprintf(want, sizeof want,
             "1: c\n1.5: b\nx:\n  %s: 1\n  ? %s\n  : 2\n  ? ''\n  : 3\n  ? 'a\n\n    b'\n  : 4\n",
             k122, k123);
    EXPECT_YAML(c, 0, want);
    cy_node *b = cy_new_dict(A);
    cy_dict_put_kind(b, "True", CY_KEY_BOOL, cy_new_int(A, 1));
    cy_dict_put_kind(b, "False", CY_KEY_BOOL, cy_new_int(A, 0));
    cy_dict_put_kind(b, "1e-05", CY_KEY_FLOAT, cy_new_int(A, 2));
    put(b, "y", cy_new_int(A, 3));
    put(b, "on", cy_new_int(A, 4));
    put(b, "10", cy_new_int(A, 5));
    EXPECT_YAML(b, 0, "true: 1\nfalse: 0\n1.0e-05: 2\n'y': 3\n'on': 4\n'10': 5\n");
}

static void test_strings(void) {
    cy_node *c = cy_new_dict(A);
    char words[200] = "";
    for (int i = 0; i < 30; i++)
        strcat(words, "word ");
    put(c, "s", cy_new_str(A, words));
    char t[128];
    memset(t, 'x', 100);
    snprintf(t + 100, sizeof t - 100, " yyyyyyyyyy");
    put(c, "t", cy_new_str(A, t));
    put(c, "u", cy_new_str(A, "a\nb\n"));
    put(c, "v", cy_new_str(A, "tab\there"));
    put(c, "w", cy_new_str(A, " lead"));
    put(c, "e", cy_new_str(A, "é 😀 \xe2\x80\xa8"));
    put(c, "bad",
        cy_new_str(A, "a\xff"
                      "b")); /* not UTF-8: Python's surrogateescape view */
    put(c, "q", cy_new_str(A, "it's"));
    put(c, "n", cy_new_str(A, "1e3"));
    put(c, "d", cy_new_str(A, "2001-12-14"));
    put(c, "i", cy_new_str(A, "${a.b}"));
    EXPECT_YAML(c, 0,
                "s: 'word word word word word word word word word word word word word word word "
                "word\n  word word word word word word word word word word word word word word '\n"
                "t: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                "xxxxxxxxxxxxxxxxxxxxxx\n  yyyyyyyyyy\n"
                "u: 'a\n\n  b\n\n  '\nv: \"tab\\there\"\nw: ' lead'\n"
                "e: \"é \\U0001F600 \\L\"\nbad: \"a\\uDCFFb\"\nq: it's\n'n': '1e3'\n"
                "d: '2001-12-14'\ni: ${a.b}\n");
}

static void test_floats(void) {
    cy_node *l = cy_new_list(A);
    double v[] = {0.0,
                  -0.0,
                  1.0,
                  0.1,
                  1e16,
                  1e17,
                  1e-5,
                  1.5e-7,
                  123456789.125,
                  5e-324,
                  1.7976931348623157e308,
                  INFINITY,
                  -INFINITY,
                  NAN,
                  100.0,
                  1e22};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        cy_list_push(l, cy_new_float(A, v[i]));
    EXPECT_YAML(l, 0,
                "- 0.0\n- -0.0\n- 1.0\n- 0.1\n- 1.0e+16\n- 1.0e+17\n- 1.0e-05\n- 1.5e-07\n"
                "- 123456789.125\n- 5.0e-324\n- 1.7976931348623157e+308\n- .inf\n- -.inf\n"
                "- .nan\n- 100.0\n- 1.0e+22\n");
    cy_node *i = cy_new_list(A);
    cy_list_push(i, cy_new_int(A, INT64_MIN));
    cy_list_push(i, cy_new_int(A, INT64_MAX));
    cy_list_push(i, cy_new_bool(A, true));
    EXPECT_YAML(i, 0, "- -9223372036854775808\n- 9223372036854775807\n- true\n");
}

static void test_sort_keys(void) {
    cy_node *c = cy_new_dict(A);
    put(c, "b", cy_new_int(A, 1));
    put(c, "a", cy_new_int(A, 2));
    cy_node *s = put(c, "c", cy_new_dict(A));
    put(s, "z", cy_new_int(A, 1));
    put(s, "y", cy_new_int(A, 2));
    EXPECT_YAML(c, CY_YAML_SORT_KEYS, "a: 2\nb: 1\nc:\n  'y': 2\n  z: 1\n");
    EXPECT_YAML(c, 0, "b: 1\na: 2\nc:\n  z: 1\n  'y': 2\n");
    /* str and int keys do not compare in Python: PyYAML leaves such a mapping as it is */
    cy_node *m = cy_new_dict(A);
    put(m, "b", cy_new_int(A, 1));
    cy_dict_put_kind(m, "2", CY_KEY_INT, cy_new_int(A, 2));
    put(m, "a", cy_new_int(A, 3));
    EXPECT_YAML(m, CY_YAML_SORT_KEYS, "b: 1\n2: 2\na: 3\n");
    cy_node *num = cy_new_dict(A);
    cy_dict_put_kind(num, "3", CY_KEY_INT, cy_new_int(A, 1));
    cy_dict_put_kind(num, "1.5", CY_KEY_FLOAT, cy_new_int(A, 2));
    cy_dict_put_kind(num, "False", CY_KEY_BOOL, cy_new_int(A, 3));
    EXPECT_YAML(num, CY_YAML_SORT_KEYS, "false: 3\n1.5: 2\n3: 1\n");
}

static void test_scalar_root(void) {
    /* yaml.dump of a bare scalar, for callers that print one value */
    EXPECT_YAML(cy_new_int(A, 5), 0, "5\n...\n");
    EXPECT_YAML(cy_new_str(A, "abc"), 0, "abc\n...\n");
    EXPECT_YAML(cy_new_str(A, "1"), 0, "'1'\n");
}

enum { RED_V = 1, GREEN_V = 2 };
static const char *const color_members[] = {"RED", "GREEN"};
static const int64_t color_values[] = {RED_V, GREEN_V};
static const cy_enum_def color = {"Color", color_members, color_values, 2};

static void test_enum(void) {
    cy_node *c = cy_new_dict(A);
    put(c, "color", cy_new_enum(A, &color, 1));
    EXPECT_YAML(c, 0, "color: GREEN\n");
}

static void test_resolve(void) {
    cy_node *c = cy_new_dict(A);
    put(c, "a", cy_new_int(A, 1));
    put(c, "b", cy_new_str(A, "${a}"));
    put(c, "c", cy_new_str(A, "x_${a}"));
    put(c, "d", cy_new_str(A, "???"));
    cy_node *f = put(c, "f", cy_new_dict(A));
    put(f, "g", cy_new_str(A, "${a}"));
    put(f, "h", cy_new_str(A, "${..a}"));
    put(c, "h", cy_new_str(A, "${f}"));
    put(c, "i", cy_new_str(A, "\\${a}"));
    put(c, "j", cy_new_str(A, "${c}"));
    cy_node *l = put(c, "l", cy_new_list(A));
    cy_list_push(l, cy_new_str(A, "${a}"));
    cy_list_push(l, cy_new_str(A, "${f.g}"));
    EXPECT_YAML(c, 0,
                "a: 1\nb: ${a}\nc: x_${a}\nd: ???\nf:\n  g: ${a}\n  h: ${..a}\nh: ${f}\n"
                "i: \\${a}\nj: ${c}\nl:\n- ${a}\n- ${f.g}\n");
    EXPECT_YAML(c, CY_YAML_RESOLVE,
                "a: 1\nb: 1\nc: x_1\nd: ???\nf:\n  g: 1\n  h: 1\nh:\n  g: 1\n  h: 1\ni: ${a}\n"
                "j: x_1\nl:\n- 1\n- 1\n");
    /* an interpolation to ??? or to nothing fails, as OmegaConf's InterpolationToMissingValueError
     * and InterpolationKeyError */
    cy_node *m = cy_new_dict(A);
    put(m, "d", cy_new_missing(A));
    put(m, "e", cy_new_str(A, "${d}"));
    char *out = (char *)"x";
    CHECK(cy_yaml_emit(&out, m, CY_YAML_RESOLVE) < 0);
    CHECK(out == NULL);
    cy_node *k = cy_new_dict(A);
    put(k, "e", cy_new_str(A, "${nokey}"));
    CHECK(cy_yaml_emit(&out, k, CY_YAML_RESOLVE) < 0);
    CHECK(strstr(cy_error_last()->msg, "nokey") != NULL);
}

/* the emitter recurses; past 10000 levels it refuses instead of running out of stack */
static void test_depth_limit(void) {
    cy_node *root = cy_new_list(A), *cur = root;
    for (int i = 0; i < 10000; i++) {
        cy_node *n = cy_new_list(A);
        cy_list_push(cur, n);
        cur = n;
    }
    char *y = NULL;
    CHECK_EQ_INT(cy_yaml_emit(&y, root, 0), 0);
    CHECK(y && strncmp(y, "- - - - ", 8) == 0);
    free(y);
    cy_list_push(cur, cy_new_list(A));
    CHECK_EQ_INT(cy_yaml_emit(&y, root, 0), CY_ELIMIT);
    CHECK(y == NULL);
    CHECK(strstr(cy_error_last()->msg, "deeper than 10000 levels"));
}

static void test_write_file(void) {
    char dir[] = "/tmp/cy_yaml_XXXXXX";
    if (!mkdtemp(dir)) {
        harness_fail(__FILE__, __LINE__, "mkdtemp: %s", strerror(errno));
        return;
    }
    char path[256];
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    cy_node *c = cy_new_dict(A);
    put(c, "a", cy_new_int(A, 1));
    CHECK_EQ_INT(cy_yaml_write_file(path, c, 0), 0);
    size_t len = 0;
    char *text = harness_read_file(path, &len);
    CHECK_STREQ(text, "a: 1\n");
    free(text);
    /* replacing keeps the file's permissions, leaves no temporary behind */
    chmod(path, 0640);
    put(c, "b", cy_new_int(A, 2));
    CHECK_EQ_INT(cy_yaml_write_file(path, c, 0), 0);
    text = harness_read_file(path, &len);
    CHECK_STREQ(text, "a: 1\nb: 2\n");
    free(text);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) -eq 1", dir);
    CHECK(system(cmd) == 0);
    /* errors name the file */
    char bad[300];
    snprintf(bad, sizeof bad, "%s/no/such/dir/c.yaml", dir);
    CHECK_EQ_INT(cy_yaml_write_file(bad, c, 0), CY_EIO);
    CHECK(strstr(cy_error_last()->msg, bad) != NULL);
    /* an emit error (interpolation to nothing, resolved) is reported with the file */
    cy_node *k = cy_new_dict(A);
    put(k, "e", cy_new_str(A, "${nokey}"));
    CHECK(cy_yaml_write_file(path, k, CY_YAML_RESOLVE) < 0);
    char *etext = cy_error_text(cy_error_last());
    CHECK(etext && strstr(etext, path) != NULL);
    free(etext);
    text = harness_read_file(path, &len);
    CHECK_STREQ(text, "a: 1\nb: 2\n"); /* untouched */
    free(text);
    unlink(path);
    rmdir(dir);
}

/* Found by fuzz_interp: an interpolation resolving to a config that contains it made resolve-mode
 * emission recurse (and time out); now it is an error at once. */
static void test_resolve_self_containing(void) {
    cy_node *cfg = cy_new_dict(A), *sub = cy_new_dict(A);
    put(cfg, "n", cy_new_int(A, 3));
    put(sub, "y", cy_new_str(A, "${oc.select:,+ 0fff}"));
    put(cfg, "sub", sub);
    put(cfg, "up", cy_new_str(A, "${sub}"));
    char *out = NULL;
    CHECK_EQ_INT(cy_yaml_emit(&out, cfg, CY_YAML_RESOLVE), CY_EINTERP);
    CHECK(strstr(cy_error_last()->msg, "Recursive interpolation detected") != NULL);
    CHECK(out == NULL);
    /* without resolving, it is plain text */
    CHECK_EQ_INT(cy_yaml_emit(&out, cfg, 0), 0);
    free(out);
    cy_error_clear();
}

int main(void) {
    A = cy_arena_new();
    RUN(test_mnist_like);
    RUN(test_empty_and_nested);
    RUN(test_keys);
    RUN(test_strings);
    RUN(test_floats);
    RUN(test_sort_keys);
    RUN(test_scalar_root);
    RUN(test_enum);
    RUN(test_resolve);
    RUN(test_depth_limit);
    RUN(test_write_file);
    RUN(test_resolve_self_containing);
    cy_arena_free(A);
    return harness_summary();
}

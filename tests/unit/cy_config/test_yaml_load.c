/*
 * test_yaml_load.c - cy_yaml_load_str / cy_yaml_load_file: structure, key kinds, anchors and
 * merge keys, source positions, every error path (each message must carry name:line:column), and
 * the limits against hostile input. What OmegaConf itself makes of each snippet was checked with
 * /usr/bin/python3 (omegaconf 2.2.2); test_yaml_golden.c compares ~2000 more.
 */
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#include "cydra/error.h"
#include "cydra/yaml.h"

static cy_arena *A;

static cy_node *load(const char *text) {
    cy_node *n = NULL;
    if (cy_yaml_load_str(&n, A, text, strlen(text), "t.yaml", NULL) != 0) {
        harness_fail(__FILE__, __LINE__, "load failed: %s\n%s", cy_error_last()->msg, text);
        return NULL;
    }
    return n;
}

/* Loads text expecting failure with code, a message containing each of the parts. */
static void expect_error(const char *text, int code, const char *part1, const char *part2,
                         int line) {
    cy_node *n = (cy_node *)1;
    cy_error_clear();
    int rc = cy_yaml_load_str(&n, A, text, strlen(text), "t.yaml", NULL);
    if (rc == 0) {
        harness_fail(__FILE__, line, "expected an error for:\n%s", text);
        return;
    }
    if (n != NULL)
        harness_fail(__FILE__, line, "*out not NULL on error");
    const cy_error *e = cy_error_last();
    if (rc != code || e->code != code)
        harness_fail(__FILE__, line, "code %d expected, got %d (%s)", code, rc, e->msg);
    if (part1 && !strstr(e->msg, part1))
        harness_fail(__FILE__, line, "message '%s' lacks '%s'", e->msg, part1);
    if (part2 && !strstr(e->msg, part2))
        harness_fail(__FILE__, line, "message '%s' lacks '%s'", e->msg, part2);
}
#define EXPECT_ERROR(text, code, p1, p2) expect_error(text, code, p1, p2, __LINE__)

/* the emitted form, a compact way to state the expected tree */
static void expect_tree(const char *text, const char *yaml, int line) {
    cy_node *n = NULL;
    if (cy_yaml_load_str(&n, A, text, strlen(text), "t.yaml", NULL) != 0) {
        harness_fail(__FILE__, line, "load failed: %s", cy_error_last()->msg);
        return;
    }
    char *got = NULL;
    cy_yaml_emit(&got, n, 0);
    if (!got || strcmp(got, yaml) != 0)
        harness_fail(__FILE__, line, "loaded as:\n%s--- expected:\n%s---", got ? got : "?", yaml);
    free(got);
}
#define EXPECT_TREE(text, yaml) expect_tree(text, yaml, __LINE__)

static void test_structure(void) {
    cy_node *c = load("a: 1\nb: [x, 2.5, true, null]\nc:\n  d: {e: f}\n  g:\n  - h\n");
    if (!c)
        return;
    CHECK_EQ_INT(c->kind, CY_DICT);
    CHECK_EQ_INT(cy_node_len(c), 3);
    cy_node *a = cy_dict_get(c, "a"), *b = cy_dict_get(c, "b");
    CHECK(a && a->kind == CY_INT && a->v.i == 1);
    CHECK(b && b->kind == CY_LIST && cy_node_len(b) == 4);
    CHECK_EQ_INT(cy_node_child(b, 0)->kind, CY_STR);
    CHECK_EQ_INT(cy_node_child(b, 1)->kind, CY_FLOAT);
    CHECK_EQ_INT(cy_node_child(b, 2)->kind, CY_BOOL);
    CHECK_EQ_INT(cy_node_child(b, 3)->kind, CY_NULL);
    cy_node *e = cy_dict_get(cy_dict_get(cy_dict_get(c, "c"), "d"), "e");
    CHECK(e && e->kind == CY_STR && strcmp(e->v.str.s, "f") == 0);
    /* where each node came from: name:line:column, 1-based */
    CHECK_STREQ(a->source, "t.yaml:1:4");
    CHECK_STREQ(cy_node_child(b, 1)->source, "t.yaml:2:8");
    CHECK_STREQ(e->source, "t.yaml:4:10");
    CHECK_STREQ(c->source, "t.yaml:1:1");
    cy_node *l = load("- 1\n- [2, 3]\n");
    CHECK(l && l->kind == CY_LIST && cy_node_len(l) == 2);
    EXPECT_TREE("a: |\n  line1\n  line2\nb: >\n  folded\n  text\nc: 'it''s'\nd: \"\\u00e9\\t\"\n",
                "a: 'line1\n\n  line2\n\n  '\nb: 'folded text\n\n  '\nc: it's\nd: \"é\\t\"\n");
    EXPECT_TREE("# comment\na: b # trailing\nc: d#e\n", "a: b\nc: d#e\n");
    EXPECT_TREE("\xef\xbb\xbf"
                "a: 1\n",
                "a: 1\n"); /* a UTF-8 byte order mark is skipped */
    EXPECT_TREE("a: 1\r\nb: 2\r\n", "a: 1\nb: 2\n");
    /* "?\?" below: "??'" is a C trigraph */
    EXPECT_TREE("a: ???\nb: '?\?\?'\nc: ${x}\nd: '${y}'\ne: \\${z}\n",
                "a: ???\nb: ???\nc: ${x}\nd: ${y}\ne: \\${z}\n");
    cy_node *m = load("a: ???\nb: ${x.y}\n");
    CHECK(m && cy_dict_get(m, "a")->kind == CY_MISSING && cy_dict_get(m, "b")->kind == CY_INTERP);
}

static void test_documents(void) {
    /* OmegaConf.create: nothing, or null, is an empty dict; a string s is {s: None} */
    EXPECT_TREE("", "{}\n");
    EXPECT_TREE("# just a comment\n", "{}\n");
    EXPECT_TREE("~", "{}\n");
    EXPECT_TREE("---\n...\n", "{}\n");
    EXPECT_TREE("hello", "hello: null\n");
    EXPECT_TREE("'a: 1'", "'a: 1': null\n");
    EXPECT_TREE("[]", "[]\n");
    EXPECT_TREE("--- !!map\na: 1\n", "a: 1\n");
    EXPECT_ERROR("123", CY_EVALIDATION, "t.yaml:1:1", "Invalid loaded object type: int");
    EXPECT_ERROR("1.5", CY_EVALIDATION, "float", NULL);
    EXPECT_ERROR("true", CY_EVALIDATION, "bool", NULL);
    EXPECT_ERROR("a: 1\n---\nb: 2\n", CY_EPARSE, "t.yaml:2:1",
                 "expected a single document in the stream");
    CHECK_STREQ(cy_error_last()->exc, "ComposerError");
}

static void test_keys(void) {
    cy_node *c = load("1: int\n2.5: float\nno: bool\n'1.0': str\n0x10: hex\n");
    if (!c)
        return;
    CHECK_EQ_INT(cy_node_len(c), 5);
    CHECK_STREQ(cy_node_child(c, 0)->key, "1");
    CHECK_EQ_INT(cy_node_child(c, 0)->key_kind, CY_KEY_INT);
    CHECK_STREQ(cy_node_child(c, 1)->key, "2.5");
    CHECK_EQ_INT(cy_node_child(c, 1)->key_kind, CY_KEY_FLOAT);
    CHECK_STREQ(cy_node_child(c, 2)->key, "False");
    CHECK_EQ_INT(cy_node_child(c, 2)->key_kind, CY_KEY_BOOL);
    CHECK_STREQ(cy_node_child(c, 3)->key, "1.0");
    CHECK_EQ_INT(cy_node_child(c, 3)->key_kind, CY_KEY_STR);
    CHECK_STREQ(cy_node_child(c, 4)->key, "16");
    /* Python's dict: 1, 1.0 and True are one key (the first spelling, the last value); two
     * equal keys that are not strings are no error */
    EXPECT_TREE("{1: a, 1.0: b, true: c}", "1: c\n");
    EXPECT_TREE("{1: a, 1: b}", "1: b\n");
    EXPECT_TREE("{false: a, 0: b, -0.0: c}", "false: c\n");
    EXPECT_TREE("{.inf: a, .Inf: b}", ".inf: b\n");
    EXPECT_TREE("{=: 1}", "'=': 1\n");
    EXPECT_TREE("'': empty\n", "? ''\n: empty\n");
    EXPECT_ERROR("{null: 1}", CY_EVALIDATION, "t.yaml:1:2", "Incompatible key type 'NoneType'");
    EXPECT_ERROR("? [1]\n: 2\n", CY_EPARSE, "t.yaml:1:3", "found unhashable key");
    EXPECT_ERROR("{{a: 1}: 2}", CY_EPARSE, "t.yaml:1:2", "found unhashable key");
    EXPECT_ERROR("{1: a, '1': b}", CY_EPARSE, "t.yaml:1:8", "both as a string and as a number");
}

static void test_duplicates(void) {
    EXPECT_ERROR("a: 1\nb: 2\na: 3\n", CY_EPARSE, "t.yaml:3:1", "found duplicate key a");
    CHECK(strstr(cy_error_last()->msg, "while constructing a mapping at line 1, column 1"));
    CHECK_STREQ(cy_error_last()->exc, "ConstructorError");
    EXPECT_ERROR("x:\n  {a: 1, 'a': 2}\n", CY_EPARSE, "t.yaml:2:10", "found duplicate key a");
    EXPECT_ERROR("? a\n? a\n", CY_EPARSE, "t.yaml:2:3", "duplicate key a");
    /* a big mapping takes the hashed path */
    char big[8192] = "";
    for (int i = 0; i < 500; i++)
        snprintf(big + strlen(big), sizeof big - strlen(big), "k%d: %d\n", i, i);
    strcat(big, "k250: dup\n");
    EXPECT_ERROR(big, CY_EPARSE, "t.yaml:501:1", "found duplicate key k250");
}

static void test_anchors_and_merges(void) {
    EXPECT_TREE("a: &x [1, 2]\nb: *x\n", "a:\n- 1\n- 2\nb:\n- 1\n- 2\n");
    cy_node *c = load("a: &x {k: v}\nb: *x\n");
    if (c) /* an alias is expanded into a copy of its own */
        CHECK(cy_dict_get(c, "a") != cy_dict_get(c, "b") &&
              cy_dict_get(cy_dict_get(c, "a"), "k") != cy_dict_get(cy_dict_get(c, "b"), "k"));
    EXPECT_TREE("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n",
                "base:\n  x: 1\n  'y': 2\nd:\n  x: 1\n  'y': 3\n");
    /* several merged mappings: the earlier ones win, merged keys come first */
    EXPECT_TREE("a: &a {x: 1, z: 0}\nb: &b {x: 2, q: 3}\nc:\n  <<: [*a, *b]\n  d: 4\n",
                "a:\n  x: 1\n  z: 0\nb:\n  x: 2\n  q: 3\nc:\n  x: 1\n  q: 3\n  z: 0\n  d: 4\n");
    EXPECT_TREE("a: {x: 1, <<: {x: 2, y: 3}}\n", "a:\n  x: 1\n  'y': 3\n");
    EXPECT_TREE("a: &m {<<: {k: v}}\nb: {<<: *m, z: 1}\n", "a:\n  k: v\nb:\n  k: v\n  z: 1\n");
    EXPECT_TREE("a: {'<<': 1}\n", "a:\n  '<<': 1\n");
    EXPECT_ERROR("a: {<<: 1}\n", CY_EPARSE, "t.yaml:1:9",
                 "expected a mapping or list of mappings for merging, but found scalar");
    EXPECT_ERROR("a: {<<: [1]}\n", CY_EPARSE, "t.yaml:1:10",
                 "expected a mapping for merging, but found scalar");
    EXPECT_ERROR("a: <<\n", CY_EPARSE, "t.yaml:1:4", "tag:yaml.org,2002:merge");
    EXPECT_ERROR("a: *nope\n", CY_EPARSE, "t.yaml:1:4", "found undefined alias 'nope'");
    EXPECT_ERROR("a: &x 1\nb: &x 2\n", CY_EPARSE, "t.yaml:2:4", "found duplicate anchor 'x'");
    EXPECT_ERROR("&a [*a]", CY_EPARSE, "t.yaml:1:5", "contains it");
    EXPECT_ERROR("a: &a {b: *a}\n", CY_EPARSE, "t.yaml:1:11", "recursive");
}

static void test_tags(void) {
    EXPECT_TREE("a: !!str 1\nb: !!int '12'\nc: !!float 1\nd: !!bool yes\ne: !!null ''\n",
                "a: '1'\nb: 12\nc: 1.0\nd: true\ne: null\n");
    EXPECT_TREE("a: !!int 0o17\nb: !!int ' 12 '\nc: !!bool TrUe\nd: !!null foo\ne: !!str\n",
                "a: 15\nb: 12\nc: true\nd: null\ne: ''\n");
    EXPECT_TREE("a: ! 12\nb: ! '12'\nc: !\nd: !<tag:yaml.org,2002:str> 5\n",
                "a: 12\nb: 12\nc: null\nd: '5'\n");
    EXPECT_TREE("%TAG !e! tag:yaml.org,2002:\n---\na: !e!int '5'\n", "a: 5\n");
    EXPECT_TREE("a: !!omap [{b: 1}, {c: 2}]\n", "a:\n- - b\n  - 1\n- - c\n  - 2\n");
    EXPECT_ERROR("a: !!int 1.5\n", CY_EPARSE, "t.yaml:1:4",
                 "invalid literal for int() with base 10: '1.5'");
    EXPECT_ERROR("a: !!int\n", CY_EPARSE, "t.yaml:1:4", "not an integer");
    EXPECT_ERROR("a: !!float ''\n", CY_EPARSE, "t.yaml:1:4", "not a float");
    EXPECT_ERROR("a: !!bool y\n", CY_EPARSE, "t.yaml:1:4", "not a boolean");
    EXPECT_ERROR("a: !!str [1]\n", CY_EPARSE, "t.yaml:1:4",
                 "expected a scalar node, but found sequence");
    EXPECT_ERROR("a: !!map [1]\n", CY_EPARSE, "t.yaml:1:4", "expected a mapping node");
    EXPECT_ERROR("a: !!seq {b: 1}\n", CY_EPARSE, "t.yaml:1:4", "expected a sequence node");
    EXPECT_ERROR("a: !foo bar\n", CY_EPARSE, "t.yaml:1:4",
                 "could not determine a constructor for the tag '!foo'");
    EXPECT_ERROR("a: !!timestamp 2001-12-14\n", CY_EPARSE, "t.yaml:1:4", "date");
    EXPECT_ERROR("a: !!binary aGVsbG8=\n", CY_EPARSE, "t.yaml:1:4", "binary");
    EXPECT_ERROR("a: !!set {x, y}\n", CY_EPARSE, "t.yaml:1:4", "a set");
    EXPECT_ERROR("a: !!omap [{b: 1, c: 2}]\n", CY_EPARSE, "t.yaml:1:12",
                 "expected a single mapping item, but found 2 items");
}

static void test_values(void) {
    EXPECT_TREE("a: 2001-12-14\nb: 1e3\nc: 1_000\nd: 0o17\ne: 010\nf: 1:30\ng: y\n",
                "a: '2001-12-14'\nb: 1000.0\nc: 1000\nd: 0o17\ne: 8\nf: 90\ng: 'y'\n");
    EXPECT_ERROR("a: 123456789012345678901234567890\n", CY_ELIMIT, "t.yaml:1:4", "64 bits");
    EXPECT_ERROR("a: ._\n", CY_EPARSE, "t.yaml:1:4", "could not convert string to float");
    EXPECT_ERROR("a: \"\\0\"\n", CY_EPARSE, "t.yaml:1:4", "NUL");
    /* OmegaConf validates interpolations when it creates the node */
    EXPECT_ERROR("a:\n  b: ${x\n", CY_EPARSE, "t.yaml:2:6", "invalid interpolation '${x'");
    CHECK_STREQ(cy_error_last()->exc, "GrammarParseError");
}

static void test_syntax_errors(void) {
    EXPECT_ERROR("a: [1, 2\n", CY_EPARSE, "t.yaml:2:1", "did not find expected ',' or ']'");
    CHECK(strstr(cy_error_last()->msg, "while parsing a flow sequence at line 1, column 4"));
    CHECK_STREQ(cy_error_last()->exc, "ParserError");
    EXPECT_ERROR("a: b: c\n", CY_EPARSE, "t.yaml:1:5", "mapping values are not allowed");
    CHECK_STREQ(cy_error_last()->exc, "ScannerError");
    EXPECT_ERROR("a: 'unterminated\n", CY_EPARSE, "t.yaml:2:1", "found unexpected end of stream");
    EXPECT_ERROR("- a\nb: 1\n", CY_EPARSE, "t.yaml:2:1", "did not find expected '-' indicator");
    EXPECT_ERROR("a: \"bad \\q\"\n", CY_EPARSE, "t.yaml:1:9", "found unknown escape character");
    EXPECT_ERROR("a: @x\n", CY_EPARSE, "t.yaml:1:4", "cannot start any token");
    /* PyYAML's tab rule: a tab is never white space between tokens */
    EXPECT_ERROR("a:\tb\n", CY_EPARSE, "t.yaml:1:3", "found character '\\t'");
    EXPECT_ERROR("x: 1\ny: [a,\tb]\n", CY_EPARSE, "t.yaml:2:7", "'\\t'");
    EXPECT_ERROR("k: a\tb\n", CY_EPARSE, "t.yaml:1:5", "'\\t'");
    EXPECT_ERROR("é: a\tb\n", CY_EPARSE, "t.yaml:1:5", "'\\t'"); /* columns count characters */
    EXPECT_TREE("a: \"x\ty\"\nb: |\n  x\ty\n# a\tcomment\nc: 1 #\tc\n",
                "a: \"x\\ty\"\nb: \"x\\ty\\n\"\nc: 1\n");
    /* bytes that are not UTF-8, control characters */
    EXPECT_ERROR("a: 1\nb: \xff\n", CY_EPARSE, "t.yaml:2:4", "invalid leading UTF-8 octet");
    CHECK_STREQ(cy_error_last()->exc, "ReaderError");
    EXPECT_ERROR("a: \x01\n", CY_EPARSE, "t.yaml:1:4", "control characters are not allowed");
    EXPECT_ERROR("\xff\xfe"
                 "a\0:\0 \0001\0",
                 CY_EPARSE, "t.yaml:1:1", "UTF-8");
}

static void test_limits(void) {
    cy_yaml_opts o = CY_YAML_OPTS_INIT;
    cy_node *n;
    /* nesting */
    size_t depth = 2000;
    char *deep = malloc(2 * depth + 1);
    for (size_t i = 0; i < depth; i++) {
        deep[i] = '[';
        deep[2 * depth - 1 - i] = ']';
    }
    deep[2 * depth] = '\0';
    CHECK_EQ_INT(cy_yaml_load_str(&n, A, deep, 2 * depth, "deep.yaml", NULL), CY_ELIMIT);
    CHECK(strstr(cy_error_last()->msg, "deep.yaml:1:513: collections nested deeper than 512"));
    o.max_depth = 3000;
    CHECK_EQ_INT(cy_yaml_load_str(&n, A, deep, 2 * depth, "deep.yaml", &o), 0);
    free(deep);
    /* max_depth is capped at 10000: construction recurses */
    depth = 12000;
    deep = malloc(2 * depth + 1);
    for (size_t i = 0; i < depth; i++) {
        deep[i] = '[';
        deep[2 * depth - 1 - i] = ']';
    }
    deep[2 * depth] = '\0';
    o.max_depth = 1000000;
    CHECK_EQ_INT(cy_yaml_load_str(&n, A, deep, 2 * depth, "deep.yaml", &o), CY_ELIMIT);
    CHECK(strstr(cy_error_last()->msg, "deeper than 10000 levels"));
    free(deep);
    /* nesting grown by aliases */
    o = (cy_yaml_opts)CY_YAML_OPTS_INIT;
    o.max_depth = 8;
    const char *chain = "a: &a [[[[1]]]]\nb: &b [[[[*a]]]]\n";
    CHECK_EQ_INT(cy_yaml_load_str(&n, A, chain, strlen(chain), "c.yaml", &o), CY_ELIMIT);
    CHECK(strstr(cy_error_last()->msg, "once aliases are expanded"));
    /* input size */
    o = (cy_yaml_opts)CY_YAML_OPTS_INIT;
    o.max_bytes = 10;
    CHECK_EQ_INT(cy_yaml_load_str(&n, A, "a: 1234567890\n", 14, "s.yaml", &o), CY_ELIMIT);
    CHECK(strstr(cy_error_last()->msg, "s.yaml: input is 14 bytes, more than the 10 allowed"));
    /* node count */
    o = (cy_yaml_opts)CY_YAML_OPTS_INIT;
    o.max_nodes = 100;
    char many[1024] = "[";
    for (int i = 0; i < 150; i++)
        strcat(many, "1,");
    strcat(many, "1]");
    CHECK_EQ_INT(cy_yaml_load_str(&n, A, many, strlen(many), "m.yaml", &o), CY_ELIMIT);
    CHECK(strstr(cy_error_last()->msg, "more than 100 nodes"));
}

/* The billion laughs: nine levels of ten aliases would be 10^9 nodes. It must fail at once,
 * counting expanded nodes, without building anything. */
static void test_billion_laughs(void) {
    const char *bomb =
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
        "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
        "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
        "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
        "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
    cy_arena *a = cy_arena_new();
    cy_node *n;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = cy_yaml_load_str(&n, a, bomb, strlen(bomb), "lol.yaml", NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    CHECK_EQ_INT(rc, CY_ELIMIT);
    CHECK(strstr(cy_error_last()->msg, "lol.yaml:7:")); /* 9^7 > 4194304 */
    CHECK(strstr(cy_error_last()->msg, "more than 4194304 nodes"));
    CHECK(ms < 100);
    CHECK(cy_arena_used(a) < 4096); /* nothing was built */
    printf("billion laughs refused in %.3f ms: %s\n", ms, cy_error_last()->msg);
    cy_arena_free(a);
}

static void test_files(void) {
    char dir[] = "/tmp/cy_yaml_load_XXXXXX";
    if (!mkdtemp(dir))
        return;
    char path[256];
    snprintf(path, sizeof path, "%s/conf.yaml", dir);
    FILE *f = fopen(path, "w");
    fputs("db:\n  driver: mysql\n  port: 3306\n  port: 3307\n", f);
    fclose(f);
    cy_node *n;
    CHECK_EQ_INT(cy_yaml_load_file(&n, A, path, NULL), CY_EPARSE);
    char want[300];
    snprintf(want, sizeof want, "%s:4:3: found duplicate key port", path);
    CHECK(strstr(cy_error_last()->msg, want));
    /* OmegaConf.load hands a top-level string to OmegaConf.create, which parses it again */
    f = fopen(path, "w");
    fputs("'a: 1'\n", f);
    fclose(f);
    CHECK_EQ_INT(cy_yaml_load_file(&n, A, path, NULL), 0);
    CHECK(n && n->kind == CY_DICT && cy_dict_get(n, "a") && cy_dict_get(n, "a")->v.i == 1);
    f = fopen(path, "w");
    fputs("lr: 0.01\n", f);
    fclose(f);
    CHECK_EQ_INT(cy_yaml_load_file(&n, A, path, NULL), 0);
    snprintf(want, sizeof want, "%s:1:5", path);
    CHECK_STREQ(cy_dict_get(n, "lr")->source, want);
    cy_yaml_opts o = CY_YAML_OPTS_INIT;
    o.max_bytes = 4;
    CHECK_EQ_INT(cy_yaml_load_file(&n, A, path, &o), CY_ELIMIT);
    CHECK(strstr(cy_error_last()->msg, path));
    unlink(path);
    CHECK_EQ_INT(cy_yaml_load_file(&n, A, path, NULL), CY_EIO);
    snprintf(want, sizeof want, "cannot open %s: No such file or directory", path);
    CHECK_STREQ(cy_error_last()->msg, want);
    CHECK_EQ_INT(cy_yaml_load_file(&n, A, dir, NULL), CY_EIO);
    CHECK(strstr(cy_error_last()->msg, "directory"));
    rmdir(dir);
}

int main(void) {
    A = cy_arena_new();
    RUN(test_structure);
    RUN(test_documents);
    RUN(test_keys);
    RUN(test_duplicates);
    RUN(test_anchors_and_merges);
    RUN(test_tags);
    RUN(test_values);
    RUN(test_syntax_errors);
    RUN(test_limits);
    RUN(test_billion_laughs);
    RUN(test_files);
    cy_arena_free(A);
    return harness_summary();
}

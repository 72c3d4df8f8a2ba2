/*
 * test_interp.c - interpolation: every grammar form read through the public API, the errors with
 * their exact OmegaConf text and full_key, syntax checking with positions, recursion and nesting
 * bounds, cy_resolve_tree (OmegaConf.resolve). The resolvers have test_resolver.c; the
 * comparison with OmegaConf over hundreds of cases is test_interp_golden.c.
 */
#include "cydra/interp.h"
#include "cydra/node.h"
#include "cydra/schema.h"
#include "cydra/yaml.h"
#include "harness.h"

/* A structured config with interpolated defaults, as a dataclass would declare them. */
#define COLOR(X) X(RED, 1) X(GREEN, 2)
CY_ENUM(Color, COLOR)
CY_ENUM_DEFINE(Color, COLOR)

#define SUB_CONF(X)                                                                                \
    X(FLOAT, lr, "1.0", "learning rate")                                                           \
    X(ANY, params, CY_DEF_MISSING, "parameters")
CY_STRUCT(SubConf, SUB_CONF)
CY_SCHEMA(SubConf, SUB_CONF, "a nested config")

#define TOP_CONF(X)                                                                                \
    X(INT, seed, "1", "seed")                                                                      \
    X(STR, checkpoint_name, "unnamed.pt", "checkpoint")                                            \
    X(INT, epochs, "${checkpoint_name}", "epochs")                                                 \
    X(INT, e2, "${seed}", "epochs too")                                                            \
    X(ENUM(Color), color, "${cname}", "a color")                                                   \
    X(ENUM(Color), bad, "${seed3}", "a bad color")                                                 \
    X(STR, cname, "GREEN", "color name")                                                           \
    X(INT, seed3, "3", "three")                                                                    \
    X(STRUCT(SubConf), sub, NULL, "nested")                                                        \
    X(STRUCT(SubConf), other, NULL, "nested, then set to a reference")                             \
    X(ANY, p, "${sub.params}", "a reference to ???")
CY_STRUCT(TopConf, TOP_CONF)
CY_SCHEMA(TopConf, TOP_CONF, "interpolations in a structured config")

static cy_arena *arena;

static cy_node *yaml(const char *text) {
    cy_node *n = NULL;
    if (cy_yaml_load_str(&n, arena, text, strlen(text), "test.yaml", NULL) < 0) {
        fprintf(stderr, "yaml: %s\n", cy_error_last()->msg);
        return cy_new_dict(arena);
    }
    return n;
}

/* root[key] resolved, as Python's str() of the value; "<exc>: <msg>" on error. */
static const char *get_str(const cy_node *root, const char *key) {
    const cy_node *v;
    if (cy_get(root, key, &v) < 0)
        return cy_arena_printf(arena, "%s: %s", cy_error_last()->exc, cy_error_last()->msg);
    return cy_arena_printf(arena, "%s %s", cy_node_pytype(v), cy_node_pystr(v));
}

static const char *err_key(void) {
    const cy_error *e = cy_error_last();
    return e->has_key ? e->full_key : "(none)";
}

/* ---------------------------------------------------------------------------------------------
 * Grammar forms
 */

static void test_node_references(void) {
    cy_node *c = yaml("seed: 1\n"
                      "a: {b: {c: deep}, l: [10, x, [1, 2]]}\n"
                      "abs: ${a.b.c}\n"
                      "idx: ${a.l[0]}\n"
                      "dotidx: ${a.l.2.1}\n"
                      "brk: ${[a][b].c}\n"
                      "ws: ${ seed }\n"
                      "cont: ${a.b}\n");
    CHECK_STREQ(get_str(c, "abs"), "str deep");
    CHECK_STREQ(get_str(c, "idx"), "int 10");
    CHECK_STREQ(get_str(c, "dotidx"), "int 2");
    CHECK_STREQ(get_str(c, "brk"), "str deep");
    CHECK_STREQ(get_str(c, "ws"), "int 1");
    /* a reference to a container gives the container itself */
    const cy_node *v, *b;
    CHECK(cy_get(c, "cont", &v) == 0);
    CHECK(cy_get(c, "a.b", &b) == 0);
    CHECK(v == b);
}

static void test_relative_references(void) {
    cy_node *c =
        yaml("top: 1\n"
             "a:\n"
             "  d: D\n"
             "  b: {f: F, sib: '${.f}', up: '${..d}', upup: '${...top}', far: '${....top}',\n"
             "      l: ['${..f}', '${...d}']}\n");
    CHECK_STREQ(get_str(c, "a.b.sib"), "str F");
    CHECK_STREQ(get_str(c, "a.b.up"), "str D");
    CHECK_STREQ(get_str(c, "a.b.upup"), "int 1");
    CHECK_STREQ(get_str(c, "a.b.l[0]"), "str F");
    CHECK_STREQ(get_str(c, "a.b.l[1]"), "str D");
    CHECK_STREQ(get_str(c, "a.b.far"), "InterpolationKeyError: ConfigKeyError while resolving "
                                       "interpolation: Error resolving key '....top'");
    CHECK_STREQ(err_key(), "a.b.far");
}

static void test_nested_interpolations(void) {
    cy_node *c = yaml("k: seed\nseed: 7\nkk: k\nbk: b\ni: 1\nd: {b: {c: X}}\nl: [a, b]\n"
                      "x1: ${${k}}\nx2: ${${${kk}}}\nx3: ${d.${bk}.c}\nx4: ${l[${i}]}\n"
                      "x5: ${${i}}\nx6: ${oc.${k}:a}\n");
    CHECK_STREQ(get_str(c, "x1"), "int 7");
    CHECK_STREQ(get_str(c, "x2"), "int 7");
    CHECK_STREQ(get_str(c, "x3"), "str X");
    CHECK_STREQ(get_str(c, "x4"), "InterpolationResolutionError: The following interpolation is "
                                  "used to denote a config key and thus should return a string, "
                                  "but instead returned `1` of type `<class 'int'>`: ${i}");
    CHECK_STREQ(get_str(c, "x6"), "UnsupportedInterpolationType: Unsupported interpolation type "
                                  "oc.seed");
}

static void test_string_interpolation(void) {
    cy_node *c = yaml("seed: 1\nepochs: 14\nlr: 0.5\nok: true\nnone: null\nl: [1, a]\nd: {a: 1}\n"
                      "ckpt: ckpt_${seed}_${epochs}.pt\n"
                      "mix: '${lr}|${ok}|${none}|${l}|${d}'\n"
                      "dollar: $${seed}$\n");
    CHECK_STREQ(get_str(c, "ckpt"), "str ckpt_1_14.pt");
    CHECK_STREQ(get_str(c, "mix"), "str 0.5|True|None|[1, 'a']|{'a': 1}");
    CHECK_STREQ(get_str(c, "dollar"), "str $1$");
}

static void test_escapes(void) {
    cy_node *c = yaml("seed: 1\n"
                      "e1: '\\${seed}'\n"        /* \${seed}   -> ${seed} */
                      "e2: '\\\\${seed}'\n"      /* \\${seed}  -> \1 */
                      "e3: '\\\\\\${seed}'\n"    /* \\\${seed} -> \${seed} */
                      "e4: 'a\\\\'\n"            /* a\\ (no interpolation after) stays */
                      "e5: 'x\\${a}${seed}'\n"); /* escaped then real */
    CHECK_STREQ(get_str(c, "e1"), "str ${seed}");
    CHECK_STREQ(get_str(c, "e2"), "str \\1");
    CHECK_STREQ(get_str(c, "e3"), "str \\${seed}");
    CHECK_STREQ(get_str(c, "e5"), "str x${a}1");
    CHECK(cy_interp_is_interp("a\\${x}")); /* escaped ones still need processing */
    CHECK(!cy_interp_is_interp("a$b{c}"));
}

/* Resolver arguments: the grammar's typing of primitives, quoting, lists and dicts, blanks. */
static int r_show(const cy_node **out, const cy_resolver_call *call) {
    char buf[2048] = "";
    for (size_t i = 0; i < call->nargs; i++) {
        const cy_node *a = call->args[i];
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof buf - n, "%s%s:%s<%s>", i ? " " : "",
                 a->kind == CY_DICT   ? (call->args_plain[i] ? "dict" : "DictConfig")
                 : a->kind == CY_LIST ? (call->args_plain[i] ? "list" : "ListConfig")
                                      : cy_node_pytype(a),
                 cy_node_pystr(a), call->args_text[i]);
    }
    *out = cy_new_str(call->arena, buf);
    return 0;
}

static void test_resolver_arguments(void) {
    cy_resolver_register("show", r_show, NULL, CY_RESOLVER_REPLACE);
    cy_node *c = yaml("seed: 3\nd: {a: 1}\n"
                      "p: '${show:1,-2,1_000,1.5,.5,5.,1e3,inf,-nan,true,FALSE,null,abc}'\n"
                      "q: \"${show:'x',\\\"y z\\\",'',a b, a  b ,'it\\\\'s'}\"\n"
                      "r: '${show:[1,[2]],{a: 1, 2: b},${seed},${d},x${seed}}'\n"
                      "s: '${show:,a,,}'\n"
                      "t: '${show:\\,,\\:,\\ ,a\\=b,007}'\n"
                      "u: '${show:}'\n");
    CHECK_STREQ(get_str(c, "p"),
                "str int:1<1> int:-2<-2> int:1000<1_000> float:1.5<1.5> float:0.5<.5> "
                "float:5.0<5.> float:1000.0<1e3> float:inf<inf> float:nan<-nan> bool:True<true> "
                "bool:False<FALSE> NoneType:None<null> str:abc<abc>");
    CHECK_STREQ(get_str(c, "q"),
                "str str:x<'x'> str:y z<\"y z\"> str:<''> str:a b<a b> str:a  b<a  b> "
                "str:it's<'it\\'s'>");
    CHECK_STREQ(get_str(c, "r"), "str list:[1, [2]]<[1,[2]]> dict:{'a': 1, 2: 'b'}<{a: 1, 2: b}> "
                                 "int:3<${seed}> DictConfig:{'a': 1}<${d}> str:x3<x${seed}>");
    CHECK_STREQ(get_str(c, "s"), "str str:<> str:a<a> str:<> str:<>");
    CHECK_STREQ(get_str(c, "t"),
                "str str:,<\\,> str::<\\:> str: <\\ > str:a=b<a\\=b> str:007<007>");
    CHECK_STREQ(get_str(c, "u"), "str ");
}

/* ---------------------------------------------------------------------------------------------
 * Errors
 */

static void test_missing_key(void) {
    cy_node *c = yaml("a: {b: '${nosuch}', c: '${a.nosuch}', d: '${a.b.x}'}\nn: 1\ne: '${n.x}'\n");
    CHECK_STREQ(get_str(c, "a.b"), "InterpolationKeyError: Interpolation key 'nosuch' not found");
    CHECK_STREQ(err_key(), "a.b");
    CHECK_STREQ(cy_error_last()->object_type, "dict");
    CHECK_EQ_INT(cy_error_last()->code, CY_EINTERP);
    CHECK_STREQ(get_str(c, "a.c"), "InterpolationKeyError: Interpolation key 'a.nosuch' not found");
    CHECK_STREQ(get_str(c, "e"), "InterpolationResolutionError: ConfigTypeError raised while "
                                 "resolving interpolation: Error trying to access n.x: node `n` "
                                 "is not a container and thus cannot contain `x`");
}

static void test_missing_value(void) {
    cy_node *c = yaml("adadelta:\n  params: ???\n  lr: 1.0\np: ${adadelta.params}\n"
                      "s: x${adadelta.params}\n");
    CHECK_STREQ(get_str(c, "p"), "InterpolationToMissingValueError: MissingMandatoryValue while "
                                 "resolving interpolation: Missing mandatory value: "
                                 "adadelta.params");
    CHECK_STREQ(err_key(), "p");
    CHECK_STREQ(get_str(c, "s"), "InterpolationToMissingValueError: MissingMandatoryValue while "
                                 "resolving interpolation: Missing mandatory value: "
                                 "adadelta.params");
    /* --resolve: a reference to ??? resolves to ??? */
    CHECK(cy_resolve_tree(c) == 0);
    const cy_node *p = cy_dict_get(c, "p"), *s = cy_dict_get(c, "s");
    CHECK(p && p->kind == CY_MISSING);
    CHECK(s && s->kind == CY_MISSING);
}

static void test_typed_result(void) {
    cy_node *c = yaml("checkpoint_name: unnamed.pt\nthree: '3'\n");
    cy_node *epochs = cy_new_str(arena, "${checkpoint_name}");
    cy_node_set_type(epochs, &cy_type_int);
    cy_dict_put(c, "epochs", epochs);
    cy_node *n = cy_new_str(arena, "${three}");
    cy_node_set_type(n, &cy_type_int);
    cy_dict_put(c, "n", n);
    CHECK_STREQ(get_str(c, "epochs"),
                "InterpolationValidationError: While dereferencing interpolation "
                "'${checkpoint_name}': Value 'unnamed.pt' of type 'str' could not be converted to "
                "Integer");
    CHECK_STREQ(err_key(), "epochs");
    CHECK_STREQ(get_str(c, "n"), "int 3"); /* converted to the declared type */
    int64_t i = 0;
    CHECK(cy_get_int(c, "n", &i) == 0);
    CHECK_EQ_INT(i, 3);
    /* cy_resolve_tree fails the same way, naming the key */
    CHECK(cy_resolve_tree(c) == CY_EINTERP);
    CHECK_STREQ(cy_error_last()->exc, "InterpolationValidationError");
    CHECK_STREQ(err_key(), "epochs");
}

static void test_cycles(void) {
    cy_node *c = yaml("a: ${b}\nb: ${a}\nself: ${self}\nstr: x_${str}\n"
                      "p: {q: '${p}'}\npath: ${path.x}\n");
    CHECK_STREQ(get_str(c, "a"), "InterpolationResolutionError: Recursive interpolation detected");
    CHECK_STREQ(err_key(), "a");
    CHECK_STREQ(get_str(c, "self"),
                "InterpolationResolutionError: Recursive interpolation detected");
    CHECK_STREQ(get_str(c, "str"),
                "InterpolationResolutionError: Recursive interpolation detected");
    CHECK_STREQ(get_str(c, "p.q"),
                "InterpolationResolutionError: Interpolation to parent node detected");
    /* through the path of a key OmegaConf does not track: it recurses until Python's limit */
    CHECK_STREQ(get_str(c, "path"), "InterpolationResolutionError: RecursionError raised while "
                                    "resolving interpolation: maximum recursion depth exceeded");
    CHECK(cy_resolve_tree(c) == CY_EINTERP);
    CHECK_STREQ(cy_error_last()->msg, "Recursive interpolation detected");
}

static void test_recursion_bound(void) {
    /* a chain of references just inside the bound resolves; past it, the RecursionError text */
    cy_node *c = cy_new_dict(arena);
    cy_dict_put(c, "v0", cy_new_int(arena, 42));
    char key[32], ref[40];
    for (int i = 1; i <= CY_INTERP_MAX_DEPTH + 10; i++) {
        snprintf(key, sizeof key, "v%d", i);
        snprintf(ref, sizeof ref, "${v%d}", i - 1);
        cy_dict_put(c, key, cy_new_str(arena, ref));
    }
    snprintf(key, sizeof key, "v%d", CY_INTERP_MAX_DEPTH / 2 - 1);
    CHECK_STREQ(get_str(c, key), "int 42");
    snprintf(key, sizeof key, "v%d", CY_INTERP_MAX_DEPTH + 10);
    CHECK_STREQ(get_str(c, key), "InterpolationResolutionError: RecursionError raised while "
                                 "resolving interpolation: maximum recursion depth exceeded");
}

static void test_no_parent(void) {
    cy_node *n = cy_new_str(arena, "${a}");
    const cy_node *out;
    CHECK(cy_node_resolve(n, &out) == CY_EINTERP);
    CHECK_STREQ(cy_error_last()->msg, "Cannot resolve interpolation for a node without a parent");
}

/* ---------------------------------------------------------------------------------------------
 * Syntax
 */

static void test_check(void) {
    CHECK(cy_interp_check("plain") == 0);
    CHECK(cy_interp_check("${a.b} and ${oc.env:X,'d'}") == 0);
    size_t pos = 99;
    CHECK(cy_interp_check_at("ab${foo", &pos) == CY_EPARSE);
    CHECK_STREQ(cy_error_last()->exc, "GrammarParseError");
    CHECK_STREQ(cy_error_last()->msg, "no viable alternative at input '${foo'");
    CHECK_EQ_INT(pos, 7); /* at the end: EOF */
    CHECK(cy_interp_check_at("${foo:bar", &pos) == CY_EPARSE);
    CHECK_STREQ(cy_error_last()->msg, "missing BRACE_CLOSE at '<EOF>'");
    CHECK(cy_interp_check_at("${foo bar}", &pos) == CY_EPARSE);
    CHECK_STREQ(cy_error_last()->msg, "token recognition error at: ' b'");
    CHECK_EQ_INT(pos, 5);
    CHECK(cy_interp_check_at("${.}", &pos) == CY_EPARSE);
    CHECK_STREQ(cy_error_last()->msg,
                "extraneous input '}' expecting {INTER_OPEN, BRACKET_OPEN, ID, '.', INTER_KEY}");
    CHECK_EQ_INT(pos, 3);
    CHECK(cy_interp_check_at("${foo:{a}}", &pos) == CY_EPARSE);
    CHECK_STREQ(cy_error_last()->msg, "mismatched input '}' expecting COLON");
    CHECK_EQ_INT(pos, 8);
    CHECK(cy_interp_check("${foo:'a}") == CY_EPARSE);
    CHECK_STREQ(cy_error_last()->msg, "mismatched input '<EOF>' expecting MATCHING_QUOTE_CLOSE");
    CHECK(cy_interp_check("${foo:a=b}") == CY_EPARSE);
    CHECK_STREQ(cy_error_last()->msg, "token recognition error at: '='");
    CHECK(cy_interp_check("${foo:é}") == CY_EPARSE);
    CHECK_STREQ(cy_error_last()->msg, "token recognition error at: 'é'"); /* a whole code point */
    CHECK(cy_interp_check("${foo\t}") == 0); /* blanks before the closing brace belong to it */
    CHECK(cy_interp_check("${foo\tbar}") == CY_EPARSE);
    CHECK_STREQ(cy_error_last()->msg, "token recognition error at: '\\tb'");
}

static void test_nesting_bound(void) {
    /* "${" nested far deeper than any config would: a clean error, no stack overflow */
    size_t depth = 20000;
    char *s = malloc(depth * 3 + 2);
    for (size_t i = 0; i < depth; i++)
        memcpy(s + 2 * i, "${", 2);
    for (size_t i = 0; i < depth; i++)
        s[2 * depth + i] = '}';
    s[3 * depth] = '\0';
    CHECK(cy_interp_check(s) == CY_ELIMIT);
    CHECK(strstr(cy_error_last()->msg, "nested too deeply") != NULL);
    free(s);
    char *list = malloc(depth * 2 + 16);
    strcpy(list, "${f:");
    for (size_t i = 0; i < depth; i++)
        list[4 + i] = '[';
    list[4 + depth] = '\0';
    CHECK(cy_interp_check(list) == CY_ELIMIT);
    free(list);
}

/* ---------------------------------------------------------------------------------------------
 * Reading leaves the tree alone; cy_resolve_tree changes it
 */

static void test_reads_do_not_change_tree(void) {
    cy_node *c = yaml("a: ${b}\nb: {c: '${d}'}\nd: 1\ne: x${d}\n");
    cy_node *copy = cy_node_copy(arena, c);
    for (int i = 0; i < 3; i++) {
        get_str(c, "a");
        get_str(c, "e");
        get_str(c, "b.c");
    }
    CHECK(cy_node_equal(c, copy));
}

static void test_resolve_tree(void) {
    cy_node *c = yaml("a: ['${c}']\nc: {d: '${e}'}\ne: 1\nesc: '\\${e}'\ns: v${e}\n"
                      "r: {x: '${..e}'}\nl: ${c}\n");
    CHECK(cy_resolve_tree(c) == 0);
    char *text = NULL;
    CHECK(cy_yaml_emit(&text, c, 0) == 0);
    CHECK_STREQ(text, "a:\n- d: 1\nc:\n  d: 1\ne: 1\nesc: ${e}\ns: v1\nr:\n  x: 1\nl:\n  d: 1\n");
    free(text);
    /* the escaped string became an interpolation again, as OmegaConf leaves it */
    CHECK(cy_dict_get(c, "esc")->kind == CY_INTERP);
    /* a referenced container is copied in, not shared */
    CHECK(cy_dict_get(c, "l") != cy_dict_get(c, "c"));
    CHECK(cy_dict_get(c, "l")->parent == c);
}

static void test_resolve_tree_errors(void) {
    cy_node *c = yaml("a: {b: '${nosuch}'}\n");
    CHECK(cy_resolve_tree(c) == CY_EINTERP);
    CHECK_STREQ(cy_error_last()->exc, "InterpolationKeyError");
    CHECK_STREQ(cy_error_last()->msg, "Interpolation key 'nosuch' not found");
    CHECK(!cy_error_last()->has_key); /* OmegaConf.resolve does not decorate it either */
    c = yaml("a: ${oc.decode:'[1,2]'}\n");
    CHECK(cy_resolve_tree(c) == CY_EVALIDATION);
    CHECK_STREQ(cy_error_last()->exc, "UnsupportedValueType");
    CHECK_STREQ(cy_error_last()->msg, "Value 'list' is not a supported primitive type");
}

/* Interpolations in a structured config: typed fields validate the result, errors name the
 * structured type (object_type=TopConf), as OmegaConf.structured(...) does. */
static void test_structured(void) {
    cy_node *c;
    if (cy_schema_instantiate(&c, arena, &TopConf_schema) < 0) {
        harness_fail(__FILE__, __LINE__, "instantiate: %s", cy_error_last()->msg);
        return;
    }
    CHECK_STREQ(get_str(c, "epochs"),
                "InterpolationValidationError: While dereferencing interpolation "
                "'${checkpoint_name}': Value 'unnamed.pt' of type 'str' could not be converted to "
                "Integer");
    CHECK_STREQ(err_key(), "epochs");
    CHECK_STREQ(cy_error_last()->object_type, "TopConf");
    CHECK_STREQ(get_str(c, "e2"), "int 1");
    /* (a dataclass could declare `other: SubConf = "${sub}"`; here it is assigned) */
    CHECK(cy_node_set(c, "other", cy_new_str(arena, "${sub}")) == 0);
    CHECK_STREQ(get_str(c, "color"), "Color Color.GREEN");
    CHECK_STREQ(get_str(c, "bad"), "InterpolationValidationError: While dereferencing "
                                   "interpolation '${seed3}': Invalid value '3', expected one of "
                                   "[RED, GREEN]");
    CHECK_STREQ(get_str(c, "other.lr"), "float 1.0");
    CHECK_STREQ(get_str(c, "p"), "InterpolationToMissingValueError: MissingMandatoryValue while "
                                 "resolving interpolation: Missing mandatory value: sub.params");
    /* --resolve once the bad fields are fixed */
    CHECK(cy_node_set(c, "epochs", cy_new_int(arena, 5)) == 0);
    CHECK(cy_node_set(c, "bad", cy_new_str(arena, "RED")) == 0);
    CHECK(cy_resolve_tree(c) == 0);
    char *text = NULL;
    CHECK(cy_yaml_emit(&text, c, 0) == 0);
    CHECK_STREQ(text, "seed: 1\ncheckpoint_name: unnamed.pt\nepochs: 5\ne2: 1\ncolor: GREEN\n"
                      "bad: RED\ncname: GREEN\nseed3: 3\nsub:\n  lr: 1.0\n  params: ???\n"
                      "other:\n  lr: 1.0\n  params: ???\np: ???\n");
    free(text);
}

/* Reading interpolations again and again does not grow the tree's arena (each resolution works
 * in a scratch arena); only string results are new nodes. */
static void test_reads_do_not_grow_arena(void) {
    cy_arena *a = cy_arena_new();
    const char *text = "m: {a: {b: 5}}\nx: ${m.a.b}\nr: ${oc.select:m.a.b,1}\nd: ${m}\n";
    cy_node *c;
    CHECK(cy_yaml_load_str(&c, a, text, strlen(text), "t.yaml", NULL) == 0);
    const cy_node *v;
    CHECK(cy_get(c, "x", &v) == 0); /* first reads may cache full keys and such */
    size_t before = cy_arena_used(a);
    for (int i = 0; i < 1000; i++) {
        CHECK(cy_get(c, "x", &v) == 0);
        CHECK(cy_get(c, "r", &v) == 0);
        CHECK(cy_get(c, "d", &v) == 0);
    }
    CHECK_EQ_INT(cy_arena_used(a), before);
    cy_arena_free(a);
}

/* Found by fuzz_interp: resolving a tree whose interpolation selects a container holding that
 * same interpolation recursed without bound (OmegaConf: RecursionError). */
static void test_resolve_tree_self_selecting_container(void) {
    cy_node *cfg = cy_new_dict(arena), *l = cy_new_list(arena);
    cy_dict_put(cfg, "x", cy_new_str(arena, "${oc.select:l,  0}"));
    cy_list_push(l, cy_new_str(arena, "${oc.select:l,  0}"));
    cy_list_push(l, cy_new_str(arena, "${x}"));
    cy_dict_put(cfg, "l", l);
    CHECK_EQ_INT(cy_resolve_tree(cfg), CY_EINTERP);
    CHECK(strstr(cy_error_last()->msg, "recursion") != NULL);
    cy_error_clear();
}

int main(void) {
    arena = cy_arena_new();
    RUN(test_node_references);
    RUN(test_relative_references);
    RUN(test_nested_interpolations);
    RUN(test_string_interpolation);
    RUN(test_escapes);
    RUN(test_resolver_arguments);
    RUN(test_missing_key);
    RUN(test_missing_value);
    RUN(test_typed_result);
    RUN(test_cycles);
    RUN(test_recursion_bound);
    RUN(test_no_parent);
    RUN(test_check);
    RUN(test_nesting_bound);
    RUN(test_reads_do_not_change_tree);
    RUN(test_resolve_tree);
    RUN(test_resolve_tree_errors);
    RUN(test_structured);
    RUN(test_reads_do_not_grow_arena);
    RUN(test_resolve_tree_self_selecting_container);
    cy_arena_free(arena);
    return harness_summary();
}

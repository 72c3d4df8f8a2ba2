/*
 * test_resolver.c - the resolver registry (register, replace, unregister, errors), what a
 * resolver receives and how its results and errors come back, the result cache, the built-ins
 * (oc.env, oc.select, oc.decode, oc.create, oc.deprecated, oc.dict.keys/values, now), and reads
 * from several threads at once.
 */
#include <pthread.h>
#include <time.h>

#include "cydra/interp.h"
#include "cydra/node.h"
#include "cydra/yaml.h"
#include "harness.h"

static cy_arena *arena;

static cy_node *yaml(const char *text) {
    cy_node *n = NULL;
    if (cy_yaml_load_str(&n, arena, text, strlen(text), "test.yaml", NULL) < 0) {
        fprintf(stderr, "yaml: %s\n", cy_error_last()->msg);
        return cy_new_dict(arena);
    }
    return n;
}

static const char *get_str(const cy_node *root, const char *key) {
    const cy_node *v;
    if (cy_get(root, key, &v) < 0)
        return cy_arena_printf(arena, "%s: %s", cy_error_last()->exc, cy_error_last()->msg);
    return cy_arena_printf(arena, "%s %s", cy_node_pytype(v), cy_node_pystr(v));
}

/* ---------------------------------------------------------------------------------------------
 * Registry
 */

static int r_const(const cy_node **out, const cy_resolver_call *call) {
    *out = cy_new_int(call->arena, (int64_t)(intptr_t)call->userdata);
    return 0;
}

static void test_registry(void) {
    static const char *const builtins[] = {
        "oc.env",        "oc.select",    "oc.decode",      "oc.create",
        "oc.deprecated", "oc.dict.keys", "oc.dict.values", "now"};
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        CHECK(cy_resolver_exists(builtins[i]));
    CHECK(!cy_resolver_exists("nosuch"));

    CHECK(cy_resolver_register("k", r_const, (void *)1, 0) == 0);
    CHECK(cy_resolver_exists("k"));
    cy_node *c = yaml("a: ${k:}\n");
    CHECK_STREQ(get_str(c, "a"), "int 1");

    CHECK(cy_resolver_register("k", r_const, (void *)2, 0) == CY_EVALIDATION);
    CHECK_STREQ(cy_error_last()->exc, "ValueError");
    CHECK_STREQ(cy_error_last()->msg, "resolver 'k' is already registered");
    CHECK(cy_resolver_register("k", r_const, (void *)2, CY_RESOLVER_REPLACE) == 0);
    CHECK_STREQ(get_str(c, "a"), "int 2");

    CHECK(cy_resolver_register("", r_const, NULL, 0) == CY_EVALIDATION);
    CHECK_STREQ(cy_error_last()->msg, "cannot use an empty resolver name");
    CHECK(cy_resolver_register("x", NULL, NULL, 0) == CY_ETYPE);
    CHECK_STREQ(cy_error_last()->msg, "resolver must be callable");

    CHECK(cy_resolver_unregister("k") == 0);
    CHECK(!cy_resolver_exists("k"));
    CHECK(cy_resolver_unregister("k") == CY_ENOTFOUND);
    CHECK_STREQ(get_str(c, "a"), "UnsupportedInterpolationType: Unsupported interpolation type k");

    /* built-ins can be removed and replaced, as OmegaConf.clear_resolver allows; clearing the
     * registry brings them back (OmegaConf.clear_resolvers) */
    CHECK(cy_resolver_register("k", r_const, (void *)1, 0) == 0);
    CHECK(cy_resolver_unregister("oc.env") == 0);
    c = yaml("a: ${oc.env:HOME}\n");
    CHECK_STREQ(get_str(c, "a"),
                "UnsupportedInterpolationType: Unsupported interpolation type oc.env");
    CHECK(cy_resolver_register("oc.env", r_const, (void *)5, 0) == 0);
    CHECK_STREQ(get_str(c, "a"), "int 5");
    cy_resolver_clear();
    CHECK(!cy_resolver_exists("k"));
    setenv("CY_T_HOME", "/h", 1);
    c = yaml("a: ${oc.env:CY_T_HOME}\n");
    CHECK_STREQ(get_str(c, "a"), "str /h");
}

/* ---------------------------------------------------------------------------------------------
 * What a resolver sees, and what comes back
 */

static const cy_resolver_call *seen;
static char seen_texts[256];

static int r_probe(const cy_node **out, const cy_resolver_call *call) {
    seen = call;
    seen_texts[0] = '\0';
    for (size_t i = 0; i < call->nargs; i++) {
        size_t n = strlen(seen_texts);
        snprintf(seen_texts + n, sizeof seen_texts - n, "%s[%s]%s", i ? "," : "",
                 call->args_text[i], call->args_plain[i] ? "p" : "");
    }
    CHECK_STREQ(call->name, "probe");
    CHECK(call->root == cy_node_root(call->node));
    CHECK(call->parent == call->node->parent);
    CHECK(call->userdata == (void *)&seen);
    *out = NULL; /* None */
    return 0;
}

static void test_call(void) {
    cy_resolver_register("probe", r_probe, (void *)&seen, CY_RESOLVER_REPLACE);
    cy_node *c = yaml("d: {x: 1}\nsub: {v: '${probe: a , [1,2], ${d}, \"q\"}'}\n");
    CHECK_STREQ(get_str(c, "sub.v"), "NoneType None");
    CHECK_STREQ(seen_texts, "[a],[[1,2]]p,[${d}],[\"q\"]");
}

static int r_fail(const cy_node **out, const cy_resolver_call *call) {
    (void)out;
    return cy_error_set(CY_EVALIDATION, "ValueError", "bad input %s", call->args_text[0]);
}

static int r_fail_silent(const cy_node **out, const cy_resolver_call *call) {
    (void)out;
    (void)call;
    return -1;
}

static int r_interp_error(const cy_node **out, const cy_resolver_call *call) {
    (void)out;
    (void)call;
    return cy_error_set(CY_EINTERP, "InterpolationKeyError", "kept as it is");
}

static void test_resolver_errors(void) {
    cy_resolver_register("fail", r_fail, NULL, CY_RESOLVER_REPLACE);
    cy_resolver_register("silent", r_fail_silent, NULL, CY_RESOLVER_REPLACE);
    cy_resolver_register("ierr", r_interp_error, NULL, CY_RESOLVER_REPLACE);
    cy_node *c = yaml("a: x_${fail:zz}\nb: ${silent:}\nc: ${ierr:}\n");
    CHECK_STREQ(get_str(c, "a"), "InterpolationResolutionError: ValueError raised while resolving "
                                 "interpolation: bad input zz");
    CHECK_STREQ(cy_error_last()->full_key, "a");
    CHECK_EQ_INT(cy_error_last()->code, CY_EINTERP);
    CHECK_STREQ(get_str(c, "b"), "InterpolationResolutionError: Exception raised while resolving "
                                 "interpolation: resolver 'silent' failed");
    /* Interpolation*Error classes pass through unwrapped, as in OmegaConf */
    CHECK_STREQ(get_str(c, "c"), "InterpolationKeyError: kept as it is");
}

static int r_pair(const cy_node **out, const cy_resolver_call *call) {
    cy_node *l = cy_new_list(call->arena);
    cy_list_push(l, cy_new_int(call->arena, 1));
    cy_list_push(l, cy_new_int(call->arena, 2));
    *call->result_plain = call->nargs > 0;
    *out = l;
    return 0;
}

static int r_interp_text(const cy_node **out, const cy_resolver_call *call) {
    *out = cy_new_str(call->arena, "${x}"); /* classified as an interpolation */
    return 0;
}

static void test_result_is_never_an_interpolation(void) {
    cy_resolver_register("itext", r_interp_text, NULL, CY_RESOLVER_REPLACE);
    cy_node *c = yaml("x: 1\na: ${itext:}\n");
    const cy_node *v;
    CHECK(cy_get(c, "a", &v) == 0);
    CHECK_EQ_INT(v->kind, CY_STR);
    CHECK_STREQ(v->v.str.s, "${x}");
    /* but stored in place by OmegaConf.resolve it is classified again */
    CHECK(cy_resolve_tree(c) == 0);
    CHECK_EQ_INT(cy_dict_get(c, "a")->kind, CY_INTERP);
}

static void test_plain_and_config_results(void) {
    cy_resolver_register("pair", r_pair, NULL, CY_RESOLVER_REPLACE);
    cy_node *c = cy_new_dict(arena);
    cy_node *n1 = cy_new_str(arena, "${pair:}"), *n2 = cy_new_str(arena, "${pair:plain}");
    cy_node_set_type(n1, &cy_type_int);
    cy_node_set_type(n2, &cy_type_int);
    cy_dict_put(c, "cfg", n1);
    cy_dict_put(c, "plain", n2);
    CHECK_STREQ(get_str(c, "cfg"), "InterpolationValidationError: While dereferencing "
                                   "interpolation '${pair:}': Value '[1, 2]' of type 'ListConfig' "
                                   "could not be converted to Integer");
    CHECK_STREQ(get_str(c, "plain"), "InterpolationValidationError: While dereferencing "
                                     "interpolation '${pair:plain}': Value '[1, 2]' of type 'list' "
                                     "could not be converted to Integer");
    /* a config result can replace an interpolation in place; a plain list cannot */
    c = yaml("a: ${pair:}\n");
    CHECK(cy_resolve_tree(c) == 0);
    CHECK(cy_dict_get(c, "a")->kind == CY_LIST);
    c = yaml("a: ${pair:plain}\n");
    CHECK(cy_resolve_tree(c) < 0);
    CHECK_STREQ(cy_error_last()->msg, "Value 'list' is not a supported primitive type");
}

/* ---------------------------------------------------------------------------------------------
 * Cache
 */

static int counter;

static int r_count(const cy_node **out, const cy_resolver_call *call) {
    *out = cy_new_int(call->arena, ++counter);
    return 0;
}

static void test_cache(void) {
    cy_resolver_cache_clear();
    counter = 0;
    cy_resolver_register("count", r_count, NULL, CY_RESOLVER_REPLACE | CY_RESOLVER_CACHE);
    cy_resolver_register("count_nc", r_count, NULL, CY_RESOLVER_REPLACE);
    cy_node *c = yaml("a: ${count:x}\nb: ${count:x}\nc: '${count: x}'\nd: ${count:'x'}\n"
                      "n: ${count_nc:x}\n");
    CHECK_STREQ(get_str(c, "a"), "int 1");
    CHECK_STREQ(get_str(c, "b"), "int 1"); /* same argument text */
    CHECK_STREQ(get_str(c, "a"), "int 1");
    CHECK_STREQ(get_str(c, "c"), "int 1"); /* blanks around arguments are not part of them */
    CHECK_STREQ(get_str(c, "d"), "int 2"); /* 'x' is another text */
    CHECK_STREQ(get_str(c, "n"), "int 3");
    CHECK_STREQ(get_str(c, "n"), "int 4");
    /* process-wide: another tree sees the cached value */
    cy_node *other = yaml("z: ${count:x}\n");
    CHECK_STREQ(get_str(other, "z"), "int 1");
    cy_resolver_cache_clear();
    CHECK_STREQ(get_str(other, "z"), "int 5");
}

/* ---------------------------------------------------------------------------------------------
 * Built-ins
 */

static void test_oc_env(void) {
    setenv("CY_T_VAR", "value", 1);
    unsetenv("CY_T_UNSET");
    cy_node *c = yaml("a: ${oc.env:CY_T_VAR}\nb: ${oc.env:CY_T_UNSET,fallback}\n"
                      "c: ${oc.env:CY_T_UNSET,null}\nd: ${oc.env:CY_T_UNSET,10}\n"
                      "e: ${oc.env:CY_T_UNSET}\nf: '${oc.env:CY_T_UNSET,''a,b''}'\n");
    CHECK_STREQ(get_str(c, "a"), "str value");
    CHECK_STREQ(get_str(c, "b"), "str fallback");
    CHECK_STREQ(get_str(c, "c"), "NoneType None");
    CHECK_STREQ(get_str(c, "d"), "str 10"); /* the default is str()'d */
    CHECK_STREQ(get_str(c, "e"), "InterpolationResolutionError: KeyError raised while resolving "
                                 "interpolation: \"Environment variable 'CY_T_UNSET' not found\"");
    CHECK_STREQ(get_str(c, "f"), "str a,b");
}

static void test_oc_select(void) {
    cy_node *c =
        yaml("a:\n  b: 1\n  m: ???\n  s: {x: '${oc.select:..b}', y: '${oc.select:.z,zz}'}\n"
             "p: ${oc.select:a.b}\nq: ${oc.select:a.nosuch,7}\nr: ${oc.select:a.m,dflt}\n"
             "t: ${oc.select:a.nosuch}\n");
    CHECK_STREQ(get_str(c, "p"), "int 1");
    CHECK_STREQ(get_str(c, "q"), "int 7");
    CHECK_STREQ(get_str(c, "r"), "str dflt");
    CHECK_STREQ(get_str(c, "t"), "NoneType None");
    CHECK_STREQ(get_str(c, "a.s.x"), "int 1");
    CHECK_STREQ(get_str(c, "a.s.y"), "str zz");
}

static void test_oc_decode(void) {
    setenv("CY_T_N", "12", 1);
    setenv("CY_T_L", "[1, 'a', {b: 2.5}]", 1);
    cy_node *c = yaml("n: ${oc.decode:${oc.env:CY_T_N}}\nl: ${oc.decode:${oc.env:CY_T_L}}\n"
                      "s: ${oc.decode:'abc'}\nbad: ${oc.decode:'[1,'}\nnone: ${oc.decode:null}\n");
    CHECK_STREQ(get_str(c, "n"), "int 12");
    CHECK_STREQ(get_str(c, "l"), "list [1, 'a', {'b': 2.5}]");
    CHECK_STREQ(get_str(c, "s"), "str abc");
    CHECK_STREQ(get_str(c, "none"), "NoneType None");
    CHECK_STREQ(get_str(c, "bad"), "InterpolationResolutionError: GrammarParseError raised while "
                                   "resolving interpolation: missing BRACKET_CLOSE at '<EOF>'");
}

static void test_oc_create(void) {
    cy_node *c = yaml("x: 5\nd: \"${oc.create:{a: 1, b: '\\\\${x}'}}\"\n"
                      "y: \"${oc.create:'k: [1, 2]'}\"\ni: ${oc.create:1}\n");
    CHECK_STREQ(get_str(c, "d.a"), "int 1");
    CHECK_STREQ(get_str(c, "d.b"), "int 5"); /* strings of the new config are interpolations */
    CHECK_STREQ(get_str(c, "y.k[1]"), "int 2");
    CHECK_STREQ(get_str(c, "i"), "InterpolationResolutionError: ValidationError raised while "
                                 "resolving interpolation: Object of unsupported type: 'int'\n"
                                 "    full_key: \n    object_type=None");
}

static char warned[512];

static void on_warning(const char *msg, void *ud) {
    snprintf(warned, sizeof warned, "%s|%s", msg, (const char *)ud);
}

static void test_oc_deprecated(void) {
    cy_interp_set_warning_handler(on_warning, "ud");
    cy_node *c = yaml("new: {key: 3}\nold: ${oc.deprecated:new.key}\n"
                      "custom: '${oc.deprecated:new.key,''use $NEW_KEY, not $OLD_KEY ($$1)''}'\n"
                      "gone: ${oc.deprecated:nosuch}\n");
    CHECK_STREQ(get_str(c, "old"), "int 3");
    CHECK_STREQ(warned, "'old' is deprecated. Change your code and config to use 'new.key'|ud");
    CHECK_STREQ(get_str(c, "custom"), "int 3");
    CHECK_STREQ(warned, "use new.key, not custom ($1)|ud");
    cy_node *braced =
        yaml("new: {key: 3}\n"
             "b: '${oc.deprecated:new.key,''\\${NEW_KEY} $OLD_KEYS \\${OLD_KEY''}'\n");
    CHECK_STREQ(get_str(braced, "b"), "int 3");
    CHECK_STREQ(warned, "new.key $OLD_KEYS ${OLD_KEY|ud");
    CHECK_STREQ(get_str(c, "gone"), "InterpolationResolutionError: ConfigKeyError raised while "
                                    "resolving interpolation: In oc.deprecated resolver at "
                                    "'gone': Key not found: 'nosuch'");
    cy_interp_set_warning_handler(NULL, NULL);
}

static void test_oc_dict(void) {
    cy_node *c = yaml("m: {a: 1, b: '${v}', '3': c}\nv: 2\nk: ${oc.dict.keys:m}\n"
                      "vals: ${oc.dict.values:m}\ns: {x: '${oc.dict.values:..m}'}\n");
    CHECK_STREQ(get_str(c, "k"), "list ['a', 'b', '3']");
    cy_node *ik = yaml("m: {1: a, 2.5: b, false: c}\nk: ${oc.dict.keys:m}\n");
    CHECK_STREQ(get_str(ik, "k"), "list [1, 2.5, False]"); /* keys keep their type */
    CHECK_STREQ(get_str(c, "vals[1]"), "int 2");
    CHECK_STREQ(get_str(c, "s.x[0]"), "int 1");
    cy_node *bad = yaml("v: 2\nbad: ${oc.dict.keys:v}\n");
    CHECK_STREQ(get_str(bad, "bad"), "InterpolationResolutionError: TypeError raised while "
                                     "resolving interpolation: `oc.dict.keys` cannot be applied to "
                                     "objects of type: int");
    if (cy_resolve_tree(c) < 0) {
        char *t = cy_error_text(cy_error_last());
        harness_fail(__FILE__, __LINE__, "resolve: %s: %s", cy_error_last()->exc, t);
        free(t);
    }
    char *text = NULL;
    CHECK(cy_yaml_emit(&text, cy_dict_get(c, "vals"), 0) == 0);
    CHECK_STREQ(text, "- 1\n- 2\n- c\n");
    free(text);
    /* values go through "${m.<key>}", which cannot reach an int key: OmegaConf fails there too */
    ik = yaml("m: {1: a}\nv: ${oc.dict.values:m}\n");
    CHECK_STREQ(get_str(ik, "v[0]"), "InterpolationKeyError: Interpolation key 'm.1' not found");
}

static void test_now(void) {
    cy_resolver_cache_clear();
    time_t before = time(NULL);
    cy_node *c = yaml("run: outputs/${now:%Y-%m-%d}/${now:%H-%M-%S}\n"
                      "sweep: multirun/${now:%Y-%m-%d}/${now:%H-%M-%S}\n"
                      "us: '${now:%f}'\nz: '[${now:%z%Z}]'\npct: '${now:100%%}'\n"
                      "bad: ${now:1}\n");
    const char *run = get_str(c, "run");
    time_t after = time(NULL);
    /* the date and time are the local time of the call */
    char lo[64], hi[64];
    struct tm tm;
    localtime_r(&before, &tm);
    strftime(lo, sizeof lo, "str outputs/%Y-%m-%d/%H-%M-%S", &tm);
    localtime_r(&after, &tm);
    strftime(hi, sizeof hi, "str outputs/%Y-%m-%d/%H-%M-%S", &tm);
    CHECK(strcmp(run, lo) == 0 || strcmp(run, hi) == 0);
    /* cached by format: run.dir and sweep.dir agree, and so do later reads */
    const char *sweep = get_str(c, "sweep");
    CHECK_STREQ(sweep + strlen("str multirun"), run + strlen("str outputs"));
    const char *us = get_str(c, "us");
    CHECK_EQ_INT(strlen(us), strlen("str 123456"));
    CHECK_STREQ(get_str(c, "us"), us);
    CHECK_STREQ(get_str(c, "z"), "str []"); /* a naive datetime has no zone */
    CHECK_STREQ(get_str(c, "pct"), "str 100%");
    CHECK_STREQ(get_str(c, "bad"), "InterpolationResolutionError: TypeError raised while "
                                   "resolving interpolation: strftime() argument 1 must be str, "
                                   "not int");
}

/* ---------------------------------------------------------------------------------------------
 * Threads: each thread reads its own tree; the registry and cache are shared.
 */

static int r_twice(const cy_node **out, const cy_resolver_call *call) {
    *out = cy_new_int(call->arena, 2 * call->args[0]->v.i);
    return 0;
}

static void *reader_thread(void *arg) {
    (void)arg;
    cy_arena *a = cy_arena_new();
    const char *text = "x: 21\ny: ${twice:${x}}\nz: ${now:%Y}\n";
    cy_node *c = NULL;
    cy_yaml_load_str(&c, a, text, strlen(text), "t.yaml", NULL);
    long bad = 0;
    for (int i = 0; i < 2000; i++) {
        int64_t v;
        const char *s;
        if (!c || cy_get_int(c, "y", &v) < 0 || v != 42 || cy_get_str(c, "z", &s) < 0)
            bad++;
    }
    cy_arena_free(a);
    return (void *)bad;
}

static void test_threads(void) {
    cy_resolver_register("twice", r_twice, NULL, CY_RESOLVER_REPLACE);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, reader_thread, NULL);
    long bad = 0;
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad += (long)r;
    }
    CHECK_EQ_INT(bad, 0);
}

int main(void) {
    arena = cy_arena_new();
    RUN(test_registry);
    RUN(test_call);
    RUN(test_resolver_errors);
    RUN(test_plain_and_config_results);
    RUN(test_result_is_never_an_interpolation);
    RUN(test_cache);
    RUN(test_oc_env);
    RUN(test_oc_select);
    RUN(test_oc_decode);
    RUN(test_oc_create);
    RUN(test_oc_deprecated);
    RUN(test_oc_dict);
    RUN(test_now);
    RUN(test_threads);
    cy_arena_free(arena);
    cy_resolver_cache_clear();
    return harness_summary();
}

/*
 * test_node.c - the config tree: arena, building, navigation, full keys, flags, copies, and the
 * validated changes (set, delete, append) with OmegaConf 2.2's messages (checked by hand against
 * python3-omegaconf; the generated comparison is test_merge_golden).
 */
#include "harness.h"

#include "cydra/config/node_internal.h"
#include "cydra/node.h"

static cy_arena *A;

/* The last error as Hydra prints it, with the exception class in front. */
static const char *err_text(void) {
    const cy_error *e = cy_error_last();
    char *t = cy_error_text(e);
    const char *r = cy_arena_printf(A, "%s: %s", e->exc, t);
    free(t);
    return r;
}

/* {"a": 1, "l": [1, {"x": 2}], "d": {"e": ???}} */
static cy_node *sample(void) {
    cy_node *c = cy_new_dict(A);
    cy_dict_put(c, "a", cy_new_int(A, 1));
    cy_node *l = cy_new_list(A);
    cy_list_push(l, cy_new_int(A, 1));
    cy_node *x = cy_new_dict(A);
    cy_dict_put(x, "x", cy_new_int(A, 2));
    cy_list_push(l, x);
    cy_dict_put(c, "l", l);
    cy_node *d = cy_new_dict(A);
    cy_dict_put(d, "e", cy_new_missing(A));
    cy_dict_put(c, "d", d);
    return c;
}

static void test_arena(void) {
    cy_arena *a = cy_arena_new();
    CHECK(a != NULL);
    CHECK_EQ_INT(cy_arena_used(a), 0);
    char *p = cy_arena_alloc(a, 10);
    CHECK(((uintptr_t)p & 15) == 0);
    for (int i = 0; i < 10; i++)
        CHECK_EQ_INT(p[i], 0);
    char *big = cy_arena_alloc(a, 1 << 20); /* its own chunk */
    big[(1 << 20) - 1] = 1;
    char *after = cy_arena_alloc(a, 8); /* still from the first chunk's tail */
    CHECK(after == p + 16);
    CHECK_STREQ(cy_arena_strdup(a, "abc"), "abc");
    CHECK_STREQ(cy_arena_strndup(a, "abcdef", 2), "ab");
    CHECK_STREQ(cy_arena_printf(a, "%s-%d", "x", 42), "x-42");
    char longfmt[600];
    memset(longfmt, 'y', sizeof longfmt - 1);
    longfmt[sizeof longfmt - 1] = '\0';
    CHECK_STREQ(cy_arena_printf(a, "%s", longfmt), longfmt);
    CHECK(cy_arena_used(a) >= (1u << 20) + 32);
    cy_arena_free(a);
    cy_arena_free(NULL);
}

static void test_build_and_navigate(void) {
    cy_node *c = sample();
    CHECK_EQ_INT(cy_node_len(c), 3);
    CHECK_STREQ(cy_node_child(c, 1)->key, "l");
    CHECK(cy_node_child(c, 3) == NULL);
    cy_node *l = cy_dict_get(c, "l");
    CHECK(l && l->kind == CY_LIST && l->container == CY_LIST);
    CHECK(cy_dict_get(c, "nope") == NULL);
    CHECK(cy_dict_get(l, "0") == NULL); /* not a dict */
    cy_node *x = cy_dict_get(cy_node_child(l, 1), "x");
    CHECK_EQ_INT(x->v.i, 2);
    CHECK(cy_node_root(x) == c);
    CHECK_EQ_INT(cy_node_index(cy_node_child(l, 1)), 1);
    CHECK_EQ_INT(cy_node_index(c), -1);
    CHECK_EQ_INT(cy_node_len(cy_new_int(A, 1)), 0);
    /* put replaces in place, keeping the position */
    cy_dict_put(c, "l", cy_new_str(A, "replaced"));
    CHECK_EQ_INT(cy_node_len(c), 3);
    CHECK_STREQ(cy_node_child(c, 1)->v.str.s, "replaced");
    CHECK(l->parent == NULL);
    /* string classification */
    CHECK(cy_new_str(A, "???")->kind == CY_MISSING);
    CHECK(cy_new_str(A, "a ${b} c")->kind == CY_INTERP);
    CHECK(cy_new_str(A, "\\${esc}")->kind == CY_INTERP);
    CHECK(cy_new_str(A, "$x {y}")->kind == CY_STR);
    CHECK(cy_node_is_special(cy_new_null(A)));
    CHECK(!cy_node_is_special(cy_new_str(A, "x")));
}

static void test_full_keys(void) {
    cy_node *c = sample();
    cy_node *l = cy_dict_get(c, "l");
    cy_node *x = cy_dict_get(cy_node_child(l, 1), "x");
    CHECK_STREQ(cy_node_full_key(c), "");
    CHECK_STREQ(cy_node_full_key(l), "l");
    CHECK_STREQ(cy_node_full_key(cy_node_child(l, 0)), "l[0]");
    CHECK_STREQ(cy_node_full_key(x), "l[1].x");
    cy_node *ll = cy_new_list(A);
    cy_node *inner = cy_new_list(A);
    cy_list_push(inner, cy_new_int(A, 5));
    cy_list_push(ll, cy_new_int(A, 4));
    cy_list_push(ll, inner);
    CHECK_STREQ(cy_node_full_key(cy_node_child(inner, 0)), "[1][0]");
    char *k = cy__full_key_of(c, "zz");
    CHECK_STREQ(k, "zz");
    free(k);
    k = cy__full_key_of(l, "7");
    CHECK_STREQ(k, "l[7]");
    free(k);
    k = cy__full_key_of(cy_dict_get(c, "d"), "...a");
    CHECK_STREQ(k, "d....a");
    free(k);
}

static void test_flags(void) {
    cy_node *c = sample();
    cy_node *d = cy_dict_get(c, "d");
    cy_node *e = cy_dict_get(d, "e");
    CHECK(!cy_node_flag(e, CY_FLAG_STRUCT));
    cy_node_set_flag(c, CY_FLAG_STRUCT, CY_FLAG_TRUE);
    CHECK(cy_node_flag(e, CY_FLAG_STRUCT));
    cy_node_set_flag(d, CY_FLAG_STRUCT, CY_FLAG_FALSE);
    CHECK(!cy_node_flag(e, CY_FLAG_STRUCT));
    CHECK(cy_node_flag(cy_dict_get(c, "a"), CY_FLAG_STRUCT));
    cy_node_set_flag(d, CY_FLAG_STRUCT, CY_FLAG_UNSET);
    CHECK(cy_node_flag(e, CY_FLAG_STRUCT));
    CHECK(!cy_node_flag(e, CY_FLAG_READONLY));
}

static void test_types(void) {
    static const cy_type li = {.tag = CY_T_LIST, .elem = &cy_type_int};
    static const cy_type oli = {.tag = CY_T_LIST, .optional = true, .elem = &cy_type_opt_int};
    static const cy_type ds = {.tag = CY_T_DICT, .elem = &cy_type_str};
    static const cy_type dl = {.tag = CY_T_DICT, .elem = &li};
    CHECK_STREQ(cy_type_string(A, &cy_type_any), "Any");
    CHECK_STREQ(cy_type_string(A, &cy_type_opt_str), "Optional[str]");
    CHECK_STREQ(cy_type_string(A, &li), "List[int]");
    CHECK_STREQ(cy_type_string(A, &oli), "Optional[List[Optional[int]]]");
    CHECK_STREQ(cy_type_string(A, &ds), "Dict[str, str]");
    CHECK_STREQ(cy_type_string(A, &dl), "Dict[str, List[int]]");
    CHECK_STREQ(cy_type_string(A, &cy_type_dict_any), "Optional[Dict[Any, Any]]");
    cy_node *n = cy_new_null(A);
    cy_node_set_type(n, &li);
    CHECK(n->container == CY_LIST);
    CHECK_STREQ(cy_node_type_name(n), "list");
    CHECK_STREQ(cy_node_type_name(cy_new_dict(A)), "dict");
    CHECK_STREQ(cy_node_type_name(cy_new_float(A, 1)), "float");
}

static void test_big_dict(void) {
    cy_node *d = cy_new_dict(A);
    char key[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        cy_dict_put(d, key, cy_new_int(A, i));
    }
    CHECK_EQ_INT(cy_node_len(d), 5000);
    for (int i = 0; i < 5000; i += 7) {
        snprintf(key, sizeof key, "k%d", i);
        cy_node *n = cy_dict_get(d, key);
        if (!n || n->v.i != i)
            harness_fail(__FILE__, __LINE__, "lookup of %s failed", key);
    }
    CHECK(cy_dict_get(d, "k5000") == NULL);
    CHECK_EQ_INT(cy_node_delete(d, "k10"), 0);
    CHECK(cy_dict_get(d, "k10") == NULL);
    CHECK_EQ_INT(cy_dict_get(d, "k11")->v.i, 11);
    CHECK_EQ_INT(cy_node_index(cy_dict_get(d, "k4999")), 4998);
    cy_dict_put(d, "k20", cy_new_str(A, "again"));
    CHECK_EQ_INT(cy_node_len(d), 4999);
    CHECK_STREQ(cy_dict_get(d, "k20")->v.str.s, "again");
}

static void test_copy_equal(void) {
    cy_node *c = sample();
    cy_node_set_flag(c, CY_FLAG_READONLY, CY_FLAG_TRUE);
    cy_arena *b = cy_arena_new();
    cy_node *k = cy_node_copy(b, c);
    CHECK(k->arena == b && k->parent == NULL);
    CHECK(cy_node_equal(c, k));
    CHECK(k->flags[CY_FLAG_READONLY] == CY_FLAG_TRUE);
    CHECK(cy_dict_get(k, "l") != cy_dict_get(c, "l"));
    CHECK(cy_dict_get(cy_node_child(cy_dict_get(k, "l"), 1), "x")->parent ==
          cy_node_child(cy_dict_get(k, "l"), 1));
    cy_dict_put(k, "a", cy_new_int(b, 2));
    CHECK(!cy_node_equal(c, k));
    CHECK(cy_node_equal(cy_new_float(A, NAN), cy_new_float(A, NAN)));
    CHECK(!cy_node_equal(cy_new_int(A, 1), cy_new_float(A, 1)));
    cy_arena_free(b);
}

static void test_set_struct_and_readonly(void) {
    cy_node *c = sample();
    cy_node_set_flag(c, CY_FLAG_STRUCT, CY_FLAG_TRUE);
    CHECK_EQ_INT(cy_node_set(c, "zz", cy_new_int(A, 1)), CY_EKEY);
    CHECK_STREQ(err_text(), "ConfigKeyError: Key 'zz' is not in struct\n    full_key: zz\n"
                            "    object_type=dict");
    CHECK_EQ_INT(cy_update(c, "zz", cy_new_int(A, 1), 0), CY_EKEY);
    CHECK_STREQ(err_text(), "ConfigAttributeError: Key 'zz' is not in struct\n    full_key: zz\n"
                            "    object_type=dict");
    CHECK_EQ_INT(cy_update(c, "zz", cy_new_int(A, 1), CY_UPDATE_FORCE_ADD), 0);
    CHECK_EQ_INT(cy_dict_get(c, "zz")->v.i, 1);
    CHECK(c->flags[CY_FLAG_STRUCT] == CY_FLAG_TRUE); /* the override was temporary */
    CHECK_EQ_INT(cy_node_delete(c, "a"), CY_ETYPE);
    CHECK_STREQ(err_text(), "ConfigTypeError: DictConfig in struct mode does not support "
                            "deletion\n    full_key: a\n    object_type=dict");

    cy_node *r = sample();
    cy_node_set_flag(r, CY_FLAG_READONLY, CY_FLAG_TRUE);
    CHECK_EQ_INT(cy_node_set(r, "a", cy_new_int(A, 2)), CY_EREADONLY);
    CHECK_STREQ(err_text(), "ReadonlyConfigError: Cannot change read-only config container\n"
                            "    full_key: a\n    object_type=dict");
    CHECK_EQ_INT(cy_node_set(r, "a", cy_new_null(A)), CY_EREADONLY);
    cy_node *l = cy_dict_get(r, "l");
    CHECK_EQ_INT(cy_node_set(l, "0", cy_new_int(A, 5)), CY_EREADONLY);
    CHECK_STREQ(err_text(), "ReadonlyConfigError: ListConfig is read-only\n    full_key: l[0]\n"
                            "    object_type=list");
    CHECK_EQ_INT(cy_list_append(l, cy_new_int(A, 5)), CY_EREADONLY);
    CHECK_STREQ(err_text(), "ReadonlyConfigError: ListConfig is read-only\n    full_key: l[2]\n"
                            "    object_type=list");
    CHECK_EQ_INT(cy_node_len(l), 2);
    CHECK_EQ_INT(cy_node_delete(r, "a"), CY_EREADONLY);
    CHECK_STREQ(err_text(), "ReadonlyConfigError: DictConfig in read-only mode does not support "
                            "deletion\n    full_key: a\n    object_type=dict");
    CHECK_EQ_INT(cy_dict_get(r, "a")->v.i, 1);
}

static void test_set_lists_and_deletes(void) {
    cy_node *c = sample();
    cy_node *l = cy_dict_get(c, "l");
    CHECK_EQ_INT(cy_node_set(l, "5", cy_new_int(A, 1)), CY_EINDEX);
    CHECK_STREQ(err_text(), "ConfigIndexError: list index out of range\n    full_key: l[5]\n"
                            "    object_type=list");
    CHECK_EQ_INT(cy_node_set(l, "x", cy_new_int(A, 1)), CY_EVALIDATION);
    CHECK_STREQ(err_text(), "KeyValidationError: ListConfig indices must be integers or slices, "
                            "not str\n    full_key: l[x]\n    object_type=list");
    CHECK_EQ_INT(cy_node_set(l, "-2", cy_new_str(A, "first")), 0);
    CHECK_STREQ(cy_node_child(l, 0)->v.str.s, "first");
    CHECK_EQ_INT(cy_node_delete(c, "zz"), CY_EKEY);
    CHECK_STREQ(err_text(), "ConfigKeyError: Key not found: 'zz'\n    full_key: zz\n"
                            "    object_type=dict");
    CHECK_EQ_INT(cy_node_delete(l, "7"), CY_EINDEX);
    CHECK_STREQ(err_text(), "IndexError: list assignment index out of range");
    CHECK_EQ_INT(cy_node_delete(l, "0"), 0);
    CHECK_EQ_INT(cy_node_len(l), 1);
    CHECK_STREQ(cy_node_full_key(cy_dict_get(cy_node_child(l, 0), "x")), "l[0].x");
    /* a dict value replaces an untyped value */
    cy_node *v = cy_new_dict(A);
    cy_dict_put(v, "b", cy_new_int(A, 1));
    CHECK_EQ_INT(cy_node_set(c, "a", v), 0);
    CHECK_STREQ(cy_node_pystr(cy_dict_get(c, "a")), "{'b': 1}");
    CHECK(cy_dict_get(c, "a") != v); /* copied */
}

static void test_typed_list(void) {
    static const cy_type li = {.tag = CY_T_LIST, .optional = true, .elem = &cy_type_int};
    cy_node *c = cy_new_dict(A);
    cy_node *raw = cy_new_list(A);
    cy_list_push(raw, cy_new_str(A, "1"));
    cy_node *tl;
    CHECK_EQ_INT(cy__convert(&tl, A, &li, raw), 0);
    cy_dict_put(c, "tl", tl);
    CHECK_EQ_INT(cy_list_append(tl, cy_new_str(A, "x")), CY_EVALIDATION);
    CHECK_STREQ(err_text(), "ValidationError: Value 'x' of type 'str' could not be converted to "
                            "Integer\n    full_key: tl[1]\n    reference_type=Optional[List[int]]\n"
                            "    object_type=list");
    CHECK_EQ_INT(cy_node_len(tl), 1);
    CHECK_EQ_INT(cy_node_set(tl, "0", cy_new_null(A)), CY_EVALIDATION);
    CHECK_STREQ(err_text(), "ValidationError: tl[0] is not optional and cannot be assigned None\n"
                            "    full_key: tl[0]\n    reference_type=Optional[List[int]]\n"
                            "    object_type=list");
    CHECK_EQ_INT(cy_list_append(tl, cy_new_str(A, " 7 ")), 0);
    CHECK_STREQ(cy_node_pystr(tl), "[1, 7]");
    CHECK(cy_node_child(tl, 1)->type == &cy_type_int);
    CHECK_EQ_INT(cy_node_set(c, "tl", cy_new_int(A, 3)), CY_EVALIDATION);
    CHECK_STREQ(err_text(), "ValidationError: Invalid value assigned: int is not a ListConfig, "
                            "list or tuple.\n    full_key: tl\n    object_type=dict");
    /* set_value of a node in place */
    CHECK_EQ_INT(cy_node_set_value(cy_node_child(tl, 0), cy_new_str(A, "12")), 0);
    CHECK_EQ_INT(cy_node_child(tl, 0)->v.i, 12);
    CHECK_EQ_INT(cy_node_set_value(cy_node_child(tl, 0), cy_new_float(A, 1.5)), CY_EVALIDATION);
    CHECK_STREQ(cy_error_last()->full_key, "tl[0]");
}

static void test_append_untyped(void) {
    cy_node *l = cy_new_list(A);
    cy_node *v = cy_new_dict(A);
    cy_dict_put(v, "k", cy_new_null(A));
    CHECK_EQ_INT(cy_list_append(l, v), 0);
    CHECK_EQ_INT(cy_list_append(l, cy_new_missing(A)), 0);
    CHECK_STREQ(cy_node_pystr(l), "[{'k': None}, '??"
                                  "?']");
    CHECK_EQ_INT(cy_list_append(cy_new_dict(A), v), CY_ETYPE);
}

static void test_interpolation_syntax(void) {
    /* a malformed interpolation is refused when a plain value is wrapped or set */
    cy_node *c = sample();
    CHECK_EQ_INT(cy_node_set(c, "a", cy_new_str(A, "${foo")), CY_EPARSE);
    CHECK_STREQ(err_text(), "GrammarParseError: no viable alternative at input '${foo'\n"
                            "    full_key: a\n    object_type=dict");
    CHECK_EQ_INT(cy_list_append(cy_dict_get(c, "l"), cy_new_str(A, "x ${a")), CY_EPARSE);
    CHECK_STREQ(cy_error_last()->full_key, "l[2]");
    cy_node *v = cy_new_dict(A);
    cy_dict_put(v, "deep", cy_new_str(A, "${"));
    CHECK_EQ_INT(cy_node_set(c, "new", v), CY_EPARSE);
    CHECK(cy_dict_get(c, "new") == NULL);
    CHECK_EQ_INT(cy_node_set(c, "a", cy_new_str(A, "${d.e}")), 0);
    CHECK(cy_dict_get(c, "a")->kind == CY_INTERP);
}

int main(void) {
    A = cy_arena_new();
    RUN(test_arena);
    RUN(test_build_and_navigate);
    RUN(test_full_keys);
    RUN(test_flags);
    RUN(test_types);
    RUN(test_big_dict);
    RUN(test_copy_equal);
    RUN(test_set_struct_and_readonly);
    RUN(test_set_lists_and_deletes);
    RUN(test_typed_list);
    RUN(test_append_untyped);
    RUN(test_interpolation_syntax);
    cy_arena_free(A);
    return harness_summary();
}

/*
 * test_select.c - key splitting, OmegaConf.select (relative keys, throw_on_missing), attribute
 * reads (cy_get*) and cy_node_resolve, with OmegaConf 2.2's results and messages.
 */
#include "harness.h"

#include "cydra/config/node_internal.h"
#include "cydra/node.h"

static cy_arena *A;

static const char *split(const char *key) {
    size_t n;
    char **p = cy__split_key(key, &n);
    char buf[256] = "";
    for (size_t i = 0; i < n; i++) {
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s<%s>", i ? "," : "", p[i]);
        free(p[i]);
    }
    free(p);
    return cy_arena_strdup(A, buf);
}

static void test_split_key(void) {
    CHECK_STREQ(split("a.b"), "<a>,<b>");
    CHECK_STREQ(split("a[b]"), "<a>,<b>");
    CHECK_STREQ(split(".a.b[c].d"), "<>,<a>,<b>,<c>,<d>");
    CHECK_STREQ(split("[a].b"), "<a>,<b>");
    CHECK_STREQ(split("..a"), "<>,<>,<a>");
    CHECK_STREQ(split("..[a]"), "<>,<>,<a>");
    CHECK_STREQ(split("a[0]b"), "<a>,<0>");
    CHECK_STREQ(split(""), "<>");
    CHECK_STREQ(split("."), "<>,<>");
    CHECK_STREQ(split("a."), "<a>,<>");
    CHECK_STREQ(split("a..b"), "<a>,<>,<b>");
    CHECK_STREQ(split("a[0][1]"), "<a>,<0>,<1>");
    CHECK_STREQ(split("a[b.c]"), "<a>,<b.c>");
}

/* {"a": {"b": [10, {"c": 20}], "m": ???, "n": null}, "x": 1, "s": "abc"} */
static cy_node *sample(void) {
    cy_node *c = cy_new_dict(A), *a = cy_new_dict(A), *b = cy_new_list(A), *e = cy_new_dict(A);
    cy_list_push(b, cy_new_int(A, 10));
    cy_dict_put(e, "c", cy_new_int(A, 20));
    cy_list_push(b, e);
    cy_dict_put(a, "b", b);
    cy_dict_put(a, "m", cy_new_missing(A));
    cy_dict_put(a, "n", cy_new_null(A));
    cy_dict_put(c, "a", a);
    cy_dict_put(c, "x", cy_new_int(A, 1));
    cy_dict_put(c, "s", cy_new_str(A, "abc"));
    return c;
}

/* select's result as text: "None" when not found, else str() of the value; "ERR: ..." */
static const char *sel(const cy_node *cfg, const char *key, unsigned flags) {
    const cy_node *out;
    cy_error_clear();
    if (cy_select(cfg, key, &out, flags) < 0) {
        char *t = cy_error_text(cy_error_last());
        const char *r = cy_arena_printf(A, "ERR %s: %s", cy_error_last()->exc, t);
        free(t);
        return r;
    }
    return out ? cy_node_pystr(out) : "None";
}

static void test_select(void) {
    cy_node *c = sample();
    cy_node *a = cy_dict_get(c, "a");
    CHECK_STREQ(sel(c, "a.b[1].c", 0), "20");
    CHECK_STREQ(sel(c, "a.b.1.c", 0), "20");
    CHECK_STREQ(sel(c, "a.b.x", 0), "ERR ConfigTypeError: Index 'x' (str) is not an int\n"
                                    "    full_key: a.b.x\n    object_type=dict");
    CHECK_STREQ(sel(c, "a.n.q", 0), "None");
    CHECK_STREQ(sel(c, "x.y", 0), "None");
    CHECK_STREQ(sel(c, "nope", 0), "None");
    CHECK_STREQ(sel(c, "a.b[5]", 0), "None");
    CHECK_STREQ(sel(c, "a.m", 0), "None");
    CHECK_STREQ(sel(c, "a.m", CY_SELECT_THROW_ON_MISSING),
                "ERR MissingMandatoryValue: Missing mandatory value: a.m\n    full_key: a.m\n"
                "    object_type=dict");
    CHECK_STREQ(sel(c, "a.n", 0), "None");
    CHECK_STREQ(sel(a, ".b[0]", 0), "10");
    CHECK_STREQ(sel(a, "b[0]", 0), "10");
    CHECK_STREQ(sel(a, "..x", 0), "1");
    CHECK_STREQ(sel(cy_dict_get(a, "b"), "..x", 0), "None");
    CHECK_STREQ(sel(cy_dict_get(a, "b"), "...x", 0), "1");
    CHECK_STREQ(sel(a, "...x", 0), "ERR ConfigKeyError: Error resolving key '...x'\n"
                                   "    full_key: a....x\n    object_type=dict");
    CHECK_STREQ(sel(c, "", 0), cy_node_pystr(c));
}

static const char *get(const cy_node *cfg, const char *key) {
    const cy_node *out;
    cy_error_clear();
    if (cy_get(cfg, key, &out) < 0) {
        char *t = cy_error_text(cy_error_last());
        const char *r = cy_arena_printf(A, "ERR %s: %s", cy_error_last()->exc, t);
        free(t);
        return r;
    }
    return cy_node_pystr(out);
}

static void test_get(void) {
    cy_node *c = sample();
    CHECK_STREQ(get(c, "a.b[1].c"), "20");
    CHECK_STREQ(get(c, "a.b.-2"), "10");
    CHECK_STREQ(get(c, "a.m"), "ERR MissingMandatoryValue: Missing mandatory value: a.m\n"
                               "    full_key: a.m\n    object_type=dict");
    CHECK_STREQ(get(c, "nope"), "ERR ConfigAttributeError: Missing key nope\n"
                                "    full_key: nope\n    object_type=dict");
    CHECK_STREQ(get(c, "a.b[5]"), "ERR ConfigIndexError: list index out of range\n"
                                  "    full_key: a.b[5]\n    object_type=list");
    cy_node_set_flag(c, CY_FLAG_STRUCT, CY_FLAG_TRUE);
    CHECK_STREQ(get(c, "nope"), "ERR ConfigAttributeError: Key 'nope' is not in struct\n"
                                "    full_key: nope\n    object_type=dict");
    CHECK(strncmp(get(c, "s.x"), "ERR ConfigTypeError: ", 21) == 0);

    int64_t i;
    double f;
    bool b;
    const char *s;
    CHECK_EQ_INT(cy_get_int(c, "x", &i), 0);
    CHECK_EQ_INT(i, 1);
    CHECK_EQ_INT(cy_get_float(c, "x", &f), 0);
    CHECK(f == 1.0);
    CHECK_EQ_INT(cy_get_bool(c, "x", &b), 0);
    CHECK(b);
    CHECK_EQ_INT(cy_get_str(c, "a.b[0]", &s), 0);
    CHECK_STREQ(s, "10");
    CHECK_EQ_INT(cy_get_int(c, "s", &i), CY_EVALIDATION);
    CHECK_STREQ(cy_error_last()->msg,
                "Value 'abc' of type 'str' could not be converted to Integer");
    CHECK_STREQ(cy_error_last()->full_key, "s");
    CHECK_EQ_INT(cy_get_float(c, "a.n", &f), CY_EVALIDATION);
}

static void test_resolve(void) {
    cy_node *c = sample();
    const cy_node *out;
    cy_node *x = cy_dict_get(c, "x");
    CHECK_EQ_INT(cy_node_resolve(x, &out), 0);
    CHECK(out == x);
    cy_node *l = cy_new_list(A);
    cy_list_push(l, cy_new_missing(A));
    cy_dict_put(cy_dict_get(c, "a"), "l", l);
    CHECK_EQ_INT(cy_node_resolve(cy_node_child(l, 0), &out), CY_EMISSING);
    char *t = cy_error_text(cy_error_last());
    CHECK_STREQ(t, "Missing mandatory value: a.l[0]\n    full_key: a.l[0]\n    object_type=list");
    free(t);
}

int main(void) {
    A = cy_arena_new();
    RUN(test_split_key);
    RUN(test_select);
    RUN(test_get);
    RUN(test_resolve);
    cy_arena_free(A);
    return harness_summary();
}

/*
 * test_instantiate_golden.c - replays tests/golden/catalog/instantiate.txt (what Hydra 1.3.2's
 * instantiate() returns or raises for 114 configs, written by tests/oracle/catalog_instantiate.py)
 * through cy_instantiate with the C twins of the Python targets (twins.h).
 *
 * Cydra's deliberate differences (docs/catalog.md) are applied to Hydra's text before comparing:
 * "Error locating target 'x', set env var HYDRA_FULL_ERROR=1 to see chained exception." reads
 * "Error locating target 'x': no such target is registered", and "Did you mean" lines that Cydra
 * adds are checked, then removed.
 */
#include "harness.h"
#include "twins.h"

#include "cydra/yaml.h"

#define GOLDEN "golden/catalog/instantiate.txt"

typedef struct gcase {
    char *id, *config, *select, *kwargs, *call;
    char *kind[2], *text[2]; /* result of instantiate, and of the partial's call */
    int nres;
} gcase;

static gcase cases[256];
static int ncases;

static char *dup_n(const char *s, size_t n) {
    char *d = malloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static void append_line(char **text, const char *line, size_t n) {
    size_t old = *text ? strlen(*text) : 0;
    *text = realloc(*text, old + n + 2);
    if (old)
        (*text)[old++] = '\n';
    memcpy(*text + old, line, n);
    (*text)[old + n] = '\0';
}

static int load_golden(void) {
    char *buf = harness_read_file(GOLDEN, NULL);
    if (!buf)
        return -1;
    gcase *c = NULL;
    for (char *p = buf; *p;) {
        char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n >= 4 && strncmp(p, "=== ", 4) == 0) {
            c = &cases[ncases++];
            memset(c, 0, sizeof *c);
            c->id = dup_n(p + 4, n - 4);
        } else if (c && strncmp(p, "config: ", 8) == 0) {
            c->config = dup_n(p + 8, n - 8);
        } else if (c && strncmp(p, "select: ", 8) == 0) {
            c->select = dup_n(p + 8, n - 8);
        } else if (c && strncmp(p, "kwargs: ", 8) == 0) {
            c->kwargs = dup_n(p + 8, n - 8);
        } else if (c && strncmp(p, "call: ", 6) == 0) {
            c->call = dup_n(p + 6, n - 6);
        } else if (c && strncmp(p, "--- ", 4) == 0) {
            c->kind[c->nres++] = dup_n(p + 4, n - 4);
        } else if (c && n >= 1 && p[0] == '|') {
            append_line(&c->text[c->nres - 1], p + 1, n - 1);
        }
        p += n + (e ? 1 : 0);
    }
    free(buf);
    return 0;
}

/* Hydra's text with Cydra's deliberate differences applied. */
static char *expected_text(const char *t) {
    static const char from[] = ", set env var HYDRA_FULL_ERROR=1 to see chained exception.";
    static const char to[] = ": no such target is registered";
    const char *hit = t ? strstr(t, from) : NULL;
    if (!hit)
        return t ? strdup(t) : NULL;
    size_t pre = (size_t)(hit - t);
    char *r = malloc(strlen(t) + sizeof to);
    memcpy(r, t, pre);
    strcpy(r + pre, to);
    strcat(r, hit + strlen(from));
    return r;
}

/* Removes "Did you mean ...?" lines (Cydra's additions); returns how many there were. */
static int strip_hints(char *t) {
    int n = 0;
    char *h;
    while ((h = strstr(t, "\nDid you mean '")) != NULL) {
        char *end = strchr(h + 1, '\n');
        memmove(h, end ? end : h + strlen(h), strlen(end ? end : h + strlen(h)) + 1);
        n++;
    }
    return n;
}

/* "error <Class>" and the error's text, or NULL when no error is set. */
static void error_result(char **kind, char **text) {
    const cy_error *e = cy_error_last();
    size_t n = strlen(e->exc) + 8;
    *kind = malloc(n);
    snprintf(*kind, n, "error %s", e->exc);
    *text = cy_error_text(e);
}

static void object_result(char **kind, char **text, cy_object *o) {
    if (!o) {
        *kind = strdup("ok");
        *text = strdup("None");
        return;
    }
    if (cy_object_is_partial(o)) {
        *kind = strdup("partial");
        *text = NULL;
        return;
    }
    *kind = strdup("ok");
    const cy_node *cfg = cy_object_ptr(o, CY_OBJECT_CONFIG);
    if (cfg) {
        tw_buf b = {0};
        tw_repr_node(&b, cfg, tw_object_lookup, o);
        *text = b.s;
    } else {
        *text = strdup(tw_object_repr(o));
    }
}

/* The call-time arguments of a kwargs mapping. */
static size_t args_of(cy_arg *args, const cy_node *kw) {
    size_t n = 0;
    for (size_t i = 0; kw && i < cy_node_len(kw); i++) {
        const cy_node *c = cy_node_child(kw, i);
        args[n++] = (cy_arg)CY_ARG_NODE(c->key, c);
    }
    return n;
}

static void check_result(const gcase *c, int i, const char *kind, char *text) {
    char *want = expected_text(c->text[i]);
    if (text && strncmp(kind, "error", 5) == 0) {
        int hints = strip_hints(text);
        /* hints come only after unknown targets and unknown keyword arguments */
        if (hints && !strstr(text, "Error locating target") &&
            !strstr(text, "unexpected keyword argument"))
            harness_fail(__FILE__, __LINE__, "%s: unexpected hint", c->id);
    }
    if (strcmp(kind, c->kind[i]) != 0 || ((want || text) && (!want || !text || strcmp(want, text))))
        harness_fail(__FILE__, __LINE__,
                     "case %s, result %d:\n  got:      %s\n%s\n  expected: %s\n%s", c->id, i, kind,
                     text ? text : "", c->kind[i], want ? want : "");
    free(want);
}

static void run_case(const gcase *c) {
    cy_arena *a = cy_arena_new();
    cy_node *root, *kw = NULL, *callkw = NULL;
    if (cy_yaml_load_str(&root, a, c->config, strlen(c->config), NULL, NULL) < 0 ||
        (strcmp(c->kwargs, "-") &&
         cy_yaml_load_str(&kw, a, c->kwargs, strlen(c->kwargs), NULL, NULL) < 0) ||
        (strcmp(c->call, "-") &&
         cy_yaml_load_str(&callkw, a, c->call, strlen(c->call), NULL, NULL) < 0)) {
        harness_fail(__FILE__, __LINE__, "%s: cannot load the case's YAML", c->id);
        cy_arena_free(a);
        return;
    }
    const cy_node *node = strcmp(c->select, "-") == 0 ? root : cy_dict_get(root, c->select);
    cy_arg extra[16], more[16];
    size_t nextra = args_of(extra, kw), nmore = args_of(more, callkw);

    cy_object *o = NULL;
    char *kind, *text;
    cy_error_clear();
    if (cy_instantiate(&o, node, extra, nextra) < 0) {
        CHECK(o == NULL);
        error_result(&kind, &text);
    } else {
        object_result(&kind, &text, o);
    }
    check_result(c, 0, kind, text);
    free(kind);
    free(text);

    if (o && cy_object_is_partial(o)) {
        if (c->nres < 2) {
            harness_fail(__FILE__, __LINE__, "%s: a partial where Hydra has none", c->id);
        } else {
            cy_object *r = NULL;
            if (cy_object_call(&r, o, more, nmore) < 0)
                error_result(&kind, &text);
            else
                object_result(&kind, &text, r);
            check_result(c, 1, kind, text);
            free(kind);
            free(text);
            /* a partial can be called again with the same result */
            cy_object *r2 = NULL;
            if (r && cy_object_call(&r2, o, more, nmore) == 0)
                CHECK_STREQ(tw_object_repr(r2), tw_object_repr(r));
            cy_object_free(r2);
            cy_object_free(r);
        }
    }
    cy_object_free(o);
    cy_arena_free(a);
}

static void test_golden(void) {
    CHECK(load_golden() == 0);
    CHECK(ncases >= 100);
    for (int i = 0; i < ncases; i++)
        run_case(&cases[i]);
    printf("%d golden cases\n", ncases);
}

/* The hints Cydra adds, on cases of the golden file. */
static void test_hints(void) {
    cy_arena *a = cy_arena_new();
    const char *src = "{a: {_target_: catalog_targets.Pointt, x: 1}, "
                      "b: {_target_: catalog_targets.Point, xx: 1}, "
                      "c: {_target_: catalog_targets.Zzzzzzzzzzzz}}";
    cy_node *root;
    CHECK(cy_yaml_load_str(&root, a, src, strlen(src), NULL, NULL) == 0);
    cy_object *o;
    CHECK(cy_instantiate(&o, cy_dict_get(root, "a"), NULL, 0) == CY_EINSTANTIATE);
    CHECK_STREQ(cy_error_last()->msg,
                "Error locating target 'catalog_targets.Pointt': no such target is registered\n"
                "full_key: a\nDid you mean 'catalog_targets.Point'?");
    CHECK(cy_instantiate(&o, cy_dict_get(root, "b"), NULL, 0) == CY_EINSTANTIATE);
    CHECK_STREQ(cy_error_last()->msg,
                "Error in call to target 'catalog_targets.Point':\n"
                "TypeError(\"Point.__init__() got an unexpected keyword argument 'xx'\")\n"
                "full_key: b\nDid you mean 'x'?");
    CHECK(cy_instantiate(&o, cy_dict_get(root, "c"), NULL, 0) == CY_EINSTANTIATE);
    CHECK_STREQ(cy_error_last()->msg, "Error locating target 'catalog_targets.Zzzzzzzzzzzz': no "
                                      "such target is registered\nfull_key: c");
    cy_arena_free(a);
}

int main(void) {
    if (tw_register() < 0) {
        fprintf(stderr, "cannot register the targets\n");
        return 1;
    }
    RUN(test_golden);
    RUN(test_hints);
    for (int i = 0; i < ncases; i++) {
        free(cases[i].id);
        free(cases[i].config);
        free(cases[i].select);
        free(cases[i].kwargs);
        free(cases[i].call);
        for (int k = 0; k < cases[i].nres; k++) {
            free(cases[i].kind[k]);
            free(cases[i].text[k]);
        }
    }
    return harness_summary();
}

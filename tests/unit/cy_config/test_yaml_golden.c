/*
 * test_yaml_golden.c - cydra's YAML against OmegaConf 2.2, on the golden files that
 * tests/oracle/yaml_golden.py writes (tests/golden/yaml/):
 *
 *   emit.golden  600 random trees: the emitted text must equal OmegaConf.to_yaml's byte for byte
 *                (reading those texts back is checked by load.golden, which holds each of them
 *                with what OmegaConf loads from it: PyYAML does not round-trip everything, e.g.
 *                U+0085 inside quotes reads back as a space);
 *   load.golden  ~2000 YAML snippets: the loaded tree must equal what OmegaConf.create(text)
 *                makes of it (types and values), or loading must fail where OmegaConf fails.
 */
#include "harness.h"
#include "test_yaml_tree.h"

#include "cydra/error.h"
#include "cydra/yaml.h"

#define GOLDEN_DIR "golden/yaml/"

static char *emit_data, *load_data;

/* Where cydra knowingly differs from OmegaConf (docs/yaml.md lists them): the snippet, whether we
 * load it, and why. The test checks that each of these still behaves as written here. */
static const struct known {
    const char *text;
    bool we_load;
    const char *why;
} known[] = {
    {"[a:]", false, "libyaml refuses ':' right before a flow end; PyYAML reads [{a: null}]"},
    {"[a?b]", true, "PyYAML refuses '?' inside a flow plain scalar; libyaml reads 'a?b'"},
    {"{1: a, '1': b}", false, "a cydra dict cannot hold the int key 1 and the str key '1' at once"},
    {"a: \"\\0\"\n", false, "strings are C strings: NUL inside one is refused"},
};

static const struct known *known_difference(const char *text) {
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(known[i].text, text) == 0)
            return &known[i];
    return NULL;
}
static size_t emit_len, load_len;

/* "=== <id> <rest>\n" at *p: returns the id, rest copied into buf */
static long header(const char **p, const char *end, char *rest, size_t cap) {
    if (end - *p < 4 || memcmp(*p, "=== ", 4) != 0)
        return -1;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (!nl)
        return -1;
    char line[128];
    size_t n = (size_t)(nl - *p) < sizeof line - 1 ? (size_t)(nl - *p) : sizeof line - 1;
    memcpy(line, *p, n);
    line[n] = '\0';
    long id = -1;
    int off = 0;
    if (sscanf(line, "=== %ld %n", &id, &off) < 1)
        return -1;
    snprintf(rest, cap, "%s", line + off);
    *p = nl + 1;
    return id;
}

static void test_emit_golden(void) {
    const char *p = emit_data, *end = emit_data + emit_len;
    int cases = 0, bad = 0;
    while (p < end) {
        char rest[64];
        long id = header(&p, end, rest, sizeof rest);
        if (id < 0) {
            harness_fail(__FILE__, __LINE__, "emit.golden: bad record header near offset %ld",
                         (long)(p - emit_data));
            return;
        }
        unsigned flags = (unsigned)strtoul(rest, NULL, 10);
        cy_arena *a = cy_arena_new();
        tree_reader r = {.p = p, .end = end};
        cy_node *tree = tr_value(&r, a);
        if (!tree) {
            harness_fail(__FILE__, __LINE__, "emit.golden case %ld: %s", id, r.err);
            cy_arena_free(a);
            return;
        }
        p = r.p;
        while (p < end && *p == '\n')
            p++;
        size_t size = 0;
        if (sscanf(p, "--- %zu", &size) != 1) {
            harness_fail(__FILE__, __LINE__, "emit.golden case %ld: no expected text", id);
            cy_arena_free(a);
            return;
        }
        p = memchr(p, '\n', (size_t)(end - p)) + 1;
        const char *want = p;
        p += size + 1;

        char *got = NULL;
        int rc = cy_yaml_emit(&got, tree, flags);
        cases++;
        if (rc != 0) {
            harness_fail(__FILE__, __LINE__, "case %ld: emit failed: %s", id, cy_error_last()->msg);
            bad++;
        } else if (strlen(got) != size || memcmp(got, want, size) != 0) {
            if (bad++ < 5) {
                harness_fail(__FILE__, __LINE__,
                             "case %ld differs from OmegaConf.to_yaml:\n--- got:\n%s--- "
                             "expected:\n%.*s---",
                             id, got, (int)size, want);
            }
        }
        free(got);
        cy_arena_free(a);
    }
    printf("emit golden: %d cases, %d differ\n", cases, bad);
    CHECK(cases >= 500);
    CHECK_EQ_INT(bad, 0);
}

static void test_load_golden(void) {
    const char *p = load_data, *end = load_data + load_len;
    int cases = 0, bad = 0, errors = 0, nknown = 0;
    while (p < end) {
        char rest[64];
        long id = header(&p, end, rest, sizeof rest);
        if (id < 0) {
            harness_fail(__FILE__, __LINE__, "load.golden: bad record header");
            return;
        }
        size_t size = strtoull(p, NULL, 10);
        p = memchr(p, '\n', (size_t)(end - p)) + 1;
        const char *text = p;
        p += size + 1;
        if (end - p < 4 || memcmp(p, "--- ", 4) != 0) {
            harness_fail(__FILE__, __LINE__, "load.golden case %ld: no expectation", id);
            return;
        }
        p += 4;
        cy_arena *a = cy_arena_new();
        cy_node *got = NULL;
        char *copy = malloc(size + 1);
        memcpy(copy, text, size);
        copy[size] = '\0';
        int rc = cy_yaml_load_str(&got, a, copy, size, "snippet", NULL);
        cases++;
        const struct known *k = known_difference(copy);
        if (k) {
            if ((rc == 0) != k->we_load)
                harness_fail(__FILE__, __LINE__, "case %ld: the known difference (%s) changed", id,
                             k->why);
            nknown++;
            p = memchr(p, '\n', (size_t)(end - p)) + 1; /* expectations are single-line here */
        } else if (*p == 'E' || *p == 'R' || *p == 'U') {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            errors++;
            if (rc == 0) {
                char *shown = NULL;
                cy_yaml_emit(&shown, got, 0);
                if (bad++ < 20)
                    harness_fail(__FILE__, __LINE__,
                                 "case %ld: OmegaConf fails (%.*s) but we load:\n%s--- as:\n%s", id,
                                 (int)(nl - p), p, copy, shown ? shown : "?");
                free(shown);
            }
            p = nl + 1;
        } else {
            tree_reader r = {.p = p, .end = end};
            cy_node *want = tr_value(&r, a);
            if (!want) {
                harness_fail(__FILE__, __LINE__, "load.golden case %ld: %s", id, r.err);
                free(copy);
                cy_arena_free(a);
                return;
            }
            p = r.p;
            while (p < end && *p == '\n')
                p++;
            char why[512];
            if (rc != 0) {
                if (bad++ < 20)
                    harness_fail(__FILE__, __LINE__,
                                 "case %ld: we fail where OmegaConf loads:\n%s"
                                 "--- error: %s",
                                 id, copy, cy_error_last()->msg);
            } else if (!tree_same(got, want, why, sizeof why, "")) {
                if (bad++ < 20)
                    harness_fail(__FILE__, __LINE__, "case %ld: differs from OmegaConf: %s\n%s---",
                                 id, why, copy);
            }
        }
        free(copy);
        cy_arena_free(a);
    }
    printf("load golden: %d cases (%d expected failures), %d known differences, %d differ\n", cases,
           errors, nknown, bad);
    CHECK_EQ_INT(nknown, (int)(sizeof known / sizeof known[0]));
    CHECK(cases >= 1000);
    CHECK_EQ_INT(bad, 0);
}

int main(void) {
    emit_data = harness_read_file(GOLDEN_DIR "emit.golden", &emit_len);
    load_data = harness_read_file(GOLDEN_DIR "load.golden", &load_len);
    if (!emit_data || !load_data) {
        fprintf(stderr, "cannot read the golden files in tests/golden/yaml/ (run from tests/)\n");
        return 1;
    }
    RUN(test_emit_golden);
    RUN(test_load_golden);
    free(emit_data);
    free(load_data);
    return harness_summary();
}

/*
 * test_yaml_fuzz.c - randomized checks of the YAML loader and emitter (fixed seeds, so a failure
 * reproduces; run under ASan/UBSan by the sanitizer build):
 *
 *   round trip   random trees (nested dicts/lists, every scalar kind, strings from a nasty
 *                alphabet): emit -> load gives the same tree and emits the same bytes; with the
 *                full alphabet, where PyYAML itself does not round-trip (U+0085 inside quotes,
 *                "1_e5" written plain and read back as a float), emit -> load -> emit still
 *                reaches a fixed point after one round;
 *   bytes        arbitrary bytes as strings (invalid UTF-8, control characters): emitting never
 *                fails, and ASCII ones load back unchanged;
 *   mutations    valid documents damaged at random (bytes flipped, inserted, deleted, chunks
 *                duplicated, truncated): loading never crashes or hangs, and every failure is a
 *                cydra error whose message names the document.
 */
#include "harness.h"
#include "test_yaml_tree.h"

#include "cydra/error.h"
#include "cydra/yaml.h"

static uint64_t rng_state;

static uint64_t next(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static size_t below(size_t n) {
    return n ? (size_t)(next() % n) : 0;
}

/* pieces strings are made of; the "full" set adds what PyYAML cannot round-trip */
static const char *const safe_pieces[] = {
    "a",
    "b",
    "z",
    "A",
    "0",
    "1",
    "7",
    "9",
    " ",
    " ",
    "  ",
    "\n",
    "\t",
    ".",
    "-",
    "+",
    "e",
    "E",
    ":",
    ": ",
    "#",
    " #",
    "'",
    "\"",
    "\\",
    ",",
    "[",
    "]",
    "{",
    "}",
    "?",
    "!",
    "&",
    "*",
    "|",
    ">",
    "%",
    "@",
    "`",
    "~",
    "=",
    "<<",
    "é",
    "日本",
    "😀",
    "\xc2\xa0",
    "\x01",
    "\x7f",
    "\r",
    "y",
    "n",
    "on",
    "true",
    "null",
    "inf",
    "nan",
    "\xef\xbb\xbf",
    "\xe3\x80\x80",
    "0x",
    "0b",
    "0o",
    "1.5",
    "1e3",
    "10:30",
    "2001-12-14",
    "---",
    "...",
    "??",
    "???",
    "$",
};
static const char *const full_pieces[] = {"_",   "\xc2\x85", "\xe2\x80\xa8", "\xe2\x80\xa9",
                                          "._5", "1_e5"};

static char *random_text(bool full) {
    size_t n = below(10) == 0 ? 20 + below(60) : below(8);
    size_t cap = 16;
    char *s = malloc(cap);
    size_t len = 0;
    s[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *p;
        size_t nsafe = sizeof safe_pieces / sizeof safe_pieces[0];
        size_t nfull = sizeof full_pieces / sizeof full_pieces[0];
        if (full && below(8) == 0)
            p = full_pieces[below(nfull)];
        else
            p = safe_pieces[below(nsafe)];
        size_t pl = strlen(p);
        if (len + pl + 1 > cap) {
            cap = (len + pl + 1) * 2;
            s = realloc(s, cap);
        }
        memcpy(s + len, p, pl + 1);
        len += pl;
    }
    /* "${" must be a valid interpolation (OmegaConf validates them on load): keep some */
    if (strstr(s, "${")) {
        free(s);
        static const char *const interps[] = {"${a}",           "${a.b}",   "x_${y}_z",
                                              "${oc.env:HOME}", "\\${esc}", "${a[0]}"};
        return strdup(interps[below(6)]);
    }
    return s;
}

static double random_double(void) {
    static const double special[] = {0.0,   -0.0,     1.0,       0.1, 1e16,    1e-5, 5e-324,
                                     1e308, INFINITY, -INFINITY, NAN, 123.456, -2.5};
    if (below(3) == 0)
        return special[below(sizeof special / sizeof special[0])];
    uint64_t bits = next();
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static cy_node *random_scalar(cy_arena *a, bool full) {
    switch (below(9)) {
    case 0:
        return cy_new_null(a);
    case 1:
        return cy_new_bool(a, below(2));
    case 2:
        return cy_new_int(a, (int64_t)next());
    case 3:
        return cy_new_int(a, (int64_t)below(2000) - 1000);
    case 4:
        return cy_new_float(a, random_double());
    case 5:
        return cy_new_missing(a);
    default: {
        char *s = random_text(full);
        cy_node *n = cy_new_str(a, s);
        free(s);
        return n;
    }
    }
}

static cy_node *random_tree(cy_arena *a, int depth, bool full) {
    int r = (int)below(10);
    if (depth > 0 && (depth >= 5 || r < 4))
        return random_scalar(a, full);
    size_t n = below(6);
    if (depth == 0 || r < 7) {
        cy_node *d = cy_new_dict(a);
        for (size_t i = 0; i < n; i++) {
            cy_node *v = random_tree(a, depth + 1, full);
            char key[48];
            int kk = (int)below(10);
            if (kk == 0) {
                snprintf(key, sizeof key, "%lld", (long long)(int64_t)next());
                if (cy_dict_get(d, key))
                    continue;
                cy_dict_put_kind(d, key, CY_KEY_INT, v);
            } else if (kk == 1) {
                double f = random_double();
                if (isnan(f) || f == floor(f))
                    continue; /* Python merges 1.0 with 1 and True: keep keys distinct */
                cy_float_repr(f, key);
                if (cy_dict_get(d, key))
                    continue;
                cy_dict_put_kind(d, key, CY_KEY_FLOAT, v);
            } else {
                char *s = random_text(full);
                bool clash = cy_dict_get(d, s) != NULL;
                if (!clash) {
                    /* a str key must not spell an int/float/bool key of the same dict */
                    for (size_t j = 0; j < cy_node_len(d); j++)
                        if (strcmp(cy_node_child(d, j)->key, s) == 0)
                            clash = true;
                }
                if (!clash)
                    cy_dict_put(d, s, v);
                free(s);
            }
        }
        return d;
    }
    cy_node *l = cy_new_list(a);
    for (size_t i = 0; i < n; i++)
        cy_list_push(l, random_tree(a, depth + 1, full));
    return l;
}

static void test_round_trip(void) {
    rng_state = 0xC0FFEE;
    int n = 3000, ok = 0;
    for (int i = 0; i < n; i++) {
        cy_arena *a = cy_arena_new();
        cy_node *t = random_tree(a, 0, false);
        unsigned flags = below(4) == 0 ? CY_YAML_SORT_KEYS : 0;
        char *y1 = NULL, *y2 = NULL;
        cy_node *back = NULL;
        char why[512] = "";
        if (cy_yaml_emit(&y1, t, flags) != 0) {
            harness_fail(__FILE__, __LINE__, "tree %d: emit failed: %s", i, cy_error_last()->msg);
        } else if (cy_yaml_load_str(&back, a, y1, strlen(y1), "rt", NULL) != 0) {
            harness_fail(__FILE__, __LINE__, "tree %d: emitted text does not load: %s\n%s", i,
                         cy_error_last()->msg, y1);
        } else if (!flags && !tree_same(back, t, why, sizeof why, "")) {
            harness_fail(__FILE__, __LINE__, "tree %d: loads as another tree: %s\n%s", i, why, y1);
        } else if (cy_yaml_emit(&y2, back, 0) != 0 || strcmp(y1, y2) != 0) {
            /* sorted text loads in sorted order, so an unsorted emission repeats it */
            harness_fail(__FILE__, __LINE__, "tree %d: re-emission differs:\n%s---\n%s", i, y1,
                         y2 ? y2 : "?");
        } else {
            ok++;
        }
        free(y1);
        free(y2);
        cy_arena_free(a);
    }
    printf("round trip: %d of %d trees identical after emit -> load -> emit\n", ok, n);
    CHECK_EQ_INT(ok, n);
}

static void test_fixed_point(void) {
    rng_state = 0xBADC0DE;
    int n = 3000, fixed = 0, unreadable = 0;
    for (int i = 0; i < n; i++) {
        cy_arena *a = cy_arena_new();
        cy_node *t = random_tree(a, 0, true);
        char *y1 = NULL, *y2 = NULL, *y3 = NULL;
        cy_node *t2 = NULL, *t3 = NULL;
        if (cy_yaml_emit(&y1, t, 0) != 0) {
            harness_fail(__FILE__, __LINE__, "tree %d: emit failed", i);
        } else if (cy_yaml_load_str(&t2, a, y1, strlen(y1), "fp", NULL) != 0) {
            /* OmegaConf cannot read some of its own output either ("._" is written plain and
             * is no float); such a failure must be a clean construction error */
            if (cy_error_last()->code != CY_EPARSE || !strstr(cy_error_last()->msg, "fp:"))
                harness_fail(__FILE__, __LINE__, "tree %d: odd failure %s", i,
                             cy_error_last()->msg);
            printf("  tree %d not readable, as in OmegaConf: %s\n", i, cy_error_last()->msg);
            unreadable++;
        } else if (cy_yaml_emit(&y2, t2, 0) != 0 ||
                   cy_yaml_load_str(&t3, a, y2, strlen(y2), "fp", NULL) != 0 ||
                   cy_yaml_emit(&y3, t3, 0) != 0 || strcmp(y2, y3) != 0) {
            harness_fail(__FILE__, __LINE__, "tree %d: no fixed point:\n%s---\n%s---\n%s", i, y1,
                         y2 ? y2 : "?", y3 ? y3 : "?");
        } else {
            fixed++;
        }
        free(y1);
        free(y2);
        free(y3);
        cy_arena_free(a);
    }
    printf("fixed point: %d of %d trees stable after one round (%d not readable, as in "
           "OmegaConf)\n",
           fixed, n, unreadable);
    CHECK_EQ_INT(fixed + unreadable, n);
    CHECK(unreadable < n / 20);
}

/* hand-written documents that exercise what random trees do not: anchors, merges, tags, flow
 * and block styles, comments, directives */
static const char *const seeds[] = {
    "base: &b {x: 1, y: [1, 2]}\nd:\n  <<: *b\n  y: 3\nl: [*b, *b]\n",
    "a: &a {x: 1}\nb: &b {x: 2, q: 3}\nc:\n  <<: [*a, *b]\n  z: !!str 4\n",
    "%YAML 1.1\n%TAG !e! tag:yaml.org,2002:\n---\na: !e!int '5'\nb: !!float 1\nc: !!omap [{k: "
    "v}]\n",
    "text: |\n  line one\n  line two\nfold: >-\n  folded\n  text\nq: 'it''s'\nd: \"\\u00e9\\t\"\n",
    "# comment\n? complex key\n: value\n[1, 2]: bad\n{a: b}: worse\n",
    "- - a\n  - b\n- c: d\n  e: [f, {g: h}]\n- !!null\n- ~\n- 0x1F\n- 1:30\n- .inf\n",
    "a: ${b.c}\nb:\n  c: ???\nd: '${oc.env:HOME,/tmp}'\ne: \\${x}\n",
    "x: [a, b, c, [d, e, [f, g, {h: i, j: [k, l]}]]]\n",
    "a: &x 1\nb: *x\nc: &y [*x, *x]\nd: [*y, *y, *y]\n",
    "lr: 1.0e-06\nepochs: 14\nname: \"mnist\"\nflags: {dry_run: false, no_cuda: yes}\n",
};

static void mutate(char *buf, size_t *len, size_t cap) {
    static const char *const inserts[] = {"\n",     " ",      "\t",
                                          ":",      ": ",     "- ",
                                          "[",      "]",      "{",
                                          "}",      ",",      "'",
                                          "\"",     "&a ",    "*a",
                                          "*b",     "!!",     "!!str ",
                                          "!!int ", "!!map ", "<<: ",
                                          "? ",     "#",      "|",
                                          ">",      "%",      "@",
                                          "\\",     "\xff",   "\xc3",
                                          "\x00",   "\x01",   "\xef\xbb\xbf",
                                          "---\n",  "...\n",  "${",
                                          "}",      "\r",     "\x85",
                                          "&",      "!<",     "\xe2\x80\xa8"};
    int kind = (int)below(6);
    size_t n = *len;
    switch (kind) {
    case 0: /* flip a byte */
        if (n)
            buf[below(n)] ^= (char)(1 + below(255));
        break;
    case 1: { /* insert a token */
        const char *s = inserts[below(sizeof inserts / sizeof inserts[0])];
        size_t sl = strlen(s) ? strlen(s) : 1; /* "\x00" inserts a NUL */
        if (n + sl >= cap)
            break;
        size_t at = below(n + 1);
        memmove(buf + at + sl, buf + at, n - at);
        memcpy(buf + at, s, sl);
        *len = n + sl;
        break;
    }
    case 2: { /* delete a span */
        if (!n)
            break;
        size_t at = below(n), l = 1 + below(8);
        if (at + l > n)
            l = n - at;
        memmove(buf + at, buf + at + l, n - at - l);
        *len = n - l;
        break;
    }
    case 3: /* truncate */
        *len = below(n + 1);
        break;
    case 4: { /* duplicate a chunk */
        if (!n)
            break;
        size_t at = below(n), l = 1 + below(40);
        if (at + l > n)
            l = n - at;
        if (n + l >= cap)
            break;
        size_t to = below(n + 1);
        char tmp[64];
        memcpy(tmp, buf + at, l);
        memmove(buf + to + l, buf + to, n - to);
        memcpy(buf + to, tmp, l);
        *len = n + l;
        break;
    }
    default: /* indent or dedent a line */
        if (n) {
            size_t at = below(n);
            while (at > 0 && buf[at - 1] != '\n')
                at--;
            if (below(2) && n + 2 < cap) {
                memmove(buf + at + 2, buf + at, n - at);
                buf[at] = buf[at + 1] = ' ';
                *len = n + 2;
            } else if (buf[at] == ' ') {
                memmove(buf + at, buf + at + 1, n - at - 1);
                *len = n - 1;
            }
        }
    }
}

static void test_mutations(void) {
    rng_state = 0x5EED;
    enum { ITER = 20000, CAP = 8192 };
    char *buf = malloc(CAP);
    int loaded = 0, failed = 0;
    cy_yaml_opts o = CY_YAML_OPTS_INIT;
    o.max_nodes = 20000; /* mutations can create alias bombs; keep each run small */
    o.max_depth = 64;
    for (int i = 0; i < ITER; i++) {
        size_t len;
        size_t nseed = sizeof seeds / sizeof seeds[0];
        if (i % 3 == 0) {
            /* an emitted random tree */
            cy_arena *t = cy_arena_new();
            char *y = NULL;
            cy_yaml_emit(&y, random_tree(t, 0, true), 0);
            len = y ? strlen(y) : 0;
            if (len >= CAP / 2)
                len = CAP / 2;
            memcpy(buf, y ? y : "", len);
            free(y);
            cy_arena_free(t);
        } else {
            const char *s = seeds[below(nseed)];
            len = strlen(s);
            memcpy(buf, s, len);
        }
        int rounds = 1 + (int)below(6);
        for (int r = 0; r < rounds; r++)
            mutate(buf, &len, CAP - 1);
        buf[len] = '\0';
        cy_arena *a = cy_arena_new();
        cy_node *n = NULL;
        cy_error_clear();
        int rc = cy_yaml_load_str(&n, a, buf, len, "mut", &o);
        if (rc == 0) {
            loaded++;
            if (!n || (n->kind != CY_DICT && n->kind != CY_LIST)) {
                harness_fail(__FILE__, __LINE__, "iteration %d: loaded a non-container", i);
            } else {
                char *y = NULL;
                if (cy_yaml_emit(&y, n, 0) != 0)
                    harness_fail(__FILE__, __LINE__, "iteration %d: cannot emit what loaded", i);
                free(y);
            }
        } else {
            failed++;
            const cy_error *e = cy_error_last();
            if (rc >= 0 || e->code != rc || !e->msg || strncmp(e->msg, "mut", 3) != 0)
                harness_fail(__FILE__, __LINE__, "iteration %d: bad error (%d): %s", i, rc,
                             e->msg ? e->msg : "(none)");
        }
        cy_arena_free(a);
    }
    free(buf);
    printf("mutations: %d documents, %d loaded, %d refused with an error\n", ITER, loaded, failed);
    CHECK(loaded > ITER / 20 && failed > ITER / 20);
}

/* Arbitrary bytes (not UTF-8, control characters) as keys and values: emitting never fails or
 * crashes, the output is UTF-8 wherever the input was, and whatever was valid UTF-8 loads back. */
static void test_emit_bytes(void) {
    rng_state = 0xB17E5;
    int n = 5000, reloaded = 0;
    for (int i = 0; i < n; i++) {
        cy_arena *a = cy_arena_new();
        cy_node *d = cy_new_dict(a);
        bool valid = true;
        for (int k = 0; k < 3; k++) {
            char key[16], val[128];
            size_t vl = below(sizeof val - 1);
            for (size_t j = 0; j < vl; j++) {
                val[j] = (char)(1 + below(i % 2 ? 255 : 127));
                if ((unsigned char)val[j] >= 0x80)
                    valid = false;
            }
            val[vl] = '\0';
            snprintf(key, sizeof key, "k%d", k);
            cy_dict_put(d, key, cy_new_str(a, strstr(val, "${") ? "x" : val));
        }
        char *y = NULL;
        if (cy_yaml_emit(&y, d, 0) != 0) {
            harness_fail(__FILE__, __LINE__, "case %d: emit failed: %s", i, cy_error_last()->msg);
        } else if (valid) {
            cy_node *back;
            char why[512];
            if (cy_yaml_load_str(&back, a, y, strlen(y), "bytes", NULL) != 0)
                harness_fail(__FILE__, __LINE__, "case %d: ASCII output does not load: %s\n%s", i,
                             cy_error_last()->msg, y);
            else if (!tree_same(back, d, why, sizeof why, ""))
                harness_fail(__FILE__, __LINE__, "case %d: loads differently: %s\n%s", i, why, y);
            else
                reloaded++;
        }
        free(y);
        cy_arena_free(a);
    }
    printf("byte strings: %d emitted, %d ASCII ones reloaded\n", n, reloaded);
    CHECK(reloaded > n / 3);
}

int main(void) {
    RUN(test_round_trip);
    RUN(test_emit_bytes);
    RUN(test_fixed_point);
    RUN(test_mutations);
    return harness_summary();
}

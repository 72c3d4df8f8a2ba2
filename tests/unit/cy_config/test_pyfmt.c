/*
 * test_pyfmt.c - Python formatting of values: repr(float) against Python over two million
 * generated doubles (tests/golden/config/float_repr.txt, from
 * tests/oracle/omegaconf_float_repr.py), repr(str), str() and type names of nodes.
 *
 * ctest-timeout: 600
 */
#include "harness.h"

#include <stdint.h>

#include "cydra/config/node_internal.h"
#include "cydra/node.h"

#define GOLDEN "golden/config/float_repr.txt"

static uint64_t sm_state;
static uint64_t sm_next(void) {
    sm_state += 0x9E3779B97F4A7C15ull;
    uint64_t z = sm_state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t fnv(uint64_t h, const char *s) {
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001B3ull;
    }
    h ^= '\n';
    h *= 0x100000001B3ull;
    return h;
}

static double from_bits(uint64_t u) {
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static double gen_bits(void) {
    return from_bits(sm_next());
}

static double gen_dec(void) {
    static const uint64_t p10[] = {1ull,
                                   10ull,
                                   100ull,
                                   1000ull,
                                   10000ull,
                                   100000ull,
                                   1000000ull,
                                   10000000ull,
                                   100000000ull,
                                   1000000000ull,
                                   10000000000ull,
                                   100000000000ull,
                                   1000000000000ull,
                                   10000000000000ull,
                                   100000000000000ull,
                                   1000000000000000ull,
                                   10000000000000000ull,
                                   100000000000000000ull};
    int digits = 1 + (int)(sm_next() % 17);
    uint64_t mant = sm_next() % p10[digits];
    int exp = (int)(sm_next() % 641) - 330;
    char buf[64];
    snprintf(buf, sizeof buf, "%llue%d", (unsigned long long)mant, exp);
    return strtod(buf, NULL);
}

/* Checks one generated section against its line "section NAME COUNT CHUNK HASH", the chunk
 * hashes and the listed values that follow it. Returns the position after them. */
static char *check_section(char *p, const char *name, uint64_t seed, double (*gen)(void)) {
    char sname[16];
    unsigned long count, chunk;
    unsigned long long want;
    if (sscanf(p, "section %15s %lu %lu %llx", sname, &count, &chunk, &want) != 4 ||
        strcmp(sname, name) != 0) {
        harness_fail(__FILE__, __LINE__, "golden file: no section %s", name);
        return NULL;
    }
    p = strchr(p, '\n') + 1;
    size_t nchunks = count / chunk;
    uint64_t *chunks = calloc(nchunks, sizeof *chunks);
    for (size_t i = 0; i < nchunks; i++) {
        unsigned long long c;
        if (sscanf(p, "chunk %llx", &c) != 1) {
            harness_fail(__FILE__, __LINE__, "golden file: chunk %zu missing", i);
            free(chunks);
            return NULL;
        }
        chunks[i] = c;
        p = strchr(p, '\n') + 1;
    }
    sm_state = seed;
    uint64_t total = 0xCBF29CE484222325ull, ch = total;
    int bad_chunks = 0;
    char buf[32];
    for (unsigned long i = 0; i < count; i++) {
        double x = gen();
        cy_float_repr(x, buf);
        total = fnv(total, buf);
        ch = fnv(ch, buf);
        if ((i + 1) % chunk == 0) {
            if (ch != chunks[i / chunk] && bad_chunks++ < 5)
                harness_fail(__FILE__, __LINE__, "%s: values %lu..%lu differ from Python", name,
                             i + 1 - chunk, i);
            ch = 0xCBF29CE484222325ull;
        }
    }
    CHECK_EQ_INT(total, want);
    free(chunks);
    /* the listed values, exactly */
    int listed = 0, wrong = 0;
    while (strncmp(p, "value ", 6) == 0) {
        unsigned long long b;
        char want_s[40];
        if (sscanf(p, "value %llx %39s", &b, want_s) == 2) {
            cy_float_repr(from_bits(b), buf);
            listed++;
            if (strcmp(buf, want_s) != 0 && wrong++ < 10)
                harness_fail(__FILE__, __LINE__, "repr(%016llx): got %s, Python %s", b, buf,
                             want_s);
        }
        p = strchr(p, '\n') + 1;
    }
    CHECK(listed >= 1000);
    return p;
}

static char *golden;

static void test_float_repr_generated(void) {
    char *p = strstr(golden, "section bits");
    CHECK(p != NULL);
    if (!p)
        return;
    p = check_section(p, "bits", 0x5EEDF10A7ull, gen_bits);
    if (p)
        check_section(p, "dec", 0x5EEDF10A7ull ^ 0xDEC, gen_dec);
}

static void test_float_repr_specials(void) {
    int n = 0, wrong = 0;
    for (char *p = strstr(golden, "\nspecial "); p; p = strstr(p + 1, "\nspecial ")) {
        unsigned long long b;
        char want[40], buf[32];
        if (sscanf(p, "\nspecial %llx %39s", &b, want) != 2)
            continue;
        n++;
        cy_float_repr(from_bits(b), buf);
        if (strcmp(buf, want) != 0 && wrong++ < 20)
            harness_fail(__FILE__, __LINE__, "repr(%016llx): got %s, Python %s", b, buf, want);
    }
    CHECK(n > 3000);
}

static void test_float_repr_handwritten(void) {
    char b[32];
    CHECK_STREQ(cy_float_repr(1.0, b), "1.0");
    CHECK_STREQ(cy_float_repr(-0.0, b), "-0.0");
    CHECK_STREQ(cy_float_repr(1e-5, b), "1e-05");
    CHECK_STREQ(cy_float_repr(0.0001, b), "0.0001");
    CHECK_STREQ(cy_float_repr(1e16, b), "1e+16");
    CHECK_STREQ(cy_float_repr(1e15, b), "1000000000000000.0");
    CHECK_STREQ(cy_float_repr(1.5e300, b), "1.5e+300");
    CHECK_STREQ(cy_float_repr(0.1 + 0.2, b), "0.30000000000000004");
    CHECK_STREQ(cy_float_repr(1e-3, b), "0.001");
    CHECK_STREQ(cy_float_repr(1e-6, b), "1e-06");
    CHECK_STREQ(cy_float_repr(123456789.125, b), "123456789.125");
    CHECK_STREQ(cy_float_repr(5e-324, b), "5e-324");
    CHECK_STREQ(cy_float_repr(1.7976931348623157e308, b), "1.7976931348623157e+308");
    CHECK_STREQ(cy_float_repr(INFINITY, b), "inf");
    CHECK_STREQ(cy_float_repr(-INFINITY, b), "-inf");
    CHECK_STREQ(cy_float_repr(NAN, b), "nan");
}

static void test_str_repr(void) {
    cy_arena *a = cy_arena_new();
    CHECK_STREQ(cy_str_pyrepr(a, "abc"), "'abc'");
    CHECK_STREQ(cy_str_pyrepr(a, "it's"), "\"it's\"");
    CHECK_STREQ(cy_str_pyrepr(a, "a'b\"c"), "'a\\'b\"c'");
    CHECK_STREQ(cy_str_pyrepr(a, "tab\there\nnl\\"), "'tab\\there\\nnl\\\\'");
    CHECK_STREQ(cy_str_pyrepr(a, "\x01\x7f"), "'\\x01\\x7f'");
    CHECK_STREQ(cy_str_pyrepr(a, "caf\xc3\xa9"), "'caf\xc3\xa9'");
    CHECK_STREQ(cy_str_pyrepr(a, "nb\xc2\xa0sp"), "'nb\\xa0sp'");
    CHECK_STREQ(cy_str_pyrepr(a, "zw\xe2\x80\x8bsp"), "'zw\\u200bsp'");
    cy_arena_free(a);
}

static const char *const color_names[] = {"RED", "GREEN"};
static const int64_t color_values[] = {1, 2};
static const cy_enum_def color = {"Color", color_names, color_values, 2};

static void test_node_pystr(void) {
    cy_arena *a = cy_arena_new();
    CHECK_STREQ(cy_node_pystr(cy_new_null(a)), "None");
    CHECK_STREQ(cy_node_pystr(cy_new_missing(a)), "???");
    CHECK_STREQ(cy_node_pystr(cy_new_bool(a, true)), "True");
    CHECK_STREQ(cy_node_pystr(cy_new_int(a, -42)), "-42");
    CHECK_STREQ(cy_node_pystr(cy_new_float(a, 1e-3)), "0.001");
    CHECK_STREQ(cy_node_pystr(cy_new_str(a, "x y")), "x y");
    CHECK_STREQ(cy_node_pystr(cy_new_str(a, "${a.b}")), "${a.b}");
    CHECK_STREQ(cy_node_pystr(cy_new_enum(a, &color, 1)), "Color.GREEN");
    cy_node *d = cy_new_dict(a);
    cy_dict_put(d, "a", cy_new_int(a, 1));
    cy_node *l = cy_new_list(a);
    cy_list_push(l, cy_new_str(a, "x"));
    cy_list_push(l, cy_new_null(a));
    cy_list_push(l, cy_new_missing(a));
    cy_list_push(l, cy_new_float(a, 2.0));
    cy_list_push(l, cy_new_enum(a, &color, 0));
    cy_dict_put(d, "b", l);
    cy_node *k = cy_new_bool(a, false);
    cy_dict_put_kind(d, "1", CY_KEY_INT, k);
    CHECK_STREQ(cy_node_pystr(d), "{'a': 1, 'b': ['x', None, '??"
                                  "?', 2.0, <Color.RED: 1>], 1: False}");
    CHECK_STREQ(cy_node_pystr(cy_new_list(a)), "[]");
    CHECK_STREQ(cy_node_pystr(cy_new_dict(a)), "{}");

    CHECK_STREQ(cy_node_pytype(cy_new_null(a)), "NoneType");
    CHECK_STREQ(cy_node_pytype(cy_new_missing(a)), "str");
    CHECK_STREQ(cy_node_pytype(cy_new_bool(a, 1)), "bool");
    CHECK_STREQ(cy_node_pytype(cy_new_int(a, 1)), "int");
    CHECK_STREQ(cy_node_pytype(cy_new_float(a, 1)), "float");
    CHECK_STREQ(cy_node_pytype(cy_new_enum(a, &color, 0)), "Color");
    CHECK_STREQ(cy_node_pytype(d), "dict");
    CHECK_STREQ(cy_node_pytype(l), "list");
    cy_arena_free(a);
}

int main(void) {
    golden = harness_read_file(GOLDEN, NULL);
    if (!golden) {
        fprintf(stderr, "cannot read %s\n", GOLDEN);
        return 1;
    }
    RUN(test_float_repr_handwritten);
    RUN(test_float_repr_specials);
    RUN(test_float_repr_generated);
    RUN(test_str_repr);
    RUN(test_node_pystr);
    free(golden);
    return harness_summary();
}

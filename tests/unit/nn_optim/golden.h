/*
 * golden.h - reading tests/golden/optim/<case>.txt (tests/oracle/optim_golden.py) for the optimizer
 * and scheduler tests: the header's key/value lines, the Python literals in kwargs lines (turned
 * into nn_value for the describe tables' generic setters) and the numeric rows.
 */
#ifndef NN_OPTIM_TEST_GOLDEN_H
#define NN_OPTIM_TEST_GOLDEN_H

#include "harness.h"
#include "nn/optim.h"

#include <ctype.h>
#include <dirent.h>

#define G_MAX_KEYS   24
#define G_MAX_ROWS   64
#define G_MAX_COLS   16
#define G_MAX_VALUES 512

typedef struct golden_case {
    char name[128];
    char *text; /* owns the file's bytes; keys/values point into it */
    const char *keys[G_MAX_KEYS], *vals[G_MAX_KEYS];
    int nkeys;
    double rows[G_MAX_ROWS][G_MAX_COLS];
    int ncols[G_MAX_ROWS], nrows;
} golden_case;

static inline const char *g_get(const golden_case *c, const char *key) {
    for (int i = 0; i < c->nkeys; i++)
        if (strcmp(c->keys[i], key) == 0)
            return c->vals[i];
    return NULL;
}

/* The n-th value of a repeatable key (child: lines), or NULL. */
static inline const char *g_get_nth(const golden_case *c, const char *key, int n) {
    for (int i = 0; i < c->nkeys; i++)
        if (strcmp(c->keys[i], key) == 0 && n-- == 0)
            return c->vals[i];
    return NULL;
}

static inline int g_load(golden_case *c, const char *dir, const char *file) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%.*s", (int)(strlen(file) - 4), file);
    c->text = harness_read_file(path, NULL);
    if (!c->text)
        return -1;
    for (char *line = strtok(c->text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#')
            continue;
        if (isalpha((unsigned char)line[0])) {
            char *colon = strstr(line, ": ");
            if (!colon || c->nkeys == G_MAX_KEYS)
                return -1;
            *colon = '\0';
            c->keys[c->nkeys] = line;
            c->vals[c->nkeys++] = colon + 2;
            continue;
        }
        if (c->nrows == G_MAX_ROWS)
            return -1;
        char *s = line, *end;
        int n = 0;
        for (;;) {
            double v = strtod(s, &end);
            if (end == s)
                break;
            if (n == G_MAX_COLS)
                return -1;
            c->rows[c->nrows][n++] = v;
            s = end;
        }
        c->ncols[c->nrows++] = n;
    }
    return 0;
}

static inline void g_free(golden_case *c) {
    free(c->text);
    c->text = NULL;
}

/* The case files of a prefix ("opt_", "sched_"), sorted; returns the count. */
static inline int g_list(const char *dir, const char *prefix, char names[][128], int cap) {
    DIR *d = opendir(dir);
    int n = 0;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < cap) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 && len > 4 &&
            strcmp(e->d_name + len - 4, ".txt") == 0)
            snprintf(names[n++], 128, "%s", e->d_name);
    }
    closedir(d);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char t[128];
            memcpy(t, names[j], 128);
            memcpy(names[j], names[j - 1], 128);
            memcpy(names[j - 1], t, 128);
        }
    return n;
}

/* ---------------------------------------------------------------------------------------- */
/* Python literals: numbers, True/False/None, 'strings', (tuples) and [lists].                 */

typedef struct g_values {
    nn_value v[G_MAX_VALUES];
    int n;
    char strs[4096];
    int nstr;
} g_values;

static inline const char *g_skip(const char *s) {
    while (*s == ' ')
        s++;
    return s;
}

static inline const char *g_parse_value(const char *s, nn_value *out, g_values *pool) {
    s = g_skip(s);
    if (*s == '(' || *s == '[') {
        char close = *s == '(' ? ')' : ']';
        nn_value items[NN_LIST_MAX];
        int n = 0;
        s = g_skip(s + 1);
        while (*s && *s != close) {
            if (n == NN_LIST_MAX)
                return NULL;
            s = g_parse_value(s, &items[n++], pool);
            if (!s)
                return NULL;
            s = g_skip(s);
            if (*s == ',')
                s = g_skip(s + 1);
        }
        if (*s != close || pool->n + n > G_MAX_VALUES)
            return NULL;
        memcpy(&pool->v[pool->n], items, (size_t)n * sizeof *items);
        *out = nn_value_list(&pool->v[pool->n], n);
        pool->n += n;
        return s + 1;
    }
    if (*s == '\'' || *s == '"') {
        char q = *s++;
        const char *e = strchr(s, q);
        if (!e || pool->nstr + (e - s) + 1 > (int)sizeof pool->strs)
            return NULL;
        char *dst = pool->strs + pool->nstr;
        memcpy(dst, s, (size_t)(e - s));
        dst[e - s] = '\0';
        pool->nstr += (int)(e - s) + 1;
        *out = nn_value_str(dst);
        return e + 1;
    }
    if (strncmp(s, "True", 4) == 0) {
        *out = nn_value_bool(1);
        return s + 4;
    }
    if (strncmp(s, "False", 5) == 0) {
        *out = nn_value_bool(0);
        return s + 5;
    }
    if (strncmp(s, "None", 4) == 0) {
        *out = nn_value_none();
        return s + 4;
    }
    char *end;
    const char *t = s;
    int is_float = 0;
    if (*t == '-' || *t == '+')
        t++;
    while (isdigit((unsigned char)*t))
        t++;
    if (*t == '.' || *t == 'e' || *t == 'E' || strncmp(t, "inf", 3) == 0 ||
        strncmp(t, "nan", 3) == 0)
        is_float = 1;
    if (is_float) {
        double f = strtod(s, &end);
        if (end == s)
            return NULL;
        *out = nn_value_float(f);
    } else {
        long long i = strtoll(s, &end, 10);
        if (end == s)
            return NULL;
        *out = nn_value_int(i);
    }
    return end;
}

/* Calls set(name, value) for each "name=literal" of a "; "-separated kwargs line. */
typedef int (*g_setter)(void *ctx, const char *name, const nn_value *v);

static inline int g_apply_kwargs(const char *line, g_values *pool, g_setter set, void *ctx) {
    if (!line)
        return 0;
    const char *s = line;
    while (*(s = g_skip(s))) {
        const char *eq = strchr(s, '=');
        if (!eq)
            return -1;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(eq - s), s);
        nn_value v;
        s = g_parse_value(eq + 1, &v, pool);
        if (!s)
            return -1;
        int rc = set(ctx, name, &v);
        if (rc != 0)
            return rc;
        s = g_skip(s);
        if (*s == ';')
            s++;
    }
    return 0;
}

/* Distance in float32 ulps (0 when equal, large across signs). */
static inline long long g_ulps(float a, float b) {
    int32_t ia, ib;
    memcpy(&ia, &a, 4);
    memcpy(&ib, &b, 4);
    if (ia < 0)
        ia = (int32_t)(0x80000000u - (uint32_t)ia);
    if (ib < 0)
        ib = (int32_t)(0x80000000u - (uint32_t)ib);
    long long d = (long long)ia - (long long)ib;
    return d < 0 ? -d : d;
}

#endif

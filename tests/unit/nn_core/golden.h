/*
 * golden.h - reads the golden files tests/oracle/nn_golden.py writes (tests/golden/nn/NAME.gold)
 * and compares arrays with stated tolerances. Test-only; include after harness.h.
 *
 *     gold_file g;
 *     if (!gold_load(&g, "golden/nn/layers.gold")) return;
 *     const float *out = gold_f32(&g, "relu.out", &n);
 *     check_close(got, out, n, 1e-6, 1e-5, "relu.out");
 *     gold_free(&g);
 */
#ifndef NN_TESTS_GOLDEN_H
#define NN_TESTS_GOLDEN_H

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { GOLD_F32 = 0, GOLD_I32 = 1, GOLD_I64 = 2, GOLD_U8 = 3 };

typedef struct gold_rec {
    char name[128];
    int dtype, ndim;
    int64_t shape[8];
    size_t numel;
    void *data; /* an aligned copy */
} gold_rec;

typedef struct gold_file {
    int n;
    gold_rec *recs;
} gold_file;

static inline size_t gold_elem_size(int dtype) {
    return dtype == GOLD_F32 || dtype == GOLD_I32 ? 4 : dtype == GOLD_I64 ? 8 : 1;
}

/* Loads path (relative to the tests/ directory, where ctest runs us); 1 on success. */
static inline int gold_load(gold_file *g, const char *path) {
    size_t len = 0;
    char *buf = harness_read_file(path, &len);
    memset(g, 0, sizeof *g);
    if (!buf) {
        harness_fail(__FILE__, __LINE__, "cannot read golden file %s (run from tests/)", path);
        return 0;
    }
    size_t pos = 8;
    uint32_t count;
    if (len < 12 || memcmp(buf, "NNGOLD1\n", 8) != 0) {
        harness_fail(__FILE__, __LINE__, "%s: not a golden file", path);
        free(buf);
        return 0;
    }
    memcpy(&count, buf + pos, 4);
    pos += 4;
    g->recs = calloc(count, sizeof *g->recs);
    for (uint32_t i = 0; i < count; i++) {
        gold_rec *r = &g->recs[i];
        uint16_t nl;
        memcpy(&nl, buf + pos, 2);
        pos += 2;
        if (nl >= sizeof r->name || pos + nl + 2 > len)
            goto bad;
        memcpy(r->name, buf + pos, nl);
        pos += nl;
        r->dtype = (unsigned char)buf[pos++];
        r->ndim = (unsigned char)buf[pos++];
        if (r->ndim > 8 || pos + 8u * r->ndim > len)
            goto bad;
        r->numel = 1;
        for (int d = 0; d < r->ndim; d++) {
            memcpy(&r->shape[d], buf + pos, 8);
            pos += 8;
            r->numel *= (size_t)r->shape[d];
        }
        size_t bytes = r->numel * gold_elem_size(r->dtype);
        if (pos + bytes > len)
            goto bad;
        r->data = malloc(bytes ? bytes : 1);
        memcpy(r->data, buf + pos, bytes);
        pos += bytes;
        g->n++;
    }
    free(buf);
    return 1;
bad:
    harness_fail(__FILE__, __LINE__, "%s: truncated at record %d", path, g->n);
    free(buf);
    return 0;
}

static inline void gold_free(gold_file *g) {
    for (int i = 0; i < g->n; i++)
        free(g->recs[i].data);
    free(g->recs);
    memset(g, 0, sizeof *g);
}

static inline const gold_rec *gold_get(const gold_file *g, const char *name, int dtype) {
    for (int i = 0; i < g->n; i++)
        if (strcmp(g->recs[i].name, name) == 0) {
            if (g->recs[i].dtype != dtype) {
                harness_fail(__FILE__, __LINE__, "golden %s has dtype %d, wanted %d", name,
                             g->recs[i].dtype, dtype);
                return NULL;
            }
            return &g->recs[i];
        }
    harness_fail(__FILE__, __LINE__, "golden record %s missing", name);
    return NULL;
}

static inline const float *gold_f32(const gold_file *g, const char *name, size_t *numel) {
    const gold_rec *r = gold_get(g, name, GOLD_F32);
    if (numel)
        *numel = r ? r->numel : 0;
    return r ? (const float *)r->data : NULL;
}

static inline const int32_t *gold_i32(const gold_file *g, const char *name, size_t *numel) {
    const gold_rec *r = gold_get(g, name, GOLD_I32);
    if (numel)
        *numel = r ? r->numel : 0;
    return r ? (const int32_t *)r->data : NULL;
}

static inline const int64_t *gold_i64(const gold_file *g, const char *name, size_t *numel) {
    const gold_rec *r = gold_get(g, name, GOLD_I64);
    if (numel)
        *numel = r ? r->numel : 0;
    return r ? (const int64_t *)r->data : NULL;
}

static inline const uint8_t *gold_u8(const gold_file *g, const char *name, size_t *numel) {
    const gold_rec *r = gold_get(g, name, GOLD_U8);
    if (numel)
        *numel = r ? r->numel : 0;
    return r ? (const uint8_t *)r->data : NULL;
}

/* Every |got - want| <= atol + rtol * |want|; reports the count and the worst element. Returns
 * the largest |got - want| (for tests that print their margins). */
static inline double check_close_impl(const char *file, int line, const float *got,
                                      const float *want, size_t n, double atol, double rtol,
                                      const char *what) {
    if (!got || !want) {
        harness_fail(file, line, "%s: missing data", what);
        return INFINITY;
    }
    size_t bad = 0, worst = 0;
    double worst_excess = -1.0, maxdiff = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)want[i]);
        double lim = atol + rtol * fabs((double)want[i]);
        if (d > maxdiff || isnan(d))
            maxdiff = isnan(d) ? INFINITY : d;
        if (!(d <= lim)) {
            bad++;
            double ex = isnan(d) ? INFINITY : d - lim;
            if (ex > worst_excess) {
                worst_excess = ex;
                worst = i;
            }
        }
    }
    if (bad)
        harness_fail(file, line,
                     "%s: %zu of %zu differ beyond atol=%g rtol=%g; worst [%zu]: %.9g vs %.9g",
                     what, bad, n, atol, rtol, worst, (double)got[worst], (double)want[worst]);
    return maxdiff;
}
#define check_close(got, want, n, atol, rtol, what)                                                \
    check_close_impl(__FILE__, __LINE__, got, want, n, atol, rtol, what)

/* The largest |x| of an array (to scale an absolute tolerance). */
static inline double max_abs(const float *x, size_t n) {
    double m = 0.0;
    for (size_t i = 0; x && i < n; i++)
        m = fabs((double)x[i]) > m ? fabs((double)x[i]) : m;
    return m;
}

/* FNV-1a over the bytes of n floats, as nn_golden.py's fnv1a64. */
static inline int64_t fnv1a64_f32(const float *x, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    const unsigned char *p = (const unsigned char *)x;
    for (size_t i = 0; i < n * sizeof(float); i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return (int64_t)h;
}

#endif

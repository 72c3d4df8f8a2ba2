/*
 * sweep.c - Override.sweep_iterator(): expanding choice, range and glob sweeps; fnmatch.
 *
 * Ranges are generated lazily (range(0,inf) never ends; callers bound it with max_items).
 * Integer ranges follow Python's range; float ranges Hydra's FloatRange, in 28-digit decimal
 * arithmetic (decimal.c). Shuffled sweeps are materialised and shuffled at the first call, as
 * Hydra does with list(...) + random.shuffle.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cydra/error.h"
#include "internal.h"

/* ---------------------------------------------------------------------------------------------
 * fnmatch.fnmatchcase (fnmatch.translate semantics: * ? [seq] [!seq], the rest literal)
 */

typedef struct pitem {
    int kind; /* 0 literal, 1 any, 2 star, 3 class */
    uint32_t c;
    int negate;
    uint32_t *lo, *hi; /* class ranges (singles have lo == hi) */
    size_t n;
} pitem;

static uint32_t next_cp(const unsigned char *s, size_t n, size_t *i) {
    unsigned char c = s[*i];
    size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
    if (*i + len > n)
        len = 1;
    for (size_t k = 1; k < len; k++) {
        if ((s[*i + k] & 0xC0) != 0x80) {
            (*i)++;
            return 0xDC00u + c;
        }
        cp = (cp << 6) | (s[*i + k] & 0x3Fu);
    }
    if (len == 1 && c >= 0x80) {
        (*i)++;
        return 0xDC00u + c;
    }
    *i += len;
    return cp;
}

static uint32_t *decode(const char *s, size_t *n) {
    size_t len = strlen(s), k = 0;
    uint32_t *r = malloc((len + 1) * sizeof *r);
    if (!r)
        return NULL;
    for (size_t i = 0; i < len;)
        r[k++] = next_cp((const unsigned char *)s, len, &i);
    *n = k;
    return r;
}

static int item_match(const pitem *it, uint32_t c) {
    if (it->kind == 0)
        return it->c == c;
    if (it->kind == 1)
        return 1;
    int in = 0;
    for (size_t i = 0; i < it->n && !in; i++)
        in = c >= it->lo[i] && c <= it->hi[i];
    return it->negate ? !in : in;
}

int ov_fnmatch(const char *pattern, const char *name) {
    size_t np = 0, ns = 0;
    uint32_t *p = decode(pattern, &np), *s = decode(name, &ns);
    pitem *items = calloc(np + 1, sizeof *items);
    uint32_t *ranges = malloc((2 * np + 2) * sizeof *ranges);
    int result = -1;
    if (!p || !s || !items || !ranges)
        goto out;
    size_t ni = 0, nr = 0;
    for (size_t i = 0; i < np;) {
        uint32_t c = p[i++];
        if (c == '*') {
            if (ni == 0 || items[ni - 1].kind != 2)
                items[ni++].kind = 2;
        } else if (c == '?') {
            items[ni++].kind = 1;
        } else if (c == '[') {
            size_t j = i;
            if (j < np && p[j] == '!')
                j++;
            if (j < np && p[j] == ']')
                j++;
            while (j < np && p[j] != ']')
                j++;
            if (j >= np) {
                items[ni].kind = 0;
                items[ni++].c = '[';
                continue;
            }
            pitem *it = &items[ni++];
            it->kind = 3;
            size_t k = i;
            if (p[k] == '!') {
                it->negate = 1;
                k++;
            }
            /* x-y is a range (dropped when empty); a '-' first or last is literal */
            size_t start = nr;
            while (k < j) {
                uint32_t x = p[k];
                if (k + 2 < j && p[k + 1] == '-') {
                    uint32_t y = p[k + 2];
                    if (x <= y) {
                        ranges[nr++] = x;
                        ranges[nr++] = y;
                    }
                    k += 3;
                } else {
                    ranges[nr++] = x;
                    ranges[nr++] = x;
                    k++;
                }
            }
            /* store as lo/hi pairs */
            it->n = (nr - start) / 2;
            it->lo = malloc((it->n ? it->n : 1) * sizeof *it->lo);
            it->hi = malloc((it->n ? it->n : 1) * sizeof *it->hi);
            if (!it->lo || !it->hi)
                goto out;
            for (size_t q = 0; q < it->n; q++) {
                it->lo[q] = ranges[start + 2 * q];
                it->hi[q] = ranges[start + 2 * q + 1];
            }
            i = j + 1;
        } else {
            items[ni].kind = 0;
            items[ni++].c = c;
        }
    }
    /* wildcard matching with one backtracking point per star */
    size_t pi = 0, si = 0, star = SIZE_MAX, mark = 0;
    while (si < ns) {
        if (pi < ni && items[pi].kind != 2 && item_match(&items[pi], s[si])) {
            pi++;
            si++;
        } else if (pi < ni && items[pi].kind == 2) {
            star = pi++;
            mark = si;
        } else if (star != SIZE_MAX) {
            pi = star + 1;
            si = ++mark;
        } else {
            result = 0;
            goto out;
        }
    }
    while (pi < ni && items[pi].kind == 2)
        pi++;
    result = pi == ni;
out:
    if (items)
        for (size_t i = 0; i < np + 1; i++)
            if (items[i].kind == 3) {
                free(items[i].lo);
                free(items[i].hi);
            }
    free(items);
    free(ranges);
    free(p);
    free(s);
    return result;
}

int cy_override_fnmatch(const char *pattern, const char *name) {
    return ov_fnmatch(pattern, name) == 1;
}

/* ---------------------------------------------------------------------------------------------
 * Glob.filter
 */

static int pattern_error(cy_override_error *err, const cy_override_value *pat) {
    char msg[160];
    snprintf(msg, sizeof msg, "expected str, bytes or os.PathLike object, not %s",
             ov_py_type_name(pat));
    return ov_set_error_raw(err, CY_ERROR, "TypeError", msg);
}

/* 1 when name matches a pattern of the list, 0 when none, <0 on error. */
static int match_any(const char *name, cy_override_value *const *pats, size_t n,
                     cy_override_error *err) {
    for (size_t i = 0; i < n; i++) {
        if (pats[i]->kind != CY_OV_STRING)
            return pattern_error(err, pats[i]);
        int m = ov_fnmatch(pats[i]->u.str.text, name);
        if (m < 0)
            return ov_set_error_raw(err, CY_ENOMEM, "MemoryError", "out of memory");
        if (m)
            return 1;
    }
    return 0;
}

int cy_override_glob_filter(const char ***out, size_t *n, const cy_override_value *glob,
                            const char *const *names, size_t n_names, cy_override_error *err) {
    *out = NULL;
    *n = 0;
    if (!glob || glob->kind != CY_OV_GLOB)
        return ov_set_error_raw(err, CY_ERROR, "TypeError", "not a glob() value");
    const char **r = malloc((n_names ? n_names : 1) * sizeof *r);
    if (!r)
        return ov_set_error_raw(err, CY_ENOMEM, "MemoryError", "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < n_names; i++) {
        int inc = match_any(names[i], glob->u.glob.include, glob->u.glob.ninclude, err);
        if (inc < 0) {
            free(r);
            return inc;
        }
        if (!inc)
            continue;
        int exc = match_any(names[i], glob->u.glob.exclude, glob->u.glob.nexclude, err);
        if (exc < 0) {
            free(r);
            return exc;
        }
        if (!exc)
            r[k++] = names[i];
    }
    *out = r;
    *n = k;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Iteration
 */

enum { IT_LIST, IT_INT_RANGE, IT_FLOAT_RANGE };

struct cy_override_sweep {
    int kind;
    int is_glob;
    ov_arena *a;
    /* IT_LIST */
    cy_override_value **items;
    size_t n, pos;
    /* IT_INT_RANGE */
    int64_t cur, stop, step;
    int done;
    /* IT_FLOAT_RANGE */
    ov_dec dcur, dstop, dstep;
    /* shuffled range: materialise at the first call */
    int shuffle_pending;
    ov_rng rng;
    size_t max_items;
    cy_override_value scratch;
};

static uint64_t clock_seed(const void *salt) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((uint64_t)ts.tv_sec * 1000000007ull) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)salt;
}

static int nomem(cy_override_error *err) {
    return ov_set_error_raw(err, CY_ENOMEM, "MemoryError", "out of memory");
}

static int int_of(const cy_override_value *v) {
    return v->kind == CY_OV_INT || v->kind == CY_OV_BOOL;
}
static int64_t ival(const cy_override_value *v) {
    return v->kind == CY_OV_BOOL ? (v->u.boolean != 0) : v->u.integer;
}

static int dec_of(ov_dec *d, const cy_override_value *v) {
    if (v->kind == CY_OV_FLOAT)
        return ov_dec_from_double(d, v->u.flt.value);
    return ov_dec_from_int(d, ival(v));
}

static const char *vt_repr(cy_override_value_type t) {
    switch (t) {
    case CY_OV_VT_NONE:
        return "None";
    case CY_OV_VT_ELEMENT:
        return "ValueType.ELEMENT";
    case CY_OV_VT_CHOICE_SWEEP:
        return "ValueType.CHOICE_SWEEP";
    case CY_OV_VT_GLOB_CHOICE_SWEEP:
        return "ValueType.GLOB_CHOICE_SWEEP";
    case CY_OV_VT_SIMPLE_CHOICE_SWEEP:
        return "ValueType.SIMPLE_CHOICE_SWEEP";
    case CY_OV_VT_RANGE_SWEEP:
        return "ValueType.RANGE_SWEEP";
    case CY_OV_VT_INTERVAL_SWEEP:
        return "ValueType.INTERVAL_SWEEP";
    }
    return "None";
}

static int raw_next(cy_override_sweep *it, const cy_override_value **item, cy_override_error *err);

/* list(range) + shuffle */
static int materialise(cy_override_sweep *it, cy_override_error *err) {
    size_t cap = 16, n = 0;
    cy_override_value **items = ov_alloc(it->a, cap * sizeof *items);
    if (!items)
        return nomem(err);
    for (;;) {
        const cy_override_value *v;
        int rc = raw_next(it, &v, err);
        if (rc < 0)
            return rc;
        if (rc == 0)
            break;
        if (n == it->max_items)
            return ov_set_error_raw(err, CY_ELIMIT, "ValueError",
                                    "sweep has too many items to expand");
        if (n == cap) {
            cy_override_value **ni = ov_alloc(it->a, 2 * cap * sizeof *ni);
            if (!ni)
                return nomem(err);
            memcpy(ni, items, n * sizeof *ni);
            items = ni;
            cap *= 2;
        }
        if (!(items[n] = ov_shallow_copy(it->a, v)))
            return nomem(err);
        n++;
    }
    ov_shuffle(&it->rng, items, n);
    it->kind = IT_LIST;
    it->items = items;
    it->n = n;
    it->pos = 0;
    return 0;
}

int cy_override_sweep_begin(cy_override_sweep **out, const cy_override *ov,
                            const cy_override_sweep_options *opts, cy_override_error *err) {
    *out = NULL;
    cy_override_sweep_options o = CY_OVERRIDE_SWEEP_OPTIONS_INIT;
    if (opts)
        o = *opts;
    cy_override_value_type vt = ov->value_type;
    if (vt != CY_OV_VT_CHOICE_SWEEP && vt != CY_OV_VT_SIMPLE_CHOICE_SWEEP &&
        vt != CY_OV_VT_GLOB_CHOICE_SWEEP && vt != CY_OV_VT_RANGE_SWEEP) {
        char msg[128];
        snprintf(msg, sizeof msg, "Can only enumerate CHOICE and RANGE sweeps, type is %s",
                 vt_repr(vt));
        return ov_set_error_raw(err, CY_ERROR, "HydraException", msg);
    }
    cy_override_sweep *it = calloc(1, sizeof *it);
    if (!it || !(it->a = ov_arena_new())) {
        free(it);
        return nomem(err);
    }
    it->max_items = o.max_items ? o.max_items : 1000000;
    ov_rng_seed(&it->rng, o.seed ? o.seed : clock_seed(it));
    const cy_override_value *v = ov->value;
    int rc = 0;
    if (v->kind == CY_OV_CHOICE) {
        it->kind = IT_LIST;
        it->n = v->u.choice.count;
        it->items = ov_alloc(it->a, (it->n ? it->n : 1) * sizeof *it->items);
        if (!it->items) {
            rc = nomem(err);
        } else {
            if (it->n)
                memcpy(it->items, v->u.choice.items, it->n * sizeof *it->items);
            if (v->u.choice.shuffle)
                ov_shuffle(&it->rng, it->items, it->n);
        }
    } else if (v->kind == CY_OV_GLOB) {
        const char **names;
        size_t n;
        it->is_glob = 1;
        it->kind = IT_LIST;
        rc = cy_override_glob_filter(&names, &n, v, o.group_options, o.n_group_options, err);
        if (rc == 0) {
            it->items = ov_alloc(it->a, (n ? n : 1) * sizeof *it->items);
            for (size_t i = 0; it->items && i < n; i++)
                if (!(it->items[i] = ov_new_str(it->a, names[i], strlen(names[i]))))
                    it->items = NULL;
            free(names);
            if (!it->items)
                rc = nomem(err);
            it->n = n;
        }
    } else { /* RANGE */
        const cy_override_value *start = v->u.range.start, *stop = v->u.range.stop,
                                *step = v->u.range.step;
        if (int_of(start) && int_of(stop) && int_of(step)) {
            it->kind = IT_INT_RANGE;
            it->cur = ival(start);
            it->stop = ival(stop);
            it->step = ival(step);
            if (it->step == 0)
                rc =
                    ov_set_error_raw(err, CY_ERROR, "ValueError", "range() arg 3 must not be zero");
        } else {
            it->kind = IT_FLOAT_RANGE;
            if (dec_of(&it->dcur, start) < 0 || dec_of(&it->dstop, stop) < 0 ||
                dec_of(&it->dstep, step) < 0)
                rc = nomem(err);
        }
        if (rc == 0 && v->u.range.shuffle)
            rc = materialise(it, err);
    }
    if (rc < 0) {
        cy_override_sweep_end(it);
        return rc;
    }
    *out = it;
    return 0;
}

static int invalid_operation(cy_override_error *err) {
    return ov_set_error_raw(err, CY_ERROR, "InvalidOperation",
                            "[<class 'decimal.InvalidOperation'>]");
}

static int raw_next(cy_override_sweep *it, const cy_override_value **item, cy_override_error *err) {
    switch (it->kind) {
    case IT_LIST:
        if (it->pos >= it->n)
            return 0;
        *item = it->items[it->pos++];
        return 1;
    case IT_INT_RANGE: {
        if (it->done || (it->step > 0 ? it->cur >= it->stop : it->cur <= it->stop))
            return 0;
        it->scratch.kind = CY_OV_INT;
        it->scratch.u.integer = it->cur;
        if (__builtin_add_overflow(it->cur, it->step, &it->cur))
            it->done = 1; /* the next value is beyond any int64 stop */
        *item = &it->scratch;
        return 1;
    }
    default: {
        int s = ov_dec_sign(&it->dstep);
        if (s == -2)
            return invalid_operation(err);
        if (s == 0) {
            cy_sbuf b = {0};
            cy__sb_puts(&b, "Invalid range values (start:");
            ov_dec_str(&b, &it->dcur);
            cy__sb_puts(&b, ", stop:");
            ov_dec_str(&b, &it->dstop);
            cy__sb_puts(&b, ", step:");
            ov_dec_str(&b, &it->dstep);
            cy__sb_puts(&b, ")");
            char *msg = cy__sb_take(&b);
            if (!msg)
                return nomem(err);
            int rc = ov_set_error_raw(err, CY_ERROR, "HydraException", msg);
            free(msg);
            return rc;
        }
        int c = ov_dec_cmp(&it->dcur, &it->dstop);
        if (c == -2)
            return invalid_operation(err);
        if (s > 0 ? c >= 0 : c <= 0)
            return 0;
        it->scratch.kind = CY_OV_FLOAT;
        it->scratch.u.flt.value = ov_dec_to_double(&it->dcur);
        it->scratch.u.flt.text = NULL;
        int rc = ov_dec_add(&it->dcur, &it->dcur, &it->dstep);
        if (rc == -2)
            return invalid_operation(err);
        if (rc < 0)
            return nomem(err);
        *item = &it->scratch;
        return 1;
    }
    }
}

int cy_override_sweep_next(cy_override_sweep *it, const cy_override_value **item,
                           cy_override_error *err) {
    *item = NULL;
    return raw_next(it, item, err);
}

void cy_override_sweep_end(cy_override_sweep *it) {
    if (!it)
        return;
    ov_dec_free(&it->dcur);
    ov_dec_free(&it->dstop);
    ov_dec_free(&it->dstep);
    ov_arena_free(it->a);
    free(it);
}

void cy_override_strings_free(char **strings, size_t n) {
    if (!strings)
        return;
    for (size_t i = 0; i < n; i++)
        free(strings[i]);
    free(strings);
}

int cy_override_sweep_strings(char ***out, size_t *n, const cy_override *ov,
                              const cy_override_sweep_options *opts, cy_override_error *err) {
    *out = NULL;
    *n = 0;
    cy_override_sweep *it;
    int rc = cy_override_sweep_begin(&it, ov, opts, err);
    if (rc < 0)
        return rc;
    size_t max = opts && opts->max_items ? opts->max_items : 1000000;
    size_t cap = 8, k = 0;
    char **r = malloc(cap * sizeof *r);
    if (!r) {
        cy_override_sweep_end(it);
        return nomem(err);
    }
    for (;;) {
        const cy_override_value *v;
        rc = cy_override_sweep_next(it, &v, err);
        if (rc <= 0)
            break;
        if (k == max) {
            rc = ov_set_error_raw(err, CY_ELIMIT, "ValueError",
                                  "sweep has too many items to expand");
            break;
        }
        if (k == cap) {
            char **nr = realloc(r, 2 * cap * sizeof *nr);
            if (!nr) {
                rc = nomem(err);
                break;
            }
            r = nr;
            cap *= 2;
        }
        if (it->is_glob) /* Hydra returns glob names as they are */
            r[k] = strdup(v->u.str.text);
        else if ((rc = cy_override_element_string(&r[k], v, 0, err)) < 0)
            break;
        if (!r[k]) {
            rc = nomem(err);
            break;
        }
        k++;
    }
    cy_override_sweep_end(it);
    if (rc < 0) {
        cy_override_strings_free(r, k);
        return rc;
    }
    *out = r;
    *n = k;
    return 0;
}

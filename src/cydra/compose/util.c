/*
 * util.c - string buffers, pointer arrays, Python-style sorting and repr, and the "did you mean"
 * suggestion used by composition errors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose_internal.h"

/* ---------------------------------------------------------------------------------------------
 * sbuf
 */

static bool sb_grow(sbuf *b, size_t extra) {
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = true;
        return false;
    }
    b->s = s;
    b->cap = cap;
    return true;
}

void cyc_sb_putn(sbuf *b, const char *s, size_t n) {
    if (!sb_grow(b, n))
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void cyc_sb_puts(sbuf *b, const char *s) {
    cyc_sb_putn(b, s, strlen(s));
}

void cyc_sb_printf(sbuf *b, const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0 && sb_grow(b, (size_t)n)) {
        vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

void cyc_sb_pad(sbuf *b, const char *s, size_t width) {
    size_t n = strlen(s);
    cyc_sb_putn(b, s, n);
    for (; n < width; n++)
        cyc_sb_putn(b, " ", 1);
}

char *cyc_sb_take(sbuf *b) {
    if (b->oom) {
        cyc_sb_free(b);
        return NULL;
    }
    char *s = b->s;
    if (!s) {
        s = malloc(1);
        if (s)
            s[0] = '\0';
    }
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void cyc_sb_free(sbuf *b) {
    free(b->s);
    memset(b, 0, sizeof *b);
}

/* ---------------------------------------------------------------------------------------------
 * parr
 */

void cyc_parr_push(cy_arena *a, parr *p, void *x) {
    if (p->len == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        void **v = cy_arena_alloc(a, cap * sizeof *v);
        if (p->len)
            memcpy(v, p->v, p->len * sizeof *v);
        p->v = v;
        p->cap = cap;
    }
    p->v[p->len++] = x;
}

const char *cyc_cat(cy_arena *arena, const char *a, const char *sep, const char *b) {
    size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
    char *r = cy_arena_alloc(arena, la + ls + lb + 1);
    memcpy(r, a, la);
    memcpy(r + la, sep, ls);
    memcpy(r + la + ls, b, lb + 1);
    return r;
}

/* ---------------------------------------------------------------------------------------------
 * Python-isms
 */

const char *cyc_py_repr_str(cy_arena *a, const char *s) {
    /* repr() picks single quotes unless the text has a ' and no " */
    char q = (strchr(s, '\'') && !strchr(s, '"')) ? '"' : '\'';
    sbuf b = {0};
    cyc_sb_putn(&b, &q, 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '\\':
            cyc_sb_puts(&b, "\\\\");
            break;
        case '\n':
            cyc_sb_puts(&b, "\\n");
            break;
        case '\r':
            cyc_sb_puts(&b, "\\r");
            break;
        case '\t':
            cyc_sb_puts(&b, "\\t");
            break;
        default:
            if (*p == (unsigned char)q)
                cyc_sb_printf(&b, "\\%c", q);
            else if (*p < 0x20 || *p == 0x7f)
                cyc_sb_printf(&b, "\\x%02x", *p);
            else
                cyc_sb_putn(&b, (const char *)p, 1);
        }
    }
    cyc_sb_putn(&b, &q, 1);
    const char *r = cy_arena_strdup(a, b.s ? b.s : "''");
    cyc_sb_free(&b);
    return r;
}

static int cmp_str(const void *x, const void *y) {
    /* strcmp orders UTF-8 by code point, as Python orders str */
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

size_t cyc_sort_unique(const char **v, size_t n) {
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, cmp_str);
    size_t w = 1;
    for (size_t i = 1; i < n; i++)
        if (strcmp(v[i], v[w - 1]) != 0)
            v[w++] = v[i];
    return w;
}

char *cyc_xstrdup_or_null(const char *s) {
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* ---------------------------------------------------------------------------------------------
 * Suggestions
 */

void cyc_error_add_hint(const char *suggestion) {
    const cy_error *e = cy_error_last();
    if (!suggestion || e->code == 0)
        return;
    /* The hint goes after everything Hydra prints, key facts included, so the key lines are
     * folded into the message and the context lines put back above it. */
    int code = e->code;
    const char *exc = e->exc;
    char *context = cyc_xstrdup_or_null(e->context);
    cy_error copy = *e;
    copy.context = NULL;
    char *body = cy_error_text(&copy);
    if (!body) {
        free(context);
        return;
    }
    cy_error_set(code, exc, "%s\nDid you mean '%s'?", body, suggestion);
    if (context)
        cy_error_wrap("%s", context);
    free(body);
    free(context);
}

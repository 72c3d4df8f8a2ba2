/*
 * arena.c - memory for parsed overrides, and error filling.
 *
 * An override owns one arena: every value, string and intermediate result of function
 * evaluation comes from it, so error paths never leak and cy_override_free is one call.
 */
#include <stdlib.h>
#include <string.h>

#include "cydra/error.h"
#include "internal.h"

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    _Alignas(max_align_t) unsigned char data[];
} chunk;

struct ov_arena {
    chunk *head;
};

ov_arena *ov_arena_new(void) {
    return calloc(1, sizeof(ov_arena));
}

void ov_arena_free(ov_arena *a) {
    if (!a)
        return;
    chunk *c = a->head;
    while (c) {
        chunk *n = c->next;
        free(c);
        c = n;
    }
    free(a);
}

void *ov_alloc(ov_arena *a, size_t n) {
    const size_t align = _Alignof(max_align_t);
    if (n > SIZE_MAX / 2)
        return NULL;
    n = (n + align - 1) & ~(align - 1);
    if (n == 0)
        n = align;
    chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 4096 ? n : 4096;
        if (c && c->cap * 2 > cap && c->cap < (1u << 20))
            cap = c->cap * 2;
        c = malloc(sizeof(chunk) + cap);
        if (!c)
            return NULL;
        c->used = 0;
        c->cap = cap;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *ov_strndup(ov_arena *a, const char *s, size_t n) {
    char *r = ov_alloc(a, n + 1);
    if (r) {
        if (n)
            memcpy(r, s, n);
        r[n] = '\0';
    }
    return r;
}

char *ov_strdup(ov_arena *a, const char *s) {
    return ov_strndup(a, s, strlen(s));
}

/* Code points before byte_offset; an invalid byte counts as one (Python's surrogateescape). */
size_t ov_utf8_column(const char *s, size_t byte_offset) {
    size_t col = 0;
    for (size_t i = 0; i < byte_offset; col++) {
        unsigned char c = (unsigned char)s[i];
        size_t n = 1;
        if (c >= 0xC2 && c <= 0xDF)
            n = 2;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 3;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 4;
        for (size_t k = 1; k < n; k++) {
            if (i + k >= byte_offset || ((unsigned char)s[i + k] & 0xC0) != 0x80) {
                n = 1;
                break;
            }
        }
        i += n;
    }
    return col;
}

static void clear_strings(cy_override_error *err) {
    free(err->detail);
    free(err->message);
    err->detail = err->message = NULL;
}

void cy_override_error_clear(cy_override_error *err) {
    if (!err)
        return;
    clear_strings(err);
    err->code = 0;
    err->exc = NULL;
    err->offset = err->column = 0;
}

int ov_set_error(cy_override_error *err, int code, const char *exc, const char *text, size_t offset,
                 int with_prefix, const char *detail) {
    if (!err)
        return code;
    clear_strings(err);
    err->code = code;
    err->exc = exc;
    err->offset = offset;
    err->column = text ? ov_utf8_column(text, offset) : 0;
    cy_sbuf b = {0};
    cy__sb_puts(&b, detail);
    err->detail = cy__sb_take(&b);
    if (with_prefix)
        cy__sb_printf(&b, "Error parsing override '%s'\n", text);
    cy__sb_puts(&b, detail);
    cy__sb_puts(&b, "\n" OV_GRAMMAR_URL);
    err->message = cy__sb_take(&b);
    if (!err->detail || !err->message) {
        clear_strings(err);
        err->code = CY_ENOMEM;
        return CY_ENOMEM;
    }
    return code;
}

int ov_set_error_raw(cy_override_error *err, int code, const char *exc, const char *message) {
    if (!err)
        return code;
    clear_strings(err);
    err->code = code;
    err->exc = exc;
    err->offset = err->column = 0;
    size_t n = strlen(message);
    err->detail = malloc(n + 1);
    err->message = malloc(n + 1);
    if (!err->detail || !err->message) {
        clear_strings(err);
        err->code = CY_ENOMEM;
        return CY_ENOMEM;
    }
    memcpy(err->detail, message, n + 1);
    memcpy(err->message, message, n + 1);
    return code;
}

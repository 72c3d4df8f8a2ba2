/*
 * sbuf.c - the growable string buffer of sbuf.h.
 *
 * The capacity starts at 64 bytes and doubles, so n appends cost O(total length). Running out of
 * memory is sticky (oom) rather than reported per append: builders of messages and texts append
 * dozens of pieces and check once.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

/* Room for extra more bytes and the NUL; false (and oom) when there is none to be had. */
static bool grow(cy_sbuf *b, size_t extra) {
    if (b->oom)
        return false;
    if (extra < b->cap - b->len) /* cap > len whenever s is allocated */
        return true;
    if (extra > SIZE_MAX / 2 - b->len) {
        b->oom = true;
        return false;
    }
    size_t need = b->len + extra + 1, cap = b->cap ? b->cap : 64;
    while (cap < need)
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

void cy__sb_putn(cy_sbuf *b, const char *s, size_t n) {
    if (!grow(b, n))
        return;
    if (n)
        memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void cy__sb_puts(cy_sbuf *b, const char *s) {
    cy__sb_putn(b, s, strlen(s));
}

void cy__sb_putc(cy_sbuf *b, char c) {
    cy__sb_putn(b, &c, 1);
}

void cy__sb_printf(cy_sbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    cy__sb_vprintf(b, fmt, ap);
    va_end(ap);
}

void cy__sb_vprintf(cy_sbuf *b, const char *fmt, va_list ap) {
    if (!grow(b, 0))
        return;
    /* straight into the free tail; a second pass only when it did not fit */
    size_t room = b->cap - b->len;
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(b->s + b->len, room, fmt, ap);
    if (n >= 0 && (size_t)n >= room) {
        if (grow(b, (size_t)n))
            vsnprintf(b->s + b->len, (size_t)n + 1, fmt, again);
        else
            n = -1;
    }
    va_end(again);
    if (n < 0) { /* out of memory, or an encoding error: nothing is appended */
        b->s[b->len] = '\0';
        return;
    }
    b->len += (size_t)n;
}

void cy__sb_pad(cy_sbuf *b, const char *s, size_t width) {
    size_t cols = 0;
    for (const char *p = s; *p; p++)
        if (((unsigned char)*p & 0xC0) != 0x80)
            cols++;
    cy__sb_puts(b, s);
    if (cols >= width || !grow(b, width - cols))
        return;
    memset(b->s + b->len, ' ', width - cols);
    b->len += width - cols;
    b->s[b->len] = '\0';
}

char *cy__sb_take(cy_sbuf *b) {
    if (!b->s && grow(b, 0))
        b->s[0] = '\0';
    char *s = b->oom ? NULL : b->s;
    if (!s)
        free(b->s);
    *b = (cy_sbuf){0};
    return s;
}

char *cy__sb_take_or_abort(cy_sbuf *b) {
    char *s = cy__sb_take(b);
    if (!s)
        abort();
    return s;
}

const char *cy__sb_finish_arena(cy_sbuf *b, cy_arena *a) {
    const char *r = b->oom ? NULL : cy_arena_strndup(a, b->s ? b->s : "", b->len);
    cy__sb_free(b);
    return r;
}

void cy__sb_free(cy_sbuf *b) {
    free(b->s);
    *b = (cy_sbuf){0};
}

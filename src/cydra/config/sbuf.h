/*
 * sbuf.h - the growable string buffer libcydra's modules share (internal, not public API).
 *
 *     cy_sbuf b = {0};                      // zero-initialised is empty
 *     cy__sb_puts(&b, "lr=");
 *     cy__sb_printf(&b, "%g", 0.01);
 *     char *text = cy__sb_take(&b);         // "lr=0.01", malloc'd; NULL when out of memory
 *
 * After any append, s holds the NUL-terminated text of len bytes (s stays NULL until then).
 * When an allocation fails, oom is set and every later append is ignored, so a caller checks
 * once at the end: cy__sb_take and cy__sb_finish_arena then return NULL instead of truncated
 * text. Callers that read s directly check oom first.
 *
 * Other modules include it as "cydra/config/sbuf.h" (src/ is on their private include path).
 */
#ifndef CYDRA_SBUF_H
#define CYDRA_SBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "cydra/node.h"

typedef struct cy_sbuf {
    char *s;
    size_t len, cap;
    bool oom;
} cy_sbuf;

void cy__sb_putn(cy_sbuf *b, const char *s, size_t n);
void cy__sb_puts(cy_sbuf *b, const char *s);
void cy__sb_putc(cy_sbuf *b, char c);
void cy__sb_printf(cy_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cy__sb_vprintf(cy_sbuf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* s, then spaces up to width code points: Python's s.ljust(width) for UTF-8 text. */
void cy__sb_pad(cy_sbuf *b, const char *s, size_t width);

/* Hands the text over to the caller (malloc'd; "" when nothing was appended) and resets the
 * buffer. NULL when out of memory (the buffer is freed). */
char *cy__sb_take(cy_sbuf *b);
/* cy__sb_take for callers with no error path (help and usage text, log lines, job scripts):
 * out of memory aborts, as the arena does, rather than printing truncated text. */
char *cy__sb_take_or_abort(cy_sbuf *b);
/* The text copied into arena a; the buffer is freed. NULL when out of memory. */
const char *cy__sb_finish_arena(cy_sbuf *b, cy_arena *a);
/* Frees the text and resets the buffer to empty. */
void cy__sb_free(cy_sbuf *b);

#endif

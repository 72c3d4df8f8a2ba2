/*
 * arena.c - the bump allocator every config tree lives in.
 *
 * A tree is built from many small nodes and strings that all die together, so they are carved
 * from a chain of chunks and freed in one call (cy_arena_free). Chunks double in size up to
 * 1 MiB; an allocation larger than half a chunk gets a chunk of its own so that it does not waste
 * the tail of the current one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cydra/node.h"

/* enough for any scalar type and for max_align_t on the platforms we build on */
#define ALIGN       16u
#define FIRST_CHUNK 4096u
#define MAX_CHUNK   (1u << 20)

typedef struct chunk {
    struct chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    /* data follows, aligned */
} chunk;

struct cy_arena {
    chunk *head;      /* the chunk being filled; older chunks follow */
    size_t next_size; /* size of the next regular chunk */
    size_t allocated; /* bytes handed out (rounded to ALIGN) */
};

#define HDR ((sizeof(chunk) + ALIGN - 1) & ~(size_t)(ALIGN - 1))

static _Noreturn void out_of_memory(size_t n) {
    /* A config tree is small; failing to allocate one is not something a caller can recover
     * from meaningfully, and threading ENOMEM through every builder would obscure the API. */
    fprintf(stderr, "cydra: out of memory allocating %zu bytes for a config tree\n", n);
    abort();
}

static chunk *new_chunk(size_t size) {
    chunk *c = malloc(HDR + size);
    if (!c)
        out_of_memory(size);
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

cy_arena *cy_arena_new(void) {
    cy_arena *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->next_size = FIRST_CHUNK;
    return a;
}

void cy_arena_free(cy_arena *a) {
    if (!a)
        return;
    chunk *c = a->head;
    while (c) {
        chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

void *cy_arena_alloc(cy_arena *a, size_t n) {
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / 2)
        out_of_memory(n);
    size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    chunk *c = a->head;
    if (!c || c->size - c->used < need) {
        if (need > a->next_size / 2) {
            /* A big block: its own chunk, linked behind the current one so the current
             * chunk's free tail stays usable. */
            chunk *big = new_chunk(need);
            big->used = need;
            if (c) {
                big->next = c->next;
                c->next = big;
            } else {
                a->head = big;
            }
            a->allocated += need;
            void *p = (char *)big + HDR;
            memset(p, 0, need);
            return p;
        }
        c = new_chunk(a->next_size);
        c->next = a->head;
        a->head = c;
        if (a->next_size < MAX_CHUNK)
            a->next_size *= 2;
    }
    void *p = (char *)c + HDR + c->used;
    c->used += need;
    a->allocated += need;
    memset(p, 0, need);
    return p;
}

char *cy_arena_strndup(cy_arena *a, const char *s, size_t n) {
    char *d = cy_arena_alloc(a, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *cy_arena_strdup(cy_arena *a, const char *s) {
    return cy_arena_strndup(a, s, strlen(s));
}

char *cy_arena_printf(cy_arena *a, const char *fmt, ...) {
    va_list ap;
    char small[256];
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return cy_arena_strdup(a, "");
    char *d = cy_arena_alloc(a, (size_t)n + 1);
    if ((size_t)n < sizeof small) {
        memcpy(d, small, (size_t)n + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(d, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    return d;
}

size_t cy_arena_used(const cy_arena *a) {
    return a->allocated;
}

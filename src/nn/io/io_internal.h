/* Internals shared by the checkpoint writers and readers; not part of the public API. */
#ifndef NN_IO_INTERNAL_H
#define NN_IO_INTERNAL_H

#include "nn/checkpoint.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "checkpoint files are little-endian; this code writes host floats as they are"
#endif

/* A file written under a temporary name and renamed into place by atomic_commit. Writes after
 * the first failure are skipped; the failure is reported at commit. */
typedef struct atomic_file {
    char path[4096]; /* the final name */
    char tmp[4200];  /* the temporary name beside it */
    FILE *f;
    uint64_t off; /* bytes written so far */
    int err;      /* errno of the first failed write, 0 if none */
} atomic_file;

int atomic_open(atomic_file *a, const char *path);
void atomic_write(atomic_file *a, const void *data, size_t n);
/* Flushes, fsyncs, closes and renames; on any failure removes the temporary file. */
int atomic_commit(atomic_file *a);
void atomic_abort(atomic_file *a);

/* A growable byte buffer; err is set when an allocation failed (then appends are dropped). */
typedef struct bytebuf {
    uint8_t *p;
    size_t len, cap;
    int err;
} bytebuf;

void bb_put(bytebuf *b, const void *data, size_t n);
void bb_u8(bytebuf *b, uint8_t v);
void bb_u16(bytebuf *b, uint16_t v); /* little-endian */
void bb_u32(bytebuf *b, uint32_t v);
void bb_u64(bytebuf *b, uint64_t v);
void bb_str(bytebuf *b, const char *s);
void bb_free(bytebuf *b);

/* Little-endian reads from a buffer the caller has bounds-checked. */
static inline uint16_t rd_u16(const uint8_t *p) {
    return (uint16_t)(p[0] | p[1] << 8);
}
static inline uint32_t rd_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t rd_u64(const uint8_t *p) {
    return (uint64_t)rd_u32(p) | (uint64_t)rd_u32(p + 4) << 32;
}

/* Appends a tensor to ck (name copied, data malloc'd for numel floats and returned through
 * *data). Status NN_OK or NN_ENOMEM. */
int ck_add(nn_checkpoint *ck, const char *name, size_t name_len, int ndim, const int64_t *shape,
           float **data);

/* The format writers and readers. path is only used in messages. */
int torch_write(atomic_file *a, const char *archive_name, const nn_param *params, size_t n);
int torch_read(nn_checkpoint *ck, const uint8_t *buf, size_t len, const char *path);
int safetensors_write(atomic_file *a, const nn_param *params, size_t n);
int safetensors_read(nn_checkpoint *ck, const uint8_t *buf, size_t len, const char *path);

#endif

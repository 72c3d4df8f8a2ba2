/* PyTorch's checkpoint format (torch.save since 1.6): a zip archive of stored entries holding a
 * protocol-2 pickle (data.pkl) and raw storages (data/<key>). The writer reproduces torch 1.13's
 * bytes exactly for a state_dict of float32 tensors (same pickle opcodes and memo numbering, same
 * zip records and 64-byte alignment), so files can be compared byte for byte; the reader runs a
 * small pickle machine that understands what torch writes for state_dicts and nothing else. */
#include "io_internal.h"

#include "nn/error.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ---- the pickle writer ------------------------------------------------------------------- */

/* Pickle opcodes used here (Python's Lib/pickle.py names). */
enum {
    OP_MARK = '(',
    OP_STOP = '.',
    OP_BININT = 'J',
    OP_BININT1 = 'K',
    OP_BININT2 = 'M',
    OP_NONE = 'N',
    OP_BINPERSID = 'Q',
    OP_REDUCE = 'R',
    OP_BINUNICODE = 'X',
    OP_APPEND = 'a',
    OP_BUILD = 'b',
    OP_GLOBAL = 'c',
    OP_APPENDS = 'e',
    OP_BINGET = 'h',
    OP_LONG_BINGET = 'j',
    OP_EMPTY_LIST = ']',
    OP_BINPUT = 'q',
    OP_LONG_BINPUT = 'r',
    OP_SETITEM = 's',
    OP_TUPLE = 't',
    OP_SETITEMS = 'u',
    OP_EMPTY_DICT = '}',
    OP_EMPTY_TUPLE = ')',
    OP_PROTO = 0x80,
    OP_TUPLE1 = 0x85,
    OP_TUPLE2 = 0x86,
    OP_TUPLE3 = 0x87,
    OP_NEWTRUE = 0x88,
    OP_NEWFALSE = 0x89,
    OP_LONG1 = 0x8a,
    OP_SHORT_BINUNICODE = 0x8c,
    OP_MEMOIZE = 0x94,
    OP_FRAME = 0x95,
};

typedef struct pickler {
    bytebuf b;
    uint32_t memo; /* next memo index, as Python's pickler numbers them */
} pickler;

static void p_memoize(pickler *p) {
    if (p->memo < 256) {
        bb_u8(&p->b, OP_BINPUT);
        bb_u8(&p->b, (uint8_t)p->memo);
    } else {
        bb_u8(&p->b, OP_LONG_BINPUT);
        bb_u32(&p->b, p->memo);
    }
    p->memo++;
}

static void p_get(pickler *p, uint32_t idx) {
    if (idx < 256) {
        bb_u8(&p->b, OP_BINGET);
        bb_u8(&p->b, (uint8_t)idx);
    } else {
        bb_u8(&p->b, OP_LONG_BINGET);
        bb_u32(&p->b, idx);
    }
}

/* Non-negative integers, encoded as Python's save_long picks for protocol 2. */
static void p_int(pickler *p, uint64_t v) {
    if (v <= 0xff) {
        bb_u8(&p->b, OP_BININT1);
        bb_u8(&p->b, (uint8_t)v);
    } else if (v <= 0xffff) {
        bb_u8(&p->b, OP_BININT2);
        bb_u16(&p->b, (uint16_t)v);
    } else if (v <= 0x7fffffff) {
        bb_u8(&p->b, OP_BININT);
        bb_u32(&p->b, (uint32_t)v);
    } else {
        /* LONG1: little-endian two's complement, bit_length/8 + 1 bytes */
        int bits = 64 - __builtin_clzll(v);
        int n = bits / 8 + 1;
        bb_u8(&p->b, OP_LONG1);
        bb_u8(&p->b, (uint8_t)n);
        for (int i = 0; i < n; i++)
            bb_u8(&p->b, i < 8 ? (uint8_t)(v >> (8 * i)) : 0);
    }
}

/* Returns the memo index the string got. */
static uint32_t p_str(pickler *p, const char *s) {
    size_t n = strlen(s);
    bb_u8(&p->b, OP_BINUNICODE);
    bb_u32(&p->b, (uint32_t)n);
    bb_put(&p->b, s, n);
    uint32_t id = p->memo;
    p_memoize(p);
    return id;
}

static uint32_t p_global(pickler *p, const char *module, const char *name) {
    bb_u8(&p->b, OP_GLOBAL);
    bb_str(&p->b, module);
    bb_u8(&p->b, '\n');
    bb_str(&p->b, name);
    bb_u8(&p->b, '\n');
    uint32_t id = p->memo;
    p_memoize(p);
    return id;
}

/* A tuple of ints the way Python pickles it: () is unmemoized, 1..3 items use TUPLEn. */
static void p_int_tuple(pickler *p, int n, const uint64_t *v) {
    if (n == 0) {
        bb_u8(&p->b, OP_EMPTY_TUPLE);
        return;
    }
    if (n > 3)
        bb_u8(&p->b, OP_MARK);
    for (int i = 0; i < n; i++)
        p_int(p, v[i]);
    bb_u8(&p->b, n > 3 ? OP_TUPLE : (uint8_t)(OP_TUPLE1 + n - 1));
    p_memoize(p);
}

/* The pickle torch.save writes for an OrderedDict of float32 tensors named params[i].name,
 * tensor i stored under key str(i). */
static void pickle_state_dict(pickler *p, const nn_param *params, size_t n) {
    enum { UNSET = 0xffffffffu };
    uint32_t id_od, id_rebuild = UNSET, id_storage = UNSET, id_float = UNSET, id_cpu = UNSET;
    bb_u8(&p->b, OP_PROTO);
    bb_u8(&p->b, 2);
    id_od = p_global(p, "collections", "OrderedDict");
    bb_u8(&p->b, OP_EMPTY_TUPLE);
    bb_u8(&p->b, OP_REDUCE);
    p_memoize(p);
    /* Items go in batches of 1000 (pickle's _BATCHSIZE): MARK..SETITEMS, or SETITEM for one. */
    for (size_t start = 0; start < n; start += 1000) {
        size_t count = n - start < 1000 ? n - start : 1000;
        if (count > 1)
            bb_u8(&p->b, OP_MARK);
        for (size_t i = start; i < start + count; i++) {
            const nn_tensor *t = &params[i].value;
            p_str(p, params[i].name);
            if (id_rebuild == UNSET)
                id_rebuild = p_global(p, "torch._utils", "_rebuild_tensor_v2");
            else
                p_get(p, id_rebuild);
            bb_u8(&p->b, OP_MARK); /* the 6 arguments of _rebuild_tensor_v2 */
            /* persistent id ('storage', torch.FloatStorage, key, 'cpu', numel) */
            bb_u8(&p->b, OP_MARK);
            if (id_storage == UNSET)
                id_storage = p_str(p, "storage");
            else
                p_get(p, id_storage);
            if (id_float == UNSET)
                id_float = p_global(p, "torch", "FloatStorage");
            else
                p_get(p, id_float);
            char key[32];
            snprintf(key, sizeof key, "%zu", i);
            p_str(p, key);
            if (id_cpu == UNSET)
                id_cpu = p_str(p, "cpu");
            else
                p_get(p, id_cpu);
            p_int(p, t->numel);
            bb_u8(&p->b, OP_TUPLE);
            p_memoize(p);
            bb_u8(&p->b, OP_BINPERSID);
            p_int(p, 0); /* storage offset */
            uint64_t size[NN_MAX_DIMS], stride[NN_MAX_DIMS];
            uint64_t s = 1;
            /* contiguous strides as torch computes them: empty dimensions count as 1 */
            for (int d = t->ndim - 1; d >= 0; d--) {
                size[d] = (uint64_t)t->shape[d];
                stride[d] = s;
                s *= t->shape[d] > 1 ? (uint64_t)t->shape[d] : 1;
            }
            p_int_tuple(p, t->ndim, size);
            p_int_tuple(p, t->ndim, stride);
            bb_u8(&p->b, OP_NEWFALSE); /* requires_grad */
            p_get(p, id_od);           /* backward_hooks = OrderedDict() */
            bb_u8(&p->b, OP_EMPTY_TUPLE);
            bb_u8(&p->b, OP_REDUCE);
            p_memoize(p);
            bb_u8(&p->b, OP_TUPLE);
            p_memoize(p);
            bb_u8(&p->b, OP_REDUCE);
            p_memoize(p);
        }
        bb_u8(&p->b, count > 1 ? OP_SETITEMS : OP_SETITEM);
    }
    bb_u8(&p->b, OP_STOP);
}

/* ---- the zip writer ---------------------------------------------------------------------- */

#define ZIP_ALIGN 64 /* torch aligns every entry's data to 64 bytes */

typedef struct zip_entry {
    char name[300];
    uint32_t crc;
    uint32_t size;
    uint32_t offset; /* of the local header */
} zip_entry;

/* UTF-8 names (bit 11), and sizes in a data descriptor (bit 3) except for empty entries, which
 * miniz writes complete in the local header. */
static uint16_t zip_flags(uint64_t size) {
    return size ? 0x0808 : 0x0800;
}

static int zip_add(atomic_file *a, zip_entry *e, const char *name, const void *data,
                   uint64_t size) {
    if (a->off > 0xffffffffu - 4096 || size > 0xffffffffu - 4096)
        return nn_error_set(NN_EINVAL, "%s: checkpoint over 4 GiB is not supported", a->path);
    size_t nlen = strlen(name);
    snprintf(e->name, sizeof e->name, "%s", name);
    e->offset = (uint32_t)a->off;
    e->size = (uint32_t)size;
    e->crc = (uint32_t)crc32(0L, Z_NULL, 0);
    for (uint64_t done = 0; done < size;) {
        uInt chunk = size - done > (1u << 30) ? (1u << 30) : (uInt)(size - done);
        e->crc = (uint32_t)crc32(e->crc, (const Bytef *)data + done, chunk);
        done += chunk;
    }
    /* Local header (sizes deferred to the descriptor); an extra field "FB" of 'Z' bytes pads
     * the data start to 64 bytes. */
    uint64_t start = a->off + 30 + nlen + 4;
    size_t pad = (size_t)((ZIP_ALIGN - start % ZIP_ALIGN) % ZIP_ALIGN);
    bytebuf h = {0};
    bb_u32(&h, 0x04034b50);
    bb_u16(&h, 0);               /* version needed */
    bb_u16(&h, zip_flags(size)); /* flags */
    bb_u16(&h, 0);               /* stored */
    bb_u16(&h, 0);               /* time */
    bb_u16(&h, 0);               /* date */
    bb_u32(&h, 0);               /* crc (in the descriptor) */
    bb_u32(&h, 0);
    bb_u32(&h, 0);
    bb_u16(&h, (uint16_t)nlen);
    bb_u16(&h, (uint16_t)(4 + pad));
    bb_put(&h, name, nlen);
    bb_u8(&h, 'F');
    bb_u8(&h, 'B');
    bb_u16(&h, (uint16_t)pad);
    for (size_t i = 0; i < pad; i++)
        bb_u8(&h, 'Z');
    if (h.err) {
        bb_free(&h);
        return nn_error_set(NN_ENOMEM, "%s: out of memory", a->path);
    }
    atomic_write(a, h.p, h.len);
    bb_free(&h);
    atomic_write(a, data, (size_t)size);
    if (size == 0)
        return NN_OK; /* an empty entry has no data descriptor */
    bytebuf d = {0};
    bb_u32(&d, 0x08074b50);
    bb_u32(&d, e->crc);
    bb_u32(&d, e->size);
    bb_u32(&d, e->size);
    atomic_write(a, d.p, d.len);
    bb_free(&d);
    return NN_OK;
}

static int zip_finish(atomic_file *a, const zip_entry *e, size_t n) {
    uint64_t cd_start = a->off;
    bytebuf c = {0};
    for (size_t i = 0; i < n; i++) {
        size_t nlen = strlen(e[i].name);
        bb_u32(&c, 0x02014b50);
        bb_u16(&c, 0); /* made by */
        bb_u16(&c, 0); /* needed */
        bb_u16(&c, zip_flags(e[i].size));
        bb_u16(&c, 0);
        bb_u16(&c, 0);
        bb_u16(&c, 0);
        bb_u32(&c, e[i].crc);
        bb_u32(&c, e[i].size);
        bb_u32(&c, e[i].size);
        bb_u16(&c, (uint16_t)nlen);
        bb_u16(&c, 0); /* extra */
        bb_u16(&c, 0); /* comment */
        bb_u16(&c, 0); /* disk */
        bb_u16(&c, 0); /* internal attributes */
        bb_u32(&c, 0); /* external attributes */
        bb_u32(&c, e[i].offset);
        bb_put(&c, e[i].name, nlen);
    }
    uint64_t cd_size = c.len;
    uint64_t z64_start = cd_start + cd_size;
    /* torch's writer (miniz in zip64 mode) always ends with the zip64 records, then the classic
     * end record. */
    bb_u32(&c, 0x06064b50);
    bb_u64(&c, 44);
    bb_u16(&c, 0x031e);
    bb_u16(&c, 0x002d);
    bb_u32(&c, 0);
    bb_u32(&c, 0);
    bb_u64(&c, n);
    bb_u64(&c, n);
    bb_u64(&c, cd_size);
    bb_u64(&c, cd_start);
    bb_u32(&c, 0x07064b50);
    bb_u32(&c, 0);
    bb_u64(&c, z64_start);
    bb_u32(&c, 1);
    bb_u32(&c, 0x06054b50);
    bb_u16(&c, 0);
    bb_u16(&c, 0);
    bb_u16(&c, (uint16_t)(n > 0xffff ? 0xffff : n));
    bb_u16(&c, (uint16_t)(n > 0xffff ? 0xffff : n));
    bb_u32(&c, (uint32_t)cd_size);
    bb_u32(&c, (uint32_t)cd_start);
    bb_u16(&c, 0);
    int err = c.err;
    if (!err)
        atomic_write(a, c.p, c.len);
    bb_free(&c);
    return err ? nn_error_set(NN_ENOMEM, "%s: out of memory", a->path) : NN_OK;
}

static int cmp_key(const void *x, const void *y) {
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

int torch_write(atomic_file *a, const char *arch, const nn_param *params, size_t n) {
    pickler p = {0};
    pickle_state_dict(&p, params, n);
    zip_entry *entries = calloc(n + 2, sizeof *entries);
    char(*keys)[32] = calloc(n ? n : 1, sizeof *keys);
    const char **sorted = calloc(n ? n : 1, sizeof *sorted);
    int st = NN_OK;
    if (p.b.err || !entries || !keys || !sorted) {
        st = nn_error_set(NN_ENOMEM, "%s: out of memory", a->path);
        goto done;
    }
    char name[400];
    snprintf(name, sizeof name, "%s/data.pkl", arch);
    if ((st = zip_add(a, &entries[0], name, p.b.p, p.b.len)) != NN_OK)
        goto done;
    /* torch writes the storages in sorted key order ("0", "1", "10", "11", ..., "2") */
    for (size_t i = 0; i < n; i++) {
        snprintf(keys[i], sizeof keys[i], "%zu", i);
        sorted[i] = keys[i];
    }
    qsort(sorted, n, sizeof *sorted, cmp_key);
    for (size_t k = 0; k < n; k++) {
        size_t i = (size_t)strtoul(sorted[k], NULL, 10);
        snprintf(name, sizeof name, "%s/data/%s", arch, sorted[k]);
        if ((st = zip_add(a, &entries[k + 1], name, params[i].value.data,
                          (uint64_t)params[i].value.numel * 4)) != NN_OK)
            goto done;
    }
    snprintf(name, sizeof name, "%s/version", arch);
    if ((st = zip_add(a, &entries[n + 1], name, "3\n", 2)) != NN_OK)
        goto done;
    st = zip_finish(a, entries, n + 2);
done:
    bb_free(&p.b);
    free(entries);
    free(keys);
    free(sorted);
    return st;
}

/* ---- the zip reader ---------------------------------------------------------------------- */

typedef struct zip_view {
    const uint8_t *buf;
    size_t len;
    const char *path;
    uint64_t cd_off, cd_size, count;
} zip_view;

static int zip_open(zip_view *z) {
    if (z->len < 22)
        return nn_error_set(NN_EFORMAT, "%s: not a PyTorch checkpoint (too short for a zip file)",
                            z->path);
    if (rd_u32(z->buf) != 0x04034b50)
        return nn_error_set(NN_EFORMAT,
                            "%s: not a zip archive (torch.save's format since 1.6); legacy "
                            "pickle-only checkpoints are not supported",
                            z->path);
    size_t lo = z->len > 22 + 65535 ? z->len - 22 - 65535 : 0;
    size_t eocd = (size_t)-1;
    for (size_t i = z->len - 22 + 1; i-- > lo;)
        if (rd_u32(z->buf + i) == 0x06054b50) {
            eocd = i;
            break;
        }
    if (eocd == (size_t)-1)
        return nn_error_set(NN_EFORMAT, "%s: zip end record not found (truncated file?)", z->path);
    const uint8_t *e = z->buf + eocd;
    z->count = rd_u16(e + 10);
    z->cd_size = rd_u32(e + 12);
    z->cd_off = rd_u32(e + 16);
    if ((z->count == 0xffff || z->cd_size == 0xffffffffu || z->cd_off == 0xffffffffu) &&
        eocd >= 20 && rd_u32(z->buf + eocd - 20) == 0x07064b50) {
        uint64_t z64 = rd_u64(z->buf + eocd - 20 + 8);
        if (z64 > z->len - 56 || rd_u32(z->buf + z64) != 0x06064b50)
            return nn_error_set(NN_EFORMAT, "%s: bad zip64 end record", z->path);
        z->count = rd_u64(z->buf + z64 + 32);
        z->cd_size = rd_u64(z->buf + z64 + 40);
        z->cd_off = rd_u64(z->buf + z64 + 48);
    }
    if (z->cd_off > z->len || z->cd_size > z->len - z->cd_off)
        return nn_error_set(NN_EFORMAT, "%s: zip central directory lies outside the file", z->path);
    return NN_OK;
}

/* Finds the entry called name (or, with suffix set, the first whose name ends with name);
 * *data and *size get its bytes after the CRC check; *found_name its full name. Returns NN_OK,
 * NN_ENOTFOUND (no message set) or NN_EFORMAT. */
static int zip_find(const zip_view *z, const char *name, int suffix, const uint8_t **data,
                    uint64_t *size, char *found_name, size_t found_cap) {
    size_t want = strlen(name);
    const uint8_t *p = z->buf + z->cd_off, *end = p + z->cd_size;
    for (uint64_t i = 0; i < z->count; i++) {
        if (end - p < 46 || rd_u32(p) != 0x02014b50)
            return nn_error_set(NN_EFORMAT, "%s: corrupt zip central directory (entry %" PRIu64 ")",
                                z->path, i);
        uint16_t method = rd_u16(p + 10);
        uint32_t crc = rd_u32(p + 16);
        uint64_t csize = rd_u32(p + 20), usize = rd_u32(p + 24);
        uint16_t nlen = rd_u16(p + 28), xlen = rd_u16(p + 30), clen = rd_u16(p + 32);
        uint64_t lho = rd_u32(p + 42);
        if ((size_t)(end - p) < 46u + nlen + xlen + clen)
            return nn_error_set(NN_EFORMAT, "%s: corrupt zip central directory", z->path);
        const char *ename = (const char *)p + 46;
        /* zip64 sizes/offset live in the extra field when the 32-bit ones are saturated */
        const uint8_t *x = p + 46 + nlen, *xend = x + xlen;
        while (xend - x >= 4) {
            uint16_t id = rd_u16(x), sz = rd_u16(x + 2);
            if (xend - x - 4 < sz)
                break;
            if (id == 0x0001) {
                const uint8_t *f = x + 4, *fend = f + sz;
                if (usize == 0xffffffffu && fend - f >= 8)
                    usize = rd_u64(f), f += 8;
                if (csize == 0xffffffffu && fend - f >= 8)
                    csize = rd_u64(f), f += 8;
                if (lho == 0xffffffffu && fend - f >= 8)
                    lho = rd_u64(f);
            }
            x += 4 + sz;
        }
        int match = suffix ? nlen >= want && memcmp(ename + nlen - want, name, want) == 0
                           : nlen == want && memcmp(ename, name, want) == 0;
        if (match) {
            if (found_name)
                snprintf(found_name, found_cap, "%.*s", (int)nlen, ename);
            if (method != 0)
                return nn_error_set(NN_EFORMAT,
                                    "%s: entry %.*s is compressed (method %u); PyTorch stores "
                                    "entries uncompressed",
                                    z->path, (int)nlen, ename, method);
            if (lho > z->len - 30 || rd_u32(z->buf + lho) != 0x04034b50)
                return nn_error_set(NN_EFORMAT, "%s: entry %.*s: bad local header", z->path,
                                    (int)nlen, ename);
            uint64_t doff = lho + 30 + rd_u16(z->buf + lho + 26) + rd_u16(z->buf + lho + 28);
            if (doff > z->len || csize > z->len - doff || csize != usize)
                return nn_error_set(NN_EFORMAT, "%s: entry %.*s extends past the end of the file",
                                    z->path, (int)nlen, ename);
            uint32_t got = (uint32_t)crc32(0L, Z_NULL, 0);
            for (uint64_t done = 0; done < csize;) {
                uInt chunk = csize - done > (1u << 30) ? (1u << 30) : (uInt)(csize - done);
                got = (uint32_t)crc32(got, z->buf + doff + done, chunk);
                done += chunk;
            }
            if (got != crc)
                return nn_error_set(NN_EFORMAT,
                                    "%s: entry %.*s: CRC mismatch (file corrupt): stored %08x, "
                                    "computed %08x",
                                    z->path, (int)nlen, ename, crc, got);
            *data = z->buf + doff;
            *size = csize;
            return NN_OK;
        }
        p += 46 + nlen + xlen + clen;
    }
    return NN_ENOTFOUND;
}

/* ---- the unpickler ----------------------------------------------------------------------- */

typedef enum {
    PK_MARK,
    PK_NONE,
    PK_BOOL,
    PK_INT,
    PK_STR,
    PK_TUPLE,
    PK_LIST,
    PK_DICT,
    PK_GLOBAL,
    PK_STORAGE, /* a persistent id: ('storage', type, key, location, numel) */
    PK_TENSOR,
} pk_kind;

typedef struct pk {
    pk_kind kind;
    int64_t i;   /* PK_INT, PK_BOOL; PK_STORAGE: numel; PK_TENSOR: storage offset */
    char *s;     /* PK_STR; PK_GLOBAL "module.name"; PK_STORAGE key; PK_TENSOR storage key */
    char *dtype; /* PK_STORAGE, PK_TENSOR: the storage class ("torch.FloatStorage") */
    struct pk **items;
    size_t n, cap; /* PK_TUPLE, PK_LIST items; PK_DICT key,value pairs flattened */
    int ndim;      /* PK_TENSOR */
    int64_t size[NN_CHECKPOINT_MAX_DIMS], stride[NN_CHECKPOINT_MAX_DIMS];
    struct pk *next_alloc;
} pk;

typedef struct unpickler {
    const uint8_t *p, *start, *end;
    const char *path;
    pk **stack;
    size_t sp, stack_cap;
    pk **memo;
    size_t memo_cap;
    pk *allocs; /* every object, for freeing */
    pk mark;
    int st;
} unpickler;

static int u_err(unpickler *u, const char *what) {
    if (u->st == NN_OK)
        u->st = nn_error_set(NN_EFORMAT, "%s: data.pkl: %s at byte %zu", u->path, what,
                             (size_t)(u->p - u->start));
    return u->st;
}

static pk *u_new(unpickler *u, pk_kind kind) {
    pk *o = calloc(1, sizeof *o);
    if (!o) {
        if (u->st == NN_OK)
            u->st = nn_error_set(NN_ENOMEM, "%s: out of memory reading data.pkl", u->path);
        return NULL;
    }
    o->kind = kind;
    o->next_alloc = u->allocs;
    u->allocs = o;
    return o;
}

static int u_push(unpickler *u, pk *o) {
    if (!o)
        return u->st;
    if (u->sp == u->stack_cap) {
        size_t cap = u->stack_cap ? u->stack_cap * 2 : 64;
        if (cap > (1u << 20))
            return u_err(u, "stack too deep");
        pk **s = realloc(u->stack, cap * sizeof *s);
        if (!s)
            return u->st = nn_error_set(NN_ENOMEM, "%s: out of memory", u->path);
        u->stack = s;
        u->stack_cap = cap;
    }
    u->stack[u->sp++] = o;
    return NN_OK;
}

static pk *u_pop(unpickler *u) {
    if (u->sp == 0 || u->stack[u->sp - 1] == &u->mark) {
        u_err(u, "stack underflow");
        return NULL;
    }
    return u->stack[--u->sp];
}

/* Index of the topmost mark, or -1 (error set). */
static long u_marker(unpickler *u) {
    for (size_t i = u->sp; i-- > 0;)
        if (u->stack[i] == &u->mark)
            return (long)i;
    u_err(u, "no mark on the stack");
    return -1;
}

static int u_need(unpickler *u, size_t n) {
    if ((size_t)(u->end - u->p) < n)
        return u_err(u, "unexpected end of the pickle");
    return NN_OK;
}

static int u_append(unpickler *u, pk *c, pk *item) {
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        pk **it = realloc(c->items, cap * sizeof *it);
        if (!it)
            return u->st = nn_error_set(NN_ENOMEM, "%s: out of memory", u->path);
        c->items = it;
        c->cap = cap;
    }
    c->items[c->n++] = item;
    return NN_OK;
}

/* Pops the items above the topmost mark (and the mark) into a new tuple/list. */
static pk *u_collect(unpickler *u, pk_kind kind) {
    long m = u_marker(u);
    if (m < 0)
        return NULL;
    pk *t = u_new(u, kind);
    if (!t)
        return NULL;
    for (size_t i = (size_t)m + 1; i < u->sp; i++)
        if (u_append(u, t, u->stack[i]) != NN_OK)
            return NULL;
    u->sp = (size_t)m;
    return t;
}

static int u_memo_put(unpickler *u, uint64_t idx) {
    if (u->sp == 0)
        return u_err(u, "memo store with an empty stack");
    if (idx >= (1u << 22))
        return u_err(u, "memo index too large");
    if (idx >= u->memo_cap) {
        size_t cap = u->memo_cap ? u->memo_cap : 64;
        while (cap <= idx)
            cap *= 2;
        pk **m = realloc(u->memo, cap * sizeof *m);
        if (!m)
            return u->st = nn_error_set(NN_ENOMEM, "%s: out of memory", u->path);
        memset(m + u->memo_cap, 0, (cap - u->memo_cap) * sizeof *m);
        u->memo = m;
        u->memo_cap = cap;
    }
    u->memo[idx] = u->stack[u->sp - 1];
    return NN_OK;
}

static int u_memo_get(unpickler *u, uint64_t idx) {
    if (idx >= u->memo_cap || !u->memo[idx])
        return u_err(u, "reference to an unknown memo entry");
    return u_push(u, u->memo[idx]);
}

static int is_global(const pk *o, const char *name) {
    return o && o->kind == PK_GLOBAL && strcmp(o->s, name) == 0;
}

static int int_tuple(const pk *t, int64_t *out, int *n) {
    if (!t || t->kind != PK_TUPLE || t->n > NN_CHECKPOINT_MAX_DIMS)
        return -1;
    for (size_t i = 0; i < t->n; i++) {
        if (t->items[i]->kind != PK_INT)
            return -1;
        out[i] = t->items[i]->i;
    }
    *n = (int)t->n;
    return 0;
}

/* REDUCE: only the callables a state_dict needs. */
static int u_reduce(unpickler *u) {
    pk *args = u_pop(u);
    pk *fn = u_pop(u);
    if (!args || !fn)
        return u->st;
    if (args->kind != PK_TUPLE)
        return u_err(u, "REDUCE arguments are not a tuple");
    if (is_global(fn, "collections.OrderedDict")) {
        if (args->n != 0)
            return u_err(u, "OrderedDict called with arguments");
        return u_push(u, u_new(u, PK_DICT));
    }
    if (is_global(fn, "torch._utils._rebuild_tensor_v2")) {
        /* (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]) */
        if (args->n < 6 || args->items[0]->kind != PK_STORAGE || args->items[1]->kind != PK_INT)
            return u_err(u, "unexpected arguments to _rebuild_tensor_v2");
        pk *t = u_new(u, PK_TENSOR);
        if (!t)
            return u->st;
        int nd_size, nd_stride;
        if (int_tuple(args->items[2], t->size, &nd_size) ||
            int_tuple(args->items[3], t->stride, &nd_stride) || nd_size != nd_stride)
            return u_err(u, "bad size or stride of a tensor");
        t->ndim = nd_size;
        t->i = args->items[1]->i;
        t->s = args->items[0]->s;
        t->dtype = args->items[0]->dtype;
        return u_push(u, t);
    }
    if (is_global(fn, "torch._utils._rebuild_parameter")) {
        /* (data, requires_grad, backward_hooks): a Parameter is its tensor here */
        if (args->n < 1 || args->items[0]->kind != PK_TENSOR)
            return u_err(u, "unexpected arguments to _rebuild_parameter");
        return u_push(u, args->items[0]);
    }
    if (fn->kind == PK_GLOBAL) {
        if (u->st == NN_OK)
            u->st = nn_error_set(NN_EFORMAT,
                                 "%s: data.pkl calls %s, which a state_dict of tensors does not "
                                 "need (only a state_dict of tensors can be read)",
                                 u->path, fn->s);
        return u->st;
    }
    return u_err(u, "REDUCE of something that is not a global");
}

static int u_persid(unpickler *u) {
    pk *pid = u_pop(u);
    if (!pid)
        return u->st;
    if (pid->kind != PK_TUPLE || pid->n != 5 || pid->items[0]->kind != PK_STR ||
        strcmp(pid->items[0]->s, "storage") != 0 || pid->items[1]->kind != PK_GLOBAL ||
        pid->items[2]->kind != PK_STR || pid->items[4]->kind != PK_INT)
        return u_err(u, "unexpected persistent id (not a torch storage)");
    pk *s = u_new(u, PK_STORAGE);
    if (!s)
        return u->st;
    s->dtype = pid->items[1]->s;
    s->s = pid->items[2]->s;
    s->i = pid->items[4]->i;
    return u_push(u, s);
}

static int u_str(unpickler *u, size_t n) {
    if (u_need(u, n) != NN_OK)
        return u->st;
    pk *o = u_new(u, PK_STR);
    if (!o)
        return u->st;
    o->s = malloc(n + 1);
    if (!o->s)
        return u->st = nn_error_set(NN_ENOMEM, "%s: out of memory", u->path);
    memcpy(o->s, u->p, n);
    o->s[n] = '\0';
    o->i = (int64_t)n;
    u->p += n;
    return u_push(u, o);
}

static int u_pushint(unpickler *u, int64_t v) {
    pk *o = u_new(u, PK_INT);
    if (o)
        o->i = v;
    return u_push(u, o);
}

/* Runs the pickle; *result is the object STOP returns. */
static int u_run(unpickler *u, pk **result) {
    while (u->st == NN_OK) {
        if (u_need(u, 1) != NN_OK)
            break;
        uint8_t op = *u->p++;
        switch (op) {
        case OP_PROTO:
            if (u_need(u, 1) == NN_OK && (*u->p < 2 || *u->p > 5))
                u_err(u, "unsupported pickle protocol");
            u->p++;
            break;
        case OP_FRAME:
            if (u_need(u, 8) == NN_OK)
                u->p += 8;
            break;
        case OP_GLOBAL: {
            const uint8_t *nl1 = memchr(u->p, '\n', (size_t)(u->end - u->p));
            const uint8_t *nl2 = nl1 ? memchr(nl1 + 1, '\n', (size_t)(u->end - nl1 - 1)) : NULL;
            if (!nl2)
                return u_err(u, "unterminated GLOBAL");
            pk *g = u_new(u, PK_GLOBAL);
            if (!g)
                return u->st;
            size_t ml = (size_t)(nl1 - u->p), nl = (size_t)(nl2 - nl1 - 1);
            g->s = malloc(ml + nl + 2);
            if (!g->s)
                return u->st = nn_error_set(NN_ENOMEM, "%s: out of memory", u->path);
            snprintf(g->s, ml + nl + 2, "%.*s.%.*s", (int)ml, (const char *)u->p, (int)nl,
                     (const char *)nl1 + 1);
            u->p = nl2 + 1;
            u_push(u, g);
            break;
        }
        case OP_BINPUT:
            if (u_need(u, 1) == NN_OK)
                u_memo_put(u, *u->p++);
            break;
        case OP_LONG_BINPUT:
            if (u_need(u, 4) == NN_OK) {
                u_memo_put(u, rd_u32(u->p));
                u->p += 4;
            }
            break;
        case OP_MEMOIZE: {
            /* protocol 4: the next free index; count the entries set so far */
            size_t next = 0;
            for (size_t i = 0; i < u->memo_cap; i++)
                if (u->memo[i])
                    next = i + 1;
            u_memo_put(u, next);
            break;
        }
        case OP_BINGET:
            if (u_need(u, 1) == NN_OK)
                u_memo_get(u, *u->p++);
            break;
        case OP_LONG_BINGET:
            if (u_need(u, 4) == NN_OK) {
                u_memo_get(u, rd_u32(u->p));
                u->p += 4;
            }
            break;
        case OP_MARK:
            u_push(u, &u->mark);
            break;
        case OP_EMPTY_TUPLE:
            u_push(u, u_new(u, PK_TUPLE));
            break;
        case OP_TUPLE1:
        case OP_TUPLE2:
        case OP_TUPLE3: {
            size_t n = (size_t)(op - OP_TUPLE1 + 1);
            if (u->sp < n)
                return u_err(u, "stack underflow");
            for (size_t i = u->sp - n; i < u->sp; i++)
                if (u->stack[i] == &u->mark)
                    return u_err(u, "mark inside a short tuple");
            pk *t = u_new(u, PK_TUPLE);
            if (!t)
                return u->st;
            for (size_t i = u->sp - n; i < u->sp; i++)
                u_append(u, t, u->stack[i]);
            u->sp -= n;
            u_push(u, t);
            break;
        }
        case OP_TUPLE:
            u_push(u, u_collect(u, PK_TUPLE));
            break;
        case OP_EMPTY_LIST:
            u_push(u, u_new(u, PK_LIST));
            break;
        case OP_EMPTY_DICT:
            u_push(u, u_new(u, PK_DICT));
            break;
        case OP_APPEND: {
            pk *v = u_pop(u);
            if (!v || u->sp == 0 || u->stack[u->sp - 1]->kind != PK_LIST)
                return u_err(u, "APPEND without a list");
            u_append(u, u->stack[u->sp - 1], v);
            break;
        }
        case OP_APPENDS: {
            pk *items = u_collect(u, PK_TUPLE);
            if (!items || u->sp == 0 || u->stack[u->sp - 1]->kind != PK_LIST)
                return u_err(u, "APPENDS without a list");
            for (size_t i = 0; i < items->n; i++)
                u_append(u, u->stack[u->sp - 1], items->items[i]);
            break;
        }
        case OP_SETITEM: {
            pk *v = u_pop(u), *k = u_pop(u);
            if (!v || !k || u->sp == 0 || u->stack[u->sp - 1]->kind != PK_DICT)
                return u_err(u, "SETITEM without a dict");
            u_append(u, u->stack[u->sp - 1], k);
            u_append(u, u->stack[u->sp - 1], v);
            break;
        }
        case OP_SETITEMS: {
            pk *items = u_collect(u, PK_TUPLE);
            if (!items || items->n % 2 || u->sp == 0 || u->stack[u->sp - 1]->kind != PK_DICT)
                return u_err(u, "SETITEMS without a dict");
            for (size_t i = 0; i < items->n; i++)
                u_append(u, u->stack[u->sp - 1], items->items[i]);
            break;
        }
        case OP_BUILD: {
            /* state for the object below: state_dict's _metadata; not needed, dropped */
            if (!u_pop(u) || u->sp == 0)
                return u_err(u, "BUILD without an object");
            break;
        }
        case OP_BINUNICODE:
            if (u_need(u, 4) == NN_OK) {
                uint32_t n = rd_u32(u->p);
                u->p += 4;
                u_str(u, n);
            }
            break;
        case OP_SHORT_BINUNICODE:
            if (u_need(u, 1) == NN_OK) {
                uint8_t n = *u->p++;
                u_str(u, n);
            }
            break;
        case OP_BININT1:
            if (u_need(u, 1) == NN_OK)
                u_pushint(u, *u->p++);
            break;
        case OP_BININT2:
            if (u_need(u, 2) == NN_OK) {
                u_pushint(u, rd_u16(u->p));
                u->p += 2;
            }
            break;
        case OP_BININT:
            if (u_need(u, 4) == NN_OK) {
                u_pushint(u, (int32_t)rd_u32(u->p));
                u->p += 4;
            }
            break;
        case OP_LONG1: {
            if (u_need(u, 1) != NN_OK)
                break;
            uint8_t n = *u->p++;
            if (n > 8)
                return u_err(u, "integer too large");
            if (u_need(u, n) != NN_OK)
                break;
            uint64_t v = 0;
            for (int i = 0; i < n; i++)
                v |= (uint64_t)u->p[i] << (8 * i);
            if (n && n < 8 && (u->p[n - 1] & 0x80)) /* sign-extend */
                v |= ~(uint64_t)0 << (8 * n);
            u->p += n;
            u_pushint(u, (int64_t)v);
            break;
        }
        case OP_NEWFALSE:
        case OP_NEWTRUE: {
            pk *o = u_new(u, PK_BOOL);
            if (o)
                o->i = op == OP_NEWTRUE;
            u_push(u, o);
            break;
        }
        case OP_NONE:
            u_push(u, u_new(u, PK_NONE));
            break;
        case OP_REDUCE:
            u_reduce(u);
            break;
        case OP_BINPERSID:
            u_persid(u);
            break;
        case OP_STOP: {
            pk *r = u_pop(u);
            if (!r)
                return u->st;
            *result = r;
            return NN_OK;
        }
        default: {
            u->p--;
            char what[160];
            snprintf(what, sizeof what,
                     "unsupported pickle opcode 0x%02x (only a state_dict of tensors can be read; "
                     "save model.state_dict())",
                     op);
            return u_err(u, what);
        }
        }
    }
    return u->st;
}

static void u_free(unpickler *u) {
    for (pk *o = u->allocs; o;) {
        pk *next = o->next_alloc;
        if (o->kind == PK_STR || o->kind == PK_GLOBAL)
            free(o->s);
        free(o->items);
        free(o);
        o = next;
    }
    free(u->stack);
    free(u->memo);
}

/* Copies a (possibly strided) float32 tensor out of its storage bytes. */
static int copy_tensor(nn_checkpoint *ck, const zip_view *z, const char *prefix, const pk *name,
                       const pk *t) {
    if (strcmp(t->dtype, "torch.FloatStorage") != 0)
        return nn_error_set(NN_EFORMAT,
                            "%s: tensor %s is stored as %s; only float32 (torch.FloatStorage) "
                            "can be read",
                            z->path, name->s, t->dtype);
    char entry[700];
    int k = snprintf(entry, sizeof entry, "%s/data/%s", prefix, t->s);
    if (k < 0 || (size_t)k >= sizeof entry)
        return nn_error_set(NN_EFORMAT, "%s: tensor %s: storage name too long", z->path, name->s);
    const uint8_t *data;
    uint64_t size;
    int st = zip_find(z, entry, 0, &data, &size, NULL, 0);
    if (st == NN_ENOTFOUND)
        return nn_error_set(NN_EFORMAT, "%s: tensor %s: its storage %s is missing", z->path,
                            name->s, entry);
    if (st != NN_OK)
        return st;
    if (size % 4)
        return nn_error_set(NN_EFORMAT, "%s: storage %s is not a whole number of floats", z->path,
                            entry);
    uint64_t numel = 1, last = (uint64_t)t->i;
    if (t->i < 0)
        return nn_error_set(NN_EFORMAT, "%s: tensor %s: negative storage offset", z->path, name->s);
    for (int d = 0; d < t->ndim; d++) {
        if (t->size[d] < 0 || t->stride[d] < 0)
            return nn_error_set(NN_EFORMAT, "%s: tensor %s: negative size or stride", z->path,
                                name->s);
        numel *= (uint64_t)t->size[d];
        if (t->size[d] > 0)
            last += (uint64_t)(t->size[d] - 1) * (uint64_t)t->stride[d];
    }
    if (numel && last >= size / 4)
        return nn_error_set(NN_EFORMAT,
                            "%s: tensor %s reaches element %" PRIu64 " of a %" PRIu64
                            "-element storage",
                            z->path, name->s, last, size / 4);
    float *dst;
    if ((st = ck_add(ck, name->s, strlen(name->s), t->ndim, t->size, &dst)) != NN_OK)
        return st;
    /* Walk the index space in row-major order; contiguous tensors take one memcpy. */
    int64_t idx[NN_CHECKPOINT_MAX_DIMS] = {0};
    for (uint64_t k = 0; k < numel; k++) {
        uint64_t off = (uint64_t)t->i;
        for (int d = 0; d < t->ndim; d++)
            off += (uint64_t)idx[d] * (uint64_t)t->stride[d];
        memcpy(&dst[k], data + off * 4, 4);
        for (int d = t->ndim - 1; d >= 0; d--) {
            if (++idx[d] < t->size[d])
                break;
            idx[d] = 0;
        }
    }
    return NN_OK;
}

int torch_read(nn_checkpoint *ck, const uint8_t *buf, size_t len, const char *path) {
    zip_view z = {.buf = buf, .len = len, .path = path};
    int st = zip_open(&z);
    if (st != NN_OK)
        return st;
    const uint8_t *pkl;
    uint64_t pkl_len;
    char pkl_name[600];
    st = zip_find(&z, "/data.pkl", 1, &pkl, &pkl_len, pkl_name, sizeof pkl_name);
    if (st == NN_ENOTFOUND)
        return nn_error_set(NN_EFORMAT, "%s: no data.pkl in the archive (not a torch.save file)",
                            path);
    if (st != NN_OK)
        return st;
    char prefix[600];
    snprintf(prefix, sizeof prefix, "%.*s", (int)(strlen(pkl_name) - strlen("/data.pkl")),
             pkl_name);
    /* torch >= 2.1 records the byte order; refuse big-endian data rather than misread it. */
    const uint8_t *bo;
    uint64_t bo_len;
    char bo_name[700];
    snprintf(bo_name, sizeof bo_name, "%s/byteorder", prefix);
    if (zip_find(&z, bo_name, 0, &bo, &bo_len, NULL, 0) == NN_OK && bo_len >= 3 &&
        memcmp(bo, "big", 3) == 0)
        return nn_error_set(NN_EFORMAT, "%s: big-endian checkpoints are not supported", path);

    unpickler u = {.p = pkl, .start = pkl, .end = pkl + pkl_len, .path = path};
    u.mark.kind = PK_MARK;
    pk *root = NULL;
    st = u_run(&u, &root);
    if (st == NN_OK && root->kind != PK_DICT)
        st = nn_error_set(NN_EFORMAT,
                          "%s: data.pkl holds something other than a dict of tensors (a whole "
                          "model or optimizer?); save model.state_dict()",
                          path);
    for (size_t i = 0; st == NN_OK && i + 1 < root->n; i += 2) {
        pk *k = root->items[i], *v = root->items[i + 1];
        if (k->kind != PK_STR) {
            st = nn_error_set(NN_EFORMAT, "%s: a state_dict key is not a string", path);
            break;
        }
        if (v->kind != PK_TENSOR) {
            st = nn_error_set(NN_EFORMAT, "%s: entry %s is not a tensor", path, k->s);
            break;
        }
        if (nn_checkpoint_find(ck, k->s)) {
            st = nn_error_set(NN_EFORMAT, "%s: tensor %s appears twice", path, k->s);
            break;
        }
        st = copy_tensor(ck, &z, prefix, k, v);
    }
    u_free(&u);
    return st;
}

/* safetensors: u64 LE header size, JSON header, raw little-endian data. The JSON is written by
 * hand and read with a small validating parser (the header is the only JSON we need). */
#include "io_internal.h"

#include "nn/error.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- writing ----------------------------------------------------------------------------- */

static void json_string(bytebuf *b, const char *s) {
    bb_u8(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            bb_u8(b, '\\');
            bb_u8(b, *p);
        } else if (*p < 0x20) {
            char esc[8];
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            bb_str(b, esc);
        } else {
            bb_u8(b, *p);
        }
    }
    bb_u8(b, '"');
}

int safetensors_write(atomic_file *a, const nn_param *params, size_t n) {
    bytebuf h = {0};
    char num[64];
    bb_str(&h, "{\"__metadata__\":{\"format\":\"pt\"}");
    uint64_t off = 0;
    for (size_t i = 0; i < n; i++) {
        const nn_tensor *t = &params[i].value;
        bb_u8(&h, ',');
        json_string(&h, params[i].name);
        bb_str(&h, ":{\"dtype\":\"F32\",\"shape\":[");
        for (int d = 0; d < t->ndim; d++) {
            snprintf(num, sizeof num, "%s%" PRId64, d ? "," : "", t->shape[d]);
            bb_str(&h, num);
        }
        uint64_t end = off + (uint64_t)t->numel * 4;
        snprintf(num, sizeof num, "],\"data_offsets\":[%" PRIu64 ",%" PRIu64 "]}", off, end);
        bb_str(&h, num);
        off = end;
    }
    bb_u8(&h, '}');
    /* Pad with spaces so the data starts 8-byte aligned, as the format asks. */
    while (h.len % 8)
        bb_u8(&h, ' ');
    if (h.err) {
        bb_free(&h);
        return nn_error_set(NN_ENOMEM, "%s: out of memory building the header", a->path);
    }
    uint8_t len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (uint8_t)((uint64_t)h.len >> (8 * i));
    atomic_write(a, len, 8);
    atomic_write(a, h.p, h.len);
    bb_free(&h);
    for (size_t i = 0; i < n; i++)
        atomic_write(a, params[i].value.data, params[i].value.numel * sizeof(float));
    return NN_OK;
}

/* ---- a small JSON parser ------------------------------------------------------------------ */

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

typedef struct jval {
    jtype type;
    int64_t num;    /* J_NUM (integers only: safetensors has no others), J_BOOL */
    int num_is_int; /* 0 when the number had a fraction or exponent */
    char *str;      /* J_STR (decoded, NUL-terminated) */
    size_t str_len;
    struct jval *items; /* J_ARR elements, J_OBJ values */
    char **keys;        /* J_OBJ keys */
    size_t *key_lens;
    size_t n;
} jval;

typedef struct jparser {
    const char *p, *end, *start;
    const char *path;
    int depth;
    int st;
} jparser;

static void jfree(jval *v) {
    if (v->type == J_STR)
        free(v->str);
    if (v->type == J_ARR || v->type == J_OBJ) {
        for (size_t i = 0; i < v->n; i++) {
            jfree(&v->items[i]);
            if (v->type == J_OBJ)
                free(v->keys[i]);
        }
        free(v->items);
        free(v->keys);
        free(v->key_lens);
    }
}

static int jerr(jparser *j, const char *what) {
    if (j->st == NN_OK)
        j->st = nn_error_set(NN_EFORMAT, "%s: bad safetensors header: %s at header byte %zu",
                             j->path, what, (size_t)(j->p - j->start));
    return j->st;
}

static void jspace(jparser *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int jstring(jparser *j, char **out, size_t *out_len) {
    j->p++; /* opening quote */
    bytebuf b = {0};
    while (j->p < j->end && *j->p != '"') {
        unsigned char c = (unsigned char)*j->p++;
        if (c < 0x20) {
            bb_free(&b);
            return jerr(j, "control character in a string");
        }
        if (c != '\\') {
            bb_u8(&b, c);
            continue;
        }
        if (j->p >= j->end)
            break;
        char e = *j->p++;
        const char *simple = strchr("\"\\/bfnrt", e);
        if (simple && e) {
            static const char map[] = "\"\\/\b\f\n\r\t";
            bb_u8(&b, (uint8_t)map[simple - "\"\\/bfnrt"]);
        } else if (e == 'u') {
            if (j->end - j->p < 4) {
                bb_free(&b);
                return jerr(j, "short \\u escape");
            }
            unsigned cp = 0;
            for (int i = 0; i < 4; i++) {
                int h = hexval(j->p[i]);
                if (h < 0) {
                    bb_free(&b);
                    return jerr(j, "bad \\u escape");
                }
                cp = cp << 4 | (unsigned)h;
            }
            j->p += 4;
            /* UTF-8 encode (surrogate pairs are kept as they come; names are ASCII anyway) */
            if (cp < 0x80) {
                bb_u8(&b, (uint8_t)cp);
            } else if (cp < 0x800) {
                bb_u8(&b, (uint8_t)(0xC0 | cp >> 6));
                bb_u8(&b, (uint8_t)(0x80 | (cp & 0x3F)));
            } else {
                bb_u8(&b, (uint8_t)(0xE0 | cp >> 12));
                bb_u8(&b, (uint8_t)(0x80 | ((cp >> 6) & 0x3F)));
                bb_u8(&b, (uint8_t)(0x80 | (cp & 0x3F)));
            }
        } else {
            bb_free(&b);
            return jerr(j, "bad escape in a string");
        }
    }
    if (j->p >= j->end) {
        bb_free(&b);
        return jerr(j, "unterminated string");
    }
    j->p++; /* closing quote */
    bb_u8(&b, 0);
    if (b.err) {
        bb_free(&b);
        return j->st = nn_error_set(NN_ENOMEM, "%s: out of memory parsing the header", j->path);
    }
    *out = (char *)b.p;
    *out_len = b.len - 1;
    return NN_OK;
}

static int jvalue(jparser *j, jval *v);

static int jcontainer(jparser *j, jval *v, int is_obj) {
    if (++j->depth > 32)
        return jerr(j, "nesting too deep");
    j->p++;
    v->type = is_obj ? J_OBJ : J_ARR;
    size_t cap = 0;
    jspace(j);
    if (j->p < j->end && *j->p == (is_obj ? '}' : ']')) {
        j->p++;
        j->depth--;
        return NN_OK;
    }
    for (;;) {
        if (v->n == cap) {
            cap = cap ? cap * 2 : 8;
            jval *items = realloc(v->items, cap * sizeof *items);
            if (items)
                v->items = items;
            char **keys = is_obj ? realloc(v->keys, cap * sizeof *keys) : NULL;
            if (keys)
                v->keys = keys;
            size_t *kl = is_obj ? realloc(v->key_lens, cap * sizeof *kl) : NULL;
            if (kl)
                v->key_lens = kl;
            if (!items || (is_obj && (!keys || !kl)))
                return j->st =
                           nn_error_set(NN_ENOMEM, "%s: out of memory parsing the header", j->path);
        }
        jspace(j);
        if (is_obj) {
            if (j->p >= j->end || *j->p != '"')
                return jerr(j, "expected a key");
            if (jstring(j, &v->keys[v->n], &v->key_lens[v->n]) != NN_OK)
                return j->st;
            jspace(j);
            if (j->p >= j->end || *j->p != ':') {
                free(v->keys[v->n]);
                return jerr(j, "expected ':'");
            }
            j->p++;
        }
        memset(&v->items[v->n], 0, sizeof v->items[v->n]);
        int st = jvalue(j, &v->items[v->n]);
        v->n++; /* counted even on failure so jfree releases it */
        if (st != NN_OK)
            return st;
        jspace(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == (is_obj ? '}' : ']')) {
            j->p++;
            j->depth--;
            return NN_OK;
        }
        return jerr(j, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int jvalue(jparser *j, jval *v) {
    jspace(j);
    if (j->p >= j->end)
        return jerr(j, "unexpected end");
    char c = *j->p;
    if (c == '{' || c == '[')
        return jcontainer(j, v, c == '{');
    if (c == '"') {
        v->type = J_STR;
        return jstring(j, &v->str, &v->str_len);
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        v->type = J_NUM;
        v->num_is_int = 1;
        int neg = c == '-';
        if (neg)
            j->p++;
        uint64_t acc = 0;
        int digits = 0, overflow = 0;
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
            if (acc > (UINT64_MAX - 9) / 10)
                overflow = 1;
            acc = acc * 10 + (uint64_t)(*j->p++ - '0');
            digits++;
        }
        if (!digits)
            return jerr(j, "bad number");
        while (j->p < j->end && *j->p && strchr(".eE+-0123456789", *j->p)) {
            v->num_is_int = 0;
            j->p++;
        }
        if (overflow || acc > (uint64_t)INT64_MAX)
            v->num_is_int = 0;
        v->num = neg ? -(int64_t)acc : (int64_t)acc;
        return NN_OK;
    }
    static const struct {
        const char *word;
        jtype type;
        int64_t num;
    } words[] = {{"true", J_BOOL, 1}, {"false", J_BOOL, 0}, {"null", J_NULL, 0}};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(words[i].word);
        if ((size_t)(j->end - j->p) >= n && memcmp(j->p, words[i].word, n) == 0) {
            v->type = words[i].type;
            v->num = words[i].num;
            j->p += n;
            return NN_OK;
        }
    }
    return jerr(j, "unexpected character");
}

static const jval *jget(const jval *obj, const char *key) {
    for (size_t i = 0; i < obj->n; i++)
        if (strlen(key) == obj->key_lens[i] && memcmp(obj->keys[i], key, obj->key_lens[i]) == 0)
            return &obj->items[i];
    return NULL;
}

/* ---- reading ----------------------------------------------------------------------------- */

static int read_tensor(nn_checkpoint *ck, const char *path, const char *name, size_t name_len,
                       const jval *info, const uint8_t *data, uint64_t data_len) {
    if (info->type != J_OBJ)
        return nn_error_set(NN_EFORMAT, "%s: tensor %s: its entry is not an object", path, name);
    const jval *dtype = jget(info, "dtype"), *shape = jget(info, "shape"),
               *offs = jget(info, "data_offsets");
    if (!dtype || dtype->type != J_STR || !shape || shape->type != J_ARR || !offs ||
        offs->type != J_ARR || offs->n != 2)
        return nn_error_set(NN_EFORMAT,
                            "%s: tensor %s: needs \"dtype\", \"shape\" and two \"data_offsets\"",
                            path, name);
    if (strcmp(dtype->str, "F32") != 0)
        return nn_error_set(NN_EFORMAT, "%s: tensor %s has dtype %s; only F32 can be read", path,
                            name, dtype->str);
    if (shape->n > NN_CHECKPOINT_MAX_DIMS)
        return nn_error_set(NN_EFORMAT, "%s: tensor %s has %zu dimensions (at most %d)", path, name,
                            shape->n, NN_CHECKPOINT_MAX_DIMS);
    int64_t dims[NN_CHECKPOINT_MAX_DIMS];
    uint64_t numel = 1;
    for (size_t d = 0; d < shape->n; d++) {
        const jval *s = &shape->items[d];
        if (s->type != J_NUM || !s->num_is_int || s->num < 0 || s->num > ((int64_t)1 << 40))
            return nn_error_set(NN_EFORMAT, "%s: tensor %s: bad dimension in its shape", path,
                                name);
        dims[d] = s->num;
        numel *= (uint64_t)s->num;
        if (numel > ((uint64_t)1 << 40))
            return nn_error_set(NN_EFORMAT, "%s: tensor %s is implausibly large", path, name);
    }
    const jval *b = &offs->items[0], *e = &offs->items[1];
    if (b->type != J_NUM || e->type != J_NUM || !b->num_is_int || !e->num_is_int || b->num < 0 ||
        e->num < b->num)
        return nn_error_set(NN_EFORMAT, "%s: tensor %s: bad data_offsets", path, name);
    if ((uint64_t)(e->num - b->num) != numel * 4)
        return nn_error_set(NN_EFORMAT,
                            "%s: tensor %s: data_offsets span %" PRId64 " bytes but shape needs "
                            "%" PRIu64,
                            path, name, e->num - b->num, numel * 4);
    if ((uint64_t)e->num > data_len)
        return nn_error_set(NN_EFORMAT,
                            "%s: tensor %s: data ends at byte %" PRId64 " of a %" PRIu64
                            "-byte data section (file truncated?)",
                            path, name, e->num, data_len);
    float *dst;
    int st = ck_add(ck, name, name_len, (int)shape->n, dims, &dst);
    if (st != NN_OK)
        return st;
    memcpy(dst, data + b->num, numel * 4);
    return NN_OK;
}

int safetensors_read(nn_checkpoint *ck, const uint8_t *buf, size_t len, const char *path) {
    if (len < 8)
        return nn_error_set(NN_EFORMAT, "%s: too short for safetensors (%zu bytes)", path, len);
    uint64_t hlen = rd_u64(buf);
    if (hlen > len - 8 || hlen > ((uint64_t)100 << 20))
        return nn_error_set(NN_EFORMAT,
                            "%s: header length %" PRIu64 " does not fit in the %zu-byte file "
                            "(not safetensors, or truncated)",
                            path, hlen, len);
    jparser j = {.p = (const char *)buf + 8,
                 .start = (const char *)buf + 8,
                 .end = (const char *)buf + 8 + hlen,
                 .path = path};
    jval root = {0};
    int st = jvalue(&j, &root);
    if (st == NN_OK) {
        jspace(&j);
        if (j.p != j.end)
            st = jerr(&j, "trailing characters after the header object");
    }
    if (st == NN_OK && root.type != J_OBJ)
        st = nn_error_set(NN_EFORMAT, "%s: the safetensors header is not a JSON object", path);
    const uint8_t *data = buf + 8 + hlen;
    uint64_t data_len = len - 8 - hlen;
    for (size_t i = 0; st == NN_OK && i < root.n; i++) {
        if (strcmp(root.keys[i], "__metadata__") == 0)
            continue;
        st = read_tensor(ck, path, root.keys[i], root.key_lens[i], &root.items[i], data, data_len);
    }
    jfree(&root);
    return st;
}

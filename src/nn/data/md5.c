/* MD5 as RFC 1321 specifies it, written for clarity: one 64-step loop over a table. */
#include "nn/md5.h"

#include "nn/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* T[i] = floor(2^32 * |sin(i + 1)|), RFC 1321 section 3.4. */
static const uint32_t T[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

/* Left-rotation amounts, four per round. */
static const uint8_t S[16] = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};

static uint32_t rotl(uint32_t x, unsigned s) {
    return (x << s) | (x >> (32 - s));
}

static void transform(uint32_t state[4], const uint8_t block[64]) {
    uint32_t X[16];
    for (int i = 0; i < 16; i++)
        X[i] = (uint32_t)block[4 * i] | (uint32_t)block[4 * i + 1] << 8 |
               (uint32_t)block[4 * i + 2] << 16 | (uint32_t)block[4 * i + 3] << 24;
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    for (int i = 0; i < 64; i++) {
        uint32_t f;
        int k;
        switch (i / 16) {
        case 0:
            f = (b & c) | (~b & d);
            k = i;
            break;
        case 1:
            f = (b & d) | (c & ~d);
            k = (5 * i + 1) % 16;
            break;
        case 2:
            f = b ^ c ^ d;
            k = (3 * i + 5) % 16;
            break;
        default:
            f = c ^ (b | ~d);
            k = (7 * i) % 16;
            break;
        }
        uint32_t tmp = d;
        d = c;
        c = b;
        b = b + rotl(a + f + T[i] + X[k], S[(i / 16) * 4 + i % 4]);
        a = tmp;
    }
    state[0] += a;
    state[1] += b;
    state[2] += c;
    state[3] += d;
}

void nn_md5_init(nn_md5 *m) {
    m->state[0] = 0x67452301;
    m->state[1] = 0xefcdab89;
    m->state[2] = 0x98badcfe;
    m->state[3] = 0x10325476;
    m->length = 0;
}

void nn_md5_update(nn_md5 *m, const void *data, size_t len) {
    const uint8_t *p = data;
    size_t have = (size_t)(m->length % 64);
    m->length += len;
    if (have) {
        size_t take = 64 - have < len ? 64 - have : len;
        memcpy(m->block + have, p, take);
        p += take;
        len -= take;
        if (have + take < 64)
            return;
        transform(m->state, m->block);
    }
    for (; len >= 64; p += 64, len -= 64)
        transform(m->state, p);
    memcpy(m->block, p, len);
}

void nn_md5_final(nn_md5 *m, uint8_t out[16]) {
    uint64_t bits = m->length * 8;
    static const uint8_t pad[64] = {0x80};
    size_t have = (size_t)(m->length % 64);
    /* Pad with 0x80 then zeros up to 56 mod 64, then the bit length little-endian. */
    nn_md5_update(m, pad, have < 56 ? 56 - have : 120 - have);
    uint8_t len_le[8];
    for (int i = 0; i < 8; i++)
        len_le[i] = (uint8_t)(bits >> (8 * i));
    nn_md5_update(m, len_le, 8);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            out[4 * i + j] = (uint8_t)(m->state[i] >> (8 * j));
}

void nn_md5_final_hex(nn_md5 *m, char hex[NN_MD5_HEX_LEN + 1]) {
    static const char digits[] = "0123456789abcdef";
    uint8_t d[16];
    nn_md5_final(m, d);
    for (int i = 0; i < 16; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[NN_MD5_HEX_LEN] = '\0';
}

int nn_md5_file(char hex[NN_MD5_HEX_LEN + 1], const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return nn_error_set(NN_EIO, "cannot open %s: %s", path, strerror(errno));
    nn_md5 m;
    nn_md5_init(&m);
    uint8_t buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        nn_md5_update(&m, buf, n);
    int err = ferror(f);
    int saved = errno;
    fclose(f);
    if (err)
        return nn_error_set(NN_EIO, "reading %s: %s", path, strerror(saved));
    nn_md5_final_hex(&m, hex);
    return NN_OK;
}

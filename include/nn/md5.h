/*
 * nn/md5.h - MD5 (RFC 1321), for checking downloaded datasets against published checksums.
 *
 * MD5 is not a security measure here: torchvision publishes MD5s for the MNIST files, and matching
 * them is how a truncated or wrong download is caught. Streaming: feed bytes as they arrive.
 *
 *     nn_md5 m;
 *     nn_md5_init(&m);
 *     nn_md5_update(&m, "abc", 3);
 *     char hex[NN_MD5_HEX_LEN + 1];
 *     nn_md5_final_hex(&m, hex);       // "900150983cd24fb0d6963f7d28e17f72"
 */
#ifndef NN_MD5_H
#define NN_MD5_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NN_MD5_HEX_LEN 32

typedef struct nn_md5 {
    uint32_t state[4];
    uint64_t length; /* bytes fed so far */
    uint8_t block[64];
} nn_md5;

void nn_md5_init(nn_md5 *m);
void nn_md5_update(nn_md5 *m, const void *data, size_t len);
/* Finishes the digest into out[16]; m must be re-initialised before reuse. */
void nn_md5_final(nn_md5 *m, uint8_t out[16]);
/* Finishes the digest as 32 lowercase hex digits plus a NUL into hex. */
void nn_md5_final_hex(nn_md5 *m, char hex[NN_MD5_HEX_LEN + 1]);

/* The MD5 of a whole file as lowercase hex. Status: NN_OK, or NN_EIO naming the file. */
int nn_md5_file(char hex[NN_MD5_HEX_LEN + 1], const char *path);

#ifdef __cplusplus
}
#endif

#endif

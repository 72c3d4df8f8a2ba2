/* MD5 against the RFC 1321 test suite (appendix A.5), streaming, and files. */
#include "harness.h"
#include "nn/error.h"
#include "nn/md5.h"
#include "nn_data/test_util.h"

static const char *md5_of(const void *data, size_t n, char hex[33]) {
    nn_md5 m;
    nn_md5_init(&m);
    nn_md5_update(&m, data, n);
    nn_md5_final_hex(&m, hex);
    return hex;
}

static void test_rfc1321_suite(void) {
    static const struct {
        const char *in, *md5;
    } v[] = {
        {"", "d41d8cd98f00b204e9800998ecf8427e"},
        {"a", "0cc175b9c0f1b6a831c399e269772661"},
        {"abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
        {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
         "d174ab98d277d9f5a5611c2c9f419d9f"},
        {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
         "57edf4a22be3c955ac49da2e2107b67a"},
    };
    char hex[33];
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        CHECK_STREQ(md5_of(v[i].in, strlen(v[i].in), hex), v[i].md5);
}

/* Lengths around the 56/64-byte padding boundary, where an off-by-one would hide. */
static void test_padding_boundaries(void) {
    /* md5 of n bytes 'a' for n = 55, 56, 57, 63, 64, 65 (from Python's hashlib) */
    static const struct {
        size_t n;
        const char *md5;
    } v[] = {
        {55, "ef1772b6dff9a122358552954ad0df65"}, {56, "3b0c8ac703f828b04c6c197006d17218"},
        {57, "652b906d60af96844ebd21b674f35e93"}, {63, "b06521f39153d618550606be297466d5"},
        {64, "014842d480b571495a4a0363793f7367"}, {65, "c743a45e0d2e6a95cb859adae0248435"},
    };
    char buf[80], hex[33];
    memset(buf, 'a', sizeof buf);
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        CHECK_STREQ(md5_of(buf, v[i].n, hex), v[i].md5);
}

static void test_streaming_equals_one_shot(void) {
    size_t n = 100000;
    uint8_t *data = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (uint8_t)(i * 131 + (i >> 7));
    char whole[33], parts[33];
    md5_of(data, n, whole);
    /* Feed in chunks of awkward sizes, including empty ones. */
    nn_md5 m;
    nn_md5_init(&m);
    size_t off = 0, step = 0;
    while (off < n) {
        size_t k = (step * 37 + 1) % 150;
        if (k > n - off)
            k = n - off;
        nn_md5_update(&m, data + off, k);
        off += k;
        step++;
    }
    nn_md5_final_hex(&m, parts);
    CHECK_STREQ(parts, whole);
    uint8_t raw[16];
    nn_md5_init(&m);
    nn_md5_update(&m, "abc", 3);
    nn_md5_final(&m, raw);
    CHECK_EQ_INT(raw[0], 0x90);
    CHECK_EQ_INT(raw[15], 0x72);
    free(data);
}

static void test_file(void) {
    char dir[256], path[300], hex[33];
    tu_mkdtemp(dir, sizeof dir, "nn_md5");
    snprintf(path, sizeof path, "%s/f", dir);
    CHECK(tu_write(path, "message digest", 14) == 0);
    CHECK_EQ_INT(nn_md5_file(hex, path), NN_OK);
    CHECK_STREQ(hex, "f96b697d7cb7938d525a2f31aaf161d0");
    snprintf(path, sizeof path, "%s/missing", dir);
    CHECK_EQ_INT(nn_md5_file(hex, path), NN_EIO);
    CHECK(strstr(nn_error_last(), path) != NULL);
    CHECK(strstr(nn_error_last(), "No such file") != NULL);
    tu_rmtree(dir);
}

int main(void) {
    RUN(test_rfc1321_suite);
    RUN(test_padding_boundaries);
    RUN(test_streaming_equals_one_shot);
    RUN(test_file);
    return harness_summary();
}

/* Checkpoints: byte-for-byte agreement with torch 1.13's torch.save, reading what PyTorch writes,
 * safetensors layout, round trips, load_state_dict checks and every failure path.
 *
 * Besides the unit tests (no arguments), the program has two modes used by
 * py/test_checkpoint.py:
 *     test_checkpoint write DIR    writes DIR/net.pt and DIR/net.safetensors holding the tutorial
 *                                  Net's parameters with values net_value(k, i)
 *     test_checkpoint dump FILE    prints "name ndim shape... crc" per tensor (zlib crc32 of the
 *                                  float32 little-endian bytes), or the error and exit status 1
 */
#include "harness.h"
#include "nn/checkpoint.h"
#include "nn/error.h"
#include "nn/tensor.h"
#include "nn_data/test_util.h"

#include <errno.h>
#include <signal.h>
#include <sys/resource.h>

static char tmp[256];

/* ---- parameter sets ------------------------------------------------------------------------ */

typedef struct model {
    size_t n;
    nn_param p[16];
    float *block;
    char names[16][32];
} model;

typedef struct spec {
    const char *name;
    int ndim;
    int64_t shape[4];
} spec;

static void model_build(model *m, const spec *s, size_t n, float (*value)(size_t k, size_t i)) {
    memset(m, 0, sizeof *m);
    size_t total = 0;
    for (size_t k = 0; k < n; k++)
        total += nn_shape_numel(s[k].ndim, s[k].shape);
    m->block = malloc((total ? total : 1) * sizeof(float));
    float *at = m->block;
    for (size_t k = 0; k < n; k++) {
        snprintf(m->names[k], sizeof m->names[k], "%s", s[k].name);
        m->p[k].name = m->names[k];
        m->p[k].value = nn_tensor_view(at, s[k].ndim, s[k].shape);
        for (size_t i = 0; i < m->p[k].value.numel; i++)
            at[i] = value(k, i);
        at += m->p[k].value.numel;
    }
    m->n = n;
}

static void model_free(model *m) {
    free(m->block);
}

/* The tutorial's Net (pytorch/examples mnist), in state_dict order. */
static const spec net_spec[] = {
    {"conv1.weight", 4, {32, 1, 3, 3}},  {"conv1.bias", 1, {32}},
    {"conv2.weight", 4, {64, 32, 3, 3}}, {"conv2.bias", 1, {64}},
    {"fc1.weight", 2, {128, 9216}},      {"fc1.bias", 1, {128}},
    {"fc2.weight", 2, {10, 128}},        {"fc2.bias", 1, {10}},
};

/* Exactly representable: a 24-bit hash scaled into [-0.5, 0.5). py/test_checkpoint.py
 * recomputes it with numpy. */
static float net_value(size_t k, size_t i) {
    uint32_t h = (uint32_t)(i * 2654435761u + k * 40503u);
    return (float)(h >> 8) / 16777216.0f - 0.5f;
}

/* The twin of golden/data/ckpt_twin.pt (oracle/data_checkpoint_golden.py). */
static const spec twin_spec[] = {
    {"conv1.weight", 4, {4, 1, 3, 3}},
    {"conv1.bias", 1, {4}},
    {"scalar", 0, {0}},
    {"fc.weight", 2, {3, 300}},
    {"fc.bias", 1, {3}},
    {"a", 1, {1}},
    {"b", 2, {2, 2}},
    {"c", 2, {0, 70000}},
    {"d", 4, {1, 1, 1, 1}},
    {"e", 1, {5}},
    {"f", 2, {2, 3}},
    {"g", 1, {7}},
};

static float twin_value(size_t t, size_t i) {
    return (float)((int)(i % 97) - 48) * 0.125f + (float)t;
}

static void path_in(char *out, size_t n, const char *name) {
    snprintf(out, n, "%s/%s", tmp, name);
}

/* ---- tests ----------------------------------------------------------------------------------- */

static void test_pt_matches_torch_bytes(void) {
    model m;
    model_build(&m, twin_spec, 12, twin_value);
    char dir[300], path[400];
    path_in(dir, sizeof dir, "twin");
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/ckpt_twin.pt", dir);
    CHECK_EQ_INT(nn_checkpoint_save(path, m.p, m.n, NULL), NN_OK);
    size_t n_ours = 0, n_torch = 0;
    char *ours = harness_read_file(path, &n_ours);
    char *torch = harness_read_file("golden/data/ckpt_twin.pt", &n_torch);
    CHECK(ours && torch);
    if (ours && torch) {
        CHECK_EQ_INT(n_ours, n_torch);
        size_t first = 0;
        while (first < n_ours && first < n_torch && ours[first] == torch[first])
            first++;
        if (first != n_ours || n_ours != n_torch)
            harness_fail(__FILE__, __LINE__, "differs from torch.save at byte %zu", first);
    }
    free(ours);
    free(torch);
    /* and it reads back */
    nn_checkpoint *ck = NULL;
    CHECK_EQ_INT(nn_checkpoint_read(&ck, path, NN_CHECKPOINT_AUTO), NN_OK);
    if (ck) {
        CHECK_EQ_INT(ck->count, 12);
        const nn_checkpoint_tensor *t = nn_checkpoint_find(ck, "scalar");
        CHECK(t && t->ndim == 0 && t->numel == 1 && t->data[0] == twin_value(2, 0));
        t = nn_checkpoint_find(ck, "c");
        CHECK(t && t->ndim == 2 && t->shape[1] == 70000 && t->numel == 0);
        nn_checkpoint_free(ck);
    }
    model_free(&m);
}

/* torch's archive name is the file's stem; "archive" when there is none */
static void test_pt_archive_name(void) {
    model m;
    model_build(&m, twin_spec, 2, twin_value);
    char path[400];
    path_in(path, sizeof path, "my.model.v2.pth");
    CHECK_EQ_INT(nn_checkpoint_save(path, m.p, m.n, NULL), NN_OK);
    size_t n = 0;
    char *b = harness_read_file(path, &n);
    CHECK(b && n > 60 && memcmp(b + 30, "my.model.v2/data.pkl", 20) == 0);
    free(b);
    path_in(path, sizeof path, ".pt");
    CHECK_EQ_INT(nn_checkpoint_save(path, m.p, m.n, NULL), NN_OK);
    b = harness_read_file(path, &n);
    CHECK(b && n > 60 && memcmp(b + 30, "archive/data.pkl", 16) == 0);
    free(b);
    model_free(&m);
}

static int bits_equal(const float *a, const float *b, size_t n) {
    return n == 0 || memcmp(a, b, n * sizeof(float)) == 0;
}

static float special_value(size_t k, size_t i) {
    static const uint32_t bits[] = {0x80000000u, 0x7f800000u, 0xff800000u, 0x7fc00001u,
                                    0x00000001u, 0x7f7fffffu, 0x3f800000u};
    float f;
    uint32_t b = bits[(i + k) % 7];
    memcpy(&f, &b, 4);
    return f;
}

static void test_round_trip_both_formats(void) {
    const char *names[] = {"net.pt", "net.safetensors"};
    for (int f = 0; f < 2; f++) {
        model m, back;
        model_build(&m, net_spec, 8, net_value);
        model_build(&back, net_spec, 8, special_value); /* overwritten by the load */
        char path[400];
        path_in(path, sizeof path, names[f]);
        CHECK_EQ_INT(nn_checkpoint_save(path, m.p, m.n, NULL), NN_OK);
        CHECK_EQ_INT(nn_checkpoint_load(path, back.p, back.n, NULL), NN_OK);
        for (size_t k = 0; k < 8; k++)
            CHECK(bits_equal(m.p[k].value.data, back.p[k].value.data, m.p[k].value.numel));
        nn_checkpoint *ck = NULL;
        CHECK_EQ_INT(nn_checkpoint_read(&ck, path, NN_CHECKPOINT_AUTO), NN_OK);
        if (ck) {
            CHECK_EQ_INT(ck->count, 8);
            CHECK_EQ_INT(ck->format, f ? NN_CHECKPOINT_SAFETENSORS : NN_CHECKPOINT_TORCH);
            for (size_t k = 0; k < ck->count; k++) {
                CHECK_STREQ(ck->tensors[k].name, net_spec[k].name); /* file order kept */
                CHECK_EQ_INT(ck->tensors[k].ndim, net_spec[k].ndim);
            }
            nn_checkpoint_free(ck);
        }
        model_free(&m);
        model_free(&back);
        /* special floats survive bit for bit: -0, inf, -inf, a NaN payload, a denormal */
        model_build(&m, net_spec + 7, 1, special_value);
        model_build(&back, net_spec + 7, 1, net_value);
        CHECK_EQ_INT(nn_checkpoint_save(path, m.p, 1, NULL), NN_OK);
        CHECK_EQ_INT(nn_checkpoint_load(path, back.p, 1, NULL), NN_OK);
        CHECK(bits_equal(m.p[0].value.data, back.p[0].value.data, 10));
        model_free(&m);
        model_free(&back);
    }
}

static void test_safetensors_layout(void) {
    static const spec s[] = {{"w", 2, {2, 3}}, {"odd \"name\"\\", 1, {2}}, {"s", 0, {0}}};
    model m;
    model_build(&m, s, 3, twin_value);
    char path[400];
    path_in(path, sizeof path, "layout.safetensors");
    CHECK_EQ_INT(nn_checkpoint_save(path, m.p, m.n, NULL), NN_OK);
    size_t n = 0;
    char *b = harness_read_file(path, &n);
    CHECK(b != NULL);
    if (b) {
        uint64_t hlen = 0;
        for (int i = 0; i < 8; i++)
            hlen |= (uint64_t)(uint8_t)b[i] << (8 * i);
        CHECK_EQ_INT(hlen % 8, 0);
        CHECK_EQ_INT(n, 8 + hlen + 4 * (6 + 2 + 1));
        const char *want = "{\"__metadata__\":{\"format\":\"pt\"},"
                           "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                           "\"odd \\\"name\\\"\\\\\":{\"dtype\":\"F32\",\"shape\":[2],"
                           "\"data_offsets\":[24,32]},"
                           "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[32,36]}}";
        size_t wl = strlen(want);
        CHECK(hlen >= wl && memcmp(b + 8, want, wl) == 0);
        for (size_t i = wl; i < hlen; i++)
            CHECK(b[8 + i] == ' ');
        CHECK(memcmp(b + 8 + hlen, m.p[0].value.data, 24) == 0);
        free(b);
    }
    /* the escaped name reads back */
    nn_checkpoint *ck = NULL;
    CHECK_EQ_INT(nn_checkpoint_read(&ck, path, NN_CHECKPOINT_AUTO), NN_OK);
    if (ck) {
        CHECK(nn_checkpoint_find(ck, "odd \"name\"\\") != NULL);
        nn_checkpoint_free(ck);
    }
    model_free(&m);
}

/* A state_dict as PyTorch writes it: _metadata, views with strides and offsets, shared storage. */
static void test_read_torch_state_dict(void) {
    nn_checkpoint *ck = NULL;
    CHECK_EQ_INT(nn_checkpoint_read(&ck, "golden/data/ckpt_statedict.pt", NN_CHECKPOINT_AUTO),
                 NN_OK);
    FILE *f = fopen("golden/data/ckpt_statedict.txt", "r");
    CHECK(f != NULL);
    if (!ck || !f) {
        if (f)
            fclose(f);
        nn_checkpoint_free(ck);
        return;
    }
    static char line[65536];
    const nn_checkpoint_tensor *t = NULL;
    int tensors = 0;
    while (fgets(line, sizeof line, f)) {
        char name[128];
        int ndim, used;
        if (sscanf(line, "tensor %127s %d%n", name, &ndim, &used) == 2) {
            t = nn_checkpoint_find(ck, name);
            CHECK(t != NULL);
            if (!t)
                continue;
            CHECK_EQ_INT(t->ndim, ndim);
            const char *s = line + used;
            for (int d = 0; d < ndim; d++) {
                long long v;
                int u2;
                if (sscanf(s, "%lld%n", &v, &u2) == 1)
                    CHECK_EQ_INT(t->shape[d], v);
                s += u2;
            }
            tensors++;
        } else if (t && strncmp(line, "values", 6) == 0) {
            const char *s = line + 6;
            unsigned bits;
            int u2;
            size_t i = 0;
            while (sscanf(s, "%x%n", &bits, &u2) == 1) {
                uint32_t got;
                CHECK(i < t->numel);
                if (i < t->numel) {
                    memcpy(&got, &t->data[i], 4);
                    if (got != bits)
                        harness_fail(__FILE__, __LINE__, "%s[%zu]: %08x != %08x", t->name, i, got,
                                     bits);
                }
                i++;
                s += u2;
            }
            CHECK_EQ_INT(i, t->numel);
        }
    }
    fclose(f);
    CHECK_EQ_INT(tensors, 7);
    CHECK_EQ_INT(ck->count, 7);
    nn_checkpoint_free(ck);
}

static void expect_error(int got, int code, const char *frag) {
    CHECK_EQ_INT(got, code);
    if (frag && !strstr(nn_error_last(), frag))
        harness_fail(__FILE__, __LINE__, "message lacks \"%s\": %s", frag, nn_error_last());
}

static void test_load_state_dict_checks(void) {
    model m;
    model_build(&m, net_spec, 8, net_value);
    char path[400];
    path_in(path, sizeof path, "strict.pt");
    CHECK_EQ_INT(nn_checkpoint_save(path, m.p, 6, NULL), NN_OK); /* without fc2 */
    model other;
    model_build(&other, net_spec, 8, special_value);
    float before = other.p[0].value.data[0];
    /* missing keys: all named, and nothing copied */
    expect_error(nn_checkpoint_load(path, other.p, 8, NULL), NN_ENOTFOUND,
                 "missing key(s): \"fc2.weight\", \"fc2.bias\"");
    CHECK(memcmp(&other.p[0].value.data[0], &before, 4) == 0);
    /* unexpected keys when strict; ignored when not */
    expect_error(nn_checkpoint_load(path, other.p, 4, NULL), NN_ENOTFOUND,
                 "unexpected key(s): \"fc1.weight\", \"fc1.bias\"");
    nn_checkpoint_load_opts lax = NN_CHECKPOINT_LOAD_OPTS_INIT;
    lax.strict = 0;
    CHECK_EQ_INT(nn_checkpoint_load(path, other.p, 4, &lax), NN_OK);
    CHECK(bits_equal(other.p[2].value.data, m.p[2].value.data, other.p[2].value.numel));
    /* shape mismatch: both shapes in the message */
    static const spec wrong[] = {{"conv1.weight", 4, {32, 1, 5, 5}}};
    model w;
    model_build(&w, wrong, 1, net_value);
    expect_error(nn_checkpoint_load(path, w.p, 1, &lax), NN_ESHAPE,
                 "size mismatch for conv1.weight: the checkpoint has shape [32, 1, 3, 3], the "
                 "model has [32, 1, 5, 5]");
    model_free(&w);
    model_free(&m);
    model_free(&other);
}

static void test_save_errors(void) {
    model m;
    model_build(&m, net_spec, 2, net_value);
    char path[400];
    /* unknown extension */
    path_in(path, sizeof path, "model.bin");
    expect_error(nn_checkpoint_save(path, m.p, m.n, NULL), NN_EINVAL,
                 "unknown checkpoint extension");
    nn_checkpoint_format fmt;
    CHECK_EQ_INT(nn_checkpoint_format_of(&fmt, "x.pth"), NN_OK);
    CHECK_EQ_INT(fmt, NN_CHECKPOINT_TORCH);
    CHECK_EQ_INT(nn_checkpoint_format_of(&fmt, "x.safetensors"), NN_OK);
    CHECK_EQ_INT(fmt, NN_CHECKPOINT_SAFETENSORS);
    /* an explicit format overrides the extension */
    nn_checkpoint_save_opts so = NN_CHECKPOINT_SAVE_OPTS_INIT;
    so.format = NN_CHECKPOINT_SAFETENSORS;
    CHECK_EQ_INT(nn_checkpoint_save(path, m.p, m.n, &so), NN_OK);
    nn_checkpoint *ck = NULL;
    CHECK_EQ_INT(nn_checkpoint_read(&ck, path, NN_CHECKPOINT_SAFETENSORS), NN_OK);
    nn_checkpoint_free(ck);
    /* a directory that does not exist, and a "directory" that is a file */
    path_in(path, sizeof path, "no/such/dir/m.pt");
    expect_error(nn_checkpoint_save(path, m.p, m.n, NULL), NN_EIO, "No such file or directory");
    CHECK(strstr(nn_error_last(), path) != NULL);
    path_in(path, sizeof path, "model.bin/m.pt");
    expect_error(nn_checkpoint_save(path, m.p, m.n, NULL), NN_EIO, "Not a directory");
    /* bad parameters */
    path_in(path, sizeof path, "bad.pt");
    m.p[1].name = m.p[0].name;
    expect_error(nn_checkpoint_save(path, m.p, m.n, NULL), NN_EINVAL, "conv1.weight appears twice");
    m.p[1].name = "";
    expect_error(nn_checkpoint_save(path, m.p, m.n, NULL), NN_EINVAL, "parameter 1 has no name");
    m.p[1].name = m.names[1];
    m.p[1].value.numel = 3;
    expect_error(nn_checkpoint_save(path, m.p, m.n, NULL), NN_EINVAL, "does not match its shape");
    m.p[1].value.numel = 32;
    CHECK(access(path, F_OK) != 0);
    model_free(&m);
}

/* A write that fails half-way (here: the file-size limit, standing in for a full disk) is an
 * error naming the file; the old file under that name survives and no temporary is left. */
static void test_full_disk(void) {
    model m;
    model_build(&m, net_spec, 8, net_value); /* 4.8 MB */
    char dir[300], path[400];
    path_in(dir, sizeof dir, "full");
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/old.pt", dir);
    CHECK_EQ_INT(nn_checkpoint_save(path, m.p, 2, NULL), NN_OK);
    size_t old_len = 0;
    char *old = harness_read_file(path, &old_len);
    struct rlimit saved, lim;
    getrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, SIG_IGN);
    lim = saved;
    lim.rlim_cur = 100000;
    CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    for (int f = 0; f < 2; f++) {
        snprintf(path, sizeof path, "%s/old.%s", dir, f ? "safetensors" : "pt");
        if (f)
            CHECK_EQ_INT(nn_checkpoint_save(path, m.p, 1, NULL), NN_OK);
        int st = nn_checkpoint_save(path, m.p, m.n, NULL);
        CHECK_EQ_INT(st, NN_EIO);
        CHECK(strstr(nn_error_last(), path) != NULL);
        CHECK(strstr(nn_error_last(), "File too large") != NULL);
    }
    setrlimit(RLIMIT_FSIZE, &saved);
    snprintf(path, sizeof path, "%s/old.pt", dir);
    size_t now_len = 0;
    char *now = harness_read_file(path, &now_len);
    CHECK(old && now && old_len == now_len && memcmp(old, now, old_len) == 0);
    CHECK_EQ_INT(tu_count_entries(dir, ".tmp."), 0);
    free(old);
    free(now);
    model_free(&m);
}

/* Damaged files are errors that say what is wrong, never crashes. */
static void test_read_errors(void) {
    model m;
    model_build(&m, net_spec + 6, 2, net_value);
    char pt[400], st[400], bad[400];
    path_in(pt, sizeof pt, "r.pt");
    path_in(st, sizeof st, "r.safetensors");
    path_in(bad, sizeof bad, "bad.pt");
    CHECK_EQ_INT(nn_checkpoint_save(pt, m.p, m.n, NULL), NN_OK);
    CHECK_EQ_INT(nn_checkpoint_save(st, m.p, m.n, NULL), NN_OK);
    size_t n = 0;
    char *b = harness_read_file(pt, &n);
    nn_checkpoint *ck = NULL;

    expect_error(nn_checkpoint_read(&ck, "no-such.pt", NN_CHECKPOINT_AUTO), NN_ENOTFOUND,
                 "no-such.pt");
    /* every truncation of a .pt fails cleanly */
    int failures = 0;
    for (size_t cut = 0; cut < n; cut += (cut < 200 ? 1 : 37)) {
        tu_write(bad, b, cut);
        if (nn_checkpoint_read(&ck, bad, NN_CHECKPOINT_AUTO) != NN_OK)
            failures++;
        else
            nn_checkpoint_free(ck);
        ck = NULL;
    }
    CHECK(failures > 0);
    tu_write(bad, b, n - 10);
    expect_error(nn_checkpoint_read(&ck, bad, NN_CHECKPOINT_AUTO), NN_EFORMAT, "zip end record");
    /* a flipped bit in a storage: CRC */
    b[700] ^= 1; /* inside data/0 (fc2.weight) */
    tu_write(bad, b, n);
    expect_error(nn_checkpoint_read(&ck, bad, NN_CHECKPOINT_AUTO), NN_EFORMAT, "CRC mismatch");
    b[700] ^= 1;
    /* not a zip at all */
    tu_write(bad, "hello world, not a zip archive", 30);
    expect_error(nn_checkpoint_read(&ck, bad, NN_CHECKPOINT_AUTO), NN_EFORMAT, "not a zip");
    /* float64 tensors are refused by name */
    expect_error(nn_checkpoint_read(&ck, "golden/data/ckpt_double.pt", NN_CHECKPOINT_AUTO),
                 NN_EFORMAT, "tensor w is stored as torch.DoubleStorage");
    free(b);

    b = harness_read_file(st, &n);
    char sbad[400];
    path_in(sbad, sizeof sbad, "bad.safetensors");
    tu_write(sbad, b, 4);
    expect_error(nn_checkpoint_read(&ck, sbad, NN_CHECKPOINT_AUTO), NN_EFORMAT, "too short");
    tu_write(sbad, b, 100);
    expect_error(nn_checkpoint_read(&ck, sbad, NN_CHECKPOINT_AUTO), NN_EFORMAT,
                 "does not fit in the 100-byte file");
    tu_write(sbad, b, n - 4);
    expect_error(nn_checkpoint_read(&ck, sbad, NN_CHECKPOINT_AUTO), NN_EFORMAT,
                 "tensor fc2.bias: data ends at byte 5160");
    char *f32 = strstr(b + 8, "F32");
    memcpy(f32, "F64", 3);
    tu_write(sbad, b, n);
    expect_error(nn_checkpoint_read(&ck, sbad, NN_CHECKPOINT_AUTO), NN_EFORMAT,
                 "tensor fc2.weight has dtype F64");
    memcpy(f32, "F32", 3);
    b[8] = '['; /* header not an object */
    tu_write(sbad, b, n);
    expect_error(nn_checkpoint_read(&ck, sbad, NN_CHECKPOINT_AUTO), NN_EFORMAT,
                 "bad safetensors header");
    free(b);
    const char *hdr = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}    ";
    char raw[128] = {0};
    raw[0] = (char)strlen(hdr);
    memcpy(raw + 8, hdr, strlen(hdr));
    tu_write(sbad, raw, 8 + strlen(hdr) + 8);
    expect_error(nn_checkpoint_read(&ck, sbad, NN_CHECKPOINT_AUTO), NN_EFORMAT,
                 "data_offsets span 4 bytes but shape needs 8");
    model_free(&m);
}

/* Random damage (bytes overwritten anywhere) must give NN_OK or an error, never a crash; run under
 * the sanitizers this is a small fuzzer of both readers. */
static void test_random_damage(void) {
    static const spec s[] = {{"conv.weight", 4, {2, 1, 3, 3}},
                             {"conv.bias", 1, {2}},
                             {"fc.weight", 2, {3, 4}},
                             {"s", 0, {0}}};
    model m;
    model_build(&m, s, 4, twin_value);
    const char *names[] = {"fuzz.pt", "fuzz.safetensors"};
    uint32_t seed = 12345;
    for (int f = 0; f < 2; f++) {
        char path[400], bad[400];
        path_in(path, sizeof path, names[f]);
        snprintf(bad, sizeof bad, "%s/damaged.%s", tmp, f ? "safetensors" : "pt");
        CHECK_EQ_INT(nn_checkpoint_save(path, m.p, m.n, NULL), NN_OK);
        size_t n = 0;
        char *orig = harness_read_file(path, &n);
        CHECK(orig != NULL && n > 0);
        if (!orig)
            continue;
        char *b = malloc(n);
        int ok = 0, failed = 0;
        for (int iter = 0; iter < 1500; iter++) {
            memcpy(b, orig, n);
            int flips = 1 + iter % 4;
            for (int k = 0; k < flips; k++) {
                seed = seed * 1664525u + 1013904223u;
                size_t at = (seed >> 8) % n;
                seed = seed * 1664525u + 1013904223u;
                b[at] = (char)(seed >> 24);
            }
            tu_write(bad, b, n);
            nn_checkpoint *ck = NULL;
            if (nn_checkpoint_read(&ck, bad, NN_CHECKPOINT_AUTO) == NN_OK) {
                ok++;
                nn_checkpoint_free(ck);
            } else {
                failed++;
                CHECK(strlen(nn_error_last()) > 0);
            }
        }
        CHECK(failed > 0);
        free(b);
        free(orig);
    }
    model_free(&m);
}

static void test_error_module(void) {
    nn_error_clear();
    CHECK_STREQ(nn_error_last(), "");
    CHECK_EQ_INT(nn_error_last_code(), NN_OK);
    CHECK_EQ_INT(nn_error_set(NN_EIO, "cannot open %s", "x.pt"), NN_EIO);
    CHECK_STREQ(nn_error_last(), "cannot open x.pt");
    CHECK_EQ_INT(nn_error_last_code(), NN_EIO);
    CHECK_EQ_INT(nn_error_wrap(NN_EIO, "loading %s: ", "run"), NN_EIO);
    CHECK_STREQ(nn_error_last(), "loading run: cannot open x.pt");
    CHECK_STREQ(nn_strerror(NN_EFORMAT), "bad file format");
    CHECK_STREQ(nn_strerror(12345), "unknown error");
    char big[3000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    nn_error_set(NN_EINVAL, "%s", big);
    CHECK_EQ_INT(strlen(nn_error_last()), 1023);
    nn_error_clear();
}

/* ---- the modes used by the Python test ----------------------------------------------------- */

static int mode_write(const char *dir) {
    model m;
    model_build(&m, net_spec, 8, net_value);
    char path[4200];
    const char *ext[] = {"pt", "safetensors"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/net.%s", dir, ext[i]);
        if (nn_checkpoint_save(path, m.p, m.n, NULL) != NN_OK) {
            fprintf(stderr, "error: %s\n", nn_error_last());
            model_free(&m);
            return 1;
        }
    }
    model_free(&m);
    return 0;
}

static int mode_dump(const char *path) {
    nn_checkpoint *ck;
    if (nn_checkpoint_read(&ck, path, NN_CHECKPOINT_AUTO) != NN_OK) {
        fprintf(stderr, "error: %s\n", nn_error_last());
        return 1;
    }
    for (size_t i = 0; i < ck->count; i++) {
        const nn_checkpoint_tensor *t = &ck->tensors[i];
        uLong crc = crc32(0L, Z_NULL, 0);
        if (t->numel)
            crc = crc32(crc, (const Bytef *)t->data, (uInt)(t->numel * sizeof(float)));
        printf("%s %d", t->name, t->ndim);
        for (int d = 0; d < t->ndim; d++)
            printf(" %lld", (long long)t->shape[d]);
        printf(" %08lx\n", (unsigned long)crc);
    }
    nn_checkpoint_free(ck);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && !strcmp(argv[1], "write"))
        return mode_write(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "dump"))
        return mode_dump(argv[2]);
    tu_mkdtemp(tmp, sizeof tmp, "nn_ckpt");
    RUN(test_pt_matches_torch_bytes);
    RUN(test_pt_archive_name);
    RUN(test_round_trip_both_formats);
    RUN(test_safetensors_layout);
    RUN(test_read_torch_state_dict);
    RUN(test_load_state_dict_checks);
    RUN(test_save_errors);
    RUN(test_full_disk);
    RUN(test_read_errors);
    RUN(test_random_damage);
    RUN(test_error_module);
    if (harness_failed)
        fprintf(stderr, "scratch files kept in %s\n", tmp);
    else
        tu_rmtree(tmp);
    return harness_summary();
}

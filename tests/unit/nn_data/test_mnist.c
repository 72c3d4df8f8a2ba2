/* MNIST idx loading (every header and size check), batches against torchvision's transform,
 * fetching from file:// mirrors and from a local copy. HTTP is covered by py/test_download.py. */
#include "harness.h"
#include "nn/data.h"
#include "nn/error.h"
#include "nn/md5.h"
#include "nn/mnist.h"
#include "nn_data/test_util.h"

#include <signal.h>
#include <sys/resource.h>

static char tmp[256];

/* Writes images and labels as <dir>/<prefix>-images-idx3-ubyte[.gz] etc. */
static void write_pair(const char *dir, const char *prefix, uint32_t n_img, uint32_t n_lab,
                       int gz) {
    char p[512];
    size_t li, ll;
    uint8_t *img = tu_idx_images(n_img, 28, 28, &li);
    uint8_t *lab = tu_idx_labels(n_lab, &ll);
    snprintf(p, sizeof p, "%s/%s-images-idx3-ubyte%s", dir, prefix, gz ? ".gz" : "");
    CHECK((gz ? tu_write_gz(p, img, li) : tu_write(p, img, li)) == 0);
    snprintf(p, sizeof p, "%s/%s-labels-idx1-ubyte%s", dir, prefix, gz ? ".gz" : "");
    CHECK((gz ? tu_write_gz(p, lab, ll) : tu_write(p, lab, ll)) == 0);
    free(img);
    free(lab);
}

/* Loads dir/img and dir/lab, expecting failure code with all of the fragments in the message. */
static void expect_load_error(const char *img, const char *lab, int code, const char *frag1,
                              const char *frag2) {
    char pi[512], pl[512];
    snprintf(pi, sizeof pi, "%s/%s", tmp, img);
    snprintf(pl, sizeof pl, "%s/%s", tmp, lab);
    nn_mnist *ds = (nn_mnist *)0x1;
    int st = nn_mnist_load_files(&ds, pi, pl);
    CHECK_EQ_INT(st, code);
    CHECK(ds == (nn_mnist *)0x1); /* untouched on failure */
    if (frag1 && !strstr(nn_error_last(), frag1))
        harness_fail(__FILE__, __LINE__, "message lacks \"%s\": %s", frag1, nn_error_last());
    if (frag2 && !strstr(nn_error_last(), frag2))
        harness_fail(__FILE__, __LINE__, "message lacks \"%s\": %s", frag2, nn_error_last());
}

static void check_content(const nn_mnist *ds, uint32_t n) {
    CHECK_EQ_INT(ds->count, n);
    CHECK_EQ_INT(ds->rows, 28);
    CHECK_EQ_INT(ds->cols, 28);
    int bad = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (ds->labels[i] != (i * 3) % 10)
            bad++;
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
                if (ds->images[((size_t)i * 28 + y) * 28 + x] != ((i * 7 + y * 3 + x) & 255))
                    bad++;
    }
    CHECK_EQ_INT(bad, 0);
}

static void test_load_raw_and_gz(void) {
    write_pair(tmp, "raw", 50, 50, 0);
    write_pair(tmp, "gz", 50, 50, 1);
    char pi[512], pl[512];
    nn_mnist *ds = NULL;
    snprintf(pi, sizeof pi, "%s/raw-images-idx3-ubyte", tmp);
    snprintf(pl, sizeof pl, "%s/raw-labels-idx1-ubyte", tmp);
    CHECK_EQ_INT(nn_mnist_load_files(&ds, pi, pl), NN_OK);
    if (ds) {
        check_content(ds, 50);
        CHECK(ds->mean == NN_MNIST_MEAN && ds->std == NN_MNIST_STD);
        nn_mnist_free(ds);
    }
    ds = NULL;
    snprintf(pi, sizeof pi, "%s/gz-images-idx3-ubyte.gz", tmp);
    snprintf(pl, sizeof pl, "%s/gz-labels-idx1-ubyte.gz", tmp);
    CHECK_EQ_INT(nn_mnist_load_files(&ds, pi, pl), NN_OK);
    if (ds) {
        check_content(ds, 50);
        nn_mnist_free(ds);
    }
    nn_mnist_free(NULL);
}

static void test_header_errors(void) {
    size_t li, ll;
    uint8_t *img = tu_idx_images(5, 28, 28, &li);
    uint8_t *lab = tu_idx_labels(5, &ll);
    char p[512];
    snprintf(p, sizeof p, "%s/ok-labels", tmp);
    tu_write(p, lab, ll);
    snprintf(p, sizeof p, "%s/ok-images", tmp);
    tu_write(p, img, li);

    /* bad magic: a label file where images are expected */
    snprintf(p, sizeof p, "%s/magic-images", tmp);
    tu_write(p, lab, ll);
    expect_load_error("magic-images", "ok-labels", NN_EFORMAT, "magic-images: bad magic 0x00000801",
                      "expected 0x00000803");
    /* wrong data type byte (0x0D = float) */
    img[2] = 0x0D;
    snprintf(p, sizeof p, "%s/type-images", tmp);
    tu_write(p, img, li);
    expect_load_error("type-images", "ok-labels", NN_EFORMAT, "bad magic 0x00000d03", NULL);
    img[2] = 0x08;
    /* labels file with image magic */
    expect_load_error("ok-images", "ok-images", NN_EFORMAT, "ok-images: bad magic 0x00000803",
                      "idx1-ubyte label");
    /* zero rows */
    tu_be32(img + 8, 0);
    snprintf(p, sizeof p, "%s/rows-images", tmp);
    tu_write(p, img, li);
    expect_load_error("rows-images", "ok-labels", NN_EFORMAT, "implausible image dimension 0",
                      NULL);
    tu_be32(img + 8, 28);
    /* shorter than a header */
    snprintf(p, sizeof p, "%s/tiny-images", tmp);
    tu_write(p, img, 2);
    expect_load_error("tiny-images", "ok-labels", NN_EFORMAT, "truncated at byte 2",
                      "magic number");
    snprintf(p, sizeof p, "%s/hdr-images", tmp);
    tu_write(p, img, 10);
    expect_load_error("hdr-images", "ok-labels", NN_EFORMAT, "truncated at byte 10", "dimensions");
    /* empty file */
    snprintf(p, sizeof p, "%s/empty-images", tmp);
    tu_write(p, img, 0);
    expect_load_error("empty-images", "ok-labels", NN_EFORMAT, "truncated at byte 0", NULL);
    /* missing file */
    expect_load_error("nope-images", "ok-labels", NN_ENOTFOUND, "nope-images", "No such file");
    free(img);
    free(lab);
}

static void test_size_errors(void) {
    size_t li, ll;
    uint8_t *img = tu_idx_images(5, 28, 28, &li);
    uint8_t *lab = tu_idx_labels(5, &ll);
    char p[512];
    snprintf(p, sizeof p, "%s/ok-labels", tmp);
    tu_write(p, lab, ll);
    snprintf(p, sizeof p, "%s/ok-images", tmp);
    tu_write(p, img, li);

    /* raw file cut short: the message gives the byte where it ends */
    snprintf(p, sizeof p, "%s/short-images", tmp);
    tu_write(p, img, li - 100);
    expect_load_error("short-images", "ok-labels", NN_EFORMAT, "truncated at byte 3836",
                      "3936 bytes");
    /* gzip of a cut-short file: detected while reading */
    snprintf(p, sizeof p, "%s/short-images.gz", tmp);
    tu_write_gz(p, img, li - 100);
    expect_load_error("short-images.gz", "ok-labels", NN_EFORMAT, "truncated at byte 3836",
                      "the images");
    /* trailing bytes, raw and gzip */
    uint8_t *big = calloc(li + 3, 1);
    memcpy(big, img, li);
    snprintf(p, sizeof p, "%s/long-images", tmp);
    tu_write(p, big, li + 3);
    expect_load_error("long-images", "ok-labels", NN_EFORMAT, "3 bytes of trailing data", NULL);
    snprintf(p, sizeof p, "%s/long-images.gz", tmp);
    tu_write_gz(p, big, li + 3);
    expect_load_error("long-images.gz", "ok-labels", NN_EFORMAT, "trailing data after byte 3936",
                      NULL);
    free(big);
    /* count mismatch between images and labels */
    size_t ll4;
    uint8_t *lab4 = tu_idx_labels(4, &ll4);
    snprintf(p, sizeof p, "%s/four-labels", tmp);
    tu_write(p, lab4, ll4);
    expect_load_error("ok-images", "four-labels", NN_EFORMAT, "holds 5 images but",
                      "four-labels holds 4 labels");
    free(lab4);
    /* label out of range */
    lab[8 + 3] = 12;
    snprintf(p, sizeof p, "%s/range-labels", tmp);
    tu_write(p, lab, ll);
    expect_load_error("ok-images", "range-labels", NN_EFORMAT, "label 12 at index 3",
                      "out of range 0..9");
    /* a header claiming a huge count must fail cleanly, not allocate gigabytes */
    tu_be32(img + 4, 0xFFFFFFFFu);
    snprintf(p, sizeof p, "%s/huge-images.gz", tmp);
    tu_write_gz(p, img, li);
    expect_load_error("huge-images.gz", "ok-labels", NN_EFORMAT, "huge-images.gz", NULL);
    free(img);
    free(lab);
}

static void test_corrupt_gzip(void) {
    size_t li;
    uint8_t *img = tu_idx_images(40, 28, 28, &li);
    char p[512];
    snprintf(p, sizeof p, "%s/c-images.gz", tmp);
    tu_write_gz(p, img, li);
    size_t n = 0;
    char *gz = harness_read_file(p, &n);
    CHECK(gz != NULL && n > 200);
    /* Flip bytes in the middle of the deflate stream. */
    for (size_t i = n / 2; i < n / 2 + 8; i++)
        gz[i] ^= 0x5A;
    tu_write(p, gz, n);
    expect_load_error("c-images.gz", "ok-labels", NN_EFORMAT, "c-images.gz", NULL);
    const char *m = nn_error_last();
    CHECK(strstr(m, "corrupt") || strstr(m, "truncated") || strstr(m, "trailer"));
    /* Cut the compressed file in half: the stream ends early. */
    tu_write_gz(p, img, li);
    free(gz);
    gz = harness_read_file(p, &n);
    tu_write(p, gz, n / 2);
    expect_load_error("c-images.gz", "ok-labels", NN_EFORMAT, "c-images.gz: truncated at byte",
                      "gzip stream cut short");
    free(gz);
    free(img);
}

/* Random damage to image and label files (raw and gzip): an error or a valid load, never a crash
 * (the sanitizer build turns this into a small fuzzer of the idx reader). */
static void test_random_damage(void) {
    size_t li, ll;
    uint8_t *img = tu_idx_images(6, 28, 28, &li);
    uint8_t *lab = tu_idx_labels(6, &ll);
    uint8_t *bi = malloc(li), *bl = malloc(ll);
    char pi[512], pl[512];
    uint32_t seed = 99;
    int failed = 0;
    for (int iter = 0; iter < 600; iter++) {
        int gz = iter % 2;
        memcpy(bi, img, li);
        memcpy(bl, lab, ll);
        for (int k = 0; k < 1 + iter % 3; k++) {
            seed = seed * 1664525u + 1013904223u;
            /* mostly the headers, sometimes anywhere */
            size_t at = (seed >> 8) % (iter % 5 ? 16 : li);
            seed = seed * 1664525u + 1013904223u;
            if (iter % 3)
                bi[at] = (uint8_t)(seed >> 24);
            else
                bl[at % ll] = (uint8_t)(seed >> 24);
        }
        snprintf(pi, sizeof pi, "%s/fz-images%s", tmp, gz ? ".gz" : "");
        snprintf(pl, sizeof pl, "%s/fz-labels%s", tmp, gz ? ".gz" : "");
        size_t cut = iter % 7 == 0 ? (seed >> 4) % li : li;
        if (gz) {
            tu_write_gz(pi, bi, cut);
            tu_write_gz(pl, bl, ll);
        } else {
            tu_write(pi, bi, cut);
            tu_write(pl, bl, ll);
        }
        nn_mnist *ds = NULL;
        if (nn_mnist_load_files(&ds, pi, pl) == NN_OK) {
            CHECK(ds->count <= 6);
            nn_mnist_free(ds);
        } else {
            failed++;
            CHECK(strstr(nn_error_last(), "fz-") != NULL); /* names the file */
        }
    }
    CHECK(failed > 300);
    free(bi);
    free(bl);
    free(img);
    free(lab);
}

/* The golden file holds torchvision's ToTensor + Normalize output for every pixel value. */
static void test_normalize_matches_torchvision(void) {
    FILE *f = fopen("golden/data/normalize_lut.txt", "r");
    CHECK(f != NULL);
    if (!f)
        return;
    float lut[256];
    nn_normalize_lut(lut, NN_MNIST_MEAN, NN_MNIST_STD);
    char line[256];
    int seen = 0, bad = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned p, bits;
        if (line[0] == '#' || sscanf(line, "%u %x", &p, &bits) != 2)
            continue;
        uint32_t got;
        memcpy(&got, &lut[p], 4);
        if (got != bits) {
            bad++;
            harness_fail(__FILE__, __LINE__, "pixel %u: %08x != torch %08x", p, got, bits);
        }
        seen++;
    }
    fclose(f);
    CHECK_EQ_INT(seen, 256);
    CHECK_EQ_INT(bad, 0);
}

static void test_batch(void) {
    char pi[512], pl[512];
    write_pair(tmp, "b", 20, 20, 0);
    snprintf(pi, sizeof pi, "%s/b-images-idx3-ubyte", tmp);
    snprintf(pl, sizeof pl, "%s/b-labels-idx1-ubyte", tmp);
    nn_mnist *ds = NULL;
    CHECK_EQ_INT(nn_mnist_load_files(&ds, pi, pl), NN_OK);
    if (!ds)
        return;
    float lut[256];
    nn_normalize_lut(lut, NN_MNIST_MEAN, NN_MNIST_STD);
    int64_t idx[3] = {19, 0, 7};
    float x[3 * 784];
    int32_t y[3];
    CHECK_EQ_INT(nn_mnist_batch(x, y, ds, idx, 3), NN_OK);
    int bad = 0;
    for (int b = 0; b < 3; b++) {
        CHECK_EQ_INT(y[b], (idx[b] * 3) % 10);
        for (int k = 0; k < 784; k++)
            if (memcmp(&x[b * 784 + k], &lut[ds->images[idx[b] * 784 + k]], 4) != 0)
                bad++;
    }
    CHECK_EQ_INT(bad, 0);
    /* pixel (7, 0, 0) = 49: ((49 / 255) - 0.1307) / 0.3081 */
    CHECK_CLOSE(x[2 * 784], (49.0 / 255 - 0.1307) / 0.3081, 1e-6, 0);
    /* labels optional; a bad index is an error, not a read out of bounds */
    CHECK_EQ_INT(nn_mnist_batch(x, NULL, ds, idx, 1), NN_OK);
    int64_t badidx[1] = {20};
    CHECK_EQ_INT(nn_mnist_batch(x, y, ds, badidx, 1), NN_EINVAL);
    CHECK(strstr(nn_error_last(), "sample index 20 out of range 0..19") != NULL);
    /* another normalisation */
    ds->mean = 0.5f;
    ds->std = 0.5f;
    CHECK_EQ_INT(nn_mnist_batch(x, y, ds, idx, 1), NN_OK);
    CHECK_CLOSE(x[0], (float)ds->images[19 * 784] / 255.0f * 2 - 1, 1e-6, 0);
    nn_mnist_free(ds);
}

/* A torchvision-style tree: root/MNIST/raw/ with both splits; raw preferred over .gz. */
static void test_load_from_root(void) {
    char root[512], raw[600];
    snprintf(root, sizeof root, "%s/root", tmp);
    snprintf(raw, sizeof raw, "%s/MNIST/raw", root);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", raw);
    CHECK(system(cmd) == 0);
    write_pair(raw, "train", 30, 30, 1);
    write_pair(raw, "t10k", 12, 12, 0);
    nn_mnist_opts o = NN_MNIST_OPTS_INIT;
    o.root = root;
    o.download = 0;
    nn_mnist *ds = NULL;
    CHECK_EQ_INT(nn_mnist_load(&ds, &o), NN_OK);
    if (ds) {
        check_content(ds, 30);
        nn_mnist_free(ds);
    }
    o.train = 0;
    ds = NULL;
    CHECK_EQ_INT(nn_mnist_load(&ds, &o), NN_OK);
    if (ds) {
        check_content(ds, 12);
        nn_mnist_free(ds);
    }
    /* a raw file beside a .gz wins (torchvision reads the raw one) */
    write_pair(raw, "train", 8, 8, 0);
    o.train = 1;
    ds = NULL;
    CHECK_EQ_INT(nn_mnist_load(&ds, &o), NN_OK);
    if (ds) {
        CHECK_EQ_INT(ds->count, 8);
        nn_mnist_free(ds);
    }
    /* Fashion-MNIST is absent: a clear not-found error naming the directory and the fixes */
    o.kind = NN_MNIST_FASHION;
    CHECK_EQ_INT(nn_mnist_load(&ds, &o), NN_ENOTFOUND);
    CHECK(strstr(nn_error_last(), "FashionMNIST/raw/train-images-idx3-ubyte") != NULL);
    CHECK(strstr(nn_error_last(), "CYDRA_DATA_DIR") != NULL);
    o.kind = (nn_mnist_kind)7;
    CHECK_EQ_INT(nn_mnist_load(&ds, &o), NN_EINVAL);
}

static void test_tables(void) {
    CHECK_STREQ(nn_mnist_dirname(NN_MNIST_DIGITS), "MNIST");
    CHECK_STREQ(nn_mnist_dirname(NN_MNIST_FASHION), "FashionMNIST");
    const nn_mnist_file *f = nn_mnist_files(NN_MNIST_DIGITS);
    CHECK_STREQ(f[0].filename, "train-images-idx3-ubyte.gz");
    CHECK_STREQ(f[0].md5, "f68b3c2dcbeaaa9fbdd348bbdeb94873");
    CHECK_STREQ(f[3].filename, "t10k-labels-idx1-ubyte.gz");
    CHECK_STREQ(f[3].md5, "ec29112dd5afa0611ce80d1b7f02629c");
    CHECK_EQ_INT(f[0].raw_size, 47040016);
    f = nn_mnist_files(NN_MNIST_FASHION);
    CHECK_STREQ(f[0].md5, "8d4fb7e6c68d591d4c3dfef9ec88bf0d");
    CHECK_STREQ(f[2].md5, "bef4ecab320f06d8554ea6380940ec79");
    size_t n = 0;
    const char *const *m = nn_mnist_default_mirrors(NN_MNIST_DIGITS, &n);
    CHECK_EQ_INT(n, 2);
    CHECK_STREQ(m[0], "https://ossci-datasets.s3.amazonaws.com/mnist/");
    CHECK_STREQ(m[1], "http://yann.lecun.com/exdb/mnist/");
    m = nn_mnist_default_mirrors(NN_MNIST_FASHION, &n);
    CHECK_EQ_INT(n, 1);
    CHECK_STREQ(nn_mnist_mirrors_env(NN_MNIST_DIGITS), "CYDRA_MNIST_MIRRORS");
    CHECK_STREQ(nn_mnist_mirrors_env(NN_MNIST_FASHION), "CYDRA_FASHION_MNIST_MIRRORS");
}

/* Builds a "mirror" directory of the four .gz files and returns their MD5s in files[]. */
static void make_mirror(const char *dir, nn_mnist_file files[4], char md5s[4][33],
                        char raw_md5s[4][33]) {
    char cmd[700];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    CHECK(system(cmd) == 0);
    write_pair(dir, "train", 30, 30, 1);
    write_pair(dir, "t10k", 10, 10, 1);
    memcpy(files, nn_mnist_files(NN_MNIST_DIGITS), 4 * sizeof *files);
    for (int i = 0; i < 4; i++) {
        char p[800];
        snprintf(p, sizeof p, "%s/%s", dir, files[i].filename);
        CHECK_EQ_INT(nn_md5_file(md5s[i], p), NN_OK);
        files[i].md5 = md5s[i];
        /* md5 of the decompressed bytes */
        size_t n = 0;
        uint8_t *b =
            i % 2 ? tu_idx_labels(i < 2 ? 30 : 10, &n) : tu_idx_images(i < 2 ? 30 : 10, 28, 28, &n);
        nn_md5 m;
        nn_md5_init(&m);
        nn_md5_update(&m, b, n);
        nn_md5_final_hex(&m, raw_md5s[i]);
        files[i].raw_md5 = raw_md5s[i];
        free(b);
    }
}

typedef struct events {
    int start, done, fail;
    char last_fail[512];
} events;

static void record(void *ctx, nn_download_event ev, const char *url, uint64_t now, uint64_t total,
                   const char *msg) {
    events *e = ctx;
    (void)now;
    (void)total;
    if (ev == NN_DOWNLOAD_START)
        e->start++;
    if (ev == NN_DOWNLOAD_DONE)
        e->done++;
    if (ev == NN_DOWNLOAD_FAIL) {
        e->fail++;
        snprintf(e->last_fail, sizeof e->last_fail, "%s: %s", url, msg);
    }
}

/* Mirrors as file:// URLs: the first missing, the second good; then MD5 failures. */
static void test_download_file_mirrors(void) {
    char mirror[512], root[512], bad[600], good[600];
    snprintf(mirror, sizeof mirror, "%s/mirror", tmp);
    snprintf(root, sizeof root, "%s/dl", tmp);
    nn_mnist_file files[4];
    char md5s[4][33], raw_md5s[4][33];
    make_mirror(mirror, files, md5s, raw_md5s);
    snprintf(bad, sizeof bad, "file://%s/nowhere/", tmp);
    snprintf(good, sizeof good, "file://%s", mirror); /* no trailing slash: one is added */
    const char *mirrors[2] = {bad, good};
    events ev = {0};
    nn_mnist_opts o = NN_MNIST_OPTS_INIT;
    o.root = root;
    o.mirrors = mirrors;
    o.n_mirrors = 2;
    o.files = files;
    o.download_opts.progress = record;
    o.download_opts.progress_ctx = &ev;
    nn_mnist *ds = NULL;
    CHECK_EQ_INT(nn_mnist_load(&ds, &o), NN_OK);
    if (ds) {
        check_content(ds, 30);
        nn_mnist_free(ds);
    }
    CHECK_EQ_INT(ev.start, 8);
    CHECK_EQ_INT(ev.fail, 4);
    CHECK_EQ_INT(ev.done, 4);
    CHECK(strstr(ev.last_fail, "nowhere/t10k-labels-idx1-ubyte.gz") != NULL);
    /* the .gz is kept and the decompressed file sits beside it, as torchvision leaves them */
    char p[800], raw[700];
    snprintf(raw, sizeof raw, "%s/MNIST/raw", root);
    snprintf(p, sizeof p, "%s/t10k-images-idx3-ubyte.gz", raw);
    CHECK(access(p, F_OK) == 0);
    snprintf(p, sizeof p, "%s/t10k-images-idx3-ubyte", raw);
    CHECK(access(p, F_OK) == 0);
    CHECK_EQ_INT(tu_count_entries(raw, ".part."), 0);
    /* present files are not fetched again */
    ev = (events){0};
    CHECK_EQ_INT(nn_mnist_download(&o), NN_OK);
    CHECK_EQ_INT(ev.start, 0);

    /* a wrong MD5 on every mirror: error names each URL and the mismatch, nothing left behind */
    char root2[512];
    snprintf(root2, sizeof root2, "%s/dl2", tmp);
    o.root = root2;
    files[1].md5 = "00000000000000000000000000000000";
    const char *one[2] = {good, good};
    o.mirrors = one;
    ev = (events){0};
    CHECK_EQ_INT(nn_mnist_download(&o), NN_ENET);
    const char *m = nn_error_last();
    CHECK(strstr(m, "cannot download train-labels-idx1-ubyte.gz") != NULL);
    CHECK(strstr(m, "all 2 mirrors failed") != NULL);
    CHECK(strstr(m, "[1] file://") != NULL && strstr(m, "[2] file://") != NULL);
    CHECK(strstr(m, "MD5 mismatch") != NULL);
    CHECK(strstr(m, "expected 00000000000000000000000000000000") != NULL);
    snprintf(raw, sizeof raw, "%s/MNIST/raw", root2);
    snprintf(p, sizeof p, "%s/train-labels-idx1-ubyte.gz", raw);
    CHECK(access(p, F_OK) != 0);
    CHECK_EQ_INT(tu_count_entries(raw, ".part."), 0);
    CHECK_EQ_INT(tu_count_entries(raw, "train-images"), 2); /* the file before it arrived */
    files[1].md5 = md5s[1];

    /* the decompressed content is checked too */
    files[2].raw_md5 = "11111111111111111111111111111111";
    CHECK_EQ_INT(nn_mnist_download(&o), NN_ECHECKSUM);
    CHECK(strstr(nn_error_last(), "decompressed MD5") != NULL);
    files[2].raw_md5 = raw_md5s[2];

    /* no mirrors at all */
    o.n_mirrors = 0;
    CHECK_EQ_INT(nn_mnist_download(&o), NN_ENET);
    CHECK(strstr(nn_error_last(), "no mirrors") != NULL);

    /* a malformed expected MD5 is a usage error, not a network one */
    CHECK_EQ_INT(nn_download_file(good, p, "abc", NULL), NN_EINVAL);
}

/* A local write failure (here the file-size limit, standing in for a full disk) stops at once:
 * every other mirror would fail the same way. */
static void test_download_local_write_failure(void) {
    char mirror[512], root[512], good[600];
    snprintf(mirror, sizeof mirror, "%s/mirror", tmp);
    snprintf(root, sizeof root, "%s/dl_full", tmp);
    nn_mnist_file files[4];
    char md5s[4][33], raw_md5s[4][33];
    make_mirror(mirror, files, md5s, raw_md5s);
    snprintf(good, sizeof good, "file://%s/", mirror);
    const char *mirrors[2] = {good, good};
    events ev = {0};
    nn_mnist_opts o = NN_MNIST_OPTS_INIT;
    o.root = root;
    o.mirrors = mirrors;
    o.n_mirrors = 2;
    o.files = files;
    o.download_opts.progress = record;
    o.download_opts.progress_ctx = &ev;
    struct rlimit saved, lim;
    getrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, SIG_IGN);
    lim = saved;
    lim.rlim_cur = 100;
    CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    int st = nn_mnist_download(&o);
    setrlimit(RLIMIT_FSIZE, &saved);
    CHECK_EQ_INT(st, NN_EIO);
    CHECK(strstr(nn_error_last(), "cannot download train-images-idx3-ubyte.gz into") != NULL);
    CHECK(strstr(nn_error_last(), "File too large") != NULL);
    CHECK_EQ_INT(ev.start, 1);
    CHECK_EQ_INT(ev.fail, 1);
    char raw[700];
    snprintf(raw, sizeof raw, "%s/MNIST/raw", root);
    CHECK_EQ_INT(tu_count_entries(raw, "idx"), 0);
}

/* The mirror list comes from the environment when the options do not give one. */
static void test_mirrors_from_env(void) {
    char mirror[512], root[512], env[1400];
    snprintf(mirror, sizeof mirror, "%s/mirror", tmp); /* made by the previous test */
    snprintf(root, sizeof root, "%s/dl_env", tmp);
    nn_mnist_file files[4];
    char md5s[4][33], raw_md5s[4][33];
    make_mirror(mirror, files, md5s, raw_md5s);
    snprintf(env, sizeof env, "  file://%s/absent/   file://%s/ ", tmp, mirror);
    setenv("CYDRA_MNIST_MIRRORS", env, 1);
    events ev = {0};
    nn_mnist_opts o = NN_MNIST_OPTS_INIT;
    o.root = root;
    o.files = files;
    o.download_opts.progress = record;
    o.download_opts.progress_ctx = &ev;
    CHECK_EQ_INT(nn_mnist_download(&o), NN_OK);
    CHECK_EQ_INT(ev.fail, 4);
    CHECK_EQ_INT(ev.done, 4);
    CHECK(strstr(ev.last_fail, "absent/") != NULL);
    unsetenv("CYDRA_MNIST_MIRRORS");
}

/* Fashion-MNIST from a local copy (how Debian's dataset-fashion-mnist is used) before mirrors. */
static void test_local_source(void) {
    char local[512], root[512];
    snprintf(local, sizeof local, "%s/mirror", tmp);
    snprintf(root, sizeof root, "%s/fashion", tmp);
    nn_mnist_file files[4];
    char md5s[4][33], raw_md5s[4][33];
    make_mirror(local, files, md5s, raw_md5s);
    char nowhere[600];
    snprintf(nowhere, sizeof nowhere, "file://%s/nowhere/", tmp);
    const char *mirrors[1] = {nowhere};
    events ev = {0};
    nn_mnist_opts o = NN_MNIST_OPTS_INIT;
    o.kind = NN_MNIST_FASHION;
    o.root = root;
    o.local_source = local;
    o.mirrors = mirrors;
    o.n_mirrors = 1;
    o.files = files;
    o.download_opts.progress = record;
    o.download_opts.progress_ctx = &ev;
    nn_mnist *ds = NULL;
    CHECK_EQ_INT(nn_mnist_load(&ds, &o), NN_OK);
    CHECK_EQ_INT(ev.fail, 0);
    CHECK_EQ_INT(ev.done, 4);
    if (ds) {
        check_content(ds, 30);
        nn_mnist_free(ds);
    }
    /* only the decompressed file is written (the packaged .gz may differ from the published) */
    char raw[700];
    snprintf(raw, sizeof raw, "%s/FashionMNIST/raw", root);
    CHECK_EQ_INT(tu_count_entries(raw, ".gz"), 0);
    CHECK_EQ_INT(tu_count_entries(raw, "idx"), 4);

    /* a local copy with the wrong content falls through to the mirrors, and the final error
     * names both the local copy and the mirror */
    snprintf(root, sizeof root, "%s/fashion2", tmp);
    files[0].raw_md5 = "22222222222222222222222222222222";
    ev = (events){0};
    CHECK_EQ_INT(nn_mnist_download(&o), NN_ENET);
    const char *m = nn_error_last();
    CHECK(strstr(m, "local copy") != NULL);
    CHECK(strstr(m, "decompressed MD5") != NULL);
    CHECK(strstr(m, "nowhere/train-images-idx3-ubyte.gz") != NULL);
}

static void test_data_root(void) {
    char out[256];
    unsetenv("CYDRA_DATA_DIR");
    CHECK_EQ_INT(nn_data_root(out, sizeof out, "/srv/run"), NN_OK);
    CHECK_STREQ(out, "/srv/run/data");
    setenv("CYDRA_DATA_DIR", "/mnt/datasets", 1);
    CHECK_EQ_INT(nn_data_root(out, sizeof out, "/srv/run"), NN_OK);
    CHECK_STREQ(out, "/mnt/datasets");
    setenv("CYDRA_DATA_DIR", "cache/d", 1);
    CHECK_EQ_INT(nn_data_root(out, sizeof out, "/srv/run"), NN_OK);
    CHECK_STREQ(out, "/srv/run/cache/d");
    setenv("CYDRA_DATA_DIR", "", 1); /* empty means unset */
    CHECK_EQ_INT(nn_data_root(out, sizeof out, "/srv/run"), NN_OK);
    CHECK_STREQ(out, "/srv/run/data");
    unsetenv("CYDRA_DATA_DIR");
    char cwd[256], want[300];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    snprintf(want, sizeof want, "%s/data", cwd);
    CHECK_EQ_INT(nn_data_root(out, sizeof out, NULL), NN_OK);
    CHECK_STREQ(out, want);
    CHECK_EQ_INT(nn_data_root(out, 8, "/a/long/directory"), NN_EINVAL);
    CHECK(strstr(nn_error_last(), "too long") != NULL);
}

int main(void) {
    tu_mkdtemp(tmp, sizeof tmp, "nn_mnist");
    RUN(test_load_raw_and_gz);
    RUN(test_header_errors);
    RUN(test_size_errors);
    RUN(test_corrupt_gzip);
    RUN(test_random_damage);
    RUN(test_normalize_matches_torchvision);
    RUN(test_batch);
    RUN(test_load_from_root);
    RUN(test_tables);
    RUN(test_download_file_mirrors);
    RUN(test_download_local_write_failure);
    RUN(test_mirrors_from_env);
    RUN(test_local_source);
    RUN(test_data_root);
    tu_rmtree(tmp);
    return harness_summary();
}

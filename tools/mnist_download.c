/*
 * mnist-download - fetch MNIST or Fashion-MNIST into <root>/<MNIST|FashionMNIST>/raw/ as
 * torchvision does (mirrors in order, MD5 checks), and optionally load and summarise the splits.
 *
 *     build/mnist-download                          # MNIST into $CYDRA_DATA_DIR or ./data
 *     build/mnist-download --dataset fashion --root /tmp/d --check
 *     build/mnist-download --mirror http://127.0.0.1:8000/ --md5 t10k-labels-idx1-ubyte.gz=<hex>
 *
 * Exit status 0 on success, 1 on any failure (one "mnist-download: error: ..." line), 2 on bad
 * usage. Used by scripts/fetch-mnist.sh and by the download tests.
 */
#include "nn/data.h"
#include "nn/download.h"
#include "nn/error.h"
#include "nn/md5.h"
#include "nn/mnist.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MIRRORS 16

static void usage(FILE *f) {
    fprintf(f,
            "usage: mnist-download [options]\n"
            "  --root DIR             data root (default: $CYDRA_DATA_DIR, else ./data)\n"
            "  --dataset mnist|fashion  which dataset (default mnist)\n"
            "  --mirror URL           base URL to try, in order (repeatable); replaces\n"
            "                         $CYDRA_MNIST_MIRRORS / $CYDRA_FASHION_MNIST_MIRRORS and the\n"
            "                         default list\n"
            "  --local DIR            local directory of <name>.gz tried before the mirrors\n"
            "  --no-local             do not use a local copy\n"
            "  --md5 NAME=MD5[:RAWMD5]  expected MD5 of NAME (.gz) and of its decompressed bytes\n"
            "  --connect-timeout S    seconds to connect (default 30)\n"
            "  --timeout S            seconds per transfer, 0 = unlimited (default 0)\n"
            "  --low-speed-limit B    bytes/s considered stalled (default 1024)\n"
            "  --low-speed-time S     seconds stalled before giving up (default 30)\n"
            "  --quiet                no progress output\n"
            "  --check                load both splits afterwards and print a summary\n"
            "  --dump-batch FILE      with --check: write the first --count training samples,\n"
            "                         normalised (float32 LE [n,1,28,28]) then labels (int32 LE)\n"
            "  --count N              samples for --dump-batch (default 16)\n"
            "  --url URL --out FILE   download one URL to FILE (with --expect-md5 HEX) and exit\n");
}

static int parse_long(const char *s, long *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 0)
        return -1;
    *out = v;
    return 0;
}

static void print_summary(const char *split, const nn_mnist *ds) {
    nn_md5 m;
    char img_md5[NN_MD5_HEX_LEN + 1], lab_md5[NN_MD5_HEX_LEN + 1];
    nn_md5_init(&m);
    nn_md5_update(&m, ds->images, (size_t)ds->count * (size_t)ds->rows * (size_t)ds->cols);
    nn_md5_final_hex(&m, img_md5);
    nn_md5_init(&m);
    nn_md5_update(&m, ds->labels, (size_t)ds->count);
    nn_md5_final_hex(&m, lab_md5);
    int64_t hist[NN_MNIST_NUM_CLASSES] = {0};
    for (int64_t i = 0; i < ds->count; i++)
        hist[ds->labels[i]]++;
    printf("%s count=%" PRId64 " rows=%d cols=%d images_md5=%s labels_md5=%s classes=", split,
           ds->count, ds->rows, ds->cols, img_md5, lab_md5);
    for (int c = 0; c < NN_MNIST_NUM_CLASSES; c++)
        printf("%s%" PRId64, c ? "," : "", hist[c]);
    printf("\n");
}

static int dump_batch(const char *path, const nn_mnist *ds, int64_t count) {
    if (count > ds->count)
        count = ds->count;
    size_t pix = (size_t)ds->rows * (size_t)ds->cols;
    float *x = malloc((size_t)count * pix * sizeof *x + 1);
    int32_t *y = malloc((size_t)count * sizeof *y + 1);
    int64_t *idx = malloc((size_t)count * sizeof *idx + 1);
    int st = NN_ENOMEM;
    if (x && y && idx) {
        for (int64_t i = 0; i < count; i++)
            idx[i] = i;
        st = nn_mnist_batch(x, y, ds, idx, count);
    }
    if (st == NN_OK) {
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(x, sizeof *x, (size_t)count * pix, f) != (size_t)count * pix ||
            fwrite(y, sizeof *y, (size_t)count, f) != (size_t)count || fclose(f) != 0)
            st = nn_error_set(NN_EIO, "cannot write %s", path);
    } else if (st == NN_ENOMEM) {
        nn_error_set(st, "out of memory");
    }
    free(x);
    free(y);
    free(idx);
    return st;
}

int main(int argc, char **argv) {
    nn_mnist_opts o = NN_MNIST_OPTS_INIT;
    o.download_opts.progress = nn_download_progress_stderr;
    const char *mirrors[MAX_MIRRORS];
    size_t n_mirrors = 0;
    nn_mnist_file files[4];
    int files_set = 0;
    int check = 0;
    const char *dump = NULL, *url = NULL, *out = NULL, *expect_md5 = NULL;
    long count = 16;
    char md5_store[4][2][NN_MD5_HEX_LEN + 1];
    int md5_set[4] = {0};

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long num;
#define NEED_VALUE()                                                                               \
    do {                                                                                           \
        if (!v) {                                                                                  \
            fprintf(stderr, "mnist-download: %s needs a value\n", a);                              \
            return 2;                                                                              \
        }                                                                                          \
        i++;                                                                                       \
    } while (0)
#define NEED_LONG(dst)                                                                             \
    do {                                                                                           \
        NEED_VALUE();                                                                              \
        if (parse_long(v, &num) != 0) {                                                            \
            fprintf(stderr, "mnist-download: %s needs a non-negative integer, got '%s'\n", a, v);  \
            return 2;                                                                              \
        }                                                                                          \
        dst = num;                                                                                 \
    } while (0)
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--root")) {
            NEED_VALUE();
            o.root = v;
        } else if (!strcmp(a, "--dataset")) {
            NEED_VALUE();
            if (!strcmp(v, "mnist"))
                o.kind = NN_MNIST_DIGITS;
            else if (!strcmp(v, "fashion") || !strcmp(v, "fashion-mnist"))
                o.kind = NN_MNIST_FASHION;
            else {
                fprintf(stderr, "mnist-download: unknown dataset '%s' (mnist or fashion)\n", v);
                return 2;
            }
        } else if (!strcmp(a, "--mirror")) {
            NEED_VALUE();
            if (n_mirrors == MAX_MIRRORS) {
                fprintf(stderr, "mnist-download: at most %d mirrors\n", MAX_MIRRORS);
                return 2;
            }
            mirrors[n_mirrors++] = v;
        } else if (!strcmp(a, "--local")) {
            NEED_VALUE();
            o.local_source = v;
        } else if (!strcmp(a, "--no-local")) {
            o.local_source = "";
        } else if (!strcmp(a, "--md5")) {
            NEED_VALUE();
            /* The four names are the same for both datasets, so the index is known now; the
             * override is applied once --dataset is known too. */
            const nn_mnist_file *names = nn_mnist_files(NN_MNIST_DIGITS);
            const char *eq = strchr(v, '=');
            int k = -1;
            for (int f = 0; eq && f < 4; f++)
                if (strlen(names[f].filename) == (size_t)(eq - v) &&
                    !strncmp(names[f].filename, v, (size_t)(eq - v)))
                    k = f;
            const char *colon = eq ? strchr(eq, ':') : NULL;
            size_t l1 = eq ? (colon ? (size_t)(colon - eq - 1) : strlen(eq + 1)) : 0;
            if (k < 0 || l1 != NN_MD5_HEX_LEN || (colon && strlen(colon + 1) != NN_MD5_HEX_LEN)) {
                fprintf(stderr,
                        "mnist-download: --md5 wants NAME=MD5[:RAWMD5] with NAME one of "
                        "the four .gz names, got '%s'\n",
                        v);
                return 2;
            }
            memcpy(md5_store[k][0], eq + 1, NN_MD5_HEX_LEN);
            md5_store[k][0][NN_MD5_HEX_LEN] = '\0';
            md5_store[k][1][0] = '\0';
            if (colon)
                memcpy(md5_store[k][1], colon + 1, NN_MD5_HEX_LEN + 1);
            md5_set[k] = 1;
            files_set = 1;
        } else if (!strcmp(a, "--connect-timeout")) {
            NEED_LONG(o.download_opts.connect_timeout_s);
        } else if (!strcmp(a, "--timeout")) {
            NEED_LONG(o.download_opts.timeout_s);
        } else if (!strcmp(a, "--low-speed-limit")) {
            NEED_LONG(o.download_opts.low_speed_limit);
        } else if (!strcmp(a, "--low-speed-time")) {
            NEED_LONG(o.download_opts.low_speed_time_s);
        } else if (!strcmp(a, "--quiet")) {
            o.download_opts.progress = NULL;
        } else if (!strcmp(a, "--check")) {
            check = 1;
        } else if (!strcmp(a, "--dump-batch")) {
            NEED_VALUE();
            dump = v;
        } else if (!strcmp(a, "--count")) {
            NEED_LONG(count);
        } else if (!strcmp(a, "--url")) {
            NEED_VALUE();
            url = v;
        } else if (!strcmp(a, "--out")) {
            NEED_VALUE();
            out = v;
        } else if (!strcmp(a, "--expect-md5")) {
            NEED_VALUE();
            expect_md5 = v;
        } else {
            fprintf(stderr, "mnist-download: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }

    if (url || out) {
        if (!url || !out) {
            fprintf(stderr, "mnist-download: --url and --out go together\n");
            return 2;
        }
        if (nn_download_file(url, out, expect_md5, &o.download_opts) != NN_OK) {
            fprintf(stderr, "mnist-download: error: %s: %s\n", url, nn_error_last());
            return 1;
        }
        return 0;
    }

    if (n_mirrors) {
        o.mirrors = mirrors;
        o.n_mirrors = n_mirrors;
    }
    if (files_set) {
        memcpy(files, nn_mnist_files(o.kind), sizeof files);
        for (int k = 0; k < 4; k++) {
            if (!md5_set[k])
                continue;
            files[k].md5 = md5_store[k][0];
            files[k].raw_md5 = md5_store[k][1][0] ? md5_store[k][1] : NULL;
            files[k].raw_size = 0;
        }
        o.files = files;
    }
    char root[4096];
    if (!o.root) {
        if (nn_data_root(root, sizeof root, NULL) != NN_OK) {
            fprintf(stderr, "mnist-download: error: %s\n", nn_error_last());
            return 1;
        }
        o.root = root;
    }
    if (nn_mnist_download(&o) != NN_OK) {
        fprintf(stderr, "mnist-download: error: %s\n", nn_error_last());
        return 1;
    }
    if (!check)
        return 0;
    o.download = 0;
    for (int train = 1; train >= 0; train--) {
        o.train = train;
        nn_mnist *ds;
        if (nn_mnist_load(&ds, &o) != NN_OK) {
            fprintf(stderr, "mnist-download: error: %s\n", nn_error_last());
            return 1;
        }
        print_summary(train ? "train" : "test", ds);
        int st = train && dump ? dump_batch(dump, ds, count) : NN_OK;
        nn_mnist_free(ds);
        if (st != NN_OK) {
            fprintf(stderr, "mnist-download: error: %s\n", nn_error_last());
            return 1;
        }
    }
    return 0;
}

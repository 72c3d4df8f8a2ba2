/*
 * nn/mnist.h - MNIST and Fashion-MNIST in their original idx files, as torchvision lays them out.
 *
 * Files live in <root>/MNIST/raw/ (or <root>/FashionMNIST/raw/), named as torchvision names them:
 * train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
 * t10k-labels-idx1-ubyte, each either uncompressed or with a .gz suffix. Every header and size is
 * checked; a truncated or corrupt file is an error naming the file and what is wrong with it.
 *
 * A split keeps its images as uint8 exactly as stored (60000x28x28 = 47 MB for the training set);
 * nn_mnist_batch normalises only the requested samples into the caller's float buffer, with the
 * tutorial's transform ToTensor() + Normalize((0.1307,), (0.3081,)) computed bit for bit as
 * torchvision computes it: v = x / 255 in float32, then (v - mean) / std in float32.
 *
 *     char root[4096];
 *     nn_data_root(root, sizeof root, NULL);             // $CYDRA_DATA_DIR or ./data
 *     nn_mnist_opts o = NN_MNIST_OPTS_INIT;
 *     o.root = root;
 *     o.download_opts.progress = nn_download_progress_stderr;
 *     nn_mnist *train;
 *     if (nn_mnist_load(&train, &o) != NN_OK) { puts(nn_error_last()); return 1; }
 *     float x[64 * 28 * 28]; int32_t y[64];
 *     int64_t idx[64]; for (int i = 0; i < 64; i++) idx[i] = i;
 *     nn_mnist_batch(x, y, train, idx, 64);                  // x: [64, 1, 28, 28], y: [64]
 *     nn_mnist_free(train);
 *
 * When files are missing and opts.download is set, nn_mnist_load fetches all four files first:
 * for Fashion-MNIST from a local copy (Debian's dataset-fashion-mnist package) when present, then
 * from the mirrors, each .gz checked against torchvision's MD5 and decompressed beside it.
 * Mirrors: opts.mirrors, else $CYDRA_MNIST_MIRRORS / $CYDRA_FASHION_MNIST_MIRRORS (base URLs
 * separated by spaces), else torchvision's list. See docs/data.md.
 */
#ifndef NN_MNIST_H
#define NN_MNIST_H

#include <stddef.h>
#include <stdint.h>

#include "nn/download.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum nn_mnist_kind {
    NN_MNIST_DIGITS = 0,  /* MNIST handwritten digits; directory "MNIST" */
    NN_MNIST_FASHION = 1, /* Zalando's Fashion-MNIST; directory "FashionMNIST" */
} nn_mnist_kind;

#define NN_MNIST_NUM_CLASSES 10
#define NN_MNIST_MEAN        0.1307f /* the tutorial's Normalize((0.1307,), (0.3081,)) */
#define NN_MNIST_STD         0.3081f

/* One of the four files of a dataset, as published. */
typedef struct nn_mnist_file {
    const char *filename; /* the downloaded name, e.g. "train-images-idx3-ubyte.gz" */
    const char *md5;      /* MD5 of that .gz file (torchvision's resources) */
    const char *raw_md5;  /* MD5 of the decompressed file; NULL when unknown (skips the check) */
    uint64_t raw_size;    /* size of the decompressed file in bytes; 0 when unknown */
} nn_mnist_file;

/* One split (train or test) in memory. */
typedef struct nn_mnist {
    int64_t count;   /* number of samples */
    int rows, cols;  /* image size, 28 x 28 */
    uint8_t *images; /* [count, rows, cols] pixel values 0..255, as stored in the file */
    uint8_t *labels; /* [count] class indices 0..9 */
    float mean, std; /* the normalisation nn_mnist_batch applies; the tutorial's by default */
} nn_mnist;

typedef struct nn_mnist_opts {
    nn_mnist_kind kind;             /* NN_MNIST_DIGITS */
    int train;                      /* 1: the training split (train-*), 0: the test split */
    const char *root;               /* data root; NULL: nn_data_root(cwd) */
    int download;                   /* 1: fetch missing files before loading (default 1) */
    const char *const *mirrors;     /* base URLs tried in order; NULL: env, then defaults */
    size_t n_mirrors;               /* entries in mirrors */
    const char *local_source;       /* directory of <name>.gz to copy from before the network;
                                       NULL: the kind's default (Fashion-MNIST:
                                       /usr/share/datasets/fashion-mnist), "": none */
    const nn_mnist_file *files;     /* 4 entries in nn_mnist_files order; NULL: published */
    nn_download_opts download_opts; /* timeouts and progress reporting */
} nn_mnist_opts;

#define NN_MNIST_OPTS_INIT                                                                         \
    { NN_MNIST_DIGITS, 1, NULL, 1, NULL, 0, NULL, NULL, NN_DOWNLOAD_OPTS_INIT }

/* The directory name torchvision uses for kind: "MNIST" or "FashionMNIST". */
const char *nn_mnist_dirname(nn_mnist_kind kind);

/* The published files of kind, in the order train images, train labels, test images, test
 * labels (torchvision's resources order). Borrowed, static. */
const nn_mnist_file *nn_mnist_files(nn_mnist_kind kind);

/* torchvision's mirror list for kind (S3 first for MNIST, see docs/data.md); sets *n. */
const char *const *nn_mnist_default_mirrors(nn_mnist_kind kind, size_t *n);

/* The environment variable that overrides the mirrors of kind: "CYDRA_MNIST_MIRRORS" or
 * "CYDRA_FASHION_MNIST_MIRRORS". */
const char *nn_mnist_mirrors_env(nn_mnist_kind kind);

/* Writes <root>/<dirname>/raw into out. Status NN_OK, or NN_EINVAL when it does not fit. */
int nn_mnist_raw_dir(char *out, size_t outlen, const nn_mnist_opts *opts);

/* Makes sure all four files of opts->kind are in the raw directory (either form), fetching the
 * missing ones. Status: NN_OK, NN_ENET (every source failed: the message names each mirror),
 * NN_ECHECKSUM, NN_EIO. */
int nn_mnist_download(const nn_mnist_opts *opts);

/* Loads one split: downloads first when opts->download is set and a file is missing, then reads
 * and checks the image and label files. *out is the caller's, freed with nn_mnist_free; it is
 * untouched on failure. opts NULL means NN_MNIST_OPTS_INIT.
 * Status: NN_OK, NN_ENOTFOUND (files missing and download off), NN_EFORMAT (bad file, message
 * names it), NN_EIO, NN_ENOMEM, or a download error. */
int nn_mnist_load(nn_mnist **out, const nn_mnist_opts *opts);

/* Loads an image file and a label file given by path (raw or gzip), with the same checks. */
int nn_mnist_load_files(nn_mnist **out, const char *images_path, const char *labels_path);

void nn_mnist_free(nn_mnist *ds);

/* Gathers samples indices[0..n) into x [n, 1, rows, cols] normalised by ds->mean/ds->std as
 * torchvision's ToTensor + Normalize computes it, and their labels into y [n] as int32 (the type
 * nn_net's losses take; y may be NULL).
 * Status: NN_OK, or NN_EINVAL when an index is out of range. */
int nn_mnist_batch(float *x, int32_t *y, const nn_mnist *ds, const int64_t *indices, int64_t n);

/* The 256 values nn_mnist_batch produces for pixel values 0..255 under mean and std:
 * lut[p] = ((float)p / 255.0f - mean) / std, in float32 arithmetic. */
void nn_normalize_lut(float lut[256], float mean, float std);

#ifdef __cplusplus
}
#endif

#endif

/* MNIST / Fashion-MNIST: idx file parsing with full checks, fetching missing files, batches. */
#include "nn/mnist.h"

#include "data_internal.h"
#include "nn/data.h"
#include "nn/error.h"
#include "nn/md5.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* torchvision 0.14's resources (name, MD5 of the .gz); the decompressed MD5s and sizes were
 * measured on the genuine files (MNIST: the published archives; Fashion-MNIST: Debian's
 * dataset-fashion-mnist, whose .gz files are recompressed but decompress to the same bytes). */
static const nn_mnist_file mnist_files[4] = {
    {"train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873",
     "6bbc9ace898e44ae57da46a324031adb", 47040016},
    {"train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432",
     "a25bea736e30d166cdddb491f175f624", 60008},
    {"t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3",
     "2646ac647ad5339dbf082846283269ea", 7840016},
    {"t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c",
     "27ae3e4e09519cfbb04c329615203637", 10008},
};

static const nn_mnist_file fashion_files[4] = {
    {"train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
     "f4a8712d7a061bf5bd6d2ca38dc4d50a", 47040016},
    {"train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe",
     "9018921c3c673c538a1fc5bad174d6f9", 60008},
    {"t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79",
     "8181f5470baa50b63fa0f6fddb340f0a", 7840016},
    {"t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310",
     "15d484375f8d13e6eb1aabb0c3f46965", 10008},
};

/* The original site answers 403 nowadays, so the S3 mirror torchvision added goes first. */
static const char *const mnist_mirrors[] = {
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
};
static const char *const fashion_mirrors[] = {
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
};

#define FASHION_LOCAL_SOURCE "/usr/share/datasets/fashion-mnist"
#define MAX_MIRRORS          16

const char *nn_mnist_dirname(nn_mnist_kind kind) {
    return kind == NN_MNIST_FASHION ? "FashionMNIST" : "MNIST";
}

const nn_mnist_file *nn_mnist_files(nn_mnist_kind kind) {
    return kind == NN_MNIST_FASHION ? fashion_files : mnist_files;
}

const char *const *nn_mnist_default_mirrors(nn_mnist_kind kind, size_t *n) {
    if (kind == NN_MNIST_FASHION) {
        *n = sizeof fashion_mirrors / sizeof *fashion_mirrors;
        return fashion_mirrors;
    }
    *n = sizeof mnist_mirrors / sizeof *mnist_mirrors;
    return mnist_mirrors;
}

const char *nn_mnist_mirrors_env(nn_mnist_kind kind) {
    return kind == NN_MNIST_FASHION ? "CYDRA_FASHION_MNIST_MIRRORS" : "CYDRA_MNIST_MIRRORS";
}

static int check_kind(const nn_mnist_opts *o) {
    if (o->kind != NN_MNIST_DIGITS && o->kind != NN_MNIST_FASHION)
        return nn_error_set(NN_EINVAL, "unknown MNIST dataset kind %d", (int)o->kind);
    return NN_OK;
}

int nn_mnist_raw_dir(char *out, size_t outlen, const nn_mnist_opts *opts) {
    int st = check_kind(opts);
    if (st != NN_OK)
        return st;
    char root[4096];
    const char *r = opts->root;
    if (!r) {
        if ((st = nn_data_root(root, sizeof root, NULL)) != NN_OK)
            return st;
        r = root;
    }
    return data_path(out, outlen, "%s/%s/raw", r, nn_mnist_dirname(opts->kind));
}

/* ---- reading idx files ---------------------------------------------------------------------- */

/* An open idx file: zlib reads gzip and plain files alike, so one path serves both. */
typedef struct idx_reader {
    const char *path;
    gzFile gz;
    uint64_t pos;          /* bytes of (decompressed) content consumed */
    uint64_t expect_total; /* header + data size once the header is read, 0 before */
} idx_reader;

/* Reads exactly n bytes, or fails naming the byte where the file ended or went bad. */
static int idx_read(idx_reader *r, void *buf, size_t n, const char *what) {
    size_t got = 0;
    while (got < n) {
        unsigned chunk = n - got > (1u << 30) ? (1u << 30) : (unsigned)(n - got);
        int k = gzread(r->gz, (char *)buf + got, chunk);
        if (k < 0) {
            int zerr;
            const char *msg = gzerror(r->gz, &zerr);
            if (zerr == Z_ERRNO)
                return nn_error_set(NN_EIO, "%s: read error at byte %" PRIu64 ": %s", r->path,
                                    r->pos + got, strerror(errno));
            return nn_error_set(NN_EFORMAT, "%s: corrupt gzip data at byte %" PRIu64 ": %s",
                                r->path, r->pos + got, msg);
        }
        if (k == 0) {
            int zerr;
            gzerror(r->gz, &zerr);
            if (r->expect_total)
                return nn_error_set(NN_EFORMAT,
                                    "%s: truncated at byte %" PRIu64 " while reading %s (%sthe "
                                    "header promises %" PRIu64 " bytes in all)",
                                    r->path, r->pos + got, what,
                                    zerr == Z_BUF_ERROR ? "gzip stream cut short; " : "",
                                    r->expect_total);
            return nn_error_set(NN_EFORMAT, "%s: truncated at byte %" PRIu64 " while reading %s%s",
                                r->path, r->pos + got, what,
                                zerr == Z_BUF_ERROR ? " (gzip stream cut short)" : "");
        }
        got += (size_t)k;
    }
    r->pos += n;
    return NN_OK;
}

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads an idx file of unsigned bytes with ndims dimensions: dims[] out, *data out (malloc'd,
 * prod(dims) bytes). Everything is checked before and while reading. */
static int read_idx(const char *path, int ndims, uint32_t dims[3], uint8_t **data) {
    const char *kind = ndims == 3 ? "idx3-ubyte image" : "idx1-ubyte label";
    uint32_t want_magic = 0x0800u | (uint32_t)ndims;
    idx_reader r = {.path = path};
    r.gz = gzopen(path, "rb");
    if (!r.gz)
        return nn_error_set(errno == ENOENT ? NN_ENOTFOUND : NN_EIO, "cannot open %s: %s", path,
                            errno ? strerror(errno) : "out of memory");
    gzbuffer(r.gz, 1 << 17);
    uint8_t hdr[16];
    uint8_t *buf = NULL;
    int st = idx_read(&r, hdr, 4, "the magic number");
    if (st != NN_OK)
        goto done;
    uint32_t magic = be32(hdr);
    if (magic != want_magic) {
        st = nn_error_set(NN_EFORMAT, "%s: bad magic 0x%08x (expected 0x%08x for an %s file)", path,
                          magic, want_magic, kind);
        goto done;
    }
    if ((st = idx_read(&r, hdr + 4, 4 * (size_t)ndims, "the dimensions")) != NN_OK)
        goto done;
    uint64_t total = 1;
    for (int i = 0; i < ndims; i++) {
        dims[i] = be32(hdr + 4 + 4 * i);
        if (i > 0 && (dims[i] == 0 || dims[i] > 4096)) {
            st = nn_error_set(NN_EFORMAT,
                              "%s: implausible image dimension %" PRIu32 " in the header", path,
                              dims[i]);
            goto done;
        }
        total *= dims[i];
    }
    if (total > ((uint64_t)1 << 34)) {
        st = nn_error_set(NN_EFORMAT, "%s: header claims %" PRIu64 " bytes of data (corrupt?)",
                          path, total);
        goto done;
    }
    uint64_t header_bytes = 4 + 4 * (uint64_t)ndims;
    r.expect_total = header_bytes + total;
    /* Size check before allocating: an uncompressed file must be exactly header + data. */
    if (!gzdirect(r.gz)) {
        /* gzip: the decompressed size is only known by reading; buffers grow as data arrives
         * so a corrupt header cannot make us allocate gigabytes up front. */
    } else {
        struct stat sb;
        if (stat(path, &sb) == 0 && (uint64_t)sb.st_size != header_bytes + total) {
            if ((uint64_t)sb.st_size < header_bytes + total)
                st = nn_error_set(NN_EFORMAT,
                                  "%s: truncated at byte %" PRIu64 " (the header promises %" PRIu64
                                  " items, %" PRIu64 " bytes in all)",
                                  path, (uint64_t)sb.st_size, (uint64_t)dims[0],
                                  header_bytes + total);
            else
                st = nn_error_set(NN_EFORMAT,
                                  "%s: %" PRIu64 " bytes of trailing data after the %" PRIu64
                                  " items the header promises",
                                  path, (uint64_t)sb.st_size - header_bytes - total,
                                  (uint64_t)dims[0]);
            goto done;
        }
    }
    size_t cap = total < (1u << 20) ? (size_t)total : (1u << 20);
    buf = malloc(cap ? cap : 1);
    if (!buf) {
        st = nn_error_set(NN_ENOMEM, "%s: cannot allocate %zu bytes", path, cap);
        goto done;
    }
    size_t have = 0;
    while (have < total) {
        if (have == cap) {
            size_t ncap = cap * 2 < total ? cap * 2 : (size_t)total;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                st = nn_error_set(NN_ENOMEM, "%s: cannot allocate %zu bytes", path, ncap);
                goto done;
            }
            buf = nb;
            cap = ncap;
        }
        size_t step = cap - have;
        if ((st = idx_read(&r, buf + have, step, ndims == 3 ? "the images" : "the labels")) !=
            NN_OK)
            goto done;
        have += step;
    }
    uint8_t extra;
    int k = gzread(r.gz, &extra, 1);
    if (k > 0) {
        st = nn_error_set(NN_EFORMAT,
                          "%s: trailing data after byte %" PRIu64 " (the header promises %" PRIu64
                          " items)",
                          path, r.pos, (uint64_t)dims[0]);
        goto done;
    }
    if (k < 0) {
        int zerr;
        const char *msg = gzerror(r.gz, &zerr);
        st = nn_error_set(NN_EFORMAT, "%s: corrupt gzip data after byte %" PRIu64 ": %s", path,
                          r.pos, msg);
        goto done;
    }
done:
    if (gzclose(r.gz) != Z_OK && st == NN_OK)
        st = nn_error_set(NN_EFORMAT, "%s: gzip trailer check failed (corrupt file)", path);
    if (st != NN_OK) {
        free(buf);
        return st;
    }
    *data = buf;
    return NN_OK;
}

int nn_mnist_load_files(nn_mnist **out, const char *images_path, const char *labels_path) {
    uint32_t idims[3] = {0}, ldims[3] = {0};
    uint8_t *images = NULL, *labels = NULL;
    int st = read_idx(images_path, 3, idims, &images);
    if (st != NN_OK)
        return st;
    if ((st = read_idx(labels_path, 1, ldims, &labels)) != NN_OK) {
        free(images);
        return st;
    }
    if (idims[0] != ldims[0]) {
        st = nn_error_set(NN_EFORMAT, "%s holds %" PRIu32 " images but %s holds %" PRIu32 " labels",
                          images_path, idims[0], labels_path, ldims[0]);
        goto fail;
    }
    for (uint32_t i = 0; i < ldims[0]; i++) {
        if (labels[i] >= NN_MNIST_NUM_CLASSES) {
            st = nn_error_set(NN_EFORMAT,
                              "%s: label %d at index %" PRIu32 " (byte %" PRIu32
                              ") is out of range 0..%d",
                              labels_path, labels[i], i, 8 + i, NN_MNIST_NUM_CLASSES - 1);
            goto fail;
        }
    }
    nn_mnist *ds = malloc(sizeof *ds);
    if (!ds) {
        st = nn_error_set(NN_ENOMEM, "out of memory loading %s", images_path);
        goto fail;
    }
    *ds = (nn_mnist){.count = idims[0],
                     .rows = (int)idims[1],
                     .cols = (int)idims[2],
                     .images = images,
                     .labels = labels,
                     .mean = NN_MNIST_MEAN,
                     .std = NN_MNIST_STD};
    *out = ds;
    return NN_OK;
fail:
    free(images);
    free(labels);
    return st;
}

void nn_mnist_free(nn_mnist *ds) {
    if (!ds)
        return;
    free(ds->images);
    free(ds->labels);
    free(ds);
}

/* ---- fetching ---------------------------------------------------------------------------- */

/* "train-images-idx3-ubyte.gz" -> "train-images-idx3-ubyte" */
static int raw_name(char *out, size_t outlen, const char *filename) {
    size_t n = strlen(filename);
    if (n > 3 && strcmp(filename + n - 3, ".gz") == 0)
        n -= 3;
    if (n >= outlen)
        return nn_error_set(NN_EINVAL, "file name too long: %s", filename);
    memcpy(out, filename, n);
    out[n] = '\0';
    return NN_OK;
}

/* Decompresses src (gzip or plain) into dest through a temporary file, checking the MD5 of the
 * decompressed bytes when raw_md5 is given. */
static int extract_gz(const char *src, const char *dest, const char *raw_md5) {
    char tmp[4200];
    int st = data_path(tmp, sizeof tmp, "%s.part.XXXXXX", dest);
    if (st != NN_OK)
        return st;
    gzFile in = gzopen(src, "rb");
    if (!in)
        return nn_error_set(NN_EIO, "cannot open %s: %s", src, strerror(errno));
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        gzclose(in);
        return nn_error_set(NN_EIO, "cannot create a temporary file for %s: %s", dest, strerror(e));
    }
    fchmod(fd, 0644); /* mkstemp's 0600 would hide the dataset from other users */
    nn_md5 m;
    nn_md5_init(&m);
    enum { BUF = 1 << 16 };
    uint8_t *buf = malloc(BUF);
    if (!buf) {
        gzclose(in);
        close(fd);
        unlink(tmp);
        return nn_error_set(NN_ENOMEM, "out of memory extracting %s", src);
    }
    uint64_t total = 0;
    for (;;) {
        int k = gzread(in, buf, BUF);
        if (k < 0) {
            int zerr;
            st = nn_error_set(NN_EFORMAT, "%s: corrupt gzip data at byte %" PRIu64 ": %s", src,
                              total, gzerror(in, &zerr));
            break;
        }
        if (k == 0)
            break;
        nn_md5_update(&m, buf, (size_t)k);
        total += (uint64_t)k;
        for (ssize_t off = 0; off < k;) {
            ssize_t w = write(fd, buf + off, (size_t)(k - off));
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                st = nn_error_set(NN_EIO, "writing %s: %s", dest, strerror(errno));
                break;
            }
            off += w;
        }
        if (st != NN_OK)
            break;
    }
    free(buf);
    if (gzclose(in) != Z_OK && st == NN_OK)
        st = nn_error_set(NN_EFORMAT,
                          "%s: truncated or corrupt gzip file (%" PRIu64 " bytes decompressed)",
                          src, total);
    if (st == NN_OK && raw_md5) {
        char got[NN_MD5_HEX_LEN + 1];
        nn_md5_final_hex(&m, got);
        if (strcmp(got, raw_md5) != 0)
            st = nn_error_set(NN_ECHECKSUM, "%s: decompressed MD5 %s differs from the expected %s",
                              src, got, raw_md5);
    }
    if (st == NN_OK && fsync(fd) != 0)
        st = nn_error_set(NN_EIO, "writing %s: %s", dest, strerror(errno));
    if (close(fd) != 0 && st == NN_OK)
        st = nn_error_set(NN_EIO, "writing %s: %s", dest, strerror(errno));
    if (st == NN_OK && rename(tmp, dest) != 0)
        st = nn_error_set(NN_EIO, "cannot rename %s to %s: %s", tmp, dest, strerror(errno));
    if (st != NN_OK)
        unlink(tmp);
    return st;
}

/* Splits a space-separated mirror list (from the environment) into ptrs (pointing into buf). */
static size_t split_mirrors(char *buf, const char **ptrs, size_t cap) {
    size_t n = 0;
    for (char *p = buf; *p && n < cap;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == ',')
            p++;
        if (!*p)
            break;
        ptrs[n++] = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != ',')
            p++;
        if (*p)
            *p++ = '\0';
    }
    return n;
}

int nn_mnist_download(const nn_mnist_opts *opts) {
    nn_mnist_opts defaults = NN_MNIST_OPTS_INIT;
    const nn_mnist_opts *o = opts ? opts : &defaults;
    char dir[4096];
    int st = nn_mnist_raw_dir(dir, sizeof dir, o);
    if (st != NN_OK)
        return st;
    const nn_mnist_file *files = o->files ? o->files : nn_mnist_files(o->kind);

    const char *const *mirrors = o->mirrors;
    size_t n_mirrors = o->n_mirrors;
    char envbuf[4096];
    const char *envptrs[MAX_MIRRORS];
    if (!mirrors) {
        const char *env = getenv(nn_mnist_mirrors_env(o->kind));
        if (env && *env) {
            snprintf(envbuf, sizeof envbuf, "%s", env);
            n_mirrors = split_mirrors(envbuf, envptrs, MAX_MIRRORS);
            mirrors = envptrs;
        } else {
            mirrors = nn_mnist_default_mirrors(o->kind, &n_mirrors);
        }
    }
    const char *local = o->local_source;
    if (!local)
        local = o->kind == NN_MNIST_FASHION ? FASHION_LOCAL_SOURCE : "";

    for (int i = 0; i < 4; i++) {
        char raw[256], raw_path[4400], gz_path[4400];
        if ((st = raw_name(raw, sizeof raw, files[i].filename)) != NN_OK)
            return st;
        if ((st = data_path(raw_path, sizeof raw_path, "%s/%s", dir, raw)) != NN_OK ||
            (st = data_path(gz_path, sizeof gz_path, "%s/%s.gz", dir, raw)) != NN_OK)
            return st;
        if (data_is_file(raw_path) || data_is_file(gz_path))
            continue;
        if ((st = data_mkdirs(dir)) != NN_OK)
            return st;

        /* A local copy (a distribution package) first: no network, and its bytes are checked
         * after decompression, since packagers may recompress the .gz. */
        char local_fail[1200] = "";
        if (*local) {
            char src[4400];
            if ((st = data_path(src, sizeof src, "%s/%s.gz", local, raw)) != NN_OK)
                return st;
            if (!data_is_file(src) &&
                (st = data_path(src, sizeof src, "%s/%s", local, raw)) != NN_OK)
                return st;
            if (data_is_file(src)) {
                const nn_download_opts *d = &o->download_opts;
                if (d->progress)
                    d->progress(d->progress_ctx, NN_DOWNLOAD_START, src, 0, 0, NULL);
                st = extract_gz(src, raw_path, files[i].raw_md5);
                if (st == NN_OK) {
                    if (d->progress)
                        d->progress(d->progress_ctx, NN_DOWNLOAD_DONE, src, files[i].raw_size,
                                    files[i].raw_size, NULL);
                    continue;
                }
                snprintf(local_fail, sizeof local_fail, "local copy %.400s: %.600s; ", src,
                         nn_error_last());
                if (d->progress)
                    d->progress(d->progress_ctx, NN_DOWNLOAD_FAIL, src, 0, 0, nn_error_last());
            }
        }
        st = nn_download_mirrors(mirrors, n_mirrors, files[i].filename, files[i].md5, dir,
                                 &o->download_opts);
        if (st != NN_OK)
            return local_fail[0] ? nn_error_wrap(st, "%s", local_fail) : st;
        /* Like torchvision, keep the .gz and put the decompressed file beside it. */
        if ((st = extract_gz(gz_path, raw_path, files[i].raw_md5)) != NN_OK)
            return st;
    }
    return NN_OK;
}

int nn_mnist_load(nn_mnist **out, const nn_mnist_opts *opts) {
    nn_mnist_opts defaults = NN_MNIST_OPTS_INIT;
    const nn_mnist_opts *o = opts ? opts : &defaults;
    char dir[4096];
    int st = nn_mnist_raw_dir(dir, sizeof dir, o);
    if (st != NN_OK)
        return st;
    if (o->download && (st = nn_mnist_download(o)) != NN_OK)
        return st;
    const nn_mnist_file *files = o->files ? o->files : nn_mnist_files(o->kind);
    char paths[2][4400];
    for (int k = 0; k < 2; k++) {
        char raw[256];
        const nn_mnist_file *f = &files[(o->train ? 0 : 2) + k];
        if ((st = raw_name(raw, sizeof raw, f->filename)) != NN_OK)
            return st;
        if ((st = data_path(paths[k], sizeof paths[k], "%s/%s", dir, raw)) != NN_OK)
            return st;
        if (data_is_file(paths[k]))
            continue;
        char gz[4400];
        if ((st = data_path(gz, sizeof gz, "%s.gz", paths[k])) != NN_OK)
            return st;
        if (!data_is_file(gz))
            return nn_error_set(NN_ENOTFOUND,
                                "%s not found: neither %s nor %s.gz exists (run `make data`, set "
                                "CYDRA_DATA_DIR, or enable download)",
                                nn_mnist_dirname(o->kind), paths[k], raw);
        memcpy(paths[k], gz, sizeof gz);
    }
    return nn_mnist_load_files(out, paths[0], paths[1]);
}

/* ---- batches ----------------------------------------------------------------------------- */

void nn_normalize_lut(float lut[256], float mean, float std) {
    /* Exactly torchvision: ToTensor divides the uint8 value by 255 in float32 (a true division,
     * not a multiply by 1/255), then Normalize subtracts and divides, each rounded to float32. */
    for (int p = 0; p < 256; p++) {
        float v = (float)p / 255.0f;
        lut[p] = (v - mean) / std;
    }
}

int nn_mnist_batch(float *x, int32_t *y, const nn_mnist *ds, const int64_t *indices, int64_t n) {
    float lut[256];
    nn_normalize_lut(lut, ds->mean, ds->std);
    size_t pix = (size_t)ds->rows * (size_t)ds->cols;
    for (int64_t b = 0; b < n; b++) {
        int64_t i = indices[b];
        if (i < 0 || i >= ds->count)
            return nn_error_set(NN_EINVAL, "sample index %" PRId64 " out of range 0..%" PRId64, i,
                                ds->count - 1);
        const uint8_t *img = ds->images + (size_t)i * pix; /* [rows, cols] */
        float *dst = x + (size_t)b * pix;                  /* [1, rows, cols] */
        for (size_t k = 0; k < pix; k++)
            dst[k] = lut[img[k]];
        if (y)
            y[b] = ds->labels[i];
    }
    return NN_OK;
}

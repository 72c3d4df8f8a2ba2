/*
 * test_util.h - helpers shared by the data and checkpoint tests: scratch directories, files,
 * idx file generation. Header-only; static functions.
 */
#ifndef NN_DATA_TEST_UTIL_H
#define NN_DATA_TEST_UTIL_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* A fresh directory under $TMPDIR (or /tmp); path written into out. */
static inline void tu_mkdtemp(char *out, size_t n, const char *tag) {
    const char *base = getenv("TMPDIR");
    snprintf(out, n, "%s/%s.XXXXXX", base && *base ? base : "/tmp", tag);
    if (!mkdtemp(out)) {
        perror("mkdtemp");
        exit(2);
    }
}

/* rm -rf path (no symlink following: lstat) */
static inline void tu_rmtree(const char *path) {
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (S_ISDIR(sb.st_mode)) {
        chmod(path, 0700);
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            size_t n = strlen(path) + strlen(e->d_name) + 2;
            char *sub = malloc(n);
            snprintf(sub, n, "%s/%s", path, e->d_name);
            tu_rmtree(sub);
            free(sub);
        }
        if (d)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* Number of entries in a directory whose name contains part (e.g. ".part." leftovers). */
static inline int tu_count_entries(const char *dir, const char *part) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strstr(e->d_name, part))
            n++;
    if (d)
        closedir(d);
    return n;
}

static inline int tu_write(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(data, 1, n, f);
    return fclose(f) == 0 && w == n ? 0 : -1;
}

static inline int tu_write_gz(const char *path, const void *data, size_t n) {
    gzFile f = gzopen(path, "wb");
    if (!f)
        return -1;
    int w = n ? gzwrite(f, data, (unsigned)n) : 0;
    return gzclose(f) == Z_OK && (size_t)w == n ? 0 : -1;
}

static inline void tu_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* An idx3-ubyte image file of n images of r x c in a malloc'd buffer; pixel (i, y, x) =
 * (i * 7 + y * 3 + x) & 255. *len receives the size. */
static inline uint8_t *tu_idx_images(uint32_t n, uint32_t r, uint32_t c, size_t *len) {
    size_t total = 16 + (size_t)n * r * c;
    uint8_t *b = malloc(total);
    tu_be32(b, 0x803);
    tu_be32(b + 4, n);
    tu_be32(b + 8, r);
    tu_be32(b + 12, c);
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t y = 0; y < r; y++)
            for (uint32_t x = 0; x < c; x++)
                b[16 + ((size_t)i * r + y) * c + x] = (uint8_t)((i * 7 + y * 3 + x) & 255);
    *len = total;
    return b;
}

/* An idx1-ubyte label file of n labels, label i = (i * 3) % 10. */
static inline uint8_t *tu_idx_labels(uint32_t n, size_t *len) {
    uint8_t *b = malloc(8 + (size_t)n);
    tu_be32(b, 0x801);
    tu_be32(b + 4, n);
    for (uint32_t i = 0; i < n; i++)
        b[8 + i] = (uint8_t)((i * 3) % 10);
    *len = 8 + (size_t)n;
    return b;
}

#endif

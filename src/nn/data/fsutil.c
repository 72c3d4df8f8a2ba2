/* Small filesystem helpers for the data module (directories, existence, bounded paths). */
#include "data_internal.h"

#include "nn/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int data_mkdirs(const char *path) {
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0)
        return NN_OK;
    if (n >= sizeof buf)
        return nn_error_set(NN_EINVAL, "path too long: %s", path);
    memcpy(buf, path, n + 1);
    /* Create each prefix ending before a '/', then the whole path. */
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
            int e = errno;
            return nn_error_set(NN_EIO, "cannot create directory %s: %s", buf, strerror(e));
        }
        buf[i] = saved;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return nn_error_set(NN_EIO, "cannot create directory %s: %s", path,
                            "a file of that name exists");
    return NN_OK;
}

int data_is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int data_path(char *out, size_t outlen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, outlen, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= outlen)
        return nn_error_set(NN_EINVAL, "path too long (over %zu bytes): %.200s...", outlen - 1,
                            out);
    return NN_OK;
}

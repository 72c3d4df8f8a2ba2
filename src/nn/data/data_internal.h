/* Helpers shared by the files of the nn_data module; not part of the public API. */
#ifndef NN_DATA_INTERNAL_H
#define NN_DATA_INTERNAL_H

#include <stddef.h>

/* mkdir -p: creates path and its missing parents (mode 0777 & ~umask). Status: NN_OK or NN_EIO
 * naming the directory that could not be made. */
int data_mkdirs(const char *path);

/* 1 when path names an existing regular file (following links), 0 otherwise. */
int data_is_file(const char *path);

/* snprintf into out that reports truncation as NN_EINVAL ("path too long: ...") instead of
 * silently cutting a path short. */
int data_path(char *out, size_t outlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif

/*
 * nn/error.h - status codes and the last error message of libnn.
 *
 * Every libnn function that can fail returns an int status: NN_OK (0) on success, a negative
 * NN_E* code otherwise. The failing function also records a one-line message naming what failed
 * (the file, the tensor, the URL, the position) in a thread-local buffer that stays until the
 * next error on the same thread. Library code never prints; the program decides what to show.
 *
 *     nn_mnist *train;
 *     if (nn_mnist_load(&train, &opts) != NN_OK) {
 *         fprintf(stderr, "error: %s\n", nn_error_last());
 *         return 1;
 *     }
 *
 * Inside libnn, report with `return nn_error_set(NN_EIO, "cannot open %s: %s", path, why);`.
 */
#ifndef NN_ERROR_H
#define NN_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum {
    NN_OK = 0,
    NN_EINVAL = -1,    /* an argument or option is out of range */
    NN_ENOMEM = -2,    /* an allocation failed */
    NN_EIO = -3,       /* a file could not be opened, read, written or renamed */
    NN_EFORMAT = -4,   /* a file's content is not what its format requires (magic, size, header) */
    NN_ENET = -5,      /* a download failed on every mirror */
    NN_ECHECKSUM = -6, /* a file's MD5 differs from the expected one */
    NN_ENOTFOUND = -7, /* a file, key or tensor that must exist does not */
    NN_ESHAPE = -8,    /* a tensor's shape differs from the one expected */
};

/* The message of the last error set on this thread ("" when none has been). Borrowed: valid
 * until the next nn_error_set on this thread. */
const char *nn_error_last(void);

/* The code of the last error set on this thread (NN_OK when none has been). */
int nn_error_last_code(void);

/* A short generic description of a code ("I/O error", ...), for codes without a message. */
const char *nn_strerror(int code);

/* Records a printf-style message for code and returns code, so a failing path is one line.
 * Messages longer than the buffer (1 KiB) are truncated. */
int nn_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefixes the current message with a printf-style context ("loading x.pt: " + old message)
 * and returns code. Used when a lower layer's message needs the caller's context. */
int nn_error_wrap(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Forgets the last error on this thread. */
void nn_error_clear(void);

#ifdef __cplusplus
}
#endif

#endif

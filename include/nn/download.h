/*
 * nn/download.h - fetching a file over HTTP(S) (or file://) from an ordered list of mirrors,
 * checked against an MD5 and renamed into place only when complete and correct.
 *
 * This is how torchvision fetches MNIST: for each file, try each mirror in order; the first one
 * whose bytes match the published MD5 wins. A failed mirror (HTTP error, timeout, stalled
 * transfer, wrong MD5) is reported through the progress callback and the next one is tried; when
 * every mirror fails the error message names each URL tried and why it failed.
 *
 *     const char *mirrors[] = {"https://example.org/mnist/", "http://127.0.0.1:8000/"};
 *     nn_download_opts o = NN_DOWNLOAD_OPTS_INIT;
 *     o.progress = nn_download_progress_stderr;      // a bar on a terminal, plain lines otherwise
 *     if (nn_download_mirrors(mirrors, 2, "t10k-labels-idx1-ubyte.gz",
 *                             "ec29112dd5afa0611ce80d1b7f02629c", "data/MNIST/raw", &o) != NN_OK)
 *         fprintf(stderr, "%s\n", nn_error_last());
 *
 * The library never prints by itself: progress goes to the callback, which is NULL by default.
 * Transfers use libcurl with CURLOPT_FAILONERROR (an HTTP status >= 400 is a failure), redirects
 * followed, a connect timeout, an optional total timeout and a low-speed abort (a server that
 * stalls is given up on after low_speed_time_s seconds below low_speed_limit bytes/s).
 */
#ifndef NN_DOWNLOAD_H
#define NN_DOWNLOAD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum nn_download_event {
    NN_DOWNLOAD_START,    /* url is about to be fetched */
    NN_DOWNLOAD_PROGRESS, /* now of total bytes received so far (total 0 when unknown) */
    NN_DOWNLOAD_DONE,     /* url fetched, checked and renamed into place (now = its size) */
    NN_DOWNLOAD_FAIL,     /* url failed, msg says why; the next mirror (if any) follows */
} nn_download_event;

/* Called on each event; msg is non-NULL only for NN_DOWNLOAD_FAIL. Must not call back into the
 * downloader. */
typedef void (*nn_download_progress_fn)(void *ctx, nn_download_event ev, const char *url,
                                        uint64_t now, uint64_t total, const char *msg);

typedef struct nn_download_opts {
    long connect_timeout_s;           /* give up connecting after this long (default 30) */
    long timeout_s;                   /* whole-transfer limit per URL, 0 = none (default 0) */
    long low_speed_limit;             /* bytes/s; below this for ... (default 1024) */
    long low_speed_time_s;            /* ... this many seconds aborts; 0 disables (default 30) */
    nn_download_progress_fn progress; /* NULL = silent */
    void *progress_ctx;               /* passed to progress */
} nn_download_opts;

#define NN_DOWNLOAD_OPTS_INIT                                                                      \
    { 30, 0, 1024, 30, NULL, NULL }

/* Fetches url into the file dest: the bytes go to a temporary file in dest's directory, are
 * checked against md5 (32 hex digits; NULL skips the check), flushed to disk and renamed to dest.
 * On failure nothing is left behind. opts may be NULL for the defaults.
 * Status: NN_OK, NN_ENET (transfer failed), NN_ECHECKSUM, NN_EIO (local file), NN_EINVAL. */
int nn_download_file(const char *url, const char *dest, const char *md5,
                     const nn_download_opts *opts);

/* Fetches filename into dir/filename from the first mirror that delivers it with the right MD5;
 * each mirror is a base URL to which filename is appended (a '/' is inserted when missing).
 * Status: NN_OK, or NN_ENET with a message naming every URL tried and why each failed (or
 * NN_EIO when the local file cannot be written at all). */
int nn_download_mirrors(const char *const *mirrors, size_t n_mirrors, const char *filename,
                        const char *md5, const char *dir, const nn_download_opts *opts);

/* The standard reporter for nn_download_opts.progress (ctx unused). On a terminal (stderr is a
 * tty) it redraws one line per file: "Downloading URL  42% [=====>    ] 4.2/9.9 MB"; otherwise it
 * writes plain lines: "Downloading URL", "Downloaded URL (N bytes)", "Failed to download URL
 * (trying next): why", which suit a log file. */
void nn_download_progress_stderr(void *ctx, nn_download_event ev, const char *url, uint64_t now,
                                 uint64_t total, const char *msg);

#ifdef __cplusplus
}
#endif

#endif

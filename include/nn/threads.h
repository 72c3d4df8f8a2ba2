/*
 * nn/threads.h - the engine's worker threads and its deterministic parallel loop.
 *
 * libnn runs its parallel work on one process-wide pool of T threads (the caller counts as one).
 * T comes from nn_threads_init(n), or, when the pool starts on first use, from the environment
 * variable CYDRA_NUM_THREADS, or else the number of online CPUs.
 *
 * Work is cut into units whose boundaries never depend on T (an image, a group of four images,
 * a block of 576 columns); a unit computes its own outputs with the same calls whatever thread
 * runs it, and sums over units are taken in unit order afterwards. That is why results are
 * bit-identical with 1, 2 or any number of threads.
 *
 * OpenBLAS runs single-threaded inside the units (nn_threads_init sets it to one thread):
 * OpenBLAS's own threading splits a GEMM differently for different thread counts and its
 * results then differ in the last bits (measured with OpenBLAS 0.3.21, Haswell kernels), and
 * a pool of our own keeps im2col, the GEMM and the fused epilogue of an image on one core.
 *
 *     static void square(void *ctx, int unit, int thread) {
 *         float *x = ctx;
 *         x[unit] *= x[unit];
 *     }
 *     nn_threads_init(0);                  // CYDRA_NUM_THREADS or the online CPUs
 *     nn_parallel_for(n, square, x);       // units 0..n-1, any order, any thread
 */
#ifndef NN_THREADS_H
#define NN_THREADS_H

#include "nn/blas.h" /* nn_blas_corename, declared there */

#ifdef __cplusplus
extern "C" {
#endif

/* The most threads the pool runs (larger requests are clamped to it). */
#define NN_THREADS_MAX 64

/* Starts (or restarts with a new size) the pool with n threads, the caller included; n <= 0
 * means CYDRA_NUM_THREADS when set, else the number of online CPUs. Sets OpenBLAS to one
 * thread. Status: NN_OK, NN_EINVAL when CYDRA_NUM_THREADS is not a positive integer (the pool
 * then uses the online CPUs), NN_ENOMEM/NN_EIO when threads cannot be started (the pool then
 * runs everything on the caller). Must not be called while a parallel loop runs. */
int nn_threads_init(int n);

/* The pool's thread count T (starting the pool as nn_threads_init(0) if needed). */
int nn_threads_count(void);

/* Stops the worker threads; the next parallel loop starts the pool again. A child process made
 * by fork() starts with no pool and makes its own on its first parallel loop. */
void nn_threads_shutdown(void);

/* A unit of work: `unit` in [0, n_units), `thread` in [0, nn_threads_count()) names the thread
 * running it (for per-thread scratch); the result must not depend on `thread`. */
typedef void (*nn_parallel_fn)(void *ctx, int unit, int thread);

/* Runs fn for every unit on the pool and returns when all are done. Units are handed out
 * dynamically. A call made from inside a unit, or while another thread's loop runs, waits
 * for nothing: it runs its units serially on the calling thread (thread index 0 from outside
 * the pool, the caller's own index from inside a unit). */
void nn_parallel_for(int n_units, nn_parallel_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif

#endif

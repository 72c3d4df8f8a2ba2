/*
 * threads.c - the process-wide worker pool behind nn_parallel_for (see nn/threads.h).
 *
 * One job runs at a time. The caller publishes the job (function, context, unit count), bumps
 * a generation counter and runs units itself; workers notice the new generation, take units
 * from a shared atomic counter and report completion through `pending`. Workers spin for a
 * short while before sleeping on a condition variable, because a training step starts a new
 * parallel region every millisecond or so and a futex wake-up costs tens of microseconds.
 */
#include "nn/threads.h"
#include "nn/error.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nn/blas.h"

/* How long an idle worker (or the waiting caller) spins before sleeping. */
#define SPIN_NS 200000L

typedef struct pool {
    pthread_mutex_t mu;
    pthread_cond_t cv_work; /* a new generation (or stop) */
    pthread_cond_t cv_done; /* pending reached 0 */
    int n;                  /* threads including the caller */
    int n_workers;          /* worker threads actually running (n - 1 unless start failed) */
    pthread_t th[NN_THREADS_MAX];
    int stop;

    nn_parallel_fn fn;
    void *ctx;
    int n_units;
    atomic_int next;
    atomic_int pending;
    atomic_uint gen;
    unsigned start_gen; /* gen when the workers were created */
} pool;

static pool P = {
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .cv_work = PTHREAD_COND_INITIALIZER,
    .cv_done = PTHREAD_COND_INITIALIZER,
};
static atomic_int started; /* the pool's size has been decided */
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static atomic_flag busy = ATOMIC_FLAG_INIT;
static pthread_mutex_t init_mu = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local int tl_index = -1; /* this thread's index while it runs units */

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static long elapsed_ns(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000000000L + (t.tv_nsec - t0->tv_nsec);
}

static void run_units(int index) {
    int prev = tl_index;
    tl_index = index;
    for (;;) {
        int u = atomic_fetch_add(&P.next, 1);
        if (u >= P.n_units)
            break;
        P.fn(P.ctx, u, index);
    }
    tl_index = prev;
}

static void *worker_main(void *arg) {
    int index = (int)(intptr_t)arg;
    /* the generation when the pool started, not when this thread got going: a job published
     * before this line ran must not be missed */
    unsigned seen = P.start_gen;
    for (;;) {
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int spins = 0;
        while (atomic_load(&P.gen) == seen && !__atomic_load_n(&P.stop, __ATOMIC_ACQUIRE)) {
            cpu_relax();
            if (++spins % 256 == 0 && elapsed_ns(&t0) > SPIN_NS) {
                pthread_mutex_lock(&P.mu);
                while (atomic_load(&P.gen) == seen && !P.stop)
                    pthread_cond_wait(&P.cv_work, &P.mu);
                pthread_mutex_unlock(&P.mu);
            }
        }
        if (__atomic_load_n(&P.stop, __ATOMIC_ACQUIRE))
            return NULL;
        seen = atomic_load(&P.gen);
        run_units(index);
        if (atomic_fetch_sub(&P.pending, 1) == 1) {
            pthread_mutex_lock(&P.mu);
            pthread_cond_broadcast(&P.cv_done);
            pthread_mutex_unlock(&P.mu);
        }
    }
}

static void stop_workers(void) {
    pthread_mutex_lock(&P.mu);
    __atomic_store_n(&P.stop, 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&P.cv_work);
    pthread_mutex_unlock(&P.mu);
    for (int i = 0; i < P.n_workers; i++)
        pthread_join(P.th[i], NULL);
    P.n_workers = 0;
    __atomic_store_n(&P.stop, 0, __ATOMIC_RELEASE);
}

/* The thread count the environment asks for, or 0 with *status set when it asks badly. */
static int env_threads(int *status) {
    const char *s = getenv("CYDRA_NUM_THREADS");
    *status = NN_OK;
    if (!s || !*s)
        return 0;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v <= 0) {
        *status = nn_error_set(NN_EINVAL,
                               "CYDRA_NUM_THREADS=\"%s\" is not a positive integer; using the "
                               "online CPUs",
                               s);
        return 0;
    }
    return v > NN_THREADS_MAX ? NN_THREADS_MAX : (int)v;
}

/* A forked child has none of the workers (only the forking thread survives): forget them, so
 * the child's first parallel loop starts a pool of its own instead of waiting forever. */
static void atfork_child(void) {
    pthread_mutex_init(&P.mu, NULL);
    pthread_cond_init(&P.cv_work, NULL);
    pthread_cond_init(&P.cv_done, NULL);
    pthread_mutex_init(&init_mu, NULL);
    P.n_workers = 0;
    P.stop = 0;
    atomic_store(&started, 0);
    atomic_flag_clear(&busy);
    tl_index = -1;
}

static void register_atfork(void) {
    pthread_atfork(NULL, NULL, atfork_child);
}

static int start_locked(int n) {
    pthread_once(&atfork_once, register_atfork);
    int status = NN_OK;
    if (n <= 0)
        n = env_threads(&status);
    if (n <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = cpus > 0 ? (int)cpus : 1;
    }
    if (n > NN_THREADS_MAX)
        n = NN_THREADS_MAX;
    if (atomic_load(&started))
        stop_workers();
    int blas = nn_blas_load();
    if (blas != NN_OK)
        return blas;
    nn_blas_set_threads(1);
    P.n = n;
    P.start_gen = atomic_load(&P.gen);
    for (int i = 1; i < n; i++) {
        int rc = pthread_create(&P.th[P.n_workers], NULL, worker_main, (void *)(intptr_t)i);
        if (rc != 0) {
            status = nn_error_set(rc == ENOMEM ? NN_ENOMEM : NN_EIO,
                                  "cannot start engine thread %d of %d: %s", i, n, strerror(rc));
            stop_workers();
            P.n = 1;
            break;
        }
        P.n_workers++;
    }
    atomic_store(&started, 1);
    return status;
}

int nn_threads_init(int n) {
    pthread_mutex_lock(&init_mu);
    int status = start_locked(n);
    pthread_mutex_unlock(&init_mu);
    return status;
}

int nn_threads_count(void) {
    if (!atomic_load(&started)) {
        pthread_mutex_lock(&init_mu);
        if (!atomic_load(&started))
            start_locked(0);
        pthread_mutex_unlock(&init_mu);
    }
    return P.n;
}

void nn_threads_shutdown(void) {
    pthread_mutex_lock(&init_mu);
    if (atomic_load(&started)) {
        stop_workers();
        atomic_store(&started, 0);
    }
    pthread_mutex_unlock(&init_mu);
}

static void run_serial(int n_units, nn_parallel_fn fn, void *ctx, int index) {
    int prev = tl_index;
    tl_index = index;
    for (int u = 0; u < n_units; u++)
        fn(ctx, u, index);
    tl_index = prev;
}

void nn_parallel_for(int n_units, nn_parallel_fn fn, void *ctx) {
    if (n_units <= 0)
        return;
    if (tl_index >= 0) { /* nested: stay on this thread */
        run_serial(n_units, fn, ctx, tl_index);
        return;
    }
    int n = nn_threads_count();
    if (n_units == 1 || n == 1 || P.n_workers == 0 || atomic_flag_test_and_set(&busy)) {
        run_serial(n_units, fn, ctx, 0);
        return;
    }
    P.fn = fn;
    P.ctx = ctx;
    P.n_units = n_units;
    atomic_store(&P.next, 0);
    atomic_store(&P.pending, P.n_workers);
    pthread_mutex_lock(&P.mu);
    atomic_fetch_add(&P.gen, 1);
    pthread_cond_broadcast(&P.cv_work);
    pthread_mutex_unlock(&P.mu);

    run_units(0);

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int spins = 0;
    while (atomic_load(&P.pending) > 0) {
        cpu_relax();
        if (++spins % 256 == 0 && elapsed_ns(&t0) > SPIN_NS) {
            pthread_mutex_lock(&P.mu);
            while (atomic_load(&P.pending) > 0)
                pthread_cond_wait(&P.cv_done, &P.mu);
            pthread_mutex_unlock(&P.mu);
        }
    }
    atomic_flag_clear(&busy);
}

/* test_threads.c - the engine's thread pool: sizing, CYDRA_NUM_THREADS, coverage of units,
 * nesting, restarts, and OpenBLAS left single-threaded. */
#include "harness.h"

#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nn/error.h"
#include "nn/threads.h"

typedef struct count_ctx {
    atomic_int hits[1000];
    atomic_int by_thread[NN_THREADS_MAX];
    atomic_int bad_thread;
} count_ctx;

static void count_unit(void *vctx, int unit, int thread) {
    count_ctx *c = vctx;
    atomic_fetch_add(&c->hits[unit], 1);
    if (thread < 0 || thread >= nn_threads_count())
        atomic_fetch_add(&c->bad_thread, 1);
    else
        atomic_fetch_add(&c->by_thread[thread], 1);
}

static void check_every_unit_once(int n_units) {
    static count_ctx c;
    memset(&c, 0, sizeof c);
    nn_parallel_for(n_units, count_unit, &c);
    int wrong = 0;
    for (int i = 0; i < n_units; i++)
        wrong += atomic_load(&c.hits[i]) != 1;
    CHECK_EQ_INT(wrong, 0);
    CHECK_EQ_INT(atomic_load(&c.bad_thread), 0);
}

static void test_every_unit_runs_once(void) {
    for (int t = 1; t <= 4; t++) {
        CHECK_EQ_INT(nn_threads_init(t), NN_OK);
        CHECK_EQ_INT(nn_threads_count(), t);
        for (int rep = 0; rep < 50; rep++) /* back-to-back jobs: the spin-wait hand-over */
            check_every_unit_once(1 + (rep * 37) % 1000);
    }
    nn_parallel_for(0, count_unit, NULL); /* no units: nothing happens */
}

static void test_openblas_single_threaded(void) {
    nn_threads_init(2);
    CHECK_EQ_INT(nn_blas_threads(), 1);
    CHECK(strlen(nn_blas_corename()) > 0);
}

typedef struct nest_ctx {
    atomic_int inner;
    atomic_int mismatched;
} nest_ctx;

static _Thread_local int outer_thread = -1;

static void inner_unit(void *vctx, int unit, int thread) {
    nest_ctx *c = vctx;
    atomic_fetch_add(&c->inner, 1);
    if (thread != outer_thread)
        atomic_fetch_add(&c->mismatched, 1);
}

static void outer_unit(void *vctx, int unit, int thread) {
    outer_thread = thread;
    nn_parallel_for(10, inner_unit, vctx); /* runs serially on this thread */
}

static void test_nested_loops_run_inline(void) {
    nn_threads_init(2);
    nest_ctx c = {0};
    nn_parallel_for(8, outer_unit, &c);
    CHECK_EQ_INT(atomic_load(&c.inner), 80);
    CHECK_EQ_INT(atomic_load(&c.mismatched), 0);
}

static void test_environment_variable(void) {
    setenv("CYDRA_NUM_THREADS", "3", 1);
    CHECK_EQ_INT(nn_threads_init(0), NN_OK);
    CHECK_EQ_INT(nn_threads_count(), 3);
    setenv("CYDRA_NUM_THREADS", "two", 1);
    CHECK_EQ_INT(nn_threads_init(0), NN_EINVAL);
    CHECK(strstr(nn_error_last(), "CYDRA_NUM_THREADS=\"two\"") != NULL);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    CHECK_EQ_INT(nn_threads_count(), cpus > NN_THREADS_MAX ? NN_THREADS_MAX : cpus);
    setenv("CYDRA_NUM_THREADS", "0", 1);
    CHECK_EQ_INT(nn_threads_init(0), NN_EINVAL);
    setenv("CYDRA_NUM_THREADS", "100000", 1);
    CHECK_EQ_INT(nn_threads_init(0), NN_OK);
    CHECK_EQ_INT(nn_threads_count(), NN_THREADS_MAX);
    unsetenv("CYDRA_NUM_THREADS");
    CHECK_EQ_INT(nn_threads_init(0), NN_OK);
    CHECK_EQ_INT(nn_threads_count(), cpus > NN_THREADS_MAX ? NN_THREADS_MAX : cpus);
    /* an explicit count wins over the environment */
    setenv("CYDRA_NUM_THREADS", "3", 1);
    CHECK_EQ_INT(nn_threads_init(2), NN_OK);
    CHECK_EQ_INT(nn_threads_count(), 2);
    unsetenv("CYDRA_NUM_THREADS");
}

static void test_shutdown_and_lazy_restart(void) {
    nn_threads_init(3);
    nn_threads_shutdown();
    nn_threads_shutdown(); /* twice is fine */
    setenv("CYDRA_NUM_THREADS", "2", 1);
    check_every_unit_once(100); /* starts again from the environment */
    CHECK_EQ_INT(nn_threads_count(), 2);
    unsetenv("CYDRA_NUM_THREADS");
}

typedef struct slow_ctx {
    atomic_int sum;
} slow_ctx;

static void slow_unit(void *vctx, int unit, int thread) {
    slow_ctx *c = vctx;
    usleep(300); /* long enough for idle workers to fall asleep between jobs */
    atomic_fetch_add(&c->sum, unit);
}

static void test_sleeping_workers_wake(void) {
    nn_threads_init(2);
    for (int rep = 0; rep < 3; rep++) {
        slow_ctx c = {0};
        nn_parallel_for(20, slow_unit, &c);
        CHECK_EQ_INT(atomic_load(&c.sum), 190);
        usleep(2000); /* past the spin window */
    }
}

static void test_forked_child_gets_its_own_pool(void) {
    nn_threads_init(2);
    check_every_unit_once(100); /* the parent's workers are running */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* a child that inherited a started pool without its threads must not hang */
        static count_ctx c;
        memset(&c, 0, sizeof c);
        alarm(20);
        nn_parallel_for(500, count_unit, &c);
        int wrong = 0;
        for (int i = 0; i < 500; i++)
            wrong += atomic_load(&c.hits[i]) != 1;
        _exit(wrong == 0 && nn_threads_count() >= 1 ? 0 : 1);
    }
    CHECK(pid > 0);
    int status = -1;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    check_every_unit_once(100); /* and the parent's pool still works */
}

int main(void) {
    RUN(test_every_unit_runs_once);
    RUN(test_openblas_single_threaded);
    RUN(test_nested_loops_run_inline);
    RUN(test_environment_variable);
    RUN(test_shutdown_and_lazy_restart);
    RUN(test_sleeping_workers_wake);
    RUN(test_forked_child_gets_its_own_pool);
    nn_threads_shutdown();
    return harness_summary();
}

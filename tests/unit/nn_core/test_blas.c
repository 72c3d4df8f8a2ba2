/*
 * test_blas.c - OpenBLAS loaded on first use, with kernels chosen by CPU features when
 * OPENBLAS_CORETYPE is unset, and the user's choice respected when it is set.
 */
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nn/blas.h"
#include "nn/error.h"

/* Runs check() in a child with OPENBLAS_CORETYPE set to value (NULL: unset), as the library is
 * loaded once per process. Returns the child's exit status. */
static int in_child(const char *value, int (*check)(void)) {
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        if (value)
            setenv("OPENBLAS_CORETYPE", value, 1);
        else
            unsetenv("OPENBLAS_CORETYPE");
        _exit(check());
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
}

static int chosen_by_features(void) {
    if (nn_blas_load() != NN_OK)
        return 1;
    const char *chosen = nn_blas_chosen_coretype();
    const char *env = getenv("OPENBLAS_CORETYPE");
#if defined(__x86_64__)
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (avx2 && !chosen)
        return 2; /* an AVX2 machine must not be left to the Prescott fallback */
#endif
    if (chosen && (!env || strcmp(env, chosen) != 0))
        return 3;
    if (chosen && strcmp(nn_blas_corename(), chosen) != 0)
        return 4; /* OpenBLAS runs the kernels that were chosen */
    return 0;
}

static int respected(void) {
    if (nn_blas_load() != NN_OK)
        return 1;
    if (nn_blas_chosen_coretype() != NULL)
        return 2;
    return strcmp(nn_blas_corename(), "Prescott") == 0 ? 0 : 3;
}

static int computes(void) {
    float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 0, 0, 1, 1, 1}, c[4] = {0};
    /* (2x3) * (3x2) */
    nn_blas_sgemm(0, 0, 2, 2, 3, 1.0f, a, 3, b, 2, 0.0f, c, 2);
    if (c[0] != 4 || c[1] != 5 || c[2] != 10 || c[3] != 11)
        return 1;
    return nn_blas_sdot(3, a, a) == 14.0f ? 0 : 2;
}

static void test_kernels_chosen_when_unset(void) {
    CHECK_EQ_INT(in_child(NULL, chosen_by_features), 0);
}

static void test_user_choice_respected(void) {
    CHECK_EQ_INT(in_child("Prescott", respected), 0);
}

static void test_sgemm_and_sdot(void) {
    CHECK_EQ_INT(in_child(NULL, computes), 0);
    CHECK_EQ_INT(in_child("Prescott", computes), 0);
}

int main(void) {
    RUN(test_kernels_chosen_when_unset);
    RUN(test_user_choice_respected);
    RUN(test_sgemm_and_sdot);
    return harness_summary();
}

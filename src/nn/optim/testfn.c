/*
 * testfn.c - the reference problem of the golden tests and the optim-trace tool (nn/optim.h).
 *
 * torch computes f = (w * (x - c) ** 2).sum() + 0.5 * torch.sin(x).sum() in float32 and autograd
 * gives grad_i = w_i * (2 * (x_i - c_i)) + 0.5 * cos(x_i): pow's backward multiplies the
 * incoming gradient (w_i, from mul's backward) by 2 * (x - c), sin's backward multiplies 0.5
 * (the sum's gradient scaled by mul's backward) by cos(x), and the two contributions are added.
 */
#include "optim_internal.h"

#include <dlfcn.h>
#include <string.h>

const float nn_optim_testfn_x0[NN_OPTIM_TESTFN_N] = {0.5f, -1.5f, 2.0f, -0.25f, 1.0f};

static float libm_sinf(float x) {
    return sinf(x);
}
static float libm_cosf(float x) {
    return cosf(x);
}

float nn_optim_testfn(const float *x, float *grad, const nn_optim_testfn_math *m) {
    float (*sin_fn)(float) = m && m->sinf ? m->sinf : libm_sinf;
    float (*cos_fn)(float) = m && m->cosf ? m->cosf : libm_cosf;
    float sq[NN_OPTIM_TESTFN_N], sn[NN_OPTIM_TESTFN_N];
    for (int i = 0; i < NN_OPTIM_TESTFN_N; i++) {
        const float w = (float)(i + 1), c = (float)(0.1 * i);
        const float diff = x[i] - c;
        sq[i] = w * (diff * diff);
        sn[i] = sin_fn(x[i]);
        if (grad)
            grad[i] = w * (2.0f * diff) + 0.5f * cos_fn(x[i]);
    }
    return nn__torch_sum_f32(sq, NN_OPTIM_TESTFN_N) +
           0.5f * nn__torch_sum_f32(sn, NN_OPTIM_TESTFN_N);
}

int nn_optim_testfn_math_torch(nn_optim_testfn_math *m) {
    m->sinf = libm_sinf;
    m->cosf = libm_cosf;
    /* torch links the system's SLEEF; its scalar FMA variants give the vector functions' results */
#if defined(__x86_64__) || defined(__i386__)
    if (!__builtin_cpu_supports("fma")) /* the variants execute FMA instructions */
        return 0;
#endif
    void *h = dlopen("libsleef.so.3", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return 0;
    void *s = dlsym(h, "Sleef_sinf1_u10purecfma");
    void *c = dlsym(h, "Sleef_cosf1_u10purecfma");
    if (!s || !c)
        return 0;
    /* POSIX guarantees function pointers round-trip through void * for dlsym */
    float (*sf)(float), (*cf)(float);
    memcpy(&sf, &s, sizeof sf);
    memcpy(&cf, &c, sizeof cf);
    m->sinf = sf;
    m->cosf = cf;
    return 1;
}

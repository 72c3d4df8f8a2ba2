/*
 * nn/rng.h - the seeded random number generator behind every random choice in libnn.
 *
 * One generator, seeded once from the config's `seed`, drives initialisation, dropout masks and
 * shuffling, so a seed reproduces a run exactly. The engine is PyTorch's CPU generator (mt19937
 * seeded as torch.manual_seed seeds it) and the draws follow PyTorch 1.13's CPU kernels (Debian's
 * build, without MKL), so the same seed gives the same initial weights and the same dropout
 * masks as PyTorch: `torch.manual_seed(1); Net()` and nn_net_create with a generator seeded
 * with 1 hold bit-identical weights.
 *
 *     nn_rng rng;
 *     nn_rng_seed(&rng, 1);
 *     float w = nn_rng_uniform_f32(&rng, -0.5f, 0.5f);
 *
 * What each PyTorch call consumes, for reproducing a Python run step by step:
 *   tensor.uniform_(a, b) (float32)    one 32-bit draw per element, in memory order
 *   tensor.bernoulli_(p), dropout masks one 64-bit draw per element (53-bit uniform < p)
 *   torch.empty((), dtype=torch.int64).random_()   one 64-bit draw (nn_rng_random_i64)
 *   torch.randperm(n, generator=g)     n-1 32-bit draws (nn_rng_randperm)
 * A DataLoader draws nn_rng_random_i64 once per epoch for its base seed (also with
 * shuffle=False) and, when shuffling without a generator, once more to seed the sampler's own
 * generator, which then draws the randperm.
 *
 * A generator is plain data: copy it to snapshot the state. Not thread-safe; libnn draws from
 * it on the calling thread only.
 */
#ifndef NN_RNG_H
#define NN_RNG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nn_rng {
    uint32_t state[624];
    int index;
} nn_rng;

/* Seeds as torch.manual_seed(seed) seeds the CPU generator (its low 32 bits count). */
void nn_rng_seed(nn_rng *rng, uint64_t seed);

/* The next 32 random bits (torch's generator->random()). */
uint32_t nn_rng_u32(nn_rng *rng);

/* The next 64 random bits (torch's generator->random64(): two 32-bit draws, the first high). */
uint64_t nn_rng_u64(nn_rng *rng);

/* A float32 uniform in [from, to), drawn as torch's uniform_ draws one for a float32 tensor:
 * 24 random bits times 2^-24, then x * (to - from) + from rounded once, as the fused
 * multiply-add of torch's AVX2 kernel computes it (the kernel every AVX2 machine runs). */
float nn_rng_uniform_f32(nn_rng *rng, float from, float to);

/* A double uniform in [0, 1), drawn from 53 random bits as torch's double distributions draw. */
double nn_rng_uniform_f64(nn_rng *rng);

/* tensor.uniform_(from, to) on a float32 tensor of n elements: from and to are rounded to
 * float first, as PyTorch does with the Python floats it is given. */
void nn_rng_fill_uniform_f32(nn_rng *rng, float *out, size_t n, double from, double to);

/* One draw of torch's bernoulli(p) on CPU: 1 with probability p. */
int nn_rng_bernoulli(nn_rng *rng, double p);

/* n draws of nn_rng_bernoulli(p) as floats: out[i] = value when it draws 1, else 0 (a dropout
 * mask is p = 1 - drop probability, value = 1 / (1 - drop) rounded to float). */
void nn_rng_bernoulli_fill_f32(nn_rng *rng, float *out, size_t n, double p, float value);

/* torch.empty((), dtype=torch.int64).random_(): uniform in [0, 2^63). */
int64_t nn_rng_random_i64(nn_rng *rng);

/* torch.randperm(n) drawn from this generator: out (n) is a permutation of 0..n-1. */
void nn_rng_randperm(nn_rng *rng, int64_t *out, int64_t n);

#ifdef __cplusplus
}
#endif

#endif

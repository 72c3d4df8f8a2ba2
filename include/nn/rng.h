/*
 * nn/rng.h - the seeded random number generator behind every random choice in libnn.
 *
 * One generator, seeded once from the config's `seed`, drives initialisation, dropout masks and
 * shuffling, so a seed reproduces a run exactly. The engine is PyTorch's CPU generator (mt19937
 * seeded as torch.manual_seed seeds it) and the draws follow PyTorch 1.13's CPU kernels, so the same
 * seed gives the same initial weights as PyTorch.
 *
 *     nn_rng rng;
 *     nn_rng_seed(&rng, 1);
 *     float w = nn_rng_uniform_f32(&rng, -0.5f, 0.5f);
 */
#ifndef NN_RNG_H
#define NN_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nn_rng {
    uint32_t state[624];
    int index;
} nn_rng;

/* Seeds as torch.manual_seed(seed) seeds the CPU generator. */
void nn_rng_seed(nn_rng *rng, uint64_t seed);

/* The next 32 random bits (torch's generator->random()). */
uint32_t nn_rng_u32(nn_rng *rng);

/* The next 64 random bits (torch's generator->random64()). */
uint64_t nn_rng_u64(nn_rng *rng);

/* A float32 uniform in [from, to), drawn as torch's uniform_ draws one for a float32 tensor. */
float nn_rng_uniform_f32(nn_rng *rng, float from, float to);

/* A double uniform in [0, 1), drawn from 53 random bits as torch's double distributions draw. */
double nn_rng_uniform_f64(nn_rng *rng);

#ifdef __cplusplus
}
#endif

#endif

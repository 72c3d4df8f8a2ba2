/*
 * nn/net.h - the MNIST network of the hydra-torch tutorial (mnist_00.py), fused and threaded.
 *
 *     conv1 1->32 3x3, relu, conv2 32->64 3x3, relu, max_pool 2, Dropout2d(0.25), flatten,
 *     fc1 9216->128, relu, Dropout2d(0.5), fc2 128->10, log_softmax
 *
 * with every size configurable as the intermediate tutorial's MNISTNetConf configures it
 * (conv1_out_channels, conv2_out_channels, maxpool1_kernel_size, dropout1_prob, dropout2_prob,
 * fc_hidden_features); the input is always (N, 1, 28, 28) floats and there are 10 classes.
 * dropout1 is Dropout2d as in the tutorial (whole channels of the pooled maps) or plain Dropout
 * as in today's pytorch/examples. dropout2 sees the 2-D fc1 output, where torch 1.13's
 * Dropout2d warns and then drops single elements, exactly as Dropout does, so it is one kernel.
 *
 * Parameters are PyTorch's state_dict (conv1.weight, conv1.bias, conv2.weight, conv2.bias,
 * fc1.weight, fc1.bias, fc2.weight, fc2.bias) in PyTorch's layouts, carved in that order from
 * one contiguous block; their gradients from a second block with the same layout. A net created
 * with a generator seeded with s holds the bit-identical weights of `torch.manual_seed(s);
 * Net()`, and draws bit-identical dropout masks as long as the generator is in PyTorch's state.
 *
 *     nn_rng rng;
 *     nn_rng_seed(&rng, cfg->seed);
 *     nn_net_opts o = NN_NET_OPTS_INIT;              // the tutorial's Net
 *     o.max_batch = cfg->batch_size;
 *     nn_net *net;
 *     if (nn_net_create(&net, &o, &rng) != NN_OK) { fprintf(stderr, "%s\n", nn_error_last()); ... }
 *     int np;
 *     nn_param *params = nn_net_params(net, &np);   // hand these to the optimizer
 *     nn_net_set_training(net, 1);
 *     float loss;
 *     nn_net_train_step(net, &loss, x, labels, n, NN_REDUCTION_MEAN);  // grads now hold dL/dp
 *     ...optimizer step...
 *     double sum; int64_t correct;
 *     nn_net_evaluate(net, &sum, &correct, test_x, test_labels, 1000);
 *     nn_net_free(net);
 *
 * Threads: the work runs on the nn/threads.h pool, cut into units that do not depend on the
 * thread count, so every output and gradient is bit-identical for 1 or more threads.
 * A net is not thread-safe: one call at a time.
 */
#ifndef NN_NET_H
#define NN_NET_H

#include <stddef.h>
#include <stdint.h>

#include "nn/layers.h"
#include "nn/rng.h"
#include "nn/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum nn_dropout_kind {
    NN_DROPOUT2D = 0, /* torch.nn.Dropout2d: zero whole channels (the tutorial) */
    NN_DROPOUT = 1,   /* torch.nn.Dropout: zero single elements (pytorch/examples today) */
} nn_dropout_kind;

typedef enum nn_conv_algo {
    NN_CONV_AUTO = 0,     /* Winograd when maxpool1_kernel_size is 2, else im2col */
    NN_CONV_IM2COL = 1,   /* im2col + SGEMM */
    NN_CONV_WINOGRAD = 2, /* Winograd F(2x2, 3x3) + SGEMM; needs maxpool1_kernel_size 2 */
} nn_conv_algo;

typedef struct nn_net_opts {
    int conv1_out_channels;        /* 32 */
    int conv2_out_channels;        /* 64 */
    int maxpool1_kernel_size;      /* 2 (window and stride; 1..15) */
    double dropout1_prob;          /* 0.25, after the pooling */
    double dropout2_prob;          /* 0.5, after fc1's relu */
    int fc_hidden_features;        /* 128 */
    nn_dropout_kind dropout1_kind; /* NN_DROPOUT2D, as the tutorial */
    int max_batch;                 /* 64: the largest training batch; activations are sized for it,
                                      evaluation of larger batches runs in chunks of this size */
    uint64_t seed;           /* 1: seeds the net's own generator when nn_net_create gets none */
    nn_conv_algo conv2_algo; /* NN_CONV_AUTO: how conv2 runs (both agree with PyTorch) */
} nn_net_opts;

#define NN_NET_OPTS_INIT                                                                           \
    { 32, 64, 2, 0.25, 0.5, 128, NN_DROPOUT2D, 64, 1, NN_CONV_AUTO }

#define NN_NET_IN_H    28
#define NN_NET_IN_W    28
#define NN_NET_CLASSES 10

typedef struct nn_net nn_net;

/* Builds the net and initialises it as PyTorch does (kaiming-uniform weights, uniform biases,
 * layer by layer in state_dict order) from rng, which is borrowed: the net draws its dropout
 * masks from it too, so it must outlive the net (nn_net_set_rng swaps it). rng NULL: the net
 * owns a generator seeded with opts->seed. opts NULL: NN_NET_OPTS_INIT.
 * Status: NN_OK, NN_EINVAL naming the bad option, NN_ENOMEM. */
int nn_net_create(nn_net **out, const nn_net_opts *opts, nn_rng *rng);

/* Frees the net and everything it allocated (NULL is fine). */
void nn_net_free(nn_net *net);

/* The options the net was built with (sizes derived from them below). */
const nn_net_opts *nn_net_get_opts(const nn_net *net);

/* The 8 parameters in state_dict order; borrowed, valid for the net's life. */
nn_param *nn_net_params(nn_net *net, int *n_params);

/* The contiguous parameter and gradient blocks (n floats each), in the order of the params. */
float *nn_net_param_block(nn_net *net, size_t *n);
float *nn_net_grad_block(nn_net *net, size_t *n);

/* fc1's input features: conv2_out_channels * (24 / maxpool1_kernel_size)^2 (9216 by default). */
int nn_net_flat_features(const nn_net *net);

/* Training mode applies the dropouts (model.train()); eval mode does not (model.eval()).
 * A new net is in training mode, as a new torch module is. */
void nn_net_set_training(nn_net *net, int training);
int nn_net_is_training(const nn_net *net);

/* Replaces the generator dropout draws from (borrowed; NULL goes back to the net's own, seeded
 * with opts.seed when the net was created and advanced only by the net's own draws). */
void nn_net_set_rng(nn_net *net, nn_rng *rng);

/* Forward pass of x (n, 1, 28, 28) -> logp (n, 10) log-probabilities (logp may be NULL when
 * only the backward pass is wanted). In training mode n <= max_batch and the dropout masks are
 * drawn (dropout1's for the whole batch, then dropout2's, as PyTorch draws them). When
 * n <= max_batch the activations are kept for nn_net_backward; larger batches (eval mode only)
 * run in chunks and keep nothing. Status: NN_OK, NN_EINVAL. */
int nn_net_forward(nn_net *net, float *logp, const float *x, int n);

/* Backward pass of the NLL loss of the last forward (which must have kept its activations)
 * against labels (n, each in 0..9): the gradient block is overwritten with d loss / d params
 * (optimizer.zero_grad() then loss.backward()); *loss (may be NULL) gets the loss.
 * Status: NN_OK, NN_EINVAL (no kept forward, label out of range). */
int nn_net_backward(nn_net *net, float *loss, const int32_t *labels, nn_reduction reduction);

/* forward + NLL loss + backward in one call, in the current mode; the optimizer step is the
 * caller's. *loss gets the loss. Status as forward and backward. */
int nn_net_train_step(nn_net *net, float *loss, const float *x, const int32_t *labels, int n,
                      nn_reduction reduction);

/* Evaluation of a batch of any size in eval mode (the net's mode is left as it was): *loss_sum
 * gets the summed NLL loss (reduction='sum', accumulated in double) and *correct the number of
 * rows whose arg-max (the first maximum) is the label. Draws nothing from the generator and
 * forgets the kept forward. Status: NN_OK, NN_EINVAL. */
int nn_net_evaluate(nn_net *net, double *loss_sum, int64_t *correct, const float *x,
                    const int32_t *labels, int n);

/* Bytes the net holds: parameters, gradients, activation arena, per-thread scratch. */
size_t nn_net_memory_bytes(const nn_net *net);

#ifdef __cplusplus
}
#endif

#endif

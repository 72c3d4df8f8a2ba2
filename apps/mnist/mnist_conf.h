/*
 * mnist_conf.h - the configs of the MNIST tutorial programs.
 *
 * MNISTConf is the basic tutorial's top-level config (mnist_00), field for field as in the
 * tutorial and hydra-torch. Its optimizer and scheduler configs are hydra-torch's generated
 * AdadeltaConf and StepLRConf as the tutorial imports them: every field but _target_ is typed Any,
 * and they carry the arguments hydra-torch generated (the full torch 1.13 signatures live in
 * libnn's catalogue, nn/catalog.h, under the same Python names).
 */
#ifndef MNIST_CONF_H
#define MNIST_CONF_H

#include "cydra/schema.h"

#define ADADELTA_CONF(X)                                                                           \
    X(STR, _target_, "torch.optim.adadelta.Adadelta", "the optimizer instantiate() builds")        \
    X(ANY, params, CY_DEF_MISSING,                                                                 \
      "iterable of parameters to optimize; the program passes the model's parameters")             \
    X(ANY, lr, "1.0", "coefficient that scales delta before it is applied to the parameters")      \
    X(ANY, rho, "0.9", "coefficient used for computing a running average of squared gradients")    \
    X(ANY, eps, "1e-06", "term added to the denominator to improve numerical stability")           \
    X(ANY, weight_decay, "0", "weight decay (L2 penalty)")
CY_STRUCT(AdadeltaConf, ADADELTA_CONF)

#define STEPLR_CONF(X)                                                                             \
    X(STR, _target_, "torch.optim.lr_scheduler.StepLR", "the scheduler instantiate() builds")      \
    X(ANY, optimizer, CY_DEF_MISSING, "wrapped optimizer; the program passes it")                  \
    X(ANY, step_size, CY_DEF_MISSING, "period of learning rate decay, in epochs")                  \
    X(ANY, gamma, "0.1", "multiplicative factor of learning rate decay")                           \
    X(ANY, last_epoch, "-1", "the index of the last epoch (-1 starts afresh)")
CY_STRUCT(StepLRConf, STEPLR_CONF)

#define MNIST_CONF(X)                                                                              \
    X(INT, batch_size, "64", "input batch size for training")                                      \
    X(INT, test_batch_size, "1000", "input batch size for testing")                                \
    X(INT, epochs, "14", "number of epochs to train")                                              \
    X(BOOL, no_cuda, "false", "disables CUDA training")                                            \
    X(BOOL, dry_run, "false", "quickly check a single pass")                                       \
    X(INT, seed, "1", "random seed")                                                               \
    X(INT, log_interval, "10", "how many batches to wait before logging training status")          \
    X(BOOL, save_model, "false", "save the trained model in the job's output directory")           \
    X(STR, checkpoint_name, "unnamed.pt",                                                          \
      "file name of the saved model: .pt (PyTorch's format) or .safetensors")                      \
    X(STRUCT(AdadeltaConf), adadelta, NULL, "the Adadelta optimizer's arguments")                  \
    X(STRUCT(StepLRConf), steplr, "{step_size: 1}", "the StepLR scheduler's arguments")
CY_STRUCT(MNISTConf, MNIST_CONF)

/* Registers the configs in the process-wide config store (mnistconf). */
int mnist_conf_register(void);

#endif

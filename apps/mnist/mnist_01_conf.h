/*
 * mnist_01_conf.h - the configs of the intermediate tutorial (mnist_01), field for field as
 * hydra-torch's examples/mnist_01.py declares them.
 *
 * TopLvlConf is the primary config ("toplvlconf" in the store). Its datasets and data loaders are
 * torchvision's MNISTConf and torch's DataLoaderConf as hydra-torch generates them (every field
 * but _target_ typed Any), its model the tutorial's MNISTNetConf, and its optimizer and scheduler
 * are typed Any: they come from the config groups in apps/mnist/conf (optim/, scheduler/, one
 * option per torch class, generated from libnn's catalogue; dataset/ with mnist and
 * fashion_mnist), chosen by TopLvlConf's defaults list:
 *
 *     defaults: [_self_, {optim: adadelta}, {scheduler: step_lr}, {dataset: mnist}]
 *
 * which gives the tutorial's Adadelta and StepLR(step_size=1) (conf/scheduler/step_lr.yaml sets
 * the step_size torch requires). The fields themselves default to ???: a group option merges
 * into its field, so a default optimizer in the field would mix with the chosen one's arguments
 * (Hydra's "Key 'betas' not in 'AdadeltaConf'").
 *
 * The C names carry an M1 prefix because apps/mnist/common/ is linked into mnist_00 too, whose
 * configs have the same Python names (MNISTConf there is the basic tutorial's top level); the
 * schemas keep hydra-torch's names, which errors and --help show.
 */
#ifndef MNIST_01_CONF_H
#define MNIST_01_CONF_H

#include "cydra/schema.h"

/* torch.utils.data.DataLoader, as hydra-torch's DataLoaderConf */
#define M1_DATALOADER_CONF(X)                                                                      \
    X(STR, _target_, "torch.utils.data.dataloader.DataLoader", "the data loader to instantiate")   \
    X(ANY, dataset, CY_DEF_MISSING, "the dataset to load from; the program passes it")             \
    X(ANY, batch_size, "1", "how many samples per batch to load")                                  \
    X(ANY, shuffle, "false", "reshuffle the data at every epoch")                                  \
    X(ANY, sampler, CY_DEF_NONE, "a custom sampler (not supported: leave null)")                   \
    X(ANY, batch_sampler, CY_DEF_NONE, "a custom batch sampler (not supported: leave null)")       \
    X(ANY, num_workers, "0", "loader subprocesses in torch (accepted; the C loader needs none)")   \
    X(ANY, collate_fn, CY_DEF_NONE, "a custom collate function (not supported: leave null)")       \
    X(ANY, pin_memory, "false", "copy batches into pinned memory (accepted; no effect on a CPU)")  \
    X(ANY, drop_last, "false", "drop the last incomplete batch")                                   \
    X(ANY, timeout, "0", "timeout for collecting a batch from workers (accepted; no effect)")      \
    X(ANY, worker_init_fn, CY_DEF_NONE, "a worker init function (not supported: leave null)")      \
    X(ANY, multiprocessing_context, CY_DEF_NONE, "workers' start method (not supported: null)")    \
    X(ANY, generator, CY_DEF_NONE, "a random generator for sampling (not supported: leave null)")
CY_STRUCT(M1DataLoaderConf, M1_DATALOADER_CONF)

/* The data root: $CYDRA_DATA_DIR, else data/ (docs/data.md). hydra-torch's MNISTConf has root
 * ??? and the tutorial passes "../data", relative to the run directory Hydra 1.0 changed into;
 * Cydra stays where it started, so the root is the project's data directory. */
#define M1_DATA_ROOT "${oc.env:CYDRA_DATA_DIR,data}"

/* torchvision.datasets.MNIST (dataset=fashion_mnist makes the _target_ FashionMNIST) */
#define M1_MNIST_CONF(X)                                                                           \
    X(STR, _target_, "torchvision.datasets.mnist.MNIST", "the dataset to instantiate")             \
    X(ANY, root, M1_DATA_ROOT,                                                                     \
      "the data root holding MNIST/raw (FashionMNIST/raw); relative to where the program started") \
    X(ANY, train, "true", "the training split (true) or the test split (false)")                   \
    X(ANY, transform, CY_DEF_NONE,                                                                 \
      "the image transform; the program passes the tutorial's ToTensor + Normalize")               \
    X(ANY, target_transform, CY_DEF_NONE, "a label transform (not supported: leave null)")         \
    X(ANY, download, "false", "download the files when they are missing")
CY_STRUCT(M1MNISTConf, M1_MNIST_CONF)

/* the tutorial's configurable Net */
#define M1_NET_CONF(X)                                                                             \
    X(INT, conv1_out_channels, "32", "output channels of the first 3x3 convolution")               \
    X(INT, conv2_out_channels, "64", "output channels of the second 3x3 convolution")              \
    X(INT, maxpool1_kernel_size, "2", "window (and stride) of the max pooling")                    \
    X(FLOAT, dropout1_prob, "0.25", "drop probability of the Dropout2d after the pooling")         \
    X(FLOAT, dropout2_prob, "0.5", "drop probability of the dropout after fc1")                    \
    X(INT, fc_hidden_features, "128", "features of the hidden fully connected layer")
CY_STRUCT(M1NetConf, M1_NET_CONF)

#define M1_TOPLVL_CONF(X)                                                                          \
    X(LIST(ANY), defaults, "[_self_, {optim: adadelta}, {scheduler: step_lr}, {dataset: mnist}]",  \
      "the config group options composed by default")                                              \
    X(INT, epochs, "14", "number of epochs to train")                                              \
    X(BOOL, no_cuda, "false", "disables CUDA training")                                            \
    X(BOOL, dry_run, "false", "quickly check a single pass")                                       \
    X(INT, seed, "1", "random seed")                                                               \
    X(INT, log_interval, "10", "how many batches to wait before logging training status")          \
    X(BOOL, save_model, "false", "save the trained model in the job's output directory")           \
    X(STR, checkpoint_name, "unnamed.pt",                                                          \
      "file name of the saved model: .pt (PyTorch's format) or .safetensors")                      \
    X(STRUCT(M1DataLoaderConf), train_dataloader,                                                  \
      "{batch_size: 64, shuffle: true, num_workers: 1, pin_memory: false}",                        \
      "the training data loader")                                                                  \
    X(STRUCT(M1DataLoaderConf), test_dataloader,                                                   \
      "{batch_size: 1000, shuffle: false, num_workers: 1}", "the test data loader")                \
    X(STRUCT(M1MNISTConf), train_dataset, "{train: true, download: true}", "the training set")     \
    X(STRUCT(M1MNISTConf), test_dataset, "{train: false, download: true}", "the test set")         \
    X(STRUCT(M1NetConf), model, NULL, "the network's sizes")                                       \
    X(ANY, optim, CY_DEF_MISSING, "the optimizer: a torch.optim config (group optim)")             \
    X(ANY, scheduler, CY_DEF_MISSING, "the learning rate scheduler (group scheduler)")
CY_STRUCT(M1TopLvlConf, M1_TOPLVL_CONF)

/* Registers TopLvlConf in the process-wide config store as "toplvlconf". */
int mnist_01_conf_register(void);

#endif

"""Python twin of build/mnist_01's configuration (apps/mnist/mnist_01_conf.h): hydra-torch's
examples/mnist_01.py TopLvlConf with the config groups of apps/mnist/conf, for comparing what
real Hydra 1.3.2 composes and prints. It trains nothing: the task prints the config's keys.

tests/oracle/catalog_mnist_01.py copies it into a scratch directory as mnist_01.py (the job name
Hydra shows) and runs it with MNIST_01_CONF naming the config directory.
"""
import os
from dataclasses import dataclass, field
from typing import Any, List

import hydra
from hydra.core.config_store import ConfigStore
from omegaconf import MISSING


@dataclass
class DataLoaderConf:
    _target_: str = "torch.utils.data.dataloader.DataLoader"
    dataset: Any = MISSING
    batch_size: Any = 1
    shuffle: Any = False
    sampler: Any = None
    batch_sampler: Any = None
    num_workers: Any = 0
    collate_fn: Any = None
    pin_memory: Any = False
    drop_last: Any = False
    timeout: Any = 0
    worker_init_fn: Any = None
    multiprocessing_context: Any = None
    generator: Any = None


@dataclass
class MNISTConf:
    _target_: str = "torchvision.datasets.mnist.MNIST"
    root: Any = "${oc.env:CYDRA_DATA_DIR,data}"
    train: Any = True
    transform: Any = None
    target_transform: Any = None
    download: Any = False


@dataclass
class MNISTNetConf:
    conv1_out_channels: int = 32
    conv2_out_channels: int = 64
    maxpool1_kernel_size: int = 2
    dropout1_prob: float = 0.25
    dropout2_prob: float = 0.5
    fc_hidden_features: int = 128


@dataclass
class TopLvlConf:
    defaults: List[Any] = field(default_factory=lambda: [
        "_self_", {"optim": "adadelta"}, {"scheduler": "step_lr"}, {"dataset": "mnist"}])
    epochs: int = 14
    no_cuda: bool = False
    dry_run: bool = False
    seed: int = 1
    log_interval: int = 10
    save_model: bool = False
    checkpoint_name: str = "unnamed.pt"
    train_dataloader: DataLoaderConf = field(default_factory=lambda: DataLoaderConf(
        batch_size=64, shuffle=True, num_workers=1, pin_memory=False))
    test_dataloader: DataLoaderConf = field(default_factory=lambda: DataLoaderConf(
        batch_size=1000, shuffle=False, num_workers=1))
    train_dataset: MNISTConf = field(default_factory=lambda: MNISTConf(train=True, download=True))
    test_dataset: MNISTConf = field(default_factory=lambda: MNISTConf(train=False, download=True))
    model: MNISTNetConf = field(default_factory=MNISTNetConf)
    optim: Any = MISSING
    scheduler: Any = MISSING


ConfigStore.instance().store(name="toplvlconf", node=TopLvlConf)


@hydra.main(version_base=None, config_path=os.environ["MNIST_01_CONF"], config_name="toplvlconf")
def main(cfg):
    print(sorted(cfg.keys()))


if __name__ == "__main__":
    main()

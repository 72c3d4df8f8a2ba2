"""The Python twin of build/mnist_00's config front end, run under real Hydra 1.3.2 to record what
Hydra prints (tests/oracle/app_golden.py). Same MNISTConf as apps/mnist/mnist_conf.h; the task logs
and prints the composed config as the behaviour notes' app does. Not a runtime dependency."""
import logging, sys
from dataclasses import dataclass, field
from typing import Any
import hydra
from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, OmegaConf
log = logging.getLogger(__name__)

@dataclass
class AdadeltaConf:
    _target_: str = "torch.optim.adadelta.Adadelta"
    params: Any = MISSING
    lr: Any = 1.0
    rho: Any = 0.9
    eps: Any = 1e-06
    weight_decay: Any = 0

@dataclass
class StepLRConf:
    _target_: str = "torch.optim.lr_scheduler.StepLR"
    optimizer: Any = MISSING
    step_size: Any = MISSING
    gamma: Any = 0.1
    last_epoch: Any = -1

@dataclass
class MNISTConf:
    batch_size: int = 64
    test_batch_size: int = 1000
    epochs: int = 14
    no_cuda: bool = False
    dry_run: bool = False
    seed: int = 1
    log_interval: int = 10
    save_model: bool = False
    checkpoint_name: str = "unnamed.pt"
    adadelta: AdadeltaConf = field(default_factory=AdadeltaConf)
    steplr: StepLRConf = field(default_factory=lambda: StepLRConf(step_size=1))

cs = ConfigStore.instance()
cs.store(name="mnistconf", node=MNISTConf)

@hydra.main(config_name="mnistconf", version_base=None)
def main(cfg):
    log.info(OmegaConf.to_yaml(cfg))
    print(OmegaConf.to_yaml(cfg), end="")

if __name__ == "__main__":
    main()

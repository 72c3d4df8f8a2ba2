"""Structured-config apps for the composition golden cases (tests/oracle/compose_gen.py).

Each app registers configs in Hydra's ConfigStore the way a Python Hydra app would. The C test
(tests/unit/cy_compose/test_compose_golden.c) registers the same configs from C, so the two must be
kept in step: same names, groups, field names, types and defaults.
"""
from dataclasses import dataclass, field
from typing import Any, List

from omegaconf import MISSING


# ---- mnist: the tutorial's config (hydra-torch's AdadeltaConf/StepLRConf: every field Any)
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


def register_mnist(cs):
    cs.store(name="mnistconf", node=MNISTConf)


# ---- typed: structured configs mixed with the YAML fixture dir "typed"
@dataclass
class TypedBase:
    epochs: int = 10
    lr: float = 0.1


@dataclass
class DBConf:
    host: str = "localhost"
    port: int = 3306


@dataclass
class OptConf:
    size: int = 1000


def register_typed(cs):
    cs.store(name="typed_base", node=TypedBase)
    cs.store(group="matched", name="db", node=DBConf)
    cs.store(group="matched", name="db_bad", node=DBConf)
    cs.store(group="opt", name="huge", node=OptConf)


# ---- sgroups: a structured primary config with a defaults list and structured group options
@dataclass
class AdamConf:
    lr: float = 0.001
    beta: float = 0.9


@dataclass
class SGDConf:
    lr: float = 0.01
    momentum: float = 0.0


@dataclass
class SConfig:
    defaults: List[Any] = field(default_factory=lambda: [{"optim": "adam"}, "_self_"])
    optim: Any = MISSING
    epochs: int = 3


def register_sgroups(cs):
    cs.store(name="sconfig", node=SConfig)
    cs.store(group="optim", name="adam", node=AdamConf)
    cs.store(group="optim", name="sgd", node=SGDConf)


APPS = {
    "mnist": register_mnist,
    "typed": register_typed,
    "sgroups": register_sgroups,
}

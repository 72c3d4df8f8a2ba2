"""The Python twin of tests/apps/sweep_app.c, run under real Hydra 1.3.2 to record what Hydra does
for multiruns (tests/oracle/multirun_golden.py). Same config (stored as "config"), same db group,
same log output; crash=fail raises the error the C app reports. Not a runtime dependency."""
import logging
from dataclasses import dataclass
from typing import Any, Optional

import hydra
from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

log = logging.getLogger(__name__)


@dataclass
class Config:
    a: int = 1
    b: str = "x"
    lr: float = 0.1
    flag: bool = False
    seed: int = 1
    name: str = "run"
    value: Optional[float] = None
    sleep: float = 0.0
    crash: str = "none"
    extra: Any = None
    db: Any = None


cs = ConfigStore.instance()
cs.store(name="config", node=Config)
# a primary config that sets the basic sweeper's params (swept as if given first)
cs.store(name="with_params",
         node={"defaults": ["config", "_self_"],
               "hydra": {"sweeper": {"params": {"b": "x,y", "a": "7"}}}})
cs.store(group="db", name="mysql", node={"driver": "mysql", "port": 3306})
cs.store(group="db", name="postgresql", node={"driver": "postgresql", "port": 5432})
cs.store(group="db", name="sqlite", node={"driver": "sqlite", "port": 0})


@hydra.main(config_name="config", version_base="1.3")
def main(cfg):
    log.info(OmegaConf.to_yaml(cfg))
    if cfg.crash == "fail":
        raise ValueError("the task failed as asked (crash=fail)")
    return cfg.value


if __name__ == "__main__":
    main()

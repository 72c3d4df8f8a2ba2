"""The Python twin of bench/launch_noop.c for bench/launch.sh: a Hydra app whose task does nothing,
so a multirun's time per job is Hydra's launch overhead."""
from dataclasses import dataclass

import hydra
from hydra.core.config_store import ConfigStore


@dataclass
class NoopConf:
    i: int = 0


ConfigStore.instance().store(name="noop", node=NoopConf)


@hydra.main(config_name="noop", version_base="1.3")
def main(cfg):
    pass


if __name__ == "__main__":
    main()

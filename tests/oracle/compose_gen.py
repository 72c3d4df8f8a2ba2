#!/usr/bin/python3
"""Writes tests/golden/compose/golden.txt: what real Hydra 1.3.2 composes for every case of
tests/oracle/compose_cases.py (config, hydra node facts, defaults list and tree, search path,
errors, warnings). The C test tests/unit/cy_compose/test_compose_golden.c replays the cases through
cy_compose and compares.

Run with Debian's Python and Hydra's source on the path:
    PYTHONPATH=/work/oracle/hydra /usr/bin/python3 tests/oracle/compose_gen.py [--check]
--check compares with the committed file instead of writing it (exit 1 on a difference).

Golden file format: a case starts with "=== <id>" and its inputs ("dir:", "app:", "config:",
"mode:", "cd:", "hint:", one "override:" line each); "--- <section> [<exception class>]" starts a
section whose text follows with every line prefixed by "|" (the text is the lines joined by
"\\n", so a final "|" line means the text ends with a newline). The absolute fixtures directory
(also the working directory) is written as @FIXTURES@. A "show <part> <package|-> <resolve>"
section holds what `--cfg <part> [-p <package>] [--resolve]` prints ("show_error ..." when it
fails).
"""
import copy
import io
import logging
import os
import re
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
FIX = os.path.join(TESTS, "golden", "compose", "fixtures")
OUT = os.path.join(TESTS, "golden", "compose", "golden.txt")
sys.path.insert(0, HERE)

from hydra import version  # noqa: E402

version.setbase(None)

import hydra._internal.core_plugins.basic_launcher  # noqa: E402,F401  (registers hydra/launcher/basic)
import hydra._internal.core_plugins.basic_sweeper  # noqa: E402,F401
import hydra._internal.defaults_list  # noqa: E402,F401  (registers _dummy_empty_config_)
import hydra._internal.hydra as hydra_mod  # noqa: E402
from hydra._internal.hydra import Hydra  # noqa: E402
from hydra._internal.utils import create_config_search_path  # noqa: E402
from hydra.core.config_search_path import SearchPathQuery  # noqa: E402
from hydra.core.config_store import ConfigStore  # noqa: E402
from hydra.core.global_hydra import GlobalHydra  # noqa: E402
from hydra.errors import CompactHydraException  # noqa: E402
from hydra.types import RunMode  # noqa: E402
from omegaconf import Container, OmegaConf, flag_override  # noqa: E402
from omegaconf.errors import OmegaConfBaseException  # noqa: E402

from compose_apps import APPS  # noqa: E402
from compose_cases import CASES  # noqa: E402

JOB_NAME = "compose_app"


def error_text(ex):
    """What Hydra's run_and_report prints for ex (without the HYDRA_FULL_ERROR hint)."""
    if isinstance(ex, CompactHydraException):
        text = str(ex)
        if isinstance(ex.__cause__, OmegaConfBaseException):
            text += "\n" + str(ex.__cause__)
        return type(ex).__name__, text
    return type(ex).__name__, str(ex)


class Capture:
    """Points hydra._internal.hydra's logger at a buffer (as --info prints: message only)."""

    def __init__(self):
        self.buf = io.StringIO()
        logger = logging.getLogger("compose_gen_capture")
        logger.handlers = []
        handler = logging.StreamHandler(self.buf)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        hydra_mod.log = logger

    def text(self):
        return self.buf.getvalue()


def sub(text):
    """The fixtures path written as @FIXTURES@. Hydra pads its tables to the widest cell, so the
    padding depends on where the checkout lies: table rows lose their padding and rules shrink to
    `---` in a text that names the fixtures (the C test does the same to what it gets; alignment is checked by the mnist_00 tests)."""
    text = text.replace(FIX, "@FIXTURES@")
    if "@FIXTURES@" not in text:
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("|"):
            lines[i] = re.sub(r" {2,}\|", " |", line)
        elif len(line) >= 3 and line.strip("-") == "":
            lines[i] = "---"
    return "\n".join(lines)


def show(h, composed, part, package, resolve):
    """What `--cfg part [--package package] [--resolve]` prints (Hydra's show_cfg)."""
    cfg = copy.deepcopy(composed)
    OmegaConf.set_readonly(cfg.hydra, None)
    cfg = h.get_sanitized_cfg(cfg, part)
    if package == "_global_":
        package = None
    ret = cfg if package is None else OmegaConf.select(cfg, package)
    if ret is None:
        raise LookupError("package '%s' not found in config" % package)
    if not isinstance(ret, Container):
        return str(ret) + "\n"
    out = "# @package %s\n" % package if package is not None else ""
    if resolve:
        OmegaConf.resolve(ret)
    return out + OmegaConf.to_yaml(ret)


def run_case(c, baseline):
    cs = ConfigStore.instance()
    cs.repo = copy.deepcopy(baseline)
    if c["app"]:
        APPS[c["app"]](cs)
    os.chdir(FIX)
    GlobalHydra.instance().clear()
    sp = create_config_search_path(os.path.join(FIX, c["dir"]) if c["dir"] else None)
    if c["cd"]:
        sp.prepend(provider="command-line", path="file://" + os.path.join(FIX, c["cd"]),
                   anchor=SearchPathQuery(provider="schema"))
    h = Hydra.create_main_hydra2(task_name=JOB_NAME, config_search_path=sp)
    mode = RunMode.MULTIRUN if c["mode"] == "MULTIRUN" else RunMode.RUN
    overrides = [o.replace("@FIXTURES@", FIX) for o in c["overrides"]]
    sections = []

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            cfg = h.compose_config(config_name=c["config"], overrides=list(overrides),
                                   run_mode=mode, with_log_configuration=False)
        except Exception as ex:  # noqa: BLE001 - every failure is a recorded outcome
            cfg = None
            exc, text = error_text(ex)
            sections.append(("error " + exc, text))
    for w in caught:
        sections.append(("warning", str(w.message)))

    if cfg is not None:
        job = copy.deepcopy(cfg)
        with flag_override(job, ["struct", "readonly"], [False, False]):
            del job["hydra"]
        sections.append(("job", OmegaConf.to_yaml(job)))
        sections.append(("choices", OmegaConf.to_yaml(cfg.hydra.runtime.choices)))
        sections.append(("overrides", OmegaConf.to_yaml(cfg.hydra.overrides)))
        # the raw value: a "${" in an override makes override_dirname an interpolation
        sections.append(("dirname", cfg.hydra.job._get_node("override_dirname")._value()))
        if "hydra" in c["record"]:
            sections.append(("hydra", OmegaConf.to_yaml(Hydra.get_sanitized_hydra_cfg(cfg))))
        for part, package, resolve in c["show"]:
            what = "%s %s %d" % (part, package or "-", 1 if resolve else 0)
            try:
                sections.append(("show " + what, show(h, cfg, part, package, resolve)))
            except Exception as ex:  # noqa: BLE001
                exc, text = error_text(ex)
                sections.append(("show_error %s %s" % (what, exc), text))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, fn in (("defaults", h._print_defaults_list), ("tree", h._print_defaults_tree)):
            cap = Capture()
            try:
                fn(config_name=c["config"], overrides=list(overrides), run_mode=mode)
                sections.append((name, cap.text()))
            except Exception as ex:  # noqa: BLE001
                exc, text = error_text(ex)
                sections.append((name + "_error " + exc, text))
        if "sources" in c["record"] and cfg is not None:
            cap = Capture()
            h._print_search_path(config_name=c["config"], overrides=list(overrides),
                                 run_mode=mode)
            sections.append(("sources", cap.text()))
    return sections


def render(results):
    out = []
    for c, sections in results:
        out.append("=== " + c["id"])
        out.append("dir: " + (c["dir"] or "-"))
        out.append("app: " + (c["app"] or "-"))
        out.append("config: " + (c["config"] if c["config"] is not None else "-"))
        out.append("mode: " + c["mode"])
        out.append("cd: " + (c["cd"] or "-"))
        out.append("hint: " + (c["hint"] or "-"))
        for o in c["overrides"]:
            out.append("override: " + o)
        for name, text in sections:
            out.append("--- " + name)
            for line in sub(text).split("\n"):
                out.append("|" + line)
    out.append("=== end")
    return "\n".join(out) + "\n"


def main():
    ids = [c["id"] for c in CASES]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        sys.exit("duplicate case ids: %s" % sorted(dup))
    baseline = copy.deepcopy(ConfigStore.instance().repo)
    cwd = os.getcwd()
    results = [(c, run_case(c, baseline)) for c in CASES]
    os.chdir(cwd)
    text = render(results)
    if "--check" in sys.argv:
        with open(OUT, encoding="utf-8") as f:
            old = f.read()
        if old != text:
            sys.stderr.write("golden.txt differs from what Hydra gives now\n")
            sys.exit(1)
        return
    tmp = OUT + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, OUT)
    print("wrote %d cases to %s" % (len(CASES), OUT))


if __name__ == "__main__":
    main()

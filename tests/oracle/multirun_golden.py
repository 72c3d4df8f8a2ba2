#!/usr/bin/env python3
"""Records what real Hydra 1.3.2 does for the multirun command lines in
tests/golden/runtime/multirun_cases.txt and the shell-completion queries in
tests/golden/runtime/completion_cases.txt, running the Python twins (tests/oracle/apps/sweep_app.py,
tests/oracle/apps/mnist_00.py), into tests/golden/runtime/multirun.json and completion.json.

For a multirun: exit status, stdout, stderr, and every file left in the working directory (the
multirun.yaml, each job's .hydra/*.yaml and log), normalised by tests/py/clitest.py (timestamps,
sweep directory dates, the working directory). For completion: what `-sc query=bash` prints for
each COMP_LINE, plus the install/uninstall scripts.

Needs a Hydra 1.3.2 checkout with its generated parser: HYDRA_ORACLE=/path/to/hydra (default
/work/oracle/hydra). The golden files are committed; tests/py/test_multirun_golden.py and
tests/py/test_completion.py replay them against build/tests/apps/sweep_app and build/mnist_00.
"""
import json
import os
import shlex
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "py"))
import clitest  # noqa: E402

GOLDEN = os.path.join(HERE, "..", "golden", "runtime")
APPS = {"sweep_app": os.path.join(HERE, "apps", "sweep_app.py"),
        "mnist_00": os.path.join(HERE, "apps", "mnist_00.py")}


def read_cases(path):
    cases = []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        note = {}
        if "  #! " in line:
            line, marks = line.split("  #! ", 1)
            for m in marks.split():
                k, v = m.split("=", 1)
                note["mark_" + k] = v
        cases.append((line, note))
    return cases


def files_of(cwd, skip):
    """Every file under cwd (relative path, dates normalised) with its normalised text."""
    out = {}
    for root, _, files in os.walk(cwd):
        for f in files:
            p = os.path.join(root, f)
            rel = clitest.DATE_DIR.sub("DATE/TIME", os.path.relpath(p, cwd))
            if rel in skip:
                continue
            with open(p, encoding="utf-8") as fh:
                out[rel] = clitest.normalise(fh.read(), cwd)
    return out


def run_twin(app, args, cwd, hydra, env=None):
    shutil.copy(APPS[app], os.path.join(cwd, app))
    e = {"PYTHONPATH": hydra}
    e.update(env or {})
    return clitest.run([sys.executable, app] + args, cwd, env=e, timeout=300)


def multirun_cases(hydra):
    results = []
    for line, note in read_cases(os.path.join(GOLDEN, "multirun_cases.txt")):
        app, *args = shlex.split(line)
        cwd = clitest.scratch_dir()
        rc, out, err = run_twin(app, args, cwd, hydra)
        results.append({
            "line": line, "app": app, "args": args, "rc": rc,
            "stdout": clitest.normalise(out, cwd), "stderr": clitest.normalise(err, cwd),
            "files": files_of(cwd, {app}), **note,
        })
        shutil.rmtree(cwd)
        print(f"{rc} {line}", file=sys.stderr)
    return results


def completion_cases(hydra):
    results = {"queries": [], "scripts": []}
    cwd = clitest.scratch_dir()
    for line, _ in read_cases(os.path.join(GOLDEN, "completion_cases.txt")):
        # the case file strips trailing spaces in editors: "\s" marks one
        comp = line.replace("\\s", " ")
        rc, out, err = run_twin("sweep_app", ["-sc", "query=bash"], cwd, hydra,
                                env={"COMP_LINE": comp, "COMP_POINT": str(len(comp))})
        results["queries"].append({"line": comp, "rc": rc, "stdout": out, "stderr": err})
    for args in (["install=bash"], ["uninstall=bash"], ["install=fish"], ["uninstall=fish"],
                 ["install=zsh"], ["uninstall=zsh"], ["install=foo"], [], ["install=bash",
                                                                            "query=bash"]):
        rc, out, err = run_twin("sweep_app", ["-sc"] + args, cwd, hydra)
        results["scripts"].append({"args": args, "rc": rc, "stdout": out,
                                   "stderr": clitest.cydra_view(err)})
    shutil.rmtree(cwd)
    return results


def main():
    hydra = os.environ.get("HYDRA_ORACLE", "/work/oracle/hydra")
    if not os.path.isdir(os.path.join(hydra, "hydra", "grammar", "gen")):
        print(f"no Hydra oracle at {hydra}", file=sys.stderr)
        return 1
    which = sys.argv[1:] or ["multirun", "completion"]
    if "multirun" in which:
        res = multirun_cases(hydra)
        with open(os.path.join(GOLDEN, "multirun.json"), "w", encoding="utf-8") as f:
            json.dump(res, f, indent=1, ensure_ascii=False)
            f.write("\n")
        print(f"{len(res)} multirun cases written")
    if "completion" in which:
        res = completion_cases(hydra)
        with open(os.path.join(GOLDEN, "completion.json"), "w", encoding="utf-8") as f:
            json.dump(res, f, indent=1, ensure_ascii=False)
            f.write("\n")
        print(f"{len(res['queries'])} completion queries written")
    return 0


if __name__ == "__main__":
    sys.exit(main())

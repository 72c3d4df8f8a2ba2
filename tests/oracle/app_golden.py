#!/usr/bin/env python3
"""Records what real Hydra 1.3.2 prints for the command lines in tests/golden/app/mnist_00_cases.txt,
running the Python twin tests/oracle/apps/mnist_00.py, into tests/golden/app/mnist_00_cli.json.

Needs a Hydra 1.3.2 checkout with its generated parser: HYDRA_ORACLE=/path/to/hydra (its ANTLR
parser generated with the bundled jar), python3-omegaconf 2.2 and python3-antlr4 4.9. The golden
file is committed; tests/py/test_mnist_00_cli.py replays it against build/mnist_00.

A case line is a shell-quoted argument list (shlex); lines starting with # are comments. A case may
end with "  #! rc=N" to state Cydra's exit status where it deliberately differs from Hydra's.
"""
import json
import os
import shlex
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "py"))
import clitest  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "..", "golden", "app", "mnist_00_cases.txt")
OUT = os.path.join(HERE, "..", "golden", "app", "mnist_00_cli.json")


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
                note["mark_" + k] = int(v) if v.lstrip("-").isdigit() else v
        cases.append({"args": shlex.split(line), "line": line, **note})
    return cases


def files_of(cwd):
    """The .hydra files and logs a run left, by path relative to cwd (timestamps normalised)."""
    out = {}
    for root, _, files in os.walk(cwd):
        for f in files:
            p = os.path.join(root, f)
            rel = clitest.DATE_DIR.sub("DATE/TIME", os.path.relpath(p, cwd))
            if f.endswith((".yaml", ".log")):
                out[rel] = clitest.normalise(open(p, encoding="utf-8").read(), cwd)
    return out


def main():
    # Run as "mnist_00" (no .py) so that argparse's prog, Hydra's job name and its exec command
    # are what the C program's are.
    hydra = os.environ.get("HYDRA_ORACLE", "/work/oracle/hydra")
    if not os.path.isdir(os.path.join(hydra, "hydra", "grammar", "gen")):
        print(f"no Hydra oracle at {hydra}", file=sys.stderr)
        return 1
    app = os.path.join(HERE, "apps", "mnist_00.py")
    results = []
    for case in read_cases(CASES):
        cwd = clitest.scratch_dir()
        shutil.copy(app, os.path.join(cwd, "mnist_00"))
        rc, out, err = clitest.run([sys.executable, "mnist_00"] + case["args"], cwd,
                                   env={"PYTHONPATH": hydra, "CYDRA_TEST_VAR": "from-env"})
        files = files_of(cwd)
        files.pop("mnist_00", None)
        results.append({
            "line": case["line"],
            "args": case["args"],
            "rc": rc,
            "stdout": clitest.normalise(out, cwd),
            "stderr": clitest.normalise(err, cwd),
            "files": files,
            **{k: v for k, v in case.items() if k not in ("args", "line")},
        })
        shutil.rmtree(cwd)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{len(results)} cases written to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

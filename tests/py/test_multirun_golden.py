"""Multiruns of build/tests/apps/sweep_app and build/mnist_00 against what real Hydra 1.3.2 does for
their Python twins (tests/golden/runtime/multirun.json, recorded by tests/oracle/multirun_golden.py):
exit status, stdout (the [HYDRA] launch lines, each job's log), stderr, and every file - the sweep
directory's multirun.yaml and each job's .hydra/config.yaml, hydra.yaml, overrides.yaml and log -
byte for byte after normalisation (tests/py/clitest.py).

Cydra writes one file Hydra does not, <job dir>/.hydra/result.yaml (status and return value, for
resuming and summaries); it is checked here to exist for every job that ran and is otherwise left
out of the comparison. When the oracle is installed, the generator is re-run on one case to check
that the golden file still says what Hydra says."""
# ctest-timeout: 300
import json
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import clitest  # noqa: E402

GOLDEN = os.path.join(clitest.SOURCE, "tests", "golden", "runtime", "multirun.json")
EXES = {"sweep_app": os.path.join(clitest.BUILD, "tests", "apps", "sweep_app"),
        "mnist_00": os.path.join(clitest.BUILD, "mnist_00")}


def load_golden():
    with open(GOLDEN, encoding="utf-8") as f:
        return json.load(f)


def files_of(cwd):
    out = {}
    for root, _, files in os.walk(cwd):
        for f in files:
            p = os.path.join(root, f)
            rel = clitest.DATE_DIR.sub("DATE/TIME", os.path.relpath(p, cwd))
            with open(p, encoding="utf-8") as fh:
                out[rel] = clitest.normalise(fh.read(), cwd)
    return out


class MultirunGolden(unittest.TestCase):
    def test_cases(self):
        cases = load_golden()
        self.assertGreaterEqual(len(cases), 50)
        failures = []
        for case in cases:
            exe = EXES[case["app"]]
            if not os.path.exists(exe):
                self.skipTest(f"{exe} is not built")
            cwd = clitest.scratch_dir()
            try:
                rc, out, err = clitest.run([exe] + case["args"], cwd)
                out, err = clitest.normalise(out, cwd), clitest.normalise(err, cwd)
                files = files_of(cwd)
            finally:
                shutil.rmtree(cwd)
            problems = []
            if rc != case["rc"]:
                problems.append(f"exit status {rc}, expected {case['rc']}")
            if out != case["stdout"]:
                problems.append(f"stdout:\n{out}\n--- expected:\n{case['stdout']}")
            want_err = clitest.cydra_view(case["stderr"])
            got_err = clitest.drop_did_you_mean(err)
            if case.get("mark_stderr") == "any":
                if not got_err.strip():
                    problems.append("no error message")
            elif case.get("mark_stderr") == "prefix":
                if not got_err.startswith(want_err):
                    problems.append(f"stderr:\n{got_err}\n--- expected to start with:\n{want_err}")
            elif got_err != want_err:
                problems.append(f"stderr:\n{got_err}\n--- expected:\n{want_err}")
            # Cydra's own result.yaml: one per job that has a .hydra directory
            results = {k for k in files if k.endswith("/.hydra/result.yaml")}
            job_dirs = {k[: -len("/.hydra/overrides.yaml")] for k in case["files"]
                        if k.endswith("/.hydra/overrides.yaml")}
            if {k[: -len("/.hydra/result.yaml")] for k in results} != job_dirs:
                problems.append(f"result.yaml files {sorted(results)} for jobs {sorted(job_dirs)}")
            for k in results:
                files.pop(k)
            if sorted(files) != sorted(case["files"]):
                problems.append(f"files {sorted(files)}, expected {sorted(case['files'])}")
            else:
                for name, text in case["files"].items():
                    if files[name] != text:
                        problems.append(f"{name}:\n{files[name]}\n--- expected:\n{text}")
            if problems:
                failures.append(f"== {case['line']}\n" + "\n".join(problems))
        if failures:
            self.fail(f"{len(failures)} of {len(cases)} command lines differ:\n\n" +
                      "\n\n".join(failures))

    def test_golden_is_hydras(self):
        """Re-records one case with the oracle, when it is installed, and compares."""
        hydra = os.environ.get("HYDRA_ORACLE", "/work/oracle/hydra")
        if not os.path.isdir(os.path.join(hydra, "hydra", "grammar", "gen")):
            self.skipTest("no Hydra oracle")
        sys.path.insert(0, os.path.join(clitest.SOURCE, "tests", "oracle"))
        import multirun_golden
        case = load_golden()[1]
        cwd = clitest.scratch_dir()
        try:
            rc, out, err = multirun_golden.run_twin(case["app"], case["args"], cwd, hydra)
            self.assertEqual(rc, case["rc"])
            self.assertEqual(clitest.normalise(out, cwd), case["stdout"])
            self.assertEqual(multirun_golden.files_of(cwd, {case["app"]}), case["files"])
        finally:
            shutil.rmtree(cwd)


if __name__ == "__main__":
    unittest.main()

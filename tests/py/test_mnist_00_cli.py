"""build/mnist_00 over 300 command lines, against what real Hydra 1.3.2 prints for its Python twin
(tests/golden/app/mnist_00_cli.json, recorded by tests/oracle/app_golden.py): exit status, stdout
and stderr byte for byte after normalisation (tests/py/clitest.py), and the files left behind."""
# ctest-timeout: 300
import json
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import clitest  # noqa: E402

GOLDEN = os.path.join(clitest.SOURCE, "tests", "golden", "app", "mnist_00_cli.json")
EXE = os.path.join(clitest.BUILD, "mnist_00")


class Mnist00Cli(unittest.TestCase):
    def test_cases(self):
        cases = json.load(open(GOLDEN, encoding="utf-8"))
        self.assertGreaterEqual(len(cases), 200)
        failures = []
        for case in cases:
            cwd = clitest.scratch_dir()
            try:
                rc, out, err = clitest.run([EXE] + case["args"], cwd,
                                           env={"CYDRA_TEST_VAR": "from-env"})
                out, err = clitest.normalise(out, cwd), clitest.normalise(err, cwd)
                made = sorted(os.path.relpath(os.path.join(r, f), cwd)
                              for r, _, fs in os.walk(cwd) for f in fs)
            finally:
                shutil.rmtree(cwd)
            problems = []
            want_rc = case.get("mark_rc", case["rc"])
            if rc != want_rc:
                problems.append(f"exit status {rc}, expected {want_rc}")
            if "mark_rc" in case:
                # a deliberate difference: only the status and that an error was said
                if want_rc != 0 and not err.strip():
                    problems.append("no error message")
            else:
                want_out = clitest.cydra_stdout(case["stdout"])
                if clitest.drop_fields_help(out) != want_out:
                    problems.append(f"stdout:\n{out}\n--- expected:\n{want_out}")
                want_err = clitest.cydra_view(case["stderr"])
                if clitest.drop_did_you_mean(err) != want_err:
                    problems.append(f"stderr:\n{err}\n--- expected:\n{want_err}")
                if made != sorted(case["files"]):
                    problems.append(f"files {made}, expected {sorted(case['files'])}")
            if problems:
                failures.append(f"== {case['line']}\n" + "\n".join(problems))
        if failures:
            self.fail(f"{len(failures)} of {len(cases)} command lines differ:\n\n" +
                      "\n\n".join(failures))


if __name__ == "__main__":
    unittest.main()

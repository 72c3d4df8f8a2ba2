"""The committed golden files are what the oracles (python3-omegaconf, python3-torch) say today.

Each generator under tests/oracle/ is deterministic and writes its golden files relative to its own
location. This test copies tests/oracle/ and tests/golden/ into a scratch tree, re-runs the
generators whose oracle is installed, and checks that they reproduce the committed files byte for
byte - so a golden file cannot drift from its oracle, nor be edited by hand. Generators whose
oracle is missing are skipped with a message; Hydra-based ones have their own --check tests.
"""
# ctest-labels: oracle;slow;no_asan
# ctest-timeout: 1200
import filecmp
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

SOURCE = os.environ.get("CYDRA_SOURCE_DIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

# generator -> (python modules it needs, golden directory it writes)
GENERATORS = {
    "omegaconf_golden.py": (["omegaconf"], "config"),
    "omegaconf_float_repr.py": ([], "config"),
    "yaml_golden.py": (["omegaconf", "yaml"], "yaml"),
    "optim_signatures.py": (["torch"], "optim"),
    "optim_golden.py": (["torch"], "optim"),
    "optim_errors.py": (["torch"], "optim"),
    "optim_expr.py": ([], "optim"),
    "nn_golden.py": (["torch"], "nn"),
}


def have(modules):
    return all(importlib.util.find_spec(m) is not None for m in modules)


class OracleGoldens(unittest.TestCase):
    def test_generators_reproduce_committed_goldens(self):
        scratch = tempfile.mkdtemp(prefix="cydra-goldens-")
        try:
            tests = os.path.join(scratch, "tests")
            shutil.copytree(os.path.join(SOURCE, "tests", "oracle"), os.path.join(tests, "oracle"))
            shutil.copytree(os.path.join(SOURCE, "tests", "golden"), os.path.join(tests, "golden"))
            ran = 0
            for gen, (modules, sub) in GENERATORS.items():
                path = os.path.join(tests, "oracle", gen)
                if not os.path.exists(path):
                    continue
                if not have(modules):
                    print(f"skipped {gen}: needs {', '.join(modules)}", file=sys.stderr)
                    continue
                with self.subTest(generator=gen):
                    p = subprocess.run([sys.executable, path], cwd=scratch, capture_output=True,
                                       text=True, timeout=900)
                    self.assertEqual(p.returncode, 0, f"{gen} failed:\n{p.stderr[-2000:]}")
                    ran += 1
                    committed = os.path.join(SOURCE, "tests", "golden", sub)
                    fresh = os.path.join(tests, "golden", sub)
                    cmp = filecmp.dircmp(committed, fresh)
                    changed = [f for f in cmp.common_files
                               if not filecmp.cmp(os.path.join(committed, f),
                                                  os.path.join(fresh, f), shallow=False)]
                    self.assertEqual(changed, [], f"{gen} no longer reproduces {sub}/{changed}")
                    self.assertEqual(cmp.right_only, [], f"{gen} writes files not committed")
            print(f"{ran} generators re-run", file=sys.stderr)
        finally:
            shutil.rmtree(scratch)


if __name__ == "__main__":
    unittest.main()

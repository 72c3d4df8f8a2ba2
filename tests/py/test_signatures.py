"""The catalogue's golden files are what their oracles say today: the structured configs from
torch 1.13's inspect.signature (tests/golden/catalog/configs.txt), the constructor errors through
Hydra 1.3.2's instantiate (errors.txt) and Hydra's instantiate on the generic cases
(instantiate.txt). Each generator is re-run with --check when its oracle is installed (Hydra is
looked up in $CYDRA_HYDRA_SRC, then /work/oracle/hydra, then the installed packages); the C tests
(tests/unit/nn_optim/test_catalog.c, tests/unit/cy_instantiate/) compare the code with the files.
"""
# ctest-labels: oracle
# ctest-timeout: 300
import importlib.util
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ORACLE = os.path.join(os.path.dirname(HERE), "oracle")


def hydra_path():
    for candidate in (os.environ.get("CYDRA_HYDRA_SRC"), "/work/oracle/hydra"):
        if candidate and os.path.isfile(os.path.join(candidate, "hydra", "__init__.py")):
            return candidate
    return "" if importlib.util.find_spec("hydra") else None


def check(test, script, needs_torch, needs_hydra):
    if needs_torch and importlib.util.find_spec("torch") is None:
        test.skipTest("python3-torch is not installed")
    if importlib.util.find_spec("omegaconf") is None:
        test.skipTest("python3-omegaconf is not installed")
    env = dict(os.environ)
    if needs_hydra:
        path = hydra_path()
        if path is None:
            test.skipTest("Hydra 1.3.2 is not available here")
        if path:
            env["PYTHONPATH"] = path + os.pathsep + env.get("PYTHONPATH", "")
    p = subprocess.run([sys.executable, os.path.join(ORACLE, script), "--check"], env=env,
                       capture_output=True, text=True, timeout=280)
    test.assertEqual(p.returncode, 0, p.stdout + p.stderr)


class CatalogGoldens(unittest.TestCase):
    def test_configs_are_torchs_signatures(self):
        check(self, "catalog_signatures.py", True, False)

    def test_errors_are_hydra_and_torchs(self):
        check(self, "catalog_errors.py", True, True)

    def test_instantiate_is_hydras(self):
        check(self, "catalog_instantiate.py", False, True)


if __name__ == "__main__":
    unittest.main()

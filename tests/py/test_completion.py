"""Shell completion (-sc) of build/tests/apps/sweep_app: the install/uninstall scripts and the
answers to `-sc query=bash` for 48 partial command lines, against what real Hydra 1.3.2 prints
for the Python twin (tests/golden/runtime/completion.json, from tests/oracle/multirun_golden.py);
then for real in bash: the install script is eval'd, the completion function is called as bash
calls it on TAB, and COMPREPLY is checked; and the completions Cydra adds (directories after
-cp/-cd, file names after key=./).

Deliberate differences, removed before comparing: the hydra/launcher group has Cydra's options
local and slurm besides basic; the fish script does not register `python3 <script>`."""
# ctest-timeout: 120
import json
import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import clitest  # noqa: E402

GOLDEN = os.path.join(clitest.SOURCE, "tests", "golden", "runtime", "completion.json")
APP = os.path.join(clitest.BUILD, "tests", "apps", "sweep_app")
CYDRA_ONLY = {"hydra/launcher=local", "hydra/launcher=slurm"}


def load_golden():
    with open(GOLDEN, encoding="utf-8") as f:
        return json.load(f)


class Completion(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(APP):
            self.skipTest(f"{APP} is not built")
        self.cwd = clitest.scratch_dir()

    def tearDown(self):
        shutil.rmtree(self.cwd, ignore_errors=True)

    def query(self, line, shell="bash"):
        return clitest.run([APP, "-sc", f"query={shell}"], self.cwd,
                           env={"COMP_LINE": line, "COMP_POINT": str(len(line))})

    def test_queries_as_hydra(self):
        golden = load_golden()["queries"]
        self.assertGreaterEqual(len(golden), 40)
        failures = []
        for q in golden:
            rc, out, err = self.query(q["line"])
            got = " ".join(w for w in out.split() if w not in CYDRA_ONLY)
            want = " ".join(q["stdout"].split())
            got, want = clitest.DATE_DIR.sub("DATE/TIME", got), clitest.DATE_DIR.sub("DATE/TIME", want)
            if (rc, got) != (q["rc"], want) or not out.endswith("\n"):
                failures.append(f"{q['line']!r}: {rc} {out!r}, expected {q['rc']} {q['stdout']!r}")
        self.assertEqual(failures, [])

    def test_launcher_options_include_cydras(self):
        rc, out, err = self.query("sweep_app hydra/launcher=")
        self.assertEqual(out, "hydra/launcher=basic hydra/launcher=local hydra/launcher=slurm\n")
        rc, out, err = self.query("sweep_app hydra.launcher.n", "fish")
        self.assertEqual(out, "\n")
        rc, out, err = self.query("sweep_app hydra/launcher=local hydra.launcher.", "fish")
        self.assertEqual(out.split("\n"), [
            "hydra.launcher._target_=", "hydra.launcher.n_jobs=",
            "hydra.launcher.threads_per_job=", "hydra.launcher.timeout=", ""])

    def test_scripts_as_hydra(self):
        for s in load_golden()["scripts"]:
            rc, out, err = clitest.run([APP, "-sc"] + s["args"], self.cwd,
                                       env={"_HYDRA_OLD_COMP": ""})
            want = s["stdout"]
            if s["args"] == ["install=fish"]:
                want = "".join(l for l in want.splitlines(True) if not l.startswith("complete -c python"))
            self.assertEqual((rc, out, err), (s["rc"], want, s["stderr"]), s["args"])

    def test_bash_completes_on_tab(self):
        """The install script in a real bash, its function called as bash calls it."""
        if not shutil.which("bash"):
            self.skipTest("no bash")
        script = r'''
eval "$(sweep_app -sc install=bash)"
complete -p sweep_app
tab() {  # tab LINE: what TAB at the end of LINE offers
    COMP_LINE="$1"; COMP_POINT=${#1}; read -ra COMP_WORDS <<< "$1"
    COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    [[ "$1" == *" " ]] && { COMP_WORDS+=(""); COMP_CWORD=$(( COMP_CWORD + 1 )); }
    COMPREPLY=(); hydra_bash_completion; echo "[$1] ${COMPREPLY[*]}"
}
tab "sweep_app d"
tab "sweep_app db="
tab "sweep_app +db=m"
tab "sweep_app hydra/launcher=l"
tab "sweep_app hydra.job.n"
tab "sweep_app fl"
tab "sweep_app flag="
tab "sweep_app -m a=1,2 cr"
tab "sweep_app zzz"
eval "$(_HYDRA_OLD_COMP= sweep_app -sc uninstall=bash)"
type hydra_bash_completion >/dev/null 2>&1 && echo still-installed || echo uninstalled
'''
        env = {"PATH": os.path.dirname(APP) + os.pathsep + os.environ.get("PATH", "")}
        rc, out, err = clitest.run(["bash", "-c", script], self.cwd, env=env)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.splitlines(), [
            "complete -o default -o nospace -F hydra_bash_completion sweep_app",
            "[sweep_app d] db=",
            "[sweep_app db=] db=mysql db=postgresql db=sqlite",
            "[sweep_app +db=m] +db=mysql",
            "[sweep_app hydra/launcher=l] hydra/launcher=local",
            "[sweep_app hydra.job.n] hydra.job.name= hydra.job.num=",
            "[sweep_app fl] flag=",
            "[sweep_app flag=] flag=false",
            "[sweep_app -m a=1,2 cr] crash=",
            "[sweep_app zzz] ",
            "uninstalled"])

    def test_files_and_directories(self):
        os.makedirs(os.path.join(self.cwd, "conf", "db"))
        os.makedirs(os.path.join(self.cwd, "confs"))
        open(os.path.join(self.cwd, "config.yaml"), "w").close()
        open(os.path.join(self.cwd, "conf", "x.yaml"), "w").close()
        # Hydra's: key=./path completes file names
        rc, out, err = self.query("sweep_app extra=./con")
        self.assertEqual(out, "extra=./conf extra=./config.yaml extra=./confs\n")
        rc, out, err = self.query("sweep_app extra=./conf/")
        self.assertEqual(out, "extra=./conf/db extra=./conf/x.yaml\n")
        # Cydra's: directories after -cp/-cd (fish has no file name fallback)
        rc, out, err = self.query("sweep_app -cp con")
        self.assertEqual(out, "conf/ confs/\n")
        rc, out, err = self.query("sweep_app --config-dir conf/", "fish")
        self.assertEqual(out, "conf/db/\n")
        rc, out, err = self.query("sweep_app -cd ")
        self.assertEqual(out, "conf/ confs/\n")
        # an incomplete flag: no candidates and no usage block in the terminal
        rc, out, err = self.query("sweep_app --cfg")
        self.assertEqual((rc, out, err), (0, "\n", ""))

    def test_errors(self):
        rc, out, err = clitest.run([APP, "-sc", "query=bash"], self.cwd)
        self.assertEqual(rc, 1)
        self.assertIn("COMP_LINE", err)
        rc, out, err = self.query("   ")
        self.assertEqual((rc, err), (1, "Error parsing line '   '\n"))


if __name__ == "__main__":
    unittest.main()

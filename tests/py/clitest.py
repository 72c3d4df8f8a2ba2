"""Shared helpers for the command-line tests: running a program in a scratch directory and
normalising its output so that Cydra's and real Hydra's can be compared.

Normalisation covers what legitimately differs between two runs or two implementations:
timestamps, the working directory, and Cydra's
deliberate differences from Hydra (docs/differences.md):
  - no Python stack traces: where Hydra prints a traceback, Cydra prints the exception's message;
  - no "Set the environment variable HYDRA_FULL_ERROR=1 ..." hint (C has no stack traces to show);
  - a "Did you mean ...?" line after unknown-key errors.
"""
import os
import re
import subprocess
import tempfile

BUILD = os.environ.get("CYDRA_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
SOURCE = os.environ.get("CYDRA_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))

TS = re.compile(r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\]")
DATE_DIR = re.compile(r"\d{4}-\d\d-\d\d/\d\d-\d\d-\d\d")
HINT = "Set the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace."
EXC_LINE = re.compile(r"^(?:[A-Za-z_]\w*\.)*([A-Z]\w*)(?:: (.*))?$")

# Deliberate differences in what Cydra prints (docs/differences.md), as (Hydra's text, Cydra's).
TEXT_SUBS = [
    ("--config-path,-cp : Overrides the config_path specified in hydra.main().\n"
     "                    The config_path is absolute or relative to the Python file declaring "
     "@hydra.main()\n"
     "--config-name,-cn : Overrides the config_name specified in hydra.main()\n",
     "--config-path,-cp : Overrides the config_path specified in cy_main().\n"
     "                    The config_path is absolute or relative to the directory of the "
     "executable\n"
     "--config-name,-cn : Overrides the config_name specified in cy_main()\n"),
    # Cydra has more launchers than Hydra's core
    ("\t\tBasicLauncher\n", "\t\tBasicLauncher\n\t\tLocalLauncher\n\t\tSlurmLauncher\n"),
    ("\nhydra/launcher: basic\n", "\nhydra/launcher: basic, local, slurm\n"),
]
FIELDS = re.compile(r"\n== Config fields ==\n(?:.*\n)*?(?=\n\n)")


def run(argv, cwd, env=None, timeout=60):
    e = dict(os.environ)
    e.update({"COLUMNS": "80", "LC_ALL": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"})
    if env:
        e.update(env)
    p = subprocess.run(argv, cwd=cwd, env=e, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def normalise(text, cwd):
    text = TS.sub("[TS]", text)
    text = DATE_DIR.sub("DATE/TIME", text)
    if cwd:
        real = os.path.realpath(cwd)
        text = text.replace(real, "<CWD>").replace(cwd, "<CWD>")
    return text


def strip_traceback(stderr):
    """Hydra's traceback reduced to the exception's message (what Cydra prints)."""
    if "Traceback (most recent call last):" not in stderr:
        return stderr
    lines = stderr.split("\n")
    # The exception block starts at the first unindented line after the last frame.
    start = None
    for i, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last):"):
            start = None
            continue
        if start is None and line and not line.startswith(" ") and EXC_LINE.match(line):
            start = i
    if start is None:
        return stderr
    head = lines[: [i for i, l in enumerate(lines) if l.startswith("Traceback")][0]]
    m = EXC_LINE.match(lines[start])
    msg = [m.group(2) or ""] + lines[start + 1:]
    return "\n".join(head + msg)


def cydra_stdout(stdout):
    """Hydra's stdout as Cydra prints it (the deliberate differences applied)."""
    for hydra, cydra in TEXT_SUBS:
        stdout = stdout.replace(hydra, cydra)
    return stdout


def drop_fields_help(stdout):
    """Cydra's --help without the "== Config fields ==" section Hydra does not have."""
    return FIELDS.sub("", stdout)


def cydra_view(stderr):
    """Hydra's stderr as Cydra prints it (the deliberate differences applied)."""
    s = strip_traceback(stderr)
    s = s.replace("\n\n" + HINT + "\n", "\n").replace(HINT + "\n", "")
    return s


def drop_did_you_mean(stderr):
    return "\n".join(l for l in stderr.split("\n") if not l.startswith("Did you mean"))


def scratch_dir():
    return tempfile.mkdtemp(prefix="cydra-cli-")

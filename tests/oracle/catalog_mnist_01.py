#!/usr/bin/python3
"""What real Hydra 1.3.2 prints for build/mnist_01's command lines that stop before training
(--cfg, --help, --info, composition errors), through the Python twin of its configs
(tests/oracle/catalog_mnist_01_app.py) reading the same config groups (apps/mnist/conf).

Writes tests/golden/catalog/mnist_01_cli.json: [{"args", "rc", "stdout", "stderr"}], the scratch
directory written as <CWD>, the config directory as <CONF>; tests/py/test_mnist_01.py runs build/mnist_01 on the same arguments
and compares after clitest's normalisation (Cydra's deliberate differences applied).

Run: PYTHONPATH=/work/oracle/hydra /usr/bin/python3 tests/oracle/catalog_mnist_01.py [--check]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", ".."))
CONF = os.path.join(SOURCE, "apps", "mnist", "conf")
OUT = os.path.join(SOURCE, "tests", "golden", "catalog", "mnist_01_cli.json")
ENV = {"CYDRA_DATA_DIR": "/data/mnist-root"}

CASES = [
    ["--cfg", "job"],
    ["--cfg", "job", "optim=adam", "scheduler=cosine_annealing_lr", "scheduler.T_max=14",
     "dataset=fashion_mnist", "model.fc_hidden_features=256"],
    ["--cfg", "job", "--resolve", "dataset=fashion_mnist"],
    ["--cfg", "job", "optim=sgd", "optim.lr=0.05", "optim.momentum=0.9",
     "scheduler=reduce_lr_on_plateau", "scheduler.patience=0"],
    ["--cfg", "job", "optim=adam", "optim.betas=[0.8,0.9]", "optim.amsgrad=true"],
    ["--cfg", "job", "scheduler=sequential_lr", "scheduler.milestones=[2]",
     "scheduler.schedulers=[{_target_: torch.optim.lr_scheduler.ConstantLR, factor: 0.5}, "
     "{_target_: torch.optim.lr_scheduler.ExponentialLR, gamma: 0.9}]"],
    ["--cfg", "job", "scheduler=lambda_lr", "scheduler.lr_lambda='0.95 ** epoch'"],
    ["--cfg", "job", "train_dataloader.batch_size=32", "test_dataloader.shuffle=true",
     "epochs=1", "seed=7"],
    ["--cfg", "job", "+optim.extra=1"],
    ["--cfg", "job", "-p", "scheduler"],
    ["--cfg", "job", "-p", "train_dataset"],
    ["--help"],
    ["--info", "defaults"],
    ["--cfg", "job", "optim=nosuch"],
    ["--cfg", "job", "scheduler=nosuch"],
    ["--cfg", "job", "dataset=nosuch"],
    ["--cfg", "job", "optim.lrr=1"],
    ["--cfg", "job", "model.conv1_out_channels=abc"],
    ["--cfg", "job", "model.nosuch=1"],
    ["--cfg", "job", "~optim"],
    ["--cfg", "job", "optimizer=adam"],
]


def generate():
    scratch = tempfile.mkdtemp(prefix="mnist01-oracle-")
    try:
        shutil.copy(os.path.join(HERE, "catalog_mnist_01_app.py"),
                    os.path.join(scratch, "mnist_01.py"))
        env = dict(os.environ, MNIST_01_CONF=CONF, COLUMNS="80", LC_ALL="C.UTF-8",
                   PYTHONDONTWRITEBYTECODE="1", **ENV)
        out = []
        for args in CASES:
            p = subprocess.run([sys.executable, "mnist_01.py"] + args, cwd=scratch, env=env,
                               capture_output=True, text=True, timeout=120)
            fix = lambda s: s.replace(os.path.realpath(scratch), "<CWD>").replace(  # noqa: E731
                scratch, "<CWD>").replace(CONF, "<CONF>")
            out.append({"args": args, "rc": p.returncode, "stdout": fix(p.stdout),
                        "stderr": fix(p.stderr)})
        return json.dumps(out, indent=1) + "\n"
    finally:
        shutil.rmtree(scratch)


def main():
    text = generate()
    if "--check" in sys.argv:
        with open(OUT) as f:
            if f.read() != text:
                sys.exit("%s differs from what Hydra prints" % OUT)
        print("%s matches Hydra" % OUT)
        return
    tmp = OUT + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, OUT)
    print("wrote %d cases to %s" % (len(CASES), OUT))


if __name__ == "__main__":
    main()

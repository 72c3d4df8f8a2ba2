#!/usr/bin/python3
"""A PyTorch reference of the basic tutorial's run (hydra-torch mnist_00.py, pytorch/examples
mnist/main.py) with torch 1.13, for comparing build/mnist_00 against it. Not a runtime dependency.

    /usr/bin/python3 tests/oracle/mnist_reference.py --data ROOT [options] [--json OUT]
    /usr/bin/python3 tests/oracle/mnist_reference.py --golden [--data ROOT]

ROOT holds MNIST/raw/ (torchvision's layout; raw or .gz idx files). The run is the tutorial's on
the CPU: torch.manual_seed(seed); DataLoaders over the (optionally truncated) splits with
shuffle=False, as the tutorial's are without CUDA; the tutorial's Net (Dropout2d twice);
Adadelta(lr, rho, eps, weight_decay) and StepLR(step_size, gamma, last_epoch); per epoch
train() logging every log_interval batches, test(), scheduler.step(). The images are normalised
as torchvision's ToTensor() + Normalize((0.1307,), (0.3081,)) compute it (byte -> float32 /255,
then - mean, / std in float32) and served by a real DataLoader, so the generator draws
(DataLoader base seeds, dropout masks) are torch's own.

Prints main.py's lines ("Train Epoch: ...", "Test set: ..." without the blank lines around it).
--json writes every training loss (loss.item(), a float32 as a Python float), the printed lines
and each epoch's test loss and correct count.

--golden writes tests/golden/mnist/subset_6000_1000.json: the default config with
log_interval=1 and epochs=2 on the first 6000 training and first 1000 test images of MNIST
(tests/py/test_mnist_00_train_golden.py runs build/mnist_00 on the same subset and compares),
plus five runs whose initial weights were perturbed by 1e-7 (relative): training amplifies a
rounding-sized difference to about 1e-2 within a few batches, so those runs measure how close
any float32 implementation other than torch's own can stay (docs/training.md).

--golden-full writes tests/golden/mnist/full_4epochs.json: the default config for 4 epochs on
the whole of MNIST (2 threads), its printed lines and per-epoch test results
(tests/py/test_mnist_00_train_full.py, labelled slow, compares build/mnist_00's first epoch).
"""
import argparse
import gzip
import hashlib
import json
import os
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim import Adadelta
from torch.optim.lr_scheduler import StepLR

warnings.simplefilter("ignore")  # Dropout2d on fc1's 2-D output warns in torch 1.13

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
NAMES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
         "t10k-labels-idx1-ubyte"]


class Net(nn.Module):
    """The tutorial's Net (hydra-torch mnist_00.py)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout2d(0.25)
        self.dropout2 = nn.Dropout2d(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def read_idx(raw, name):
    path = os.path.join(raw, name)
    if os.path.exists(path):
        data = open(path, "rb").read()
    else:
        data = gzip.open(path + ".gz", "rb").read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def normalise(u8):
    """torchvision's ToTensor() + Normalize((0.1307,), (0.3081,)) on a batch of byte images."""
    v = torch.from_numpy(np.array(u8)).to(dtype=torch.float32).div(255).unsqueeze(1)
    mean = torch.as_tensor((0.1307,), dtype=torch.float32).view(-1, 1, 1)
    std = torch.as_tensor((0.3081,), dtype=torch.float32).view(-1, 1, 1)
    return v.sub_(mean).div_(std)


def load(root, train_limit, test_limit):
    raw = os.path.join(root, "MNIST", "raw")
    arrays = [read_idx(raw, n) for n in NAMES]
    tx, ty, vx, vy = arrays
    if train_limit:
        tx, ty = tx[:train_limit], ty[:train_limit]
    if test_limit:
        vx, vy = vx[:test_limit], vy[:test_limit]
    digest = hashlib.md5()
    for a in (tx, ty, vx, vy):
        digest.update(np.ascontiguousarray(a).tobytes())
    train = torch.utils.data.TensorDataset(normalise(tx), torch.from_numpy(ty.astype(np.int64)))
    test = torch.utils.data.TensorDataset(normalise(vx), torch.from_numpy(vy.astype(np.int64)))
    return train, test, digest.hexdigest()


def run(args, emit=print):
    torch.set_num_threads(args.threads)
    train_set, test_set, digest = load(args.data, args.train_limit, args.test_limit)
    out = {"config": {k: getattr(args, k) for k in (
        "seed", "batch_size", "test_batch_size", "epochs", "log_interval", "dry_run", "lr", "rho",
        "eps", "weight_decay", "step_size", "gamma", "last_epoch", "train_limit", "test_limit", "perturb",
        "perturb_seed")},
        "data_md5": digest, "torch": torch.__version__, "threads": torch.get_num_threads(),
        "lines": [], "losses": [], "epochs": []}

    def say(line):
        out["lines"].append(line)
        emit(line)

    torch.manual_seed(args.seed)
    train_loader = torch.utils.data.DataLoader(train_set, batch_size=args.batch_size)
    test_loader = torch.utils.data.DataLoader(test_set, batch_size=args.test_batch_size)
    model = Net()
    if args.perturb:
        # every initial weight times (1 + perturb * N(0, 1)), drawn from a generator of its own
        # so the global one (dropout, DataLoader) is untouched: how far torch drifts from
        # itself after a rounding-sized change bounds what a faithful twin can promise
        g = torch.Generator().manual_seed(args.perturb_seed)
        with torch.no_grad():
            for p in model.parameters():
                p.mul_(1 + args.perturb * torch.randn(p.shape, generator=g))
    optimizer = Adadelta(lr=args.lr, rho=args.rho, eps=args.eps, weight_decay=args.weight_decay,
                         params=model.parameters())
    scheduler = StepLR(step_size=args.step_size, gamma=args.gamma, last_epoch=args.last_epoch,
                       optimizer=optimizer)
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        model.train()  # train(args, model, device, train_loader, optimizer, epoch)
        losses = []
        for batch_idx, (data, target) in enumerate(train_loader):
            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if batch_idx % args.log_interval == 0:
                say("Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}".format(
                    epoch, batch_idx * len(data), len(train_loader.dataset),
                    100. * batch_idx / len(train_loader), loss.item()))
                if args.dry_run:
                    break
        t1 = time.perf_counter()
        model.eval()  # test(model, device, test_loader)
        test_loss = 0
        correct = 0
        with torch.no_grad():
            for data, target in test_loader:
                output = model(data)
                test_loss += F.nll_loss(output, target, reduction="sum").item()
                pred = output.argmax(dim=1, keepdim=True)
                correct += pred.eq(target.view_as(pred)).sum().item()
        test_loss /= len(test_loader.dataset)
        say("Test set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)".format(
            test_loss, correct, len(test_loader.dataset),
            100. * correct / len(test_loader.dataset)))
        out["losses"].append(losses)
        out["epochs"].append({"epoch": epoch, "test_loss": test_loss, "correct": correct,
                              "test_count": len(test_loader.dataset),
                              "train_seconds": round(t1 - t0, 2),
                              "test_seconds": round(time.perf_counter() - t1, 2)})
        scheduler.step()
    return out


def parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=os.environ.get("CYDRA_DATA_DIR", os.path.join(SOURCE, "data")))
    p.add_argument("--train-limit", type=int, default=0, help="first N training images (0: all)")
    p.add_argument("--test-limit", type=int, default=0, help="first N test images (0: all)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--test-batch-size", type=int, default=1000)
    p.add_argument("--epochs", type=int, default=14)
    p.add_argument("--log-interval", type=int, default=10)
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--lr", type=float, default=1.0)
    p.add_argument("--rho", type=float, default=0.9)
    p.add_argument("--eps", type=float, default=1e-6)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--step-size", type=int, default=1)
    p.add_argument("--gamma", type=float, default=0.1)
    p.add_argument("--last-epoch", type=int, default=-1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--perturb", type=float, default=0.0,
                   help="scale the initial weights by 1 + PERTURB * N(0, 1) (0: no change)")
    p.add_argument("--perturb-seed", type=int, default=1)
    p.add_argument("--json", help="write the run's numbers here")
    p.add_argument("--golden", action="store_true",
                   help="write tests/golden/mnist/subset_6000_1000.json")
    p.add_argument("--golden-full", action="store_true",
                   help="write tests/golden/mnist/full_4epochs.json (takes a while)")
    return p


def full_golden(out):
    """The full-data run as committed: the printed lines and the epochs, not every loss."""
    return {k: v for k, v in out.items() if k != "losses"}


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def main():
    args = parser().parse_args()
    if args.golden:
        args.train_limit, args.test_limit = 6000, 1000
        args.epochs, args.log_interval = 2, 1
        out = run(args, emit=lambda line: None)
        # the same run from weights perturbed by 1e-7 (relative), five times: torch's own spread
        out["perturbed"] = []
        for seed in (1, 2, 3, 4, 5):
            args.perturb, args.perturb_seed = 1e-7, seed
            p = run(args, emit=lambda line: None)
            out["perturbed"].append({"perturb": 1e-7, "perturb_seed": seed,
                                     "losses": p["losses"], "epochs": p["epochs"]})
        args.perturb = 0.0
        dest = os.path.join(SOURCE, "tests", "golden", "mnist")
        os.makedirs(dest, exist_ok=True)
        write_json(os.path.join(dest, "subset_6000_1000.json"), out)
        print("wrote %s" % os.path.join(dest, "subset_6000_1000.json"))
        return 0
    if args.golden_full:
        args.train_limit = args.test_limit = 0
        args.epochs, args.log_interval, args.threads = 4, 10, 2
        out = full_golden(run(args, emit=lambda line: None))
        dest = os.path.join(SOURCE, "tests", "golden", "mnist", "full_4epochs.json")
        write_json(dest, out)
        print("wrote %s" % dest)
        return 0
    out = run(args)
    if args.json:
        write_json(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""The hydra-torch-style structured config of every torch 1.13 optimizer and LR scheduler, made
from inspect.signature: `_target_` (the class's qualified name) first, then every constructor
argument in order with its default (tuples as lists, None as null, required arguments ???).

Writes tests/golden/catalog/configs.txt, one block per class:

    === <qualified name> <short alias or -> <ConfName> <config group option>
    <OmegaConf.to_yaml of the config>

tests/unit/nn_optim/test_catalog.c compares libnn's catalogue (built from the describe tables)
with it, so a signature that drifts from torch's is caught; tests/py/test_signatures.py re-runs
this script when torch is installed and checks that the committed file is what it writes.

Run: /usr/bin/python3 tests/oracle/catalog_signatures.py [--check]   (needs python3-torch 1.13)
"""
import inspect
import os
import re
import sys

import torch
import torch.optim.lr_scheduler as L
from omegaconf import OmegaConf
from torch.optim.optimizer import required

OUT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'golden',
                                    'catalog', 'configs.txt'))


def snake(name):
    """ReduceLROnPlateau -> reduce_lr_on_plateau."""
    s = re.sub(r'(?<=[a-z0-9])([A-Z])', r'_\1', name)
    s = re.sub(r'(?<=[A-Z])([A-Z])(?=[a-z])', r'_\1', s)
    return s.lower()


def config(cls):
    d = {'_target_': '%s.%s' % (cls.__module__, cls.__qualname__)}
    for name, p in inspect.signature(cls).parameters.items():
        if p.default is inspect.Parameter.empty or p.default is required:
            v = '???'
        elif isinstance(p.default, tuple):
            v = list(p.default)
        else:
            v = p.default
        d[name] = v
    return OmegaConf.to_yaml(OmegaConf.create(d))


def classes():
    for name in sorted(n for n in dir(torch.optim) if inspect.isclass(getattr(torch.optim, n))):
        cls = getattr(torch.optim, name)
        if issubclass(cls, torch.optim.Optimizer) and cls is not torch.optim.Optimizer:
            yield cls, 'torch.optim.' + name, cls.__module__.split('.')[-1]
    for name in L.__all__:
        yield getattr(L, name), '-', snake(name)


def generate():
    out = ['# torch %s: hydra-torch-style configs from inspect.signature (tests/oracle/'
           'catalog_signatures.py)' % torch.__version__]
    for cls, alias, option in classes():
        out.append('=== %s.%s %s %sConf %s' % (cls.__module__, cls.__qualname__, alias,
                                               cls.__qualname__, option))
        out.append(config(cls).rstrip('\n'))
    return '\n'.join(out) + '\n'


def main():
    text = generate()
    if '--check' in sys.argv:
        with open(OUT) as f:
            if f.read() != text:
                sys.exit('%s is not what torch %s gives' % (OUT, torch.__version__))
        print('%s matches torch %s' % (OUT, torch.__version__))
        return
    tmp = OUT + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, OUT)
    print('wrote %d configs to %s' % (text.count('\n=== '), OUT))


if __name__ == '__main__':
    main()

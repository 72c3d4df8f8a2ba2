#!/usr/bin/python3
"""Signatures of torch 1.13's optimizers and LR schedulers, as inspect.signature prints them.

Writes tests/golden/optim/signatures.txt, one class a line, tab-separated:
    <qualified name> TAB <short alias or -> TAB str(inspect.signature(cls))
The C describe tables (nn_optim_desc / nn_sched_desc) must reproduce these lines exactly, so a
drift between torch's constructors and the tables is caught by tests/unit/nn_optim/test_describe.c.

Run: /usr/bin/python3 tests/oracle/optim_signatures.py  (needs python3-torch 1.13)
"""
import inspect
import os

import torch
import torch.optim.lr_scheduler as L

OUT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'golden',
                                    'optim', 'signatures.txt'))


def main():
    lines = []
    for name in sorted(n for n in dir(torch.optim) if inspect.isclass(getattr(torch.optim, n))):
        cls = getattr(torch.optim, name)
        if not issubclass(cls, torch.optim.Optimizer) or cls is torch.optim.Optimizer:
            continue
        lines.append('%s.%s\t%s\t%s' % (cls.__module__, cls.__qualname__, 'torch.optim.' + name,
                                         inspect.signature(cls)))
    for name in L.__all__:
        cls = getattr(L, name)
        lines.append('%s.%s\t-\t%s' % (cls.__module__, cls.__qualname__, inspect.signature(cls)))
    tmp = OUT + '.tmp'
    with open(tmp, 'w') as f:
        f.write('# torch %s: qualified name, alias, str(inspect.signature(cls))\n' % torch.__version__)
        f.write('\n'.join(lines) + '\n')
    os.replace(tmp, OUT)
    print('wrote %d signatures to %s' % (len(lines), OUT))


if __name__ == '__main__':
    main()

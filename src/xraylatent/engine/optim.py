"""Adam on a stacked module, with one learning rate and one L2 strength per member.

Each step runs PyTorch's fused Adam kernel (the one behind ``torch.optim.Adam(fused=True)``: one pass over
parameters, gradients and moments) once per run of consecutive members that share learning rate, L2 and
step count, on slices of the stacked tensors. In a search such a run is the CV folds of one candidate, so
a step costs a few kernel calls however many members the stack has. L2 enters as the
kernel's weight decay on the penalized weights only (d(l2·Σw²)/dw = 2·l2·w). Gradients live in tensors
shaped like the parameters, for the hand-written backward pass (backprop.py) to fill.
"""

from __future__ import annotations

import torch
from torch import nn


class StackedAdam:
    """Adam (Kingma & Ba) for the parameters of a stacked module; ``grad_of[id(param)]`` is its gradient."""

    def __init__(self, module: nn.Module, lr: torch.Tensor, l2: torch.Tensor, betas=(0.9, 0.999), eps=1e-8):
        self.params = list(module.parameters())
        penalized = {id(w) for w in module.penalized_weights()}
        self.penalized = [id(p) in penalized for p in self.params]
        self.lr, self.l2, self.betas, self.eps = lr.tolist(), l2.tolist(), betas, eps
        self.grads = [torch.zeros_like(p.detach()) for p in self.params]
        self.m = [torch.zeros_like(g) for g in self.grads]
        self.v = [torch.zeros_like(g) for g in self.grads]
        self.step_counts = torch.zeros(len(self.lr), device=lr.device)
        self._prepare()

    def _prepare(self) -> None:
        self.grad_of = {id(p): g for p, g in zip(self.params, self.grads, strict=True)}
        self._every = None  # the kernel calls of a step of all members, prepared on first use

    def keep(self, index: torch.Tensor) -> None:
        """Keep only the members ``index`` (parameters, gradients, moments and step counts)."""
        for p in self.params:
            p.data = p.data[index]
        self.grads, self.m, self.v = ([t[index] for t in ts] for ts in (self.grads, self.m, self.v))
        kept = index.tolist()
        self.lr, self.l2 = [self.lr[i] for i in kept], [self.l2[i] for i in kept]
        self.step_counts = self.step_counts[index]
        self._prepare()

    def _calls(self, members: list[int]) -> list[tuple[list[list[torch.Tensor]], list[torch.Tensor], float, float]]:
        """Arguments of the kernel calls that step ``members``: slices of each buffer, steps, lr, decay."""
        counts = self.step_counts.tolist()
        settings = list(zip(self.lr, self.l2, counts, strict=True))
        runs: list[list[int]] = []
        for j in members:
            if runs and runs[-1][-1] == j - 1 and settings[j] == settings[j - 1]:
                runs[-1].append(j)
            else:
                runs.append([j])
        calls = []
        for run in runs:
            first, end = run[0], run[-1] + 1
            for penalized, decay in ((True, 2 * self.l2[first]), (False, 0.0)):
                chosen = [i for i, flag in enumerate(self.penalized) if flag == penalized]
                if chosen:
                    buffers = [[t[i].detach()[first:end] for i in chosen]
                               for t in (self.params, self.grads, self.m, self.v)]
                    calls.append((buffers, [self.step_counts[first]] * len(chosen), self.lr[first], decay))
        return calls

    def step(self, active: torch.Tensor | None = None) -> None:
        """One Adam step of the members in ``active`` (a boolean per member; default all)."""
        if active is None:
            if self._every is None:
                self._every = self._calls(list(range(len(self.lr))))
            calls = self._every
        else:
            calls = self._calls(active.nonzero().squeeze(1).tolist())
            self._every = None  # step counts within a run may now differ
        self.step_counts += 1 if active is None else active
        for buffers, steps, lr, decay in calls:
            torch._fused_adam_(*buffers, [], steps, lr=lr, beta1=self.betas[0], beta2=self.betas[1],
                               weight_decay=decay, eps=self.eps, amsgrad=False, maximize=False)

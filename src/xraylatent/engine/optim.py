"""Adam on a stacked module, with one learning rate, one L2 strength and one step count per member.

Every parameter of a stack has a leading member dimension M (weights (M, in, out), biases (M, 1, out)), so
the per-member settings are (M, 1, 1) tensors that broadcast over each parameter: a step updates all
members of all parameters at once with a few documented ``torch._foreach_*`` calls (one per Adam
operation, each over the list of parameters), however many members the stack has and however their
settings differ. A member left out of a step (``active``: its epoch has fewer batches) gets zero weights in
every update, so its parameters, moments and step count stay exactly as they were; step counts, hence bias
corrections, are per member.

The update is ``torch.optim.Adam``'s (not AdamW): L2 enters as weight decay 2·l2·w (d(l2·Σw²)/dw) added to
the gradient of the penalized weights only (``module.penalized_weights()``; never biases). Gradients live in
tensors shaped like the parameters, for the hand-written backward pass (backprop.py) to fill. A step works
in place only (fresh parameter-sized tensors every step cost page faults): it adds the decay to the
gradients, updates the moments, then computes the update in the spent gradient buffers, which the next
backward pass overwrites. Only public tensor operations are used, so a step runs unchanged on any device,
and under ``torch.compile`` (train.py), which fuses it.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def _each(value, tensors: list[torch.Tensor]):
    """``value`` as the scalar argument of a ``torch._foreach_*`` call over ``tensors``: a number as it is, a
    tensor (broadcast against each) once per tensor."""
    return [value] * len(tensors) if torch.is_tensor(value) else value


class StackedAdam:
    """Adam (Kingma & Ba) for the parameters of a stacked module; ``grad_of[id(param)]`` is its gradient.

    ``lr`` and ``l2``: one value per member, (M,) tensors on the parameters' device.
    """

    def __init__(self, module: nn.Module, lr: torch.Tensor, l2: torch.Tensor, betas=(0.9, 0.999), eps=1e-8):
        self.params = list(module.parameters())
        penalized = {id(w) for w in module.penalized_weights()}
        self.penalized = [id(p) in penalized for p in self.params]
        self.lr, self.decay = lr.view(-1, 1, 1), 2 * l2.view(-1, 1, 1)
        self.betas, self.eps = betas, eps
        self.grads = [torch.zeros_like(p.detach()) for p in self.params]
        self.m = [torch.zeros_like(g) for g in self.grads]
        self.v = [torch.zeros_like(g) for g in self.grads]
        self.step_counts = torch.zeros_like(self.lr)  # (M, 1, 1), like every per-member setting
        self._prepare()

    def _prepare(self) -> None:
        """The lists every step works on, made again after the gradients were replaced."""
        self.grad_of = {id(p): g for p, g in zip(self.params, self.grads, strict=True)}
        chosen = [i for i, flag in enumerate(self.penalized) if flag]
        self.decayed = [self.grads[i] for i in chosen], [self.params[i] for i in chosen]

    def keep(self, index: torch.Tensor) -> None:
        """Keep only the members ``index`` (parameters, gradients, moments, settings and step counts)."""
        for p in self.params:
            p.data = p.data[index]
        self.grads, self.m, self.v = ([t[index] for t in ts] for ts in (self.grads, self.m, self.v))
        self.lr, self.decay, self.step_counts = self.lr[index], self.decay[index], self.step_counts[index]
        self._prepare()

    def _bias_corrections(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(1 − β1ᵗ, √(1 − β2ᵗ)) per member, (M, 1, 1); −expm1(t·ln β) keeps float32 accurate at small t,
        where 1 − βᵗ would cancel. A member not stepped yet counts as t = 1 (its step size is zero)."""
        steps = self.step_counts.clamp(min=1)
        beta1, beta2 = self.betas
        return -torch.expm1(steps * math.log(beta1)), (-torch.expm1(steps * math.log(beta2))).sqrt()

    @torch.no_grad()
    def step(self, active: torch.Tensor | None = None) -> None:
        """One Adam step of the members in ``active`` (a boolean per member; default all)."""
        beta1, beta2 = self.betas
        on = 1.0 if active is None else active.to(self.lr.dtype).view(-1, 1, 1)  # 1: steps, 0: left out
        self.step_counts += on
        correction1, root2 = self._bias_corrections()
        if self.decayed[0]:  # the gradient of L2, on the penalized weights
            torch._foreach_addcmul_(*self.decayed, _each(self.decay, self.decayed[0]))
        if active is not None:
            torch._foreach_mul_(self.grads, _each(on, self.grads))  # members left out move nothing
        torch._foreach_lerp_(self.m, self.grads, _each((1 - beta1) * on, self.m))
        torch._foreach_mul_(self.v, _each(beta2 if active is None else 1 - (1 - beta2) * on, self.v))
        torch._foreach_addcmul_(self.v, self.grads, self.grads, value=1 - beta2)
        # Adam's lr/(1 − β1ᵗ) · m / (√(v/(1 − β2ᵗ)) + ε), numerator and denominator times √(1 − β2ᵗ). The spent
        # gradient buffers take m / (√v + ε√(1 − β2ᵗ)): fresh tensors of this size each step cost page faults.
        update = self.grads
        torch._foreach_copy_(update, self.v)
        torch._foreach_sqrt_(update)
        torch._foreach_add_(update, _each(self.eps * root2, update))
        torch._foreach_reciprocal_(update)
        torch._foreach_mul_(update, self.m)
        torch._foreach_addcmul_(self.params, update, _each(-self.lr * root2 / correction1 * on, update))

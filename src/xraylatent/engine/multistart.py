"""Multi-start gradient descent: many starting points of one batched objective, minimised together.

ECA's direction search and the inverse's latent fit are both non-convex least-squares problems solved the
same way: every start is a row of one tensor, all go through the network in one batch, and Adam with a
cosine-decaying step size runs a fixed number of iterations. Gradients flow into the starts only, never
into the network's weights.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


def minimize_from_starts(objective: Callable[[torch.Tensor], torch.Tensor], starts: torch.Tensor,
                         max_iter: int, learning_rate: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Minimise the sum of ``objective(params)`` over ``params``, which begins at ``starts``.

    ``objective`` maps the parameters (starts first: (S, ...)) to a loss per start (or per start and sample);
    since starts do not interact, minimising the sum minimises each. Returns the final parameters and
    their losses, both without gradients, for the caller to pick the best start.
    """
    params = starts.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([params], lr=learning_rate)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, max_iter)
    for _ in range(max_iter):
        (params.grad,) = torch.autograd.grad(objective(params).sum(), params)
        optimizer.step()
        schedule.step()
    params = params.detach()
    with torch.no_grad():
        return params, objective(params)

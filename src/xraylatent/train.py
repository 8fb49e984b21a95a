"""Batched trainer: trains every member of a stack (nets.py) at once, each with its own rows and settings.

Loss of member j on a mini-batch, the convention used everywhere in xraylatent:

    L_j = mean over (its train rows in the batch) × (channels) of (prediction − target)²
          + l2_j · Σ (squared entries of the module's ``penalized_weights()``; never biases)

The stack minimises Σ_j L_j, so member j's gradient is that of L_j alone. Each member has a boolean row
mask for training and one for validation, so CV folds and candidates are simply more members. Every epoch
visits all rows in one shuffled order shared by the stack; rows outside a member's train mask weigh zero
for it, and a member with no train row in a batch skips that Adam step. Early stopping is per member on
the validation MSE (on the training MSE of the epoch when it has no validation rows); a member stops after
``patience`` epochs without a strict improvement, or at once when its loss is not finite, and is then
dropped from the active stack so it costs nothing more. Its best weights are kept.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from xraylatent.nets import keep_members, n_members


@dataclass
class StackFit:
    """Result of :func:`train_stack`; arrays are indexed by member, curves by (member, epoch)."""

    model: nn.Module  # every member at its best weights
    epochs: np.ndarray  # epochs each member ran
    best_epoch: np.ndarray  # 1-based epoch of the best monitored loss
    best_loss: np.ndarray  # best monitored loss (validation MSE, or training MSE without validation rows)
    train_loss: np.ndarray  # training MSE per epoch, NaN after the member stopped
    val_loss: np.ndarray  # validation MSE per epoch, NaN after stopping or without validation rows


def resolve_device(device: str | torch.device) -> torch.device:
    """``"auto"`` means CUDA when available, else CPU; anything else is passed to ``torch.device``."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


class _Adam:
    """Adam on stacked parameters with one learning rate per member (Kingma & Ba defaults).

    The moments of all parameters live in one (M, P) buffer each, so a step costs a few tensor ops.
    ``active`` marks the members that take this step; the others keep parameters, moments and step count.
    """

    def __init__(self, params: list[nn.Parameter], lr: torch.Tensor, betas: tuple[float, float], eps: float):
        self.params, self.lr, self.betas, self.eps = params, lr, betas, eps
        self.m = torch.zeros(len(lr), sum(p[0].numel() for p in params), device=lr.device)
        self.v = torch.zeros_like(self.m)
        self.steps = torch.zeros_like(lr)

    def step(self, active: torch.Tensor) -> None:
        beta1, beta2 = self.betas
        on = active.to(self.lr.dtype)
        self.steps += on
        steps = self.steps.clamp(min=1)  # members that never stepped have zero moments and zero rate
        rate = (self.lr * on / (1 - beta1**steps))[:, None]
        root_correction = torch.sqrt(1 - beta2**steps)[:, None]
        on = on[:, None]
        grad = torch.cat([p.grad.flatten(1) for p in self.params], dim=1)
        self.m.lerp_(grad, (1 - beta1) * on)
        self.v.lerp_(grad.square(), (1 - beta2) * on)
        update = rate * self.m / (self.v.sqrt() / root_correction + self.eps)
        with torch.no_grad():
            for p, u in zip(self.params, update.split([p[0].numel() for p in self.params], dim=1), strict=True):
                p.sub_(u.view_as(p))

    def keep(self, index: torch.Tensor, params: list[nn.Parameter]) -> None:
        """Follow a compaction of the stack to the members ``index``, now holding ``params``."""
        self.params, self.lr, self.steps = params, self.lr[index], self.steps[index]
        self.m, self.v = self.m[index], self.v[index]


def _per_member(value, size: int, name: str, device: torch.device) -> torch.Tensor:
    out = torch.as_tensor(value, dtype=torch.float32, device=device).flatten()
    if out.numel() == 1:
        out = out.expand(size).clone()
    if out.shape != (size,) or not torch.isfinite(out).all() or (out < 0).any():
        raise ValueError(f"{name} must be one finite value >= 0 or {size} of them (one per member)")
    return out


def _mask(mask, shape: tuple[int, int], default: bool, name: str, device: torch.device) -> torch.Tensor:
    if mask is None:
        return torch.full(shape, default, device=device)
    out = torch.as_tensor(mask, device=device)
    if out.dtype != torch.bool or out.shape != shape:
        raise ValueError(f"{name} must be a boolean (members, samples) mask, shape {shape}, got {out.shape}")
    return out


def _as_tensor(a, device: torch.device) -> torch.Tensor:
    if not torch.is_tensor(a):
        a = np.asarray(a, dtype=np.float32)
    return torch.as_tensor(a, dtype=torch.float32, device=device)


def _squared_error(model: nn.Module, x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor):
    """Per-member sum of squared errors (averaged over channels) on the masked rows, and their count."""
    err = (model(x) - y).square().mean(-1)
    return torch.where(mask, err, 0.0).sum(1), mask.sum(1)


def masked_mse(model: nn.Module, X: torch.Tensor, Y: torch.Tensor, mask: torch.Tensor, batch_size: int):
    """Per-member MSE over its rows in ``mask`` (M×n), NaN for a member without rows; no gradients.

    Each member is fed only its own rows (gathered per member, ``batch_size`` at a time), so a stack of
    CV folds costs one pass over the data, not one per fold.
    """
    count = mask.sum(1)
    own_rows_first = torch.argsort((~mask).to(torch.uint8), dim=1, stable=True)[:, : int(count.max())]
    sse = torch.zeros(mask.shape[0], device=X.device)
    with torch.no_grad():
        for rows in own_rows_first.split(batch_size, dim=1):
            sse += _squared_error(model, X[rows], Y[rows], torch.gather(mask, 1, rows))[0]
    return sse / count


def train_stack(
    model: nn.Module,
    X,
    Y,
    train_mask=None,
    val_mask=None,
    *,
    learning_rate=1e-3,
    l2=0.0,
    batch_size: int = 64,
    max_epochs: int = 200,
    patience: int = 20,
    seed: int = 0,
    device: str | torch.device = "cpu",
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    eval_batch_size: int = 1024,
) -> StackFit:
    """Train all members of ``model`` (left untouched; a trained copy is returned) on X (n×d) → Y (n×m).

    ``train_mask``/``val_mask``: boolean (M, n); default all rows train, none validate. ``learning_rate``
    and ``l2``: a scalar or one value per member. ``seed`` fixes the shuffling; initial weights come
    from the stack's own generators. Deterministic on CPU. See the module docstring for the loss.
    """
    dev = resolve_device(device)
    X, Y = _as_tensor(X, dev), _as_tensor(Y, dev)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[0] != Y.shape[0]:
        raise ValueError(f"X and Y must be 2-D with equal row counts, got {X.shape} and {Y.shape}")
    if min(batch_size, max_epochs, patience, eval_batch_size) < 1:
        raise ValueError("batch_size, max_epochs, patience and eval_batch_size must all be >= 1")
    n, size = X.shape[0], n_members(model)
    train = _mask(train_mask, (size, n), True, "train_mask", dev)
    val = _mask(val_mask, (size, n), False, "val_mask", dev)
    if not train.any(1).all():
        raise ValueError("every member needs at least one training row")
    lr = _per_member(learning_rate, size, "learning_rate", dev)
    l2 = _per_member(l2, size, "l2", dev)

    work = copy.deepcopy(model).to(dev)
    best = copy.deepcopy(work)
    adam = _Adam(list(work.parameters()), lr, betas, eps)
    ids = torch.arange(size, device=dev)  # original index of each active member
    since_best = torch.zeros(size, dtype=torch.long, device=dev)
    best_loss = torch.full((size,), torch.inf, device=dev)
    best_epoch = torch.zeros(size, dtype=torch.long, device=dev)
    epochs = torch.zeros(size, dtype=torch.long, device=dev)
    curves = torch.full((2, size, max_epochs), torch.nan, device=dev)
    shuffle = torch.Generator().manual_seed(int(seed))

    for epoch in range(max_epochs):
        sse = torch.zeros(len(ids), device=dev)
        count = torch.zeros_like(sse)
        for rows in torch.randperm(n, generator=shuffle).to(dev).split(batch_size):
            batch_sse, batch_count = _squared_error(work, X[rows], Y[rows], train[:, rows])
            penalty = sum(w.square().sum((1, 2)) for w in work.penalized_weights())
            loss = batch_sse / batch_count.clamp(min=1) + l2 * penalty
            work.zero_grad()
            loss.sum().backward()
            adam.step(batch_count > 0)
            sse, count = sse + batch_sse.detach(), count + batch_count
        train_mse = sse / count
        val_mse = masked_mse(work, X, Y, val, eval_batch_size)
        monitored = torch.where(val.any(1), val_mse, train_mse)
        curves[:, ids, epoch] = torch.stack([train_mse, val_mse])
        epochs[ids] = epoch + 1

        improved = monitored < best_loss[ids]
        with torch.no_grad():
            for kept, param in zip(best.parameters(), work.parameters(), strict=True):
                kept[ids[improved]] = param[improved]
        best_loss[ids[improved]] = monitored[improved]
        best_epoch[ids[improved]] = epoch + 1
        since_best = torch.where(improved, 0, since_best + 1)

        going = (since_best < patience) & torch.isfinite(monitored)
        if not going.all():
            index = going.nonzero().squeeze(1)
            if len(index) == 0:
                break
            keep_members(work, index)
            adam.keep(index, list(work.parameters()))
            ids, since_best, l2 = ids[index], since_best[index], l2[index]
            train, val = train[index], val[index]

    run = int(epochs.max())
    return StackFit(
        model=best,
        epochs=epochs.cpu().numpy(),
        best_epoch=best_epoch.cpu().numpy(),
        best_loss=best_loss.cpu().numpy(),
        train_loss=curves[0, :, :run].cpu().numpy(),
        val_loss=curves[1, :, :run].cpu().numpy(),
    )


def predict_stack(fn: Callable[[torch.Tensor], torch.Tensor], X, batch_size: int = 4096) -> torch.Tensor:
    """Apply a stack (or a bound method of one, e.g. ``net.encode``) to X in row chunks, without gradients.

    Returns an (M, n, out) float32 CPU tensor; X goes to the device the stack's parameters live on.
    """
    module = getattr(fn, "__self__", fn)
    X = _as_tensor(X, next(module.parameters()).device)
    with torch.no_grad():
        return torch.cat([fn(chunk).cpu() for chunk in X.split(batch_size)], dim=1)

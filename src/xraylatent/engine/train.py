"""Batched trainer: trains every member of a stack (engine/nets.py) at once, each with its own rows and settings.

Loss of member j on a mini-batch, the convention used everywhere in xraylatent:

    L_j = mean over (its train rows in the batch) × (channels) of (prediction − target)²
          + l2_j · Σ (squared entries of the module's ``penalized_weights()``; never biases)

Member j's gradient is that of L_j alone. Each member has a boolean row mask for training and one for
validation, so CV folds and candidates are simply more members. In every epoch each member visits its own
training rows once, in its own shuffled order, ``batch_size`` at a time (the last batch may be short), so
no step is spent on rows a member does not train on; a member whose epoch has fewer batches than another's
skips the remaining Adam steps. A training step is forward, hand-written backward (backprop.py) and Adam on
every member at once (optim.py: per-member settings as broadcast tensors); ``compile=True`` runs that step
through ``torch.compile``, which fuses its elementwise work. Members of one shuffle seed and one training
mask (one CV fold) see the same batches.

Early stopping is per member on the validation MSE (on the training MSE of the epoch when it has no
validation rows); a member stops after ``patience`` epochs without a strict improvement, or at once when its
loss is not finite. Its best weights are kept. All bookkeeping of an epoch stays on the device: the host
looks at it only every ``stop_check_every`` epochs (:data:`CUDA_STOP_CHECK_EVERY` on a GPU, where each look
is a synchronisation; every epoch on CPU), to drop the stopped members from the stack so that they cost
nothing more. Between looks a stopped member may train on, but its history, best weights and epoch count
are frozen, so the results do not depend on the interval. Data, masks and batch orders are on the device.
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from xraylatent.engine import backprop
from xraylatent.engine.nets import device_of, member_generators, n_members
from xraylatent.engine.optim import StackedAdam

CUDA_STOP_CHECK_EVERY = 5  # epochs between the host's looks at early stopping on a GPU (each look synchronises)


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


def _per_member(value, size: int, name: str, device: torch.device) -> torch.Tensor:
    out = torch.as_tensor(value, dtype=torch.float32, device=device).flatten()
    if out.numel() == 1:
        out = out.expand(size).clone()
    if out.shape != (size,) or not torch.isfinite(out).all() or (out < 0).any():
        raise ValueError(f"{name} must be one finite value >= 0 or {size} of them (one per member)")
    return out


def _per_member_seeds(seed, size: int) -> list[int]:
    """One shuffle seed per member: ``seed`` repeated, or the sequence given (checked for length)."""
    seeds = [int(seed)] * size if np.ndim(seed) == 0 else [int(s) for s in seed]
    if len(seeds) != size:
        raise ValueError(f"seed: expected one value or {size} (one per member), got {len(seeds)}")
    return seeds


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


def _to_device(t: torch.Tensor, device: torch.device) -> torch.Tensor:
    """A CPU tensor on ``device``; to a GPU through pinned memory, so that the host does not wait for the copy."""
    if device.type == "cuda":
        return t.pin_memory().to(device, non_blocking=True)
    return t.to(device)


def _epoch_batches(X: torch.Tensor, Y: torch.Tensor, own_rows: list[torch.Tensor],
                   shufflers: list[torch.Generator], batch_size: int, buffers: tuple[torch.Tensor, torch.Tensor],
                   always_masks: bool = False):
    """One epoch's mini-batches: each member's own training rows in its own shuffled order.

    Yields ``(x, y, keep, coef, active)`` per step: inputs (M, B, d) and targets (M, B, m); for a step
    where some member has fewer than B rows left, ``keep`` (M, 1, B) zeroes its padding (else None), and
    ``active`` marks the members that still have rows when some have none (else None); ``coef`` (M, 1, 1) =
    2 / (rows × channels) turns the masked error into the gradient of each member's mean squared error.
    Orders are drawn on the host (the members' generators) and go to the device once per epoch, with the
    masks of the short steps. Rows are gathered for several steps at once into ``buffers`` (row-major X and
    Y blocks, reused: fresh large tensors cost page faults). ``always_masks``: masks in every step (all
    True where None would do), so that a compiled step needs one graph, not one per mask pattern.
    """
    device, n_members = X.device, len(own_rows)
    counts = torch.tensor([len(r) for r in own_rows])
    n_steps = math.ceil(int(counts.max()) / batch_size)
    order = torch.zeros(n_members, n_steps * batch_size, dtype=torch.long)
    for j, (rows, shuffler) in enumerate(zip(own_rows, shufflers, strict=True)):
        order[j, : len(rows)] = rows.index_select(0, torch.randperm(len(rows), generator=shuffler))
    order = _to_device(order.view(n_members, n_steps, batch_size).transpose(0, 1).contiguous(), device)
    per_step = (counts[:, None] - torch.arange(n_steps)[None] * batch_size).clamp(0, batch_size)  # (M, steps)
    coefs = _to_device((2.0 / (per_step.clamp(min=1) * Y.shape[1])).T.contiguous().view(n_steps, n_members, 1, 1),
                       device)
    short = (per_step < batch_size).any(0).nonzero().squeeze(1).tolist()
    left = per_step[:, short].T  # (short steps, M): rows each member has in them
    keeps = _to_device((torch.arange(batch_size) < left[..., None])[:, :, None, :], device)
    actives = _to_device(left > 0, device)
    masks = {step: (keeps[i], actives[i] if (left[i] == 0).any() else None) for i, step in enumerate(short)}
    dense = (torch.ones(n_members, 1, batch_size, dtype=torch.bool, device=device),
             torch.ones(n_members, dtype=torch.bool, device=device)) if always_masks else (None, None)
    block = max(1, len(buffers[0]) // (n_members * batch_size))
    for first in range(0, n_steps, block):
        rows = order[first : first + block].flatten()
        xs = torch.index_select(X, 0, rows, out=buffers[0][: len(rows)]).view(-1, n_members, batch_size, X.shape[1])
        ys = torch.index_select(Y, 0, rows, out=buffers[1][: len(rows)]).view(-1, n_members, batch_size, Y.shape[1])
        for step, x, y in zip(range(first, n_steps), xs, ys, strict=False):
            keep, active = masks.get(step, dense)
            yield x, y, keep, coefs[step], dense[1] if active is None else active


@contextlib.contextmanager
def _matmul_precision(device: torch.device, tf32: bool):
    """Within: float32 matrix products on CUDA in TF32 when ``tf32`` (faster, ~1e-3 relative), else in
    full float32; the global flag is restored afterwards. No effect elsewhere."""
    if device.type != "cuda":
        yield
        return
    before = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = before


def validation_split(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train and validation row masks (1, n) of one member: a seeded ``fraction`` of the rows validates (for
    early stopping); none when ``fraction`` is 0."""
    n_val = int(round(fraction * n))
    if not 0 <= fraction < 1 or (fraction > 0 and not 0 < n_val < n):
        raise ValueError(f"validation_fraction={fraction} must be in [0, 1) and leave training and validation "
                         f"rows among {n} samples")
    val = np.zeros(n, dtype=bool)
    val[np.random.default_rng(seed).permutation(n)[:n_val]] = True
    return ~val[None], val[None]


def own_rows_first(mask: torch.Tensor) -> torch.Tensor:
    """Per member (row of the M×n ``mask``), the indices of its own rows first, in order; (M, most rows)."""
    return torch.argsort((~mask).to(torch.uint8), dim=1, stable=True)[:, : int(mask.sum(1).max())]


def predict_rows(model: nn.Module, X: torch.Tensor, rows: torch.Tensor, batch_size: int = 4096) -> torch.Tensor:
    """Each member's predictions on its own rows: ``rows`` (M, R) indexes X; returns (M, R, out), no gradients.

    A stack of CV folds thus costs one pass over the data, not one per fold.
    """
    chain = backprop.Chain(model.chain())
    with torch.no_grad():
        return torch.cat([chain.forward(X.index_select(0, chunk.flatten()).view(*chunk.shape, X.shape[1]))
                          .outputs[-1].mT for chunk in rows.split(batch_size, dim=1)], dim=1)


def masked_mse(model: nn.Module, X: torch.Tensor, Y: torch.Tensor, mask: torch.Tensor, batch_size: int,
               rows: torch.Tensor | None = None):
    """Per-member MSE over its rows in ``mask`` (M×n), NaN for a member without rows; no gradients.

    ``rows``: :func:`own_rows_first` of the mask (computed when not given).
    """
    rows = own_rows_first(mask) if rows is None else rows
    error = (predict_rows(model, X, rows, batch_size) - Y[rows]).square().mean(-1)
    return torch.where(torch.gather(mask, 1, rows), error, 0.0).sum(1) / mask.sum(1)


class StackTrainer:
    """Trains every member of ``model`` (left untouched) on X (n×d) → Y (n×m), one epoch per :meth:`run_epoch`.

    ``train_mask``/``val_mask``: boolean (M, n); default all rows train, none validate. ``learning_rate``
    and ``l2``: a scalar or one value per member. ``seed`` (one, or one per member) fixes the shuffling;
    initial weights come from the stack's own generators. Deterministic on CPU. See the module docstring for
    the loss. ``compile``: run each training step through ``torch.compile``; ``tf32``: TF32 matrix products
    on CUDA; ``stop_check_every``: epochs between the host's looks at early stopping (default: every epoch
    on CPU, :data:`CUDA_STOP_CHECK_EVERY` elsewhere). Training can pause between epochs, e.g. for successive
    halving to :meth:`stop` the members of losing candidates and go on with the rest
    (:mod:`xraylatent.selection.cv`).
    """

    def __init__(self, model: nn.Module, X, Y, train_mask=None, val_mask=None, *, learning_rate=1e-3, l2=0.0,
                 batch_size: int = 64, max_epochs: int = 200, patience: int = 20, seed: int | Sequence[int] = 0,
                 device: str | torch.device = "cpu", betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 eval_batch_size: int = 1024, compile: bool = False, tf32: bool = False,
                 stop_check_every: int | None = None):
        dev = resolve_device(device)
        X, Y = _as_tensor(X, dev), _as_tensor(Y, dev)
        if X.ndim != 2 or Y.ndim != 2 or X.shape[0] != Y.shape[0]:
            raise ValueError(f"X and Y must be 2-D with equal row counts, got {X.shape} and {Y.shape}")
        if stop_check_every is None:  # a look is free on CPU, a synchronisation elsewhere
            stop_check_every = 1 if dev.type == "cpu" else CUDA_STOP_CHECK_EVERY
        self.stop_check_every = stop_check_every
        if min(batch_size, max_epochs, patience, eval_batch_size, self.stop_check_every) < 1:
            raise ValueError("batch_size, max_epochs, patience, eval_batch_size and stop_check_every must all be >= 1")
        n, size = X.shape[0], n_members(model)
        self.train = _mask(train_mask, (size, n), True, "train_mask", dev)
        self.val = _mask(val_mask, (size, n), False, "val_mask", dev)
        if not self.train.any(1).all():
            raise ValueError("every member needs at least one training row")
        lr = _per_member(learning_rate, size, "learning_rate", dev)
        l2 = _per_member(l2, size, "l2", dev)
        self.X, self.Y, self.model, self.tf32 = X, Y, model, tf32
        self.batch_size, self.max_epochs, self.patience, self.eval_batch_size = (
            batch_size, max_epochs, patience, eval_batch_size)

        self.work = copy.deepcopy(model).to(dev)
        self.adam = StackedAdam(self.work, lr, l2, betas, eps)
        self.best = [p.detach().clone() for p in self.adam.params]
        self.chain = backprop.Chain(self.work.chain(), self.adam.grad_of, reuse=not compile)
        self.compiled = compile
        self._train_step = torch.compile(self.train_step) if compile else self.train_step
        self.ids = torch.arange(size, device=dev)  # original index of each member in the stack
        self.alive = torch.ones(size, dtype=torch.bool, device=dev)  # not stopped (yet to be dropped if False)
        self.since_best = torch.zeros(size, dtype=torch.long, device=dev)
        self.best_loss = torch.full((size,), torch.inf, device=dev)
        self.best_epoch = torch.zeros(size, dtype=torch.long, device=dev)
        self.epochs = torch.zeros(size, dtype=torch.long, device=dev)
        self.curves = torch.full((2, size, max_epochs), torch.nan, device=dev)
        self.epochs_run = 0
        self.shufflers = member_generators(_per_member_seeds(seed, size))
        self.own_rows = [row.nonzero().squeeze(1) for row in self.train.cpu()]  # one copy, not one per member
        self.val_rows = own_rows_first(self.val)
        steps_per_block = max(1, 2**22 // (size * batch_size * (X.shape[1] + Y.shape[1])))  # ~16 MB blocks
        block_rows = size * batch_size * steps_per_block
        self.buffers = (X.new_empty(block_rows, X.shape[1]), Y.new_empty(block_rows, Y.shape[1]))

    @property
    def done(self) -> bool:
        """True once every member has been dropped (stopped) or the epoch budget is spent."""
        return len(self.ids) == 0 or self.epochs_run >= self.max_epochs

    def train_step(self, x: torch.Tensor, y: torch.Tensor, keep: torch.Tensor | None, coef: torch.Tensor,
                   active: torch.Tensor | None) -> torch.Tensor:
        """One training step of every member on its batch (see :func:`_epoch_batches`): forward, backward,
        Adam. Returns each member's sum of squared errors on the batch, (M,). With ``compile`` it runs
        compiled: one graph per layer shapes and member count (parameter shapes are static to the
        compiler), so every drop of members recompiles, and past torch's recompile limit (8 per process by
        default) steps run eagerly with a warning. Results are the same either way."""
        state = self.chain.forward(x)
        diff = state.outputs[-1].sub_(y.mT)  # the last layer is linear: its output is not needed again
        if keep is not None:
            diff.mul_(keep)
        flat = diff.view(len(diff), -1)
        sse = torch.linalg.vecdot(flat, flat)
        self.chain.backward(state, diff.mul_(coef))
        self.adam.step(active)
        return sse

    def run_epoch(self) -> None:
        """Train the members for one epoch, then update their histories, best weights and early stopping."""
        X, Y = self.X, self.Y
        with torch.no_grad(), _matmul_precision(X.device, self.tf32):
            sse = torch.zeros(len(self.ids), device=X.device)
            for batch in _epoch_batches(X, Y, self.own_rows, self.shufflers, self.batch_size, self.buffers,
                                        always_masks=self.compiled):
                sse += self._train_step(*batch)
            train_mse = sse / (self.train.sum(1) * Y.shape[1])
            val_mse = masked_mse(self.work, X, Y, self.val, self.eval_batch_size, self.val_rows)
            self._record(train_mse, val_mse)
        self.epochs_run += 1
        if self.epochs_run % self.stop_check_every == 0 or self.done:
            self._keep(self.alive)

    def _record(self, train_mse: torch.Tensor, val_mse: torch.Tensor) -> None:
        """The epoch's losses, best weights and patience of the members still alive, all on the device (no
        host synchronisation); a stopped member's history, best weights and epoch count stay frozen."""
        ids, alive, epoch = self.ids, self.alive, self.epochs_run
        monitored = torch.where(self.val.any(1), val_mse, train_mse)
        self.curves[:, ids, epoch] = torch.where(alive, torch.stack([train_mse, val_mse]), torch.nan)
        self.epochs[ids] = torch.where(alive, epoch + 1, self.epochs[ids])
        improved = alive & (monitored < self.best_loss[ids])
        for kept, param in zip(self.best, self.adam.params, strict=True):
            chosen = improved.view(-1, *[1] * (param.ndim - 1))
            kept[ids] = torch.where(chosen, param.detach(), kept[ids])
        self.best_loss[ids] = torch.where(improved, monitored, self.best_loss[ids])
        self.best_epoch[ids] = torch.where(improved, epoch + 1, self.best_epoch[ids])
        self.since_best = torch.where(improved, 0, self.since_best + 1)
        self.alive = alive & (self.since_best < self.patience) & torch.isfinite(monitored)

    def stop(self, members) -> None:
        """Stop the members ``members`` (original indices) now; their best weights so far are kept."""
        self._keep(self.alive & ~torch.isin(self.ids, torch.as_tensor(members, dtype=torch.long,
                                                                       device=self.ids.device)))

    def _keep(self, going: torch.Tensor) -> None:
        """Drop the members where ``going`` is False: they cost nothing from now on. The host looks at the
        device here (a synchronisation on a GPU)."""
        if going.all():
            return
        index = going.nonzero().squeeze(1)
        self.ids, self.alive, self.since_best = self.ids[index], self.alive[index], self.since_best[index]
        self.train, self.val, self.val_rows = self.train[index], self.val[index], self.val_rows[index]
        kept = index.tolist()
        self.shufflers, self.own_rows = [self.shufflers[i] for i in kept], [self.own_rows[i] for i in kept]
        if len(index):
            self.adam.keep(index)
            self.chain.refresh(self.adam.grad_of)

    def result(self) -> StackFit:
        """Every member at its best weights so far, with its history."""
        model = copy.deepcopy(self.model).to(self.X.device)
        for param, kept in zip(model.parameters(), self.best, strict=True):
            param.data = kept.clone()
        run = int(self.epochs.max())
        return StackFit(
            model=model,
            epochs=self.epochs.cpu().numpy(),
            best_epoch=self.best_epoch.cpu().numpy(),
            best_loss=self.best_loss.cpu().numpy(),
            train_loss=self.curves[0, :, :run].cpu().numpy(),
            val_loss=self.curves[1, :, :run].cpu().numpy(),
        )


def train_stack(model: nn.Module, X, Y, train_mask=None, val_mask=None, **settings) -> StackFit:
    """Train all members of ``model`` to the end (early stopping or ``max_epochs``); see :class:`StackTrainer`
    for the arguments. ``model`` is left untouched: the result holds a trained copy."""
    trainer = StackTrainer(model, X, Y, train_mask, val_mask, **settings)
    while not trainer.done:
        trainer.run_epoch()
    return trainer.result()


def predict_stack(fn: Callable[[torch.Tensor], torch.Tensor], X, batch_size: int = 4096) -> torch.Tensor:
    """Apply a stack (or a bound method of one, e.g. ``net.encode``) to X in row chunks, without gradients.

    Returns an (M, n, out) float32 CPU tensor; X goes to the device the stack's parameters live on.
    """
    module = getattr(fn, "__self__", fn)
    X = _as_tensor(X, device_of(module))
    with torch.no_grad():
        return torch.cat([fn(chunk).cpu() for chunk in X.split(batch_size)], dim=1)

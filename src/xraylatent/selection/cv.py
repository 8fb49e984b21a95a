"""Cross-validation of many candidates at once: candidates × folds as members of stacked networks."""

from __future__ import annotations

import time

import numpy as np
import torch

from xraylatent.engine.nets import member_generators
from xraylatent.engine.settings import TrainSettings
from xraylatent.engine.train import StackTrainer, own_rows_first, predict_rows
from xraylatent.metrics import generalized_r2
from xraylatent.models.factory import make_estimator
from xraylatent.progress import Progress


def fold_masks(folds: np.ndarray, validation_fraction: float, seed: int):
    """Per fold f: rows to train on, rows for early stopping (a seeded share of the training rows) and the
    held-out rows that score the fold. The held-out rows never enter training or early stopping."""
    masks = []
    for f in np.unique(folds):
        held_out = folds == f
        rest = np.flatnonzero(~held_out)
        stop = np.zeros(len(folds), dtype=bool)
        n_stop = int(round(validation_fraction * len(rest)))
        stop[np.random.default_rng([seed, int(f)]).permutation(rest)[:n_stop]] = True
        masks.append((~held_out & ~stop, stop, held_out))
    return masks


class StackedCV:
    """Candidates × CV folds as members of stacks that train on between calls of :meth:`advance`.

    Candidates with the same layer shapes share a stack (at most ``max_stack`` members, default no limit;
    1 trains one fit at a time); each member has its own learning rate, L2, seed and rows. Successive
    halving continues the survivors' training instead of starting them again.
    """

    def __init__(self, family: str, k: int | None, candidates: list[dict], X, Y, folds, settings: TrainSettings,
                 log=None, max_stack: int | None = None):
        self.X, self.Y = np.asarray(X, np.float32), np.asarray(Y, np.float32)
        self.masks = fold_masks(np.asarray(folds), settings.validation_fraction, settings.seed)
        self.family, self.k, self.candidates, self.settings, self.log = family, k, candidates, settings, log
        n_folds = len(self.masks)
        self.cv_r2 = np.full((len(candidates), n_folds), np.nan)
        self.epochs = np.zeros((len(candidates), n_folds), dtype=int)
        self.fit_time = np.zeros(len(candidates))
        groups: dict[tuple, list[tuple[int, int]]] = {}
        for i, c in enumerate(candidates):
            groups.setdefault((int(c["depth"]), int(c["width"])), []).extend((i, f) for f in range(n_folds))
        self.stacks = []
        for pairs in groups.values():
            size = max_stack or len(pairs)
            self.stacks += [pairs[first:first + size] for first in range(0, len(pairs), size)]
        self.trainers: dict[int, StackTrainer] = {}

    def _trainer(self, index: int) -> StackTrainer:
        """The trainer of stack ``index``, built on first use (so that only stacks in use take memory)."""
        if index not in self.trainers:
            pairs, settings, c = self.stacks[index], self.settings, self.candidates
            seeds = [settings.seed * 1_000_003 + c[i]["candidate"] * 101 + f for i, f in pairs]
            net = make_estimator(self.family, self.k, c[pairs[0][0]], settings).build_net(
                self.X.shape[1], self.Y.shape[1], member_generators(seeds))
            self.trainers[index] = StackTrainer(
                net, self.X, self.Y,
                np.array([self.masks[f][0] for _, f in pairs]), np.array([self.masks[f][1] for _, f in pairs]),
                learning_rate=[c[i]["learning_rate"] for i, _ in pairs], l2=[c[i]["l2"] for i, _ in pairs],
                **settings.trainer_options())
        return self.trainers[index]

    def advance(self, alive, epochs: int) -> dict:
        """Train the candidates ``alive`` (indices) on until ``epochs`` epochs (or early stopping), stop all
        others, and score them: arrays ``cv_r2`` and ``epochs`` (candidate, fold) and ``fit_time``
        (candidate: its share of its stacks' wall time, summed over calls), for ``alive`` only."""
        alive = np.asarray(alive)
        chosen = set(alive.tolist())
        in_use = {index: [j for j, (i, _) in enumerate(pairs) if i in chosen]
                  for index, pairs in enumerate(self.stacks)}
        for index in [index for index, members in in_use.items() if not members]:
            self.trainers.pop(index, None)  # no candidate of this stack is left
            del in_use[index]
        remaining = {index: epochs - (self.trainers[index].epochs_run if index in self.trainers else 0)
                     for index in in_use}
        progress = Progress(sum(max(0, n) for n in remaining.values()),
                            f"{self.family} k={self.k}, {len(alive)} candidates × {len(self.masks)} folds "
                            f"to epoch {epochs}, stack epochs", self.log)
        for index, members in in_use.items():
            pairs, tic = self.stacks[index], time.perf_counter()
            trainer = self._trainer(index)
            trainer.stop([j for j, (i, _) in enumerate(pairs) if i not in chosen])
            while not trainer.done and trainer.epochs_run < epochs:
                trainer.run_epoch()
                progress.advance()
            progress.advance(max(0, epochs - trainer.epochs_run))  # stopped early: nothing left to do here
            self._score(pairs, trainer, members)
            for j in members:
                self.fit_time[pairs[j][0]] += (time.perf_counter() - tic) / len(members)
        return {"cv_r2": self.cv_r2[alive], "epochs": self.epochs[alive], "fit_time": self.fit_time[alive]}

    def _score(self, pairs, trainer: StackTrainer, members: list[int]) -> None:
        """CV R² of the stack's ``members`` at their best weights so far, each on its held-out fold."""
        fit = trainer.result()
        held_out = torch.as_tensor(np.array([self.masks[f][2] for _, f in pairs]), device=trainer.X.device)
        rows = own_rows_first(held_out)
        predictions = predict_rows(fit.model, trainer.X, rows).cpu().numpy()
        rows = rows.cpu().numpy()
        for j in members:
            i, f = pairs[j]
            count = int(self.masks[f][2].sum())
            self.cv_r2[i, f] = generalized_r2(self.Y[rows[j, :count]], predictions[j, :count])
            self.epochs[i, f] = fit.epochs[j]


def cross_validate(family: str, k: int | None, candidates: list[dict], X, Y, folds, settings: TrainSettings,
                   max_epochs: int | None = None, log=None, max_stack: int | None = None) -> dict:
    """CV R² of every candidate on every fold, trained for ``max_epochs`` (default: the training budget) in
    stacks (see :class:`StackedCV`). Returns arrays ``cv_r2`` and ``epochs`` (candidate, fold) and
    ``fit_time`` (candidate)."""
    runner = StackedCV(family, k, candidates, X, Y, folds, settings, log, max_stack)
    return runner.advance(np.arange(len(candidates)), max_epochs or settings.max_epochs)

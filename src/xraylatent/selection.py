"""Model selection (method.md §7): randomized grid search with k-fold CV, chunked, and choosing the best."""

from __future__ import annotations

import itertools
import math
import time
import warnings

import numpy as np
import torch
import xarray as xr
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from xraylatent.metrics import generalized_r2
from xraylatent.models import EDNN, NNCA, Emulator
from xraylatent.nets import member_generators
from xraylatent.progress import Progress
from xraylatent.train import StackTrainer, own_rows_first, predict_rows

HYPERPARAMETERS = ("depth", "width", "learning_rate", "l2")


def grid_values(spec) -> list:
    """A grid axis from config: a list as given, or ``{log_uniform: [low, high], n}`` as log-spaced values."""
    if isinstance(spec, dict):
        low, high = spec["log_uniform"]
        return [float(v) for v in np.geomspace(low, high, spec["n"])]
    return list(spec)


def sample_candidates(space: dict, n_candidates: int, seed: int = 0) -> list[dict]:
    """``n_candidates`` points of the grid ``space`` drawn without replacement (all of it if it is smaller).

    The draw depends only on the grid and the seed, so every chunk job computes the same list.
    """
    axes = [grid_values(space[name]) for name in HYPERPARAMETERS]
    size = math.prod(len(axis) for axis in axes)
    rng = np.random.default_rng(seed)
    picks = rng.choice(size, size=min(n_candidates, size), replace=False)
    grid = list(itertools.product(*axes))
    return [dict(zip(HYPERPARAMETERS, grid[i]), candidate=int(k)) for k, i in enumerate(picks)]


def chunk(candidates: list[dict], index: int, n_chunks: int) -> list[dict]:
    """The candidates of chunk ``index`` of ``n_chunks`` (round robin, so chunks get mixed sizes)."""
    if not 0 <= index < n_chunks:
        raise ValueError(f"chunk index {index} outside 0..{n_chunks - 1}")
    return candidates[index::n_chunks]


def make_estimator(family: str, k: int | None, candidate: dict, training: dict, device: str = "auto"):
    """The estimator of ``family`` with a candidate's hyperparameters and the shared training settings.

    Every MLP part (emulator; EDNN encoder and decoder; NNCA decoder) gets ``depth`` layers of ``width``.
    """
    layers = (int(candidate["width"]),) * int(candidate["depth"])
    common = dict(learning_rate=float(candidate["learning_rate"]), l2=float(candidate["l2"]),
                  batch_size=training["batch_size"], max_epochs=training["max_epochs"],
                  patience=training["patience"], validation_fraction=training["validation_fraction"],
                  random_state=training["seed"], device=device)
    if family == "emulator":
        return Emulator(hidden_layers=layers, **common)
    if family == "ednn":
        return EDNN(n_components=k, encoder_layers=layers, decoder_layers=layers, **common)
    if family == "nnca":
        return NNCA(n_components=k, decoder_layers=layers, **common)
    raise ValueError(f"unknown model family '{family}', expected emulator, ednn or nnca")


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

    def __init__(self, family: str, k: int | None, candidates: list[dict], X, Y, folds, training: dict,
                 device: str = "auto", log=None, max_stack: int | None = None):
        self.X, self.Y = np.asarray(X, np.float32), np.asarray(Y, np.float32)
        self.masks = fold_masks(np.asarray(folds), training["validation_fraction"], training["seed"])
        self.family, self.k, self.candidates, self.log = family, k, candidates, log
        self.training, self.device = training, device
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
            pairs, training, c = self.stacks[index], self.training, self.candidates
            seeds = [training["seed"] * 1_000_003 + c[i]["candidate"] * 101 + f for i, f in pairs]
            net = make_estimator(self.family, self.k, c[pairs[0][0]], training, self.device).build_net(
                self.X.shape[1], self.Y.shape[1], member_generators(seeds))
            self.trainers[index] = StackTrainer(
                net, self.X, self.Y,
                np.array([self.masks[f][0] for _, f in pairs]), np.array([self.masks[f][1] for _, f in pairs]),
                learning_rate=[c[i]["learning_rate"] for i, _ in pairs], l2=[c[i]["l2"] for i, _ in pairs],
                batch_size=training["batch_size"], max_epochs=training["max_epochs"],
                patience=training["patience"], seed=training["seed"], device=self.device)
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


def cross_validate(family: str, k: int | None, candidates: list[dict], X, Y, folds, training: dict,
                   device: str = "auto", max_epochs: int | None = None, log=None,
                   max_stack: int | None = None) -> dict:
    """CV R² of every candidate on every fold, trained for ``max_epochs`` (default: the training budget) in
    stacks (see :class:`StackedCV`). Returns arrays ``cv_r2`` and ``epochs`` (candidate, fold) and
    ``fit_time`` (candidate)."""
    runner = StackedCV(family, k, candidates, X, Y, folds, training, device, log, max_stack)
    return runner.advance(np.arange(len(candidates)), max_epochs or training["max_epochs"])


def cross_validate_sklearn(family: str, k: int | None, candidates: list[dict], X, Y, folds, training: dict,
                           max_epochs: int | None = None, log=None) -> dict:
    """Reference backend: the same candidates and folds with scikit-learn's MLPRegressor, one fit at a time.

    For checking the fast path's quality, not for speed. The emulator maps one to one; an EDNN becomes a
    plain MLP with a k-neuron hidden layer in the middle (ReLU there, as MLPRegressor cannot make one layer
    linear); NNCA is not expressible. L2 is matched: MLPRegressor's ``alpha`` = l2 × batch size gives the
    same objective as :func:`xraylatent.train.train_stack` up to a factor of 2. Early stopping uses
    MLPRegressor's own validation split of the fold's training rows.
    """
    if family not in ("emulator", "ednn"):
        raise ValueError(f"the sklearn backend cannot express family '{family}' (only emulator and ednn)")
    X, Y, folds = np.asarray(X, np.float64), np.asarray(Y, np.float64), np.asarray(folds)
    fold_ids = np.unique(folds)
    cv_r2 = np.full((len(candidates), len(fold_ids)), np.nan)
    epochs = np.zeros_like(cv_r2, dtype=int)
    fit_time = np.zeros(len(candidates))
    for i, c in enumerate(candidates):
        layers = (int(c["width"]),) * int(c["depth"])
        hidden = layers + (k,) + layers if family == "ednn" else layers
        tic = time.perf_counter()
        for f in fold_ids:
            model = MLPRegressor(hidden_layer_sizes=hidden, alpha=c["l2"] * training["batch_size"],
                                 batch_size=training["batch_size"], learning_rate_init=c["learning_rate"],
                                 max_iter=max_epochs or training["max_epochs"], early_stopping=True,
                                 validation_fraction=training["validation_fraction"],
                                 n_iter_no_change=training["patience"], tol=0.0, random_state=training["seed"])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X[folds != f], Y[folds != f])
            cv_r2[i, f] = generalized_r2(Y[folds == f], model.predict(X[folds == f]).reshape(-1, Y.shape[1]))
            epochs[i, f] = model.n_iter_
        fit_time[i] = time.perf_counter() - tic
        if log:
            log.info("sklearn %s k=%s: %d/%d candidates", family, k, i + 1, len(candidates))
    return {"cv_r2": cv_r2, "epochs": epochs, "fit_time": fit_time}


def search(family: str, k: int | None, candidates: list[dict], X, Y, folds, training: dict,
           search_config: dict, device: str = "auto", log=None) -> dict:
    """Score ``candidates`` by CV, with the configured backend and pruning.

    ``pruning: halving`` runs successive halving: in round r every remaining candidate has trained
    max_epochs · keep^(rounds−1−r) epochs when it is scored, and the best ``keep`` fraction goes on; the
    last round reaches the full budget. The torch backend continues the survivors' training; the sklearn
    reference backend trains them again from the start. ``round`` records the last round each candidate
    reached; only those of the final round compete for best (:func:`best_candidate`).
    """
    if search_config["backend"] == "sklearn":
        spent = np.zeros(len(candidates))

        def advance(subset, epochs):
            result = cross_validate_sklearn(family, k, [candidates[i] for i in subset], X, Y, folds, training,
                                            epochs, log)
            spent[subset] += result["fit_time"]
            return dict(result, fit_time=spent[subset])
    else:
        advance = StackedCV(family, k, candidates, X, Y, folds, training, device, log).advance

    rounds = search_config["halving_rounds"] if search_config["pruning"] == "halving" else 1
    keep = search_config["halving_keep"]
    n_folds = len(np.unique(folds))
    result = {"cv_r2": np.full((len(candidates), n_folds), np.nan),
              "epochs": np.zeros((len(candidates), n_folds), dtype=int),
              "fit_time": np.zeros(len(candidates)), "round": np.zeros(len(candidates), dtype=int)}
    alive = np.arange(len(candidates))
    for r in range(rounds):
        budget = max(1, int(round(training["max_epochs"] * keep ** (rounds - 1 - r))))
        scores = advance(alive, budget)
        result["cv_r2"][alive], result["epochs"][alive] = scores["cv_r2"], scores["epochs"]
        result["fit_time"][alive] = scores["fit_time"]
        result["round"][alive] = r
        if r < rounds - 1:
            ranking = np.argsort(-scores["cv_r2"].mean(axis=1), kind="stable")
            alive = alive[ranking[: max(1, math.ceil(keep * len(alive)))]]
    result["mean_cv_r2"] = result["cv_r2"].mean(axis=1)
    return result


def best_candidate(mean_cv_r2, rounds) -> int:
    """Index of the best candidate: the argmax of mean CV R² among those that reached the last round."""
    mean_cv_r2, rounds = np.asarray(mean_cv_r2, float), np.asarray(rounds)
    eligible = np.where(rounds == rounds.max(), mean_cv_r2, -np.inf)
    eligible = np.where(np.isnan(eligible), -np.inf, eligible)
    return int(np.argmax(eligible))


def chunk_dataset(candidates: list[dict], result: dict) -> xr.Dataset:
    """The ``selection/{model}/chunk_{i}.nc`` layout: one row per candidate, CV R² per fold."""
    ids = [c["candidate"] for c in candidates]
    columns = {name: (("candidate",), np.array([c[name] for c in candidates])) for name in HYPERPARAMETERS}
    return xr.Dataset(
        {
            **columns,
            "cv_r2": (("candidate", "fold"), result["cv_r2"], {"units": "1"}),
            "mean_cv_r2": (("candidate",), result["cv_r2"].mean(axis=1), {"units": "1"}),
            "epochs": (("candidate", "fold"), result["epochs"]),
            "fit_time": (("candidate",), result["fit_time"], {"units": "s"}),
            "round": (("candidate",), result["round"],
                      {"description": "last successive-halving round reached (0-based)"}),
        },
        coords={"candidate": ids, "fold": np.arange(result["cv_r2"].shape[1])},
    )


def leaderboard(chunks: list[xr.Dataset]) -> xr.Dataset:
    """All chunks' candidates, best first; the winner's hyperparameters are in attrs ``best_*``."""
    board = xr.concat(chunks, dim="candidate")
    order = np.argsort(-np.nan_to_num(board["mean_cv_r2"].values, nan=-np.inf), kind="stable")
    board = board.isel(candidate=order)
    best = best_candidate(board["mean_cv_r2"].values, board["round"].values)
    board.attrs.update({f"best_{name}": board[name].values[best].item() for name in HYPERPARAMETERS})
    board.attrs.update(best_candidate=int(board["candidate"].values[best]),
                       best_mean_cv_r2=float(board["mean_cv_r2"].values[best]))
    return board


def best_hyperparameters(board: xr.Dataset) -> dict:
    """The winning candidate's hyperparameters, as stored by :func:`leaderboard`."""
    return {name: board.attrs[f"best_{name}"] for name in HYPERPARAMETERS}

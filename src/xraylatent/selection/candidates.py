"""The candidates of a randomized grid search (docs/method.md §7): grid axes from config, a seeded draw, chunks."""

from __future__ import annotations

import itertools
import math

import numpy as np

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

"""The candidates of a randomized grid search (docs/method.md §7): grid axes from config, a seeded draw, chunks."""

from __future__ import annotations

import itertools
import math

import numpy as np

from xraylatent.models.names import model_names, parse_model

HYPERPARAMETERS = ("depth", "width", "learning_rate", "l2")


def grid_values(spec) -> list:
    """A grid axis from config: a list as given, or ``{log_uniform: [low, high], n}`` as log-spaced values."""
    if isinstance(spec, dict):
        low, high = spec["log_uniform"]
        return [float(v) for v in np.geomspace(low, high, spec["n"])]
    return list(spec)


def grid_size(space: dict) -> int:
    """The number of points of the grid ``space`` (the product of its axes' lengths)."""
    return math.prod(len(grid_values(space[name])) for name in HYPERPARAMETERS)


def dataset_search(config: dict, dataset: str) -> dict:
    """The search budget of ``dataset``: its own ``datasets.<name>.search`` where it names one, else
    ``models.search`` (the data set's replaces the global one whole)."""
    return config["datasets"][dataset].get("search", config["models"]["search"])


def dataset_space(config: dict, dataset: str, family: str) -> dict:
    """The grid of ``family`` for ``dataset``: its own ``datasets.<name>.space.<family>`` where it names one,
    else ``models.space.<family>``."""
    return config["datasets"][dataset].get("space", {}).get(family, config["models"]["space"][family])


def budget_warnings(config: dict) -> list[str]:
    """One line per data set and searched family whose search asks for more candidates than its grid holds.

    Such a search quietly draws the whole grid, fewer fits than asked for: worth knowing before a cluster
    allocation is spent on it. ``config`` is the validated workflow config (its own ``search`` and ``space``
    of a data set replace ``models.search`` and ``models.space.<family>``).
    """
    models = config["models"]
    families = sorted({parse_model(name)[0] for name in model_names(models["families"], models["latent_dims"])}
                      - {"eca"})
    messages = []
    for name, dataset in sorted(config["datasets"].items()):
        search_key = f"datasets.{name}.search" if "search" in dataset else "models.search"
        wanted = dataset_search(config, name)["n_candidates"]
        for family in families:
            size = grid_size(dataset_space(config, name, family))
            if wanted > size:
                own = family in dataset.get("space", {})
                space_key = f"datasets.{name}.space.{family}" if own else f"models.space.{family}"
                messages.append(f"{search_key}.n_candidates: {wanted:,} is more than the {size:,} points of "
                                f"{space_key}; data set '{name}' searches all {size:,} of them for {family}")
    return messages


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

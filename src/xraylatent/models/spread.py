"""How much of a model's R² is its training seed: every selected model refitted under n seeds.

The R² table reports one fit per model. Its ± comes from here: the winner of each search (same
hyperparameters) trained again with seeds ``seed, seed+1, …`` (the first is the table's own fit), as one
stack per model (:meth:`~xraylatent.models.estimators._NetEstimator.fit_seeds`), and ECA fitted through
each of those emulators. ECA with k ranks is the first k ranks of one fit with the largest k, since ranks
are fitted one after the other from one random generator.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from sklearn.frozen import FrozenEstimator

from xraylatent.data.prepare import split_arrays
from xraylatent.engine.settings import TrainSettings
from xraylatent.models.eca import ECA
from xraylatent.models.factory import make_estimator
from xraylatent.models.names import model_name, parse_model


def spread_seeds(settings: TrainSettings, n_seeds: int) -> list[int]:
    """The training seeds of the spread: the configured seed (the table's own fit) and the next n−1."""
    return [settings.seed + i for i in range(n_seeds)]


def seed_spread(prepared: xr.Dataset, winners: dict[str, dict], settings: TrainSettings, n_seeds: int,
                eca_dims=(), eca_options: dict | None = None, fit_on: str = "test") -> xr.Dataset:
    """Train and test R² of every model under each seed: variables ``train_r2`` and ``test_r2`` (model, seed).

    ``winners`` maps each searched model name (``emulator``, ``ednn_k1``, …) to its selected hyperparameters;
    ``eca_dims`` are the k of ECA, fitted on the ``fit_on`` split through each seed's emulator (so they
    need ``emulator`` among the winners) with ``eca_options`` (n_starts, max_iter, learning_rate).
    """
    parts = split_arrays(prepared)
    seeds = spread_seeds(settings, n_seeds)
    scores = {}
    for name, hyperparameters in winners.items():
        family, k = parse_model(name)
        fits = make_estimator(family, k, hyperparameters, settings).fit_seeds(*parts["train"], seeds)
        scores[name] = [[fit.score(*parts[split]) for fit in fits] for split in ("train", "test")]
        if family == "emulator" and eca_dims:
            scores |= _eca_scores(fits, parts, sorted(eca_dims), eca_options or {}, fit_on)
    names = list(scores)
    values = np.array([scores[name] for name in names])  # (model, split, seed)
    return xr.Dataset(
        {f"{split}_r2": (("model", "seed"), values[:, i], {"units": "1", "description": f"generalized R² on {split}"})
         for i, split in enumerate(("train", "test"))},
        coords={"model": names, "seed": seeds},
        attrs={"description": "R² of each selected model refitted under each training seed (same hyperparameters)",
               "eca_fit_on": fit_on},
    )


def _eca_scores(emulators, parts, dims: list[int], options: dict, fit_on: str) -> dict[str, list]:
    """{eca_k<k>: [train R² per seed, test R² per seed]} from one ECA of the largest k per emulator."""
    per_split = {"train": [], "test": []}
    for emulator in emulators:
        eca = ECA(FrozenEstimator(emulator), n_components=max(dims), **options).fit(*parts[fit_on])
        for split in per_split:
            per_split[split].append(eca.rank_scores(*parts[split]))
    return {model_name("eca", k): [[ranks[k - 1] for ranks in per_split[split]] for split in ("train", "test")]
            for k in dims}

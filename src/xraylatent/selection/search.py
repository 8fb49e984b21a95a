"""Searching a chunk of candidates (docs/method.md §7): CV scores with the configured backend and pruning
(successive halving), and the rule that picks the best."""

from __future__ import annotations

import math

import numpy as np

from xraylatent.engine.settings import TrainSettings
from xraylatent.selection.cv import StackedCV
from xraylatent.selection.sklearn_reference import cross_validate_sklearn


def search(family: str, k: int | None, candidates: list[dict], X, Y, folds, settings: TrainSettings,
           search_config: dict, log=None) -> dict:
    """Score ``candidates`` by CV, with the configured backend and pruning.

    ``pruning: halving`` runs successive halving: in round r every remaining candidate has trained
    max_epochs · keep^(rounds−1−r) epochs when it is scored, and the best ``keep`` fraction goes on; the
    last round reaches the full budget. The torch backend continues the survivors' training; the sklearn
    reference backend trains them again from the start. ``round`` records the last round each candidate
    reached; only those of the final round compete for best (:func:`~xraylatent.selection.leaderboard.best_candidate`).
    """
    if search_config["backend"] == "sklearn":
        spent = np.zeros(len(candidates))

        def advance(subset, epochs):
            result = cross_validate_sklearn(family, k, [candidates[i] for i in subset], X, Y, folds, settings,
                                            epochs, log)
            spent[subset] += result["fit_time"]
            return dict(result, fit_time=spent[subset])
    else:
        advance = StackedCV(family, k, candidates, X, Y, folds, settings, log).advance

    rounds = search_config["halving_rounds"] if search_config["pruning"] == "halving" else 1
    keep = search_config["halving_keep"]
    n_folds = len(np.unique(folds))
    result = {"cv_r2": np.full((len(candidates), n_folds), np.nan),
              "epochs": np.zeros((len(candidates), n_folds), dtype=int),
              "fit_time": np.zeros(len(candidates)), "round": np.zeros(len(candidates), dtype=int)}
    alive = np.arange(len(candidates))
    for r in range(rounds):
        budget = max(1, int(round(settings.max_epochs * keep ** (rounds - 1 - r))))
        scores = advance(alive, budget)
        result["cv_r2"][alive], result["epochs"][alive] = scores["cv_r2"], scores["epochs"]
        result["fit_time"][alive] = scores["fit_time"]
        result["round"][alive] = r
        if r < rounds - 1:
            ranking = np.argsort(-scores["cv_r2"].mean(axis=1), kind="stable")
            alive = alive[ranking[: max(1, math.ceil(keep * len(alive)))]]
    result["mean_cv_r2"] = result["cv_r2"].mean(axis=1)
    return result


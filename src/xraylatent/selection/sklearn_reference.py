"""The reference backend: the same candidates and folds with scikit-learn's MLPRegressor, one fit at a time."""

from __future__ import annotations

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor

from xraylatent.engine.settings import TrainSettings
from xraylatent.metrics import generalized_r2


def cross_validate_sklearn(family: str, k: int | None, candidates: list[dict], X, Y, folds, settings: TrainSettings,
                           max_epochs: int | None = None, log=None) -> dict:
    """Reference backend: the same candidates and folds with scikit-learn's MLPRegressor, one fit at a time.

    For checking the fast path's quality, not for speed. The emulator maps one to one; an EDNN becomes a
    plain MLP with a k-neuron hidden layer in the middle (ReLU there, as MLPRegressor cannot make one layer
    linear); NNCA is not expressible. L2 is matched: MLPRegressor's ``alpha`` = l2 × batch size gives the
    same objective as :func:`xraylatent.engine.train.train_stack` up to a factor of 2. Early stopping uses
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
            model = MLPRegressor(hidden_layer_sizes=hidden, alpha=c["l2"] * settings.batch_size,
                                 batch_size=settings.batch_size, learning_rate_init=c["learning_rate"],
                                 max_iter=max_epochs or settings.max_epochs, early_stopping=True,
                                 validation_fraction=settings.validation_fraction,
                                 n_iter_no_change=settings.patience, tol=0.0, random_state=settings.seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(X[folds != f], Y[folds != f])
            cv_r2[i, f] = generalized_r2(Y[folds == f], model.predict(X[folds == f]).reshape(-1, Y.shape[1]))
            epochs[i, f] = model.n_iter_
        fit_time[i] = time.perf_counter() - tic
        if log:
            log.info("sklearn %s k=%s: %d/%d candidates", family, k, i + 1, len(candidates))
    return {"cv_r2": cv_r2, "epochs": epochs, "fit_time": fit_time}

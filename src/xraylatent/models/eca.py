"""Emulator-based component analysis (docs/method.md §5): directions found rank by rank through an emulator.

With v_1..v_{k-1} fixed, v_k is the unit vector orthogonal to them that maximises R²(Y, f(X P_k)), with
P_k the orthogonal projector onto span(v_1..v_k) and f the emulator. Each rank optimises an unconstrained
vector u per random start, mapped in the forward pass to v = normalise(u − V_prev^T V_prev u); all starts
run together as one batch through the emulator (:func:`~xraylatent.engine.multistart.minimize_from_starts`)
and the best start wins. Features are assumed centred (z-scored on the train set), so the projection is
through the train-set centre.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, MultiOutputMixin, TransformerMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from xraylatent.engine.multistart import minimize_from_starts
from xraylatent.engine.nets import device_of
from xraylatent.metrics import generalized_r2
from xraylatent.models.estimators import seed_of


def _directions(u: torch.Tensor, previous: torch.Tensor) -> torch.Tensor:
    """Unit vectors (S, d) from u (S, d), orthogonal to the rows of ``previous`` (k−1, d)."""
    v = u - (u @ previous.T) @ previous
    return v / v.norm(dim=1, keepdim=True)


class ECA(MultiOutputMixin, TransformerMixin, BaseEstimator):
    """ECA through an emulator; ``components_`` (k×d) are ordered by rank, orthonormal.

    ``fit`` fits a clone of ``emulator`` on the same data, then the directions. The study trains the
    emulator on the train set and fits the directions on the test set: pass the trained emulator wrapped in
    :class:`sklearn.frozen.FrozenEstimator`, which ``fit`` leaves as it is. The emulator needs ``predict``
    and a stacked torch network ``net_`` (:class:`~xraylatent.models.estimators.Emulator`).
    ``covered_variance_[j]`` is the R² of rank j+1 on the data given to ``fit``; ``rank_scores`` evaluates
    the same on other data (docs/method.md §5 asks for both test- and train-set values). ``n_iter_`` is the
    number of optimiser steps each rank took: always ``max_iter``, the search has a fixed budget (a rank equal
    to the number of features is the orthogonal complement of the others and needs no steps).
    """

    _parameter_constraints = {
        "emulator": [HasMethods(["fit", "predict"])],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "n_starts": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(self, emulator, n_components=2, n_starts=8, max_iter=300, learning_rate=0.05,
                 random_state=0):
        self.emulator = emulator
        self.n_components = n_components
        self.n_starts = n_starts
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)  # the emulator's own parameters are validated too
    def fit(self, X, Y):
        X, Y = validate_data(self, X, Y, multi_output=True, y_numeric=True, dtype=np.float64)
        if self.n_components > X.shape[1]:
            raise ValueError(f"n_components={self.n_components} must not exceed the number of features "
                             f"({X.shape[1]})")
        self.emulator_ = clone(self.emulator).fit(X, Y)
        check_is_fitted(self.emulator_, "net_")  # a frozen emulator must have been trained
        net = self.emulator_.net_
        device = device_of(net)
        x = torch.tensor(X, dtype=torch.float32, device=device)  # a float32 copy (X may be read-only)
        y = torch.tensor(Y.reshape(len(Y), -1), dtype=torch.float32, device=device)
        generator = torch.Generator().manual_seed(seed_of(self.random_state))
        basis = torch.zeros(0, X.shape[1], device=device)
        for rank in range(1, self.n_components + 1):
            starts = torch.randn(self.n_starts, X.shape[1], generator=generator).to(device)
            if rank == X.shape[1]:  # the last direction of the space: the complement, nothing left to fit
                direction = _directions(starts[:1], basis)[0]
            else:
                direction = self._best_direction(net, x, y, basis, starts)
            basis = torch.cat([basis, direction[None]])
        self.components_ = _orthonormal_rows(basis.cpu().numpy().astype(np.float64))
        self.n_iter_ = self.max_iter
        self.covered_variance_ = self.rank_scores(X, Y)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True  # the directions are those that explain Y
        return tags

    def _best_direction(self, net, x, y, previous, starts) -> torch.Tensor:
        """Maximise R² over the next direction from each start at once; return the best unit vector."""
        total = (y - y.mean(0)).square().sum()

        def unexplained(u):  # 1 − R² per start, (S,)
            bases = torch.cat([previous.expand(len(u), -1, -1), _directions(u, previous)[:, None]], dim=1)
            projected = (x @ bases.mT) @ bases  # (S, n, d)
            return (net(projected) - y).square().sum((1, 2)) / total

        u, loss = minimize_from_starts(unexplained, starts, self.max_iter, self.learning_rate)
        return _directions(u, previous)[loss.argmin()]

    def _check_X(self, X) -> np.ndarray:
        check_is_fitted(self, "components_")
        return validate_data(self, X, reset=False, dtype=np.float64)

    def rank_scores(self, X, Y) -> np.ndarray:
        """R²(Y, f(X P_k)) for every rank k = 1..n_components."""
        X = self._check_X(X)
        return np.array([
            generalized_r2(Y, self.emulator_.predict(X @ self.components_[:k].T @ self.components_[:k]))
            for k in range(1, len(self.components_) + 1)
        ])

    def transform(self, X) -> np.ndarray:
        """Scores t = X Vᵀ (n×k)."""
        return self._check_X(X) @ self.components_.T

    def expand(self, T) -> np.ndarray:
        """Back to feature space: T V (n×d)."""
        check_is_fitted(self, "components_")
        return check_array(T, dtype=np.float64) @ self.components_

    def project(self, X) -> np.ndarray:
        """X projected onto the span of the components: X Vᵀ V."""
        return self.expand(self.transform(X))

    def predict(self, X) -> np.ndarray:
        """The emulator's prediction from the projected features."""
        projected = self.project(X)  # first, so that an unfitted ECA raises NotFittedError
        return self.emulator_.predict(projected)

    def score(self, X, y) -> float:
        """Generalized R² with all n_components directions."""
        return generalized_r2(y, self.predict(X))


def _orthonormal_rows(basis: np.ndarray) -> np.ndarray:
    """Gram–Schmidt of the rows in float64: the float32 fit leaves them orthonormal only to ~1e-7, which makes
    the projector Vᵀ V idempotent only to that precision, and by an amount that depends on the machine's
    kernels. Each row keeps its direction and sign (the first exactly), so rank-by-rank meaning is kept."""
    q, r = np.linalg.qr(basis.T)
    return (q * np.sign(np.diag(r))).T

"""Linear baselines for ECA: PCA, PLS and SIR directions, scored like ECA through the frozen emulator.

Each method gives orthonormal, nested directions V (k×d) in the standardized feature space; their worth is
the generalized R² of the emulator on the projected inputs X Vᵀ V, rank by rank, exactly as ECA's
``rank_scores``. So the comparison is of directions alone, with the same emulator behind all of them.

* PCA ignores Y: its axes are those of largest feature variance, which need not be the ones the spectra
  depend on. It is the floor any target-aware method should clear.
* PLS maximises the covariance of the scores with Y. The 2022 ECA paper found ECA at least as good as PLS,
  and PLS is the standard linear choice in spectroscopy, so it is the baseline ECA has to beat.
* SIR (sliced inverse regression) is the classic sufficient-dimension-reduction estimator: it targets the
  subspace Y depends on, without any model of the dependence, so it asks whether an emulator is needed at all.

Beside them, a ridge regression of Y on all of X (no bottleneck) is the linear rival of the emulator itself: an
emulator that does not beat it adds nothing an interpretation could rest on.
"""

from __future__ import annotations

import logging
from numbers import Integral

import numpy as np
import xarray as xr
from sklearn.cluster import KMeans
from sklearn.cross_decomposition import PLSRegression
from sklearn.decomposition import PCA
from sklearn.linear_model import RidgeCV
from sklearn.utils.validation import check_array, check_consistent_length

from xraylatent.metrics import generalized_r2

log = logging.getLogger(__name__)

BASELINES = ("pca", "pls", "sir")
SPLITS = ("train", "test")
EIGENVALUE_FLOOR = 1e-8  # relative to the largest covariance eigenvalue, for SIR's whitening
RIDGE_ALPHAS = np.logspace(-6, 3, 19)  # standardized X and Y: from almost plain least squares to strong shrinkage


def _check_X(X, n_components) -> np.ndarray:
    """X as a finite 2-D float64 array with at least 2 rows, and n_components checked against its width."""
    X = check_array(X, dtype=np.float64, ensure_min_samples=2, input_name="X")
    if not isinstance(n_components, Integral) or isinstance(n_components, bool):
        raise ValueError(f"n_components must be an integer, got {n_components!r}")
    if not 1 <= n_components <= X.shape[1]:
        raise ValueError(f"n_components={n_components} must be between 1 and the number of features "
                         f"({X.shape[1]})")
    return X


def _check_XY(X, Y, n_components) -> tuple[np.ndarray, np.ndarray]:
    """X as in :func:`_check_X`; Y finite, 2-D (a 1-D Y becomes one column), with as many rows as X."""
    X = _check_X(X, n_components)
    Y = check_array(Y, dtype=np.float64, ensure_2d=False, input_name="Y")
    check_consistent_length(X, Y)
    return X, Y.reshape(len(Y), -1)


def _orthonormal_rows(rows: np.ndarray) -> np.ndarray:
    """Gram–Schmidt of the rows in order (QR in float64); each row keeps its sign, the first its direction.
    ECA's convention; repeated here so that the baselines do not import torch through the ECA module."""
    q, r = np.linalg.qr(rows.T)
    return (q * np.sign(np.diag(r))).T


def pca_directions(X, n_components) -> np.ndarray:
    """The top ``n_components`` principal axes of X (k×d), by explained variance; Y plays no part."""
    X = _check_X(X, n_components)
    return _orthonormal_rows(PCA(n_components, svd_solver="full").fit(X).components_)


def pls_directions(X, Y, n_components) -> np.ndarray:
    """PLS weights of X for Y (k×d): ``PLSRegression(scale=False).x_weights_``, orthonormalised in order.

    Features are already standardized, so PLS does not rescale them again. Each weight is found on the
    residuals after the earlier ones (NIPALS), so the first j rows are the j-component answer.
    """
    X, Y = _check_XY(X, Y, n_components)
    pls = PLSRegression(n_components, scale=False).fit(X, Y)
    return _orthonormal_rows(pls.x_weights_.T)


def _slices(Y: np.ndarray, n_slices: int, random_state) -> np.ndarray:
    """Slice label of each row: equal-count quantile slices of a single y; k-means clusters of a multi-output Y."""
    if Y.shape[1] == 1:
        order = np.argsort(Y[:, 0], kind="stable")
        labels = np.empty(len(Y), dtype=int)
        labels[order] = np.arange(len(Y)) * n_slices // len(Y)
        return labels
    return KMeans(n_clusters=n_slices, n_init=10, random_state=random_state).fit_predict(Y)


def sir_directions(X, Y, n_components, n_slices=10, random_state=0) -> np.ndarray:
    """Sliced inverse regression directions (k×d), orthonormalised in eigenvalue order.

    From the definition of Li (1991, "Sliced inverse regression for dimension reduction", JASA 86:316):
    whiten X by Σ^{-1/2}, slice the rows by Y, form M = Σ_h p_h m_h m_hᵀ from the slice proportions p_h and
    the slice means m_h of the whitened rows, take M's top eigenvectors η and map them back, β = Σ^{-1/2} η.

    Choices:

    * Σ's eigenvectors with eigenvalues at most ``EIGENVALUE_FLOOR`` × the largest are left out of the
      whitening (a pseudo-inverse square root): collinear features (Coulomb-matrix entries are) have such
      directions, and whitening them, even with the eigenvalue raised to the floor, would multiply their
      noise by up to 1/√floor into the directions. Without them X must keep at least n_components directions.
    * A single y is cut into ``n_slices`` equal-count slices by its quantiles, as Li does. A multi-output Y
      has no order, so its slices are the k-means clusters of Y (Setodji & Cook 2004, "K-means inverse
      regression", Technometrics 46:421), ``KMeans(n_slices, n_init=10, random_state=random_state)``.
    * The slice means sum to zero (weighted by p_h), so M has rank at most n_slices − 1: ``n_slices`` must be
      at least ``n_components + 1``, and at most the number of rows.

    The eigenvectors of M do not depend on how many are kept, so the directions are nested.
    """
    X, Y = _check_XY(X, Y, n_components)
    if not isinstance(n_slices, Integral) or not n_components + 1 <= n_slices <= len(X):
        raise ValueError(f"n_slices={n_slices!r} must be an integer between n_components + 1 = {n_components + 1} "
                         f"(M has rank at most n_slices − 1) and the number of samples ({len(X)})")
    centred = X - X.mean(axis=0)
    eigenvalues, eigenvectors = np.linalg.eigh(centred.T @ centred / len(X))
    kept = eigenvalues > EIGENVALUE_FLOOR * eigenvalues[-1]
    if kept.sum() < n_components:
        raise ValueError(f"X has only {kept.sum()} directions with variance above {EIGENVALUE_FLOOR:g} × the largest, "
                         f"too few for n_components={n_components} SIR directions")
    inverse_root = eigenvectors[:, kept] / np.sqrt(eigenvalues[kept])  # U Λ^{-1/2}: β = U Λ^{-1/2} η = Σ^{-1/2} U η
    whitened = centred @ inverse_root  # n×r, in Σ's eigenbasis, identity covariance
    labels = _slices(Y, n_slices, random_state)
    M = np.zeros((whitened.shape[1],) * 2)
    for label in np.unique(labels):
        rows = whitened[labels == label]
        mean = rows.mean(axis=0)
        M += len(rows) / len(X) * np.outer(mean, mean)
    eta = np.linalg.eigh(M)[1][:, ::-1][:, :n_components]  # top eigenvectors, largest eigenvalue first
    return _orthonormal_rows((inverse_root @ eta).T)


def baseline_directions(method, X, Y, n_components, **options) -> np.ndarray:
    """Directions (k×d) of the baseline named ``method`` (one of ``BASELINES``); ``options`` go to SIR."""
    if method == "pca":
        return pca_directions(X, n_components, **options)
    if method == "pls":
        return pls_directions(X, Y, n_components, **options)
    if method == "sir":
        return sir_directions(X, Y, n_components, **options)
    raise ValueError(f"unknown baseline {method!r}: choose one of {', '.join(BASELINES)}")


def projected_r2(predict, V, X, Y) -> np.ndarray:
    """Generalized R² of ``predict`` on X projected onto the first j rows of V, for j = 1..k (ECA's
    ``rank_scores`` for any directions)."""
    X = check_array(X, dtype=np.float64, input_name="X")
    V = check_array(V, dtype=np.float64, input_name="V")
    if V.shape[1] != X.shape[1]:
        raise ValueError(f"V has {V.shape[1]} columns, but X has {X.shape[1]} features")
    check_consistent_length(X, Y)
    return np.array([generalized_r2(Y, predict(X @ V[:j].T @ V[:j])) for j in range(1, len(V) + 1)])


def ridge_baseline(parts) -> tuple[float, float]:
    """Test generalized R² and penalty of a ridge regression of Y on all features, fitted on the train split
    with its penalty chosen by leave-one-out among ``RIDGE_ALPHAS``: the linear model the emulator must beat."""
    ridge = RidgeCV(alphas=RIDGE_ALPHAS).fit(*parts["train"])
    X_test, Y_test = parts["test"]
    return generalized_r2(Y_test, ridge.predict(X_test)), float(ridge.alpha_)


def baselines_dataset(X_fit, Y_fit, parts, predict, n_components, sir_slices=10, random_state=0,
                      fit_on="test") -> xr.Dataset:
    """Directions ``V(method, rank, feature)`` of every baseline fitted on (X_fit, Y_fit), and their R²
    ``r2(method, split, rank)`` through ``predict`` on both ``parts`` ({"train": (X, Y), "test": (X, Y)}).

    ``fit_on`` names the split X_fit, Y_fit come from (the study fits directions on test, as for ECA). The
    directions are nested, so ``r2.sel(rank=j)`` is the R² of the j-component answer. ``method`` is also a
    keyword of ``sel``: select a method with a dict, ``ds.r2.sel({"method": "pls"})``. The attrs
    ``ridge_test_r2`` and ``ridge_alpha`` hold :func:`ridge_baseline`.
    """
    missing = [split for split in SPLITS if split not in parts]
    if missing:
        raise ValueError(f"parts lacks the split(s) {missing}: it needs {list(SPLITS)}")
    if fit_on not in SPLITS:
        raise ValueError(f"fit_on={fit_on!r} must be one of {list(SPLITS)}")
    slices = max(n_components + 1, min(sir_slices, len(X_fit) // 2))  # at least two rows per slice on average
    if slices != sir_slices:
        log.warning("SIR: %d rows on the %s split, too few for %d slices of two or more rows: using %d slices",
                    len(X_fit), fit_on, sir_slices, slices)
    options = {"sir": {"n_slices": slices, "random_state": random_state}}
    V = np.stack([baseline_directions(method, X_fit, Y_fit, n_components, **options.get(method, {}))
                  for method in BASELINES])
    r2 = np.array([[projected_r2(predict, directions, *parts[split]) for split in SPLITS] for directions in V])
    ridge_r2, ridge_alpha = ridge_baseline(parts)
    return xr.Dataset(
        {
            "V": (("method", "rank", "feature"), V,
                  {"description": "orthonormal baseline directions in standardized feature space, nested by rank"}),
            "r2": (("method", "split", "rank"), r2,
                   {"description": "generalized R² of the emulator on inputs projected onto the first rank "
                                   "directions", "units": "1"}),
        },
        coords={"method": list(BASELINES), "split": list(SPLITS), "rank": np.arange(1, n_components + 1),
                "feature": np.arange(V.shape[2])},
        attrs={"fit_on": fit_on, "sir_slices": slices, "sir_slices_requested": sir_slices,
               "ridge_test_r2": ridge_r2, "ridge_alpha": ridge_alpha},
    )

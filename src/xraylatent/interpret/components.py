"""NNCA's directions in ECA's order (docs/method.md §6), beside ECA's: the ``interpret/components.nc`` layout.

NNCA's k directions have no order. Within span(V) we pick, rank by rank, the direction whose projection
keeps the most target variance, exactly ECA's procedure (:mod:`xraylatent.models.eca`) run in the latent
coordinates t = V x with the NNCA's own decoder g as the emulator: projecting x onto a direction u = Vᵀw of
span(V) gives t = (w·t) w, i.e. the other latent coordinates held at their train-set mean (0, because X is
centred on the train set). We use the decoder rather than the separate ECA emulator because the decoder is
the model whose components we order: with the full rotation W (orthogonal k×k), g(WᵀW t) = g(t), so the
last rank's covered variance equals the NNCA's own R² and the rotation changes nothing but the order; an
emulator would mix in its own errors.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy.linalg import subspace_angles
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.frozen import FrozenEstimator

from xraylatent.data.prepare import split_arrays
from xraylatent.metrics import generalized_r2
from xraylatent.models.eca import ECA


class LatentEmulator(RegressorMixin, BaseEstimator):
    """A fitted NNCA's decoder g as an emulator over the latent coordinates t = V x (t → s).

    ``fit`` adopts the decoder (nothing is trained); wrapped in a ``FrozenEstimator`` it lets
    :class:`~xraylatent.models.eca.ECA` run inside span(V).
    """

    def __init__(self, nnca):
        self.nnca = nnca

    def fit(self, T=None, Y=None):
        self.net_ = self.nnca.net_.decoder
        self.n_features_in_ = self.nnca.n_components
        return self

    def predict(self, T) -> np.ndarray:
        return self.nnca.decode(T)


def ordered_rotation(nnca, X, Y, **eca_options) -> tuple[np.ndarray, np.ndarray]:
    """The rotation W (k×k, orthogonal) that orders the NNCA's directions by covered variance.

    Rows of ``W @ nnca.components_`` are the ordered directions; the second value is the covered variance
    of ranks 1..k on (X, Y). ``eca_options`` go to :class:`~xraylatent.models.eca.ECA` (n_starts, max_iter, …).
    """
    T = nnca.transform(X)
    emulator = FrozenEstimator(LatentEmulator(nnca).fit())
    eca = ECA(emulator, n_components=nnca.n_components, **eca_options).fit(T, Y)
    return eca.components_, eca.covered_variance_


def rank_scores(nnca, directions: np.ndarray, X, Y) -> np.ndarray:
    """Covered variance of ranks 1..k for orthonormal ``directions`` (k×d) inside the NNCA's span(V):
    R²(Y, g(V P_j x)) with P_j the projector onto the first j directions."""
    V = nnca.components_
    return np.array([generalized_r2(Y, nnca.decode(X @ directions[:j].T @ directions[:j] @ V.T))
                     for j in range(1, len(directions) + 1)])


def single_component_scores(nnca, X, Y) -> np.ndarray:
    """R² of each unrotated NNCA component alone (the others at their mean, 0)."""
    V = nnca.components_
    return np.array([rank_scores(nnca, V[[j]], X, Y)[0] for j in range(len(V))])


def align_signs(reference: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """``directions`` with each row's sign flipped so it has a non-negative dot product with the
    same row of ``reference`` (directions are defined up to sign)."""
    signs = np.where(np.sum(reference * directions, axis=1) < 0, -1.0, 1.0)
    return directions * signs[:, None]


def compare_directions(V_a: np.ndarray, V_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank-by-rank |cosine| between the rows of two direction sets (k×d each) and the principal angles
    (degrees, ascending) between their spans."""
    cosines = np.abs(np.sum(V_a * V_b, axis=1))
    angles = np.sort(np.degrees(subspace_angles(V_a.T, V_b.T)))
    return cosines, angles


def components_dataset(prepared: xr.Dataset, nncas: dict, ecas: dict, fit_on: str = "test",
                       **eca_options) -> xr.Dataset:
    """Ordered NNCA directions beside ECA's, for every k (docs/method.md §5–6): the ``components.nc`` layout.

    ``nncas`` maps k → fitted NNCA, ``ecas`` maps k → its ``models/eca_k{k}.nc`` summary. The rotation is
    fitted on the ``fit_on`` split like ECA's directions, and both report covered variance on both splits.
    NNCA directions are sign-aligned to ECA's rank by rank; arrays are padded with NaN beyond rank k.
    """
    ks = sorted(nncas)
    parts = split_arrays(prepared)
    features = prepared["feature"].values
    shape = (len(ks), max(ks))
    pad = {name: np.full(shape + (len(features),), np.nan) for name in ("V_eca", "V_nnca")}
    per_rank = {name: np.full(shape + (2,), np.nan) for name in ("covered_eca", "covered_nnca")}
    cosine, angle, single = (np.full(shape, np.nan) for _ in range(3))
    for i, k in enumerate(ks):
        nnca, V_eca = nncas[k], ecas[k]["V"].values
        rotation, _ = ordered_rotation(nnca, *parts[fit_on], **eca_options)
        V_nnca = align_signs(V_eca, rotation @ nnca.components_)
        pad["V_eca"][i, :k], pad["V_nnca"][i, :k] = V_eca, V_nnca
        for j, part in enumerate(("train", "test")):
            per_rank["covered_eca"][i, :k, j] = ecas[k][f"covered_variance_{part}"].values
            per_rank["covered_nnca"][i, :k, j] = rank_scores(nnca, V_nnca, *parts[part])
        cosine[i, :k], angle[i, :k] = compare_directions(V_eca, V_nnca)
        single[i, :k] = single_component_scores(nnca, *parts[fit_on])
    dims = ("k", "rank")
    ds = xr.Dataset(
        {
            "V_eca": (dims + ("feature",), pad["V_eca"], {"description": "ECA directions, ordered by rank"}),
            "V_nnca": (dims + ("feature",), pad["V_nnca"],
                       {"description": "NNCA directions after the ordering rotation, signs aligned to ECA"}),
            "covered_eca": (dims + ("split",), per_rank["covered_eca"], {"description": "covered variance of rank"}),
            "covered_nnca": (dims + ("split",), per_rank["covered_nnca"],
                             {"description": "covered variance of rank, ordered NNCA"}),
            "cosine": (dims, cosine, {"description": "|cos| between the ECA and NNCA direction of each rank"}),
            "principal_angle": (dims, angle, {"units": "degree",
                                              "description": "principal angles between the ECA and NNCA spans"}),
            "single_component_r2": (dims, single, {"description": "R² of each unrotated NNCA component alone"}),
            "x_mean": (("feature",), prepared["x_mean"].values),
            "x_scale": (("feature",), prepared["x_scale"].values),
            "feature_units": prepared["feature_units"],
        },
        coords={"k": ks, "rank": np.arange(1, max(ks) + 1), "feature": features, "split": ["train", "test"]},
    )
    ds.attrs.update(fit_on=fit_on)
    return ds

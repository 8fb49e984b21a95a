"""Interpretation of fitted models (method.md §6 rotation, §8): spectral change metric on a structure grid,
the ordered NNCA rotation, and the comparison of ECA and NNCA directions.

Spectral change metric. M(x) = ‖f(x) − f(x_cen)‖₂ / ‖f(x_cen)‖₂ with f the emulator in spectral units
(target scaling undone) and x_cen the train-set centre (the origin of standardized feature space). It is
evaluated on a regular grid over the physical range of the features, and grid points farther than
``max_distance`` (standardized units) from every sample are masked: there the emulator extrapolates and
its isosurfaces would show the network, not the spectra.

Ordered NNCA rotation. NNCA's k directions have no order. Within span(V) we pick, rank by rank, the
direction whose projection keeps the most target variance, exactly ECA's procedure (eca.py) run in the
latent coordinates t = V x with the NNCA's own decoder g as the emulator: projecting x onto a direction
u = Vᵀw of span(V) gives t = (w·t) w, i.e. the other latent coordinates held at their train-set mean (0,
because X is centred on the train set). We use the decoder rather than the separate ECA emulator because
the decoder is the model whose components we order: with the full rotation W (orthogonal k×k), g(WᵀW t)
= g(t), so the last rank's covered variance equals the NNCA's own R² and the rotation changes nothing but
the order; an emulator would mix in its own errors.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy.linalg import subspace_angles
from scipy.spatial import cKDTree
from sklearn.base import BaseEstimator, RegressorMixin

from xraylatent.eca import ECA
from xraylatent.metrics import generalized_r2
from xraylatent.prepare import Scaler


def grid_axes(X_phys: np.ndarray, n_points: int) -> list[np.ndarray]:
    """One evenly spaced axis per feature over the data's range (physical units)."""
    return [np.linspace(column.min(), column.max(), n_points) for column in np.asarray(X_phys).T]


def grid_points(axes: list[np.ndarray]) -> np.ndarray:
    """All grid points, (Π len(axis), d), in C order of the axes (``reshape`` back with their lengths)."""
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.column_stack([m.ravel() for m in mesh])


def near_data(points_std: np.ndarray, X_std: np.ndarray, max_distance: float) -> np.ndarray:
    """True where a point lies within ``max_distance`` (standardized units) of some sample."""
    distance, _ = cKDTree(X_std).query(points_std)
    return distance <= max_distance


def change_metric(emulator, points_std: np.ndarray, y_scaler: Scaler) -> np.ndarray:
    """M(x) = ‖f(x) − f(0)‖₂ / ‖f(0)‖₂ per row of ``points_std``, f in spectral units (method.md §8)."""
    centre = y_scaler.inverse(emulator.predict(np.zeros((1, points_std.shape[1])))).reshape(-1)
    spectra = y_scaler.inverse(emulator.predict(points_std)).reshape(len(points_std), -1)
    return np.linalg.norm(spectra - centre, axis=1) / np.linalg.norm(centre)


def metric_grid(X_std: np.ndarray, x_scaler: Scaler, y_scaler: Scaler, emulator, ednn, features,
                feature_units, n_points: int = 30, max_distance: float = 0.5) -> xr.Dataset:
    """M and the one-component EDNN's bottleneck activation on a grid over the data (physical units).

    ``features`` names the grid's dimensions; ``mask`` marks the points near the data. The scalers' mean
    and scale travel along so that a figure can map standardized directions into physical axes.
    """
    axes = grid_axes(x_scaler.inverse(X_std), n_points)
    shape = tuple(len(axis) for axis in axes)
    points = x_scaler.transform(grid_points(axes))
    dims = tuple(features)
    ds = xr.Dataset(
        {
            "M": (dims, change_metric(emulator, points, y_scaler).reshape(shape),
                  {"units": "1", "description": "relative spectral change ‖f(x)−f(x_cen)‖/‖f(x_cen)‖"}),
            "activation": (dims, ednn.transform(points)[:, 0].reshape(shape),
                           {"units": "1", "description": "bottleneck value of the one-component EDNN"}),
            "mask": (dims, near_data(points, X_std, max_distance).reshape(shape).astype(np.int8),
                     {"description": f"1 within {max_distance} (standardized units) of a sample"}),
            "x_mean": (("feature",), x_scaler.mean),
            "x_scale": (("feature",), x_scaler.scale),
        },
        coords={name: (name, axis, {"units": unit}) for name, axis, unit in zip(features, axes, feature_units)}
        | {"feature": list(features)},
    )
    ds.attrs.update(max_distance=max_distance, n_points=n_points)
    return ds


class LatentEmulator(RegressorMixin, BaseEstimator):
    """A fitted NNCA's decoder g as an emulator over the latent coordinates t = V x (t → s).

    ``fit`` adopts the decoder (nothing is trained), so :class:`~xraylatent.eca.ECA` can run inside span(V).
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
    of ranks 1..k on (X, Y). ``eca_options`` go to :class:`~xraylatent.eca.ECA` (n_starts, max_iter, …).
    """
    T = nnca.transform(X)
    eca = ECA(LatentEmulator(nnca).fit(), n_components=nnca.n_components, **eca_options).fit(T, Y)
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
    """Ordered NNCA directions beside ECA's, for every k (method.md §5–6): the ``components.nc`` layout.

    ``nncas`` maps k → fitted NNCA, ``ecas`` maps k → its ``models/eca_k{k}.nc`` summary. The rotation is
    fitted on the ``fit_on`` split like ECA's directions, and both report covered variance on both splits.
    NNCA directions are sign-aligned to ECA's rank by rank; arrays are padded with NaN beyond rank k.
    """
    ks = sorted(nncas)
    parts = {part: (prepared["X"].values[prepared["split"].values == part],
                    prepared["Y"].values[prepared["split"].values == part]) for part in ("train", "test")}
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


def _leading(direction: np.ndarray, features, n: int = 3) -> str:
    order = np.argsort(-np.abs(direction))[:n]
    return ", ".join(f"{direction[j]:+.2f} {features[j]}" for j in order)


def components_markdown(ds: xr.Dataset) -> str:
    """A Markdown table of ``components_dataset``: per k and rank, covered variance of ECA and ordered
    NNCA (fit split, other split), their |cosine|, the principal angle and each direction's leading weights."""
    fit_on = ds.attrs["fit_on"]
    other = "train" if fit_on == "test" else "test"
    features = ds["feature"].values
    lines = [f"| k | rank | ECA R² {fit_on} ({other}) | NNCA R² {fit_on} ({other}) | abs. cosine | principal angle (°) "
             "| ECA direction | NNCA direction |", "|---|---|---|---|---|---|---|---|"]
    for k in ds["k"].values:
        for rank in range(1, int(k) + 1):
            row = ds.sel(k=k, rank=rank)
            eca, nnca = row["covered_eca"], row["covered_nnca"]
            lines.append(
                f"| {k} | {rank} | {float(eca.sel(split=fit_on)):.3f} ({float(eca.sel(split=other)):.3f}) "
                f"| {float(nnca.sel(split=fit_on)):.3f} ({float(nnca.sel(split=other)):.3f}) "
                f"| {float(row['cosine']):.3f} | {float(row['principal_angle']):.1f} "
                f"| {_leading(row['V_eca'].values, features)} | {_leading(row['V_nnca'].values, features)} |")
    return "\n".join(lines) + "\n"

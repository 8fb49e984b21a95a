"""The spectral change metric (docs/method.md §8) and the one-component EDNN's bottleneck on a structure grid.

M(x) = ‖f(x) − f(x_cen)‖₂ / ‖f(x_cen)‖₂ with f the emulator in spectral units (target scaling undone) and
x_cen the train-set centre (the origin of standardized feature space). It is evaluated on a regular grid
over the physical range of the features, and grid points farther than ``max_distance`` (standardized
units) from every sample are masked: there the emulator extrapolates and its isosurfaces would show the
network, not the spectra.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from scipy.spatial import cKDTree

from xraylatent.data.prepare import Scaler


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
    """M(x) = ‖f(x) − f(0)‖₂ / ‖f(0)‖₂ per row of ``points_std``, f in spectral units (docs/method.md §8)."""
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

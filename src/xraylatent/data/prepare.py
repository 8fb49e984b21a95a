"""Train/test split, CV folds and standardization (docs/method.md §3), with scalers that can be undone."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import xarray as xr

TARGET_SCALING = {"spectrum": "global", "moments": "per_channel"}
CONSTANT = 1e-12  # a std below this fraction of the column's |mean| is rounding noise: the column is constant
SHOWN = 5  # constant columns named in the warning


@dataclass(frozen=True)
class Scaler:
    """``(values − mean) / scale`` per column, and back."""

    mean: np.ndarray
    scale: np.ndarray

    def transform(self, values):
        return (np.asarray(values, dtype=float) - self.mean) / self.scale

    def inverse(self, values):
        return np.asarray(values, dtype=float) * self.scale + self.mean

    @classmethod
    def fit(cls, values, mode: str = "per_channel", names=None) -> Scaler:
        """Fit on rows of ``values``. ``per_channel``: z-score each column; ``global``: per-column mean and
        one scalar scale (the std over all columns), so relative channel intensities keep their weight.

        A constant column (std at most :data:`CONSTANT` × |mean|, i.e. rounding noise; with ``global``, only
        when every column is) would be divided by zero or by noise: it gets scale 1 instead, standardizes to
        0, and a ``UserWarning`` names it (by ``names[k]`` where given, else as ``column k``).
        """
        values = np.asarray(values, dtype=float)
        mean = values.mean(axis=0)
        if mode == "per_channel":
            scale = values.std(axis=0)
            constant = scale <= CONSTANT * np.abs(mean)
        elif mode == "global":
            spread = (values - mean).std()
            scale = np.full(values.shape[1], spread)
            constant = np.full(values.shape[1], spread <= CONSTANT * np.abs(mean).max(initial=0.0))
        else:
            raise ValueError(f"unknown scaling mode '{mode}', expected 'per_channel' or 'global'")
        if constant.any():
            _warn_constant(np.flatnonzero(constant), mean, names)
        return cls(mean, np.where(constant, 1.0, scale))


def _warn_constant(columns: np.ndarray, mean: np.ndarray, names) -> None:
    """Warn that ``columns`` are constant (at ``mean``) and get unit scale, naming the first few."""
    named = [f"{names[k] if names is not None else f'column {k}'} (= {mean[k]:g})" for k in columns[:SHOWN]]
    more = f" and {len(columns) - SHOWN} more" if len(columns) > SHOWN else ""
    warnings.warn(f"{', '.join(named)}{more}: constant on the rows the scaler is fitted on (the train set); "
                  "scaled by 1 instead of a zero standard deviation, so it standardizes to 0 and carries no "
                  "information", UserWarning, stacklevel=3)


def split_samples(n: int, test_fraction: float = 0.2, n_folds: int = 5, seed: int = 0):
    """Seeded split: labels ``train``/``test`` per sample and a CV fold (0..n_folds−1, −1 for test)."""
    n_test = int(round(test_fraction * n))
    if n_test < 1:
        raise ValueError(f"cannot split {n} samples with test fraction {test_fraction:g}: that rounds to 0 test "
                         "samples, expected at least 1 (add samples or raise split.test_fraction)")
    if n - n_test < n_folds:
        raise ValueError(f"cannot split {n} samples into {n_folds} folds: {n - n_test} train samples are left "
                         f"after holding out {n_test} for the test set (test fraction {test_fraction:g}), expected "
                         f"at least {n_folds}, one per fold (add samples or lower split.n_folds)")
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    split = np.full(n, "train", dtype=object)
    split[order[:n_test]] = "test"
    fold = np.full(n, -1)
    train = order[n_test:]
    fold[train] = rng.permutation(np.arange(len(train)) % n_folds)
    return split.astype(str), fold


def fit_scalers(x, y, train, target_type: str, x_names=None, y_names=None) -> tuple[Scaler, Scaler]:
    """Feature and target scalers fitted on the ``train`` rows (target scaling by ``target_type``); the
    column names, where given, name a constant column in the warning (:meth:`Scaler.fit`)."""
    return (Scaler.fit(x[train], "per_channel", x_names),
            Scaler.fit(y[train], TARGET_SCALING[target_type], y_names))


def prepare_arrays(x, y, target_type: str, test_fraction: float = 0.2, n_folds: int = 5, seed: int = 0):
    """Standardized train rows of ``x`` and ``y`` and their CV folds: :func:`prepare` without NetCDF."""
    split, fold = split_samples(len(x), test_fraction, n_folds, seed)
    train = split == "train"
    x_scaler, y_scaler = fit_scalers(x, y, train, target_type)
    return x_scaler.transform(x[train]), y_scaler.transform(y[train]), fold[train]


def prepare(features: xr.Dataset, targets: xr.Dataset, target_type: str, test_fraction: float = 0.2,
            n_folds: int = 5, seed: int = 0) -> xr.Dataset:
    """Split, fit scalers on the train set and standardize X and Y into the ``prepared.nc`` layout."""
    if not np.array_equal(features["sample_id"].values, targets["sample_id"].values):
        raise ValueError("features and targets do not hold the same samples in the same order (sample_id)")
    split, fold = split_samples(features.sizes["sample"], test_fraction, n_folds, seed)
    x_scaler, y_scaler = fit_scalers(features["X"].values, targets["Y"].values, split == "train", target_type,
                                     [f"feature '{name}'" for name in features["feature"].values],
                                     [f"target channel '{name}'" for name in targets["channel"].values])
    ds = xr.Dataset(
        {
            "X": (("sample", "feature"), x_scaler.transform(features["X"].values), {"units": "1"}),
            "Y": (("sample", "channel"), y_scaler.transform(targets["Y"].values), {"units": "1"}),
            "split": (("sample",), split),
            "fold": (("sample",), fold, {"description": "CV fold of each train sample; -1 for test"}),
            "x_mean": (("feature",), x_scaler.mean),
            "x_scale": (("feature",), x_scaler.scale),
            "y_mean": (("channel",), y_scaler.mean),
            "y_scale": (("channel",), y_scaler.scale),
            "sample_id": features["sample_id"],
            "feature_units": features["feature_units"],
        },
        coords={"sample": features["sample"], "feature": features["feature"], "channel": targets["channel"]},
    )
    for name in ("x_mean", "x_scale"):
        ds[name].attrs["description"] = "train-set scaler, in each feature's unit (feature_units)"
    for name in ("y_mean", "y_scale"):
        ds[name].attrs.update(description="train-set scaler of the targets", units=targets["Y"].attrs["units"])
    ds.attrs.update(target_type=target_type, target_scaling=TARGET_SCALING[target_type],
                    split_seed=seed, test_fraction=test_fraction, n_folds=n_folds,
                    **{k: v for k, v in features.attrs.items() if k == "slot_numbers"})
    return ds


def split_arrays(prepared: xr.Dataset) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{"train": (X, Y), "test": (X, Y)}`` from a prepared data set."""
    out = {}
    for part in ("train", "test"):
        rows = prepared["split"].values == part
        out[part] = prepared["X"].values[rows], prepared["Y"].values[rows]
    return out


def scalers(prepared: xr.Dataset) -> tuple[Scaler, Scaler]:
    """The feature and target scalers stored in a ``prepared.nc`` data set."""
    return (Scaler(prepared["x_mean"].values, prepared["x_scale"].values),
            Scaler(prepared["y_mean"].values, prepared["y_scale"].values))

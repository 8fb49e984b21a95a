"""Train/test split, CV folds and standardization (docs/method.md §3), with scalers that can be undone."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

TARGET_SCALING = {"spectrum": "global", "moments": "per_channel"}


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
    def fit(cls, values, mode: str = "per_channel") -> Scaler:
        """Fit on rows of ``values``. ``per_channel``: z-score each column; ``global``: per-column mean and
        one scalar scale (the std over all columns), so relative channel intensities keep their weight.
        Zero-variance columns get scale 1 (they stay constant at 0)."""
        values = np.asarray(values, dtype=float)
        mean = values.mean(axis=0)
        if mode == "per_channel":
            scale = values.std(axis=0)
        elif mode == "global":
            scale = np.full(values.shape[1], (values - mean).std())
        else:
            raise ValueError(f"unknown scaling mode '{mode}', expected 'per_channel' or 'global'")
        return cls(mean, np.where(scale > 0, scale, 1.0))


def split_samples(n: int, test_fraction: float = 0.2, n_folds: int = 5, seed: int = 0):
    """Seeded split: labels ``train``/``test`` per sample and a CV fold (0..n_folds−1, −1 for test)."""
    n_test = int(round(test_fraction * n))
    if n_test < 1 or n - n_test < n_folds:
        raise ValueError(f"cannot split {n} samples into a test fraction {test_fraction} and {n_folds} folds")
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    split = np.full(n, "train", dtype=object)
    split[order[:n_test]] = "test"
    fold = np.full(n, -1)
    train = order[n_test:]
    fold[train] = rng.permutation(np.arange(len(train)) % n_folds)
    return split.astype(str), fold


def fit_scalers(x, y, train, target_type: str) -> tuple[Scaler, Scaler]:
    """Feature and target scalers fitted on the ``train`` rows (target scaling by ``target_type``)."""
    return Scaler.fit(x[train], "per_channel"), Scaler.fit(y[train], TARGET_SCALING[target_type])


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
    x_scaler, y_scaler = fit_scalers(features["X"].values, targets["Y"].values, split == "train", target_type)
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

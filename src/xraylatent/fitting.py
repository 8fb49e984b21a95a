"""Fit the selected models on the full train set and describe them in the ``models/{model}.nc`` layout."""

from __future__ import annotations

import re

import numpy as np
import xarray as xr

from xraylatent.eca import ECA

MODEL_NAME = re.compile(r"^(?P<family>emulator|ednn|nnca|eca)(?:_k(?P<k>\d+))?$")


def parse_model(name: str) -> tuple[str, int | None]:
    """``ednn_k2`` → (``ednn``, 2); ``emulator`` → (``emulator``, None)."""
    match = MODEL_NAME.match(name)
    if not match or (match["family"] == "emulator") != (match["k"] is None):
        raise ValueError(f"model name '{name}' is not emulator or <ednn|nnca|eca>_k<k>")
    return match["family"], int(match["k"]) if match["k"] else None


def split_arrays(prepared: xr.Dataset) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{"train": (X, Y), "test": (X, Y)}`` from a prepared data set."""
    out = {}
    for part in ("train", "test"):
        rows = prepared["split"].values == part
        out[part] = prepared["X"].values[rows], prepared["Y"].values[rows]
    return out


def model_dataset(prepared: xr.Dataset, model, name: str, hyperparameters: dict) -> xr.Dataset:
    """Train/test R², latent scores ``t(sample, component)`` for every sample, and the basis
    ``V(component, feature)`` where the model has one (NNCA, ECA)."""
    parts = split_arrays(prepared)
    ds = xr.Dataset(coords={"sample": prepared["sample"], "feature": prepared["feature"]})
    ds["sample_id"] = prepared["sample_id"]
    ds["split"] = prepared["split"]
    ds.attrs.update(model=name, train_r2=model.score(*parts["train"]), test_r2=model.score(*parts["test"]),
                    **{f"hp_{key}": value for key, value in hyperparameters.items()})
    if hasattr(model, "transform"):
        t = model.transform(prepared["X"].values)
        ds["t"] = (("sample", "component"), t, {"description": "latent scores", "units": "1"})
        ds = ds.assign_coords(component=np.arange(1, t.shape[1] + 1))
    if hasattr(model, "components_"):
        ds["V"] = (("component", "feature"), model.components_,
                   {"description": "orthonormal directions in standardized feature space"})
    return ds


def fit_eca(prepared: xr.Dataset, emulator, k: int, fit_on: str = "test", **options) -> tuple[ECA, xr.Dataset]:
    """ECA with ``k`` ranks on the ``fit_on`` split (the study fitted on test); per-rank R² on both splits."""
    parts = split_arrays(prepared)
    other = "train" if fit_on == "test" else "test"
    eca = ECA(emulator, n_components=k, **options).fit(*parts[fit_on])
    ds = model_dataset(prepared, eca, f"eca_k{k}", {**options, "fit_on": fit_on})
    ds = ds.assign_coords(rank=np.arange(1, k + 1))
    ds[f"covered_variance_{fit_on}"] = (("rank",), eca.covered_variance_)
    ds[f"covered_variance_{other}"] = (("rank",), eca.rank_scores(*parts[other]))
    ds.attrs.update(fit_on=fit_on, emulator_test_r2=emulator.score(*parts["test"]))
    return eca, ds

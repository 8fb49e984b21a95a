"""The ``models/{model}.nc`` layout: scores, latent values and basis of a fitted model, and ECA's fit into it."""

from __future__ import annotations

import numpy as np
import xarray as xr
from sklearn.frozen import FrozenEstimator

from xraylatent.data.prepare import split_arrays
from xraylatent.models.eca import ECA
from xraylatent.models.names import model_name


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
    """ECA with ``k`` ranks through the trained ``emulator`` on the ``fit_on`` split (the study fitted on
    test), and its summary with the per-rank R² on both splits.

    Directions fitted on the test split score that split optimistically, so the summary also holds
    ``test_r2_train_fitted``: the test R² of ECA directions fitted on the train split, the honest figure.
    """
    parts = split_arrays(prepared)
    other = "train" if fit_on == "test" else "test"
    eca = ECA(FrozenEstimator(emulator), n_components=k, **options).fit(*parts[fit_on])
    train_fitted = eca if fit_on == "train" else ECA(FrozenEstimator(emulator), n_components=k,
                                                     **options).fit(*parts["train"])
    ds = model_dataset(prepared, eca, model_name("eca", k), {**options, "fit_on": fit_on})
    ds = ds.assign_coords(rank=np.arange(1, k + 1))
    ds[f"covered_variance_{fit_on}"] = (("rank",), eca.covered_variance_)
    ds[f"covered_variance_{other}"] = (("rank",), eca.rank_scores(*parts[other]))
    ds.attrs.update(fit_on=fit_on, emulator_test_r2=emulator.score(*parts["test"]),
                    test_r2_train_fitted=train_fitted.score(*parts["test"]))
    return eca, ds

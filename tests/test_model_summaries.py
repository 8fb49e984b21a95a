"""The models/{model}.nc summaries: scores, latent values, basis, and ECA's per-rank R² on both splits."""

import numpy as np
import pytest
import xarray as xr

from xraylatent.engine.settings import TrainSettings
from xraylatent.models.estimators import NNCA, Emulator
from xraylatent.models.factory import make_estimator
from xraylatent.models.spread import seed_spread
from xraylatent.models.summaries import fit_eca, model_dataset


def _prepared(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    Y = np.column_stack([np.sin(X[:, 0]), np.cos(X[:, 0]), X[:, 0] ** 2 / 3])
    split = np.where(np.arange(n) < 0.8 * n, "train", "test")
    return xr.Dataset({"X": (("sample", "feature"), X), "Y": (("sample", "channel"), Y),
                       "split": (("sample",), split), "sample_id": (("sample",), np.arange(n).astype(str))},
                      coords={"sample": np.arange(n), "feature": ["a", "b", "c"]})


def test_model_dataset_holds_scores_latent_values_and_basis():
    prepared = _prepared()
    model = NNCA(1, (16,), learning_rate=0.01, max_epochs=60, device="cpu").fit(
        prepared["X"].values[:160], prepared["Y"].values[:160])
    ds = model_dataset(prepared, model, "nnca_k1", {"depth": 1, "width": 16})
    assert ds["t"].dims == ("sample", "component") and ds["t"].attrs["units"] == "1"
    np.testing.assert_allclose(ds["t"].values, prepared["X"].values @ model.components_.T, atol=1e-5)
    np.testing.assert_array_equal(ds["V"].values, model.components_)
    np.testing.assert_array_equal(ds["sample_id"].values, prepared["sample_id"].values)
    assert ds.attrs["test_r2"] == pytest.approx(model.score(prepared["X"].values[160:], prepared["Y"].values[160:]))
    assert ds.attrs["hp_width"] == 16 and ds.attrs["test_r2"] > 0.8
    assert abs(ds["V"].values[0, 0]) > 0.95  # the planted direction is feature a


def test_eca_dataset_reports_ranks_on_both_splits():
    prepared = _prepared()
    emulator = Emulator((32,), learning_rate=0.01, max_epochs=80, device="cpu").fit(
        prepared["X"].values[:160], prepared["Y"].values[:160])
    _, ds = fit_eca(prepared, emulator, 2, "test", n_starts=3, max_iter=100)
    assert ds["covered_variance_test"].shape == (2,) and ds["covered_variance_train"].shape == (2,)
    assert ds["covered_variance_test"].values[0] == pytest.approx(ds.attrs["test_r2"], abs=0.05)
    assert ds.attrs["fit_on"] == "test" and ds.attrs["emulator_test_r2"] > 0.8
    # directions fitted on train score the test split no better than those fitted on it, but close on planted data
    assert ds.attrs["test_r2"] - 0.05 <= ds.attrs["test_r2_train_fitted"] <= ds.attrs["test_r2"] + 1e-3


def test_seed_spread_refits_each_winner_per_seed_and_eca_through_each_emulator():
    prepared = _prepared()
    settings = TrainSettings(max_epochs=60, patience=10, seed=4, device="cpu")
    winners = {name: {"depth": 1, "width": 16, "learning_rate": 0.01, "l2": 0.0} for name in ("emulator", "nnca_k1")}
    eca = dict(n_starts=3, max_iter=100)
    ds = seed_spread(prepared, winners, settings, n_seeds=3, eca_dims=[1, 2], eca_options=eca)
    assert ds["test_r2"].dims == ("model", "seed") and list(ds["seed"].values) == [4, 5, 6]
    assert list(ds["model"].values) == ["emulator", "eca_k1", "eca_k2", "nnca_k1"]
    parts = {"train": (prepared["X"].values[:160], prepared["Y"].values[:160]),
             "test": (prepared["X"].values[160:], prepared["Y"].values[160:])}
    own = make_estimator("nnca", 1, winners["nnca_k1"], settings).fit(*parts["train"])  # the table's fit: seed 4
    assert float(ds["test_r2"].sel(model="nnca_k1", seed=4)) == pytest.approx(own.score(*parts["test"]), abs=1e-4)
    emulator = make_estimator("emulator", None, winners["emulator"], settings).fit(*parts["train"])
    _, eca_k1 = fit_eca(prepared, emulator, 1, "test", **eca)
    assert float(ds["test_r2"].sel(model="eca_k1", seed=4)) == pytest.approx(eca_k1.attrs["test_r2"], abs=1e-4)
    assert float(ds["train_r2"].sel(model="eca_k1", seed=4)) == pytest.approx(eca_k1.attrs["train_r2"], abs=1e-4)
    spread = ds["test_r2"].std("seed")
    assert np.all(spread > 0) and np.all(spread < 0.05)  # seeds differ, but the planted relation is easy

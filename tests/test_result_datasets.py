"""Index bookkeeping of the interpretation files on hand-made cases: components.nc (which k, rank, split
and direction lands where) and reconstruction_k{k}.nc (which sample, group, mean and distance)."""

import numpy as np
import pytest
import xarray as xr

from xraylatent.data.prepare import Scaler
from xraylatent.interpret.components import components_dataset
from xraylatent.interpret.reconstruction import distance_scores_by_group, reconstruction_dataset
from xraylatent.models.estimators import NNCA
from xraylatent.report.tables import reconstructability_markdown

# Coulomb slots: the centre Ge, two O, one Ge → features C[Ge0,O1], C[Ge0,O2], C[Ge0,Ge3], then the rest.
SLOTS = [32, 8, 8, 32]
FEATURES = ["C[Ge0,O1]", "C[Ge0,O2]", "C[Ge0,Ge3]", "C[O1,O2]", "C[O1,Ge3]", "C[O2,Ge3]"]


def _prepared(X_phys, split, sample_id, y_phys=None):
    """A prepared.nc layout: features z-scored on the train rows; targets scaled like the features
    (so standardized targets and features coincide when y = x)."""
    train = split == "train"
    scaler = Scaler.fit(X_phys[train])
    y_phys = X_phys if y_phys is None else y_phys
    y_scaler = Scaler.fit(y_phys[train]) if y_phys is not X_phys else scaler
    n, d = X_phys.shape
    return xr.Dataset(
        {"X": (("sample", "feature"), scaler.transform(X_phys)),
         "Y": (("sample", "channel"), y_scaler.transform(y_phys)),
         "split": (("sample",), split), "fold": (("sample",), np.where(train, 0, -1)),
         "sample_id": (("sample",), sample_id), "feature_units": (("feature",), np.full(d, "e^2/angstrom")),
         "x_mean": (("feature",), scaler.mean), "x_scale": (("feature",), scaler.scale),
         "y_mean": (("channel",), y_scaler.mean), "y_scale": (("channel",), y_scaler.scale)},
        coords={"sample": np.arange(n), "feature": FEATURES[:d] if d == 6 else [f"f{j}" for j in range(d)],
                "channel": np.arange(y_phys.shape[1])},
        attrs={"slot_numbers": SLOTS},
    )


@pytest.fixture(scope="module")
def coulomb_case():
    """Ten structures at two pressures; the 'spectrum' of each is its Coulomb vector itself, so an
    inverter that returns its input reconstructs every structure exactly."""
    rng = np.random.default_rng(0)
    r = np.column_stack([rng.uniform(1.7, 1.9, 10), rng.uniform(1.7, 1.9, 10), rng.uniform(3.0, 3.4, 10)])
    X = np.column_stack([32 * 8 / r[:, 0], 32 * 8 / r[:, 1], 32 * 32 / r[:, 2], rng.uniform(20, 40, (10, 3))])
    ids = np.array([f"s{i}" for i in (7, 2, 9, 0, 5, 1, 8, 3, 6, 4)])  # prepared order is not raw order
    split = np.array(["train"] * 4 + ["test"] * 6)
    pressure = np.array([0.0, 0.0, 30.0, 0.0, 30.0, 30.0, 0.0, 30.0, 0.0, 30.0])  # by prepared row
    raw_order = np.argsort(ids)  # raw.nc holds the samples sorted by id
    raw = xr.Dataset(
        {"spectrum_c": (("sample", "energy_c"), X[raw_order]), "pressure": (("sample",), pressure[raw_order]),
         "sample_id": (("sample",), ids[raw_order])},
        coords={"sample": np.arange(10), "energy_c": np.arange(6.0)},
    )
    prepared = _prepared(X, split, ids)
    target = {"type": "spectrum", "kind": "c", "grid": {"start": 0.0, "stop": 5.0, "step": 1.0}}
    inverters = {"exact": lambda Y: (Y, np.zeros(len(Y))), "mean": lambda Y: (np.zeros_like(Y), np.ones(len(Y)))}
    determined = {"exact": [True, True, True, False, True, False]}  # as the bootstrap would give; no "mean" entry
    ds = reconstruction_dataset(prepared, raw, target, inverters, group="pressure", at_mean_tolerance=0.1,
                                determined=determined)
    return ds, X, r, ids, split, pressure


def test_reconstruction_keeps_test_samples_in_prepared_order_in_physical_units(coulomb_case):
    ds, X, _, ids, split, _ = coulomb_case
    test = split == "test"
    assert ds["sample"].values.tolist() == ids[test].tolist()
    assert ds["model"].values.tolist() == ["exact", "mean"]
    np.testing.assert_allclose(ds["x_true"].values, X[test])
    np.testing.assert_allclose(ds["x_hat"].sel(model="exact").values, X[test])
    train_mean = X[~test].mean(axis=0)
    np.testing.assert_allclose(ds["x_hat"].sel(model="mean").values, np.broadcast_to(train_mean, (6, 6)))
    np.testing.assert_array_equal(ds["residual"].values, [np.zeros(6), np.ones(6)])


def test_reconstruction_scores_per_feature(coulomb_case):
    ds = coulomb_case[0]
    np.testing.assert_allclose(ds["r2"].sel(model="exact").values, 1.0)
    np.testing.assert_array_equal(ds["at_mean"].values, [[0] * 6, [1] * 6])
    assert (ds["r2"].sel(model="mean").values <= 0).all()  # predicting the train mean is no better than it


def test_group_means_and_distances_per_pressure(coulomb_case):
    ds, X, r, _, split, pressure = coulomb_case
    test = split == "test"
    assert ds.attrs["group"] == "pressure" and ds.attrs["center"] == "Ge"
    assert ds["group"].values.tolist() == [0.0, 30.0]
    assert ds["element"].values.tolist() == ["O", "Ge"]
    for g, p in enumerate((0.0, 30.0)):
        rows = test & (pressure == p)
        mean_coulomb = X[rows].mean(axis=0)
        np.testing.assert_allclose(ds["group_x_true"].values[g], mean_coulomb)
        # The exact inverter reads back the mean Coulomb vector: its distances are Z0 Zj / mean C0j.
        np.testing.assert_allclose(ds["group_x_hat"].sel(model="exact").values[g], mean_coulomb)
        expected_o = np.mean(32 * 8 / mean_coulomb[:2])
        assert float(ds["distance_hat"].sel(model="exact", element="O")[g]) == pytest.approx(expected_o)
        assert float(ds["distance_hat"].sel(model="exact", element="Ge")[g]) == pytest.approx(32 * 32 / mean_coulomb[2])
        # The known means average the test samples' own distances.
        assert float(ds["distance_true"].sel(element="O")[g]) == pytest.approx(r[rows, :2].mean())
        assert float(ds["distance_true"].sel(element="Ge")[g]) == pytest.approx(r[rows, 2].mean())


def test_determined_flags_per_model(coulomb_case):
    """The bootstrap's verdict lands per model and feature; a model without a bootstrap gets −1."""
    ds = coulomb_case[0]
    np.testing.assert_array_equal(ds["determined"].values, [[1, 1, 1, 0, 1, 0], [-1] * 6])
    assert ds["determined"].attrs["flag_meanings"].split() == ["no_bootstrap", "not_determined_by_the_spectrum",
                                                               "determined"]


def test_per_sample_distances_and_their_scores(coulomb_case):
    """Exact inversion gives back every test sample's distances (R² = 1, RMSE 0); the train-mean inverter gives
    the train mean's distances (R² ≤ 0) and, per pressure, the RMSE of the samples about that value."""
    ds, X, r, _, split, pressure = coulomb_case
    test = split == "test"
    assert ds["sample_distance_true"].attrs["units"] == "angstrom"
    np.testing.assert_allclose(ds["sample_distance_true"].sel(element="O"), r[test, :2].mean(axis=1))
    np.testing.assert_allclose(ds["sample_distance_true"].sel(element="Ge"), r[test, 2])
    np.testing.assert_allclose(ds["sample_distance_hat"].sel(model="exact"), ds["sample_distance_true"])
    np.testing.assert_allclose(ds["distance_r2"].sel(model="exact"), 1.0)
    assert (ds["distance_r2"].sel(model="mean") <= 0).all()
    np.testing.assert_array_equal(ds["sample_group"], pressure[test])
    scores = distance_scores_by_group(ds)
    assert scores["rmse"].dims == ("model", "group", "element") and scores["rmse"].attrs["units"] == "angstrom"
    np.testing.assert_allclose(scores["rmse"].sel(model="exact"), 0.0, atol=1e-12)
    train_ge = 32 * 32 / X[~test, 2].mean()
    rows = test & (pressure == 30.0)
    expected = np.sqrt(np.mean((train_ge - r[rows, 2]) ** 2))
    assert float(scores["rmse"].sel(model="mean", group=30.0, element="Ge")) == pytest.approx(expected)


def test_reconstructability_table_marks_undetermined_features_and_distances(coulomb_case):
    ds = coulomb_case[0]
    table = reconstructability_markdown({1: ds}, {1: distance_scores_by_group(ds)})
    lines = table.splitlines()
    assert lines[0] == "| feature | exact k=1 | mean k=1 |"
    assert "| C[O1,O2] | 1.00 (n.d.) |" in table and "| C[Ge0,O1] | 1.00 |" in table
    assert "| Ge–O R² | 1.00 |" in table
    assert any(line.startswith("| Ge–Ge RMSE at 30 | 0.000 |") for line in lines)


def _two_direction_problem(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    Y = np.column_stack([X[:, 0], np.tanh(X[:, 0]), 0.3 * np.sin(X[:, 1])])
    return X, Y


@pytest.fixture(scope="module")
def components_case():
    X, Y = _two_direction_problem()
    split = np.where(np.arange(len(X)) < 300, "train", "test")
    prepared = _prepared(X, split, np.array([f"s{i}" for i in range(len(X))]), Y)
    Xs, Ys = prepared["X"].values, prepared["Y"].values
    train = split == "train"
    fast = dict(learning_rate=1e-2, l2=0.0, max_epochs=60, patience=10, device="cpu")
    nncas = {k: NNCA(k, (16,), random_state=k, **fast).fit(Xs[train], Ys[train]) for k in (1, 2)}
    # Hand-made ECA summaries: directions and covered variances the function must copy, not recompute.
    ecas = {1: xr.Dataset({"V": (("component", "feature"), [[1.0, 0.0, 0.0]]),
                           "covered_variance_train": (("rank",), [0.81]), "covered_variance_test": (("rank",), [0.8])}),
            2: xr.Dataset({"V": (("component", "feature"), [[1.0, 0.0, 0.0], [0.0, -1.0, 0.0]]),
                           "covered_variance_train": (("rank",), [0.82, 0.95]),
                           "covered_variance_test": (("rank",), [0.8, 0.9])})}
    ds = components_dataset(prepared, nncas, ecas, fit_on="test", n_starts=2, max_iter=50)
    return ds, prepared, nncas


def test_components_copy_ecas_directions_and_pad_beyond_rank_k(components_case):
    ds, prepared, _ = components_case
    assert ds["k"].values.tolist() == [1, 2] and ds["rank"].values.tolist() == [1, 2]
    np.testing.assert_array_equal(ds["V_eca"].sel(k=1, rank=1).values, [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(ds["V_eca"].sel(k=2, rank=2).values, [0.0, -1.0, 0.0])
    assert np.isnan(ds["V_eca"].sel(k=1, rank=2).values).all() and np.isnan(ds["V_nnca"].sel(k=1, rank=2)).all()
    np.testing.assert_array_equal(ds["covered_eca"].sel(k=2, split="train").values, [0.82, 0.95])
    np.testing.assert_array_equal(ds["covered_eca"].sel(k=2, split="test").values, [0.8, 0.9])
    assert np.isnan(ds["covered_eca"].sel(k=1, rank=2)).all()
    np.testing.assert_array_equal(ds["x_mean"].values, prepared["x_mean"].values)
    assert ds.attrs["fit_on"] == "test"


def test_components_order_nnca_within_its_span_and_align_signs_with_eca(components_case):
    ds, prepared, nncas = components_case
    split = prepared["split"].values
    for k, nnca in nncas.items():
        V = ds["V_nnca"].sel(k=k).values[:k]
        V_eca = ds["V_eca"].sel(k=k).values[:k]
        np.testing.assert_allclose(V @ V.T, np.eye(k), atol=1e-6)
        np.testing.assert_allclose(V @ nnca.components_.T @ nnca.components_, V, atol=1e-6)  # inside span(V)
        assert (np.sum(V * V_eca, axis=1) >= 0).all()
        np.testing.assert_allclose(ds["cosine"].sel(k=k).values[:k], np.abs(np.sum(V * V_eca, axis=1)))
        for part in ("train", "test"):
            rows = split == part
            last = float(ds["covered_nnca"].sel(k=k, split=part, rank=k))
            assert last == pytest.approx(nnca.score(prepared["X"].values[rows], prepared["Y"].values[rows]), abs=1e-6)
    # The strong direction (feature 0) comes first once ordered.
    assert abs(ds["V_nnca"].sel(k=2, rank=1).values[0]) >= 0.95

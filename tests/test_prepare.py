import warnings

import numpy as np
import pytest
import xarray as xr

from xraylatent.data.prepare import Scaler, prepare, scalers, split_samples


def test_split_is_deterministic_disjoint_and_covers_every_sample():
    split, fold = split_samples(1000, 0.2, 5, seed=3)
    again, fold_again = split_samples(1000, 0.2, 5, seed=3)
    other, _ = split_samples(1000, 0.2, 5, seed=4)
    assert np.array_equal(split, again) and np.array_equal(fold, fold_again)
    assert not np.array_equal(split, other)
    assert (split == "test").sum() == 200
    assert np.all(fold[split == "test"] == -1)
    assert set(np.unique(fold[split == "train"])) == set(range(5))
    assert np.bincount(fold[split == "train"]).tolist() == [160] * 5


def test_split_rejects_impossible_sizes():
    with pytest.raises(ValueError, match="cannot split 4 samples into 5 folds: 3 train samples are left"):
        split_samples(4, 0.2, 5)


@pytest.mark.parametrize("mode", ["per_channel", "global"])
def test_scaler_round_trip(mode):
    values = np.random.default_rng(1).normal(3.0, [1.0, 5.0, 0.1], size=(40, 3))
    scaler = Scaler.fit(values, mode)
    np.testing.assert_allclose(scaler.inverse(scaler.transform(values)), values, rtol=1e-12)


def test_global_scaling_keeps_relative_channel_weights():
    values = np.random.default_rng(2).normal(0, [1.0, 10.0], size=(500, 2))
    scaled = Scaler.fit(values, "global").transform(values)
    assert scaled.std(axis=0)[1] / scaled.std(axis=0)[0] == pytest.approx(values.std(0)[1] / values.std(0)[0])
    assert scaled.std() == pytest.approx(1.0)


def test_constant_column_gets_unit_scale_and_a_warning():
    values = np.column_stack([np.arange(5.0), np.full(5, 2.0)])
    with pytest.warns(UserWarning, match=r"^column 1 \(= 2\): constant"):
        scaler = Scaler.fit(values)
    assert scaler.scale[1] == 1.0 and np.all(scaler.transform(values)[:, 1] == 0)


def test_a_constant_columns_rounding_noise_is_not_divided_by():
    values = np.column_stack([np.arange(48.0), np.full(48, 1.1)])
    assert 0 < values[:, 1].std() < 1e-15  # the mean of 48 × 1.1 is off by one ulp
    with pytest.warns(UserWarning, match="column 1"):
        scaler = Scaler.fit(values)
    assert scaler.scale[1] == 1.0 and np.abs(scaler.transform(values)[:, 1]).max() < 1e-12


@pytest.mark.parametrize("mode", ["per_channel", "global"])
def test_varying_columns_keep_their_scale_without_a_warning(mode):
    values = np.random.default_rng(3).normal(1e4, [1e-6, 1.0, 50.0], size=(30, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scale = Scaler.fit(values, mode).scale
    expected = values.std(axis=0) if mode == "per_channel" else np.full(3, (values - values.mean(0)).std())
    assert np.array_equal(scale, expected)


def test_global_scaling_warns_only_when_every_channel_is_constant():
    flat_edge = np.column_stack([np.zeros(10), np.arange(10.0)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Scaler.fit(flat_edge, "global")
    with pytest.warns(UserWarning, match=r"column 0 \(= 0\), column 1 \(= 3\)"):
        assert np.all(Scaler.fit(np.column_stack([np.zeros(10), np.full(10, 3.0)]), "global").scale == 1.0)


def features_and_targets(n=50):
    """Features a, b, c and four target channels of ``n`` samples, random, with ids s0, s1, …"""
    rng = np.random.default_rng(0)
    ids = np.array([f"s{i}" for i in range(n)])
    features = xr.Dataset({"X": (("sample", "feature"), rng.normal(5, 2, (n, 3))),
                           "feature_units": (("feature",), np.array(["degree", "angstrom", "angstrom"])),
                           "sample_id": (("sample",), ids)}, coords={"feature": ["a", "b", "c"]})
    targets = xr.Dataset({"Y": (("sample", "channel"), rng.normal(1, 3, (n, 4)), {"units": "arb. units"}),
                          "sample_id": (("sample",), ids)}, coords={"channel": np.arange(4.0)})
    return features, targets


def test_prepare_standardizes_on_train_and_stores_invertible_scalers():
    features, targets = features_and_targets()
    ds = prepare(features, targets, "moments", 0.2, 5, seed=0)
    train = ds["split"].values == "train"
    np.testing.assert_allclose(ds["X"].values[train].mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(ds["Y"].values[train].std(0), 1, atol=1e-12)
    x_scaler, y_scaler = scalers(ds)
    np.testing.assert_allclose(y_scaler.inverse(ds["Y"].values), targets["Y"].values)
    np.testing.assert_allclose(x_scaler.inverse(ds["X"].values), features["X"].values)


def test_prepare_rejects_misaligned_samples():
    features, targets = features_and_targets()
    targets["sample_id"] = ("sample", np.roll(targets["sample_id"].values, 1))
    with pytest.raises(ValueError, match="sample_id"):
        prepare(features, targets, "spectrum")

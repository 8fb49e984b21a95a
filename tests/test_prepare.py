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
    with pytest.raises(ValueError, match="cannot split 4 samples"):
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


def test_constant_column_gets_unit_scale():
    values = np.column_stack([np.arange(5.0), np.full(5, 2.0)])
    scaler = Scaler.fit(values)
    assert scaler.scale[1] == 1.0 and np.all(scaler.transform(values)[:, 1] == 0)


def _features_and_targets(n=50):
    rng = np.random.default_rng(0)
    ids = np.array([f"s{i}" for i in range(n)])
    features = xr.Dataset({"X": (("sample", "feature"), rng.normal(5, 2, (n, 3))),
                           "feature_units": (("feature",), np.array(["degree", "angstrom", "angstrom"])),
                           "sample_id": (("sample",), ids)}, coords={"feature": ["a", "b", "c"]})
    targets = xr.Dataset({"Y": (("sample", "channel"), rng.normal(1, 3, (n, 4)), {"units": "arb. units"}),
                          "sample_id": (("sample",), ids)}, coords={"channel": np.arange(4.0)})
    return features, targets


def test_prepare_standardizes_on_train_and_stores_invertible_scalers():
    features, targets = _features_and_targets()
    ds = prepare(features, targets, "moments", 0.2, 5, seed=0)
    train = ds["split"].values == "train"
    np.testing.assert_allclose(ds["X"].values[train].mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(ds["Y"].values[train].std(0), 1, atol=1e-12)
    x_scaler, y_scaler = scalers(ds)
    np.testing.assert_allclose(y_scaler.inverse(ds["Y"].values), targets["Y"].values)
    np.testing.assert_allclose(x_scaler.inverse(ds["X"].values), features["X"].values)


def test_prepare_rejects_misaligned_samples():
    features, targets = _features_and_targets()
    targets["sample_id"] = ("sample", np.roll(targets["sample_id"].values, 1))
    with pytest.raises(ValueError, match="sample_id"):
        prepare(features, targets, "spectrum")

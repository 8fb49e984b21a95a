"""Bootstrap of ECA and NNCA directions (interpret/bootstrap.py): on planted data whose targets ignore one
feature, that feature is indecisive and the planted directions come back within a few degrees; resamples do
not depend on the chunk that computes them; layout, sign alignment, the standard-interval criterion and errors."""

import logging

import numpy as np
import pytest
import scipy.stats
import torch
import xarray as xr
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator

from xraylatent.interpret.bootstrap import bootstrap_fits, bootstrap_summary, determined_features, resample_rows
from xraylatent.interpret.components import align_signs, ordered_rotation
from xraylatent.models.eca import ECA
from xraylatent.models.estimators import NNCA, Emulator

torch.set_num_threads(1)

FAST = dict(learning_rate=1e-2, l2=1e-6, batch_size=64, max_epochs=150, patience=20, device="cpu")
OPTIONS = dict(n_starts=4, max_iter=150)
KS = (1, 2)
CHUNKS = ([0, 1], [2], [3, 4, 5, 6, 7, 8, 9])  # ten resamples, computed in three jobs
IGNORED = 4


def ignoring_one_feature(seed=0):
    """Train (400 rows) and test (200) splits, 1600 more rows for the emulator, and the planted basis b1, b2.

    X (n×5) standard normal; Y strongly on z1 = x·b1 (four channels) and weakly on z2 = x·b2 (one), plus noise
    of 0.1; b1 ⟂ b2 unit vectors with weight 0 on feature 4 and |weight| ≥ 0.39 on features 0–3. Y z-scored
    on the train set. The bootstrap holds the emulator fixed, so its interval for ECA shows the test set's
    sampling error only: the emulator is trained on the extra rows too, so that its own error (a spurious
    weight on feature 4 that no resample would undo) is small next to that.
    """
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2200, 5))
    basis = np.zeros((5, 2))
    basis[:IGNORED] = np.linalg.qr(np.array([[0.6, 0.4], [-0.5, 0.5], [0.45, -0.5], [0.4, 0.6]]))[0]
    z1, z2 = (X @ basis).T
    Y = np.column_stack([np.exp(-((z1 - 1) ** 2) / 0.5), np.exp(-((z1 + 1) ** 2) / 0.5), np.sin(z1), np.tanh(z1),
                         0.5 * np.sin(z2)])
    Y = Y + 0.1 * Y[:400].std(0) * rng.normal(size=Y.shape)
    Y = (Y - Y[:400].mean(0)) / Y[:400].std(0)
    parts = {"train": (X[:400], Y[:400]), "test": (X[400:600], Y[400:600])}
    return parts, (np.vstack([X[:400], X[600:]]), np.vstack([Y[:400], Y[600:]])), basis


def full_data_reference(parts, emulator, nncas) -> xr.Dataset:
    """The full-data directions in the interpret/components.nc layout: ECA on the test set, each NNCA ordered
    on the test set and sign-aligned to ECA, NaN beyond rank k."""
    eca = ECA(FrozenEstimator(emulator), n_components=max(KS), **OPTIONS).fit(*parts["test"])
    V = {name: np.full((len(KS), max(KS), 5), np.nan) for name in ("V_eca", "V_nnca")}
    for j, k in enumerate(KS):
        rotation, _ = ordered_rotation(nncas[k], *parts["test"], **OPTIONS)
        V["V_eca"][j, :k] = eca.components_[:k]
        V["V_nnca"][j, :k] = align_signs(eca.components_[:k], rotation @ nncas[k].components_)
    return xr.Dataset({name: (("k", "rank", "feature"), values) for name, values in V.items()},
                      coords={"k": list(KS), "rank": np.arange(1, max(KS) + 1), "feature": [f"f{i}" for i in range(5)]})


@pytest.fixture(scope="module")
def study():
    parts, emulator_rows, basis = ignoring_one_feature()
    emulator = Emulator((32, 32), **FAST).fit(*emulator_rows)
    nncas = {k: NNCA(n_components=k, decoder_layers=(32, 32), **FAST).fit(*parts["train"]) for k in KS}
    predicted = emulator.predict(parts["test"][0])
    chunks = [bootstrap_fits(parts, emulator, nncas, chunk, seed=7, eca_options=OPTIONS) for chunk in CHUNKS]
    fits = xr.concat(chunks, dim="resample")
    reference = full_data_reference(parts, emulator, nncas)
    return dict(parts=parts, basis=basis, emulator=emulator, nncas=nncas, predicted=predicted, chunks=chunks,
                fits=fits, reference=reference, summary=bootstrap_summary(fits, reference))


def test_ignored_feature_is_indecisive_and_weighted_features_decisive(study):
    summary = study["summary"]
    weighted = np.arange(5) != IGNORED
    for model in ("eca", "nnca"):
        rank_1 = summary.sel(model=model, k=1, rank=1)
        assert rank_1["indecisive"].values[IGNORED] == 1
        assert rank_1["weight_low"].values[IGNORED] <= 0 <= rank_1["weight_high"].values[IGNORED]
        np.testing.assert_array_equal(rank_1["indecisive"].values[weighted], 0)
        np.testing.assert_array_equal(determined_features(summary, model, 1), weighted)
        assert determined_features(summary, model, 2)[weighted].all()  # rank 1 alone determines them


def test_planted_directions_recovered_within_five_degrees(study):
    summary, basis, reference = study["summary"], study["basis"], study["reference"]
    for model in ("eca", "nnca"):
        assert summary["angle_high"].sel(model=model, k=1) <= 5
        assert summary["angle_high"].sel(model=model, k=2) <= 5
        # Each resampled rank-1 vector, and the full-data one, lies within 5° of the strong planted direction.
        rank_1 = summary["V"].sel(model=model, k=1, rank=1).values
        assert np.degrees(np.arccos(np.abs(rank_1 @ basis[:, 0]))).max() <= 5
        assert np.degrees(np.arccos(abs(reference[f"V_{model}"].sel(k=1, rank=1).values @ basis[:, 0]))) <= 5
    assert summary["angle_median"].max() <= summary["angle_high"].max()
    assert (summary["test_r2_low"].sel(k=2) >= 0.95).all()  # both directions: all of Y is covered


def test_resamples_do_not_depend_on_the_chunk(study, caplog):
    np.testing.assert_array_equal(resample_rows(200, 7, 2), resample_rows(200, 7, 2))
    rows = resample_rows(200, 7, 2)
    assert rows.dtype.kind == "i" and len(rows) == 200 and 0 <= rows.min() and rows.max() < 200
    assert len(np.unique(rows)) < 200  # with replacement
    assert not np.array_equal(rows, resample_rows(200, 7, 3))
    assert not np.array_equal(rows, resample_rows(200, 8, 2))
    with caplog.at_level(logging.INFO, logger="xraylatent.interpret.bootstrap"):
        together = bootstrap_fits(study["parts"], study["emulator"], study["nncas"], [0, 1, 2], seed=7,
                                  eca_options=OPTIONS)
    assert len([r for r in caplog.records if r.name == "xraylatent.interpret.bootstrap"]) == 3  # one per resample
    apart = xr.concat(study["chunks"][:2], dim="resample")
    for name in ("V", "train_r2", "test_r2"):
        np.testing.assert_allclose(together[name].values, apart[name].values, atol=1e-12, rtol=0)


def test_each_resample_refits_as_designed(study):
    """ECA through the unchanged emulator on the resampled test rows; NNCA refitted on the resampled train rows
    and ordered on the full test set."""
    parts, emulator, fits = study["parts"], study["emulator"], study["fits"]
    np.testing.assert_array_equal(emulator.predict(parts["test"][0]), study["predicted"])  # the emulator is fixed
    X, Y = parts["test"]
    rows = resample_rows(len(X), 7, 4)
    eca = ECA(FrozenEstimator(emulator), n_components=max(KS), **OPTIONS).fit(X[rows], Y[rows])
    np.testing.assert_allclose(fits["V"].sel(model="eca", resample=4, k=2).values, eca.components_, atol=1e-12)
    np.testing.assert_allclose(fits["V"].sel(model="eca", resample=4, k=1, rank=1).values, eca.components_[0],
                               atol=1e-12)
    np.testing.assert_allclose(fits["train_r2"].sel(model="eca", resample=4).values,
                               eca.rank_scores(*parts["train"]), atol=1e-12)
    X_train, Y_train = parts["train"]
    train_rows = resample_rows(len(X_train), 7, 4)
    nnca = clone(study["nncas"][1]).fit(X_train[train_rows], Y_train[train_rows])
    rotation, _ = ordered_rotation(nnca, X, Y, **OPTIONS)
    np.testing.assert_allclose(fits["V"].sel(model="nnca", resample=4, k=1, rank=1).values,
                               (rotation @ nnca.components_)[0], atol=1e-12)
    assert fits["test_r2"].sel(model="nnca", resample=4, k=1) == pytest.approx(nnca.score(X, Y), abs=1e-12)


def test_layout_padding_and_sign_alignment(study):
    fits, summary, reference = study["fits"], study["summary"], study["reference"]
    assert fits["V"].dims == ("model", "resample", "k", "rank", "feature")
    assert fits["test_r2"].dims == fits["train_r2"].dims == ("model", "resample", "k")
    assert list(fits["model"].values) == ["eca", "nnca"] and list(fits["resample"].values) == list(range(10))
    assert list(fits["k"].values) == [1, 2] and list(fits["rank"].values) == [1, 2]
    assert list(fits["feature"].values) == [0, 1, 2, 3, 4]
    assert fits.attrs["seed"] == 7 and fits.attrs["fit_on"] == "test" and fits.attrs["description"]
    for ds in (fits, summary):
        assert ds["V"].sel(k=1, rank=2).isnull().all() and ds["V"].sel(k=2).notnull().all()
        for name, variable in ds.data_vars.items():
            assert variable.attrs.get("units") and variable.attrs.get("description"), name
    per_weight = ("model", "k", "rank", "feature")
    for name in ("weight_mean", "weight_low", "weight_high", "weight_reference", "indecisive"):
        assert summary[name].dims == per_weight, name
    assert summary["angle"].dims == ("model", "k", "resample") and summary["angle"].attrs["units"] == "degree"
    for name in ("angle_median", "angle_high", *(f"{split}_r2_{stat}" for split in ("train", "test")
                                                  for stat in ("low", "high", "mean"))):
        assert summary[name].dims == ("model", "k"), name
    assert summary["test_r2_mean"].attrs["units"] == "1"
    assert summary.attrs["level"] == 0.95 and summary.attrs["n_resamples"] == 10 and "contains 0" in (
        summary.attrs["criterion"])
    assert summary["indecisive"].dtype == np.int8
    assert (summary["indecisive"].sel(k=1, rank=2) == -1).all()
    assert summary["weight_low"].sel(k=1, rank=2).isnull().all()
    assert set(np.unique(summary["indecisive"].sel(k=2).values)) <= {0, 1}
    valid = summary["weight_low"].notnull()
    tol = 1e-12  # a mean of equal values can differ from them in the last bit
    assert ((summary["weight_low"] <= summary["weight_mean"] + tol)
            & (summary["weight_mean"] <= summary["weight_high"] + tol)).where(valid, True).all()
    assert (summary["test_r2_low"] <= summary["test_r2_mean"]).all()
    assert (summary["test_r2_mean"] <= summary["test_r2_high"]).all()
    for j, model in enumerate(("eca", "nnca")):
        ref = reference[f"V_{model}"].values
        np.testing.assert_array_equal(summary["weight_reference"].values[j], ref)
        dots = np.einsum("rkif,kif->rki", summary["V"].values[j], ref)  # (resample, k, rank)
        assert (dots[~np.isnan(dots)] >= 0).all()
    np.testing.assert_allclose(np.abs(summary["V"]), np.abs(fits["V"]))  # only signs change


def test_summary_does_not_depend_on_fitted_signs(study):
    flipped = study["fits"].copy(deep=True)
    flipped["V"][:, ::2] *= -1  # every other resample's directions with the opposite sign
    again = bootstrap_summary(flipped, study["reference"])
    xr.testing.assert_allclose(again, study["summary"])


def synthetic_fits(weights: np.ndarray) -> xr.Dataset:
    """bootstrap_fits' layout, k = 1, both models the same rank-1 vectors (resample, feature)."""
    n = len(weights)
    V = np.broadcast_to(weights[None, :, None, None], (2, n, 1, 1, weights.shape[1])).copy()
    r2 = np.linspace(0.8, 0.9, n)[None, :, None].repeat(2, axis=0)
    return xr.Dataset({"V": (("model", "resample", "k", "rank", "feature"), V),
                       "train_r2": (("model", "resample", "k"), r2), "test_r2": (("model", "resample", "k"), r2)},
                      coords={"model": ["eca", "nnca"], "resample": np.arange(n), "k": [1], "rank": [1],
                              "feature": np.arange(weights.shape[1])})


def test_criterion_is_the_standard_interval_after_sign_alignment():
    """Feature 2's full-data weight is 0.06 and its resampled weights scatter with s ≈ 0.04: |w| < t·s at level
    0.95 (t = 2.09 for 20 resamples), so indecisive; |w| > t·s at level 0.5 (t = 0.69), so decisive. Resamples
    fitted with the opposite sign count after alignment; the interval is centred on the full-data weight."""
    rng = np.random.default_rng(0)
    third = 0.06 + 0.04 * rng.standard_normal(20)
    third = 0.06 + 0.04 * (third - third.mean()) / third.std(ddof=1)  # exactly s = 0.04 about 0.06
    weights = np.column_stack([np.full(20, 0.8), np.full(20, 0.6), third])
    weights[1::3] *= -1  # fitted with the opposite sign
    reference = xr.Dataset({name: (("k", "rank", "feature"), [[[0.8, 0.6, 0.06]]]) for name in ("V_eca", "V_nnca")},
                           coords={"k": [1], "rank": [1]})
    wide = bootstrap_summary(synthetic_fits(weights), reference, level=0.95)
    narrow = bootstrap_summary(synthetic_fits(weights), reference, level=0.5)
    np.testing.assert_array_equal(wide["indecisive"].sel(model="eca", k=1, rank=1), [0, 0, 1])
    np.testing.assert_array_equal(narrow["indecisive"].sel(model="eca", k=1, rank=1), [0, 0, 0])
    np.testing.assert_array_equal(determined_features(wide, "nnca", 1), [True, True, False])
    half = scipy.stats.t.ppf(0.975, 19) * 0.04
    assert wide["weight_low"].sel(model="eca", k=1, rank=1, feature=2) == pytest.approx(0.06 - half)
    assert wide["weight_high"].sel(model="eca", k=1, rank=1, feature=2) == pytest.approx(0.06 + half)
    assert wide["weight_low"].sel(model="eca", k=1, rank=1, feature=0) == pytest.approx(0.8)  # no spread
    assert wide["weight_mean"].sel(model="eca", k=1, rank=1, feature=0) == pytest.approx(0.8)
    np.testing.assert_allclose(wide["test_r2_mean"], 0.85)
    assert wide["angle_high"].sel(model="eca", k=1) == pytest.approx(
        np.quantile(wide["angle"].sel(model="eca", k=1), 0.95))


def test_bad_inputs_fail_clearly(study):
    parts, emulator, nncas, fits, reference = (study[name] for name in ("parts", "emulator", "nncas", "fits",
                                                                        "reference"))
    with pytest.raises(ValueError, match="at least 2 resamples, got 1"):
        bootstrap_summary(fits.isel(resample=[0]), reference)
    with pytest.raises(ValueError, match="unknown fit_on 'validation'"):
        bootstrap_fits(parts, emulator, nncas, [0], fit_on="validation")
    with pytest.raises(ValueError, match="resamples is empty"):
        bootstrap_fits(parts, emulator, nncas, [])
    with pytest.raises(ValueError, match="distinct non-negative"):
        bootstrap_fits(parts, emulator, nncas, [1, 1])
    with pytest.raises(ValueError, match="n_components=2, expected 1"):
        bootstrap_fits(parts, emulator, {1: nncas[2]}, [0])
    with pytest.raises(ValueError, match="has 4 features, the bootstrap fits 5"):
        bootstrap_summary(fits, reference.isel(feature=slice(0, 4)))
    with pytest.raises(ValueError, match="lacks k=2"):
        bootstrap_summary(fits, reference.sel(k=[1]))
    with pytest.raises(ValueError, match=r"dims \('k', 'component', 'feature'\), expected \(k, rank, feature\)"):
        bootstrap_summary(fits, reference.rename(rank="component"))
    with pytest.raises(ValueError, match="reference lacks V_nnca"):
        bootstrap_summary(fits, reference[["V_eca"]])
    with pytest.raises(ValueError, match="more than once"):
        bootstrap_summary(xr.concat([fits, fits.isel(resample=[0])], dim="resample"), reference)
    with pytest.raises(ValueError, match="unknown model 'pca'"):
        determined_features(study["summary"], "pca", 1)
    with pytest.raises(ValueError, match="k=3 is not in the summary"):
        determined_features(study["summary"], "eca", 3)


def test_figure_draws_a_biased_bootstrap_whose_mean_lies_outside_the_interval():
    """Resamples that all tilt away from the full-data weight (as a fixed emulator's bias makes them) put their
    mean outside the interval around the full-data weight; the figure centres the error bar on that weight and
    draws (it once failed with 'xerr must not contain negative values')."""
    import matplotlib

    matplotlib.use("Agg")
    from xraylatent.report.interpret_figures import bootstrap_weights

    rng = np.random.default_rng(1)
    weights = np.column_stack([np.full(5, 0.6), np.full(5, 0.8), 0.3 + 0.01 * rng.standard_normal(5)])
    reference = xr.Dataset({name: (("k", "rank", "feature"), [[[0.8, 0.6, 0.0]]]) for name in ("V_eca", "V_nnca")},
                           coords={"k": [1], "rank": [1]})
    summary = bootstrap_summary(synthetic_fits(weights), reference).assign_coords(feature=["a", "b", "c"])
    at = summary.sel(model="eca", k=1, rank=1, feature="c")
    assert not at["weight_low"] <= at["weight_mean"] <= at["weight_high"]
    figure = bootstrap_weights(summary, "biased")
    axis = figure.axes[0]
    assert axis.get_title().startswith("ECA k=1, rank 1")
    centres = np.concatenate([line.get_xdata() for line in axis.lines if line.get_marker() == "o"])
    np.testing.assert_allclose(sorted(centres), [0.0, 0.6, 0.8])  # every dot at its full-data weight
    assert summary["indecisive"].sel(model="eca", k=1, rank=1).values.tolist() == [0, 0, 1]

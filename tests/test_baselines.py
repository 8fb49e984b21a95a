"""Baselines: orthonormal nested directions, SIR on planted single indices, ECA ≥ PLS ≥ PCA, the dataset, errors."""

import numpy as np
import pytest
import torch
from planted import planted
from sklearn.frozen import FrozenEstimator

from xraylatent.models.baselines import (
    BASELINES,
    baseline_directions,
    baselines_dataset,
    pca_directions,
    pls_directions,
    projected_r2,
    ridge_baseline,
    sir_directions,
)
from xraylatent.models.eca import ECA
from xraylatent.models.estimators import Emulator

torch.set_num_threads(1)

FAST = dict(learning_rate=1e-2, l2=1e-6, batch_size=64, max_epochs=150, patience=20, device="cpu")


def channels(z):
    """Smooth nonlinear channels of one index z, as in planted.py: two bumps, a sine and a tanh."""
    return np.column_stack([*(np.exp(-((z - centre) ** 2) / 0.5) for centre in (-1.0, 1.0)), np.sin(z), np.tanh(z)])


def anisotropic_single_index(n_samples=1000, seed=0):
    """X ~ N(0, C), C a correlation matrix (unit-variance columns, so X is already standardized) with eigenvectors
    q_1..q_6 by decreasing eigenvalue (about 3.0, 1.1, 0.9, 0.5, 0.3, 0.15); the index b = (q_2 + q_6)/√2 is
    orthogonal to the top axis q_1, and mixes a high- and the lowest-variance axis. Y = channels(b·x) + noise,
    z-scored. Returns X, Y, b and q_1."""
    rng = np.random.default_rng(seed)
    rotation = np.linalg.qr(rng.normal(size=(6, 6)))[0]
    covariance = rotation @ np.diag([9.0, 2.0, 1.0, 1.0, 1.0, 0.25]) @ rotation.T
    scale = np.sqrt(np.diag(covariance))
    correlation = covariance / np.outer(scale, scale)
    axes = np.linalg.eigh(correlation)[1][:, ::-1]
    b = (axes[:, 1] + axes[:, 5]) / np.sqrt(2)
    X = rng.normal(size=(n_samples, 6)) @ np.linalg.cholesky(correlation).T
    Y = channels(X @ b) + 0.05 * rng.normal(size=(n_samples, 4))
    return X, (Y - Y.mean(0)) / Y.std(0), b, axes[:, 0]


@pytest.fixture(scope="module")
def study():
    """Emulator trained on 600 rows of the anisotropic design; ECA (2 ranks) fitted on the other 400, as the study
    does. ECA goes rank by rank, so its rank 1 is the n_components=1 answer."""
    X, Y, b, top_axis = anisotropic_single_index()
    emulator = Emulator((32, 32), **FAST).fit(X[:600], Y[:600])
    eca = ECA(FrozenEstimator(emulator), n_components=2).fit(X[600:], Y[600:])
    return dict(X=X, Y=Y, b=b, top_axis=top_axis, emulator=emulator, eca=eca,
                parts={"train": (X[:600], Y[:600]), "test": (X[600:], Y[600:])})


@pytest.mark.parametrize("method", BASELINES)
def test_directions_are_orthonormal_nested_rows(method):
    X, Y, _ = planted(2)
    V = baseline_directions(method, X, Y, 3)
    assert V.shape == (3, 6) and V.dtype == np.float64
    np.testing.assert_allclose(V @ V.T, np.eye(3), atol=1e-10)
    first = baseline_directions(method, X, Y, 1)
    assert first.shape == (1, 6)
    np.testing.assert_allclose(abs(baseline_directions(method, X, Y, 2)[0] @ first[0]), 1.0, atol=1e-10)


def test_pca_and_pls_are_sklearns_directions():
    """PCA's rows are its principal axes; PLS's span its x_weights_ rank by rank (the first exactly)."""
    from sklearn.cross_decomposition import PLSRegression
    from sklearn.decomposition import PCA

    X, Y, _ = planted(2)
    np.testing.assert_allclose(abs(pca_directions(X, 2) @ PCA(2).fit(X).components_.T), np.eye(2), atol=1e-10)
    weights = PLSRegression(3, scale=False).fit(X, Y).x_weights_
    V = pls_directions(X, Y, 3)
    np.testing.assert_allclose(V[0], weights[:, 0] / np.linalg.norm(weights[:, 0]), atol=1e-12)
    np.testing.assert_allclose(V.T @ V @ weights, weights, atol=1e-10)  # span(V) = span(x_weights_)


def test_sir_recovers_a_planted_single_index():
    """y = exp(b·x) (one output: quantile slices) and a monotone-ish multi-output Y (k-means slices) of the
    same index: E[x | y] lies along b for Gaussian x, so SIR's top direction is b."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(1000, 6))
    b = np.linalg.qr(rng.normal(size=(6, 1)))[0][:, 0]
    z = X @ b
    y = np.exp(z) + 0.1 * rng.normal(size=1000)
    assert abs(sir_directions(X, y, 1)[0] @ b) >= 0.98
    assert abs(sir_directions(X, y[:, None], 1)[0] @ b) >= 0.98  # one column is sliced as a 1-D y
    Y = np.column_stack([z**3 + z, np.tanh(2 * z), np.exp(z / 2)]) + 0.1 * rng.normal(size=(1000, 3))
    assert abs(sir_directions(X, (Y - Y.mean(0)) / Y.std(0), 1)[0] @ b) >= 0.98


@pytest.mark.parametrize("jitter", [0.0, 1e-6])
def test_sir_whitening_survives_collinear_features(jitter):
    """Feature 0 repeated, exactly or up to a 1e-6 jitter (a covariance eigenvalue ~1e-13 of the largest): that
    near-null direction (e_0 − e_4) is left out of the whitening, so it neither enters the directions (raising
    its eigenvalue to a floor instead would multiply its noise by up to 1e4 into them) nor moves the index."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(1000, 4))
    b = np.array([0.6, 0.8, 0.0, 0.0])
    y = (X @ b) ** 3 + X @ b
    V = sir_directions(np.column_stack([X, X[:, 0] + jitter * rng.normal(size=1000)]), y, 2)
    np.testing.assert_allclose(V @ V.T, np.eye(2), atol=1e-10)
    np.testing.assert_allclose(V[:, 0] - V[:, 4], 0, atol=1e-6)
    merged = V[0, :4] + [V[0, 4], 0, 0, 0]  # the same linear function of the 4 distinct features
    assert abs(merged @ b) / np.linalg.norm(merged) >= 0.98


def test_eca_beats_pls_beats_pca_through_the_same_emulator(study):
    """Scored through one emulator on the held-out rows, one direction each:

    * PCA's axis q_1 is orthogonal to b, so the projected inputs have b·x' = 0: the emulator sees a constant,
      and a constant prediction has R² ≤ 0.
    * PLS's first weight is ∝ Cov(x, Y) = C b E[g'(z)]ᵀ (Stein's lemma, Gaussian x), i.e. along C b; b mixes
      the eigenvalues 1.1 and 0.15, so C b tilts towards q_2 (cos(b, C b) ≈ 0.80). The projected index still
      follows z (correlation ≈ 0.95), so R² is well above PCA's, but clearly below 1.
    * ECA maximises this very R² over unit directions; b itself reaches the emulator's own R² (≈ 0.98).
    """
    s = study
    X, Y = s["parts"]["test"]
    predict = s["emulator"].predict
    eca = s["eca"].covered_variance_[0]
    pls = projected_r2(predict, pls_directions(X, Y, 1), X, Y)[0]
    pca = projected_r2(predict, pca_directions(X, 1), X, Y)[0]
    print(f"R² at one direction: ECA {eca:.3f}, PLS {pls:.3f}, PCA {pca:.3f}")
    assert abs(s["eca"].components_[0] @ s["b"]) >= 0.98
    assert eca >= pls + 0.1
    assert pls >= pca + 0.3
    assert pca <= 0.05


def test_projected_r2_is_ecas_rank_scores(study):
    s = study
    eca = s["eca"]
    for X, Y in s["parts"].values():
        np.testing.assert_allclose(projected_r2(s["emulator"].predict, eca.components_, X, Y),
                                   eca.rank_scores(X, Y), rtol=1e-12)


def test_baselines_dataset(study):
    s = study
    X, Y = s["parts"]["test"]
    ds = baselines_dataset(X, Y, s["parts"], s["emulator"].predict, 2, sir_slices=8, random_state=3)
    assert ds["V"].dims == ("method", "rank", "feature") and ds["V"].shape == (3, 2, 6)
    assert ds["r2"].dims == ("method", "split", "rank") and ds["r2"].shape == (3, 2, 2)
    assert list(ds["method"].values) == list(BASELINES)
    assert list(ds["split"].values) == ["train", "test"]
    assert list(ds["rank"].values) == [1, 2] and list(ds["feature"].values) == list(range(6))
    ridge_r2, ridge_alpha = ridge_baseline(s["parts"])
    assert ds.attrs == {"fit_on": "test", "sir_slices": 8, "sir_slices_requested": 8, "ridge_test_r2": ridge_r2,
                        "ridge_alpha": ridge_alpha}
    assert ds["r2"].attrs["units"] == "1" and ds["r2"].attrs["description"] and ds["V"].attrs["description"]
    for k in (1, 2):
        expected = projected_r2(s["emulator"].predict, pca_directions(X, k), *s["parts"]["train"])[-1]
        assert float(ds["r2"].sel({"method": "pca", "split": "train", "rank": k})) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_array_equal(ds["V"].sel({"method": "sir"}), sir_directions(X, Y, 2, n_slices=8, random_state=3))
    np.testing.assert_array_equal(ds["V"].sel({"method": "pls"}), pls_directions(X, Y, 2))


def test_ridge_recovers_a_planted_linear_map_and_loses_to_the_emulator_on_a_nonlinear_index(study):
    """Ridge is the emulator's linear rival: on Y = X W + 10 % noise its test R² is the planted 1 − 0.01/(1 + 0.01)
    ≈ 0.99, while on the bumps and sine of the single-index design the emulator is far above it."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(500, 6))
    signal = X @ rng.normal(size=(6, 3))
    Y = signal + 0.1 * signal.std(0) * rng.normal(size=signal.shape)
    r2, alpha = ridge_baseline({"train": (X[:400], Y[:400]), "test": (X[400:], Y[400:])})
    assert r2 == pytest.approx(1 / 1.01, abs=0.01) and alpha < 1.0
    r2, _ = ridge_baseline(study["parts"])
    assert r2 < study["emulator"].score(*study["parts"]["test"]) - 0.2


def test_a_small_fit_split_gets_fewer_sir_slices_and_a_warning(study, caplog):
    """Six rows cannot fill ten slices (the 30-structure example config's test split): SIR takes three, two rows
    per slice on average (a slice per row would make M the identity and its eigenvectors arbitrary), and says so."""
    s = study
    X, Y = s["parts"]["test"][0][:6], s["parts"]["test"][1][:6]
    with caplog.at_level("WARNING", logger="xraylatent.models.baselines"):
        ds = baselines_dataset(X, Y, s["parts"], s["emulator"].predict, 1, sir_slices=10)
    assert ds.attrs["sir_slices"] == 3 and ds.attrs["sir_slices_requested"] == 10
    assert "6 rows on the test split, too few for 10 slices" in caplog.text
    np.testing.assert_array_equal(ds["V"].sel({"method": "sir"}), sir_directions(X, Y, 1, n_slices=3))


def test_bad_inputs_fail_clearly():
    X, Y, _ = planted(1, n_samples=100)
    for n_components in (0, 7):
        with pytest.raises(ValueError, match=f"n_components={n_components} must be between 1 and the number of "
                                             r"features \(6\)"):
            baseline_directions("pls", X, Y, n_components)
    with pytest.raises(ValueError, match=r"n_slices=2 must be an integer between n_components \+ 1 = 3"):
        sir_directions(X, Y, 2, n_slices=2)
    with pytest.raises(ValueError, match=r"and the number of samples \(100\)"):
        sir_directions(X, Y, 2, n_slices=101)
    with pytest.raises(ValueError, match="X has only 1 directions with variance above 1e-08 × the largest"):
        sir_directions(np.column_stack([X[:, 0], 2 * X[:, 0], -X[:, 0]]), Y, 2)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        sir_directions(X, Y[:-1], 1)
    X_nan = X.copy()
    X_nan[3, 2] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        pca_directions(X_nan, 1)
    with pytest.raises(ValueError, match="Expected 2D array"):
        pca_directions(X[:, 0], 1)
    with pytest.raises(ValueError, match="unknown baseline 'ica': choose one of pca, pls, sir"):
        baseline_directions("ica", X, Y, 1)
    with pytest.raises(ValueError, match="V has 5 columns, but X has 6 features"):
        projected_r2(lambda x: x, np.eye(5), X, Y)
    with pytest.raises(ValueError, match=r"parts lacks the split\(s\) \['train'\]"):
        baselines_dataset(X, Y, {"test": (X, Y)}, lambda x: x, 1)

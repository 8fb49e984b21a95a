"""ECA: planted directions, the closed-form rank-1 answer of a linear emulator, conventions and errors."""

import numpy as np
import pytest
import torch
from planted import planted
from scipy.linalg import subspace_angles
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator

from xraylatent.models.eca import ECA
from xraylatent.models.estimators import Emulator

torch.set_num_threads(1)

FAST = dict(learning_rate=1e-2, l2=1e-6, batch_size=64, max_epochs=150, patience=20, device="cpu")


def fitted_eca(n_components):
    """Emulator trained on 600 planted rows; ECA fitted on the 200 held-out rows, as the study does."""
    X, Y, basis = planted(n_components)
    emulator = Emulator((32, 32), **FAST).fit(X[:600], Y[:600])
    return ECA(FrozenEstimator(emulator), n_components=n_components).fit(X[600:], Y[600:]), X, Y, basis


@pytest.fixture(scope="module")
def one_d():
    return fitted_eca(1)


def test_recovers_planted_direction(one_d):
    eca, X, Y, basis = one_d
    assert abs(eca.components_ @ basis[:, 0])[0] >= 0.99
    assert eca.covered_variance_[0] >= 0.95
    assert eca.rank_scores(X[:600], Y[:600])[0] >= 0.95  # train-set R² beside the fitted (test-set) one
    assert eca.score(X[600:], Y[600:]) == pytest.approx(eca.covered_variance_[-1])


def test_spans_planted_plane_in_rank_order():
    eca, X, Y, basis = fitted_eca(2)
    assert np.degrees(subspace_angles(eca.components_.T, basis)).max() <= 5
    np.testing.assert_allclose(eca.components_ @ eca.components_.T, np.eye(2), atol=1e-6)
    assert eca.covered_variance_[0] < eca.covered_variance_[1]
    assert eca.covered_variance_[1] >= 0.95


def test_later_ranks_see_the_earlier_directions():
    """Y = (2 z1, z1·z2): rank 1 is b1; with z1 projected away, z2 alone carries no signal (the product
    needs z1), so rank 2 finds b2 only if its objective projects onto span(v1, v2)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(800, 4))
    basis = np.linalg.qr(rng.normal(size=(4, 2)))[0]
    Z = X @ basis
    Y = np.column_stack([2 * Z[:, 0], Z[:, 0] * Z[:, 1]])
    emulator = Emulator((32, 32), **FAST).fit(X[:600], Y[:600])
    eca = ECA(FrozenEstimator(emulator), n_components=2).fit(X[600:], Y[600:])
    assert abs(eca.components_[0] @ basis[:, 0]) >= 0.99
    assert np.degrees(subspace_angles(eca.components_.T, basis)).max() <= 5
    # ECA maximises R²: through the same emulator, the planted plane can do no better.
    assert eca.covered_variance_[1] >= emulator.score(X[600:] @ basis @ basis.T, Y[600:]) - 1e-3


def test_rank_one_matches_closed_form_for_linear_emulator():
    """For f(x) = x W + b and whitened, centred X (XᵀX = n I), the unexplained sum of squares of the
    projection onto a unit v is ‖Y_c‖² − vᵀAv + n‖ȳ − b‖² with A = C + Cᵀ − n W Wᵀ, C = Xᵀ Y_c Wᵀ;
    so the best direction is A's top eigenvector, and the next one (orthogonal to it) the second."""
    rng = np.random.default_rng(0)
    n, d = 400, 5
    X = rng.normal(size=(n, d))
    X = np.sqrt(n) * np.linalg.qr(X - X.mean(0))[0]
    Y = X @ rng.normal(size=(d, 4)) * [3.0, 2.0, 1.0, 0.5] + 0.1 * rng.normal(size=(n, 4))
    emulator = Emulator((), **dict(FAST, max_epochs=5)).fit(X, Y)  # any fitted weights: the formula uses them
    layer = emulator.net_.layers[0]
    W, b = layer.weight[0].detach().double().numpy(), layer.bias[0, 0].detach().double().numpy()
    Yc = Y - Y.mean(0)
    C = X.T @ Yc @ W.T
    eigenvalues, eigenvectors = np.linalg.eigh(C + C.T - n * W @ W.T)
    total = np.sum(Yc**2)
    offset = total + n * np.sum((Y.mean(0) - b) ** 2)
    expected = 1 - (offset - np.cumsum(eigenvalues[::-1][:2])) / total

    eca = ECA(FrozenEstimator(emulator), n_components=2).fit(X, Y)
    np.testing.assert_allclose(eca.covered_variance_, expected, atol=0.01)
    assert abs(eca.components_[0] @ eigenvectors[:, -1]) >= 0.999


def test_transform_expand_project(one_d):
    eca, X, *_ = one_d
    t = eca.transform(X)
    np.testing.assert_allclose(eca.expand(t), eca.project(X))
    np.testing.assert_allclose(eca.project(eca.project(X)), eca.project(X), atol=1e-12)


def test_bad_inputs_fail_clearly(one_d):
    eca, X, Y, _ = one_d
    with pytest.raises(ValueError, match="X has 5 features, but ECA is expecting 6 features"):
        eca.transform(X[:, :5])
    with pytest.raises(ValueError, match="n_components=7 must not exceed the number of features"):
        ECA(eca.emulator, n_components=7).fit(X, Y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        ECA(eca.emulator).fit(X, Y[:-1])
    with pytest.raises(ValueError, match="'n_starts' parameter of ECA must be an int in the range"):
        ECA(eca.emulator, n_starts=0).fit(X, Y)
    with pytest.raises(NotFittedError, match="Emulator instance is not fitted"):
        ECA(FrozenEstimator(Emulator())).fit(X, Y)


def test_an_unfitted_emulator_is_trained_by_fit():
    """As a scikit-learn meta-estimator, ECA fits a clone of an unfrozen emulator on its own data first."""
    X, Y, basis = planted(1)
    emulator = Emulator((32, 32), **FAST)
    eca = ECA(emulator, n_components=1).fit(X, Y)
    assert not hasattr(emulator, "net_")  # the given emulator stays unfitted; the clone is emulator_
    assert eca.emulator_.score(X, Y) >= 0.95
    assert abs(eca.components_ @ basis[:, 0])[0] >= 0.99


def test_a_full_rank_basis_ends_with_the_complement_and_covers_the_emulator():
    """With as many components as features the last direction is the complement of the others: the basis is
    orthonormal, its first rank is the fitted one, and its last rank projects nothing away (R² = the
    emulator's own)."""
    X, Y, basis = planted(1)
    X = X[:, :2]  # two features, the planted direction's projection on them
    emulator = Emulator((16,), **FAST).fit(X[:600], Y[:600])
    one = ECA(FrozenEstimator(emulator), n_components=1).fit(X[600:], Y[600:])
    full = ECA(FrozenEstimator(emulator), n_components=2).fit(X[600:], Y[600:])
    np.testing.assert_allclose(full.components_ @ full.components_.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(full.components_[0], one.components_[0])
    assert full.covered_variance_[1] == pytest.approx(emulator.score(X[600:], Y[600:]), abs=1e-6)

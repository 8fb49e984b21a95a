"""Interpretation (method.md §6, §8): the ordered NNCA rotation, direction comparison and the spectral
change metric M on planted data."""

import numpy as np
import pytest
from scipy.linalg import subspace_angles

from xraylatent.data.prepare import Scaler
from xraylatent.interpret.components import (
    align_signs,
    compare_directions,
    ordered_rotation,
    rank_scores,
    single_component_scores,
)
from xraylatent.interpret.metric import change_metric, metric_grid
from xraylatent.models.estimators import NNCA, Emulator

FAST = dict(learning_rate=1e-2, l2=0.0, batch_size=64, max_epochs=80, patience=10, device="cpu")
ROTATE = dict(n_starts=4, max_iter=100)


def two_directions(n=500, seed=0):
    """Y depends strongly on z1 = x·b1 and weakly on z2 = x·b2; b1, b2 orthonormal in R^4."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    basis = np.linalg.qr(rng.normal(size=(4, 2)))[0]
    z = X @ basis
    return X, np.column_stack([z[:, 0], np.tanh(z[:, 0]), 0.3 * np.sin(z[:, 1])]), basis


@pytest.fixture(scope="module")
def rotated():
    X, Y, basis = two_directions()
    nnca = NNCA(2, (16,), random_state=3, **FAST).fit(X[:400], Y[:400])
    rotation, covered = ordered_rotation(nnca, X[400:], Y[400:], **ROTATE)
    return nnca, rotation, covered, X[400:], Y[400:], basis


def test_rotation_keeps_span_and_total_covered_variance(rotated):
    nnca, rotation, covered, X, Y, _ = rotated
    ordered = rotation @ nnca.components_
    np.testing.assert_allclose(rotation @ rotation.T, np.eye(2), atol=1e-6)
    assert np.degrees(subspace_angles(ordered.T, nnca.components_.T)).max() < 1e-3
    assert covered[-1] == pytest.approx(nnca.score(X, Y), abs=1e-6)
    np.testing.assert_allclose(rank_scores(nnca, ordered, X, Y), covered, atol=1e-6)


def test_rotation_orders_by_covered_variance(rotated):
    nnca, rotation, covered, X, Y, basis = rotated
    assert covered[0] >= single_component_scores(nnca, X, Y).max() - 1e-4
    assert covered[0] < covered[1]
    assert abs((rotation @ nnca.components_)[0] @ basis[:, 0]) >= 0.95  # rank 1 is the strong direction


def test_compare_directions_with_sign_alignment():
    V = np.linalg.qr(np.random.default_rng(0).normal(size=(5, 2)))[0].T
    flipped = V * np.array([[-1.0], [1.0]])
    aligned = align_signs(V, flipped)
    np.testing.assert_allclose(aligned, V)
    cosines, angles = compare_directions(V, flipped)
    np.testing.assert_allclose(cosines, 1.0)
    np.testing.assert_allclose(angles, 0.0, atol=1e-5)
    swapped = compare_directions(V, V[::-1])  # same span, ranks exchanged
    np.testing.assert_allclose(swapped[0], 0.0, atol=1e-12)
    np.testing.assert_allclose(swapped[1], 0.0, atol=1e-5)


def test_change_metric_zero_at_centre_and_grows_only_along_planted_direction():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 3))
    y_scaler = Scaler(np.full(4, 5.0), np.full(4, 2.0))  # spectra = 5 + 2·Y: the centre spectrum is ≠ 0
    Y = np.column_stack([np.tanh(X[:, 0]), X[:, 0], np.exp(-X[:, 0] ** 2), 0.3 * X[:, 0] ** 2])
    emulator = Emulator((32,), **FAST).fit(X, Y)
    steps = np.linspace(0, 2, 5)[:, None]
    along = change_metric(emulator, steps * np.array([[1.0, 0, 0]]), y_scaler)
    across = change_metric(emulator, steps * np.array([[0, 1.0, 0]]), y_scaler)
    assert along[0] < 1e-6  # float32 zero: the centre is predicted in its own batch, by kernels that may differ
    assert np.all(np.diff(along) > 0) and along[-1] > 0.1
    assert across.max() < 0.2 * along[-1]


def test_metric_grid_masks_points_far_from_the_data():
    X = np.random.default_rng(0).normal(size=(200, 3))
    x_scaler = Scaler(np.array([104.0, 1.1, 1.0]), np.array([20.0, 0.1, 0.1]))
    emulator = Emulator((8,), **FAST | {"max_epochs": 5}).fit(X, X[:, :2])
    ednn_like = type("Linear", (), {"transform": staticmethod(lambda x: x[:, :1])})
    grid = metric_grid(X, x_scaler, Scaler(np.ones(2), np.ones(2)), emulator, ednn_like,
                                 ["alpha", "b_long", "b_short"], ["degree", "angstrom", "angstrom"], n_points=9)
    assert grid["M"].shape == (9, 9, 9) and grid["alpha"].attrs["units"] == "degree"
    corner = grid.isel(alpha=0, b_long=0, b_short=0)
    centre = grid.sel(alpha=104.0, b_long=1.1, b_short=1.0, method="nearest")
    assert int(corner["mask"]) == 0 and int(centre["mask"]) == 1
    np.testing.assert_allclose(grid["activation"].isel(b_long=0, b_short=0), (grid["alpha"] - 104.0) / 20.0)
    # Axes span the data's physical range; M at each point is the metric of that point.
    physical = x_scaler.inverse(X)
    np.testing.assert_allclose(grid["b_short"].values[[0, -1]], [physical[:, 2].min(), physical[:, 2].max()])
    point = grid.isel(alpha=2, b_long=5, b_short=7)
    x = x_scaler.transform([[float(point["alpha"]), float(point["b_long"]), float(point["b_short"])]])
    expected = change_metric(emulator, x, Scaler(np.ones(2), np.ones(2)))[0]
    assert float(point["M"]) == pytest.approx(expected, rel=1e-6)
    assert int(point["mask"]) == int(np.linalg.norm(X - x, axis=1).min() <= grid.attrs["max_distance"])

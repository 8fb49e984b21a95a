import numpy as np
import pytest
from sklearn.metrics import r2_score

from xraylatent.metrics import generalized_r2


def test_perfect_and_mean_predictions():
    y = np.array([[1.0, 2.0], [3.0, 5.0], [5.0, 11.0]])
    assert generalized_r2(y, y) == 1.0
    assert generalized_r2(y, np.tile(y.mean(axis=0), (3, 1))) == pytest.approx(0.0)


def test_hand_computed_case():
    y = np.array([[0.0, 0.0], [2.0, 4.0]])  # centred: ±1, ±2 → total variance 2·(1 + 4) = 10
    pred = np.array([[1.0, 0.0], [2.0, 3.0]])  # squared error 1 + 1 = 2
    assert generalized_r2(y, pred) == pytest.approx(1 - 2 / 10)


def test_worse_than_mean_is_negative():
    y = np.array([1.0, 2.0, 3.0])
    assert generalized_r2(y, y[::-1]) == pytest.approx(1 - 8 / 2)


def test_matches_sklearn_variance_weighted():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(50, 7)) * np.arange(1, 8)
    pred = y + rng.normal(scale=0.5, size=y.shape)
    expected = r2_score(y, pred, multioutput="variance_weighted")
    assert generalized_r2(y, pred) == pytest.approx(expected, rel=1e-12)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="shape"):
        generalized_r2(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="zero variance"):
        generalized_r2(np.ones((4, 2)), np.zeros((4, 2)))

import numpy as np
import pytest

from xraylatent.engine.settings import TrainSettings
from xraylatent.selection.candidates import HYPERPARAMETERS, chunk, grid_values, sample_candidates
from xraylatent.selection.cv import cross_validate
from xraylatent.selection.leaderboard import best_candidate, best_hyperparameters, chunk_dataset, leaderboard
from xraylatent.selection.search import search

SPACE = {"depth": [1, 2], "width": [4, 8, 16], "learning_rate": {"log_uniform": [1e-3, 1e-1], "n": 3},
         "l2": [0.0, 1e-4]}
TRAINING = TrainSettings(batch_size=32, max_epochs=40, patience=5, validation_fraction=0.1, seed=0, device="cpu")


def test_grid_values_expand_log_uniform():
    assert grid_values({"log_uniform": [1e-4, 1e-2], "n": 3}) == pytest.approx([1e-4, 1e-3, 1e-2])
    assert grid_values([1, 2]) == [1, 2]


def test_candidates_are_sampled_without_replacement_and_reproducibly():
    candidates = sample_candidates(SPACE, 20, seed=1)
    points = {tuple(c[h] for h in HYPERPARAMETERS) for c in candidates}
    assert len(points) == 20
    assert candidates == sample_candidates(SPACE, 20, seed=1)
    assert candidates != sample_candidates(SPACE, 20, seed=2)
    assert len(sample_candidates(SPACE, 1000, seed=1)) == 2 * 3 * 3 * 2  # whole grid at most


def test_chunks_partition_the_candidates():
    candidates = sample_candidates(SPACE, 11, seed=0)
    chunks = [chunk(candidates, i, 3) for i in range(3)]
    assert sorted(c["candidate"] for part in chunks for c in part) == list(range(11))
    with pytest.raises(ValueError, match="chunk index 3"):
        chunk(candidates, 3, 3)


def test_best_candidate_is_the_argmax_of_mean_cv_r2_in_the_last_round():
    assert best_candidate([0.2, 0.9, 0.5], [0, 0, 0]) == 1
    assert best_candidate([0.2, 0.9, 0.5], [1, 0, 1]) == 2  # 0.9 was pruned in round 0
    assert best_candidate([np.nan, 0.1], [0, 0]) == 1


def _problem(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    Y = np.column_stack([np.tanh(X[:, 0] + 0.5 * X[:, 1]), X[:, 0] ** 2 / 2])
    return X, Y, np.arange(n) % 3


def test_cross_validation_scores_held_out_folds_and_ranks_a_useless_candidate_last():
    X, Y, folds = _problem()
    candidates = [dict(depth=1, width=16, learning_rate=0.01, l2=0.0, candidate=0),
                  dict(depth=1, width=16, learning_rate=0.0, l2=0.0, candidate=1)]  # lr 0: never learns
    result = cross_validate("emulator", None, candidates, X, Y, folds, TRAINING)
    assert result["cv_r2"].shape == (2, 3)
    assert result["cv_r2"][0].min() > 0.6 and result["cv_r2"][1].max() < 0.2
    board = leaderboard([chunk_dataset(candidates, dict(result, round=np.zeros(2, int)))])
    assert board.attrs["best_candidate"] == 0 and best_hyperparameters(board)["learning_rate"] == 0.01


def test_stacked_cv_matches_a_single_candidate_run():
    """A candidate's CV scores do not depend on which other candidates share its stack."""
    X, Y, folds = _problem()
    a = dict(depth=1, width=8, learning_rate=0.01, l2=0.0, candidate=0)
    b = dict(depth=1, width=8, learning_rate=0.003, l2=1e-4, candidate=1)
    together = cross_validate("ednn", 1, [a, b], X, Y, folds, TRAINING)["cv_r2"]
    alone = cross_validate("ednn", 1, [a], X, Y, folds, TRAINING)["cv_r2"]
    one_fit_at_a_time = cross_validate("ednn", 1, [a, b], X, Y, folds, TRAINING, max_stack=1)
    np.testing.assert_allclose(together[0], alone[0], atol=1e-5)
    np.testing.assert_allclose(one_fit_at_a_time["cv_r2"], together, atol=1e-5)
    assert (one_fit_at_a_time["fit_time"] > 0).all()


def test_halving_prunes_to_the_best_and_gives_survivors_the_full_budget():
    X, Y, folds = _problem()
    candidates = sample_candidates(SPACE, 6, seed=0)
    config = {"backend": "torch", "pruning": "halving", "halving_rounds": 2, "halving_keep": 0.5}
    result = search("emulator", None, candidates, X, Y, folds, TRAINING, config)
    assert (result["round"] == 1).sum() == 3
    assert result["epochs"][result["round"] == 0].max() <= 20
    best = best_candidate(result["mean_cv_r2"], result["round"])
    assert result["round"][best] == 1
    # Survivors go on from where round 0 left them: exactly as if they had trained without a pause.
    survivors = np.flatnonzero(result["round"] == 1)
    straight = cross_validate("emulator", None, candidates, X, Y, folds, TRAINING)
    np.testing.assert_allclose(result["cv_r2"][survivors], straight["cv_r2"][survivors], atol=1e-5)
    np.testing.assert_array_equal(result["epochs"][survivors], straight["epochs"][survivors])


def test_sklearn_backend_scores_the_same_candidates_and_rejects_nnca():
    X, Y, folds = _problem()
    candidates = [dict(depth=1, width=16, learning_rate=0.01, l2=0.0, candidate=0)]
    config = {"backend": "sklearn", "pruning": "none", "halving_rounds": 1, "halving_keep": 0.5}
    result = search("emulator", None, candidates, X, Y, folds, TRAINING, config)
    assert result["cv_r2"].shape == (1, 3) and result["mean_cv_r2"][0] > 0.6
    with pytest.raises(ValueError, match="cannot express family 'nnca'"):
        search("nnca", 1, candidates, X, Y, folds, TRAINING, config)

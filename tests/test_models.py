"""Estimators: planted directions recovered, sklearn conventions, save/load, input errors."""

import numpy as np
import pytest
import torch
from planted import planted
from scipy.linalg import subspace_angles
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from xraylatent.models.estimators import EDNN, NNCA, Emulator, ModelFileError

torch.set_num_threads(1)

FAST = dict(learning_rate=1e-2, l2=1e-6, batch_size=64, max_epochs=150, patience=20, device="cpu")
TINY = dict(FAST, max_epochs=3)


def split(n_components):
    X, Y, basis = planted(n_components)
    return X[:600], Y[:600], X[600:], Y[600:], basis


@pytest.fixture(scope="module")
def one_d():
    return split(1)


@pytest.fixture(scope="module")
def nnca_1d(one_d):
    X, Y, *_ = one_d
    return NNCA(1, (32, 32), **FAST).fit(X, Y)


def assert_orthonormal(V):
    np.testing.assert_allclose(V @ V.T, np.eye(len(V)), atol=1e-6)


def test_nnca_recovers_planted_direction(one_d, nnca_1d):
    _, _, X_test, Y_test, basis = one_d
    assert abs(nnca_1d.components_ @ basis[:, 0])[0] >= 0.99
    assert nnca_1d.score(X_test, Y_test) >= 0.95
    assert_orthonormal(nnca_1d.components_)


def test_nnca_spans_planted_plane():
    X, Y, X_test, Y_test, basis = split(2)
    model = NNCA(2, (32, 32), **FAST).fit(X, Y)
    assert np.degrees(subspace_angles(model.components_.T, basis)).max() <= 5
    assert model.score(X_test, Y_test) >= 0.95
    assert_orthonormal(model.components_)


def test_ednn_one_component(one_d):
    X, Y, X_test, Y_test, _ = one_d
    model = EDNN(1, (32,), (32,), **FAST).fit(X, Y)
    assert model.score(X_test, Y_test) >= 0.95
    t = model.transform(X_test)
    assert t.shape == (len(X_test), 1)
    np.testing.assert_allclose(model.decode(t), model.predict(X_test), rtol=1e-6, atol=1e-6)


def test_nnca_scores_and_expansion(one_d, nnca_1d):
    X = one_d[2]
    t = nnca_1d.transform(X)
    np.testing.assert_allclose(t, X @ nnca_1d.components_.T, atol=1e-5)
    np.testing.assert_allclose(nnca_1d.expand(t), X @ nnca_1d.components_.T @ nnca_1d.components_, atol=1e-5)


@pytest.mark.parametrize("make", [lambda: Emulator((8,), **TINY), lambda: EDNN(2, (8,), (8,), **TINY),
                                  lambda: NNCA(2, (8,), **TINY)])
def test_save_load_round_trip(one_d, tmp_path, make):
    X, Y, X_test, *_ = one_d
    model = make().fit(X, Y)
    model.save(tmp_path / "model.pt")
    loaded = type(model).load(tmp_path / "model.pt")
    assert loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))
    assert loaded.n_epochs_ == model.n_epochs_
    other = EDNN if isinstance(model, NNCA) else NNCA
    with pytest.raises(ValueError, match="holds a"):
        other.load(tmp_path / "model.pt")


class _Planted:
    """An object whose unpickling would create a file: the code a tampered model file could carry."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _tampered_files(model, tmp_path):
    """(name, path) of model files that ``load`` must refuse: each a change to a good file."""
    good = tmp_path / "good.pt"
    model.save(good)
    payload = torch.load(good, weights_only=True)
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    code = tmp_path / "code.pt"
    torch.save(payload | {"params": _Planted(tmp_path / "ran.txt")}, code)
    reshaped = tmp_path / "reshaped.pt"
    state = {k: torch.cat([v, v]) for k, v in payload["state_dict"].items()}
    torch.save(payload | {"state_dict": state}, reshaped)
    keyless = tmp_path / "keyless.pt"
    torch.save({k: v for k, v in payload.items() if k != "history"}, keyless)
    not_a_dict = tmp_path / "list.pt"
    torch.save([1, 2], not_a_dict)
    return [("truncated", truncated, "not a model file"), ("code", code, "not a model file"),
            ("reshaped", reshaped, "does not rebuild"), ("keyless", keyless, "missing \\['history'\\]"),
            ("list", not_a_dict, "not a model file")]


def test_tampered_model_files_are_refused_with_the_file_named(one_d, tmp_path):
    X, Y, *_ = one_d
    model = Emulator((8,), **TINY).fit(X, Y)
    for _case, path, message in _tampered_files(model, tmp_path):
        with pytest.raises(ModelFileError, match=f"{path}.*{message}"):
            Emulator.load(path)
    assert not (tmp_path / "ran.txt").exists()  # the planted code never ran
    assert Emulator.load(tmp_path / "good.pt").n_epochs_ == model.n_epochs_


def test_a_failed_save_leaves_the_old_file_and_no_temporary(one_d, tmp_path, monkeypatch):
    X, Y, *_ = one_d
    model = Emulator((8,), **TINY).fit(X, Y)
    model.save(tmp_path / "model.pt")
    before = (tmp_path / "model.pt").read_bytes()

    def fail(payload, path):
        open(path, "wb").write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", fail)
    with pytest.raises(OSError, match="disk full"):
        model.save(tmp_path / "model.pt")
    assert (tmp_path / "model.pt").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt"]


def test_seeded_fits_are_deterministic(one_d):
    X, Y, X_test, *_ = one_d
    first, again = (Emulator((8,), **TINY, random_state=3).fit(X, Y) for _ in range(2))
    np.testing.assert_array_equal(first.predict(X_test), again.predict(X_test))
    other = Emulator((8,), **TINY, random_state=4).fit(X, Y)
    assert not np.allclose(first.predict(X_test), other.predict(X_test))


@pytest.mark.parametrize("make", [lambda: Emulator((8,), **dict(FAST, max_epochs=40)),
                                  lambda: EDNN(1, (8,), (8,), **dict(FAST, max_epochs=40)),
                                  lambda: NNCA(2, (8,), **dict(FAST, max_epochs=40))])
def test_fit_seeds_equals_one_fit_per_seed(one_d, make):
    X, Y, X_test, *_ = one_d
    model = make()
    together = model.fit_seeds(X, Y, [3, 4])
    for fitted, seed in zip(together, [3, 4]):
        alone = clone(model).set_params(random_state=seed).fit(X, Y)
        assert fitted.random_state == seed and fitted.n_epochs_ == alone.n_epochs_
        np.testing.assert_allclose(fitted.predict(X_test), alone.predict(X_test), atol=1e-4)
    assert not np.allclose(together[0].predict(X_test), together[1].predict(X_test), atol=1e-2)


def test_sklearn_conventions(one_d):
    X, Y, *_ = one_d
    model = NNCA(2, (8,), **TINY)
    assert clone(model).get_params() == model.get_params()
    assert model.set_params(n_components=1).n_components == 1
    fitted = Emulator((8,), **TINY).fit(X, Y[:, 0])  # a single target comes back 1-D
    assert fitted.predict(X).shape == (len(X),)


def test_bad_inputs_fail_clearly(one_d):
    X, Y, *_ = one_d
    model = Emulator((8,), **TINY)
    with pytest.raises(NotFittedError):
        model.predict(X)
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.fit(bad, Y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        model.fit(X, Y[:-1])
    model.fit(X, Y)
    with pytest.raises(ValueError, match="X has 5 features, but Emulator is expecting 6 features"):
        model.predict(X[:, :5])
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        model.predict(X[0])


@pytest.mark.parametrize("make, message", [
    (lambda: Emulator(hidden_layers=(8, 0)), r"'hidden_layers' parameter must be a sequence of positive integers"),
    (lambda: Emulator(hidden_layers=8), r"'hidden_layers' parameter of Emulator must be an array-like"),
    (lambda: EDNN(2, encoder_layers=(8,), decoder_layers=("wide",)), r"'decoder_layers' parameter must be"),
    (lambda: NNCA(n_components=0), r"'n_components' parameter of NNCA must be an int in the range \[1, inf\)"),
    (lambda: NNCA(n_components=7), r"n_components=7 must not exceed the number of features \(6\)"),
    (lambda: EDNN(n_components=7), r"n_components=7 must not exceed the number of features \(6\)"),
    (lambda: Emulator(learning_rate=0.0), r"'learning_rate' parameter of Emulator must be a float in the range "
                                          r"\(0.0, inf\)"),
    (lambda: Emulator(l2="none"), r"'l2' parameter of Emulator must be a float in the range \[0.0, inf\)"),
    (lambda: Emulator(max_epochs=0), r"'max_epochs' parameter of Emulator must be an int in the range"),
    (lambda: Emulator(validation_fraction=1.0), r"'validation_fraction' parameter of Emulator must be a float in "
                                                r"the range \[0.0, 1.0\)"),
])
def test_bad_parameters_are_named_errors_at_fit(one_d, make, message):
    X, Y, *_ = one_d
    model = make()  # constructing never fails (scikit-learn convention); fit validates
    with pytest.raises(ValueError, match=message):
        model.set_params(max_epochs=model.max_epochs).fit(X, Y)


def test_too_few_rows_for_a_validation_split_is_a_named_error(one_d):
    X, Y, *_ = one_d
    with pytest.raises(ValueError, match="validation_fraction=0.5 must be in \\[0, 1\\) and leave training and "
                                         "validation rows among 1 samples"):
        Emulator((8,), **dict(TINY, validation_fraction=0.5)).fit(X[:1], Y[:1])


def test_refits_train_with_the_configured_compile_and_tf32(one_d, monkeypatch):
    """The search's step settings reach the winner's refit too: make_estimator → estimator → trainer."""
    from xraylatent.engine.settings import TrainSettings
    from xraylatent.models import estimators
    from xraylatent.models.factory import make_estimator

    seen = {}

    def spy(*args, **options):
        seen.update(options)
        raise RuntimeError("stop after the call")

    monkeypatch.setattr(estimators, "train_stack", spy)
    settings = TrainSettings(max_epochs=3, device="cpu", compile=True, tf32=True)
    model = make_estimator("nnca", 1, {"depth": 1, "width": 8, "learning_rate": 0.01, "l2": 0.0}, settings)
    assert model.get_params()["compile"] is True and model.get_params()["tf32"] is True
    with pytest.raises(RuntimeError, match="stop after the call"):
        model.fit(*one_d[:2])
    assert seen["compile"] is True and seen["tf32"] is True

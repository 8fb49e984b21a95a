"""scikit-learn-style estimators over a stack of one network: Emulator (x → s), EDNN and NNCA (x → t → s).

``fit(X, Y)`` holds out ``validation_fraction`` of the rows (seeded) for early stopping and trains with
:func:`xraylatent.engine.train.train_stack` (loss convention there); ``score`` is the generalized R²
(docs/method.md §2). Parameters are validated at ``fit`` (``_parameter_constraints``), so a bad value is a
named error, not a torch traceback. ``save``/``load`` keep hyperparameters and weights in one torch file.
scikit-learn's estimator checks pass on all three (tests/test_sklearn_checks.py).
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin, TransformerMixin, _fit_context, clone
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_array, check_is_fitted, check_random_state, validate_data

from xraylatent.engine.nets import StackedEDNN, StackedMLP, StackedNNCA, member, member_generators, n_members
from xraylatent.engine.settings import TrainSettings
from xraylatent.engine.train import predict_stack, resolve_device, train_stack, validation_split
from xraylatent.io import atomic_path
from xraylatent.metrics import generalized_r2

TRAINING_CONSTRAINTS = {
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "l2": [Interval(Real, 0, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "max_epochs": [Interval(Integral, 1, None, closed="left")],
    "patience": [Interval(Integral, 1, None, closed="left")],
    "validation_fraction": [Interval(Real, 0, 1, closed="left")],
    "random_state": ["random_state"],
    "device": [str, torch.device],
    "compile": ["boolean"],
    "tf32": ["boolean"],
}
LAYERS = ["array-like"]  # a sequence of positive layer widths; checked by _check_layers
N_COMPONENTS = [Interval(Integral, 1, None, closed="left")]


def seed_of(random_state) -> int:
    """An integer seed from a scikit-learn ``random_state`` (an int is used as it is)."""
    if isinstance(random_state, Integral):
        return int(random_state)
    return int(check_random_state(random_state).randint(2**31 - 1))


def _check_layers(name: str, layers) -> tuple[int, ...]:
    widths = tuple(layers)
    if not all(isinstance(w, Integral) and not isinstance(w, bool) and w >= 1 for w in widths):
        raise ValueError(f"The '{name}' parameter must be a sequence of positive integers (layer widths), "
                         f"got {layers!r}")
    return widths


MODEL_FILE_KEYS = {"class", "params", "shape", "history", "state_dict"}


class ModelFileError(ValueError):
    """A model file is not one written by ``save`` (truncated, tampered, another class or shape)."""


class _NetEstimator(MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Shared fit/predict/save for the estimators below; subclasses define ``build_net``.

    Multi-output regressors to scikit-learn (tags): Y may have one column or many, or be 1-D.
    """

    def build_net(self, n_features: int, n_targets: int, generators) -> torch.nn.Module:
        """A fresh stack with one member per generator, shaped by this estimator's hyperparameters."""
        raise NotImplementedError

    _parameter_constraints = dict(TRAINING_CONSTRAINTS)

    def _set_training(self, learning_rate, l2, batch_size, max_epochs, patience, validation_fraction, random_state,
                      device, compile, tf32) -> None:
        """Store the training parameters every estimator's ``__init__`` takes (unchanged, under the argument
        names, as scikit-learn's ``get_params`` expects)."""
        self.learning_rate = learning_rate
        self.l2 = l2
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.device = device
        self.compile = compile
        self.tf32 = tf32

    def _settings(self) -> TrainSettings:
        return TrainSettings(batch_size=self.batch_size, max_epochs=self.max_epochs, patience=self.patience,
                             validation_fraction=self.validation_fraction, seed=seed_of(self.random_state),
                             device=self.device, compile=self.compile, tf32=self.tf32)

    def _check_hyperparameters(self, n_features: int) -> None:
        """Checks beyond ``_parameter_constraints``: layer widths, and what must fit the data's shape."""

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, Y):
        X, Y = self._check_fit_data(X, Y)
        return self._take_member(self._train_members(X, Y, [self._settings().seed]), 0)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_seeds(self, X, Y, seeds) -> list:
        """One fitted copy of this estimator per seed in ``seeds`` (``random_state`` set to it), trained
        together as members of one stack: each member has its own initial weights, validation rows and batch
        order, as ``clone(self).set_params(random_state=seed).fit(X, Y)`` would, at a fraction of the cost.
        Measures how much a fit depends on its seed alone (the R² table's ±)."""
        X, Y = self._check_fit_data(X, Y)
        result = self._train_members(X, Y, [int(seed) for seed in seeds])
        fitted = []
        for j, seed in enumerate(seeds):
            copy = clone(self).set_params(random_state=int(seed))
            copy.n_features_in_, copy.n_targets_, copy._single_target = (
                self.n_features_in_, self.n_targets_, self._single_target)
            fitted.append(copy._take_member(result, j))
        return fitted

    def _check_fit_data(self, X, Y) -> tuple[np.ndarray, np.ndarray]:
        """Validated X and 2-D Y (a 1-D Y is remembered, so that ``predict`` returns 1-D)."""
        X, Y = validate_data(self, X, Y, multi_output=True, y_numeric=True, dtype=np.float64)
        self._check_hyperparameters(X.shape[1])
        self._single_target = Y.ndim == 1
        Y = Y.reshape(len(Y), -1)
        self.n_targets_ = Y.shape[1]
        return X, Y

    def _train_members(self, X, Y, seeds: list[int]):
        """Train one member per seed (initial weights, validation rows and batch order from that seed)."""
        settings = self._settings()
        masks = [validation_split(len(X), settings.validation_fraction, seed) for seed in seeds]
        options = settings.trainer_options() | {"seed": seeds}
        return train_stack(self.build_net(X.shape[1], Y.shape[1], member_generators(seeds)), X, Y,
                           np.concatenate([train for train, _ in masks]), np.concatenate([val for _, val in masks]),
                           learning_rate=self.learning_rate, l2=self.l2, **options)

    def _take_member(self, result, j: int):
        """Make member ``j`` of a trained stack this estimator's network, with its history."""
        self.net_ = result.model if n_members(result.model) == 1 else member(result.model, j)
        self.n_epochs_ = int(result.epochs[j])
        self.best_loss_ = float(result.best_loss[j])
        self.loss_curve_ = result.train_loss[j]
        self.validation_loss_curve_ = result.val_loss[j]
        return self

    def _check_X(self, X) -> np.ndarray:
        check_is_fitted(self, "net_")
        return validate_data(self, X, reset=False, dtype=np.float64)

    def predict(self, X) -> np.ndarray:
        X = self._check_X(X)
        out = predict_stack(self.net_, X)[0].numpy().astype(np.float64)
        return out[:, 0] if self._single_target else out

    def score(self, X, y, sample_weight=None) -> float:
        """Generalized R² of ``predict(X)`` against y (sample weights are not supported)."""
        if sample_weight is not None:
            raise ValueError("sample_weight is not supported by the generalized R²")
        return generalized_r2(y, self.predict(X))

    def save(self, path) -> None:
        """Write hyperparameters, weights and training history to ``path`` (one torch file, atomically)."""
        check_is_fitted(self, "net_")
        payload = {
            "class": type(self).__name__,
            "params": self.get_params(),
            "shape": (self.n_features_in_, self.n_targets_, self._single_target),
            "history": (self.n_epochs_, self.best_loss_, self.loss_curve_.tolist(),
                        self.validation_loss_curve_.tolist()),
            "state_dict": {k: v.cpu() for k, v in self.net_.state_dict().items()},
        }
        with atomic_path(path) as tmp:
            torch.save(payload, tmp)

    @classmethod
    def load(cls, path):
        """Rebuild a model written by :meth:`save`, on the device its ``device`` parameter names.

        Only tensors and plain values are unpickled (``weights_only``), so a file cannot run code; a file
        that is not such a model (truncated, tampered, another class, weights of another shape) raises
        :class:`ModelFileError` naming it.
        """
        try:
            payload = torch.load(path, map_location="cpu", weights_only=True)
        except FileNotFoundError:
            raise
        except Exception as err:  # torch raises many kinds on a file it will not unpickle
            reason = str(err).strip().splitlines()[0][:200] if str(err).strip() else type(err).__name__
            raise ModelFileError(f"{path}: not a model file written by {cls.__name__}.save ({reason})") from err
        missing = sorted(MODEL_FILE_KEYS - set(payload)) if isinstance(payload, dict) else sorted(MODEL_FILE_KEYS)
        if missing:
            raise ModelFileError(f"{path}: not a model file written by {cls.__name__}.save (missing {missing})")
        if payload["class"] != cls.__name__:
            raise ModelFileError(f"{path} holds a {payload['class']}, not a {cls.__name__}")
        try:
            model = cls(**payload["params"])
            model._validate_params()
            model.n_features_in_, model.n_targets_, model._single_target = payload["shape"]
            model.n_epochs_, model.best_loss_, train_curve, val_curve = payload["history"]
            net = model.build_net(model.n_features_in_, model.n_targets_, member_generators([0]))
            net.load_state_dict(payload["state_dict"])
        except (TypeError, ValueError, RuntimeError) as err:
            raise ModelFileError(f"{path}: its {cls.__name__} does not rebuild ({type(err).__name__}: "
                                 f"{str(err).splitlines()[0][:200]})") from err
        model.loss_curve_, model.validation_loss_curve_ = np.array(train_curve), np.array(val_curve)
        model.net_ = net.to(resolve_device(model.device))
        return model


class Emulator(_NetEstimator):
    """Plain ReLU MLP x → s (ECA's emulator, docs/method.md §5); ``hidden_layers=()`` is a linear model."""

    _parameter_constraints = {**TRAINING_CONSTRAINTS, "hidden_layers": LAYERS}

    def __init__(self, hidden_layers=(64, 64), *, learning_rate=1e-3, l2=1e-5, batch_size=64, max_epochs=500,
                 patience=20, validation_fraction=0.1, random_state=0, device="auto", compile=False, tf32=False):
        self.hidden_layers = hidden_layers
        self._set_training(learning_rate, l2, batch_size, max_epochs, patience, validation_fraction, random_state,
                           device, compile, tf32)

    def _check_hyperparameters(self, n_features):
        _check_layers("hidden_layers", self.hidden_layers)

    def build_net(self, n_features, n_targets, generators):
        return StackedMLP([n_features, *self.hidden_layers, n_targets], generators)


class _LatentEstimator(TransformerMixin, _NetEstimator):
    """A model with a k-value bottleneck: ``transform`` gives the latent scores, ``decode`` maps them on.

    A regressor and a transformer at once, as scikit-learn's PLSRegression (``fit_transform(X, Y)`` too).
    """

    def _check_hyperparameters(self, n_features):
        if self.n_components > n_features:
            raise ValueError(f"n_components={self.n_components} must not exceed the number of features "
                             f"({n_features}): a bottleneck wider than the input explains nothing")

    def transform(self, X) -> np.ndarray:
        """Latent scores t (n×k)."""
        X = self._check_X(X)
        return predict_stack(self.net_.encode, X)[0].numpy().astype(np.float64)

    def decode(self, T) -> np.ndarray:
        """Predicted targets for latent scores T (n×k): the decoder alone (used to invert spectra, docs/method.md
        §9)."""
        check_is_fitted(self, "net_")
        T = check_array(T, dtype=np.float64)
        if T.shape[1] != self.n_components:
            raise ValueError(f"T has {T.shape[1]} columns, but the model has {self.n_components} components")
        out = predict_stack(self.net_.decode, T)[0].numpy().astype(np.float64)
        return out[:, 0] if self._single_target else out


class EDNN(_LatentEstimator):
    """Encoder–decoder network (docs/method.md §4); L2 on encoder and decoder weights."""

    _parameter_constraints = {**TRAINING_CONSTRAINTS, "n_components": N_COMPONENTS, "encoder_layers": LAYERS,
                              "decoder_layers": LAYERS}

    def __init__(self, n_components=1, encoder_layers=(64,), decoder_layers=(64,), *, learning_rate=1e-3,
                 l2=1e-5, batch_size=64, max_epochs=500, patience=20, validation_fraction=0.1, random_state=0,
                 device="auto", compile=False, tf32=False):
        self.n_components = n_components
        self.encoder_layers = encoder_layers
        self.decoder_layers = decoder_layers
        self._set_training(learning_rate, l2, batch_size, max_epochs, patience, validation_fraction, random_state,
                           device, compile, tf32)

    def _check_hyperparameters(self, n_features):
        super()._check_hyperparameters(n_features)
        _check_layers("encoder_layers", self.encoder_layers)
        _check_layers("decoder_layers", self.decoder_layers)

    def build_net(self, n_features, n_targets, generators):
        return StackedEDNN(n_features, n_targets, self.n_components, self.encoder_layers, self.decoder_layers,
                           generators)


class NNCA(_LatentEstimator):
    """Neural-network component analysis (docs/method.md §6): t = V x with orthonormal V, MLP decoder.

    L2 acts on the decoder weights only. ``components_`` (k×d) are the directions, like PCA's.
    """

    _parameter_constraints = {**TRAINING_CONSTRAINTS, "n_components": N_COMPONENTS, "decoder_layers": LAYERS}

    def __init__(self, n_components=1, decoder_layers=(64, 64), *, learning_rate=1e-3, l2=1e-5, batch_size=64,
                 max_epochs=500, patience=20, validation_fraction=0.1, random_state=0, device="auto",
                 compile=False, tf32=False):
        self.n_components = n_components
        self.decoder_layers = decoder_layers
        self._set_training(learning_rate, l2, batch_size, max_epochs, patience, validation_fraction, random_state,
                           device, compile, tf32)

    def _check_hyperparameters(self, n_features):
        super()._check_hyperparameters(n_features)
        _check_layers("decoder_layers", self.decoder_layers)

    def build_net(self, n_features, n_targets, generators):
        return StackedNNCA(n_features, n_targets, self.n_components, self.decoder_layers, generators)

    @property
    def components_(self) -> np.ndarray:
        check_is_fitted(self, "net_")
        with torch.no_grad():
            return self.net_.components()[0].cpu().numpy().astype(np.float64)

    def expand(self, T) -> np.ndarray:
        """Map latent scores back to feature space: x ≈ Vᵀ t, i.e. T @ components_."""
        return check_array(T, dtype=np.float64) @ self.components_

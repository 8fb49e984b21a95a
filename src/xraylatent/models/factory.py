"""The estimator of a search candidate: its family, k and hyperparameters, trained with the shared settings."""

from __future__ import annotations

from xraylatent.engine.settings import TrainSettings
from xraylatent.models.estimators import EDNN, NNCA, Emulator


def make_estimator(family: str, k: int | None, hyperparameters: dict, settings: TrainSettings):
    """The unfitted estimator of ``family`` with a candidate's hyperparameters (depth, width, learning_rate,
    l2). Every MLP part (emulator; EDNN encoder and decoder; NNCA decoder) gets ``depth`` layers of ``width``."""
    layers = (int(hyperparameters["width"]),) * int(hyperparameters["depth"])
    common = dict(learning_rate=float(hyperparameters["learning_rate"]), l2=float(hyperparameters["l2"]),
                  **settings.estimator_params())
    if family == "emulator":
        return Emulator(hidden_layers=layers, **common)
    if family == "ednn":
        return EDNN(n_components=k, encoder_layers=layers, decoder_layers=layers, **common)
    if family == "nnca":
        return NNCA(n_components=k, decoder_layers=layers, **common)
    raise ValueError(f"unknown model family '{family}', expected emulator, ednn or nnca")

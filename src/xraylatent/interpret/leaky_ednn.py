"""Inverting an EDNN (the study's negative result, docs/method.md §9): a Leaky-ReLU encoder of square layers.

Such an encoder is bijective up to its last layer (d → k), which is inverted by the pseudo-inverse (the
minimum-norm pre-image). Ill-conditioned layers amplify errors, so the condition number of every encoder
weight is reported with the reconstruction.
"""

from __future__ import annotations

import numpy as np
import torch

from xraylatent.engine.nets import StackedEDNN, StackedMLP, device_of, member_generators
from xraylatent.engine.settings import TrainSettings
from xraylatent.engine.train import train_stack, validation_split
from xraylatent.interpret.inverse import fit_latent


def leaky_ednn(n_features: int, n_targets: int, n_components: int, square_layers: int = 2,
               decoder_layers=(64,), negative_slope: float = 0.1, seed: int = 0) -> StackedEDNN:
    """An EDNN whose encoder is ``square_layers`` Leaky-ReLU layers d→d, then the linear bottleneck d→k."""
    generators = member_generators([seed])
    net = StackedEDNN(n_features, n_targets, n_components, (), decoder_layers, generators)
    net.encoder = StackedMLP([n_features] * (square_layers + 1) + [n_components], generators, negative_slope)
    return net


def train_leaky_ednn(X, Y, n_components: int, settings: TrainSettings, learning_rate: float,
                     **net_options) -> StackedEDNN:
    """Build :func:`leaky_ednn` (seeded by the settings; ``net_options`` are its shape) and train it on
    (X, Y) with the shared training settings."""
    net = leaky_ednn(X.shape[1], Y.shape[1], n_components, seed=settings.seed, **net_options)
    train_mask, val_mask = validation_split(len(X), settings.validation_fraction, settings.seed)
    return train_stack(net, X, Y, train_mask, val_mask, learning_rate=learning_rate,
                       **settings.trainer_options()).model


def condition_numbers(encoder: StackedMLP) -> np.ndarray:
    """2-norm condition number (largest / smallest singular value) of each encoder weight matrix."""
    with torch.no_grad():
        return np.array([float(torch.linalg.cond(layer.weight[0].double())) for layer in encoder.layers])


def invert_encoder(encoder: StackedMLP, T: np.ndarray) -> np.ndarray:
    """Pre-images x (n×d) of bottleneck values T (n×k), layer by layer from the last: pseudo-inverse of
    the d→k layer, then exact inverses of each square layer and of the Leaky ReLU."""
    with torch.no_grad():
        h = torch.as_tensor(T, dtype=torch.float64)
        for position, layer in enumerate(reversed(encoder.layers)):
            if position > 0:  # undo the activation that followed this layer
                h = torch.where(h >= 0, h, h / encoder.negative_slope)
            weight, bias = layer.weight[0].double().cpu(), layer.bias[0].double().cpu()
            h = (h - bias) @ torch.linalg.pinv(weight)
        return h.numpy()


def invert_leaky_ednn(net: StackedEDNN, targets, **options) -> tuple[np.ndarray, np.ndarray]:
    """Standardized x̂ from targets through the decoder (least squares) and the inverted encoder; also
    the residual per sample of the latent fit."""
    T, residual = fit_latent(net.decode, targets, net.decoder.layers[0].weight.shape[1], device_of(net), **options)
    return invert_encoder(net.encoder, T), residual

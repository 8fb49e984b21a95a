"""Structure from spectra (docs/method.md §9): fit the k latent values to target spectra, expand them back.

For standardized targets s*, the latent values t minimise ‖g(t) − s*‖², where g is the NNCA decoder or the
emulator after the expansion t ↦ Vᵀt (ECA). All samples and several random starts (plus one at the centre,
t = 0) run as one batch (:func:`~xraylatent.engine.multistart.minimize_from_starts`); the best start per
sample wins. The expansion x̂ = Vᵀt lies in span(V), so a feature with no weight in V comes back at its
train-set mean (0 standardized): the spectra say nothing about it.
"""

from __future__ import annotations

import numpy as np
import torch

from xraylatent.engine.multistart import minimize_from_starts
from xraylatent.engine.nets import device_of


def latent_starts(decode, targets, n_components: int, device, n_starts: int = 8, max_iter: int = 300,
                  learning_rate: float = 0.05, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Latent values fitted to each row of ``targets`` (n×m, standardized) from every start: (starts, n, k), and
    each start's mean squared residual (starts, n).

    ``decode`` maps a (starts, n, k) tensor to (starts, n, m). Starts are drawn from N(0, 1) (the spread of
    latent scores of z-scored features) with the first at t = 0.
    """
    y = torch.as_tensor(np.asarray(targets, dtype=np.float32), device=device)
    generator = torch.Generator().manual_seed(int(seed))
    starts = torch.randn(n_starts, len(y), n_components, generator=generator)
    starts[0] = 0.0

    def residual(t):
        return (decode(t) - y).square().mean(-1)  # (starts, n)

    return minimize_from_starts(residual, starts.to(device), max_iter, learning_rate)


def fit_latent(decode, targets, n_components: int, device, **options) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares latent values T (n×k) for each row of ``targets``: the best of :func:`latent_starts`, and
    the mean squared residual per sample of that start."""
    t, loss = latent_starts(decode, targets, n_components, device, **options)
    best = loss.argmin(0)
    rows = torch.arange(loss.shape[1], device=loss.device)
    return t[best, rows].cpu().double().numpy(), loss[best, rows].cpu().double().numpy()


def nnca_decoder(nnca):
    """g(t) of a fitted NNCA, as a torch function for :func:`fit_latent`; also returns its device."""
    return nnca.net_.decode, device_of(nnca.net_)


def eca_decoder(emulator, components: np.ndarray):
    """f(Vᵀt): the emulator after the expansion, as a torch function for :func:`fit_latent`."""
    device = device_of(emulator.net_)
    V = torch.as_tensor(components, dtype=torch.float32, device=device)
    return (lambda t: emulator.net_(t @ V)), device


def invert(decoder, components: np.ndarray, targets, **options) -> tuple[np.ndarray, np.ndarray]:
    """Standardized structures x̂ = Vᵀt (n×d) fitted to ``targets``, and the residual per sample."""
    decode, device = decoder
    T, residual = fit_latent(decode, targets, len(components), device, **options)
    return T @ components, residual


def feature_scores(X_true: np.ndarray, X_hat: np.ndarray, at_mean_tolerance: float = 0.1) -> dict:
    """Per-feature reconstruction R², RMS of x̂ (standardized) and whether x̂ stays at the mean (RMS below
    ``at_mean_tolerance``: the feature is spectrally irrelevant to the model)."""
    residual = np.sum((X_true - X_hat) ** 2, axis=0)
    total = np.sum((X_true - X_true.mean(axis=0)) ** 2, axis=0)
    rms = np.sqrt(np.mean(X_hat**2, axis=0))
    return {"r2": 1.0 - residual / total, "rms": rms, "at_mean": rms < at_mean_tolerance}

"""Generalized R² (docs/method.md §2): covered target variance over all channels at once."""

from __future__ import annotations

import numpy as np


def generalized_r2(y_true, y_pred) -> float:
    """Return 1 − tr(ẼᵀẼ) / tr(S_cᵀS_c) for targets ``y_true`` and predictions ``y_pred``.

    Both are (n_samples, n_channels) or (n_samples,). The numerator is the total squared error over
    every channel; the denominator the total variance around the column means. 1 is perfect, 0 is
    predicting the mean, negative is worse than the mean.
    """
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    if y_true.ndim == 1:
        y_true = y_true[:, None]
    if y_pred.ndim == 1:
        y_pred = y_pred[:, None]
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}")
    if y_true.shape[0] < 2:
        raise ValueError(f"generalized R² needs at least 2 samples, got {y_true.shape[0]}")
    residual = np.sum((y_true - y_pred) ** 2)
    total = np.sum((y_true - y_true.mean(axis=0)) ** 2)
    if total == 0.0:
        raise ValueError("generalized R² is undefined: the targets have zero variance")
    return float(1.0 - residual / total)

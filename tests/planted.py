"""Test data with a planted answer: targets depend on the features only through x·B, B orthonormal (d×k)."""

import numpy as np


def planted(n_components: int, n_samples: int = 800, n_features: int = 6, seed: int = 0):
    """Return X (n×d, standard normal), Y (n×m, smooth nonlinear channels of Z = X B) and B (d×k)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    basis = np.linalg.qr(rng.normal(size=(n_features, n_components)))[0]
    Z = X @ basis
    bumps = [np.exp(-((Z - centre) ** 2) / 0.5) for centre in (-1.0, 1.0)]
    return X, np.hstack([*bumps, np.sin(Z), np.tanh(Z.sum(1))[:, None]]), basis

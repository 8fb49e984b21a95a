"""Gaussian line shapes: stick spectra broadened onto an energy grid."""

from __future__ import annotations

import numpy as np

FWHM_TO_SIGMA = 1.0 / (2.0 * np.sqrt(2.0 * np.log(2.0)))


def gaussian(energy, center, fwhm):
    """Unit-height Gaussian at ``center`` with full width ``fwhm``; all arguments broadcast."""
    sigma = np.asarray(fwhm, dtype=float) * FWHM_TO_SIGMA
    return np.exp(-0.5 * ((np.asarray(energy) - center) / sigma) ** 2)


def broaden_sticks(grid, energies, intensities, fwhm) -> np.ndarray:
    """Sum of area-normalised Gaussians (FWHM ``fwhm`` eV) at ``energies`` with weights ``intensities``."""
    energies = np.asarray(energies, dtype=float)
    intensities = np.asarray(intensities, dtype=float)
    sigma = fwhm * FWHM_TO_SIGMA
    profile = gaussian(np.asarray(grid)[:, None], energies, fwhm) / (sigma * np.sqrt(2.0 * np.pi))
    return profile @ intensities

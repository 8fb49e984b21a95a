"""Spectra on energy grids: grid construction, Gaussian line shapes, broadening and interpolation."""

from __future__ import annotations

import numpy as np

FWHM_TO_SIGMA = 1.0 / (2.0 * np.sqrt(2.0 * np.log(2.0)))


def energy_grid(start: float, stop: float, step: float) -> np.ndarray:
    """Grid from ``start`` to ``stop`` (both included when ``stop − start`` is a multiple of ``step``)."""
    n = int(np.floor((stop - start) / step + 1e-9)) + 1
    return np.round(start + step * np.arange(n), 9)


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


def broaden(energy: np.ndarray, spectra: np.ndarray, fwhm: float) -> np.ndarray:
    """Convolve each spectrum (rows) with a normalised Gaussian of ``fwhm`` eV on its own energy axis."""
    if fwhm <= 0:
        return spectra
    sigma = fwhm * FWHM_TO_SIGMA
    kernel = np.exp(-0.5 * ((energy[:, None] - energy[None, :]) / sigma) ** 2)
    kernel /= kernel.sum(axis=0, keepdims=True)
    return spectra @ kernel


def spectrum_on_grid(energy, spectra, grid, fwhm: float = 0.0, name: str = "spectrum") -> np.ndarray:
    """Spectra (n, E) on ``energy`` → (n, G) on ``grid``, broadened first; never extrapolates."""
    energy, spectra, grid = np.asarray(energy, float), np.asarray(spectra, float), np.asarray(grid, float)
    if np.any(np.diff(energy) <= 0):
        raise ValueError(f"{name}: energies must increase strictly")
    tol = 1e-6 * max(1.0, abs(energy[-1]))
    if grid[0] < energy[0] - tol or grid[-1] > energy[-1] + tol:
        raise ValueError(
            f"{name}: requested grid {grid[0]:g}–{grid[-1]:g} eV is not covered by the data's "
            f"energies {energy[0]:g}–{energy[-1]:g} eV (no extrapolation)"
        )
    broadened = broaden(energy, spectra, fwhm)
    grid = np.clip(grid, energy[0], energy[-1])
    index = np.clip(np.searchsorted(energy, grid, side="right") - 1, 0, len(energy) - 2)
    weight = (grid - energy[index]) / (energy[index + 1] - energy[index])
    return broadened[:, index] * (1 - weight) + broadened[:, index + 1] * weight

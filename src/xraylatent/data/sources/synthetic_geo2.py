"""Synthetic Ge-centred GeO2 clusters at pressure with a two-line Kβ-like emission spectrum.

A test and demo fixture, named as synthetic everywhere. Structures follow the parametric trends of
docs/physics.md (coordination rising from 4 toward 6 with pressure, Ge–O bonds lengthening with coordination
and shrinking with pressure, a Ge–O–Ge angle closing with pressure), and the spectrum's two lines depend
on known structural quantities stored per sample:
- Kβ'' (O 2s-like) intensity relative to Kβ2 falls linearly with the mean Ge–O distance;
- Kβ2 (O 2p-like) width and asymmetry grow with coordination; its position follows the mean Ge–Ge
  distance of the four nearest Ge.
Every cluster has the same 19 atoms: the central Ge (index 0, at the origin), 12 O (first shell, then
second shell) and 6 Ge (one bonded through each first-shell O, then farther ones).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from xraylatent.data.sources.geo2_geometry import BOND_BY_CN, POLYHEDRA, mean_coordination, unit
from xraylatent.spectra import energy_grid, gaussian

N_O, N_GE = 12, 6
NUMBERS = np.array([32] + [8] * N_O + [32] * N_GE)
GRID = energy_grid(11075.0, 11112.0, 0.1)


def _random_rotation(rng):
    q, r = np.linalg.qr(rng.standard_normal((3, 3)))
    return q * np.sign(np.diag(r))


def _perpendicular(v, rng):
    """A random unit vector perpendicular to unit vector ``v``."""
    w = rng.standard_normal(3)
    w -= (w @ v) * v
    return w / np.linalg.norm(w)


def build_cluster(pressure: float, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Positions (19, 3) in Å of one cluster at ``pressure`` GPa, and its coordination number."""
    c = mean_coordination(pressure)
    cn = int(min(6, np.floor(c) + (rng.random() < c - np.floor(c))))
    directions = unit(POLYHEDRA[cn] @ _random_rotation(rng).T + 0.08 * rng.standard_normal((cn, 3)))
    bonds = BOND_BY_CN[cn] - 0.0008 * pressure + 0.04 * rng.standard_normal(cn)
    first_o = directions * bonds[:, None]

    bridge = np.deg2rad(130.0 - 0.2 * pressure + 5.0 * rng.standard_normal(cn))
    bonded_ge = np.empty((cn, 3))
    for i in range(cn):  # Ge across each bridging O, at the Ge–O–Ge angle from the centre
        back = -directions[i]
        side = _perpendicular(back, rng)
        bonded_ge[i] = first_o[i] + bonds[i] * (np.cos(bridge[i]) * back + np.sin(bridge[i]) * side)

    far_o = unit(rng.standard_normal((N_O - cn, 3))) * rng.uniform(3.0, 3.8, (N_O - cn, 1))
    far_o *= 1.0 - 0.001 * pressure
    far_ge = unit(rng.standard_normal((N_GE - cn, 3))) * rng.uniform(3.4, 3.8, (N_GE - cn, 1))
    positions = np.vstack([np.zeros((1, 3)), first_o, far_o, bonded_ge, far_ge])
    return positions, cn


def structural_quantities(positions: np.ndarray, cn: int) -> tuple[float, float]:
    """Mean Ge–O bond length over the first shell and mean distance to the four nearest Ge (Å)."""
    r = np.linalg.norm(positions, axis=1)
    ge = np.sort(r[1 + N_O:])[:4]
    return float(r[1:1 + cn].mean()), float(ge.mean())


def kbeta_spectrum(ge_o: float, ge_ge: float, cn: int) -> np.ndarray:
    """A two-line Kβ-like spectrum on :data:`GRID` from the planted structural quantities."""
    ratio = 0.21 - 0.47 * (ge_o - 1.70)
    pp_centre = 11087.0 + 4.0 * (ge_o - 1.78)
    kb2_centre = 11100.5 + 2.0 * (ge_ge - 3.1)
    kb2_fwhm = 2.2 + 0.5 * (cn - 4)
    shoulder = 0.25 + 0.12 * (cn - 4)
    lines = gaussian(GRID[:, None], np.array([pp_centre, kb2_centre, kb2_centre + 2.0]), np.array([3.0, kb2_fwhm, 2.5]))
    return lines @ np.array([ratio * (1 + shoulder), 1.0, shoulder])


def generate(pressures=(0, 12, 24, 36, 48, 60, 72, 84, 96, 108, 120), per_pressure: int = 100,
             seed: int = 0, noise: float = 0.002) -> xr.Dataset:
    """A raw data set (the raw.nc layout of docs/architecture.md): ``per_pressure`` clusters at each pressure in GPa."""
    rng = np.random.default_rng(seed)
    pressure = np.repeat(np.asarray(pressures, dtype=float), per_pressure)
    n = len(pressure)
    positions = np.empty((n, len(NUMBERS), 3))
    cn, ge_o, ge_ge = np.empty(n, int), np.empty(n), np.empty(n)
    spectra = np.empty((n, len(GRID)))
    for i, p in enumerate(pressure):
        positions[i], cn[i] = build_cluster(p, rng)
        ge_o[i], ge_ge[i] = structural_quantities(positions[i], cn[i])
        spectra[i] = kbeta_spectrum(ge_o[i], ge_ge[i], cn[i])
    spectra += noise * spectra.max() * rng.standard_normal(spectra.shape)
    return xr.Dataset(
        {
            "positions": (("sample", "atom", "xyz"), positions, {"units": "angstrom"}),
            "numbers": (("atom",), NUMBERS),
            "sample_id": (("sample",), np.array([f"geo2_{i:06d}" for i in range(n)])),
            "pressure": (("sample",), pressure, {"units": "GPa"}),
            "coordination": (("sample",), cn, {"description": "planted: Ge coordination number"}),
            "mean_ge_o": (("sample",), ge_o, {"units": "angstrom", "description": "planted: mean Ge–O bond"}),
            "mean_ge_ge": (("sample",), ge_ge,
                           {"units": "angstrom", "description": "planted: mean distance to 4 nearest Ge"}),
            "spectrum_kbeta": (("sample", "energy_kbeta"), spectra, {"units": "arb. units"}),
            "energy_kbeta": (("energy_kbeta",), GRID, {"units": "eV"}),
        },
        coords={"sample": np.arange(n)},
        attrs={"description": "synthetic GeO2 (fixture): Kβ-like lines from planted structural quantities"},
    )

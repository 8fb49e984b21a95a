"""Synthetic H2O: hot-molecule-like geometries with three spectrum kinds of planted dependence.

A test and demo fixture, named as synthetic everywhere. Each spectrum depends on the internal
coordinates x = (α [deg], b_long [Å], b_short [Å]) only through a few known linear combinations a·x,
stored as ``planted_<kind>(direction_<kind>, feature)`` so that tests can check recovered directions:
- ``xps``: one peak whose position is linear in one combination (one-dimensional, like XPS);
- ``xes``: three peaks driven by the angle and the symmetric stretch (two directions);
- ``xas``: a pre-edge peak that moves nonlinearly with the symmetric and antisymmetric stretch.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from xraylatent.spectra import energy_grid, gaussian

FEATURES = ["alpha", "b_long", "b_short"]
GRIDS = {  # eV: (start, stop, step)
    "xes": (515.0, 530.0, 0.1),
    "xas": (530.0, 545.0, 0.1),
    "xps": (536.0, 542.0, 0.05),
}
# Planted combinations in physical units (per degree, per Å).
ANGLE = np.array([1 / 20.0, 0.0, 0.0])
STRETCH = np.array([0.0, 1 / 0.2, 1 / 0.2])
ASYMMETRY = np.array([0.0, 1 / 0.15, -1 / 0.15])
XPS_DIRECTION = -0.6 * ANGLE - 0.1 * STRETCH
CENTRE = np.array([104.0, 1.05, 1.05])


def sample_geometries(n: int, rng: np.random.Generator) -> np.ndarray:
    """Angle (deg) and two O–H bonds (Å) spread like a molecule at several thousand kelvin."""
    alpha = np.clip(rng.normal(104.0, 20.0, n), 50.0, 170.0)
    bonds = np.clip(rng.normal(1.05, 0.12, (n, 2)), 0.8, 1.6)
    return np.column_stack([alpha, bonds])


def build_positions(alpha_deg: np.ndarray, bond1: np.ndarray, bond2: np.ndarray) -> np.ndarray:
    """Cartesian positions (O, H, H) in Å with O at the origin and the molecule in the xy plane."""
    angle = np.deg2rad(alpha_deg)
    positions = np.zeros((len(angle), 3, 3))
    positions[:, 1, 0] = bond1
    positions[:, 2, 0] = bond2 * np.cos(angle)
    positions[:, 2, 1] = bond2 * np.sin(angle)
    return positions


def internal_coordinates(geometries: np.ndarray) -> np.ndarray:
    """(α, b_long, b_short) from (α, b1, b2)."""
    bonds = np.sort(geometries[:, 1:], axis=1)[:, ::-1]
    return np.column_stack([geometries[:, 0], bonds])


def _energy_grid(kind: str) -> np.ndarray:
    return energy_grid(*GRIDS[kind])


def spectra(x: np.ndarray) -> dict[str, np.ndarray]:
    """Noise-free spectra (n, energy) of each kind for internal coordinates ``x`` (n, 3)."""
    dx = x - CENTRE
    p_angle, p_stretch, p_asym = dx @ ANGLE, dx @ STRETCH, dx @ ASYMMETRY
    p_xps = dx @ XPS_DIRECTION

    xps = gaussian(_energy_grid("xps")[None, :], (539.0 + p_xps)[:, None], 0.4)

    grid = _energy_grid("xes")
    centres = np.column_stack([526.0 - 0.3 * p_stretch, 524.4 + 0.5 * p_angle, 521.0 - 0.4 * p_stretch])
    ones = np.ones_like(p_angle)
    heights = np.column_stack([ones, 0.6 - 0.2 * np.tanh(p_angle), 0.3 * ones])
    xes = np.einsum("nel,nl->ne", gaussian(grid[None, :, None], centres[:, None, :], [0.8, 0.8, 1.2]), heights)

    grid = _energy_grid("xas")
    pre_edge = 534.4 - 1.5 * np.tanh(0.8 * p_stretch + 0.6 * p_asym)
    centres = np.column_stack([pre_edge, 536.4 - 0.5 * p_stretch, 540.0 * ones])
    heights = np.column_stack([0.5 + 0.3 / (1 + np.exp(-p_asym)), 0.7 * ones, 0.4 * ones])
    xas = np.einsum("nel,nl->ne", gaussian(grid[None, :, None], centres[:, None, :], [0.8, 1.0, 3.0]), heights)
    return {"xes": xes, "xas": xas, "xps": xps}


PLANTED = {
    "xps": np.array([XPS_DIRECTION]),
    "xes": np.array([ANGLE, STRETCH]),
    "xas": np.array([STRETCH, ASYMMETRY]),
}


def generate(n_samples: int = 2000, seed: int = 0, noise: float = 0.002) -> xr.Dataset:
    """A raw data set (the raw.nc layout of docs/architecture.md) of ``n_samples`` synthetic molecules."""
    rng = np.random.default_rng(seed)
    geometries = sample_geometries(n_samples, rng)
    positions = build_positions(*geometries.T)
    x = internal_coordinates(geometries)
    ds = xr.Dataset(
        {
            "positions": (("sample", "atom", "xyz"), positions, {"units": "angstrom"}),
            "numbers": (("atom",), np.array([8, 1, 1])),
            "sample_id": (("sample",), np.array([f"h2o_{i:06d}" for i in range(n_samples)])),
        },
        coords={"sample": np.arange(n_samples), "feature": FEATURES},
    )
    for kind, values in spectra(x).items():
        values = values + noise * values.max() * rng.standard_normal(values.shape)
        ds[f"spectrum_{kind}"] = (("sample", f"energy_{kind}"), values, {"units": "arb. units"})
        ds[f"energy_{kind}"] = (f"energy_{kind}", _energy_grid(kind), {"units": "eV"})
        ds[f"planted_{kind}"] = (
            (f"direction_{kind}", "feature"),
            PLANTED[kind],
            {"description": f"spectrum_{kind} depends on x=(alpha, b_long, b_short) only through a·x"},
        )
    ds.attrs["description"] = "synthetic H2O (fixture): spectra from planted functions of internal coordinates"
    return ds

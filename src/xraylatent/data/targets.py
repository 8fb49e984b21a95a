"""Spectra → targets (docs/method.md §3): spectra on the configured grid, or line moments of emission lines."""

from __future__ import annotations

import numpy as np
import xarray as xr

from xraylatent.spectra import broaden, energy_grid, spectrum_on_grid

MOMENTS = ("mean", "std", "skewness", "kurtosis")
MOMENT_UNITS = {"mean": "eV", "std": "eV", "skewness": "1", "kurtosis": "1"}
EMPTY_WINDOW = 1e-6  # a window holding less than this fraction of a spectrum's intensity counts as empty


def line_moments(energy, spectra, windows: dict) -> tuple[np.ndarray, list[str], list[str]]:
    """Mean, std, skewness and excess kurtosis of the intensity in each window (docs/method.md §3).

    Weights are w_i = I_i / Σ I over the window; negative intensities (noise) count as zero. Returns the
    (n, 4·windows) moments, their names (``<line>_<moment>``) and units. A window holding less than
    :data:`EMPTY_WINDOW` of a sample's intensity is an error naming the window and the sample.
    """
    energy, spectra = np.asarray(energy, float), np.asarray(spectra, float)
    columns, names, units = [], [], []
    for line, (low, high) in windows.items():
        inside = (energy >= low) & (energy <= high)
        if not inside.any():
            raise ValueError(f"window '{line}' [{low}, {high}] eV contains no grid point")
        e = energy[inside]
        weights = np.clip(spectra[:, inside], 0.0, None)
        total = weights.sum(axis=1, keepdims=True)
        empty = np.flatnonzero(total[:, 0] <= EMPTY_WINDOW * np.clip(spectra, 0.0, None).sum(axis=1))
        if len(empty):
            raise ValueError(f"window '{line}' [{low}, {high}] eV has no intensity in sample {empty[0]}"
                             f" ({len(empty)} sample(s) in all)")
        weights = weights / total
        mean = weights @ e
        centred = e[None, :] - mean[:, None]
        std = np.sqrt(np.sum(weights * centred**2, axis=1))
        skewness = np.sum(weights * centred**3, axis=1) / std**3
        kurtosis = np.sum(weights * centred**4, axis=1) / std**4 - 3.0
        columns += [mean, std, skewness, kurtosis]
        names += [f"{line}_{m}" for m in MOMENTS]
        units += [MOMENT_UNITS[m] for m in MOMENTS]
    return np.column_stack(columns), names, units


def build_targets(raw: xr.Dataset, type: str, kind: str, **options) -> xr.Dataset:
    """The ``targets/{target}.nc`` layout, ``Y(sample, channel)``, from spectrum kind ``kind`` of ``raw``.

    ``type`` is ``spectrum`` (options ``grid`` {start, stop, step} or ``"native"``) or ``moments`` (option
    ``windows`` {line: [low, high]}), as in the config schema. Both take ``broadening_fwhm``: a Gaussian
    convolution of the raw spectra first (a core-hole lifetime, an instrument), kept in the attrs.
    """
    if f"spectrum_{kind}" not in raw:
        raise ValueError(f"raw data have no spectrum kind '{kind}' (variable spectrum_{kind})")
    energy = raw[f"energy_{kind}"].values
    fwhm = options.get("broadening_fwhm", 0.0)
    spectra = broaden(energy, raw[f"spectrum_{kind}"].values, fwhm)
    if type == "spectrum":
        if options["grid"] == "native":  # the data's own energies, however spaced: no interpolation
            grid, values = energy, spectra
        else:
            grid = energy_grid(**options["grid"])
            values = spectrum_on_grid(energy, spectra, grid, name=f"spectrum_{kind}")
        channel = xr.DataArray(grid, dims="channel", attrs={"units": "eV"})
        units = raw[f"spectrum_{kind}"].attrs.get("units", "arb. units")
        channel_units = np.full(len(grid), units)
    elif type == "moments":
        values, names, channel_units = line_moments(energy, spectra, options["windows"])
        channel = xr.DataArray(names, dims="channel")
        units = "per channel (channel_units)"
    else:
        raise ValueError(f"unknown target type '{type}', expected 'spectrum' or 'moments'")
    return xr.Dataset(
        {"Y": (("sample", "channel"), values, {"units": units}),
         "channel_units": (("channel",), np.asarray(channel_units))},
        coords={"sample": raw["sample"], "channel": channel},
        attrs={"target_type": type, "spectrum_kind": kind, "broadening_fwhm_ev": fwhm},
    )

"""Measured spectra in (issue 17, docs/method.md §12): read one file, normalise it, shift it onto the simulation's
energy scale, turn it into the target's channels, and read structure back from it with every inverted model.

The measured spectrum goes through the same target engineering as the simulated ones: it is interpolated onto the
raw energy axis of its spectrum kind and handed to :func:`~xraylatent.data.targets.build_targets`, so a spectrum
target gets the same grid and moments the same windows. The target's broadening is not applied again (a measured
spectrum is broadened by nature). Its uncertainty is the spread of the structures of the multi-start fits that fit
the spectrum about as well as the best one (a flat or multi-modal inverse gives a wide spread), and, for ECA, the
spread over the bootstrap's resampled directions.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
import xarray as xr

from xraylatent.data.prepare import scalers
from xraylatent.data.sources import code_formats, readers
from xraylatent.data.sources.ingest import check_spectrum, normalized
from xraylatent.data.sources.readers import IngestError, Spectrum
from xraylatent.data.targets import build_targets
from xraylatent.interpret.inverse import latent_starts

SHIFT_STEPS = 10  # candidate shifts per grid step of the raw energy axis, for the automatic shift
NEAR_BEST = 0.1  # a start whose residual is within 10 % of the best one fits the spectrum as well
NEGATIVE_TOLERANCE = 0.05  # measured spectra are noisy: below −5 % of the peak is an error, above it noise


def read_measured(spec: Mapping) -> Spectrum:
    """The measured spectrum of one ``measured`` config block, checked like an ingested one."""
    fmt, path = spec.get("format", "text"), Path(spec["path"])
    if not path.is_file():
        raise IngestError(f"{path}: measured spectrum file not found")
    if fmt == "text":
        spectrum = readers.read_text_spectrum(path, spec.get("energy_column", 0), spec.get("column", 1))
    elif fmt in code_formats.PATTERNS:
        spectrum = code_formats.file_reader(spec)(path)
    else:
        known = ", ".join(["text", *code_formats.PATTERNS])
        raise IngestError(f"{path}: unknown measured spectrum format {fmt!r} (expected one of {known})")
    check_spectrum(spectrum, spec.get("negative_tolerance", NEGATIVE_TOLERANCE))
    return spectrum


def fit_shift(energy, intensity, reference_energy, reference, max_shift: float) -> float:
    """The shift (eV, added to ``energy``) in [−max_shift, max_shift] that best aligns the spectrum with the
    ``reference`` (the mean simulated spectrum on ``reference_energy``): the largest Pearson correlation over the
    reference points the shifted spectrum covers, on steps of a tenth of the reference's grid step."""
    step = float(np.median(np.diff(reference_energy))) / SHIFT_STEPS
    shifts = np.arange(-max_shift, max_shift + step / 2, step)
    scores = np.full(len(shifts), -np.inf)
    for i, shift in enumerate(shifts):
        covered = (reference_energy >= energy[0] + shift) & (reference_energy <= energy[-1] + shift)
        if covered.sum() < 3:
            continue
        moved = np.interp(reference_energy[covered], energy + shift, intensity)
        scores[i] = np.corrcoef(moved, reference[covered])[0, 1]
    if not np.isfinite(scores).any():
        raise IngestError(f"no shift within ±{max_shift:g} eV makes the measured spectrum ({energy[0]:g}–"
                          f"{energy[-1]:g} eV) overlap the simulated axis ({reference_energy[0]:g}–"
                          f"{reference_energy[-1]:g} eV)")
    return float(shifts[np.nanargmax(scores)])


def measured_targets(spec: Mapping, raw: xr.Dataset, target: Mapping) -> tuple[np.ndarray, float, Spectrum]:
    """Target channels (m,) of the measured spectrum of ``spec``, in the target's units, the energy shift
    applied (eV), and the normalised spectrum as read (before the shift)."""
    spectrum = normalized(read_measured(spec), spec.get("normalize"))
    kind = target["kind"]
    axis = raw[f"energy_{kind}"].values
    shift = spec.get("shift", 0.0)
    if shift == "auto":
        reference = raw[f"spectrum_{kind}"].mean("sample").values
        shift = fit_shift(spectrum.energy, spectrum.intensity, axis, reference, spec.get("max_shift", 5.0))
    energy = spectrum.energy + shift
    covered = (axis >= energy[0]) & (axis <= energy[-1])
    on_axis = np.where(covered, np.interp(axis, energy, spectrum.intensity), 0.0)
    one = xr.Dataset({f"spectrum_{kind}": (("sample", f"energy_{kind}"), on_axis[None])},
                     coords={"sample": [0], f"energy_{kind}": axis})
    low, high = target_range(target, axis)
    if energy[0] > low or energy[-1] < high:
        raise IngestError(f"{spectrum.origin}: after a shift of {shift:+g} eV the measured spectrum covers "
                          f"{energy[0]:g}–{energy[-1]:g} eV, but the target needs {low:g}–{high:g} eV")
    options = {key: value for key, value in target.items() if key not in ("type", "kind", "broadening_fwhm")}
    return build_targets(one, target["type"], kind, **options)["Y"].values[0], float(shift), spectrum


def target_range(target: Mapping, axis: np.ndarray) -> tuple[float, float]:
    """The energies (eV) a target reads: its grid (``native``: the raw energy ``axis``), or the span of its
    moment windows."""
    if target["type"] == "spectrum":
        grid = target["grid"]
        return (axis[0], axis[-1]) if grid == "native" else (grid["start"], grid["stop"])
    bounds = np.array(list(target["windows"].values()), dtype=float)
    return float(bounds.min()), float(bounds.max())


def invert_with_spread(decode, components: np.ndarray, targets: np.ndarray, device,
                       **options) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standardized structures x̂ = Vᵀt (n×d) of the best start, the standard deviation of x̂ over the starts
    whose residual is within :data:`NEAR_BEST` of the best one (n×d; zero when only the best fits), and the best
    residual per sample."""
    t, loss = latent_starts(decode, targets, len(components), device, **options)
    t, loss = t.cpu().double().numpy(), loss.cpu().double().numpy()
    best = loss.argmin(0)
    rows = np.arange(loss.shape[1])
    X = t @ components  # (starts, n, d)
    near = loss <= loss[best, rows] * (1 + NEAR_BEST) + 1e-12
    spread = np.sqrt(np.sum(near[..., None] * (X - X[best, rows]) ** 2, axis=0) / near.sum(0)[:, None])
    return X[best, rows], spread, loss[best, rows]


def implied_targets(decode, X_hat: np.ndarray, components: np.ndarray, device) -> np.ndarray:
    """Standardized targets g(t) the reconstruction implies, t = V x̂ (V has orthonormal rows)."""
    t = torch.as_tensor(X_hat @ components.T, dtype=torch.float32, device=device)[None]
    with torch.no_grad():
        return decode(t)[0].cpu().double().numpy()


def measured_dataset(prepared: xr.Dataset, names: list[str], Y: np.ndarray, shifts: list[float],
                     inverters: dict, bootstrap_spread: dict | None = None, determined: dict | None = None,
                     **options) -> xr.Dataset:
    """Structures read back from measured target rows ``Y`` (n×m, target units) by every inverter.

    ``inverters`` map a model name (``nnca_k1``, ``eca_k2``) to (decode, V, device); ``bootstrap_spread`` map a
    model to the standardized spread (n×d) over resampled directions; ``determined`` to the bootstrap's 0/1 flags
    per feature. ``options`` go to the latent fit.
    """
    x_scaler, y_scaler = scalers(prepared)
    Y_std = y_scaler.transform(Y)
    models = list(inverters)
    hats, spreads, residuals, implied, flags, boot = [], [], [], [], [], []
    n_features = prepared.sizes["feature"]
    for model in models:
        decode, V, device = inverters[model]
        X_hat, spread, residual = invert_with_spread(decode, V, Y_std, device, **options)
        hats.append(x_scaler.inverse(X_hat))
        spreads.append(spread * x_scaler.scale)
        residuals.append(residual)
        implied.append(y_scaler.inverse(implied_targets(decode, X_hat, V, device)))
        boot.append((bootstrap_spread or {}).get(model, np.full_like(X_hat, np.nan)) * x_scaler.scale)
        flags.append((determined or {}).get(model, np.full(n_features, -1)))
    features = prepared["feature"]
    units = prepared["feature_units"].values if "feature_units" in prepared else np.full(n_features, "")
    return xr.Dataset(
        {
            "y_measured": (("measured", "channel"), Y, {"description": "measured target channels after shift"}),
            "y_implied": (("model", "measured", "channel"), np.stack(implied),
                          {"description": "targets the reconstructed structure implies through the model"}),
            "x_hat": (("model", "measured", "feature"), np.stack(hats),
                      {"description": "structure read back from the measured spectrum (physical units)"}),
            "x_spread_starts": (("model", "measured", "feature"), np.stack(spreads),
                                {"description": "std of x̂ over the fits within 10 % of the best residual"}),
            "x_spread_bootstrap": (("model", "measured", "feature"), np.stack(boot),
                                   {"description": "std of x̂ over the bootstrap's resampled directions (ECA); "
                                                   "NaN where there is none"}),
            "residual": (("model", "measured"), np.stack(residuals),
                         {"description": "mean squared standardized residual of the best fit", "units": "1"}),
            "determined": (("model", "feature"), np.stack(flags),
                           {"description": "1 determined, 0 not determined by the spectrum, -1 no bootstrap"}),
            "shift": (("measured",), np.asarray(shifts), {"units": "eV", "description": "energy shift applied"}),
            "feature_units": (("feature",), units),
        },
        coords={"model": models, "measured": names, "feature": features, "channel": prepared["channel"]},
    )

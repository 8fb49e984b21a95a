"""Normalisation of one spectrum on its own energy axis (the ``normalize`` option of a spectrum kind).

Spectra from different files, codes or beamtimes differ by an arbitrary scale (counts, Mbarn, oscillator
strength per eV, absorption lengths); the models should see shape, not that scale. Each spectrum is normalised
**on its own energy axis, before it is put on a grid**: the area or edge step is then that of the data as
read, over the range the spectrum covers, and does not change with the grid a config picks (a coarser or
narrower grid would otherwise change every spectrum's scale).

- ``none``: unchanged.
- ``area``: divided by its trapezoid integral over its own energy range (unit area, in 1/eV).
- ``max``: divided by its largest intensity (peak 1).
- ``edge_step``: the usual XAS normalisation, ``(mu − pre-edge line) / edge step``, by xraylarch's ``pre_edge``
  (Athena's algorithm, maintained by the XAFS community; not re-implemented here). Its options ``e0``, ``pre1``,
  ``pre2``, ``norm1``, ``norm2`` (eV; pre/norm relative to e0) are passed through when given; otherwise larch
  chooses them from the spectrum. xraylarch is imported only for this method.

The config value is a method name or ``{method: …, options}`` (:func:`parse_normalize`); raw.nc can record it
as one string (:func:`describe_normalization`). Every data problem raises :class:`NormalizationError` (a
``ValueError``) naming ``where``; a missing xraylarch raises ``ModuleNotFoundError`` naming the package.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np

METHODS = ("none", "area", "max", "edge_step")
EDGE_STEP_OPTIONS = ("e0", "pre1", "pre2", "norm1", "norm2")
# area: |∫I dE| below this fraction of ∫|I| dE means positive and negative parts cancel (chi-like data);
# dividing by such an area would blow the spectrum up by an arbitrary factor.
CANCELLING = 1e-3
# edge_step: a step below this fraction of the largest |mu| is no edge (flat data, or pre/norm windows misplaced).
NO_STEP = 1e-6
LARCH = "xraylarch"  # the PyPI distribution that provides the ``larch`` package


class NormalizationError(ValueError):
    """A spectrum cannot be normalised as asked; the message names where it came from."""


def normalize_spectrum(energy: np.ndarray, intensity: np.ndarray, method: str, where: str,
                       **options) -> np.ndarray:
    """``intensity`` normalised by ``method`` (one of :data:`METHODS`), on the same ``energy`` axis (eV).

    ``where`` (a file, a sample) starts every error message. ``options`` are the edge-step options
    (:data:`EDGE_STEP_OPTIONS`); ``None`` counts as not given, and any option with another method is an error
    rather than silently ignored.
    """
    if method not in METHODS:
        raise NormalizationError(f"{where}: unknown normalisation method {method!r} (expected one of "
                                 f"{', '.join(METHODS)})")
    given = {name: value for name, value in options.items() if value is not None}
    allowed = EDGE_STEP_OPTIONS if method == "edge_step" else ()
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise NormalizationError(f"{where}: normalisation {method} takes no option(s) {unknown}"
                                 + (f" (its options: {', '.join(allowed)})" if allowed else ""))
    energy = np.asarray(energy, dtype=float)
    intensity = np.asarray(intensity, dtype=float)
    if energy.ndim != 1 or energy.shape != intensity.shape or len(energy) < 2:
        raise NormalizationError(f"{where}: energy {energy.shape} and intensity {intensity.shape} are not two "
                                 "1-D arrays of the same length ≥ 2")
    if not (np.isfinite(energy).all() and np.isfinite(intensity).all()):
        raise NormalizationError(f"{where}: energies or intensities are not all finite")
    if method == "none":
        return intensity
    if method == "area":
        return _by_area(energy, intensity, where)
    if method == "max":
        return _by_max(intensity, where)
    return _by_edge_step(energy, intensity, where, {name: float(value) for name, value in given.items()})


def parse_normalize(value, where: str = "normalize") -> tuple[str, dict]:
    """(method, options) of a ``normalize`` config value: a method name, ``{method: …, options}``, or None
    (``none``). The names are checked by :func:`normalize_spectrum`."""
    if value is None or isinstance(value, str):
        return value or "none", {}
    options = dict(value)
    if "method" not in options:
        raise NormalizationError(f"{where}: {value!r} names no method (expected one of {', '.join(METHODS)})")
    return options.pop("method"), options


def describe_normalization(method: str, options: dict | None = None) -> str:
    """``method`` and the options given, as one string for a NetCDF attribute: ``area``, ``edge_step e0=11104``."""
    given = [f"{name}={value:g}" if isinstance(value, int | float) else f"{name}={value}"
             for name, value in sorted((options or {}).items()) if value is not None]
    return " ".join([method, *given])


def _range(energy: np.ndarray) -> str:
    return f"{energy[0]:g}–{energy[-1]:g} eV"


def _by_area(energy: np.ndarray, intensity: np.ndarray, where: str) -> np.ndarray:
    """Unit area over the spectrum's own range (not the grid's): the scale does not depend on the grid."""
    area = float(np.trapezoid(intensity, energy))
    magnitude = float(np.trapezoid(np.abs(intensity), energy))
    if not np.isfinite(area) or area <= CANCELLING * magnitude:
        raise NormalizationError(
            f"{where}: normalize area: the area ∫I dE over {_range(energy)} is {area:g} (∫|I| dE = "
            f"{magnitude:g}), expected a positive area; a spectrum around zero (chi?) cannot be area-normalised"
        )
    return intensity / area


def _by_max(intensity: np.ndarray, where: str) -> np.ndarray:
    """Peak 1: for emission lines and spectra whose tails the file cuts differently."""
    peak = float(intensity.max())
    if not peak > 0:
        raise NormalizationError(f"{where}: normalize max: the largest intensity is {peak:g}, expected a "
                                 "positive maximum")
    return intensity / peak


def _by_edge_step(energy: np.ndarray, mu: np.ndarray, where: str, options: dict[str, float]) -> np.ndarray:
    """larch's ``(mu − pre_edge) / edge_step``; the step is checked here, since larch takes its absolute value
    (a falling "edge" would pass as a rising one) and clamps it at 1e-12 (a flat spectrum would blow up)."""
    e0 = options.get("e0")
    if e0 is not None and not energy[1] <= e0 <= energy[-2]:
        # larch would silently look for its own e0 instead.
        raise NormalizationError(f"{where}: normalize edge_step: e0 = {e0:g} eV lies outside the spectrum's "
                                 f"energies {_range(energy)}")
    for low, high in (("pre1", "pre2"), ("norm1", "norm2")):
        if low in options and high in options and options[low] >= options[high]:
            raise NormalizationError(f"{where}: normalize edge_step: {low} = {options[low]:g} eV is not below "
                                     f"{high} = {options[high]:g} eV")
    preedge = _larch_preedge(where)
    try:
        result = preedge(energy, mu, **options)
    except (ValueError, IndexError, TypeError, np.linalg.LinAlgError) as err:
        raise NormalizationError(f"{where}: normalize edge_step: larch pre_edge failed: {err}") from err
    at_e0 = int(np.argmin(np.abs(energy - result["e0"])))
    step = float(result["post_edge"][at_e0] - result["pre_edge"][at_e0])
    if not np.isfinite(step) or step <= NO_STEP * np.abs(mu).max():
        raise NormalizationError(
            f"{where}: normalize edge_step: the edge step is {step:g} at e0 = {result['e0']:g} eV, expected a "
            f"positive finite step (no rising edge in {_range(energy)}? pre-edge line fitted from "
            f"{result['pre1']:g} to {result['pre2']:g} eV, post-edge from {result['norm1']:g} to "
            f"{result['norm2']:g} eV relative to e0)"
        )
    return (mu - result["pre_edge"]) / step


def _larch_preedge(where: str):
    """``larch.xafs.pre_edge.preedge``, the array form of ``pre_edge`` (no larch Group or interpreter).

    Importing larch turns off every warning of the process and sets the root logger's level; both are put
    back, so the workflow's own warnings and logging still show.
    """
    root = logging.getLogger()
    level = root.level
    try:
        with warnings.catch_warnings():
            from larch.xafs.pre_edge import preedge
    except ImportError as err:
        raise ModuleNotFoundError(
            f"{where}: normalize edge_step needs {LARCH} (its pre_edge), which cannot be imported: {err}. "
            "Install it as the Makefile does (docs/own-data.md, 'Normalisation'), or choose method area or max",
            name="larch",
        ) from err
    finally:
        root.setLevel(level)
    return preedge

"""The ``ingest`` source: a raw data set (raw.nc) from the user's own structure, spectrum and label files.

The config block ``source`` (schema ``generator: ingest``) names the files and their formats; this module
reads them with :mod:`xraylatent.data.sources.readers`, pairs spectra and labels with structures by sample id,
checks every value and puts spectra of each kind on one energy grid. Every problem raises
:class:`~xraylatent.data.sources.readers.IngestError` naming the file (and line or sample), before anything is
written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import xarray as xr
from ase.data import chemical_symbols

from xraylatent.data.sources import code_formats, readers
from xraylatent.data.sources.readers import IngestError, Spectrum, Structure
from xraylatent.spectra import energy_grid, spectrum_on_grid
from xraylatent.spectra_normalization import (
    NormalizationError,
    describe_normalization,
    normalize_spectrum,
    parse_normalize,
)

SHOWN = 5  # unpaired or duplicate ids listed in an error message
RESERVED = {"positions", "numbers", "sample_id", "sample", "atom", "xyz"}
PADDING = 0  # atomic number of the empty slots when samples hold different numbers of atoms
XYZ_PATTERN, TEXT_PATTERN = "*.xyz", "*.txt"  # default file globs (as in the config schema)
MIN_DISTANCE = 0.1  # Å: two atoms closer than this sit on top of each other (no bond is shorter than 0.7 Å)


def input_files(source: Mapping) -> list[str]:
    """Every user file raw.nc is built from (the ingest rule's input: editing one reruns ingest).

    A directory contributes its matching files; a directory that is missing or empty is returned as
    itself, so Snakemake or the reader reports it.
    """
    structures = source["structures"]
    paths = _files(structures["path"], structures.get("pattern", XYZ_PATTERN)) \
        if structures["format"] == "xyz_dir" else [structures["path"]]
    patterns = {"text_dir": TEXT_PATTERN, **code_formats.PATTERNS}  # the formats that read a directory
    for spec in source["spectra"].values():
        fmt = spec["format"]
        paths += _files(spec["path"], spec.get("pattern", patterns[fmt])) if fmt in patterns else [spec["path"]]
        if fmt in ("npy", "csv", "ase") and "energy" in spec:  # an axis file (npz, netcdf: a variable's name)
            paths.append(spec["energy"])
    if "labels" in source:
        paths.append(source["labels"]["path"])
    return sorted({str(p) for p in paths})


def _files(directory, pattern) -> list[str]:
    try:
        return [str(p) for p in readers.matching_files(directory, pattern).values()]
    except IngestError:
        return [str(directory)]


def ingest(source: Mapping) -> xr.Dataset:
    """The raw.nc layout (docs/architecture.md, "Data contract") from the ``source`` config block of a data set."""
    structures = read_structures(source["structures"])
    for structure in structures:
        check_structure(structure)
    sample_ids = [s.sample_id for s in structures]
    check_unique(sample_ids, f"structures ({source['structures']['path']})")
    ds = stack_structures(structures)
    for kind, spec in source["spectra"].items():
        energy, values = spectra_on_grid(kind, spec, sample_ids)
        ds[f"energy_{kind}"] = (f"energy_{kind}", energy, {"units": "eV"})
        ds[f"spectrum_{kind}"] = (("sample", f"energy_{kind}"), values, {
            "units": spec.get("units", "arb. units"),
            "normalization": describe_normalization(*parse_normalize(spec.get("normalize"))),
        })
    if "labels" in source:
        labels = labels_dataset(source["labels"], sample_ids)
        ds = ds.merge(labels)
        ds.attrs.update(labels.attrs)
    return ds


def read_structures(spec: Mapping) -> list[Structure]:
    """Structures in the order they are read (sorted by id for a directory, frame order for a file)."""
    if spec["format"] == "xyz_dir":
        return readers.read_xyz_dir(spec["path"], spec.get("pattern", XYZ_PATTERN))
    return readers.read_ase(spec["path"], spec.get("ase_format"), spec.get("id_key"))


def check_structure(s: Structure) -> None:
    """No two atoms closer than :data:`MIN_DISTANCE`: such a pair is a duplicated atom line or coordinates in
    the wrong unit, and would give the Coulomb features an infinite or huge entry. Names the closest pair."""
    if len(s.numbers) < 2:
        return
    first, second = np.triu_indices(len(s.numbers), k=1)
    distances = np.linalg.norm(s.positions[first] - s.positions[second], axis=1)
    closest = int(np.argmin(distances))
    if distances[closest] < MIN_DISTANCE:
        i, j = first[closest], second[closest]
        raise IngestError(
            f"{s.origin} (sample '{s.sample_id}'): atoms {i} ({chemical_symbols[s.numbers[i]]}) and {j} "
            f"({chemical_symbols[s.numbers[j]]}) are {distances[closest]:.3g} Å apart, expected at least "
            f"{MIN_DISTANCE:g} Å (two atoms on top of each other: a duplicated atom line, or coordinates not in Å?)"
        )


def stack_structures(structures: list[Structure]) -> xr.Dataset:
    """positions(sample, atom, xyz) and numbers: ``(atom)`` when every sample has the same atoms in the
    same order, else ``(sample, atom)`` padded to the largest sample with atomic number 0 at the origin."""
    n_atoms = max(len(s.numbers) for s in structures)
    numbers = np.full((len(structures), n_atoms), PADDING, dtype=int)
    positions = np.zeros((len(structures), n_atoms, 3))
    for i, s in enumerate(structures):
        numbers[i, : len(s.numbers)] = s.numbers
        positions[i, : len(s.numbers)] = s.positions
    same = (numbers == numbers[0]).all()
    return xr.Dataset({
        "positions": (("sample", "atom", "xyz"), positions, {"units": "angstrom"}),
        "numbers": (("atom",), numbers[0]) if same else
                   (("sample", "atom"), numbers, {"description": f"{PADDING} marks an empty (padding) slot"}),
        "sample_id": (("sample",), np.array([s.sample_id for s in structures])),
    })


def read_spectra(spec: Mapping) -> tuple[list[str] | None, list[Spectrum]]:
    """Sample ids (None: rows follow the structures' order) and spectra of one kind, by ``spec['format']``."""
    path, fmt = spec["path"], spec["format"]
    if fmt == "text_dir":
        return readers.read_text_spectra(path, spec.get("pattern", TEXT_PATTERN), spec.get("energy_column", 0),
                                         spec.get("column", 1))
    if fmt == "npy":
        return readers.read_npy_spectra(path, spec["energy"])
    if fmt == "npz":
        return readers.read_npz_spectra(path, spec.get("variable", "spectra"), spec.get("energy", "energy"),
                                        spec.get("ids", "sample_id"))
    if fmt == "csv":
        return readers.read_csv_spectra(path, spec["energy"], spec.get("ids", "sample_id"))
    if fmt == "netcdf":
        return readers.read_netcdf_spectra(path, spec.get("variable", "spectra"), spec.get("energy"),
                                           spec.get("ids", "sample_id"))
    if fmt in code_formats.FORMATS:
        return code_formats.read_spectra(spec)
    raise IngestError(f"{path}: unknown spectrum format '{fmt}'")


def spectra_on_grid(kind: str, spec: Mapping, sample_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The energy grid and (sample, energy) intensities of spectrum kind ``kind``, in the samples' order.

    Each spectrum is first normalised on its own energy axis (``spec['normalize']``, default none). With
    ``spec['grid']`` every spectrum is then interpolated onto it (a spectrum that does not cover it is an
    error naming its file); without, all spectra must already share one grid.
    """
    ids, spectra = read_spectra(spec)
    what = f"spectra '{kind}' ({spec['path']})"
    if ids is None and len(spectra) != len(sample_ids):
        raise IngestError(f"{what}: {len(spectra)} spectra without sample ids for {len(sample_ids)} structures "
                          "(rows must follow the structures' order)")
    spectra = spectra if ids is None else [spectra[k] for k in pair(sample_ids, ids, what)]
    for s in spectra:
        check_spectrum(s, spec.get("negative_tolerance", 0.01))
    spectra = [normalized(s, spec.get("normalize")) for s in spectra]  # on its own axis, before the grid
    if "grid" in spec:
        grid = energy_grid(**spec["grid"])
        return grid, np.array([_interpolate(s, grid) for s in spectra])
    for s in spectra[1:]:
        if len(s.energy) != len(spectra[0].energy) or not np.allclose(s.energy, spectra[0].energy):
            raise IngestError(
                f"{what}: energy grids differ ({_describe(spectra[0])} vs {_describe(s)}); "
                f"set spectra.{kind}.grid to interpolate them onto one grid"
            )
    return spectra[0].energy, np.array([s.intensity for s in spectra])


def _interpolate(s: Spectrum, grid: np.ndarray) -> np.ndarray:
    """``s`` on ``grid``; an energy axis that does not increase or does not cover the grid names the file."""
    try:
        return spectrum_on_grid(s.energy, s.intensity[None], grid, name=s.origin)[0]
    except ValueError as err:
        raise IngestError(str(err)) from err


def normalized(s: Spectrum, normalize: str | Mapping | None) -> Spectrum:
    """``s`` normalised as ``normalize`` says (a method name, or {method, options}; absent: none), on its own
    energy axis (:mod:`xraylatent.spectra_normalization`); a spectrum that cannot be normalised names its file."""
    try:
        method, options = parse_normalize(normalize, s.origin)
        if method == "none":
            return s
        return replace(s, intensity=normalize_spectrum(s.energy, s.intensity, method, s.origin, **options))
    except NormalizationError as err:
        raise IngestError(str(err)) from err


def _describe(s: Spectrum) -> str:
    return f"{s.origin}: {len(s.energy)} points {s.energy[0]:g}–{s.energy[-1]:g} eV"


def check_spectrum(s: Spectrum, negative_tolerance: float) -> None:
    """Finite energies and intensities, not all zero, no intensity below −tolerance × the maximum."""
    for name, values in (("energy", s.energy), ("intensity", s.intensity)):
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            raise IngestError(f"{s.where(bad[0])}: {name} is {values[bad[0]]} ({len(bad)} non-finite in all)")
    check_energy_axis(s)
    peak = np.abs(s.intensity).max()
    if peak == 0:
        raise IngestError(f"{s.origin}: spectrum is all zero")
    low = int(np.argmin(s.intensity))
    if s.intensity[low] < -negative_tolerance * peak:
        raise IngestError(
            f"{s.where(low)}: negative intensity {s.intensity[low]:g} (below −{negative_tolerance:g} × "
            f"the largest |intensity| {peak:g}; raise negative_tolerance if this is noise)"
        )


MAX_ENERGY = 1e6  # eV: beyond every X-ray edge (U K: 116 keV); larger "energies" are cm⁻¹, or no energies at all
MIN_SPAN = 0.5  # eV: the least a spectrum spans; less is keV, or not an energy column
SWAPPED = "are the energy and intensity columns swapped? (energy_column / column in the config)"


def check_energy_axis(s: Spectrum) -> None:
    """Energies that increase strictly and look like eV (:data:`MAX_ENERGY`, :data:`MIN_SPAN`).

    Runs before the intensity checks, so that swapped energy and intensity columns are named as such rather
    than as a negative intensity. A decreasing axis is an error, not reversed: no code writes one, and a
    wavelength column or a mix-up is likelier than a downward scan.
    """
    step = np.diff(s.energy)
    if len(step) and (step < 0).all():
        raise IngestError(f"{s.origin}: the energies decrease ({s.energy[0]:g} to {s.energy[-1]:g}): list them "
                          f"from low to high (a decreasing axis is not reversed); if they are no energies, {SWAPPED}")
    if (step <= 0).any():
        k = int(np.argmax(step <= 0)) + 1
        raise IngestError(f"{s.where(k)}: the energy column does not increase ({s.energy[k]:g} after "
                          f"{s.energy[k - 1]:g}); {SWAPPED}")
    span = s.energy[-1] - s.energy[0]
    if np.abs(s.energy).max() > MAX_ENERGY or span < MIN_SPAN:
        raise IngestError(f"{s.origin}: the energy column ({len(s.energy)} points, {s.energy[0]:g} to "
                          f"{s.energy[-1]:g}) does not look like energies in eV (expected |E| ≤ {MAX_ENERGY:g} eV "
                          f"spanning ≥ {MIN_SPAN:g} eV: cm⁻¹ or keV?); {SWAPPED}")


def pair(sample_ids: list[str], ids: list[str], what: str) -> list[int]:
    """For each sample, the index of its entry in ``ids`` (the sample ids of spectra or labels).

    Duplicates, samples without an entry (a missing row or file) and entries without a sample are errors
    listing the first few of each side that has any.
    """
    check_unique(ids, what)
    index = {sample_id: k for k, sample_id in enumerate(ids)}
    missing = [s for s in sample_ids if s not in index]
    extra = sorted(set(ids) - set(sample_ids))
    sides = [f"{len(missing)} structure(s) without an entry {_first(missing)}"] if missing else []
    sides += [f"{len(extra)} entr(y/ies) without a structure {_first(extra)}"] if extra else []
    if sides:
        raise IngestError(f"{what}: unpaired; {', '.join(sides)}")
    return [index[s] for s in sample_ids]


def check_unique(ids: list[str], what: str) -> None:
    """Raise naming the first few sample ids that occur more than once."""
    duplicates = sorted(i for i, count in Counter(ids).items() if count > 1)
    if duplicates:
        raise IngestError(f"{what}: duplicate sample id(s) {_first(duplicates)}")


def _first(ids: list[str]) -> str:
    shown = ", ".join(repr(i) for i in ids[:SHOWN])
    return f"[{shown}{', …' if len(ids) > SHOWN else ''}]"


def labels_dataset(spec: Mapping, sample_ids: list[str]) -> xr.Dataset:
    """Per-sample label variables from the labels CSV, in the samples' order; ``group`` is stored as the
    ``group_label`` attr (the label the data figure groups spectra by)."""
    path = spec["path"]
    ids, labels = readers.read_labels(path, spec.get("ids", "sample_id"))
    order = pair(sample_ids, ids, f"labels ({path})")
    ds = xr.Dataset()
    for name, label in labels.items():
        if name in RESERVED or name.startswith(("spectrum_", "energy_")):
            raise IngestError(f"{path}: label column '{name}' clashes with a raw.nc variable; rename it")
        ds[name] = (("sample",), label.values[order], {"units": label.units} if label.units else {})
    group = spec.get("group")
    if group is not None:
        if group not in labels or not np.issubdtype(labels[group].values.dtype, np.number):
            raise IngestError(f"{path}: group label '{group}' is not a numeric column (columns: {sorted(labels)})")
        ds.attrs["group_label"] = group
    return ds


def describe(ds: xr.Dataset) -> str:
    """One line for the log: samples, atoms, spectrum kinds and labels."""
    kinds = [f"{name} ({ds[name].shape[1]} points)" for name in ds.data_vars if name.startswith("spectrum_")]
    labels = [name for name, var in ds.data_vars.items() if var.dims == ("sample",) and name != "sample_id"]
    return (f"{ds.sizes['sample']} samples, up to {ds.sizes['atom']} atoms; {', '.join(kinds)}; "
            f"labels: {', '.join(labels) or 'none'}")


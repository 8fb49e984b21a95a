"""Readers of the files spectroscopy codes write: FDMNES, FEFF and ORCA outputs, and spectra on ASE frames.

One job: turn those files into :class:`~xraylatent.data.sources.readers.Spectrum` objects with energies in eV,
with errors that name the file and line. As in :mod:`~xraylatent.data.sources.readers`, pairing, grids and the
value checks happen in :mod:`xraylatent.data.sources.ingest`. The layouts are described, with an example config
block each, in docs/own-data.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from xraylatent.data.sources.readers import (
    IngestError,
    Spectrum,
    column_index,
    info_value,
    matching_files,
    numeric_rows,
    read_axis,
    read_frames,
)
from xraylatent.spectra import broaden_sticks, energy_grid

# 1 eV in cm⁻¹ is e / (h c). The 2019 SI fixes e, h and c exactly (CODATA 2018), so this is exact:
# 8065.543937… cm⁻¹ per eV.
ELEMENTARY_CHARGE = 1.602176634e-19  # C
PLANCK = 6.62607015e-34  # J s
SPEED_OF_LIGHT = 299792458.0  # m / s
CM1_PER_EV = ELEMENTARY_CHARGE / (PLANCK * SPEED_OF_LIGHT * 100.0)

PATTERNS = {"fdmnes": "*_conv.txt", "feff": "*/xmu.dat", "orca": "*.out"}  # default file globs, as in the schema
FORMATS = (*PATTERNS, "ase")  # the spectrum formats this module reads
FDMNES_COLUMN = "<xanes>"
FEFF_COLUMN, FEFF_ENERGY = "mu", "omega"
ORCA_TABLE = "ABSORPTION SPECTRUM VIA TRANSITION ELECTRIC DIPOLE MOMENTS"
POINTS_PER_FWHM = 20  # fine-axis points per broadening FWHM: linear interpolation then errs < 1e-4 of a peak


@dataclass
class EdgeSpectrum(Spectrum):
    """A spectrum with the edge energy (eV) its file's header states; None where the file states none."""

    edge_energy: float | None = None


def read_spectra(spec: Mapping) -> tuple[list[str] | None, list[Spectrum]]:
    """Sample ids (None: frames follow the structures' order) and spectra of one ingest ``spectra`` block whose
    ``format`` is one of :data:`FORMATS`: a code's files, one per structure (ids from the file names), or
    ``ase``."""
    path, fmt = spec["path"], spec["format"]
    if fmt == "ase":
        return read_ase_spectra(path, spec["spectrum_key"], spec.get("energy_key"), spec.get("energy"),
                                spec.get("id_key"), spec.get("ase_format"))
    files = matching_files(path, spec.get("pattern", PATTERNS[fmt]))
    read = file_reader(spec)
    return list(files), [read(file) for file in files.values()]


def file_reader(spec: Mapping) -> Callable[[Path], Spectrum]:
    """The reader of one file of a directory format, with the options of ``spec`` bound (also used for a single
    measured spectrum, :mod:`xraylatent.interpret.measured`)."""
    fmt = spec["format"]
    if fmt == "fdmnes":
        column, absolute = spec.get("column", FDMNES_COLUMN), spec.get("absolute_energy", False)
        return lambda path: read_fdmnes_spectrum(path, column, absolute)
    if fmt == "feff":
        column, energy = spec.get("column", FEFF_COLUMN), spec.get("energy_column", FEFF_ENERGY)
        return lambda path: read_feff_spectrum(path, column, energy)
    broadening = spec.get("broadening", {})
    shape, fwhm = broadening.get("shape", "gaussian"), broadening.get("fwhm", 0.0)
    if "grid" not in spec or shape not in SHAPES or fwhm <= 0:
        raise IngestError(f"{spec['path']}: format orca needs a grid to broaden the sticks onto, a broadening shape "
                          f"of {sorted(SHAPES)} and a fwhm > 0 eV (got grid {spec.get('grid')}, {shape!r}, {fwhm})")
    axis, table = broadening_axis(spec["grid"], fwhm), spec.get("table", ORCA_TABLE)
    return lambda path: read_orca_spectrum(path, axis, shape, fwhm, table)


# Columns named in a header line (FDMNES, FEFF) -----------------------------------------------------------


@dataclass
class NamedTable:
    """Rows of numbers of a text file with their line numbers, the header lines above them, and the column
    names one header line (number ``names_line``) gives."""

    path: str
    rows: np.ndarray
    lines: np.ndarray
    header: list[str]
    names: list[str]
    names_line: int

    def column(self, name: str) -> np.ndarray:
        """The values of column ``name``; an unknown name is an error naming the header line."""
        return self.rows[:, column_index(self.names, name, f"{self.path}, line {self.names_line}")]


def named_table(path, first: str) -> NamedTable:
    """The rows of numbers of ``path`` (:func:`numeric_rows`) named by the last header line whose first name is
    ``first``. Missing that line, or one naming another number of columns than the rows have, is an error."""
    rows, lines = numeric_rows(path)
    header = Path(path).read_text().splitlines()[: lines[0] - 1]
    found = [number for number, line in enumerate(header, start=1) if _names(line)[:1] == [first]]
    if not found:
        raise IngestError(f"{path}: no header line naming the columns ('{first} …') above the data on line "
                          f"{lines[0]}")
    names = _names(header[found[-1] - 1])
    if len(names) != rows.shape[1]:
        raise IngestError(f"{path}, line {found[-1]}: names {len(names)} column(s) {names}, the rows below have "
                          f"{rows.shape[1]}")
    return NamedTable(str(path), rows, lines, header, names, found[-1])


def _names(line: str) -> list[str]:
    """The words of a header line, without a leading ``#`` and FEFF's closing ``@#``."""
    return [word for word in line.lstrip("# ").split() if word != "@#"]


# FDMNES ------------------------------------------------------------------------------------------------


def read_fdmnes_spectrum(path, column: str = FDMNES_COLUMN, absolute_energy: bool = False) -> EdgeSpectrum:
    """One FDMNES output: the plain ``*.txt`` (a first line of values ``= E_edge, Z, n_edge, …``, then the
    column names ``Energy <xanes> …``) or the convoluted ``*_conv.txt`` (the column names only).

    ``column`` names the intensity column. Energies are taken as written: FDMNES writes them relative to the
    edge unless it ran with ``Energpho``. ``absolute_energy`` adds the header's E_edge; a file without one
    (every ``_conv.txt``) is then an error.
    """
    table = named_table(path, "Energy")
    edge = fdmnes_edge(table)
    energy = table.column("Energy")
    if absolute_energy:
        if edge is None:
            raise IngestError(f"{path}: absolute_energy needs the edge energy, but no header line gives "
                              "'= E_edge, …' (a _conv.txt has none: read the plain .txt, or run FDMNES with "
                              "Energpho and leave absolute_energy false)")
        energy = energy + edge
    return EdgeSpectrum(energy, table.column(column), str(path), table.lines, edge)


def fdmnes_edge(table: NamedTable) -> float | None:
    """E_edge (eV): the first value of the header line ``… = E_edge, Z, n_edge, …``; None without that line."""
    for number, line in enumerate(table.header, start=1):
        values, equals, names = line.lstrip("# ").partition("=")
        if equals and names.split(",")[0].strip() == "E_edge":
            try:
                return float(values.split()[0])
            except (IndexError, ValueError):
                raise IngestError(f"{table.path}, line {number}: E_edge is not a number: "
                                  f"{line.strip()[:60]!r}") from None
    return None


# FEFF --------------------------------------------------------------------------------------------------


def read_feff_spectrum(path, column: str = FEFF_COLUMN, energy_column: str = FEFF_ENERGY) -> Spectrum:
    """FEFF's ``xmu.dat``: header lines, the last naming the columns ``omega e k mu mu0 chi``, then rows.

    ``omega`` is the photon energy in eV, ``e`` the energy relative to the edge (eV); ``column`` picks ``mu``
    (the absorption), ``mu0`` (its atomic background) or ``chi`` by name.
    """
    table = named_table(path, "omega")
    return Spectrum(table.column(energy_column), table.column(column), str(path), table.lines)


# ORCA --------------------------------------------------------------------------------------------------


def read_orca_spectrum(path, axis: np.ndarray, shape: str, fwhm: float, table: str = ORCA_TABLE) -> Spectrum:
    """The sticks of table ``table`` of an ORCA output broadened onto ``axis`` (eV), see :func:`broaden`."""
    energy, strength = orca_sticks(path, table)
    return Spectrum(axis, broaden(axis, energy, strength, shape, fwhm), str(path))


def orca_sticks(path, table: str = ORCA_TABLE) -> tuple[np.ndarray, np.ndarray]:
    """Transition energies (eV) and oscillator strengths of the last table titled ``table`` in an ORCA output.

    ORCA 5 lists energies in cm⁻¹ (converted with :data:`CM1_PER_EV`), ORCA 6 in eV and cm⁻¹ (the eV column is
    read). The strength is the column named ``fosc…``. Rows marked ``spin forbidden`` have no strength and are
    skipped; the table ends at a blank or dashed line.
    """
    lines = Path(path).read_text().splitlines()
    start = _table_start(lines, table, path)
    names_at = next((k for k in range(start + 1, len(lines)) if not _rule(lines[k])), len(lines))
    if names_at + 1 >= len(lines):
        raise IngestError(f"{path}, line {start + 1}: table '{table}' ends before its column names")
    names, units = lines[names_at].split()[1:], lines[names_at + 1].split()
    strength = next((k for k, name in enumerate(names) if name.lower().startswith("fosc")), None)
    if strength is None:
        raise IngestError(f"{path}, line {names_at + 1}: no oscillator strength column 'fosc…' in {names}")
    energy, per_ev = _energy_column(names, units, f"{path}, line {names_at + 2}")
    rows = []
    for number in range(names_at + 2, len(lines)):
        line = lines[number]
        if not line.strip() or (rows and _rule(line)):  # the rule under the units opens the rows, a later one ends
            break
        if _rule(line) or "spin forbidden" in line.lower():
            continue
        rows.append(_orca_row(line, len(names), f"{path}, line {number + 1}"))
    if not rows:
        raise IngestError(f"{path}, line {start + 1}: table '{table}' has no rows")
    rows = np.array(rows)
    return rows[:, energy] / per_ev, rows[:, strength]


def _rule(line: str) -> bool:
    """A line of dashes only, which ORCA draws around table titles and column headers."""
    return set(line.strip()) == {"-"}


def _table_start(lines: list[str], table: str, path) -> int:
    """Index of the last line that is the title ``table`` (whole line, any spacing, any case)."""
    title = " ".join(table.upper().split())
    found = [k for k, line in enumerate(lines) if " ".join(line.upper().split()) == title]
    if not found:
        tables = sorted({line.strip() for line in lines if "SPECTRUM" in line.upper()})
        raise IngestError(f"{path}: no table '{table}' (spectrum tables found: {tables[:6]})")
    return found[-1]


def _energy_column(names: list[str], units: list[str], where: str) -> tuple[int, float]:
    """Index of the energy column among ``names`` and its units per eV: the ``(eV)`` one, else ``(cm-1)``.

    The energy columns come first, so the first units are theirs (the strength column, later, has no unit).
    """
    energies = {unit: k for k, (name, unit) in enumerate(zip(names, units)) if name == "Energy"}
    for unit, per_ev in (("(eV)", 1.0), ("(cm-1)", CM1_PER_EV)):
        if unit in energies:
            return energies[unit], per_ev
    raise IngestError(f"{where}: no energy column in (eV) or (cm-1) (units: {units})")


def _orca_row(line: str, n_values: int, where: str) -> list[float]:
    """The last ``n_values`` numbers of a table row (before them stands the state or transition label)."""
    tokens = line.split()
    try:
        if len(tokens) > n_values:
            return [float(token) for token in tokens[-n_values:]]
    except ValueError:
        pass
    raise IngestError(f"{where}: not a row of {n_values} numbers after a state label: {line.strip()[:60]!r}")


def broadening_axis(grid: Mapping, fwhm: float) -> np.ndarray:
    """The fine axis sticks are broadened onto: the span of the configured ``grid``, with a step no coarser
    than the grid's nor than ``fwhm`` / :data:`POINTS_PER_FWHM`."""
    coarse = energy_grid(grid["start"], grid["stop"], grid["step"])
    step = min(grid["step"], fwhm / POINTS_PER_FWHM)
    return np.linspace(coarse[0], coarse[-1], int(np.ceil((coarse[-1] - coarse[0]) / step - 1e-9)) + 1)


def lorentzian_sticks(axis, energies, intensities, fwhm) -> np.ndarray:
    """Sum of area-normalised Lorentzians (FWHM ``fwhm`` eV) at ``energies`` with weights ``intensities``."""
    half = 0.5 * fwhm
    profile = (half / np.pi) / ((np.asarray(axis)[:, None] - np.asarray(energies)) ** 2 + half ** 2)
    return profile @ np.asarray(intensities, dtype=float)


SHAPES = {"gaussian": broaden_sticks, "lorentzian": lorentzian_sticks}


def broaden(axis, energies, intensities, shape: str, fwhm: float) -> np.ndarray:
    """Sticks on ``axis`` as unit-area line shapes ``shape`` (:data:`SHAPES`) of full width ``fwhm`` eV times
    their intensities, so each stick's area is its intensity (less a Lorentzian's tails beyond the axis)."""
    return SHAPES[shape](axis, energies, intensities, fwhm)


# ASE frames --------------------------------------------------------------------------------------------


def read_ase_spectra(path, spectrum_key: str, energy_key: str | None = None, energy=None, id_key: str | None = None,
                     ase_format: str | None = None) -> tuple[list[str] | None, list[Spectrum]]:
    """One spectrum per frame of a file ASE reads: intensities ``atoms.info[spectrum_key]`` on the energies
    ``atoms.info[energy_key]`` or, for every frame, of the axis file ``energy``.

    Sample ids are ``atoms.info[id_key]``; without ``id_key`` frames follow the structures' order.
    """
    if (energy_key is None) == (energy is None):
        raise IngestError(f"{path}: give the energies either as energy_key (an info array of every frame) or as "
                          "energy (one axis file), not both or neither")
    axis = read_axis(energy) if energy is not None else None
    ids, spectra = [], []
    for i, atoms in enumerate(read_frames(path, ase_format)):
        where = f"{path}, frame {i}"
        intensity = _info_array(atoms, spectrum_key, where)
        energies = axis if axis is not None else _info_array(atoms, energy_key, where)
        if len(energies) != len(intensity):
            raise IngestError(f"{where}: '{spectrum_key}' has {len(intensity)} values, its energy axis "
                              f"({energy_key or energy}) {len(energies)}")
        sample = str(info_value(atoms, id_key, where)) if id_key is not None else None
        ids.append(sample)
        spectra.append(Spectrum(energies, intensity, where if sample is None else f"{where} (sample '{sample}')"))
    if not spectra:
        raise IngestError(f"{path}: no frames found")
    return (ids if id_key is not None else None), spectra


def _info_array(atoms, key: str, where: str) -> np.ndarray:
    """``atoms.info[key]`` as a 1-D array of floats; anything else is an error naming the frame."""
    value = info_value(atoms, key, where)
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        array = None
    if array is None or array.ndim != 1 or len(array) < 2:
        raise IngestError(f"{where}: info '{key}' is {str(value)[:40]!r}, expected an array of numbers")
    return array

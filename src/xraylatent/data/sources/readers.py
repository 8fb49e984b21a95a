"""Readers of user data files for the ``ingest`` source: structures, spectra and per-sample labels.

Each reader returns plain arrays together with where every value came from (file, line or frame), so the
checks in :mod:`xraylatent.data.sources.ingest` can name the culprit. Readers check only what they alone can
see (a line that is not numbers, an unknown element); pairing, grids and value checks happen in ingest.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr
from ase.data import atomic_numbers, chemical_symbols


class IngestError(ValueError):
    """User data cannot be ingested; the message names the file (and line, frame or sample) at fault."""


@dataclass
class Structure:
    """One structure: atomic numbers, positions in Å, and where it was read from."""

    sample_id: str
    numbers: np.ndarray
    positions: np.ndarray
    origin: str


@dataclass
class Spectrum:
    """One spectrum on its own energy axis (eV); ``lines`` holds each point's line in a text file."""

    energy: np.ndarray
    intensity: np.ndarray
    origin: str
    lines: np.ndarray | None = None

    def where(self, point: int) -> str:
        """The location of point ``point``: a file line where there is one, else the energy."""
        if self.lines is not None:
            return f"{self.origin}, line {self.lines[point]}"
        return f"{self.origin}, point {point} (E = {self.energy[point]:g} eV)"


def atomic_number(token, where: str) -> int:
    """Atomic number of an element symbol (``Ge``, ``ge``) or of a number given as text (``32``)."""
    text = str(token).strip()
    if text.isdigit() and 1 <= int(text) < len(chemical_symbols):
        return int(text)
    number = atomic_numbers.get(text.capitalize(), 0)
    if number == 0:
        raise IngestError(f"{where}: '{text}' is neither an element symbol nor an atomic number")
    return number


def matching_files(directory, pattern: str) -> dict[str, Path]:
    """Files of ``directory`` matching ``pattern`` (one ``*``), keyed by what the ``*`` matched, sorted.

    With ``*_conv.txt`` the file ``w017_conv.txt`` gets the sample id ``w017``; with ``*/xmu.dat`` (one
    sub-directory per run) ``w017/xmu.dat`` does too. Hidden files are skipped.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise IngestError(f"{directory}: not a directory")
    prefix, _, suffix = pattern.partition("*")
    files = sorted(p for p in directory.glob(pattern) if p.is_file() and not p.name.startswith("."))
    if not files:
        raise IngestError(f"{directory}: no files matching '{pattern}'")
    names = {p: p.relative_to(directory).as_posix() for p in files}
    return {name[len(prefix): len(name) - len(suffix)]: p for p, name in names.items()}


def numeric_rows(path) -> tuple[np.ndarray, np.ndarray]:
    """Rows of numbers of a text file and their line numbers (1-based).

    Leading lines that are not all numbers are a header and skipped; so are blank lines and ``#``
    comments. After the first numeric row, a line that is not numbers, or has another number of
    columns, is an error naming the file and the line. Commas count as separators.
    """
    rows, lines = [], []
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        tokens = line.split("#", 1)[0].replace(",", " ").split()
        if not tokens:
            continue
        try:
            values = [float(token) for token in tokens]
        except ValueError:
            if not rows:
                continue
            raise IngestError(f"{path}, line {number}: not a row of numbers: {line.strip()[:60]!r}") from None
        if rows and len(values) != len(rows[0]):
            raise IngestError(
                f"{path}, line {number}: {len(values)} columns, expected {len(rows[0])} as on line {lines[0]}"
            )
        rows.append(values)
        lines.append(number)
    if not rows:
        raise IngestError(f"{path}: no rows of numbers found")
    return np.array(rows), np.array(lines)


# Structures ------------------------------------------------------------------------------------------


def read_xyz(path, sample_id: str) -> Structure:
    """One structure from a plain XYZ file: atom count, a free comment line, then ``element x y z`` rows.

    The element is a symbol or an atomic number (ASE's reader rejects numbers); extra columns are ignored.
    """
    path = Path(path)
    lines = path.read_text().splitlines()
    try:
        n_atoms = int(lines[0].split()[0])
    except (IndexError, ValueError):
        raise IngestError(f"{path}, line 1: expected the number of atoms, got {lines[:1]}") from None
    atom_lines = lines[2: 2 + n_atoms]
    if len(atom_lines) < n_atoms or any(line.strip() for line in lines[2 + n_atoms:]):
        found = len([line for line in lines[2:] if line.strip()])
        raise IngestError(f"{path}: line 1 announces {n_atoms} atoms, the file has {found} atom lines")
    numbers, positions = np.empty(n_atoms, dtype=int), np.empty((n_atoms, 3))
    for i, line in enumerate(atom_lines):
        where = f"{path}, line {i + 3}"
        tokens = line.split()
        if len(tokens) < 4:
            raise IngestError(f"{where}: expected 'element x y z', got {line.strip()!r}")
        numbers[i] = atomic_number(tokens[0], where)
        try:
            positions[i] = [float(t) for t in tokens[1:4]]
        except ValueError:
            raise IngestError(f"{where}: coordinates are not numbers: {line.strip()!r}") from None
        if not np.isfinite(positions[i]).all():
            raise IngestError(f"{where}: non-finite coordinate in {line.strip()!r}")
    return Structure(sample_id, numbers, positions, str(path))


def read_xyz_dir(directory, pattern: str = "*.xyz") -> list[Structure]:
    """One structure per file of ``directory``; the sample id is the part of the name ``*`` matched."""
    return [read_xyz(path, sample_id) for sample_id, path in matching_files(directory, pattern).items()]


def read_ase(path, ase_format: str | None = None, id_key: str | None = None) -> list[Structure]:
    """Every frame ASE reads from ``path`` (extended XYZ, .traj, XDATCAR, PDB, …).

    The sample id is ``atoms.info[id_key]`` (e.g. ``id=w017`` on an extended XYZ comment line) or, without
    ``id_key``, the frame index.
    """
    structures = []
    for i, atoms in enumerate(read_frames(path, ase_format)):
        where = f"{path}, frame {i}"
        positions = atoms.get_positions()
        if not np.isfinite(positions).all():
            raise IngestError(f"{where}: non-finite positions")
        sample_id = str(info_value(atoms, id_key, where)) if id_key is not None else str(i)
        structures.append(Structure(sample_id, atoms.get_atomic_numbers(), positions, where))
    if not structures:
        raise IngestError(f"{path}: no structures found")
    return structures


def read_frames(path, ase_format: str | None = None) -> list:
    """Every frame (``ase.Atoms``) of a file ASE reads; a file it cannot parse is an error naming it."""
    import ase.io

    try:
        return ase.io.read(path, index=":", format=ase_format)
    except Exception as err:  # ASE raises many kinds of errors on files it cannot parse
        raise IngestError(f"{path}: ASE cannot read it ({type(err).__name__}: {err})") from err


def info_value(atoms, key: str, where: str):
    """``atoms.info[key]``; a missing key is an error naming the frame and the keys it has."""
    if key not in atoms.info:
        raise IngestError(f"{where}: no '{key}' in its info (keys: {sorted(atoms.info)})")
    return atoms.info[key]


# Spectra ---------------------------------------------------------------------------------------------


def read_text_spectrum(path, energy_column: int = 0, column: int | str = 1) -> Spectrum:
    """A spectrum from a text file of columns (FDMNES-like): energy, then one or more intensities.

    ``column`` picks an intensity column by index (counting the energy column), or ``average`` averages
    every column but the energy.
    """
    rows, lines = numeric_rows(path)
    n_columns = rows.shape[1]
    wanted = [energy_column] + ([] if column == "average" else [column])
    if n_columns < 2 or max(wanted) >= n_columns:
        raise IngestError(f"{path}: has {n_columns} column(s), cannot take energy column {energy_column} "
                          f"and intensity column {column}")
    if column == "average":
        intensity = np.delete(rows, energy_column, axis=1).mean(axis=1)
    else:
        intensity = rows[:, column]
    return Spectrum(rows[:, energy_column], intensity, str(path), lines)


def read_text_spectra(directory, pattern: str = "*.txt", energy_column: int = 0,
                      column: int | str = 1) -> tuple[list[str], list[Spectrum]]:
    """One spectrum per file of ``directory``; sample ids as in :func:`matching_files`."""
    files = matching_files(directory, pattern)
    return list(files), [read_text_spectrum(path, energy_column, column) for path in files.values()]


def read_axis(path) -> np.ndarray:
    """A 1-D energy axis from a .npy file or a text file of numbers (one per line or comma-separated)."""
    path = Path(path)
    values = np.load(path) if path.suffix == ".npy" else numeric_rows(path)[0]
    return np.ravel(values).astype(float)


def _rows(values, energy, path, ids) -> list[Spectrum]:
    """Spectra from the rows of a 2-D array on one shared energy axis."""
    values, energy = np.asarray(values, dtype=float), np.asarray(energy, dtype=float)
    if values.ndim != 2 or values.shape[1] != len(energy):
        raise IngestError(f"{path}: spectra of shape {values.shape} do not match an energy axis of "
                          f"{len(energy)} points (expected samples × energies)")
    names = [f" (sample '{i}')" for i in ids] if ids is not None else [""] * len(values)
    return [Spectrum(energy, row, f"{path}, row {k}{name}") for k, (row, name) in enumerate(zip(values, names))]


def read_npy_spectra(path, energy) -> tuple[None, list[Spectrum]]:
    """Rows of a 2-D .npy array, in the order of the structures; ``energy`` is a separate axis file."""
    return None, _rows(np.load(path), read_axis(energy), path, None)


def read_npz_spectra(path, variable: str = "spectra", energy: str = "energy",
                     ids: str = "sample_id") -> tuple[list[str] | None, list[Spectrum]]:
    """Rows of array ``variable`` of a .npz archive on its array ``energy``; ids from array ``ids`` if present,
    else rows follow the structures' order."""
    with np.load(path) as archive:
        for name in (variable, energy):
            if name not in archive:
                raise IngestError(f"{path}: no array '{name}' (arrays: {sorted(archive.files)})")
        sample_ids = [str(i) for i in archive[ids]] if ids in archive else None
        return sample_ids, _rows(archive[variable], archive[energy], path, sample_ids)


def read_netcdf_spectra(path, variable: str = "spectra", energy: str | None = None,
                        ids: str = "sample_id") -> tuple[list[str] | None, list[Spectrum]]:
    """Rows of NetCDF variable ``variable`` (sample, energy); the energy axis is variable ``energy`` or the
    coordinate of its second dimension; ids from variable ``ids`` if present, else the structures' order."""
    try:
        with xr.open_dataset(path, engine="netcdf4") as ds:
            ds = ds.load()
    except (OSError, ValueError) as err:
        raise IngestError(f"{path}: not a readable NetCDF file ({err})") from err
    if variable not in ds.variables or ds[variable].ndim != 2:
        raise IngestError(f"{path}: no 2-D variable '{variable}' (variables: {sorted(ds.variables)})")
    axis = energy or ds[variable].dims[1]
    if axis not in ds.variables:
        raise IngestError(f"{path}: no energy variable '{axis}' for '{variable}'")
    sample_ids = [str(i) for i in ds[ids].values] if ids in ds.variables else None
    return sample_ids, _rows(ds[variable].values, ds[axis].values, path, sample_ids)


def csv_table(path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line number, cells) of each data row of a CSV file; a short or long row is an error."""
    with open(path, newline="") as handle:
        rows = [(number, row) for number, row in enumerate(csv.reader(handle), start=1) if any(c.strip() for c in row)]
    if not rows:
        raise IngestError(f"{path}: empty CSV file")
    (_, header), body = rows[0], rows[1:]
    for number, row in body:
        if len(row) != len(header):
            raise IngestError(f"{path}, line {number}: {len(row)} cells, the header has {len(header)}")
    return [cell.strip() for cell in header], [(n, [cell.strip() for cell in row]) for n, row in body]


def column_index(header: list[str], name: str, path) -> int:
    if name not in header:
        raise IngestError(f"{path}: no column '{name}' (columns: {header[:8]})")
    return header.index(name)


def read_csv_spectra(path, energy, ids: str = "sample_id") -> tuple[list[str], list[Spectrum]]:
    """One spectrum per CSV row: column ``ids`` holds the sample id, every other column an intensity at
    the energies of the separate axis file ``energy``."""
    header, body = csv_table(path)
    id_index = column_index(header, ids, path)
    axis = read_axis(energy)
    if len(header) - 1 != len(axis):
        raise IngestError(f"{path}: {len(header) - 1} intensity columns, the energy axis {energy} has {len(axis)}")
    sample_ids, spectra = [], []
    for number, row in body:
        cells = row[:id_index] + row[id_index + 1:]
        try:
            intensity = np.array([float(cell) for cell in cells])
        except ValueError:
            raise IngestError(f"{path}, line {number}: an intensity is not a number") from None
        sample_ids.append(row[id_index])
        spectra.append(Spectrum(axis, intensity, f"{path}, line {number} (sample '{row[id_index]}')"))
    return sample_ids, spectra


# Labels ----------------------------------------------------------------------------------------------

_LABEL_HEADER = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:\[(?P<units>[^\]]*)\])?$")


@dataclass
class Label:
    """One per-sample label column: values (float, or str where not all numbers) and units."""

    values: np.ndarray
    units: str | None


def read_labels(path, ids: str = "sample_id") -> tuple[list[str], dict[str, Label]]:
    """Per-sample labels from a CSV file keyed by column ``ids``; a header ``pressure [GPa]`` gives units.

    A column whose non-empty cells are all numbers is numeric, and then an empty or non-finite cell is an
    error naming the line; other columns are kept as text.
    """
    header, body = csv_table(path)
    id_index = column_index(header, ids, path)
    labels = {}
    for k, cell in enumerate(header):
        if k == id_index:
            continue
        match = _LABEL_HEADER.match(cell)
        if match is None:
            raise IngestError(f"{path}: column '{cell}' is not a label name (letters, digits, _; units in [..])")
        texts = [(number, row[k]) for number, row in body]
        labels[match["name"]] = Label(_label_values(texts, path, match["name"]), match["units"])
    return [row[id_index] for _, row in body], labels


def _label_values(texts: list[tuple[int, str]], path, name: str) -> np.ndarray:
    try:
        numbers = [float(text) for _, text in texts if text]
    except ValueError:
        return np.array([text for _, text in texts])
    for (number, text), value in zip([t for t in texts if t[1]], numbers):
        if not np.isfinite(value):
            raise IngestError(f"{path}, line {number}: label '{name}' is {text}")
    empty = [number for number, text in texts if not text]
    if empty:
        raise IngestError(f"{path}, line {empty[0]}: label '{name}' is empty")
    return np.array(numbers)

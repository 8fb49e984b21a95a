"""Structure → feature vectors, as named features with units (docs/method.md §3).

Numbers may be per data set ``(atom)`` or per sample ``(sample, atom)``; in the latter, atomic number 0
marks an empty (padding) slot of a sample with fewer atoms. Featurizers raise :class:`SampleError`
naming the sample they cannot handle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr
from ase.data import atomic_numbers, chemical_symbols

COULOMB_UNITS = "e^2/angstrom"


class SampleError(ValueError):
    """A featurizer cannot handle sample ``index``: the message reads ``sample <index>[ ('<id>')]: <detail>``."""

    def __init__(self, index: int, detail: str, sample_id: str | None = None):
        named = f" ('{sample_id}')" if sample_id is not None else ""
        super().__init__(f"sample {index}{named}: {detail}")
        self.index, self.detail = index, detail


def element(value) -> int:
    """Atomic number of a config value: an atomic number or an element symbol (``Ge``)."""
    if isinstance(value, str):
        if value not in atomic_numbers or atomic_numbers[value] == 0:
            raise ValueError(f"unknown element symbol '{value}'")
        return atomic_numbers[value]
    return int(value)


@dataclass
class Features:
    """A feature matrix with one name and one unit per column; ``attrs`` are stored with it."""

    values: np.ndarray
    names: list[str]
    units: list[str]
    attrs: dict

    def to_dataset(self, labels: xr.Dataset) -> xr.Dataset:
        """The ``features.nc`` layout: ``X(sample, feature)``, ``feature_units`` and the per-sample labels."""
        ds = labels.copy()
        ds["X"] = (("sample", "feature"), self.values)
        ds["feature_units"] = (("feature",), np.array(self.units))
        ds = ds.assign_coords(feature=self.names)
        ds.attrs.update(self.attrs)
        return ds


def _per_sample_numbers(numbers: np.ndarray, n_samples: int) -> np.ndarray:
    numbers = np.asarray(numbers)
    return np.broadcast_to(numbers, (n_samples, numbers.shape[-1])) if numbers.ndim == 1 else numbers


def fixed_topology(numbers: np.ndarray, n_samples: int, name: str) -> np.ndarray:
    """The atomic numbers shared by every sample; a sample whose atoms differ in count or order is an error.

    Featurizers that address atoms by index (``name`` in the message) need the same atom at each index.
    """
    numbers = _per_sample_numbers(numbers, n_samples)
    differs = np.flatnonzero((numbers != numbers[0]).any(axis=1))
    if len(differs):
        i = differs[0]
        raise SampleError(i, f"atoms {_formula(numbers[i])} differ from sample 0's {_formula(numbers[0])} "
                             f"({len(differs)} sample(s) in all); {name} needs the same atoms in the same "
                             "order in every sample")
    return numbers[0]


def _formula(numbers) -> str:
    return "".join(chemical_symbols[z] for z in numbers if z != 0) + f" ({np.count_nonzero(numbers)} atoms)"


def h2o_internal(positions: np.ndarray, numbers: np.ndarray) -> Features:
    """H–O–H angle α (deg), the longer O–H bond b_long and the shorter b_short (Å) of each molecule.

    Each sample must hold exactly one O and two H; other atoms are an error naming the sample.
    """
    positions = np.asarray(positions, dtype=float)
    numbers = _per_sample_numbers(numbers, len(positions))
    out = np.empty((len(positions), 3))
    for i, (xyz, z) in enumerate(zip(positions, numbers)):
        oxygen, hydrogen = np.flatnonzero(z == 8), np.flatnonzero(z == 1)
        if len(oxygen) != 1 or len(hydrogen) != 2 or len(z) != 3:
            raise SampleError(i, f"h2o_internal needs one O and two H, got atomic numbers {z.tolist()}")
        bonds = xyz[hydrogen] - xyz[oxygen[0]]
        lengths = np.linalg.norm(bonds, axis=1)
        cosine = bonds[0] @ bonds[1] / (lengths[0] * lengths[1])
        out[i] = np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))), lengths.max(), lengths.min()
    return Features(out, ["alpha", "b_long", "b_short"], ["degree", "angstrom", "angstrom"], {})


def coulomb_slots(positions: np.ndarray, numbers: np.ndarray, center: int, neighbors, cutoff: float,
                  center_index: int | None = None):
    """Atom indices of each sample's slots: the centre, then per (z, n) group the n nearest of element z.

    The centre is atom ``center_index`` if given (it must have atomic number ``center``), else the atom of
    number ``center`` nearest the origin. Slots within a group are sorted by distance from the centre.
    Raises naming the sample when a group has too few atoms within ``cutoff``.
    """
    numbers = _per_sample_numbers(numbers, len(positions))
    slots = []
    for i, (xyz, z) in enumerate(zip(positions, numbers)):
        candidates = np.flatnonzero(z == center) if center_index is None else [center_index]
        if len(candidates) == 0 or z[candidates[0]] != center:
            raise SampleError(i, f"no centre atom with atomic number {center}"
                                 + (f" at index {center_index}" if center_index is not None else ""))
        c = candidates[np.argmin(np.linalg.norm(xyz[candidates], axis=1))]
        distance = np.linalg.norm(xyz - xyz[c], axis=1)
        row = [c]
        for group in neighbors:
            members = np.flatnonzero((z == group["z"]) & (np.arange(len(z)) != c) & (distance <= cutoff))
            if len(members) < group["n"]:
                raise SampleError(i, f"only {len(members)} atoms of Z={group['z']} within {cutoff} Å of the "
                                     f"centre, {group['n']} slots requested")
            row.extend(members[np.argsort(distance[members], kind="stable")][: group["n"]])
        slots.append(row)
    return np.array(slots)


def coulomb_matrix(positions: np.ndarray, numbers: np.ndarray, center: int | str = 32,
                   neighbors=({"z": 8, "n": 6}, {"z": 32, "n": 4}), cutoff: float = 4.5,
                   center_index: int | None = None) -> Features:
    """The centred Coulomb matrix with fixed neighbour slots, as its upper off-diagonal triangle.

    The centre is given by element (``center``: atomic number or symbol; the atom of that element nearest
    the origin) or, overriding it, by ``center_index`` (that atom; it must be of the same element in every
    sample). Neighbour elements ``z`` may be symbols too.
    C_ij = Z_i Z_j / r_ij. The diagonal 0.5 Z_i^2.4 is the same for every sample (each slot has a fixed
    element), so it is left out. Feature order is row-major over i < j; the first n_slots − 1 features
    are the centre's row, from which :func:`center_distances` reads distances back.
    """
    positions = np.asarray(positions, dtype=float)
    if center_index is not None:
        center = _per_sample_numbers(numbers, len(positions))[0, center_index]
    center = element(center)
    neighbors = [{"z": element(g["z"]), "n": g["n"]} for g in neighbors]
    slots = coulomb_slots(positions, numbers, center, neighbors, cutoff, center_index)
    slot_z = np.array([center] + [g["z"] for g in neighbors for _ in range(g["n"])])
    xyz = np.take_along_axis(positions, slots[:, :, None], axis=1)
    r = np.linalg.norm(xyz[:, :, None, :] - xyz[:, None, :, :], axis=-1)
    upper_i, upper_j = np.triu_indices(len(slot_z), k=1)
    values = slot_z[upper_i] * slot_z[upper_j] / r[:, upper_i, upper_j]
    labels = [f"{chemical_symbols[z]}{k}" for k, z in enumerate(slot_z)]
    names = [f"C[{labels[i]},{labels[j]}]" for i, j in zip(upper_i, upper_j)]
    return Features(values, names, [COULOMB_UNITS] * len(names), {"slot_numbers": slot_z.tolist()})


def center_distances(coulomb: np.ndarray, slot_numbers) -> np.ndarray:
    """Distances (Å) from the centre to each neighbour slot, r_0j = Z_0 Z_j / C_0j, for rows of features."""
    slot_numbers = np.asarray(slot_numbers)
    center_row = np.asarray(coulomb)[..., : len(slot_numbers) - 1]
    return slot_numbers[0] * slot_numbers[1:] / center_row


def _angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle in degrees between rows of vectors ``a`` and ``b``."""
    cosine = np.sum(a * b, axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))


def _dihedral(p0, p1, p2, p3) -> np.ndarray:
    """Signed dihedral angle p0–p1–p2–p3 in degrees, in (−180, 180] (IUPAC convention)."""
    b0, b1, b2 = p0 - p1, p2 - p1, p3 - p2
    b1 = b1 / np.linalg.norm(b1, axis=-1, keepdims=True)
    v = b0 - np.sum(b0 * b1, axis=-1, keepdims=True) * b1
    w = b2 - np.sum(b2 * b1, axis=-1, keepdims=True) * b1
    return np.degrees(np.arctan2(np.sum(np.cross(b1, v) * w, axis=-1), np.sum(v * w, axis=-1)))


INTERNAL = {  # kind → (atoms per coordinate, unit, function of the atoms' positions)
    "bonds": (2, "angstrom", lambda p0, p1: np.linalg.norm(p1 - p0, axis=-1)),
    "angles": (3, "degree", lambda p0, p1, p2: _angle(p0 - p1, p2 - p1)),
    "dihedrals": (4, "degree", _dihedral),
}


def internal_coordinates(positions: np.ndarray, numbers: np.ndarray, bonds=None, angles=None,
                         dihedrals=None) -> Features:
    """Named bond lengths (Å), angles i–j–k at j (deg) and dihedrals i–j–k–l (deg), atoms given by index.

    Each argument maps a feature name to its atom indices, e.g. ``bonds={"r_OH1": [0, 1]}``,
    ``angles={"HOH": [1, 0, 2]}``. Indices address the same atom in every sample, so every sample must
    hold the same atoms in the same order (else an error names the first sample that differs).
    """
    positions = np.asarray(positions, dtype=float)
    topology = fixed_topology(numbers, len(positions), "internal_coordinates")
    columns, names, units = [], [], []
    for kind, given in (("bonds", bonds), ("angles", angles), ("dihedrals", dihedrals)):
        n_atoms, unit, function = INTERNAL[kind]
        for name, atoms in (given or {}).items():
            if len(atoms) != n_atoms or not all(0 <= a < len(topology) and topology[a] != 0 for a in atoms):
                raise ValueError(f"{kind} '{name}': needs {n_atoms} indices of atoms among 0..{len(topology) - 1}"
                                 f" (padding excluded), got {list(atoms)}")
            columns.append(function(*(positions[:, a] for a in atoms)))
            names.append(name)
            units.append(unit)
    if not names:
        raise ValueError("internal_coordinates: no bonds, angles or dihedrals configured")
    return Features(np.column_stack(columns), names, units, {})


def sorted_coulomb(positions: np.ndarray, numbers: np.ndarray, max_atoms: int) -> Features:
    """The full Coulomb matrix of each sample, rows and columns sorted by descending row norm and padded
    with zeros to ``max_atoms``, as its upper triangle with the diagonal (for variable composition).

    C_ii = 0.5 Z_i^2.4 (unit 1), C_ij = Z_i Z_j / r_ij; padding atoms (atomic number 0) give zero rows. Sorting by
    row norm (no eigenvalues) makes the vector independent of the input atom order. A sample with more
    than ``max_atoms`` atoms is an error naming it.
    """
    positions = np.asarray(positions, dtype=float)
    numbers = _per_sample_numbers(numbers, len(positions))
    upper_i, upper_j = np.triu_indices(max_atoms)
    values = np.zeros((len(positions), len(upper_i)))
    for i, (xyz, z) in enumerate(zip(positions, numbers)):
        real = np.flatnonzero(z != 0)
        if len(real) > max_atoms:
            raise SampleError(i, f"{len(real)} atoms, more than max_atoms={max_atoms}")
        zr, r = z[real].astype(float), np.linalg.norm(xyz[real, None] - xyz[None, real], axis=-1)
        with np.errstate(divide="ignore"):
            matrix = np.where(np.eye(len(real), dtype=bool), 0.5 * zr[:, None] ** 2.4, np.outer(zr, zr) / r)
        if not np.isfinite(matrix).all():
            raise SampleError(i, "two atoms at the same position")
        order = np.argsort(-np.linalg.norm(matrix, axis=1), kind="stable")
        padded = np.zeros((max_atoms, max_atoms))
        padded[: len(real), : len(real)] = matrix[np.ix_(order, order)]
        values[i] = padded[upper_i, upper_j]
    names = [f"C[{i},{j}]" for i, j in zip(upper_i, upper_j)]
    units = ["1" if i == j else COULOMB_UNITS for i, j in zip(upper_i, upper_j)]
    return Features(values, names, units, {"max_atoms": max_atoms})


FEATURIZERS = {
    "h2o_internal": h2o_internal,
    "coulomb_matrix": coulomb_matrix,
    "internal_coordinates": internal_coordinates,
    "sorted_coulomb": sorted_coulomb,
}


def featurize(positions, numbers, name: str, sample_ids=None, **options) -> Features:
    """Run the featurizer called ``name`` with its config ``options``; errors name the sample's id too."""
    if name not in FEATURIZERS:
        raise ValueError(f"unknown featurizer '{name}', expected one of {sorted(FEATURIZERS)}")
    try:
        return FEATURIZERS[name](positions, numbers, **options)
    except SampleError as err:
        if sample_ids is None:
            raise
        raise SampleError(err.index, err.detail, str(sample_ids[err.index])) from err

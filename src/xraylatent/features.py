"""Structure → feature vectors, as named features with units (method.md §3)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

SYMBOLS = {1: "H", 6: "C", 7: "N", 8: "O", 9: "F", 14: "Si", 15: "P", 16: "S", 32: "Ge"}
COULOMB_UNITS = "e^2/angstrom"


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
            raise ValueError(f"sample {i}: h2o_internal needs one O and two H, got atomic numbers {z.tolist()}")
        bonds = xyz[hydrogen] - xyz[oxygen[0]]
        lengths = np.linalg.norm(bonds, axis=1)
        cosine = bonds[0] @ bonds[1] / (lengths[0] * lengths[1])
        out[i] = np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))), lengths.max(), lengths.min()
    return Features(out, ["alpha", "b_long", "b_short"], ["degree", "angstrom", "angstrom"], {})


def coulomb_slots(positions: np.ndarray, numbers: np.ndarray, center: int, neighbors, cutoff: float):
    """Atom indices of each sample's slots: the centre, then per (z, n) group the n nearest of element z.

    The centre is the atom of number ``center`` nearest the origin. Slots within a group are sorted by
    distance from the centre. Raises naming the sample when a group has too few atoms within ``cutoff``.
    """
    numbers = _per_sample_numbers(numbers, len(positions))
    slots = []
    for i, (xyz, z) in enumerate(zip(positions, numbers)):
        candidates = np.flatnonzero(z == center)
        if len(candidates) == 0:
            raise ValueError(f"sample {i}: no centre atom with atomic number {center}")
        c = candidates[np.argmin(np.linalg.norm(xyz[candidates], axis=1))]
        distance = np.linalg.norm(xyz - xyz[c], axis=1)
        row = [c]
        for group in neighbors:
            members = np.flatnonzero((z == group["z"]) & (np.arange(len(z)) != c) & (distance <= cutoff))
            if len(members) < group["n"]:
                raise ValueError(
                    f"sample {i}: only {len(members)} atoms of Z={group['z']} within {cutoff} Å of the centre, "
                    f"{group['n']} slots requested"
                )
            row.extend(members[np.argsort(distance[members], kind="stable")][: group["n"]])
        slots.append(row)
    return np.array(slots)


def coulomb_matrix(positions: np.ndarray, numbers: np.ndarray, center: int = 32,
                   neighbors=({"z": 8, "n": 6}, {"z": 32, "n": 4}), cutoff: float = 4.5) -> Features:
    """The centred Coulomb matrix with fixed neighbour slots, as its upper off-diagonal triangle.

    C_ij = Z_i Z_j / r_ij. The diagonal 0.5 Z_i^2.4 is the same for every sample (each slot has a fixed
    element), so it is left out. Feature order is row-major over i < j; the first n_slots − 1 features
    are the centre's row, from which :func:`center_distances` reads distances back.
    """
    positions = np.asarray(positions, dtype=float)
    slots = coulomb_slots(positions, numbers, center, neighbors, cutoff)
    slot_z = np.array([center] + [g["z"] for g in neighbors for _ in range(g["n"])])
    xyz = np.take_along_axis(positions, slots[:, :, None], axis=1)
    r = np.linalg.norm(xyz[:, :, None, :] - xyz[:, None, :, :], axis=-1)
    upper_i, upper_j = np.triu_indices(len(slot_z), k=1)
    values = slot_z[upper_i] * slot_z[upper_j] / r[:, upper_i, upper_j]
    labels = [f"{SYMBOLS.get(int(z), z)}{k}" for k, z in enumerate(slot_z)]
    names = [f"C[{labels[i]},{labels[j]}]" for i, j in zip(upper_i, upper_j)]
    return Features(values, names, [COULOMB_UNITS] * len(names), {"slot_numbers": slot_z.tolist()})


def center_distances(coulomb: np.ndarray, slot_numbers) -> np.ndarray:
    """Distances (Å) from the centre to each neighbour slot, r_0j = Z_0 Z_j / C_0j, for rows of features."""
    slot_numbers = np.asarray(slot_numbers)
    center_row = np.asarray(coulomb)[..., : len(slot_numbers) - 1]
    return slot_numbers[0] * slot_numbers[1:] / center_row


FEATURIZERS = {"h2o_internal": h2o_internal, "coulomb_matrix": coulomb_matrix}


def featurize(positions, numbers, name: str, **options) -> Features:
    """Run the featurizer called ``name`` with its config ``options``."""
    if name not in FEATURIZERS:
        raise ValueError(f"unknown featurizer '{name}', expected one of {sorted(FEATURIZERS)}")
    return FEATURIZERS[name](positions, numbers, **options)

"""Featurizers for arbitrary molecules and clusters: internal coordinates, Coulomb matrices by element or
index, and the sorted/padded Coulomb matrix for variable composition."""

import numpy as np
import pytest

from xraylatent.data.features import SampleError, coulomb_matrix, featurize, internal_coordinates, sorted_coulomb

# H–O–O–H with O–O along x, the first H along +y, the second along +z: looking from the first O to the second,
# the front O–H turns clockwise by 90° onto the back one, a dihedral of +90° (IUPAC).
HOOH = np.array([[-0.5, 1.0, 0.0], [0.0, 0.0, 0.0], [1.5, 0.0, 0.0], [2.0, 0.0, 1.0]])
HOOH_Z = np.array([1, 8, 8, 1])


def test_internal_coordinates_are_named_with_units_and_known_values():
    features = internal_coordinates(HOOH[None], HOOH_Z, bonds={"r_OO": [1, 2], "r_OH": [0, 1]},
                                    angles={"HOO": [0, 1, 2]}, dihedrals={"HOOH": [0, 1, 2, 3]})
    assert features.names == ["r_OO", "r_OH", "HOO", "HOOH"]
    assert features.units == ["angstrom", "angstrom", "degree", "degree"]
    hoo = 180.0 - np.degrees(np.arctan2(1.0, 0.5))
    np.testing.assert_allclose(features.values, [[1.5, np.sqrt(1.25), hoo, 90.0]], atol=1e-12)
    mirrored = HOOH * [1, 1, -1]
    np.testing.assert_allclose(internal_coordinates(mirrored[None], HOOH_Z, dihedrals={"d": [0, 1, 2, 3]}).values,
                               [[-90.0]], atol=1e-12)


def test_internal_coordinates_reject_a_bad_index_naming_the_coordinate():
    with pytest.raises(ValueError, match=r"angles 'bad': needs 3 indices of atoms among 0..3"):
        internal_coordinates(HOOH[None], HOOH_Z, angles={"bad": [0, 1, 7]})


def test_internal_coordinates_need_one_topology_and_name_the_sample():
    numbers = np.array([HOOH_Z, HOOH_Z, [8, 1, 8, 1]])
    with pytest.raises(SampleError, match=r"sample 2 \('c'\): atoms OHOH \(4 atoms\) differ from sample 0's HOOH"):
        featurize(np.stack([HOOH] * 3), numbers, "internal_coordinates", sample_ids=["a", "b", "c"],
                  bonds={"r": [1, 2]})


def cluster() -> tuple[np.ndarray, np.ndarray]:
    """Two Ge and three O: Ge at the origin is nearest the origin, Ge at index 4 is the other one."""
    positions = np.array([[0.1, 0, 0], [1.7, 0, 0], [0, 1.8, 0], [0, 0, 1.9], [3.0, 0.0, 0.0]])
    return positions, np.array([32, 8, 8, 8, 32])


def test_coulomb_matrix_centre_by_symbol_equals_by_number():
    positions, numbers = cluster()
    by_number = coulomb_matrix(positions[None], numbers, 32, [{"z": 8, "n": 2}], cutoff=4.0)
    by_symbol = coulomb_matrix(positions[None], numbers, "Ge", [{"z": "O", "n": 2}], cutoff=4.0)
    np.testing.assert_array_equal(by_number.values, by_symbol.values)
    assert by_symbol.names[0] == "C[Ge0,O1]"


def test_coulomb_matrix_centre_by_index():
    positions, numbers = cluster()
    features = coulomb_matrix(positions[None], numbers, neighbors=[{"z": 8, "n": 1}], cutoff=4.0, center_index=4)
    np.testing.assert_allclose(features.values, [[32 * 8 / 1.3]])  # nearest O to the Ge at x = 3 is at x = 1.7
    with pytest.raises(SampleError, match="sample 1: no centre atom with atomic number 32 at index 4"):
        coulomb_matrix(np.stack([positions] * 2), np.array([numbers, [32, 8, 8, 32, 8]]),
                       neighbors=[{"z": 8, "n": 1}], center_index=4)


def test_sorted_coulomb_ignores_atom_order_and_pads():
    positions, numbers = cluster()
    shuffled = [3, 0, 4, 2, 1]
    padded_numbers = np.array([list(numbers) + [0], list(numbers[shuffled]) + [0], [8, 1, 1, 0, 0, 0]])
    padded_positions = np.zeros((3, 6, 3))
    padded_positions[0, :5], padded_positions[1, :5] = positions, positions[shuffled]
    padded_positions[2, :3] = [[0, 0, 0], [1, 0, 0], [0, 1, 0]]
    features = sorted_coulomb(padded_positions, padded_numbers, max_atoms=6)
    assert len(features.names) == 21 and features.names[1] == "C[0,1]"
    np.testing.assert_allclose(features.values[0], features.values[1], rtol=1e-12)
    water = features.values[2].reshape(-1)
    assert water[0] == pytest.approx(0.5 * 8**2.4) and np.count_nonzero(water) == 6  # 3 diagonal + 3 pairs
    assert features.units[0] == "1" and features.units[1] == "e^2/angstrom"
    with pytest.raises(SampleError, match="sample 0: 5 atoms, more than max_atoms=4"):
        sorted_coulomb(padded_positions, padded_numbers, max_atoms=4)

import numpy as np
import pytest

from xraylatent.data.features import center_distances, coulomb_matrix, featurize, h2o_internal
from xraylatent.data.sources import synthetic_geo2, synthetic_h2o


def test_h2o_internal_coordinates_of_built_molecules():
    positions = synthetic_h2o.build_positions(np.array([104.5, 60.0]), np.array([0.957, 1.0]),
                                              np.array([1.2, 0.9]))
    features = h2o_internal(positions, np.array([8, 1, 1]))
    np.testing.assert_allclose(features.values, [[104.5, 1.2, 0.957], [60.0, 1.0, 0.9]], atol=1e-9)
    assert features.units == ["degree", "angstrom", "angstrom"]


def test_h2o_internal_names_a_bad_sample():
    positions = synthetic_h2o.build_positions(np.array([100.0, 100.0]), np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="sample 1"):
        h2o_internal(positions, np.array([[8, 1, 1], [8, 8, 1]]))


def test_coulomb_matrix_round_trips_to_distances_on_a_built_cluster():
    rng = np.random.default_rng(0)
    positions, cn = synthetic_geo2.build_cluster(30.0, rng)
    neighbors = [{"z": 8, "n": 6}, {"z": 32, "n": 4}]
    features = coulomb_matrix(positions[None], synthetic_geo2.NUMBERS, 32, neighbors, cutoff=4.5)
    assert features.values.shape == (1, 55)
    distances = center_distances(features.values, features.attrs["slot_numbers"])[0]
    r = np.linalg.norm(positions, axis=1)
    expected = np.concatenate([np.sort(r[1:13])[:6], np.sort(r[13:])[:4]])
    np.testing.assert_allclose(distances, expected, rtol=1e-12)
    assert features.names[0] == "C[Ge0,O1]" and features.names[-1] == "C[Ge9,Ge10]"


def test_coulomb_matrix_names_sample_with_too_few_neighbours():
    positions = np.zeros((2, 3, 3))
    positions[:, 1] = [1.8, 0, 0]
    positions[:, 2] = [0, 1.8, 0]
    positions[1, 2] = [0, 9.0, 0]
    with pytest.raises(ValueError, match="sample 1: only 1 atoms of Z=8"):
        coulomb_matrix(positions, np.array([32, 8, 8]), 32, [{"z": 8, "n": 2}], cutoff=4.0)


def test_unknown_featurizer_is_named():
    with pytest.raises(ValueError, match="unknown featurizer 'soap'"):
        featurize(np.zeros((1, 3, 3)), np.array([8, 1, 1]), "soap")

"""The synthetic fixtures really have the planted structure their docstrings promise."""

import numpy as np
from scipy.stats import pearsonr

from xraylatent.data.sources import synthetic_geo2, synthetic_h2o


def test_h2o_spectra_depend_only_on_the_planted_directions():
    rng = np.random.default_rng(0)
    x = synthetic_h2o.internal_coordinates(synthetic_h2o.sample_geometries(50, rng))
    base = synthetic_h2o.spectra(x)
    for kind, directions in synthetic_h2o.PLANTED.items():
        # a step orthogonal to every planted direction (in physical units) leaves the spectrum unchanged
        null = np.linalg.svd(directions)[2][len(directions):]
        moved = synthetic_h2o.spectra(x + 0.05 * null.sum(axis=0))
        np.testing.assert_allclose(moved[kind], base[kind], atol=1e-12)
        # a step along a planted direction changes it
        step = directions[0] / np.linalg.norm(directions[0]) ** 2
        assert np.abs(synthetic_h2o.spectra(x + 0.5 * step)[kind] - base[kind]).max() > 0.05


def test_h2o_raw_dataset_follows_the_contract():
    ds = synthetic_h2o.generate(30, seed=1)
    assert ds["positions"].shape == (30, 3, 3) and ds["positions"].attrs["units"] == "angstrom"
    assert ds["energy_xps"].attrs["units"] == "eV"
    assert ds["planted_xes"].shape == (2, 3)
    np.testing.assert_array_equal(ds["spectrum_xas"], synthetic_h2o.generate(30, seed=1)["spectrum_xas"])


def test_geo2_trends_follow_pressure_and_bond_length():
    ds = synthetic_geo2.generate(pressures=[0, 10, 20, 60], per_pressure=30, seed=0)
    cn = ds["coordination"].groupby(ds["pressure"]).mean().values
    assert cn[0] < 4.3 and cn[-1] > 5.8 and np.all(np.diff(cn) >= 0)
    energy = ds["energy_kbeta"].values
    spectra = ds["spectrum_kbeta"].values
    ratio = spectra[:, energy < 11093].sum(1) / spectra[:, energy >= 11093].sum(1)
    assert pearsonr(ratio, ds["mean_ge_o"].values)[0] < -0.8
    assert ds["numbers"].values.tolist() == synthetic_geo2.NUMBERS.tolist()

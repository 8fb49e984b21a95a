"""Physics checks of the built-in data sets: known values and trends of physics.md, determinism, failures.

Each quantum calculation takes 0.6–4 s on one core; shared results are module-scoped fixtures.
"""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from xraylatent.data.features import coulomb_matrix
from xraylatent.data.sources import chunks, geo2_clusters, geo2_spectra, h2o_md, h2o_spectra


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    from pyscf import lib

    threads = lib.num_threads()
    lib.num_threads(1)
    yield
    lib.num_threads(threads)


@pytest.fixture(scope="module")
def experimental():
    return h2o_spectra.o1s_lines(h2o_md.water())


def _bands(lines):
    """XES lines from the top: 1b1, 3a1, 1b2 (eV)."""
    return lines.xes_energies[::-1][:3]


def test_experimental_geometry_matches_reference_values(experimental):
    assert experimental.converged
    assert 538.5 <= experimental.binding_energy <= 539.5
    pre_edge, second = experimental.xas_energies[:2]
    assert pre_edge < second  # 4a1 below 2b2
    np.testing.assert_allclose([pre_edge, second], [534.43, 536.39], atol=0.05)
    np.testing.assert_allclose(_bands(experimental), [526.15, 524.50, 520.89], atol=0.05)
    assert np.all(experimental.xas_intensities >= 0) and np.all(experimental.xes_intensities > 0)


def test_symmetric_stretch_lowers_and_strengthens_the_pre_edge(experimental):
    stretched = h2o_spectra.o1s_lines(h2o_md.water(1.20, 1.20))
    assert stretched.xas_energies[0] < experimental.xas_energies[0] - 1.5
    assert stretched.xas_intensities[0] > experimental.xas_intensities[0]


def test_xes_lone_pair_gap_closes_toward_the_linear_molecule(experimental):
    gaps = [_bands(experimental)[0] - _bands(experimental)[1]]
    for angle in (140.0, 179.0):
        bands = _bands(h2o_spectra.o1s_lines(h2o_md.water(angle=angle)))
        gaps.append(bands[0] - bands[1])
    assert gaps[0] > gaps[1] > gaps[2] >= 0.0
    assert gaps[2] < 0.1


def test_unconverged_structure_is_kept_with_nan_spectra():
    chunk = h2o_spectra.spectra_chunk(h2o_md.water()[None], max_cycle=1)
    assert not chunk["converged"].item()
    assert np.isnan(chunk["spectrum_xes"]).all() and np.isnan(chunk["binding_energy"]).all()


def _md(**options):
    settings = dict(n_trajectories=2, snapshots_per_trajectory=3, equilibration_steps=20, stride=10, seed=5)
    return h2o_md.sample_h2o(**{**settings, **options})


def test_md_is_deterministic_and_trajectories_do_not_depend_on_their_number():
    first, again, more = _md(), _md(), _md(n_trajectories=3)
    np.testing.assert_array_equal(first["positions"], again["positions"])
    np.testing.assert_array_equal(first["positions"], more["positions"][:6])
    assert not np.array_equal(first["positions"], _md(seed=6)["positions"])
    np.testing.assert_allclose(first["time"][:3], [7.5, 10.0, 12.5])
    assert first["trajectory"].values.tolist() == [0, 0, 0, 1, 1, 1]


def test_dissociated_snapshots_are_dropped_and_counted():
    broken = np.array([h2o_md.water(0.96, 2.5), h2o_md.water()])
    assert h2o_md.dissociated(broken, 2.0).tolist() == [True, False]
    kept = _md()
    cutoff = float(np.median(h2o_md.oh_bonds(kept["positions"].values).max(axis=1)))
    cut = _md(dissociation_cutoff=cutoff)
    expected = int(h2o_md.dissociated(kept["positions"].values, cutoff).sum())
    assert 0 < cut.attrs["n_dissociated"] == expected == kept.sizes["sample"] - cut.sizes["sample"]
    assert h2o_md.oh_bonds(cut["positions"].values).max() <= cutoff
    assert set(cut["sample_id"].values) < set(kept["sample_id"].values)


def test_h2o_spectra_are_identical_for_identical_inputs():
    positions = _md()["positions"].values[:1]
    first, again = h2o_spectra.spectra_chunk(positions), h2o_spectra.spectra_chunk(positions)
    assert first["converged"].all()
    for kind in ("xes", "xas", "xps"):
        np.testing.assert_array_equal(first[f"spectrum_{kind}"], again[f"spectrum_{kind}"])


def test_cluster_generator_follows_the_pressure_trends():
    ds = geo2_clusters.generate_clusters(pressures=(0.0, 12.0, 40.0), per_pressure=40, seed=3)
    again = geo2_clusters.generate_clusters(pressures=(0.0, 12.0, 40.0), per_pressure=40, seed=3)
    np.testing.assert_array_equal(ds["positions"], again["positions"])
    mean_cn = ds["coordination"].groupby(ds["pressure"]).mean().values
    assert mean_cn[0] < 4.2 and 4.6 < mean_cn[1] < 5.4 and mean_cn[2] > 5.9
    r = np.linalg.norm(ds["positions"].values, axis=-1)
    first_shell = (r <= 2.4) & (ds["numbers"].values == 8)
    np.testing.assert_array_equal(first_shell.sum(axis=1), ds["coordination"])
    coulomb_matrix(ds["positions"].values, ds["numbers"].values)  # enough O and Ge neighbours for the slots


def test_point_charges_neutralise_the_cluster():
    model = geo2_clusters.ClusterModel(cn_midpoint_gpa=-1000.0)  # always six-fold
    positions, cn = geo2_clusters.build_cluster(0.0, np.random.default_rng(0), model)
    atoms, charge, caps, charges = geo2_spectra.quantum_cluster(positions, model.numbers)
    assert cn == 6 and charge == -2 and len(atoms) == 13
    np.testing.assert_allclose(charges, 1 / 3)
    hydrogens = np.array([xyz for symbol, xyz in atoms if symbol == "H"])
    oxygens = np.array([xyz for symbol, xyz in atoms if symbol == "O"])
    np.testing.assert_allclose(np.linalg.norm(hydrogens - oxygens, axis=1), geo2_spectra.OH_BOND)


def _ideal(cn: int, bond: float) -> np.ndarray:
    """A noise-free cluster of coordination ``cn`` with every Ge–O bond ``bond`` Å (same orientation draw)."""
    model = geo2_clusters.ClusterModel(
        bond_cn4=bond, bond_cn6=bond, bond_noise=0.0, angle_noise_rad=0.0,
        cn_midpoint_gpa=1000.0 if cn == 4 else -1000.0,
    )
    return geo2_clusters.build_cluster(0.0, np.random.default_rng(1), model)[0]


@pytest.fixture(scope="module")
def kbeta():
    """Cheap-setting spectra of CN 4 at 1.70 and 1.86 Å and CN 6 at 1.88 Å."""
    positions = np.array([_ideal(4, 1.70), _ideal(4, 1.86), _ideal(6, 1.88)])
    return geo2_spectra.spectra_chunk(positions, geo2_clusters.ClusterModel().numbers)


def test_kbeta_satellite_ratio_falls_with_the_ge_o_distance(kbeta):
    assert kbeta["converged"].all()
    ratio = kbeta["intensity"].sel(line="kbeta_pp") / kbeta["intensity"].sel(line="kbeta2")
    assert ratio[0] > ratio[1]
    separation = (kbeta["centroid"].sel(line="kbeta_pp") - kbeta["centroid"].sel(line="kbeta2")).values
    assert np.all((separation > -14.0) & (separation < -12.0))


def _width(energy: np.ndarray, spectrum: np.ndarray) -> float:
    mean = energy @ spectrum / spectrum.sum()
    return float(np.sqrt(((energy - mean) ** 2) @ spectrum / spectrum.sum()))


def test_kbeta2_width_grows_with_coordination(kbeta):
    energy = kbeta["energy_kbeta"].values
    widths = [_width(energy, s) for s in kbeta["kbeta_by_line"].sel(line="kbeta2").values]
    assert widths[2] > widths[1]


def test_kbeta_lines_lie_on_the_grid_and_are_reproducible(kbeta):
    by_line = kbeta["kbeta_by_line"].values
    assert np.all(by_line[:, :, [0, -1]] < 1e-3 * by_line.max())  # both lines inside the grid
    again = geo2_spectra.kbeta_lines(_ideal(4, 1.70), geo2_clusters.ClusterModel().numbers)
    assert again.intensities[again.classes == geo2_spectra.KBETA_PP].sum() == kbeta["intensity"][0, 0]


def test_fast_setting_keeps_the_trends_of_cheap(kbeta):
    """O in 3-21G (setting fast): the same trends as cheap: I''/I2 about 15 % lower throughout (a scale the
    z-scored targets drop), its changes between structures within 10 %; the Kβ''–Kβ2 separation about 0.5 eV
    wider, its changes between structures within 0.15 eV."""
    positions = np.array([_ideal(4, 1.70), _ideal(4, 1.86), _ideal(6, 1.88)])
    fast = geo2_spectra.spectra_chunk(positions, geo2_clusters.ClusterModel().numbers, setting="fast")
    assert fast["converged"].all()
    ratio = (fast["intensity"].sel(line="kbeta_pp") / fast["intensity"].sel(line="kbeta2")).values
    cheap_ratio = (kbeta["intensity"].sel(line="kbeta_pp") / kbeta["intensity"].sel(line="kbeta2")).values
    assert ratio[0] > ratio[1]
    np.testing.assert_allclose(ratio / ratio[0], cheap_ratio / cheap_ratio[0], rtol=0.1)
    separation = fast["centroid"].diff("line").values[:, 0]
    cheap_separation = kbeta["centroid"].diff("line").values[:, 0]
    assert np.all(np.abs(separation - cheap_separation - 0.5) < 0.2)
    np.testing.assert_allclose(separation - separation[0], cheap_separation - cheap_separation[0], atol=0.15)
    energy = fast["energy_kbeta"].values
    widths = [_width(energy, s) for s in fast["kbeta_by_line"].sel(line="kbeta2").values]
    assert widths[2] > widths[1]


def test_chunks_interleave_the_structures_and_gathering_restores_their_order():
    """Chunk i holds every n-th structure from the i-th (each chunk a share of every pressure, so the costly
    high-pressure clusters do not all land in the last job); gathering puts them back in order."""
    structures = xr.Dataset({"pressure": ("sample", np.repeat([0.0, 60.0, 120.0], 4)),
                             "sample_id": ("sample", np.arange(12))})
    parts = [chunks.chunk_of(structures, i, 3) for i in range(3)]
    np.testing.assert_array_equal(parts[1]["sample_id"], [1, 4, 7, 10])
    assert all(set(part["pressure"].values) == {0.0, 60.0, 120.0} for part in parts)
    converged = [part.assign(converged=("sample", part["sample_id"].values != 4)) for part in parts]
    raw, dropped = chunks.gather_chunks(converged[::-1])
    np.testing.assert_array_equal(raw["sample_id"], [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11])
    assert dropped == [4] and raw.attrs["n_unconverged"] == 1

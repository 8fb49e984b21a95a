"""The chunked physics chain through Snakemake: structures → spectra chunks → raw.nc → prepared data.

Resuming and rescaling must not redo finished work: a lost chunk is recomputed alone, and more structures
rerun that data set's chain only.
"""

from collections import Counter

import numpy as np
import pytest
import yaml
from conftest import DATA
from snakemake_api import snakemake

from xraylatent import io

pytestmark = pytest.mark.slow
TARGETS = ("results/h2o/xps/prepared.nc", "results/geo2/kbeta/prepared.nc", "results/geo2_md/kbeta/prepared.nc",
           "results/figures/geo2_md_md.png")


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("physics")
    ran = snakemake(workdir, DATA / "tiny_physics.yaml", targets=TARGETS)
    return workdir, ran


def test_spectra_are_computed_in_chunks_and_gathered(finished):
    workdir, ran = finished
    assert Counter(ran) >= Counter({"sample_h2o": 1, "h2o_spectra": 2, "geo2_structures": 1, "geo2_spectra": 2,
                                    "gather_chunks": 2})
    raw = io.read_raw(workdir / "results/h2o/raw.nc")
    assert io.spectrum_kinds(raw) == ["xas", "xes", "xps"]
    assert raw.sizes["sample"] == 6 and bool(raw["converged"].all())
    binding = raw["energy_xps"].values[raw["spectrum_xps"].values.argmax(axis=1)]
    assert ((binding > 536.5) & (binding < 541.5)).all()  # hot geometries spread around 539 eV
    geo2 = io.read_raw(workdir / "results/geo2/raw.nc")
    assert sorted(set(geo2["pressure"].values)) == [0.0, 30.0]


def test_md_cells_become_clusters_with_spectra(finished):
    """One LAMMPS job per pressure, clusters cut from their snapshots, and the cells' structure kept in raw.nc."""
    workdir, ran = finished
    assert Counter(ran) >= Counter({"geo2_md": 2, "geo2_md_structures": 1, "plot_md": 1})
    raw = io.read_raw(workdir / "results/geo2_md/raw.nc")
    assert raw.sizes["sample"] + raw.attrs["n_unconverged"] == 4  # 2 pressures × 1 snapshot × 2 Ge
    np.testing.assert_array_equal(raw.attrs["md_pressure"], [0.0, 30.0])
    assert raw.attrs["md_density"][1] > raw.attrs["md_density"][0]
    assert raw.attrs["md_mean_coordination"][1] > raw.attrs["md_mean_coordination"][0]
    cell = io.read_netcdf(workdir / "results/geo2_md/md/pressure_1.nc")
    assert cell.attrs["pressure"] == 30.0 and cell["positions"].attrs["units"] == "angstrom"
    assert cell.sizes["atom"] == 24 and cell.sizes["snapshot"] == 1
    features = io.read_netcdf(workdir / "results/geo2_md/features.nc")
    assert features.sizes["feature"] == 55  # Coulomb matrix of the centre, 6 O and 4 Ge


def test_a_lost_chunk_is_recomputed_alone(finished):
    workdir, _ = finished
    (workdir / "results/h2o/chunks/chunk_1.nc").unlink()
    planned = snakemake(workdir, DATA / "tiny_physics.yaml", dryrun=True, targets=TARGETS,
                        forcerun=("results/h2o/chunks/chunk_1.nc",))
    assert Counter(planned) == Counter({"h2o_spectra": 1, "gather_chunks": 1, "featurize": 1, "targets": 1,
                                        "prepare": 1})


def test_more_structures_rerun_only_that_data_chain(finished, tmp_path):
    workdir, _ = finished
    config = yaml.safe_load((DATA / "tiny_physics.yaml").read_text())
    config["datasets"]["h2o"]["source"]["md"]["n_trajectories"] = 3
    changed = tmp_path / "more.yaml"
    changed.write_text(yaml.safe_dump(config, sort_keys=False))
    planned = Counter(snakemake(workdir, changed, dryrun=True, targets=TARGETS))
    assert planned == Counter({"sample_h2o": 1, "h2o_spectra": 2, "gather_chunks": 1, "featurize": 1,
                               "targets": 1, "prepare": 1})

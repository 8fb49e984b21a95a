"""The data chain through Snakemake's API on the tiny config: plan, run, outputs, nothing left to do."""

import numpy as np
import pytest
from snakemake_api import snakemake

from xraylatent import io

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("run")
    from conftest import DATA

    config = DATA / "tiny.yaml"
    planned = snakemake(workdir, config, dryrun=True)
    ran = snakemake(workdir, config)
    return workdir, config, planned, ran


def test_dry_run_plans_the_data_chain(finished_run):
    _, _, planned, _ = finished_run
    for rule, count in {"generate_synthetic": 2, "featurize": 2, "targets": 2, "prepare": 2, "plot_data": 2}.items():
        assert planned.count(rule) == count, planned


def test_real_run_writes_contract_files(finished_run):
    workdir = finished_run[0]
    prepared = io.read_prepared(workdir / "results/geo2_tiny/kbeta/prepared.nc")
    assert prepared.sizes["sample"] == 60 and prepared.sizes["channel"] == 8
    assert prepared.attrs["created_by"] == "prepare" and prepared.attrs["xraylatent_version"]
    train = prepared["split"].values == "train"
    np.testing.assert_allclose(prepared["X"].values[train].mean(axis=0), 0, atol=1e-12)
    features = io.read_features(workdir / "results/geo2_tiny/features.nc")
    assert features.sizes["feature"] == 21  # 7 slots → 21 off-diagonal Coulomb entries
    assert set(features["feature_units"].values) == {"e^2/angstrom"}
    h2o = io.read_features(workdir / "results/h2o_tiny/features.nc")
    assert list(h2o["feature"].values) == ["alpha", "b_long", "b_short"]
    for name in ("h2o_tiny", "geo2_tiny"):
        assert (workdir / f"results/figures/{name}_spectra.png").stat().st_size > 10_000
        assert list((workdir / "logs/featurize").glob(f"{name}.log"))
        assert list((workdir / "benchmarks/prepare").glob(f"{name}_*.tsv"))


def test_second_run_has_nothing_to_do(finished_run):
    workdir, config, _, _ = finished_run
    assert snakemake(workdir, config, dryrun=True) == []


def test_changed_split_seed_reruns_prepare_only(finished_run, tmp_path):
    workdir, config, _, _ = finished_run
    changed = tmp_path / "changed.yaml"
    changed.write_text(config.read_text().replace("split: {seed: 0, test_fraction: 0.2, n_folds: 3}\n  geo2",
                                                  "split: {seed: 7, test_fraction: 0.2, n_folds: 3}\n  geo2"))
    assert snakemake(workdir, changed, dryrun=True) == ["all", "prepare"]

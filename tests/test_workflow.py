"""The workflow through Snakemake's API on the tiny config: plan, run, outputs, nothing left to do.

The run itself is conftest's session fixture ``finished_run`` (tests/test_resume.py compares with it)."""

import numpy as np
import pytest
from snakemake_api import recorded_warnings, snakemake

from xraylatent import io

pytestmark = pytest.mark.slow


def test_dry_run_plans_data_chain_selection_and_fits(finished_run):
    _, _, planned, ran = finished_run
    expected = {"generate_synthetic": 2, "featurize": 2, "targets": 2, "prepare": 2, "plot_data": 2,
                # per target: emulator, ednn_k1, nnca_k1 searched in 2 chunks each, then ECA k=1
                "select_chunk": 12, "gather_selection": 6, "fit_model": 6, "fit_eca": 2,
                # and per target the winners refitted under the seeds of the spread, the linear baselines
                "seed_spread": 2, "fit_baselines": 2, "r2_table": 1,
                # the bootstrap: 3 resamples in 2 chunks per target, gathered once per target
                "bootstrap_chunk": 4, "bootstrap": 2, "reconstruct": 2, "plot_reconstruction": 2}
    for rule, count in expected.items():
        assert planned.count(rule) == count, planned
    assert ran == planned


def test_r2_table_has_every_family(finished_run):
    workdir = finished_run[0]
    lines = (workdir / "results/tables/r2.md").read_text().splitlines()
    assert lines[0] == ("| system | target | k | EDNN | NNCA | ECA | ECA train-fit | PCA | PLS | SIR | ridge "
                        "| emulator |")
    assert {line.split(" | ")[0] for line in lines[2:] if line.startswith("|")} == {"| geo2_tiny", "| h2o_tiny"}
    model = io.read_netcdf(workdir / "results/geo2_tiny/kbeta/models/nnca_k1.nc")
    prepared = io.read_prepared(workdir / "results/geo2_tiny/kbeta/prepared.nc")
    assert model["V"].dims == ("component", "feature") and model["V"].sizes["feature"] == 21
    np.testing.assert_allclose(model["V"].values @ model["V"].values.T, [[1.0]], atol=1e-6)
    np.testing.assert_allclose(model["t"].values, prepared["X"].values @ model["V"].values.T, atol=1e-5)
    board = io.read_netcdf(workdir / "results/geo2_tiny/kbeta/selection/ednn_k1/leaderboard.nc")
    assert board.sizes == {"candidate": 2, "fold": 3}
    assert board["mean_cv_r2"].values[0] == board.attrs["best_mean_cv_r2"]


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
    # Each selection chunk reports its progress with an ETA in its log.
    chunk_logs = list((workdir / "logs/select_chunk").glob("*.log"))
    assert chunk_logs and all("ETA" in path.read_text() for path in chunk_logs)


def test_bootstrap_flags_reach_the_reconstruction(finished_run):
    """bootstrap.nc has every resample and an indecisive flag per weight; the reconstruction's ``determined``
    flags are the bootstrap's verdict for NNCA and ECA (−1 for the Leaky EDNN) and the tables say so."""
    workdir = finished_run[0]
    target = workdir / "results/h2o_tiny/xps/interpret"
    summary = io.read_netcdf(target / "bootstrap.nc")
    assert summary.sizes["resample"] == 3 and summary["model"].values.tolist() == ["eca", "nnca"]
    assert summary["angle"].attrs["units"] == "degree"
    indecisive = summary["indecisive"].sel(k=1, rank=1)
    recon = io.read_netcdf(target / "reconstruction_k1.nc")
    for model in ("eca", "nnca"):
        np.testing.assert_array_equal(recon["determined"].sel(model=model), 1 - indecisive.sel(model=model))
    assert (recon["determined"].sel(model="ednn_leaky") == -1).all()
    assert "not determined by the spectrum" in (target / "reconstruction.md").read_text()
    assert (target / "reconstructability.md").read_text().startswith("| feature | nnca k=1 | eca k=1 |")
    geo2 = io.read_netcdf(workdir / "results/geo2_tiny/kbeta/interpret/reconstruction_k1.nc")
    assert geo2["distance_r2"].dims == ("model", "element") and geo2["sample_group"].sizes["sample"] == 12
    baselines = io.read_netcdf(workdir / "results/h2o_tiny/xps/models/baselines.nc")
    assert baselines["method"].values.tolist() == ["pca", "pls", "sir"]
    for name in ("h2o_tiny_xps_bootstrap", "geo2_tiny_kbeta_reconstructability"):
        assert (workdir / f"results/figures/{name}.png").stat().st_size > 10_000


def test_second_run_has_nothing_to_do(finished_run):
    workdir, config, _, _ = finished_run
    assert snakemake(workdir, config, dryrun=True) == []


def test_changed_split_seed_reruns_prepare_only(finished_run, tmp_path):
    workdir, config, _, _ = finished_run
    changed = tmp_path / "changed.yaml"
    changed.write_text(config.read_text().replace("split: {seed: 0, test_fraction: 0.2, n_folds: 3}\n  geo2",
                                                  "split: {seed: 7, test_fraction: 0.2, n_folds: 3}\n  geo2"))
    planned = snakemake(workdir, changed, dryrun=True)
    modelling = {"select_chunk", "gather_selection", "fit_model", "fit_eca", "seed_spread", "fit_baselines", "r2_table"}
    interpretation = {"metric_grid", "isosurfaces", "components", "bootstrap_chunk", "bootstrap", "reconstruct",
                      "plot_reconstruction"}
    assert set(planned) == {"all", "prepare"} | modelling | interpretation
    assert planned.count("prepare") == 1 and planned.count("fit_eca") == 1  # only the changed data set


def test_a_data_sets_own_search_space_reruns_only_its_searches(finished_run, tmp_path):
    workdir, config, _, _ = finished_run
    changed = tmp_path / "own_space.yaml"
    split = "    split: {seed: 0, test_fraction: 0.2, n_folds: 3}\nmodels:"
    own = ("    split: {seed: 0, test_fraction: 0.2, n_folds: 3}\n"
           "    space: {ednn: {depth: [1], width: [4, 8], learning_rate: [0.01], l2: [0.001]}}\nmodels:")
    assert split in config.read_text()  # geo2_tiny is the last data set
    changed.write_text(config.read_text().replace(split, own))
    planned = snakemake(workdir, changed, dryrun=True)
    geo2_ednn_jobs = ["select_chunk"] * 2 + ["gather_selection", "fit_model", "seed_spread"]
    assert planned == sorted(["all", "r2_table"] + geo2_ednn_jobs)


def test_a_data_sets_own_search_budget_reruns_only_its_searches_in_its_chunks(finished_run, tmp_path):
    workdir, config, _, _ = finished_run
    changed = tmp_path / "own_search.yaml"
    split = "    split: {seed: 0, test_fraction: 0.2, n_folds: 3}\nmodels:"
    own = "    split: {seed: 0, test_fraction: 0.2, n_folds: 3}\n    search: {n_candidates: 3, n_chunks: 3}\nmodels:"
    assert split in config.read_text()  # geo2_tiny is the last data set
    changed.write_text(config.read_text().replace(split, own))
    with recorded_warnings() as warnings:
        planned = snakemake(workdir, changed, dryrun=True)
    # geo2_tiny's three searched models (emulator, EDNN, NNCA at k = 1) in its 3 chunks each; none of h2o_tiny's
    assert planned.count("select_chunk") == 3 * 3
    assert planned.count("gather_selection") == 3
    # 3 candidates of a 2-point grid: the plan says so, once per family, before anything runs
    assert [w for w in warnings if "n_candidates" in w] == [
        f"Warning: datasets.geo2_tiny.search.n_candidates: 3 is more than the 2 points of models.space.{family}; "
        f"data set 'geo2_tiny' searches all 2 of them for {family}" for family in ("ednn", "emulator", "nnca")]


def test_changed_search_space_reruns_only_that_family(finished_run, tmp_path):
    workdir, config, _, _ = finished_run
    changed = tmp_path / "changed.yaml"
    old, new = "ednn: {depth: [1], width: [8, 16]", "ednn: {depth: [1], width: [4, 8]"
    changed.write_text(config.read_text().replace(old, new))
    planned = snakemake(workdir, changed, dryrun=True)
    ednn_jobs = ["select_chunk"] * 4 + ["gather_selection"] * 2 + ["fit_model"] * 2
    # the H2O isosurfaces show the 1-component EDNN's bottleneck, so they follow it
    assert planned == sorted(["all", "r2_table", "metric_grid", "isosurfaces"] + ednn_jobs + ["seed_spread"] * 2)

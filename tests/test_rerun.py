"""Rerun only what changed: after a finished run, each kind of change plans exactly the jobs it affects.

One finished run of the tiny config (conftest's ``finished_run``) is copied for every case, so a case may edit
files freely, and each case plans the jobs below TARGETS: the data chains of both data sets and two model
families' chains of one target. A case is one small function: change one
thing, dry-run, compare the planned jobs (rule → count) with the expected ones.
"""

import shutil
from collections import Counter

import pytest
import yaml
from conftest import DATA
from snakemake_api import snakemake

from xraylatent.data.sources import SYNTHETIC_GENERATORS
from xraylatent.io import write_netcdf

pytestmark = pytest.mark.slow

TARGETS = (
    "results/figures/h2o_tiny_spectra.png",
    "results/h2o_tiny/xps/prepared.nc",
    "results/figures/geo2_tiny_spectra.png",
    "results/geo2_tiny/kbeta/models/nnca_k1.nc",
    "results/geo2_tiny/kbeta/models/ednn_k1.nc",
)
# The jobs below geo2_tiny/kbeta/prepared.nc: per family 2 search chunks, their leaderboard and the refit.
GEO2_MODELS = Counter({"select_chunk": 4, "gather_selection": 2, "fit_model": 2})


@pytest.fixture
def workdir(finished_run, tmp_path):
    """A copy of conftest's finished run of the tiny config (modification times kept, which Snakemake
    compares); the cases plan only TARGETS in it."""
    return shutil.copytree(finished_run[0], tmp_path / "run", symlinks=True)


def plan(workdir, change_config=None, **options):
    """Rule → number of jobs a dry run plans for TARGETS, with the tiny config edited by ``change_config``."""
    config = yaml.safe_load((DATA / "tiny.yaml").read_text())
    if change_config:
        change_config(config)
    configfile = workdir.parent / "config.yaml"
    configfile.write_text(yaml.safe_dump(config, sort_keys=False))  # params compare as text
    return Counter(snakemake(workdir, configfile, dryrun=True, targets=TARGETS, **options))


def test_finished_run_plans_nothing(workdir):
    assert plan(workdir) == Counter()


def test_split_seed_replans_prepare_and_downstream_not_data(workdir):
    planned = plan(workdir, lambda c: c["datasets"]["geo2_tiny"]["split"].update(seed=7))
    assert planned == Counter({"prepare": 1}) + GEO2_MODELS


def test_new_raw_data_replans_everything_after_it(workdir):
    source = {"pressures": [0, 30, 90], "per_pressure": 20, "seed": 5}  # tiny.yaml's geo2_tiny with another seed
    write_netcdf(SYNTHETIC_GENERATORS["synthetic_geo2"](**source), workdir / "results/geo2_tiny/raw.nc",
                 created_by="generate_synthetic")
    planned = plan(workdir)
    assert planned == Counter({"featurize": 1, "targets": 1, "prepare": 1, "plot_data": 1}) + GEO2_MODELS


def test_target_grid_replans_only_that_targets_chain(workdir):
    planned = plan(workdir, lambda c: c["datasets"]["h2o_tiny"]["targets"]["xps"]["grid"].update(step=0.2))
    assert planned == Counter({"targets": 1, "prepare": 1})


def test_search_space_replans_only_that_familys_jobs(workdir):
    planned = plan(workdir, lambda c: c["models"]["space"]["ednn"].update(width=[4, 8]))
    assert planned == Counter({"select_chunk": 2, "gather_selection": 1, "fit_model": 1})


def test_deleted_selection_chunk_is_redone_with_its_dependents_when_forced(workdir):
    """Snakemake leaves a missing intermediate file alone while what depends on it is complete; the README's
    `--forcerun <file>` redoes that one job and everything downstream of it."""
    chunk = "results/geo2_tiny/kbeta/selection/nnca_k1/chunk_1.nc"
    (workdir / chunk).unlink()
    assert plan(workdir) == Counter()
    assert plan(workdir, forcerun=(chunk,)) == Counter({"select_chunk": 1, "gather_selection": 1, "fit_model": 1})


def test_forcerun_redoes_a_rule_and_its_dependents(workdir):
    planned = plan(workdir, forcerun=("gather_selection",))
    assert planned == Counter({"gather_selection": 2, "fit_model": 2})

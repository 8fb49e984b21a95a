"""The production profile (profiles/slurm) on a real one-node SLURM cluster with accounting.

ci/slurm_up.sh installs and starts munge, MariaDB, slurmdbd, slurmctld and slurmd on localhost, so this test
proves what a user's cluster run does: jobs are submitted with sbatch under an account, pass SLURM's checks,
complete, and write the same results as a local run. Rules in `localrules` (rules/cluster.smk) run on the
submit host. The run asks for one model chain of the tiny config (data → 2 search chunks → refit) so the test
takes about a minute once SLURM is installed; everything is bounded by `timeout`.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pytest
import xarray as xr
import yaml
from conftest import DATA
from snakemake_api import REPO, snakemake

from xraylatent import io

TARGETS = ("results/geo2_tiny/kbeta/models/nnca_k1.nc",)
EXPECTED_ON_SLURM = Counter({"select_chunk": 2, "fit_model": 1})
ACCOUNT = "ciacct"  # created by ci/slurm_up.sh
SNAKEMAKE = Path(sys.executable).parent / "snakemake"
WALL_TIMES = ["fit_time"]  # measured, so never equal between two runs
REFUSED = 3  # ci/slurm_up.sh's exit status when another SLURM installation is present


def _skip_reason():
    if os.environ.get("XRAYLATENT_SKIP_SLURM") == "1":
        return "XRAYLATENT_SKIP_SLURM=1"
    if os.geteuid() != 0:
        return "needs root: starts the SLURM daemons and writes /etc/slurm"
    if not shutil.which("slurmctld") and not shutil.which("apt-get"):
        return "SLURM is not installed and apt-get is unavailable to install it"
    return None


SKIP_REASON = _skip_reason()
pytestmark = [pytest.mark.slurm, pytest.mark.slow,
              pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")]


@pytest.fixture(scope="module")
def cluster():
    """A running cluster for this module; its daemons are stopped by pid afterwards, whatever happened."""
    # Not under pytest's private tmp dirs: munged and mariadbd, which keep files there, run as other users.
    state = Path(tempfile.mkdtemp(prefix="xraylatent-slurm-"))
    state.chmod(0o755)
    env = {**os.environ, "SLURM_CI_DIR": str(state)}
    try:
        up = subprocess.run(["timeout", "600", REPO / "ci/slurm_up.sh"], env=env, capture_output=True, text=True)
        if up.returncode == REFUSED:
            pytest.skip(up.stderr.strip())
        assert up.returncode == 0, f"ci/slurm_up.sh failed ({up.returncode}):\n{up.stdout}\n{up.stderr}"
        yield up.stdout
    finally:
        subprocess.run(["timeout", "60", REPO / "ci/slurm_down.sh"], env=env, check=False)
        shutil.rmtree(state, ignore_errors=True)


def _profile_default_resources():
    """The profile's default resources as CLI items: a CLI --default-resources replaces the profile's whole map."""
    profile = yaml.safe_load((REPO / "profiles/slurm/config.yaml").read_text())
    return [f"{name}={value}" for name, value in profile["default-resources"].items()]


def _sacct(run_id):
    """(rule, state, account) of every job of this Snakemake run, from SLURM's accounting database."""
    table = subprocess.run(
        ["sacct", "-X", "-n", "-P", "--name", run_id, "-o", "JobID,JobName,Comment,Account,State,Elapsed"],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout
    rows = [line.split("|") for line in table.splitlines()]
    return table, [(re.match(r"rule_(\w+?)(_wildcards_|$)", r[2]).group(1), r[4], r[3]) for r in rows]


def test_profile_runs_jobs_through_slurm_with_local_results(cluster, tmp_path, capsys):
    workdir = tmp_path / "slurm_run"
    run = subprocess.run(
        ["timeout", "-s", "INT", "-k", "30", "300", SNAKEMAKE, "--snakefile", REPO / "Snakefile",
         "--directory", workdir, "--workflow-profile", REPO / "profiles/slurm", "--configfile", DATA / "tiny.yaml",
         "--default-resources", *_profile_default_resources(), f"slurm_account={ACCOUNT}",
         # the only other change to the production profile: poll every 2 s, not 40 s, for jobs of seconds
         "--slurm-init-seconds-before-status-checks", "2", "--verbose", *TARGETS],
        capture_output=True, text=True,
    )
    log = run.stdout + run.stderr
    (tmp_path / "snakemake.log").write_text(log)
    assert run.returncode == 0, f"snakemake failed ({run.returncode}):\n{log[-6000:]}"

    run_id = re.search(r"SLURM run ID: (\S+)", log).group(1)
    table, jobs = _sacct(run_id)
    sbatch_lines = re.findall(r"sbatch call: (.*)", log)
    with capsys.disabled():
        print(f"\n{cluster}\nsbatch lines:\n" + "\n".join(sbatch_lines) + f"\nsacct:\n{table}")

    on_slurm = Counter(rule for rule, _, _ in jobs)
    assert on_slurm == EXPECTED_ON_SLURM
    assert Counter(re.findall(r"^rule (\w+):", log, flags=re.M)) == on_slurm  # every non-local job went to SLURM
    assert {state for _, state, _ in jobs} == {"COMPLETED"}
    assert {account for _, _, account in jobs} == {ACCOUNT}
    assert len(sbatch_lines) == len(jobs) and all(f"-A {ACCOUNT}" in line for line in sbatch_lines)
    assert set(re.findall(r"^localrule (\w+):", log, flags=re.M)) == {
        "generate_synthetic", "featurize", "targets", "prepare", "gather_selection"}

    local = tmp_path / "local_run"
    snakemake(local, DATA / "tiny.yaml", targets=TARGETS)
    produced = sorted(p.relative_to(workdir) for p in (workdir / "results").rglob("*.nc"))
    assert Path("results/geo2_tiny/kbeta/prepared.nc") in produced and Path(TARGETS[0]) in produced
    for path in produced:
        on_cluster, here = (io.read_netcdf(d / path).drop_vars(WALL_TIMES, errors="ignore") for d in (workdir, local))
        xr.testing.assert_allclose(on_cluster, here)

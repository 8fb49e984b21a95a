"""Kill and resume: Snakemake killed (SIGKILL, by its process group) during model selection, then rerun.

The resumed run must equal conftest's uninterrupted run bit for bit: every NetCDF file identical (values,
coords and attrs; only measured run times, in seconds, may differ), every table byte-identical. That makes
this also the test that a rerun on one machine gives identical results (docs/reproducibility.md).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xarray as xr
from conftest import DATA

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
KILL_TIMEOUT_S = 600


def _snakemake_command(workdir: Path, *options: str) -> list[str]:
    """The README's run (the workstation profile, which resumes incomplete jobs) on the tiny config."""
    return [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--configfile",
            str(DATA / "tiny.yaml"), "--cores", "2", "--workflow-profile", str(REPO / "profiles/default"),
            "--directory", str(workdir), *options]


def _running_selection_jobs(workdir: Path) -> list[str]:
    """select_chunk jobs that have started (a log) and not finished (no chunk file)."""
    running = []
    for log in (workdir / "logs/select_chunk").glob("*.log"):
        dataset_target_model, chunk = log.stem.rsplit("_", 1)
        chunk_files = list(workdir.glob(f"results/*/*/selection/*/chunk_{chunk}.nc"))
        if not any(dataset_target_model == "_".join([p.parts[-5], p.parts[-4], p.parts[-2]]) for p in chunk_files):
            running.append(log.stem)
    return running


@pytest.fixture(scope="module")
def resumed(tmp_path_factory):
    """(workdir, select_chunk jobs running when killed, whether r2.csv existed then) of a killed, rerun run."""
    workdir = tmp_path_factory.mktemp("killed")
    with open(workdir.parent / "killed.log", "w") as log:
        process = subprocess.Popen(_snakemake_command(workdir), stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)  # its own process group: the jobs die with it
        deadline = time.monotonic() + KILL_TIMEOUT_S
        while not (running := _running_selection_jobs(workdir)) and process.poll() is None:
            assert time.monotonic() < deadline, "model selection never started"
            time.sleep(0.2)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    finished_early = (workdir / "results/tables/r2.csv").exists()
    locked = subprocess.run(_snakemake_command(workdir), capture_output=True, text=True)
    assert locked.returncode != 0 and "--unlock" in locked.stdout + locked.stderr  # a killed run leaves its lock
    subprocess.run(_snakemake_command(workdir, "--unlock"), check=True, capture_output=True)  # `make unlock`
    subprocess.run(_snakemake_command(workdir), check=True, capture_output=True)
    return workdir, running, finished_early


def _files(workdir: Path) -> dict[str, Path]:
    """Every file under results/ (hidden ones too) by its path relative to the run directory."""
    return {str(p.relative_to(workdir)): p for p in (workdir / "results").rglob("*") if p.is_file()}


def _without_timings(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` less its measured run times (variables in seconds, e.g. ``fit_time``): the one thing a rerun changes."""
    return ds.drop_vars([name for name, var in ds.variables.items() if var.attrs.get("units") == "s"])


def test_the_run_was_killed_during_model_selection(resumed):
    _, running, finished_early = resumed
    assert running and not finished_early


def test_resumed_run_equals_the_uninterrupted_one(resumed, finished_run):
    resumed_files, reference = _files(resumed[0]), _files(finished_run[0])
    assert sorted(resumed_files) == sorted(reference)  # no file missing, none extra (no temporary left)
    compared = 0
    for name, path in reference.items():
        if path.suffix == ".nc":
            with xr.open_dataset(path) as expected, xr.open_dataset(resumed_files[name]) as got:
                assert _without_timings(got).identical(_without_timings(expected)), name
            compared += 1
        elif path.suffix in (".csv", ".md"):
            assert resumed_files[name].read_bytes() == path.read_bytes(), name
            compared += 1
    assert compared > 40

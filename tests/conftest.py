import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

DATA = Path(__file__).parent / "data"


@pytest.fixture
def tiny_config() -> Path:
    return DATA / "tiny.yaml"


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory):
    """One uninterrupted run of the tiny config through Snakemake's API: (workdir, config, planned, ran),
    planned and ran the rule of every job of the dry run and of the run."""
    from snakemake_api import snakemake

    workdir = tmp_path_factory.mktemp("run")
    config = DATA / "tiny.yaml"
    planned = snakemake(workdir, config, dryrun=True)
    ran = snakemake(workdir, config)
    return workdir, config, planned, ran


@pytest.fixture(autouse=True, scope="session")
def one_torch_thread():
    """Small networks gain nothing from more threads, and on a shared 2-core machine they oversubscribe."""
    import torch

    torch.set_num_threads(1)

"""Run the workflow through Snakemake's Python API and report which jobs it planned or ran."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from snakemake.api import SnakemakeApi
from snakemake.settings.types import ConfigSettings, DAGSettings, OutputSettings, ResourceSettings

REPO = Path(__file__).resolve().parents[1]


class _JobRecorder(logging.Handler):
    def __init__(self):
        super().__init__()
        self.rules: list[str] = []

    def emit(self, record):
        if str(getattr(record, "event", "")) == "job_info":
            self.rules.append(record.rule_name)


def snakemake(workdir: Path, configfile: Path | None, dryrun: bool = False, cores: int = 2,
              targets: tuple[str, ...] = (), forcerun: tuple[str, ...] = ()) -> list[str]:
    """Plan (``dryrun``) or run the workflow in ``workdir``; return the rule name of every job, sorted. Without
    ``configfile`` the workflow reads its default, config/config.yaml."""
    recorder = _JobRecorder()
    logger = logging.getLogger("snakemake")
    logger.addHandler(recorder)
    try:
        with SnakemakeApi(OutputSettings(quiet={"progress"})) as api:
            workflow = api.workflow(
                resource_settings=ResourceSettings(cores=cores),
                config_settings=ConfigSettings(configfiles=[Path(configfile).absolute()] if configfile else []),
                snakefile=REPO / "Snakefile",
                workdir=Path(workdir),
            )
            dag = workflow.dag(DAGSettings(targets=set(targets), forcerun=set(forcerun)))
            dag.execute_workflow(executor="local", pseudo_executor="dryrun" if dryrun else None)
    finally:
        logger.removeHandler(recorder)
    return sorted(recorder.rules)


@contextlib.contextmanager
def recorded_warnings():
    """The messages of the warnings Snakemake's logger (and the workflow's own code through it) gives within."""
    messages: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: messages.append(record.getMessage())
    logger = logging.getLogger("snakemake")
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)

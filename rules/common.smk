# Shared helpers: config validation, wildcard constraints and input functions.
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from xraylatent.config import validate_config
from xraylatent.io import config_digest
from xraylatent.datasets import SYNTHETIC_GENERATORS

validate_config(config, Path(workflow.basedir) / "schemas" / "config.schema.yaml")

DATASETS = sorted(config["datasets"])


def _names_pattern(names):
    return "|".join(names) if names else "(?!)"


def datasets_from(generators):
    """Data sets whose raw.nc comes from one of ``generators``."""
    return [d for d in DATASETS if config["datasets"][d]["source"]["generator"] in generators]


def targets_of(dataset):
    return sorted(config["datasets"][dataset]["targets"])


def dataset_config(wildcards):
    return config["datasets"][wildcards.dataset]


def target_config(wildcards):
    return config["datasets"][wildcards.dataset]["targets"][wildcards.target]


def digest(value):
    return config_digest(value)


wildcard_constraints:
    dataset=_names_pattern(DATASETS),
    target="[A-Za-z0-9][A-Za-z0-9_-]*",


def data_outputs():
    """Prepared data and data figures of every data set."""
    outputs = [f"results/figures/{d}_spectra.png" for d in DATASETS]
    for d in DATASETS:
        outputs += [f"results/{d}/{t}/prepared.nc" for t in targets_of(d)]
    return outputs


def all_outputs():
    return data_outputs()

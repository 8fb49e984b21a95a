"""The model-name grammar: ``emulator`` or ``<ednn|nnca|eca>_k<k>``, as in ``models/{model}.nc``.

The one place that reads and writes these names; ``rules/common.smk`` imports it for its wildcards and file lists.
"""

from __future__ import annotations

import re

LATENT_FAMILIES = ("ednn", "nnca", "eca")
SEARCHED_FAMILIES = ("emulator", "ednn", "nnca")  # ECA is fitted on the emulator, not searched
MODEL_NAME = re.compile(r"^(?P<family>emulator|ednn|nnca|eca)(?:_k(?P<k>\d+))?$")
SEARCHED_PATTERN = r"emulator|(ednn|nnca)_k\d+"  # a Snakemake wildcard constraint


def parse_model(name: str) -> tuple[str, int | None]:
    """``ednn_k2`` → (``ednn``, 2); ``emulator`` → (``emulator``, None)."""
    match = MODEL_NAME.match(name)
    if not match or (match["family"] == "emulator") != (match["k"] is None):
        raise ValueError(f"model name '{name}' is not emulator or <ednn|nnca|eca>_k<k>")
    return match["family"], int(match["k"]) if match["k"] else None


def model_name(family: str, k: int | None = None) -> str:
    """The inverse of :func:`parse_model`: (``nnca``, 1) → ``nnca_k1``; (``emulator``, None) → ``emulator``."""
    name = family if k is None else f"{family}_k{k}"
    parse_model(name)
    return name


def model_names(families, latent_dims) -> list[str]:
    """Every model fitted per target: the emulator (when ECA is asked for), then each family × k."""
    names = [model_name(family, k) for family in families for k in latent_dims]
    return (["emulator"] if "eca" in families else []) + names

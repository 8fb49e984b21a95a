"""The R² table of method.md §10: test-set R² per system, target and k for each model family."""

from __future__ import annotations

import pandas as pd

FAMILY_COLUMNS = {"ednn": "EDNN", "nnca": "NNCA", "eca": "ECA"}


def r2_table(records: list[dict]) -> pd.DataFrame:
    """Rows (system, target, k) with the test R² of each family and of the target's emulator.

    ``records`` hold ``dataset``, ``target``, ``model`` (emulator, ednn, nnca, eca), ``k`` (None for the
    emulator) and ``test_r2``.
    """
    frame = pd.DataFrame(records)
    latent = frame[frame["model"] != "emulator"]
    table = latent.pivot_table(index=["dataset", "target", "k"], columns="model", values="test_r2")
    table = table.rename(columns=FAMILY_COLUMNS)
    table = table[[c for c in FAMILY_COLUMNS.values() if c in table.columns]]
    emulators = frame[frame["model"] == "emulator"].set_index(["dataset", "target"])["test_r2"]
    table["emulator"] = [emulators.get((d, t)) for d, t, _ in table.index]
    table = table.reset_index().rename(columns={"dataset": "system"})
    table["k"] = table["k"].astype(int)
    return table


def to_markdown(table: pd.DataFrame, digits: int = 3) -> str:
    """A GitHub-flavoured Markdown table, numbers rounded to ``digits``."""
    def cell(value):
        return f"{value:.{digits}f}" if isinstance(value, float) else str(value)

    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines) + "\n"

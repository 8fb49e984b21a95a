"""The report's landing page: the R² table as reStructuredText and a one-paragraph reading of it, so the report
opens on the answer (how much of each spectrum's variation k latent variables carry) rather than on the rule graph.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xraylatent.report.tables import FAMILY_COLUMNS

LATENT_FAMILIES = ["EDNN", "NNCA", "ECA"]


def rst_table(table: pd.DataFrame, digits: int = 3) -> str:
    """The R² table (:func:`~xraylatent.report.tables.r2_table`) as an RST list-table, "value ± std" per cell."""
    shown = [c for c in table.columns if not (c.endswith("_std") and c[:-4] in table.columns)]

    def cell(row, column) -> str:
        value, std = row[column], row.get(f"{column}_std")
        if not isinstance(value, float):
            return str(value)
        if np.isnan(value):
            return "–"
        return f"{value:.{digits}f}" + ("" if std is None or np.isnan(std) else f" ± {std:.{digits}f}")

    lines = [".. list-table:: Test R² (generalized, trace form) per system, target and k", "   :header-rows: 1", ""]
    for cells in [shown, *([cell(row, c) for c in shown] for _, row in table.iterrows())]:
        lines.append("   * - " + cells[0])
        lines += [f"     - {text}" for text in cells[1:]]
    return "\n".join(lines) + "\n"


def _best(row) -> tuple[str, float]:
    """The latent family with the highest test R² in a row, and that R²."""
    scores = {family: row[family] for family in LATENT_FAMILIES if family in row and not np.isnan(row[family])}
    family = max(scores, key=scores.get)
    return family, float(scores[family])


def reading(table: pd.DataFrame) -> str:
    """One paragraph that says what the table says: per target how much one latent variable carries (best family),
    what a second adds, whether ECA beats PLS, and which emulators a ridge regression matches."""
    sentences = []
    for (system, target), rows in table.groupby(["system", "target"], sort=False):
        by_k = rows.set_index("k")
        k_min = int(by_k.index.min())
        family, r2 = _best(by_k.loc[k_min])
        variables = f"{k_min} latent variable" + ("s carry" if k_min > 1 else " carries")
        text = f"{system} {target}: {variables} {r2:.2f} of the test variance (best: {family})"
        if len(by_k) > 1:
            k_max = int(by_k.index.max())
            text += f", {k_max} carry {_best(by_k.loc[k_max])[1]:.2f}"
        if "emulator" in rows:
            text += f", the unconstrained emulator {rows['emulator'].iloc[0]:.2f}"
        sentences.append(text + ".")
    if {"ECA", "PLS"} <= set(table.columns):
        wins = int((table["ECA"] >= table["PLS"]).sum())
        sentences.append(f"ECA reaches at least PLS's R² in {wins} of {len(table)} rows (the 2022 ECA paper's "
                         f"finding is ECA ≥ PLS).")
    if {"emulator", "ridge"} <= set(table.columns):
        weak = table.groupby(["system", "target"], sort=False).first()
        weak = [f"{s} {t}" for (s, t), row in weak.iterrows() if row["emulator"] <= row["ridge"]]
        if weak:
            sentences.append(f"Warning: the emulator does not beat a ridge regression for {', '.join(weak)}; read "
                             "those latent models with care.")
    if FAMILY_COLUMNS["eca_train"] in table.columns:
        sentences.append("ECA's own column scores the split its directions were fitted on; ECA train-fit is the "
                         "held-out figure.")
    return " ".join(sentences)


def landing_rst(table: pd.DataFrame) -> str:
    """The landing page's results section: a heading, the reading, and the table."""
    heading = "What the spectra see"
    return f"{heading}\n{'-' * len(heading)}\n\n{reading(table)}\n\n{rst_table(table)}"

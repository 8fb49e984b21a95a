"""The report's landing page: the R² table as reStructuredText and a one-paragraph reading of it, so the report
opens on the answer (how much of each spectrum's variation k latent variables carry) rather than on the rule graph.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from xraylatent.report.tables import FAMILY_COLUMNS, emulator_and_ridge

LATENT_FAMILIES = [FAMILY_COLUMNS[f] for f in ("ednn", "nnca", "eca")]
LANDING_COLUMNS = ["EDNN", "NNCA", "ECA", "PLS", "emulator"]  # the page's text column holds about seven


def rst_table(table: pd.DataFrame, digits: int = 2) -> str:
    """The R² table (:func:`~xraylatent.report.tables.r2_table`) as an RST list-table narrow enough for the report's
    text column: one label per row ("h2o xps k=1") and the latent families, PLS and the emulator; the full table,
    with the seed spread and every baseline, is ``r2.md`` (category Models)."""
    columns = [c for c in LANDING_COLUMNS if c in table.columns]
    lines = [".. list-table:: Test R² (generalized, trace form); ± and all baselines: Models → r2.md",
             "   :header-rows: 1", ""]
    rows = [["", *columns]]
    for _, row in table.iterrows():
        rows.append([f"{row['system']} {row['target']} k={row['k']}",
                     *("–" if np.isnan(row[c]) else f"{row[c]:.{digits}f}" for c in columns)])
    for cells in rows:
        lines.append("   * - " + (cells[0] or " "))
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
    weak = [f"{system} {target}" for system, target, emulator, ridge in emulator_and_ridge(table) if emulator <= ridge]
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

"""Result tables: the R² table of docs/method.md §10, and the Markdown summaries of components and
reconstructions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

FAMILY_COLUMNS = {"ednn": "EDNN", "nnca": "NNCA", "eca": "ECA"}


def r2_table(records: list[dict]) -> pd.DataFrame:
    """Rows (system, target, k) with the test R² of each family and of the target's emulator.

    ``records`` hold ``dataset``, ``target``, ``model`` (emulator, ednn, nnca, eca), ``k`` (None for the
    emulator), ``test_r2`` and optionally ``test_r2_std`` (the spread over training seeds), which becomes a
    ``<column>_std`` column beside each R² column.
    """
    frame = pd.DataFrame(records)
    values = [v for v in ("test_r2", "test_r2_std") if v in frame.columns]
    latent = frame[frame["model"] != "emulator"]
    pivoted = latent.pivot_table(index=["dataset", "target", "k"], columns="model", values=values)
    emulators = frame[frame["model"] == "emulator"].set_index(["dataset", "target"])
    table = pd.DataFrame(index=pivoted.index)
    for family, column in [*FAMILY_COLUMNS.items(), ("emulator", "emulator")]:
        for value in values:
            suffix = "_std" if value.endswith("_std") else ""
            if family == "emulator" and not emulators.empty:
                table[column + suffix] = [emulators[value].get((d, t)) for d, t, _ in table.index]
            elif (value, family) in pivoted.columns:
                table[column + suffix] = pivoted[(value, family)]
    table = table.reset_index().rename(columns={"dataset": "system"})
    table["k"] = table["k"].astype(int)
    return table


def to_markdown(table: pd.DataFrame, digits: int = 3) -> str:
    """A GitHub-flavoured Markdown table, numbers rounded to ``digits``; a ``<column>_std`` column is
    written into its column's cells as "value ± std"."""
    def cell(value, std=None):
        if not isinstance(value, float):
            return str(value)
        return f"{value:.{digits}f}" + ("" if std is None or np.isnan(std) else f" ± {std:.{digits}f}")

    shown = [c for c in table.columns if not (c.endswith("_std") and c[:-4] in table.columns)]
    lines = ["| " + " | ".join(shown) + " |", "|" + "---|" * len(shown)]
    for _, row in table.iterrows():
        lines.append("| " + " | ".join(cell(row[c], row.get(f"{c}_std")) for c in shown) + " |")
    return "\n".join(lines) + "\n"


def _leading(direction: np.ndarray, features, n: int = 3) -> str:
    order = np.argsort(-np.abs(direction))[:n]
    return ", ".join(f"{direction[j]:+.2f} {features[j]}" for j in order)


def components_markdown(ds: xr.Dataset) -> str:
    """A Markdown table of ``components_dataset``: per k and rank, covered variance of ECA and ordered
    NNCA (fit split, other split), their |cosine|, the principal angle and each direction's leading weights."""
    fit_on = ds.attrs["fit_on"]
    other = "train" if fit_on == "test" else "test"
    features = ds["feature"].values
    lines = [f"| k | rank | ECA R² {fit_on} ({other}) | NNCA R² {fit_on} ({other}) | abs. cosine | principal angle (°) "
             "| ECA direction | NNCA direction |", "|---|---|---|---|---|---|---|---|"]
    for k in ds["k"].values:
        for rank in range(1, int(k) + 1):
            row = ds.sel(k=k, rank=rank)
            eca, nnca = row["covered_eca"], row["covered_nnca"]
            lines.append(
                f"| {k} | {rank} | {float(eca.sel(split=fit_on)):.3f} ({float(eca.sel(split=other)):.3f}) "
                f"| {float(nnca.sel(split=fit_on)):.3f} ({float(nnca.sel(split=other)):.3f}) "
                f"| {float(row['cosine']):.3f} | {float(row['principal_angle']):.1f} "
                f"| {_leading(row['V_eca'].values, features)} | {_leading(row['V_nnca'].values, features)} |")
    return "\n".join(lines) + "\n"


def reconstruction_markdown(recons: dict[int, xr.Dataset], max_listed: int = 8) -> str:
    """Markdown summary of reconstructions per k: per model the mean latent-fit residual, the features
    reconstructed well (R² ≥ 0.5) and those at their mean; the Leaky EDNN's condition numbers; and, with
    groups and Coulomb features, reconstructed vs known mean distances per group."""

    def listed(names) -> str:
        names = list(names)
        return ", ".join(names[:max_listed]) + (f" … ({len(names)} in all)" if len(names) > max_listed else "") or "—"

    lines = ["| k | model | mean residual | features with R² ≥ 0.5 (R²) | features at their mean |",
             "|---|---|---|---|---|"]
    for k, ds in recons.items():
        features = ds["feature"].values
        for model in ds["model"].values:
            r2, at_mean = ds["r2"].sel(model=model).values, ds["at_mean"].sel(model=model).values.astype(bool)
            good = [f"{f} ({v:.2f})" for f, v in sorted(zip(features, r2), key=lambda p: -p[1]) if v >= 0.5]
            lines.append(f"| {k} | {model} | {float(ds['residual'].sel(model=model).mean()):.3g} | {listed(good)} "
                         f"| {listed(features[at_mean])} |")
    lines += ["", "Leaky-ReLU EDNN encoder condition numbers (first layer → bottleneck):", ""]
    lines += [f"- k={k}: " + ", ".join(f"{c:.3g}" for c in ds["condition_number"].values)
              + f" (test R² of the network {ds.attrs['ednn_leaky_test_r2']:.3f})" for k, ds in recons.items()]
    first = next(iter(recons.values()))
    if "distance_hat" in first:
        group = first.attrs["group"]
        columns = [(k, str(m), e) for k, ds in recons.items() for m in ds["model"].values for e in ds["element"].values]
        lines += ["", f"Mean distances (Å) per {group}: known test-set mean, then reconstructed from the group's "
                  "mean spectrum.", "",
                  f"| {group} | " + " | ".join(f"known {e}" for e in first["element"].values) + " | "
                  + " | ".join(f"{m} k={k} {e}" for k, m, e in columns) + " |",
                  "|" + "---|" * (1 + first.sizes["element"] + len(columns))]
        for i, label in enumerate(first["group"].values):
            known = [f"{v:.3f}" for v in first["distance_true"].values[i]]
            fitted = [f"{float(recons[k]['distance_hat'].sel(model=m, element=e)[i]):.3f}" for k, m, e in columns]
            lines.append(f"| {label:g} | " + " | ".join(known + fitted) + " |")
    return "\n".join(lines) + "\n"

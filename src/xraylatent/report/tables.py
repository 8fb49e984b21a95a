"""Result tables: the R² table of docs/method.md §10, and the Markdown summaries of components and
reconstructions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

FAMILY_COLUMNS = {"ednn": "EDNN", "nnca": "NNCA", "eca": "ECA", "eca_train": "ECA train-fit"}
BASELINE_COLUMNS = {"pca": "PCA", "pls": "PLS", "sir": "SIR"}
# Models without a bottleneck, one value per (system, target): the linear rival of the emulator, and the emulator.
FULL_RANK_COLUMNS = {"ridge": "ridge", "emulator": "emulator"}
UNRELATED_R2 = 0.2  # an emulator below this test R² says the spectra do not follow the structures: a pairing error?


def r2_table(records: list[dict]) -> pd.DataFrame:
    """Rows (system, target, k) with the test R² of each family, of the baselines and of the target's emulator.

    ``records`` hold ``dataset``, ``target``, ``model`` (ednn, nnca, eca; eca_train for ECA with directions fitted
    on the train split; a linear baseline pca, pls, sir; or a full-rank model ridge, emulator), ``k`` (None for a
    full-rank model), ``test_r2`` and optionally ``test_r2_std`` (the spread over training seeds), which becomes
    a ``<column>_std`` column beside each R² column.
    """
    frame = pd.DataFrame(records)
    values = [v for v in ("test_r2", "test_r2_std") if v in frame.columns]
    full_rank = frame["model"].isin(list(FULL_RANK_COLUMNS))
    pivoted = frame[~full_rank].pivot_table(index=["dataset", "target", "k"], columns="model", values=values)
    per_target = frame[full_rank].pivot_table(index=["dataset", "target"], columns="model", values=values)
    table = pd.DataFrame(index=pivoted.index)
    for model, column in [*FAMILY_COLUMNS.items(), *BASELINE_COLUMNS.items(), *FULL_RANK_COLUMNS.items()]:
        for value in values:
            suffix = "_std" if value.endswith("_std") else ""
            if (value, model) in per_target.columns:
                table[column + suffix] = [per_target[(value, model)].get((d, t)) for d, t, _ in table.index]
            elif (value, model) in pivoted.columns:
                table[column + suffix] = pivoted[(value, model)]
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


def emulator_and_ridge(table: pd.DataFrame) -> list[tuple[str, str, float, float]]:
    """(system, target, emulator test R², ridge test R²) per target of an R² table with both columns."""
    if not {"ridge", "emulator"} <= set(table.columns):
        return []
    first = table.groupby(["system", "target"], sort=False).first()
    return [(system, target, row["emulator"], row["ridge"]) for (system, target), row in first.iterrows()]


def r2_notes(table: pd.DataFrame, eca_fit_on: str) -> list[str]:
    """What a reader of the R² table must know: on which split ECA's (and the baselines') directions were fitted,
    every target whose emulator explains almost nothing (spectra paired with the wrong structures?), and every
    target whose emulator does not beat the ridge regression (then nothing downstream is worth more than a linear
    model)."""
    notes = []
    if eca_fit_on == "test":
        notes.append("ECA's directions, like PCA's, PLS's and SIR's, were fitted on the test split (as in the study), "
                     "so these columns score the split they were fitted on; `ECA train-fit` is ECA with directions "
                     "fitted on the train split and scored on the test split.")
    for system, target, emulator, ridge in emulator_and_ridge(table):
        if emulator < UNRELATED_R2:
            notes.append(f"Warning: {system}/{target}: the emulator's test R² is {emulator:.3f}: the targets "
                         "hardly depend on the features. Check that each spectrum is paired with its structure (an "
                         "npy or csv array's rows must follow the structures' order).")
        elif emulator <= ridge:
            notes.append(f"Warning: {system}/{target}: the emulator (test R² {emulator:.3f}) does not beat a ridge "
                         f"regression on all features ({ridge:.3f}); the latent models rest on it, so widen its "
                         f"search (datasets.{system}.space.emulator or models.space.emulator, the candidates "
                         f"of datasets.{system}.search or models.search) before reading them.")
    return notes


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
    reconstructed well (R² ≥ 0.5), those the bootstrap leaves not determined by the spectrum and those at
    their mean; the Leaky EDNN's condition numbers; and, with
    groups and Coulomb features, reconstructed vs known mean distances per group."""

    def listed(names) -> str:
        names = list(names)
        return ", ".join(names[:max_listed]) + (f" … ({len(names)} in all)" if len(names) > max_listed else "") or "—"

    lines = ["| k | model | mean residual | features with R² ≥ 0.5 (R²) | not determined by the spectrum (bootstrap) "
             "| features at their mean |", "|---|---|---|---|---|---|"]
    for k, ds in recons.items():
        features = ds["feature"].values
        for model in ds["model"].values:
            r2, at_mean = ds["r2"].sel(model=model).values, ds["at_mean"].sel(model=model).values.astype(bool)
            flags = ds["determined"].sel(model=model).values
            good = [f"{f} ({v:.2f})" for f, v in sorted(zip(features, r2), key=lambda p: -p[1]) if v >= 0.5]
            undetermined = "no bootstrap" if (flags < 0).all() else listed(features[flags == 0])
            lines.append(f"| {k} | {model} | {float(ds['residual'].sel(model=model).mean()):.3g} | {listed(good)} "
                         f"| {undetermined} | {listed(features[at_mean])} |")
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


def _number(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if np.isfinite(value) else "—"


def _r2(value: float) -> str:
    """An R² cell; an unstable inversion's R² of −10⁵ reads as "< −10" rather than as a number."""
    return "< −10" if value < -10 else _number(value)


def bootstrap_markdown(summary: xr.Dataset, max_listed: int = 12) -> str:
    """Markdown of a bootstrap summary: per model, k and rank the reference direction's leading weights with
    their intervals, the indecisive features, the subspace angle and the test-R² interval."""
    level = summary.attrs["level"]
    features = summary["feature"].values
    lines = [f"{summary.attrs['n_resamples']} resamples; intervals at {level:.0%}. {summary.attrs['criterion']}", "",
             "| model | k | rank | leading weights [interval] | indecisive features | angle to full data (°), "
             f"median / {level:.0%} | test R² [interval] |", "|---|---|---|---|---|---|---|"]
    for model in summary["model"].values:
        for k in summary["k"].values:
            at = summary.sel(model=model, k=k)
            for rank in range(1, int(k) + 1):
                row = at.sel(rank=rank)
                weights = row["weight_reference"].values
                order = np.argsort(-np.abs(weights))[:3]
                leading = ", ".join(f"{weights[j]:+.2f} [{row['weight_low'].values[j]:+.2f}, "
                                    f"{row['weight_high'].values[j]:+.2f}] {features[j]}" for j in order)
                indecisive = list(features[row["indecisive"].values == 1])
                shown = ", ".join(indecisive[:max_listed]) + (f" … ({len(indecisive)} in all)"
                                                              if len(indecisive) > max_listed else "")
                lines.append(f"| {str(model).upper()} | {k} | {rank} | {leading} | {shown or '—'} "
                             f"| {_number(float(at['angle_median']), 1)} / {_number(float(at['angle_high']), 1)} "
                             f"| {float(at['test_r2_mean']):.3f} [{float(at['test_r2_low']):.3f}, "
                             f"{float(at['test_r2_high']):.3f}] |")
    return "\n".join(lines) + "\n"


def reconstructability_markdown(recons: dict[int, xr.Dataset], by_group: dict[int, xr.Dataset] | None = None) -> str:
    """Markdown of how well each feature comes back from the test spectra: R² of reconstructed against true
    per feature (rows) and model and k (columns), "n.d." where the bootstrap leaves it not determined by the
    spectrum; with Coulomb features also the distances' R² and, per group, their RMSE (``by_group``: k →
    :func:`~xraylatent.interpret.reconstruction.distance_scores_by_group`)."""
    columns = [(k, str(m)) for k, ds in recons.items() for m in ds["model"].values]
    first = next(iter(recons.values()))
    lines = ["| feature | " + " | ".join(f"{m} k={k}" for k, m in columns) + " |", "|" + "---|" * (1 + len(columns))]
    for feature in first["feature"].values:
        cells = []
        for k, model in columns:
            at = recons[k].sel(model=model, feature=feature)
            cells.append(_r2(float(at["r2"])) + (" (n.d.)" if int(at["determined"]) == 0 else ""))
        lines.append(f"| {feature} | " + " | ".join(cells) + " |")
    if "distance_r2" in first:
        elements = first["element"].values
        center = first.attrs.get("center", "centre")
        lines += ["", f"Mean {center}–neighbour distances from the test samples' reconstructed features: R² over the "
                  "test set" + (", then RMSE (Å) per group" if by_group else "") + ".", "",
                  "| distance | " + " | ".join(f"{m} k={k}" for k, m in columns) + " |",
                  "|" + "---|" * (1 + len(columns))]
        for element in elements:
            lines.append(f"| {center}–{element} R² | " + " | ".join(
                _r2(float(recons[k]["distance_r2"].sel(model=m, element=element))) for k, m in columns) + " |")
        if by_group:
            for label in next(iter(by_group.values()))["group"].values:
                for element in elements:
                    lines.append(f"| {center}–{element} RMSE at {label:g} | " + " | ".join(
                        _number(float(by_group[k]["rmse"].sel(model=m, group=label, element=element)), 3)
                        for k, m in columns) + " |")
    return "\n".join(lines) + "\n"


def measured_markdown(ds: xr.Dataset) -> str:
    """Per measured spectrum, the structure each model reads back: value ± the multi-start spread (± the bootstrap
    spread, for ECA), and "not determined" where the bootstrap found the feature indecisive in every basis vector."""
    lines = []
    units = ds["feature_units"].values
    header = [f"{f} ({u})" if u else str(f) for f, u in zip(ds["feature"].values, units, strict=True)]
    for name in ds["measured"].values:
        lines += [f"### {name}", "", f"File `{str(ds['path'].sel(measured=name).values)}`, energy shift "
                  f"{float(ds['shift'].sel(measured=name)):+.3f} eV.", "",
                  "| model | residual | " + " | ".join(header) + " |", "|" + "---|" * (len(header) + 2)]
        for model in ds["model"].values:
            cells = []
            for j in range(ds.sizes["feature"]):
                pick = {"model": model, "measured": name}
                value = float(ds["x_hat"].sel(pick)[j])
                cell = f"{value:.3g} ± {float(ds['x_spread_starts'].sel(pick)[j]):.2g}"
                boot = float(ds["x_spread_bootstrap"].sel(pick)[j])
                cell += "" if np.isnan(boot) else f" ± {boot:.2g} (bootstrap)"
                cells.append("not determined" if ds["determined"].sel(model=model).values[j] == 0 else cell)
            residual = float(ds["residual"].sel(model=model, measured=name))
            lines.append(f"| {model} | {residual:.3g} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)

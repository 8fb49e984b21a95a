"""Figures of the data and the R² comparison (docs/method.md §8, §10): matplotlib, saved as PNG, and what every
figure of the package shares: the A4 width, a readable font size, unit labels, model colours and ``save``."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from xraylatent.io import atomic_path, spectrum_kinds  # noqa: E402
from xraylatent.report.tables import FULL_RANK_COLUMNS  # noqa: E402

A4_WIDTH = 8.0  # inches: an A4 page (8.27 in) less the margin that the tight bounding box adds
READABLE = matplotlib.rc_context({"font.size": 8, "axes.titlesize": 9, "axes.labelsize": 8, "xtick.labelsize": 8,
                                  "ytick.labelsize": 8, "legend.fontsize": 8, "figure.titlesize": 10})
"""Decorator for figure builders: no text below 8 pt, so that a figure of :data:`A4_WIDTH` reads when printed."""

MODEL_COLORS = {"ednn": "C2", "ednn_leaky": "C2", "nnca": "C0", "eca": "C3"}
UNIT_LABELS = {"degree": "°", "arbitrary": "arb. units", "1": ""}  # the rest: angstrom → Å and ^2 → ² in place
SUPERSCRIPTS = {"2": "²", "3": "³", "-1": "⁻¹", "-2": "⁻²"}


def unit_label(units: str | None) -> str:
    """How ``units`` (a ``units`` attr of the package: angstrom, degree, e^2/angstrom, eV, GPa, arb. units, 1, …)
    reads on an axis: Å, °, e²/Å, eV, …; "" for dimensionless or missing units."""
    units = str(units or "").strip()
    if units in UNIT_LABELS:
        return UNIT_LABELS[units]
    units = re.sub(r"\^(-?\d+)", lambda m: SUPERSCRIPTS.get(m[1], m[0]), units)
    return units.replace("angstrom", "Å")


def axis_label(name: str, units: str | None) -> str:
    """``name (unit)``, or ``name`` alone where the quantity has no unit: never empty parentheses."""
    unit = unit_label(units)
    return f"{name} ({unit})" if unit else name


def model_color(model) -> str:
    """The colour of a model (eca, nnca, ednn, ednn_leaky) in every figure; grey for any other."""
    return MODEL_COLORS.get(str(model).lower(), "C7")


def figure_handles(fig) -> list:
    """Every labelled artist of the figure's axes once (by label), for one legend below the panels."""
    handles = {}
    for ax in fig.axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    return list(handles.values())


def legend_below(fig, handles, ncol: int | None = None) -> None:
    """One legend for the whole figure, below its panels: it never covers data. Call after ``tight_layout``."""
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=ncol or min(len(handles), 4),
               frameon=False)


def save(fig, path, dpi: int = 150) -> Path:
    """Save ``fig`` to ``path`` atomically (temp file, then rename) and close it."""
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
    finally:
        plt.close(fig)
    return Path(path)


def _shade_windows(ax, windows: dict):
    for k, (name, (low, high)) in enumerate(windows.items()):
        ax.axvspan(low, high, color=f"C{k + 2}", alpha=0.12, label=f"window {name}")


def _group_means(ax, energy, values, group: xr.DataArray):
    """The mean spectrum of each group (per-sample labels ``group``, e.g. pressure) coloured by its value, with a
    colour bar rather than a legend of many entries over the lines."""
    labels = group.values
    groups = np.unique(labels)
    norm = matplotlib.colors.Normalize(groups.min(), groups.max() if len(groups) > 1 else groups.min() + 1)
    for value in groups:
        ax.plot(energy, values[labels == value].mean(axis=0), color=plt.cm.viridis(norm(value)), lw=1.2)
    mappable = matplotlib.cm.ScalarMappable(norm=norm, cmap="viridis")
    ax.figure.colorbar(mappable, ax=ax, label=axis_label(group.name, group.attrs.get("units")), pad=0.02)


@READABLE
def mean_spectra(raw: xr.Dataset, title: str = "", windows: dict | None = None, group: str | None = None):
    """Mean spectrum ± σ band per spectrum kind; with ``group`` (e.g. pressure) a second row of the mean
    spectrum of each group. ``windows`` maps kind → {line: (low, high)} energy windows to shade."""
    kinds = spectrum_kinds(raw)
    rows = 2 if group else 1
    fig, axes = plt.subplots(rows, len(kinds), figsize=(A4_WIDTH, 2.8 * rows + 0.4), squeeze=False)
    for col, kind in enumerate(kinds):
        energy = raw[f"energy_{kind}"].values
        values = raw[f"spectrum_{kind}"].values
        ylabel = axis_label("intensity", raw[f"spectrum_{kind}"].attrs.get("units", "arb. units"))
        xlabel = axis_label("energy", raw[f"energy_{kind}"].attrs.get("units", "eV"))
        ax = axes[0, col]
        mean, std = values.mean(axis=0), values.std(axis=0)
        ax.fill_between(energy, mean - std, mean + std, alpha=0.3, label="± σ")
        ax.plot(energy, mean, lw=1.5, label=f"mean of {len(values)}")
        _shade_windows(ax, (windows or {}).get(kind, {}))
        ax.set(title=kind.upper(), xlabel=xlabel, ylabel=ylabel)
        if group:
            ax = axes[1, col]
            _group_means(ax, energy, values, raw[group])
            _shade_windows(ax, (windows or {}).get(kind, {}))
            ax.set(title=f"{kind.upper()}: mean per {group}", xlabel=xlabel, ylabel=ylabel)
    for ax in axes.flat:
        ax.xaxis.set_major_locator(MaxNLocator(4))  # five-digit Kβ energies would otherwise overlap
    fig.suptitle(title)
    fig.tight_layout()
    legend_below(fig, figure_handles(fig))
    return fig


# Bars per k: the latent families (ECA with train-fitted directions hollow in ECA's colour), then the baselines as
# hatched greys. Full-rank models (one value per target: the emulator, the ridge regression) are lines over the bars.
FAMILY_STYLES = {"EDNN": {"facecolor": MODEL_COLORS["ednn"]}, "NNCA": {"facecolor": MODEL_COLORS["nnca"]},
                 "ECA": {"facecolor": MODEL_COLORS["eca"]},
                 "ECA train-fit": {"facecolor": "w", "edgecolor": MODEL_COLORS["eca"], "hatch": "////",
                                   "linewidth": 0.8}}
LINE_STYLES = {"emulator": {"color": "k", "ls": "--"}, "ridge": {"color": "0.4", "ls": ":"}}
BASELINE_HATCHES = ("///", "\\\\\\", "xxx", "...", "---")
KEY_COLUMNS = ("system", "target", "k")


def _numeric(table: pd.DataFrame) -> list[str]:
    """The table's R² columns: numeric, neither a key nor a ``_std`` spread, in the table's order."""
    return [c for c in table.columns if c not in KEY_COLUMNS and not c.endswith("_std")
            and pd.api.types.is_numeric_dtype(table[c])]


def line_columns(table: pd.DataFrame) -> list[str]:
    """The full-rank models' columns (one value per target; :data:`xraylatent.report.tables.FULL_RANK_COLUMNS`)."""
    return [c for c in FULL_RANK_COLUMNS.values() if c in table.columns]


def bar_columns(table: pd.DataFrame) -> list[str]:
    """The R² columns drawn as bars: the latent families, then every other R² column that is not a full-rank
    model's (the baselines: PCA, PLS, SIR and whatever the table gains) in the table's order."""
    families = [c for c in FAMILY_STYLES if c in table.columns]
    return families + [c for c in _numeric(table) if c not in families and c not in line_columns(table)]


def _bar_styles(columns: list[str]) -> dict[str, dict]:
    """Latent families in their model colours; baselines as hatched greys, light to dark, in column order."""
    baselines = [c for c in columns if c not in FAMILY_STYLES]
    greys = np.linspace(0.88, 0.45, max(len(baselines), 2))
    return {c: FAMILY_STYLES[c] for c in columns if c in FAMILY_STYLES} | {
        c: {"facecolor": str(round(grey, 2)), "hatch": BASELINE_HATCHES[i % len(BASELINE_HATCHES)],
            "edgecolor": "0.3", "linewidth": 0.4} for i, (c, grey) in enumerate(zip(baselines, greys))}


def _target_bars(ax, rows: pd.DataFrame, start: float, styles: dict, lines: list[str]) -> np.ndarray:
    """One target's bars from x = ``start``: a cluster per k of one bar per column (± the seed spread where the
    table has ``<column>_std``), under a line per full-rank model (± its spread as a band); returns the clusters'
    centres."""
    centres = start + np.arange(len(rows))
    width = 0.84 / len(styles)
    for j, (column, style) in enumerate(styles.items()):
        ax.bar(centres + (j - (len(styles) - 1) / 2) * width, rows[column], width, label=column,
               yerr=rows.get(f"{column}_std"), capsize=1.5, error_kw={"lw": 0.7}, **style)
    span = (centres[0] - 0.46, centres[-1] + 0.46)
    for column in lines:
        value = rows[column].iloc[0]
        ax.hlines(value, *span, lw=1.2, label=column, **LINE_STYLES.get(column, {"color": "0.2", "ls": "-."}))
        if f"{column}_std" in rows:
            std = rows[f"{column}_std"].iloc[0]
            ax.fill_between(span, value - std, value + std, color="k", alpha=0.12, lw=0, zorder=0.5)
    return centres


def _r2_limits(table: pd.DataFrame, columns: list[str], floor: float = -1.0) -> tuple[float, float]:
    """A panel's y limits: from 0 (or the lowest R² less its seed spread, but not below ``floor``: a failed fit's
    −20 would flatten every other bar; such bars run off the bottom) to just above 1."""
    lows = [table[c] - table[f"{c}_std"].fillna(0) if f"{c}_std" in table else table[c] for c in columns]
    lowest = float(np.nanmin(pd.concat(lows).to_numpy(dtype=float)))
    return max(min(0.0, lowest - 0.05), floor), 1.02


def _legend_handles(styles: dict, lines: list[str], table: pd.DataFrame) -> list:
    """A patch per bar column, a line per full-rank model, and the band where one has a seed spread."""
    handles = [Patch(label=c, **s) for c, s in styles.items()]
    handles += [Line2D([], [], lw=1.2, label=c, **LINE_STYLES.get(c, {"color": "0.2", "ls": "-."})) for c in lines]
    if any(f"{c}_std" in table for c in lines):
        handles.append(Patch(color="k", alpha=0.12, label="± σ over seeds"))
    return handles


@READABLE
def r2_families(table: pd.DataFrame):
    """Test R² per data set (one panel each, stacked to read at A4 width): per target a group of clusters, one
    per k, of a bar per family (EDNN, NNCA, ECA, ECA train-fit) and per baseline column of the table (hatched
    grey), with ± one standard deviation over training seeds where the table has ``<column>_std`` columns; the
    lines over a target's bars are its full-rank models' R² (emulator dashed, with its spread as a grey band;
    ridge dotted)."""
    columns, lines = bar_columns(table), line_columns(table)
    styles = _bar_styles(columns)
    systems = sorted(table["system"].unique())
    fig, axes = plt.subplots(len(systems), 1, figsize=(A4_WIDTH, 2.5 * len(systems) + 0.3), squeeze=False)
    for ax, system in zip(axes[:, 0], systems):
        ticks, labels, groups, start = [], [], [], 0.0
        own = table[table["system"] == system]
        for target, rows in own.groupby("target", sort=True):
            centres = _target_bars(ax, rows.sort_values("k"), start, styles, lines)
            ticks += list(centres)
            labels += [f"k={k}" for k in rows.sort_values("k")["k"]]
            groups.append((centres.mean(), target))
            start = centres[-1] + 1.6
        ax.set_xticks(ticks, labels)
        ax.set_xlim(-0.6, start - 1.0)
        targets = ax.secondary_xaxis("bottom")
        targets.set_xticks([x for x, _ in groups], [name for _, name in groups], fontsize=9, fontweight="bold")
        targets.tick_params(length=0, pad=17)  # below the k labels
        ax.axhline(0, color="k", lw=0.6)
        ax.set(title=system, ylabel="test R²", ylim=_r2_limits(own, columns + lines))
    fig.tight_layout()
    handles = _legend_handles(styles, lines, table)
    legend_below(fig, handles, ncol=min(len(handles), 5))
    return fig

"""Figures of the data and the R² comparison (docs/method.md §8, §10): matplotlib, saved as PNG."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from xraylatent.io import atomic_path, spectrum_kinds  # noqa: E402


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


def mean_spectra(raw: xr.Dataset, title: str = "", windows: dict | None = None, group: str | None = None):
    """Mean spectrum ± σ band per spectrum kind; with ``group`` (e.g. pressure) a second row of the mean
    spectrum of each group. ``windows`` maps kind → {line: (low, high)} energy windows to shade."""
    kinds = spectrum_kinds(raw)
    rows = 2 if group else 1
    fig, axes = plt.subplots(rows, len(kinds), figsize=(4.5 * len(kinds), 3.4 * rows), squeeze=False)
    for col, kind in enumerate(kinds):
        energy = raw[f"energy_{kind}"].values
        values = raw[f"spectrum_{kind}"].values
        unit = raw[f"spectrum_{kind}"].attrs.get("units", "arb. units")
        ax = axes[0, col]
        mean, std = values.mean(axis=0), values.std(axis=0)
        ax.fill_between(energy, mean - std, mean + std, alpha=0.3, label="± σ")
        ax.plot(energy, mean, lw=1.5, label=f"mean of {len(values)}")
        _shade_windows(ax, (windows or {}).get(kind, {}))
        ax.set(title=kind.upper(), xlabel="Energy (eV)", ylabel=f"Intensity ({unit})")
        ax.legend(fontsize=7)
        if group:
            ax = axes[1, col]
            labels = raw[group].values
            colors = plt.cm.viridis(np.linspace(0, 1, len(np.unique(labels))))
            for color, value in zip(colors, np.unique(labels)):
                ax.plot(energy, values[labels == value].mean(axis=0), color=color, lw=1.2,
                        label=f"{value:g} {raw[group].attrs.get('units', '')}")
            _shade_windows(ax, (windows or {}).get(kind, {}))
            ax.set(title=f"{kind.upper()}: mean per {group}", xlabel="Energy (eV)", ylabel=f"Intensity ({unit})")
            ax.legend(fontsize=6, ncol=2)
    for ax in axes.flat:
        ax.xaxis.set_major_locator(MaxNLocator(5))  # five-digit Kβ energies would otherwise overlap
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# Linear baselines (PCA, PLS, SIR through the emulator) as hatched light bars after the three latent families.
BASELINE_STYLES = {name: {"color": color, "hatch": "///", "edgecolor": "0.35", "linewidth": 0.4}
                   for name, color in (("PCA", "0.9"), ("PLS", "0.75"), ("SIR", "0.6"))}


def r2_families(table):
    """Test R² of EDNN, NNCA and ECA per k, and of the linear baselines where the table has them, one panel
    per system and target (docs/method.md §10 layout), with error bars (and a band about the emulator's
    line) of ± one standard deviation over training seeds where the table has ``<column>_std`` columns."""
    groups = list(table.groupby(["system", "target"], sort=True))
    families = [c for c in ("EDNN", "NNCA", "ECA", *BASELINE_STYLES) if c in table.columns]
    fig, axes = plt.subplots(1, len(groups), figsize=(3.2 * len(groups), 3.2), squeeze=False, sharey=True)
    for ax, ((system, target), rows) in zip(axes[0], groups):
        ks = rows["k"].to_numpy()
        width = 0.8 / len(families)
        for j, family in enumerate(families):
            ax.bar(np.arange(len(ks)) + (j - (len(families) - 1) / 2) * width, rows[family], width, label=family,
                   yerr=rows.get(f"{family}_std"), capsize=2, error_kw={"lw": 0.8},
                   **BASELINE_STYLES.get(family, {}))
        if rows["emulator"].notna().any():
            emulator = rows["emulator"].iloc[0]
            ax.axhline(emulator, color="k", ls="--", lw=1, label="emulator")
            if "emulator_std" in rows:
                std = rows["emulator_std"].iloc[0]
                ax.axhspan(emulator - std, emulator + std, color="k", alpha=0.12, lw=0, zorder=0.5)  # behind the bars
        ax.set(title=f"{system}\n{target}", xticks=np.arange(len(ks)), xticklabels=[f"k={k}" for k in ks],
               ylim=(min(0.0, float(np.nanmin(table[families].to_numpy()))), 1.02))
    axes[0, 0].set_ylabel("test R² (generalized)")
    fig.tight_layout()
    handles, labels = axes[0, -1].get_legend_handles_labels()  # one legend below the panels, clear of the bars
    fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(labels), fontsize=8)
    return fig

"""The MD structure figure of a GeO2 data set: what the melt–quench–compress cells look like at each pressure."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import xarray as xr

from xraylatent.report.figures import A4_WIDTH, READABLE, axis_label


@READABLE
def md_structure(cells: Sequence[xr.Dataset], title: str = ""):
    """Four panels over the pressures of ``cells`` (md/pressure_{i}.nc): the Ge–O coordination distribution
    (stacked fractions), the density, and the Ge–O and Ge–Ge radial distributions coloured by pressure with
    their first peaks marked."""
    cells = sorted(cells, key=lambda c: c.attrs["pressure"])
    pressure = np.array([c.attrs["pressure"] for c in cells])
    norm = matplotlib.colors.Normalize(pressure.min(), max(pressure.max(), pressure.min() + 1))
    fig, axes = plt.subplots(2, 2, figsize=(A4_WIDTH, 6.2))
    _coordination(axes[0, 0], cells, pressure)
    ax = axes[0, 1]
    ax.plot(pressure, [c.attrs["density"] for c in cells], "o-", color="C0")
    ax.set_xlabel(axis_label("pressure", "GPa"))
    ax.set_ylabel(axis_label("density", "g/cm^3"))
    ax.set_title("density at 300 K")
    for ax, name, peak, pair, xlim in ((axes[1, 0], "g_ge_o", "ge_o_peak", "Ge–O", (1.2, 4.5)),
                                       (axes[1, 1], "g_ge_ge", "ge_ge_peak", "Ge–Ge", (2.2, 6.0))):
        for cell, p in zip(cells, pressure):
            color = plt.cm.viridis(norm(p))
            ax.plot(cell["r"], cell[name], color=color, lw=1.0)
            ax.plot([cell.attrs[peak]], [float(cell[name].interp(r=cell.attrs[peak]))], "v", color=color, ms=4)
        ax.set_xlim(*xlim)
        ax.set_xlabel(axis_label("r", "angstrom"))
        ax.set_ylabel(f"g(r) {pair}")
        ax.set_title(f"{pair} radial distribution (▼ first peak)")
    fig.tight_layout(rect=(0, 0, 0.9, 0.95 if title else 1.0))
    mappable = matplotlib.cm.ScalarMappable(norm=norm, cmap="viridis")
    fig.colorbar(mappable, cax=fig.add_axes((0.92, 0.08, 0.02, 0.36)), label=axis_label("pressure", "GPa"))
    if title:
        fig.suptitle(title)
    return fig


def _coordination(ax, cells, pressure) -> None:
    """Stacked bars: the fraction of Ge with each number of O neighbours, per pressure."""
    fractions = np.array([c["coordination_fraction"].values for c in cells])
    counts = cells[0]["coordination"].values
    shown = np.flatnonzero(fractions.max(axis=0) >= 0.005)
    width = 0.8 * (np.min(np.diff(pressure)) if len(pressure) > 1 else 1.0)
    bottom = np.zeros(len(cells))
    colors = plt.cm.plasma(np.linspace(0.1, 0.9, len(shown)))
    for color, k in zip(colors, shown):
        ax.bar(pressure, fractions[:, k], width, bottom=bottom, color=color, label=f"{counts[k]}")
        bottom += fractions[:, k]
    cutoff = cells[0].attrs.get("first_shell_cutoff")
    ax.set_xlabel(axis_label("pressure", "GPa"))
    ax.set_ylabel("fraction of Ge")
    ax.set_ylim(0, 1)
    ax.set_title(f"Ge–O coordination (O within {cutoff} Å)")
    ax.legend(title="CN", fontsize=7, title_fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)

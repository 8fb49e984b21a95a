"""The measured-spectra figure: each measured spectrum beside the spectrum each model's reconstruction implies."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr

from xraylatent.report.figures import A4_WIDTH, READABLE, axis_label, model_color


def _channel_axis(ds: xr.Dataset) -> tuple[np.ndarray, str, list[str] | None]:
    """x values, axis label and tick labels of the target channels: energies in eV, or named moments."""
    channel = ds["channel"].values
    if np.issubdtype(channel.dtype, np.number):
        return channel, axis_label("energy", ds["channel"].attrs.get("units", "eV")), None
    return np.arange(len(channel)), "target channel", [str(c) for c in channel]


@READABLE
def measured_spectra(ds: xr.Dataset, title: str = ""):
    """One row per measured spectrum: the measured target channels (black) and those each inverted model's
    reconstruction implies (one colour per model), with the fitted shift and each model's residual."""
    x, label, ticks = _channel_axis(ds)
    n = ds.sizes["measured"]
    fig, axes = plt.subplots(n, 1, figsize=(A4_WIDTH, 2.6 * n + 0.6), squeeze=False)
    for row, name in enumerate(ds["measured"].values):
        ax = axes[row, 0]
        marker = "o" if ticks else None
        ax.plot(x, ds["y_measured"].sel(measured=name), color="black", lw=2, marker=marker, label="measured")
        for model in ds["model"].values:
            residual = float(ds["residual"].sel(model=model, measured=name))
            family, k = str(model).rsplit("_k", 1)
            ax.plot(x, ds["y_implied"].sel(model=model, measured=name), color=model_color(family), lw=1.2,
                    marker=marker, ls="-" if k == "1" else "--", label=f"{model} (residual {residual:.3f})")
        ax.set_title(f"{name}: shift {float(ds['shift'].sel(measured=name)):+.2f} eV", fontsize=9)
        ax.set_ylabel("target value")
        if ticks:
            ax.set_xticks(x, ticks, rotation=45, ha="right", fontsize=7)
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    axes[-1, 0].set_xlabel(label)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig

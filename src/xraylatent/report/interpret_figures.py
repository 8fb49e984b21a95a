"""Interpretation figures (docs/method.md §8–9): isosurfaces of the spectral change metric beside the EDNN
bottleneck, ECA/NNCA component weights, and structures reconstructed from spectra. Save with
:func:`xraylatent.report.figures.save`."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from mpl_toolkits.mplot3d.art3d import Poly3DCollection  # noqa: E402
from skimage.measure import marching_cubes  # noqa: E402

UNIT_LABELS = {"degree": "°", "angstrom": "Å"}
MODEL_COLORS = {"eca": "C3", "nnca": "C0", "ednn_leaky": "C2"}


def axis_label(name: str, units: str) -> str:
    return f"{name} ({UNIT_LABELS.get(units, units)})"


def _padded(values: np.ndarray, fraction: float) -> tuple[float, float]:
    """Axis limits around ``values`` widened by ``fraction`` of their range on each side (at least 5 % of
    their magnitude): reconstructions that run far off (unstable inversions) leave the frame rather than
    squash the data."""
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    pad = max(fraction * (high - low), 0.05 * max(abs(low), abs(high)))
    return low - pad, high + pad


def _isosurface(ax, grid: xr.DataArray, mask: np.ndarray, level: float, color) -> None:
    """One isosurface of ``grid`` (3-D, physical coordinates) at ``level``, restricted to ``mask``."""
    axes = [grid[dim].values for dim in grid.dims]
    spacing = tuple(float(a[1] - a[0]) for a in axes)
    verts, faces, _, _ = marching_cubes(grid.values, level, spacing=spacing, mask=mask)
    if len(faces):
        verts = verts + np.array([a[0] for a in axes])
        ax.add_collection3d(Poly3DCollection(verts[faces], facecolor=color, alpha=0.35, linewidth=0))


def _levels(values: np.ndarray, mask: np.ndarray, quantiles=(0.2, 0.5, 0.8)) -> np.ndarray:
    """Isosurface levels at quantiles of the values near the data."""
    return np.quantile(values[mask], quantiles)


def _arrows(ax, components: xr.Dataset) -> list:
    """ECA and ordered-NNCA directions of the largest k as double-headed arrows (±1 standardized
    units) through the data centre, in physical axes; returns legend handles."""
    k = int(components["k"].values.max())
    centre, scale = components["x_mean"].values, components["x_scale"].values
    handles = []
    for family, color in (("eca", MODEL_COLORS["eca"]), ("nnca", MODEL_COLORS["nnca"])):
        for rank, style in zip(range(1, k + 1), ("-", "--", ":")):
            step = components[f"V_{family}"].sel(k=k, rank=rank).values * scale
            for sign in (1, -1):
                ax.quiver(*centre, *(sign * step), color=color, linestyle=style, arrow_length_ratio=0.2, lw=1.6)
            handles.append(Line2D([], [], color=color, ls=style, label=f"{family.upper()} rank {rank} (k={k})"))
    return handles


def isosurfaces(grids: dict[str, xr.Dataset], components: dict[str, xr.Dataset], title: str = ""):
    """One row per target: isosurfaces of M (left) and of the one-component EDNN's bottleneck (right)
    over (α, b_l, b_s), near the data only, with the ECA and NNCA directions through the data centre."""
    fig = plt.figure(figsize=(11, 4.6 * len(grids)))
    for row, (target, grid) in enumerate(grids.items()):
        mask = grid["mask"].values.astype(bool)
        for col, (name, label) in enumerate((("M", "spectral change M"), ("activation", "EDNN k=1 bottleneck"))):
            ax = fig.add_subplot(len(grids), 2, 2 * row + col + 1, projection="3d")
            colors = plt.cm.plasma(np.linspace(0.15, 0.85, 3))
            levels = _levels(grid[name].values, mask)
            for level, color in zip(levels, colors):
                _isosurface(ax, grid[name], mask, level, color)
            handles = _arrows(ax, components[target])
            handles += [Line2D([], [], color=c, lw=6, alpha=0.5, label=f"{label} = {lv:.3g}")
                        for lv, c in zip(levels, colors)]
            dims = grid[name].dims
            ax.set(xlim=grid[dims[0]].values[[0, -1]], ylim=grid[dims[1]].values[[0, -1]],
                   zlim=grid[dims[2]].values[[0, -1]], title=f"{target.upper()}: {label}")
            for setter, dim in zip((ax.set_xlabel, ax.set_ylabel, ax.set_zlabel), dims):
                setter(axis_label(dim, grid[dim].attrs.get("units", "")), fontsize=8)
            ax.tick_params(labelsize=7)
            ax.legend(handles=handles, fontsize=6, loc="upper left")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def components(ds: xr.Dataset, title: str = ""):
    """Per k (rows): the weights of each rank's ECA and ordered-NNCA direction over the features (one
    panel per rank), and the covered variance per rank of both (last column)."""
    ks, features = ds["k"].values, ds["feature"].values
    n_cols = int(ks.max()) + 1
    fig, axes = plt.subplots(len(ks), n_cols, figsize=(max(4.0, 0.28 * len(features)) * n_cols, 3.2 * len(ks)),
                             squeeze=False)
    positions = np.arange(len(features))
    for row, k in enumerate(ks):
        for rank in range(1, n_cols):
            ax = axes[row, rank - 1]
            if rank > k:
                ax.axis("off")
                continue
            sel = ds.sel(k=k, rank=rank)
            for offset, family in ((-0.2, "eca"), (0.2, "nnca")):
                ax.bar(positions + offset, sel[f"V_{family}"].values, 0.4, color=MODEL_COLORS[family],
                       label=family.upper())
            ax.axhline(0, color="k", lw=0.6)
            ax.set_xticks(positions, features, rotation=90, fontsize=6)
            ax.set(title=f"k={k}, rank {rank}: |cos| = {float(sel['cosine']):.2f}", ylabel="weight")
            ax.legend(fontsize=7)
        ax = axes[row, -1]
        for family in ("eca", "nnca"):
            for split, style in (("train", "--"), ("test", "-")):
                ax.plot(np.arange(1, k + 1), ds[f"covered_{family}"].sel(k=k, split=split).values[:k],
                        style, marker="o", color=MODEL_COLORS[family], label=f"{family.upper()} {split}")
        ax.set(title=f"k={k}: covered variance", xlabel="rank", ylabel="R²", xticks=np.arange(1, k + 1))
        ax.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def distances_vs_group(recons: dict[int, xr.Dataset], title: str = ""):
    """Reconstructed mean centre–neighbour distance per element against the group label (pressure), one
    panel per element, a line per model and k, beside the test set's known means (the study's Fig. 5)."""
    first = next(iter(recons.values()))
    elements, group = first["element"].values, first.attrs["group"]
    fig, axes = plt.subplots(1, len(elements), figsize=(4.6 * len(elements), 3.6), squeeze=False)
    for ax, element in zip(axes[0], elements):
        x = first["group"].values
        ax.plot(x, first["distance_true"].sel(element=element), "ko-", lw=2, label="test-set mean (known)")
        for k, ds in recons.items():
            for model in ds["model"].values:
                ax.plot(x, ds["distance_hat"].sel(model=model, element=element), marker="s",
                        ls="-" if k == 1 else "--", color=MODEL_COLORS.get(str(model), "C7"),
                        alpha=1.0 if k == 1 else 0.7, label=f"{str(model).upper()} k={k}")
        unit = first["group"].attrs.get("units", "")
        known = first["distance_true"].sel(element=element).values
        ax.set(title=f"mean {first.attrs['center']}–{element}", xlabel=f"{group} ({unit})", ylabel="distance (Å)",
               ylim=_padded(known, 1.0))
        ax.legend(fontsize=6)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def reconstructed_vs_true(recons: dict[int, xr.Dataset], title: str = "", max_features: int = 6):
    """Test samples: reconstructed against true feature values (physical units), one row per k, one
    column per feature (the ``max_features`` best reconstructed by the first model), a colour per model."""
    first = next(iter(recons.values()))
    best = np.argsort(-np.nan_to_num(first["r2"].isel(model=0).values, nan=-np.inf))[:max_features]
    features = first["feature"].values[sorted(best)]
    fig, axes = plt.subplots(len(recons), len(features), figsize=(3.3 * len(features), 3.2 * len(recons)),
                             squeeze=False)
    for row, (k, ds) in enumerate(recons.items()):
        for ax, feature in zip(axes[row], features):
            true = ds["x_true"].sel(feature=feature).values
            for model in ds["model"].values:
                r2 = float(ds["r2"].sel(model=model, feature=feature))
                ax.scatter(true, ds["x_hat"].sel(model=model, feature=feature), s=6, alpha=0.6,
                           color=MODEL_COLORS.get(str(model), "C7"), label=f"{str(model).upper()} R²={r2:.2f}")
            ax.plot(true[[true.argmin(), true.argmax()]], true[[true.argmin(), true.argmax()]], "k:", lw=1)
            ax.set_ylim(_padded(true, 0.5))
            unit = UNIT_LABELS.get(str(ds["feature_units"].sel(feature=feature).values), "")
            ax.set(title=f"k={k}: {feature}", xlabel=f"true ({unit})", ylabel=f"reconstructed ({unit})")
            ax.legend(fontsize=6)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _leading_features(weights: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` features with the largest |weight| in any row of ``weights`` (rows, feature),
    in feature order."""
    return np.sort(np.argsort(-np.nanmax(np.abs(weights), axis=0))[:n])


def bootstrap_weights(summary: xr.Dataset, title: str = "", max_features: int = 15):
    """Bootstrap of the basis vectors: per model (rows) and k, rank (columns) each feature's weight in the
    full-data direction with its interval (which is centred on it) and the resamples' mean (×); indecisive
    weights (interval contains 0) hollow and grey. With many features only the ``max_features`` largest are
    drawn."""
    panels = [(int(k), rank) for k in summary["k"].values for rank in range(1, int(k) + 1)]
    models, features = summary["model"].values, summary["feature"].values
    n_shown = min(len(features), max_features)
    height = 0.8 + (1.3 + 0.26 * n_shown) * len(models)  # per panel: title and axis label, then a row per feature
    fig, axes = plt.subplots(len(models), len(panels), figsize=(3.6 * len(panels), height), squeeze=False)
    for col, (k, rank) in enumerate(panels):
        at = summary.sel(k=k, rank=rank)
        shown = _leading_features(at["weight_reference"].values, n_shown)
        y = np.arange(len(shown))
        for row, model in enumerate(models):
            ax, sel = axes[row, col], at.sel(model=model)
            centre, low, high = (sel[name].values[shown] for name in ("weight_reference", "weight_low", "weight_high"))
            indecisive = sel["indecisive"].values[shown] == 1
            color = MODEL_COLORS.get(str(model), "C7")
            for mask, face, edge in ((~indecisive, color, color), (indecisive, "none", "0.55")):
                ax.errorbar(centre[mask], y[mask], xerr=[centre[mask] - low[mask], high[mask] - centre[mask]],
                            fmt="o", ms=4, mfc=face, mec=edge, ecolor=edge, capsize=2, lw=1)
            ax.plot(sel["weight_mean"].values[shown], y, "kx", ms=4)
            ax.axvline(0, color="k", lw=0.6)
            ax.set_yticks(y, features[shown], fontsize=7 if n_shown > 8 else 9)
            ax.invert_yaxis()
            ax.set(title=f"{str(model).upper()} k={k}, rank {rank}: angle ≤ {float(sel['angle_high']):.1f}°",
                   xlabel="weight (standardized features)")
    fig.suptitle(f"{title}\n{summary.attrs['n_resamples']} resamples, {summary.attrs['level']:.0%} intervals"
                 + (f"; the {n_shown} largest of {len(features)} features" if n_shown < len(features) else ""))
    fig.tight_layout()
    fig.legend(handles=[Line2D([], [], marker="o", color="0.3", ls="", label="decisive: full-data weight and interval"),
                        Line2D([], [], marker="o", mfc="none", mec="0.55", ls="", label="indecisive (contains 0)"),
                        Line2D([], [], marker="x", color="k", ls="", label="mean of the resamples")],
               fontsize=7, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3)  # below the panels, off the data
    return fig


def reconstructability(recons: dict[int, xr.Dataset], by_group: dict[int, xr.Dataset] | None = None, title: str = ""):
    """How well each feature comes back from the test spectra: a heat map of the per-feature R² (features ×
    model and k; framed and "n.d." where the bootstrap leaves the feature not determined by the spectrum) and,
    with per-group distance scores (GeO2), the RMSE (log scale) of each centre–neighbour distance per group."""
    columns = [(k, str(m)) for k, ds in recons.items() for m in ds["model"].values]
    first = next(iter(recons.values()))
    features = first["feature"].values
    r2 = np.array([recons[k]["r2"].sel(model=m).values for k, m in columns]).T  # (feature, column)
    undetermined = np.array([recons[k]["determined"].sel(model=m).values == 0 for k, m in columns]).T
    elements = list(first["element"].values) if by_group else []
    height = max(3.0, 0.9 + 0.2 * len(features))
    fig = plt.figure(figsize=(2.4 + 0.75 * len(columns) + 4.2 * bool(elements), height))
    grid = fig.add_gridspec(max(1, len(elements)), 2 if elements else 1,
                            width_ratios=[0.75 * len(columns) + 2.4, 4.2] if elements else None)
    ax = fig.add_subplot(grid[:, 0])
    image = ax.imshow(np.clip(r2, 0, 1), cmap="viridis", vmin=0, vmax=1, aspect="auto")
    rows, cols = np.nonzero(undetermined)
    for i, j in zip(rows, cols):  # a dashed frame, so the cell's value stays legible
        ax.add_patch(plt.Rectangle((j - 0.45, i - 0.45), 0.9, 0.9, fill=False, ls="--", edgecolor="w", lw=0.8))
    if len(features) <= 30:
        for i in range(len(features)):
            for j in range(len(columns)):
                text = "< −10" if r2[i, j] < -10 else f"{r2[i, j]:.2f}"
                ax.text(j, i, text + (" n.d." if undetermined[i, j] else ""), ha="center", va="center", fontsize=7,
                        color="k" if r2[i, j] > 0.6 else "w")
    ax.set_xticks(range(len(columns)), [f"{m.upper()}\nk={k}" for k, m in columns], fontsize=8)
    ax.set_yticks(range(len(features)), features, fontsize=7 if len(features) > 12 else 9)
    ax.set_title("per-feature R² (test); n.d., dashed: not determined", fontsize=9)
    fig.colorbar(image, ax=ax, label="R² (clipped to [0, 1])", shrink=0.6)
    for row, element in enumerate(elements):
        ax = fig.add_subplot(grid[row, 1])
        for k, scores in by_group.items():
            for model in scores["model"].values:
                ax.plot(scores["group"].values, scores["rmse"].sel(model=model, element=element), marker="s",
                        ls="-" if k == min(by_group) else "--", color=MODEL_COLORS.get(str(model), "C7"),
                        label=f"{str(model).upper()} k={k}")
        unit = first["group"].attrs.get("units", "")
        ax.set(title=f"{first.attrs.get('center', 'centre')}–{element}: per-sample error",
               xlabel=f"{first.attrs['group']} ({unit})", ylabel="RMSE (Å)", yscale="log")  # unstable inversions
        ax.legend(fontsize=6, ncol=2)
    fig.suptitle(title)
    fig.tight_layout()
    return fig

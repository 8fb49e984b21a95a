"""Interpretation figures (docs/method.md §8–9, §11): ECA/NNCA component weights, their bootstrap, structures
reconstructed from spectra and how well each feature comes back, each readable at A4 width (the isosurfaces are in
:mod:`xraylatent.report.isosurface_figure`). Save with :func:`xraylatent.report.figures.save`."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from xraylatent.report.figures import (  # noqa: E402
    A4_WIDTH,
    READABLE,
    axis_label,
    figure_handles,
    legend_below,
    model_color,
)

OWN_PANEL_MODELS = ("ednn_leaky",)  # unstable inversions: their own panels and y limits, off the others' axes
MODEL_LABELS = {"ednn_leaky": "Leaky-ReLU EDNN"}
K_LINES = ("-", "--", ":", "-.")
K_MARKERS = ("o", "^", "s", "D")
MAX_BAR_FEATURES = 8  # more features: the component weights as a heat map


def model_label(model) -> str:
    """How a model is named in legends and titles: NNCA, ECA, Leaky-ReLU EDNN."""
    return MODEL_LABELS.get(str(model), str(model).upper())


def r2_text(r2: float) -> str:
    """An R² for a label: two decimals, or "< −10" for a failed fit whose digits would say nothing."""
    return "< −10" if r2 < -10 else f"{r2:.2f}"


def _padded(values: np.ndarray, fraction: float) -> tuple[float, float]:
    """Axis limits around ``values`` (NaN ignored) widened by ``fraction`` of their range on each side (at least
    5 % of their magnitude)."""
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    pad = max(fraction * (high - low), 0.05 * max(abs(low), abs(high)), 1e-12)
    return low - pad, high + pad


def _split_models(models) -> tuple[list[str], list[str]]:
    """The models whose reconstructions share the data's axes, and those drawn in panels of their own."""
    models = [str(m) for m in models]
    return [m for m in models if m not in OWN_PANEL_MODELS], [m for m in models if m in OWN_PANEL_MODELS]


def _weight_bars(ax, sel: xr.Dataset, features) -> None:
    """One rank's ECA and NNCA weights as bars side by side, a pair per feature."""
    positions = np.arange(len(features))
    for offset, family in ((-0.2, "eca"), (0.2, "nnca")):
        ax.bar(positions + offset, sel[f"V_{family}"].values, 0.4, color=model_color(family), label=family.upper())
    ax.axhline(0, color="k", lw=0.6)
    upright = len(features) > 4 or max(len(str(f)) for f in features) > 8  # else the names would collide
    ax.set_xticks(positions, features, rotation=90 if upright else 0)


def _covered(ax, ds: xr.Dataset, k: int) -> None:
    """The covered variance per rank of ECA and NNCA at ``k``, train dashed and hollow, test solid."""
    for family in ("eca", "nnca"):
        for split, style, face in (("train", "--", "none"), ("test", "-", model_color(family))):
            ax.plot(np.arange(1, k + 1), ds[f"covered_{family}"].sel(k=k, split=split).values[:k], style,
                    marker="o", mfc=face, color=model_color(family), label=f"{family.upper()} {split}")
    ax.set(title=f"k={k}: covered variance", xlabel="rank", ylabel="R²", xticks=np.arange(1, k + 1))


def _component_bars(ds: xr.Dataset):
    """Few features: per k (rows) a panel of bars per rank, and the covered variance (last column)."""
    ks, features = ds["k"].values, ds["feature"].values
    n_cols = int(ks.max()) + 1
    fig, axes = plt.subplots(len(ks), n_cols, figsize=(A4_WIDTH, 2.6 * len(ks) + 0.6), squeeze=False)
    for row, k in enumerate(ks):
        for rank in range(1, n_cols):
            ax = axes[row, rank - 1]
            if rank > k:
                ax.axis("off")
                continue
            sel = ds.sel(k=k, rank=rank)
            _weight_bars(ax, sel, features)
            ax.set(title=f"k={k}, rank {rank}: |cos| = {float(sel['cosine']):.2f}", ylabel="weight")
        _covered(axes[row, -1], ds, int(k))
    return fig


def _component_heatmap(ds: xr.Dataset):
    """Many features: one heat map of every direction's weights (features down, a column per family, k and
    rank, |cos| of each ECA–NNCA pair above it), beside the covered variance per k."""
    ks, features = ds["k"].values, ds["feature"].values
    pairs = [(int(k), rank) for k in ks for rank in range(1, int(k) + 1)]
    weights = np.column_stack([ds[f"V_{family}"].sel(k=k, rank=rank).values
                               for k, rank in pairs for family in ("eca", "nnca")])
    height = max(3.2, 1.7 + 0.14 * len(features))
    fig = plt.figure(figsize=(A4_WIDTH, height))
    grid = fig.add_gridspec(len(ks), 2, width_ratios=[0.4 * weights.shape[1] + 1.6, 3.0], wspace=0.45,
                            top=1 - 1.1 / height, bottom=0.6 / height)  # room for the pair labels, the families
    ax = fig.add_subplot(grid[:, 0])
    limit = float(np.nanmax(np.abs(weights)))
    image = ax.imshow(weights, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto", interpolation="nearest")
    ax.set_xticks(range(weights.shape[1]), ["ECA", "NNCA"] * len(pairs), rotation=90)
    ax.set_yticks(range(len(features)), features)
    for x in np.arange(2, weights.shape[1], 2) - 0.5:
        ax.axvline(x, color="w", lw=2)
    cosines = [float(ds["cosine"].sel(k=k, rank=rank)) for k, rank in pairs]
    ax.secondary_xaxis("top").set_xticks(np.arange(len(pairs)) * 2 + 0.5, [
        f"k={k}\nrank {rank}\n|cos| {cosine:.2f}" for (k, rank), cosine in zip(pairs, cosines)])
    fig.colorbar(image, ax=ax, label="weight (standardized features)", shrink=min(1.0, 4.0 / height), pad=0.02)
    for row, k in enumerate(ks):
        _covered(fig.add_subplot(grid[row, 1]), ds, int(k))
    return fig


@READABLE
def components(ds: xr.Dataset, title: str = ""):
    """The weights of each rank's ECA and ordered-NNCA direction over the features and the covered variance per
    rank of both: bars per (k, rank) for up to :data:`MAX_BAR_FEATURES` features, else a heat map of all
    directions, either way at A4 width."""
    few = ds.sizes["feature"] <= MAX_BAR_FEATURES
    fig = _component_bars(ds) if few else _component_heatmap(ds)
    fig.suptitle(title)
    if few:  # the heat map's grid places itself: tight_layout cannot handle its secondary axis
        fig.tight_layout()
    legend_below(fig, figure_handles(fig), ncol=6)
    return fig


def _distance_panel(ax, recons: dict[int, xr.Dataset], models: list[str], element) -> np.ndarray:
    """The known test-set mean and each of ``models``' reconstructed distance to ``element`` per group, a line per
    model and k; returns the drawn values (for the panel's y limits)."""
    first = next(iter(recons.values()))
    x, known = first["group"].values, first["distance_true"].sel(element=element).values
    ax.plot(x, known, "ko-", lw=2, label="test-set mean (known)")
    drawn = [known]
    for index, (k, ds) in enumerate(recons.items()):
        for model in models:
            values = ds["distance_hat"].sel(model=model, element=element).values
            ax.plot(x, values, marker="s", ls=K_LINES[index % len(K_LINES)], color=model_color(model),
                    label=f"{model_label(model)} k={k}")
            drawn.append(values)
    return np.concatenate(drawn)


def _conditioning(recons: dict[int, xr.Dataset]) -> str:
    """The largest encoder condition number at each k, which says how far an inverted encoder can be trusted."""
    worst = [f"k={k} {float(ds['condition_number'].max()):.3g}" for k, ds in recons.items() if "condition_number" in ds]
    return "condition number " + ", ".join(worst) if worst else ""


@READABLE
def distances_vs_group(recons: dict[int, xr.Dataset], title: str = ""):
    """Reconstructed mean centre–neighbour distance per element (columns) against the group label (pressure),
    beside the test set's known means (the study's Fig. 5): NNCA and ECA in the top row on axes set by the known
    distances, unstable inversions (Leaky-ReLU EDNN) in a row of their own with their own y limits."""
    first = next(iter(recons.values()))
    elements, group = first["element"].values, first.attrs["group"]
    rows = [row for row in _split_models(first["model"].values) if row]
    fig, axes = plt.subplots(len(rows), len(elements), figsize=(A4_WIDTH, 2.7 * len(rows) + 0.6), squeeze=False)
    units = first["distance_true"].attrs.get("units", "angstrom")
    for r, models in enumerate(rows):
        own = models[0] in OWN_PANEL_MODELS
        for ax, element in zip(axes[r], elements):
            drawn = _distance_panel(ax, recons, models, element)
            known = first["distance_true"].sel(element=element).values
            ax.set(title=f"mean {first.attrs['center']}–{element}"
                   + (f": {model_label(models[0])}\n{_conditioning(recons)}" if own else ""),
                   xlabel=axis_label(group, first["group"].attrs.get("units")), ylabel=axis_label("distance", units),
                   ylim=_padded(drawn[np.isfinite(drawn)], 0.1) if own else _padded(known, 1.0))
    fig.suptitle(title)
    fig.tight_layout()
    legend_below(fig, figure_handles(fig))
    return fig


def _scatter_panel(ax, recons: dict[int, xr.Dataset], ks: list[int], models: list[str], feature) -> str:
    """Reconstructed against true ``feature`` of the test samples for ``models`` at each of ``ks`` (a colour per
    model, a marker per k), with the identity line; returns the panel's R² labels."""
    scores = []
    for k in ks:
        ds = recons[k]
        true = ds["x_true"].sel(feature=feature).values
        for model in models:
            ax.scatter(true, ds["x_hat"].sel(model=model, feature=feature), s=8, alpha=0.6,
                       color=model_color(model), marker=K_MARKERS[list(recons).index(k) % len(K_MARKERS)],
                       label=f"{model_label(model)} k={k}")
            names = [model_label(model)] * (len(models) > 1) + [f"k={k}"] * (len(ks) > 1)
            scores.append(" ".join([*names, r2_text(float(ds["r2"].sel(model=model, feature=feature)))]))
        ax.plot(true[[true.argmin(), true.argmax()]], true[[true.argmin(), true.argmax()]], "k:", lw=1)
    return ", ".join(scores)


@READABLE
def reconstructed_vs_true(recons: dict[int, xr.Dataset], title: str = "", max_features: int = 4):
    """Test samples: reconstructed against true feature values (physical units), one row per feature (the
    ``max_features`` best reconstructed by the first model), a column per k for NNCA and ECA on axes set by the
    true values, and a last column for unstable inversions (Leaky-ReLU EDNN, every k) with their own y limits."""
    first = next(iter(recons.values()))
    best = np.argsort(-np.nan_to_num(first["r2"].isel(model=0).values, nan=-np.inf))[:max_features]
    features = first["feature"].values[sorted(best)]
    shared, own = _split_models(first["model"].values)
    columns = [([k], shared, False) for k in recons] + ([(list(recons), own, True)] if own else [])
    fig, axes = plt.subplots(len(features), len(columns), figsize=(A4_WIDTH, 2.2 * len(features) + 0.8),
                             squeeze=False)
    for row, feature in enumerate(features):
        unit = str(first["feature_units"].sel(feature=feature).values)
        for ax, (ks, models, own_limits) in zip(axes[row], columns):
            scores = _scatter_panel(ax, recons, ks, models, feature)
            ax.set(title=f"{model_label(models[0]) if own_limits else f'k={ks[0]}'}\nR² {scores}",
                   xlabel=axis_label(f"true {feature}", unit), ylabel=axis_label(f"reconstructed {feature}", unit))
            if not own_limits:
                ax.set_ylim(_padded(first["x_true"].sel(feature=feature).values, 0.5))
    fig.suptitle(title)
    fig.tight_layout()
    legend_below(fig, figure_handles(fig))
    return fig


def _leading_features(weights: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` features with the largest |weight| in any row of ``weights`` (rows, feature),
    in feature order."""
    return np.sort(np.argsort(-np.nanmax(np.abs(weights), axis=0))[:n])


@READABLE
def bootstrap_weights(summary: xr.Dataset, title: str = "", max_features: int = 15):
    """Bootstrap of the basis vectors: per model (rows) and k, rank (columns) each feature's weight in the
    full-data direction with its interval (which is centred on it) and the resamples' mean (×); indecisive
    weights (interval contains 0) hollow and grey. With many features only the ``max_features`` largest are
    drawn."""
    panels = [(int(k), rank) for k in summary["k"].values for rank in range(1, int(k) + 1)]
    models, features = summary["model"].values, summary["feature"].values
    n_shown = min(len(features), max_features)
    height = 0.8 + (1.3 + 0.2 * n_shown) * len(models)  # per panel: title and axis label, then a row per feature
    fig, axes = plt.subplots(len(models), len(panels), figsize=(min(A4_WIDTH, 3.2 * len(panels) + 1.0), height),
                             squeeze=False)
    for col, (k, rank) in enumerate(panels):
        at = summary.sel(k=k, rank=rank)
        shown = _leading_features(at["weight_reference"].values, n_shown)
        y = np.arange(len(shown))
        for row, model in enumerate(models):
            ax, sel = axes[row, col], at.sel(model=model)
            centre, low, high = (sel[name].values[shown] for name in ("weight_reference", "weight_low", "weight_high"))
            indecisive = sel["indecisive"].values[shown] == 1
            color = model_color(model)
            for mask, face, edge in ((~indecisive, color, color), (indecisive, "none", "0.55")):
                ax.errorbar(centre[mask], y[mask], xerr=[centre[mask] - low[mask], high[mask] - centre[mask]],
                            fmt="o", ms=4, mfc=face, mec=edge, ecolor=edge, capsize=2, lw=1)
            ax.plot(sel["weight_mean"].values[shown], y, "kx", ms=4)
            ax.axvline(0, color="k", lw=0.6)
            ax.set_yticks(y, features[shown])
            ax.invert_yaxis()
            ax.set(title=f"{model_label(model)} k={k}, rank {rank}: angle ≤ {float(sel['angle_high']):.1f}°",
                   xlabel="weight (standardized features)")
    fig.suptitle(f"{title}\n{summary.attrs['n_resamples']} resamples, {summary.attrs['level']:.0%} intervals"
                 + (f"; the {n_shown} largest of {len(features)} features" if n_shown < len(features) else ""))
    fig.tight_layout()
    legend_below(fig, [Line2D([], [], marker="o", color="0.3", ls="", label="decisive: full-data weight and interval"),
                       Line2D([], [], marker="o", mfc="none", mec="0.55", ls="", label="indecisive (contains 0)"),
                       Line2D([], [], marker="x", color="k", ls="", label="mean of the resamples")], ncol=2)
    return fig


def _r2_heatmap(ax, recons: dict[int, xr.Dataset], columns: list[tuple[int, str]]):
    """Per-feature test R² (features × model and k), in a dashed frame where the bootstrap leaves the feature not
    determined by the spectrum; returns the image for its colour bar."""
    features = next(iter(recons.values()))["feature"].values
    r2 = np.array([recons[k]["r2"].sel(model=m).values for k, m in columns]).T  # (feature, column)
    undetermined = np.array([recons[k]["determined"].sel(model=m).values == 0 for k, m in columns]).T
    image = ax.imshow(np.clip(r2, 0, 1), cmap="viridis", vmin=0, vmax=1, aspect="auto")
    for i, j in zip(*np.nonzero(undetermined)):  # a dashed frame, so the cell's value stays legible
        ax.add_patch(plt.Rectangle((j - 0.45, i - 0.45), 0.9, 0.9, fill=False, ls="--", edgecolor="w", lw=0.8))
    if len(features) <= 30:
        for i in range(len(features)):
            for j in range(len(columns)):
                ax.text(j, i, r2_text(r2[i, j]), ha="center", va="center", color="k" if r2[i, j] > 0.6 else "w")
    ax.set_xticks(range(len(columns)), [f"{model_label(m)}\nk={k}".replace(" ", "\n") for k, m in columns])
    ax.set_yticks(range(len(features)), features)
    ax.set_title("per-feature R² (test); dashed frame: not determined")
    return image


@READABLE
def reconstructability(recons: dict[int, xr.Dataset], by_group: dict[int, xr.Dataset] | None = None, title: str = ""):
    """How well each feature comes back from the test spectra: a heat map of the per-feature R² (features ×
    model and k; framed where the bootstrap leaves the feature not determined by the spectrum) and,
    with per-group distance scores (GeO2), the RMSE (log scale) of each centre–neighbour distance per group."""
    columns = [(k, str(m)) for k, ds in recons.items() for m in ds["model"].values]
    first = next(iter(recons.values()))
    elements = list(first["element"].values) if by_group else []
    height = max(3.0, 1.2 + 0.2 * first.sizes["feature"])
    fig = plt.figure(figsize=(A4_WIDTH if elements else min(A4_WIDTH, 2.6 + 0.9 * len(columns)), height))
    grid = fig.add_gridspec(max(1, len(elements)), 2 if elements else 1,
                            width_ratios=[0.9 * len(columns) + 1.6, 3.4] if elements else None)
    ax = fig.add_subplot(grid[:, 0])
    fig.colorbar(_r2_heatmap(ax, recons, columns), ax=ax, label="R² (clipped to [0, 1])", shrink=0.6)
    for row, element in enumerate(elements):
        ax = fig.add_subplot(grid[row, 1])
        for index, (k, scores) in enumerate(by_group.items()):
            for model in scores["model"].values:
                ax.plot(scores["group"].values, scores["rmse"].sel(model=model, element=element), marker="s",
                        ls=K_LINES[index % len(K_LINES)], color=model_color(model), label=f"{model_label(model)} k={k}")
        ax.set(title=f"{first.attrs.get('center', 'centre')}–{element}: per-sample error",
               xlabel=axis_label(first.attrs["group"], first["group"].attrs.get("units")),
               ylabel=axis_label("RMSE", "angstrom"), yscale="log")  # unstable inversions are off by Å
    fig.suptitle(title)
    fig.tight_layout()
    if elements:
        legend_below(fig, figure_handles(fig))
    return fig

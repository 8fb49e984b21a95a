"""The isosurface figure (docs/method.md §8): isosurfaces of the spectral change metric M beside the one-component
EDNN's bottleneck over three structural features, drawn only inside the convex hull of the sampled region
(elsewhere the emulator extrapolates), with the ECA and ordered-NNCA directions as arrows from the data centre that
stay inside the axes. Save with :func:`xraylatent.report.figures.save`."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from mpl_toolkits.mplot3d.art3d import Line3DCollection, Poly3DCollection  # noqa: E402
from scipy.spatial import ConvexHull  # noqa: E402
from skimage.measure import marching_cubes  # noqa: E402

from xraylatent.report.figures import A4_WIDTH, READABLE, axis_label, legend_below, model_color  # noqa: E402

RANK_STYLES = ("-", "--", ":", "-.")
PANELS = (("M", "spectral change M", "M"), ("activation", "EDNN k=1 bottleneck", "t"))  # variable, title, symbol


def grid_coordinates(grid: xr.DataArray) -> np.ndarray:
    """Every grid point's physical coordinates, (points, dims), in the C order of ``grid.values``."""
    mesh = np.meshgrid(*(grid[dim].values for dim in grid.dims), indexing="ij")
    return np.column_stack([m.ravel() for m in mesh])


def hull_points(grid: xr.Dataset) -> np.ndarray:
    """The points whose convex hull bounds the drawn surfaces: the grid points near the data (``mask``; the
    metric grid carries no samples, and these lie within ``max_distance`` of one)."""
    return grid_coordinates(grid["M"])[grid["mask"].values.astype(bool).ravel()]


def inside_hull(points: np.ndarray, hull: ConvexHull, tol: float = 1e-9) -> np.ndarray:
    """True for each point (last axis: coordinates) inside the convex ``hull`` or on its boundary."""
    return (points @ hull.equations[:, :-1].T + hull.equations[:, -1] <= tol).all(axis=-1)


def clip_to_hull(triangles: np.ndarray, hull: ConvexHull, tol: float = 1e-9) -> np.ndarray:
    """The triangles (n, 3 vertices, 3) with a vertex inside ``hull``, each outside vertex pulled onto the hull's
    boundary along the line from the mean of the triangle's inside vertices: a surface that ends on the hull,
    not in the grid's staircase."""
    normal, offset = hull.equations[:, :-1], hull.equations[:, -1]
    height = triangles @ normal.T + offset  # (n, 3, planes): > 0 outside a plane
    inside = (height <= tol).all(axis=-1)
    keep = inside.any(axis=1)
    triangles, height, inside = triangles[keep], height[keep], inside[keep]
    anchor = (triangles * inside[..., None]).sum(axis=1) / inside.sum(axis=1, keepdims=True)
    anchor_height = (anchor @ normal.T + offset)[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        crossing = np.where(height > tol, -anchor_height / (height - anchor_height), np.inf)
    reach = np.clip(crossing.min(axis=-1), 0.0, 1.0)[..., None]
    return anchor[:, None, :] + reach * (triangles - anchor[:, None, :])


def _isosurface(ax, field: xr.DataArray, hull: ConvexHull, level: float, color) -> None:
    """The isosurface of ``field`` (3-D, physical coordinates) at ``level``, clipped to ``hull``."""
    axes = [field[dim].values for dim in field.dims]
    spacing = tuple(float(a[1] - a[0]) for a in axes)
    verts, faces, _, _ = marching_cubes(field.values, level, spacing=spacing)
    triangles = clip_to_hull((verts + np.array([a[0] for a in axes]))[faces], hull)
    if len(triangles):
        ax.add_collection3d(Poly3DCollection(triangles, facecolor=color, alpha=0.35, linewidth=0))


def fit_in_box(start: np.ndarray, step: np.ndarray, low: np.ndarray, high: np.ndarray,
               margin: float = 0.9) -> np.ndarray:
    """``step`` shortened (never lengthened) so that ``start + step`` ends inside [low, high], at most ``margin``
    of the way from ``start`` to the box's wall."""
    with np.errstate(divide="ignore", invalid="ignore"):
        room = np.where(step > 0, (high - start) / step, np.where(step < 0, (low - start) / step, np.inf))
    return step * min(1.0, margin * float(room.min()))


def arrow_segments(start: np.ndarray, step: np.ndarray, low: np.ndarray, high: np.ndarray,
                   head: float = 0.2) -> np.ndarray:
    """The shaft and two head strokes, (3, 2, 3), of an arrow from ``start`` along ``step``, built in the axes'
    box scaled to [0, 1]³ (a head built in data units would span degrees on an Å axis) and clipped to the box."""
    span = high - low
    tail, tip = (start - low) / span, (start + step - low) / span
    back = (tail - tip) * head
    side = np.cross(back, [0.0, 0.0, 1.0] if abs(back[2]) < 0.9 * np.linalg.norm(back) else [1.0, 0.0, 0.0])
    side *= 0.5 * np.linalg.norm(back) / np.linalg.norm(side)
    strokes = np.array([[tail, tip], [tip, tip + back + side], [tip, tip + back - side]])
    return low + np.clip(strokes, 0.0, 1.0) * span


def _arrows(ax, components: xr.Dataset, low: np.ndarray, high: np.ndarray) -> list:
    """ECA and ordered-NNCA directions of the largest k as arrows from the data centre, one standard deviation
    long in standardized units (shorter where that would leave the axes); returns legend handles."""
    k = int(components["k"].values.max())
    centre = np.clip(components["x_mean"].values, low, high)
    handles = []
    for family in ("eca", "nnca"):
        for rank, style in zip(range(1, k + 1), RANK_STYLES):
            step = components[f"V_{family}"].sel(k=k, rank=rank).values * components["x_scale"].values
            segments = arrow_segments(centre, fit_in_box(centre, step, low, high), low, high)
            ax.add_collection3d(Line3DCollection(segments, colors=model_color(family), linestyles=style, lw=1.8,
                                                 zorder=10))
            handles.append(Line2D([], [], color=model_color(family), ls=style,
                                  label=f"{family.upper()} rank {rank} (k={k})"))
    return handles


def _panel(ax, field: xr.DataArray, hull: ConvexHull, symbol: str, quantiles=(0.2, 0.5, 0.8)) -> None:
    """Isosurfaces of ``field`` at ``quantiles`` of its values inside the hull, their levels in a legend below
    the panel, and the panel's axes labelled with units."""
    inside = inside_hull(grid_coordinates(field), hull)
    levels = np.quantile(field.values.ravel()[inside], quantiles)
    colors = plt.cm.plasma(np.linspace(0.15, 0.85, len(levels)))
    for level, color in zip(levels, colors):
        _isosurface(ax, field, hull, level, color)
    for setter, dim in zip((ax.set_xlabel, ax.set_ylabel, ax.set_zlabel), field.dims):
        setter(axis_label(dim, field[dim].attrs.get("units")))
    ax.set(xlim=field[field.dims[0]].values[[0, -1]], ylim=field[field.dims[1]].values[[0, -1]],
           zlim=field[field.dims[2]].values[[0, -1]])
    ax.legend(handles=[Patch(color=c, alpha=0.5, label=f"{symbol} = {lv:.3g}") for lv, c in zip(levels, colors)],
              loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(levels), frameon=False, handlelength=1,
              columnspacing=0.8)


@READABLE
def isosurfaces(grids: dict[str, xr.Dataset], components: dict[str, xr.Dataset], title: str = ""):
    """One row per target: isosurfaces of M (left) and of the one-component EDNN's bottleneck (right) over the
    grid's three features, inside the convex hull of the grid points near the data, with the ECA and NNCA
    directions as arrows from the data centre."""
    fig = plt.figure(figsize=(A4_WIDTH, 4.0 * len(grids) + 0.4))
    handles = []
    for row, (target, grid) in enumerate(grids.items()):
        hull = ConvexHull(hull_points(grid))
        low = np.array([grid[dim].values.min() for dim in grid["M"].dims])
        high = np.array([grid[dim].values.max() for dim in grid["M"].dims])
        for col, (name, label, symbol) in enumerate(PANELS):
            ax = fig.add_subplot(len(grids), 2, 2 * row + col + 1, projection="3d", computed_zorder=False)
            _panel(ax, grid[name], hull, symbol)
            handles = _arrows(ax, components[target], low, high)
            ax.set_title(f"{target.upper()}: {label}")
    fig.suptitle(title)
    fig.subplots_adjust(left=0.02, right=0.92, bottom=0.1 / len(grids), top=1 - 0.8 / fig.get_figheight(),
                        wspace=0.15, hspace=0.3)
    legend_below(fig, handles)
    return fig

"""Figures a spectroscopist can read: at A4 width, with fonts of at least 8 pt, units on every axis, arrows and
isosurfaces inside the axes and the sampled region, unstable inversions off the stable models' axes."""

import itertools

import matplotlib
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from PIL import Image

matplotlib.use("Agg")
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from mpl_toolkits.mplot3d.art3d import Line3DCollection, Poly3DCollection  # noqa: E402
from scipy.spatial import ConvexHull  # noqa: E402

from xraylatent.report.figures import (  # noqa: E402
    axis_label,
    bar_columns,
    line_columns,
    mean_spectra,
    r2_families,
    save,
    unit_label,
)
from xraylatent.report.interpret_figures import (  # noqa: E402
    components,
    distances_vs_group,
    reconstructed_vs_true,
)
from xraylatent.report.isosurface_figure import clip_to_hull, hull_points, inside_hull, isosurfaces  # noqa: E402
from xraylatent.report.tables import r2_table  # noqa: E402

A4_PIXELS = 2480  # 8.27 in at 300 dpi
PACKAGE_UNITS = ["angstrom", "degree", "e^2/angstrom", "eV", "GPa", "arb. units", "arbitrary", "1", "bohr^2", "fs",
                 "", None]


def saved_width(fig, tmp_path) -> int:
    """The pixel width of ``fig`` saved as the workflow saves it, at 300 dpi."""
    return Image.open(save(fig, tmp_path / "figure.png", dpi=300)).size[0]


def texts(fig) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def assert_readable(fig, tmp_path):
    """No text below 8 pt, no empty unit parentheses, and at most A4 wide when saved (closes the figure)."""
    assert [t.get_text() for t in texts(fig) if t.get_fontsize() < 8] == []
    assert [t.get_text() for t in texts(fig) if "()" in t.get_text()] == []
    assert saved_width(fig, tmp_path) <= A4_PIXELS


def overlapping(labels) -> list[tuple[str, str]]:
    """Pairs of the drawn ``labels`` whose boxes overlap."""
    shown = [t for t in labels if t.get_visible() and t.get_text()]
    boxes = [t.get_window_extent() for t in shown]
    return [(a.get_text(), b.get_text()) for (a, p), (b, q) in itertools.combinations(zip(shown, boxes), 2)
            if p.overlaps(q)]


# --- R² figure -------------------------------------------------------------------------------------------------

def r2_frame() -> pd.DataFrame:
    """The default run's table (tables.r2_table): two data sets, three targets of one, k = 1, 2, seed spreads,
    ECA fitted on train, three linear baselines, the ridge and the emulator per target; and a baseline column
    the table does not have yet (CCA), which must be drawn all the same."""
    rng = np.random.default_rng(0)
    records = []
    for system, targets in (("geo2", ["kbeta"]), ("h2o", ["xas", "xes", "xps"])):
        for target in targets:
            for model in ("ridge", "emulator"):
                records.append({"dataset": system, "target": target, "model": model, "k": None,
                                "test_r2": rng.uniform(0.5, 0.95),
                                "test_r2_std": 0.02 if model == "emulator" else None})
            for model, k in itertools.product(("ednn", "nnca", "eca", "eca_train", "pca", "pls", "sir"), (1, 2)):
                records.append({"dataset": system, "target": target, "model": model, "k": k,
                                "test_r2": rng.uniform(-0.4, 0.95),
                                "test_r2_std": 0.02 if model in ("ednn", "nnca", "eca") else None})
    table = r2_table(records)
    table.insert(table.columns.get_loc("ridge"), "CCA", rng.uniform(0, 0.9, len(table)))
    table.loc[0, "PCA"] = -25.0  # a failed fit must not flatten every other bar
    return table


def test_r2_figure_is_one_panel_per_data_set_at_a4_width(tmp_path):
    fig = r2_families(r2_frame())
    assert [ax.get_title() for ax in fig.axes] == ["geo2", "h2o"]
    h2o = fig.axes[1]
    assert len(h2o.patches) == 3 * 2 * 8  # targets × k × (EDNN, NNCA, ECA, ECA train-fit, PCA, PLS, SIR, CCA)
    assert fig.axes[0].get_ylim()[0] >= -1.0
    assert [t.get_text() for t in h2o.child_axes[0].get_xticklabels()] == ["xas", "xes", "xps"]
    assert_readable(fig, tmp_path)


def test_r2_figure_draws_every_baseline_column_the_full_rank_lines_and_the_seed_spread():
    table = r2_frame()
    assert bar_columns(table) == ["EDNN", "NNCA", "ECA", "ECA train-fit", "PCA", "PLS", "SIR", "CCA"]
    assert line_columns(table) == ["ridge", "emulator"]
    fig = r2_families(table)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert {"CCA", "PCA", "ECA train-fit", "ridge", "emulator", "± σ over seeds"} <= set(legend)
    geo2 = fig.axes[0]
    spreads = [c for c in geo2.containers if isinstance(c, BarContainer) and c.errorbar is not None]
    assert len(spreads) == 3  # EDNN, NNCA, ECA: the columns with a _std column
    assert len([c for c in geo2.collections if isinstance(c, PolyCollection)]) == 1  # the emulator's band
    ridge = table.loc[table["system"] == "geo2", "ridge"].iloc[0]
    lines = [c for c in geo2.collections if c.get_label() == "ridge"]
    assert len(lines) == 1 and np.allclose(np.asarray(lines[0].get_segments())[:, :, 1], ridge)


def test_data_spectra_read_at_a4_with_the_legend_off_the_spectra(tmp_path):
    rng = np.random.default_rng(0)
    raw = xr.Dataset(coords={"pressure": ("sample", np.repeat([0.0, 30.0, 60.0, 90.0, 120.0], 4), {"units": "GPa"})})
    for kind, start in (("xes", 515.0), ("xas", 530.0), ("xps", 536.0)):
        raw[f"energy_{kind}"] = (f"energy_{kind}", np.linspace(start, start + 15, 60), {"units": "eV"})
        raw[f"spectrum_{kind}"] = (("sample", f"energy_{kind}"), rng.uniform(0, 1, (20, 60)), {"units": "arb. units"})
    fig = mean_spectra(raw, "H2O", {"xes": {"main": (520.0, 525.0)}}, group="pressure")
    assert len(fig.legends) == 1 and all(ax.get_legend() is None for ax in fig.axes)
    assert any(ax.get_ylabel() == "pressure (GPa)" for ax in fig.axes)  # the groups' colour bar
    assert_readable(fig, tmp_path)


# --- units -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("units", PACKAGE_UNITS)
def test_axis_labels_print_a_readable_unit_and_never_empty_parentheses(units):
    label = axis_label("true C[0,1]", units)
    assert "()" not in label and "^" not in label and "angstrom" not in label
    assert label == "true C[0,1]" if units in ("1", "", None) else label.endswith(")")


def test_coulomb_and_internal_units_read_as_symbols():
    assert [unit_label(u) for u in ("e^2/angstrom", "angstrom", "degree", "bohr^2", "eV")] == [
        "e²/Å", "Å", "°", "bohr²", "eV"]


# --- reconstruction --------------------------------------------------------------------------------------------

MODELS = ["nnca", "eca", "ednn_leaky"]


def feature_reconstruction(units: list[str], n: int = 30, seed: int = 0) -> xr.Dataset:
    """Test samples reconstructed by NNCA and ECA close to the truth and by a Leaky-ReLU EDNN far off."""
    rng = np.random.default_rng(seed)
    true = rng.normal(100.0, 5.0, (n, len(units)))
    hats = np.stack([true + rng.normal(0, 1, true.shape), true + rng.normal(0, 2, true.shape),
                     true + rng.normal(0, 1000, true.shape)])
    r2 = 1 - ((hats - true) ** 2).sum(1) / ((true - true.mean(0)) ** 2).sum(0)
    return xr.Dataset({"x_true": (("sample", "feature"), true), "x_hat": (("model", "sample", "feature"), hats),
                       "feature_units": (("feature",), units), "r2": (("model", "feature"), r2)},
                      coords={"model": MODELS, "feature": [f"C[0,{j}]" for j in range(len(units))]})


def group_reconstruction() -> xr.Dataset:
    """GeO2-like distances per pressure: NNCA and ECA near the known means, the Leaky-ReLU EDNN 40 Å off."""
    known = np.array([[1.74, 3.09], [1.82, 3.16], [1.80, 2.90]])
    hat = np.stack([known + 0.02, known - 0.03, known + np.array([[40.0, -30.0]])])
    ds = xr.Dataset({"distance_true": (("group", "element"), known, {"units": "angstrom"}),
                     "distance_hat": (("model", "group", "element"), hat, {"units": "angstrom"})},
                    coords={"model": MODELS, "element": ["O", "Ge"],
                            "group": ("group", [0.0, 30.0, 90.0], {"units": "GPa"})})
    ds.attrs.update(group="pressure", center="Ge")
    return ds


def test_ednn_distances_get_their_own_panels_and_the_legend_sits_outside(tmp_path):
    recons = {1: group_reconstruction(), 2: group_reconstruction()}
    for k, worst in ((1, 661.0), (2, 9060.0)):
        recons[k]["condition_number"] = ("layer", [3.0, worst, 1.0])
    fig = distances_vs_group(recons, "GeO2")
    stable, unstable = fig.axes[:2], fig.axes[2:]
    assert len(unstable) == 2 and all("Leaky-ReLU EDNN" in ax.get_title() for ax in unstable)
    # why those panels are off: the worst-conditioned encoder layer at each k
    assert all("condition number k=1 661, k=2 9.06e+03" in ax.get_title() for ax in unstable)
    for ax in stable:
        assert not any("EDNN" in line.get_label() for line in ax.lines)
        low, high = ax.get_ylim()
        assert all(low <= y <= high for line in ax.lines for y in line.get_ydata())
        assert high - low < 1.0  # set by the known distances, not by the EDNN's 40 Å
    for ax in unstable:
        low, high = ax.get_ylim()
        assert all(low <= y <= high for line in ax.lines for y in line.get_ydata())
    assert all(ax.get_legend() is None for ax in fig.axes) and len(fig.legends) == 1
    assert_readable(fig, tmp_path)


def test_reconstructed_features_put_the_ednn_in_its_own_column_with_coulomb_units(tmp_path):
    recons = {1: feature_reconstruction(["e^2/angstrom", "1", "e^2/angstrom"]),
              2: feature_reconstruction(["e^2/angstrom", "1", "e^2/angstrom"], seed=1)}
    fig = reconstructed_vs_true(recons, "Coulomb")
    assert fig.axes[0].get_xlabel() == "true C[0,0] (e²/Å)" and fig.axes[3].get_xlabel() == "true C[0,1]"
    columns = np.array(fig.axes).reshape(3, 3)
    for ax in columns[:, :2].flat:
        assert {c.get_label().split(" k=")[0] for c in ax.collections} == {"NNCA", "ECA"}
        assert ax.get_ylim()[1] - ax.get_ylim()[0] < 100  # the EDNN's ±1000 would squash the data
    for ax in columns[:, 2]:
        assert {c.get_label() for c in ax.collections} == {"Leaky-ReLU EDNN k=1", "Leaky-ReLU EDNN k=2"}
        assert ax.get_ylim()[1] - ax.get_ylim()[0] > 1000
    assert all(ax.get_legend() is None for ax in fig.axes)
    assert_readable(fig, tmp_path)


# --- components ------------------------------------------------------------------------------------------------

def components_dataset(n_features: int, ks=(1, 2), seed: int = 0) -> xr.Dataset:
    """A components summary (the rule's layout) of random unit directions."""
    rng = np.random.default_rng(seed)
    ranks = range(1, max(ks) + 1)
    shape = (len(ks), len(ranks), n_features)
    V = {f: rng.normal(size=shape) for f in ("eca", "nnca")}
    V = {f: v / np.linalg.norm(v, axis=-1, keepdims=True) for f, v in V.items()}
    return xr.Dataset(
        {"V_eca": (("k", "rank", "feature"), V["eca"]), "V_nnca": (("k", "rank", "feature"), V["nnca"]),
         "covered_eca": (("k", "rank", "split"), rng.uniform(0, 1, (len(ks), len(ranks), 2))),
         "covered_nnca": (("k", "rank", "split"), rng.uniform(0, 1, (len(ks), len(ranks), 2))),
         "cosine": (("k", "rank"), np.abs((V["eca"] * V["nnca"]).sum(-1)))},
        coords={"k": list(ks), "rank": list(ranks), "split": ["train", "test"],
                "feature": [f"C[Ge{i},O{j}]" for i, j in itertools.islice(
                    itertools.combinations_with_replacement(range(12), 2), n_features)]})


def test_components_of_55_coulomb_features_are_a_heat_map_that_reads_at_a4(tmp_path):
    fig = components(components_dataset(55), "55 features")
    heat = fig.axes[0]
    assert len(heat.images) == 1 and heat.images[0].get_array().shape == (55, 2 * (1 + 2))
    assert any(ax.get_ylabel() == "weight (standardized features)" for ax in fig.axes)  # the colour bar
    fig.canvas.draw()
    assert overlapping(heat.get_yticklabels()) == [] and overlapping(heat.get_xticklabels()) == []
    assert_readable(fig, tmp_path)


@pytest.mark.parametrize(("n_features", "ks"), [(3, (1, 2)), (8, (1, 2, 3))])
def test_components_of_few_features_are_bars_with_labels_that_do_not_collide(tmp_path, n_features, ks):
    fig = components(components_dataset(n_features, ks), f"{n_features} features")
    bars = [ax for ax in fig.axes if ax.patches]
    assert len(bars) == sum(ks)  # a panel per k and rank
    fig.canvas.draw()
    for ax in bars:
        assert overlapping(ax.get_xticklabels()) == []
    assert all(ax.get_legend() is None for ax in fig.axes)
    assert_readable(fig, tmp_path)


# --- isosurfaces -----------------------------------------------------------------------------------------------

def metric_grid(n: int = 14) -> xr.Dataset:
    """A metric grid over (α, b_l, b_s) whose data fill a ball in the middle of the box (the mask)."""
    axes = {"alpha": (np.linspace(60, 160, n), "degree"), "b_long": (np.linspace(0.9, 1.4, n), "angstrom"),
            "b_short": (np.linspace(0.8, 1.2, n), "angstrom")}
    mesh = np.meshgrid(*(a for a, _ in axes.values()), indexing="ij")
    unit = [(m - a.mean()) / (a.max() - a.min()) for m, (a, _) in zip(mesh, axes.values())]
    radius = np.sqrt(sum(u ** 2 for u in unit))
    dims = tuple(axes)
    return xr.Dataset(
        {"M": (dims, radius + 0.3 * unit[0]), "activation": (dims, unit[0] + unit[1]),
         "mask": (dims, (radius < 0.35).astype(np.int8)),
         "x_mean": (("feature",), [110.0, 1.15, 1.0]), "x_scale": (("feature",), [20.0, 0.1, 0.08])},
        coords={name: (name, a, {"units": u}) for name, (a, u) in axes.items()} | {"feature": list(dims)})


def grid_components(scale: float) -> xr.Dataset:
    """ECA and NNCA directions at k=2 whose one standard deviation (× ``scale``) would leave the box."""
    V = np.array([[[0.9, 0.3, -0.3], [0.1, -0.7, 0.7]]])
    return xr.Dataset({"V_eca": (("k", "rank", "feature"), V), "V_nnca": (("k", "rank", "feature"), -V[:, ::-1]),
                       "x_mean": (("feature",), [110.0, 1.15, 1.0]),
                       "x_scale": (("feature",), scale * np.array([20.0, 0.1, 0.08]))},
                      coords={"k": [2], "rank": [1, 2], "feature": ["alpha", "b_long", "b_short"]})


def test_isosurface_arrows_start_at_the_data_centre_and_end_inside_the_axes(tmp_path):
    grid = metric_grid()
    fig = isosurfaces({"xps": grid, "xas": grid}, {"xps": grid_components(10.0), "xas": grid_components(0.5)})
    assert len(fig.axes) == 4
    for ax in fig.axes:
        arrows = [c for c in ax.collections if isinstance(c, Line3DCollection)]
        assert len(arrows) == 4  # ECA and NNCA, ranks 1 and 2
        limits = np.array([ax.get_xlim(), ax.get_ylim(), ax.get_zlim()])
        for arrow in arrows:
            points = np.asarray(arrow._segments3d).reshape(-1, 3)
            assert ((points >= limits[:, 0] - 1e-9) & (points <= limits[:, 1] + 1e-9)).all()
            np.testing.assert_allclose(arrow._segments3d[0][0], [110.0, 1.15, 1.0])  # the shaft's tail
    assert_readable(fig, tmp_path)


def test_isosurfaces_stay_inside_the_hull_of_the_data():
    grid = metric_grid()
    hull = ConvexHull(hull_points(grid))
    corner = np.array([[60.0, 0.9, 0.8]])
    centre = np.array([[110.0, 1.15, 1.0]])
    assert inside_hull(corner, hull).tolist() == [False] and inside_hull(centre, hull).tolist() == [True]
    fig = isosurfaces({"xps": grid}, {"xps": grid_components(1.0)})
    surfaces = [c for ax in fig.axes for c in ax.collections if isinstance(c, Poly3DCollection)]
    assert surfaces
    for surface in surfaces:
        assert inside_hull(np.asarray(surface._faces).reshape(-1, 3), hull, tol=1e-6).all()


def test_clipping_pulls_outside_vertices_onto_the_hull_and_drops_outside_triangles():
    hull = ConvexHull(np.array(list(itertools.product([0.0, 1.0], repeat=3))))
    triangles = np.array([[[0.5, 0.5, 0.5], [2.0, 0.5, 0.5], [0.5, 0.8, 0.5]],  # one vertex out: pulled onto x=1
                          [[3.0, 3.0, 3.0], [4.0, 3.0, 3.0], [3.0, 4.0, 3.0]]])  # all out: dropped
    clipped = clip_to_hull(triangles, hull)
    assert clipped.shape == (1, 3, 3)
    np.testing.assert_allclose(clipped[0, 1], [1.0, 0.6, 0.5])  # on the line from the inside vertices' mean
    np.testing.assert_allclose(clipped[0, [0, 2]], triangles[0, [0, 2]])

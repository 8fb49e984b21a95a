"""Result tables: the R² table layout and Markdown, with the seed spread and the linear baselines; the bootstrap
table."""

import numpy as np
import xarray as xr

from xraylatent.interpret.bootstrap import bootstrap_summary
from xraylatent.report.tables import bootstrap_markdown, r2_notes, r2_table, to_markdown


def test_r2_table_layout():
    records = [
        {"dataset": "h2o", "target": "xes", "model": m, "k": k, "test_r2": r}
        for m, k, r in [("emulator", None, 0.99), ("ednn", 1, 0.9), ("nnca", 1, 0.8), ("eca", 1, 0.7),
                        ("ednn", 2, 0.98), ("nnca", 2, 0.97), ("eca", 2, 0.96)]
    ]
    table = r2_table(records)
    assert list(table.columns) == ["system", "target", "k", "EDNN", "NNCA", "ECA", "emulator"]
    assert table["k"].tolist() == [1, 2] and table["emulator"].tolist() == [0.99, 0.99]
    markdown = to_markdown(table)
    assert "| h2o | xes | 2 | 0.980 | 0.970 | 0.960 | 0.990 |" in markdown


def test_r2_table_carries_the_seed_spread_into_std_columns_and_markdown():
    records = [
        {"dataset": "h2o", "target": "xes", "model": m, "k": k, "test_r2": r, "test_r2_std": s}
        for m, k, r, s in [("emulator", None, 0.99, 0.001), ("ednn", 1, 0.9, 0.02), ("nnca", 1, 0.8, 0.0),
                           ("eca", 1, 0.7, 0.0123)]
    ]
    table = r2_table(records)
    assert list(table.columns) == ["system", "target", "k", "EDNN", "EDNN_std", "NNCA", "NNCA_std", "ECA",
                                   "ECA_std", "emulator", "emulator_std"]
    assert table["ECA_std"].tolist() == [0.0123]
    markdown = to_markdown(table)
    assert markdown.splitlines()[0] == "| system | target | k | EDNN | NNCA | ECA | emulator |"
    assert "| h2o | xes | 1 | 0.900 ± 0.020 | 0.800 ± 0.000 | 0.700 ± 0.012 | 0.990 ± 0.001 |" in markdown


def test_baselines_stand_beside_the_families_without_a_spread():
    records = [
        {"dataset": "h2o", "target": "xes", "model": m, "k": 1, "test_r2": r, **({"test_r2_std": 0.01} if s else {})}
        for m, r, s in [("ednn", 0.9, True), ("nnca", 0.8, True), ("eca", 0.7, True), ("pca", 0.2, False),
                        ("pls", 0.5, False), ("sir", 0.6, False)]
    ] + [{"dataset": "h2o", "target": "xes", "model": "emulator", "k": None, "test_r2": 0.95, "test_r2_std": 0.0}]
    table = r2_table(records)
    assert [c for c in table.columns if not c.endswith("_std")] == ["system", "target", "k", "EDNN", "NNCA", "ECA",
                                                                    "PCA", "PLS", "SIR", "emulator"]
    markdown = to_markdown(table)
    assert "| h2o | xes | 1 | 0.900 ± 0.010 | 0.800 ± 0.010 | 0.700 ± 0.010 | 0.200 | 0.500 | 0.600 | 0.950 ± 0.000 |" \
        in markdown


def test_bootstrap_markdown_lists_intervals_and_indecisive_features():
    """Two features decisive, the third (weight 0.02 with spread 0.05) indecisive; the table says so."""
    n = 10
    rng = np.random.default_rng(0)
    third = 0.02 + 0.05 * rng.standard_normal(n)
    rows = np.column_stack([np.full(n, 0.8), np.full(n, 0.6), third])
    V = np.broadcast_to(rows[None, :, None, None], (2, n, 1, 1, 3)).copy()
    r2 = np.full((2, n, 1), 0.9)
    fits = xr.Dataset({"V": (("model", "resample", "k", "rank", "feature"), V),
                       "train_r2": (("model", "resample", "k"), r2), "test_r2": (("model", "resample", "k"), r2)},
                      coords={"model": ["eca", "nnca"], "resample": np.arange(n), "k": [1], "rank": [1],
                              "feature": ["alpha", "b_long", "b_short"]})
    reference = xr.Dataset({f"V_{m}": (("k", "rank", "feature"), [[[0.8, 0.6, 0.02]]]) for m in ("eca", "nnca")},
                           coords={"k": [1], "rank": [1]})
    markdown = bootstrap_markdown(bootstrap_summary(fits, reference))
    assert markdown.startswith("10 resamples; intervals at 95%.")
    eca = next(line for line in markdown.splitlines() if line.startswith("| ECA | 1 | 1 |"))
    assert "+0.80 [+0.80, +0.80] alpha" in eca and "| b_short |" in eca and "0.900 [0.900, 0.900]" in eca


def test_ridge_and_eca_train_fit_columns_and_the_notes_under_the_table():
    """The ridge regression stands beside the emulator, one value per target; ECA fitted on train beside ECA; the
    notes say ECA was fitted on test and warn where the emulator does not beat the ridge regression."""
    records = [{"dataset": d, "target": "y", "model": m, "k": k, "test_r2": r}
               for d, ridge in (("good", 0.5), ("weak", 0.8))
               for m, k, r in [("eca", 1, 0.7), ("eca_train", 1, 0.65), ("ridge", None, ridge),
                               ("emulator", None, 0.785)]]
    table = r2_table(records)
    assert list(table.columns) == ["system", "target", "k", "ECA", "ECA train-fit", "ridge", "emulator"]
    assert table["ridge"].tolist() == [0.5, 0.8]
    notes = r2_notes(table, "test")
    assert len(notes) == 2 and "fitted on the test split" in notes[0]
    assert notes[1].startswith("Warning: weak/y: the emulator (test R² 0.785) does not beat a ridge regression")
    # where that data set alone searches wider or longer
    assert "datasets.weak.space.emulator" in notes[1] and "datasets.weak.search" in notes[1]
    assert r2_notes(table, "train") == [notes[1]]
    records = [{**r, "test_r2": 0.05} if r["model"] == "emulator" else r for r in records]  # spectra shuffled
    unrelated = r2_notes(r2_table(records), "train")
    assert len(unrelated) == 2 and all("hardly depend on the features" in note for note in unrelated)

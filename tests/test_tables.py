"""Result tables: the R² table layout and Markdown."""

from xraylatent.report.tables import r2_table, to_markdown


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

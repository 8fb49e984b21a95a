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

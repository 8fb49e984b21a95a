"""The report's landing page: the R² table as valid reStructuredText and a reading that states its numbers."""

import pytest
from docutils.core import publish_parts

from xraylatent.report.landing import landing_rst, reading, rst_table
from xraylatent.report.tables import r2_table


@pytest.fixture
def table():
    records = [{"dataset": "h2o", "target": "xps", "model": m, "k": k, "test_r2": r, "test_r2_std": 0.01}
               for m, k, r in [("ednn", 1, 0.95), ("nnca", 1, 0.90), ("eca", 1, 0.87), ("pls", 1, 0.80),
                               ("ednn", 2, 0.97), ("nnca", 2, 0.96), ("eca", 2, 0.94), ("pls", 2, 0.95)]]
    records += [{"dataset": "h2o", "target": "xps", "model": "emulator", "k": None, "test_r2": 0.98},
                {"dataset": "h2o", "target": "xps", "model": "ridge", "k": None, "test_r2": 0.99}]
    return r2_table(records)


def test_the_reading_states_what_one_and_two_latent_variables_carry(table):
    text = reading(table)
    assert text.startswith("h2o xps: 1 latent variable carries 0.95 of the test variance (best: EDNN), 2 carry 0.97, "
                           "the unconstrained emulator 0.98.")
    assert "ECA reaches at least PLS's R² in 1 of 2 rows" in text
    assert "Warning: the emulator does not beat a ridge regression for h2o xps" in text


def test_the_landing_section_is_valid_rst_with_every_cell(table):
    html = publish_parts(landing_rst(table), writer="html", settings_overrides={"halt_level": 2})["html_body"]
    assert "What the spectra see" in html and "<table" in html
    assert "h2o xps k=1" in html and "0.95" in html and "0.98" in html  # EDNN and the emulator at k=1
    assert "ridge" not in rst_table(table) and "ECA train-fit" not in rst_table(table)  # narrow: r2.md has them
    assert rst_table(table).count("   * - ") == 3  # header and two rows

"""The README's library example runs as written and finds what it says (the planted XPS direction)."""

import re
from pathlib import Path

import numpy as np

from xraylatent.data.sources.synthetic_h2o import PLANTED

README = Path(__file__).resolve().parents[1] / "README.md"


def test_library_example_runs_and_recovers_the_planted_xps_direction(capsys):
    block = re.search(r"## Using the library without Snakemake\n```python\n(.*?)```", README.read_text(), re.S)[1]
    namespace = {}
    exec(compile(block, str(README), "exec"), namespace)
    nnca, x = namespace["nnca"], namespace["x"]
    # The planted direction is in physical units; in standardized units it scales by each feature's std.
    planted = PLANTED["xps"][0] * x.std(axis=0)
    cosine = abs(nnca.components_[0] @ planted) / np.linalg.norm(planted)
    assert cosine >= 0.98 and nnca.score(namespace["X"], namespace["Y"]) >= 0.95
    assert "[[" in capsys.readouterr().out


def test_default_r2_table_shows_the_seed_spread_and_the_baselines():
    """The README's copy of the default run's R² table has the columns r2.md has, and every latent family's and
    emulator's cell carries "± s" (the spread over training seeds, issue 16)."""
    section = re.search(r"### Test R² of the default run\n(.*?)\n\n(\|.*?)\n\n", README.read_text(), re.S)
    assert section, "README lacks the default run's R² table"
    lines = section[2].splitlines()
    assert lines[0] == ("| system | target | k | EDNN | NNCA | ECA | ECA train-fit | PCA | PLS | SIR | ridge "
                        "| emulator |")
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]
    assert {row[0] for row in rows} == {"geo2", "h2o"}
    spread = re.compile(r"^-?\d\.\d{3} ± \d\.\d{3}$")
    for row in rows:
        assert all(spread.match(cell) for cell in row[3:6] + row[11:]), row
        assert all(re.match(r"^-?\d\.\d{3}$", cell) for cell in row[6:11]), row

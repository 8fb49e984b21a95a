"""The bad-input catalogue of docs/errors.md, one case per table row.

Each row names an id, the error class (or ``warning``) and a substring of the message. ``CASES`` holds one
function per id that feeds that bad input to the code that must reject it; the parametrized test runs it and
checks class and message, and a second test keeps the table and ``CASES`` in step, so a documented case
without a test, or a tested case without a row, fails.
"""

import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from sklearn.exceptions import NotFittedError
from test_formats import FORMAT_CASES
from test_ingest import (
    EXAMPLE,
    array_spectra,
    example_truth,
    example_xas,
    expected_spectra,
    write_example_data,
    xyz_source,
)
from test_normalize import NORMALIZE_CASES
from test_prepare import features_and_targets

from xraylatent.config import ConfigError, validate_config
from xraylatent.data.prepare import prepare
from xraylatent.data.sources import geo2_md
from xraylatent.data.sources.ingest import ingest
from xraylatent.data.sources.readers import IngestError
from xraylatent.models.eca import ECA
from xraylatent.models.estimators import EDNN, NNCA, Emulator

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "errors.md"
SCHEMA = REPO / "schemas" / "config.schema.yaml"
ERRORS = {"ConfigError": ConfigError, "IngestError": IngestError, "ValueError": ValueError,
          "NotFittedError": NotFittedError, "warning": UserWarning}
COLUMNS = ["id", "input", "case", "error", "message contains"]
TINY = dict(learning_rate=1e-2, l2=0.0, batch_size=32, max_epochs=2, patience=2, device="cpu")


def catalogue() -> list[dict]:
    """The rows of the table in docs/errors.md (the lines after its header up to the first that is not a
    table row), by column name, backticks stripped."""
    lines = DOC.read_text().splitlines()
    start = lines.index("| " + " | ".join(COLUMNS) + " |") + 2  # the header, then the |---| line
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split(" | ")]
        assert len(cells) == len(COLUMNS), line
        rows.append(dict(zip(COLUMNS, cells)))
    return rows


# Config: each case edits one key of config/config.yaml ----------------------------------------------


def bad_config(change):
    """A case that validates config/config.yaml after ``change(config)``."""
    def case(tmp_path):
        config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
        change(config)
        return validate_config(config, SCHEMA, checks=(geo2_md.config_errors,))
    return case


def dataset(config, name="h2o"):
    return config["datasets"][name]


def kbeta_windows(config):
    return dataset(config, "geo2")["targets"]["kbeta"]["windows"]


def models(config):
    return config["models"]


def potential(config):
    return dataset(config, "geo2")["source"]["md"]["potential"]


CONFIG_CASES = {
    "config-wrong-type": lambda c: dataset(c, "h2o")["split"].update(seed="abc"),
    "config-unknown-key": lambda c: dataset(c, "geo2")["source"].update(per_presure=3),
    "config-missing-key": lambda c: dataset(c).pop("featurizer"),
    "config-negative-count": lambda c: models(c)["search"].update(n_candidates=-3),
    "config-test-fraction-one": lambda c: dataset(c)["split"].update(test_fraction=1.0),
    "config-grid-reversed": lambda c: dataset(c)["targets"]["xes"]["grid"].update(stop=510.0),
    "config-window-reversed": lambda c: kbeta_windows(c).update(kbeta_pp=[10913.0, 10900.0]),
    "config-window-outside-grid": lambda c: kbeta_windows(c).update(kbeta2=[10913.0, 10940.0]),
    "config-latent-dims-zero": lambda c: models(c).update(latent_dims=[0, 1]),
    "config-latent-dims-above-features": lambda c: models(c).update(latent_dims=[1, 4]),
    "config-unknown-family": lambda c: models(c).update(families=["ednn", "pca"]),
    "config-unknown-featurizer": lambda c: dataset(c)["featurizer"].update(name="soap"),
    "config-measured-unknown-target":
        lambda c: dataset(c).update(measured={"run3": {"target": "xrd", "path": "a.txt"}}),
    "config-potential-collapses": lambda c: potential(c)["pairs"]["O-O"].update(D=0.0),
    "config-potential-charged-cell": lambda c: potential(c)["charges"].update(O=-1.0),
    "config-potential-missing-pair": lambda c: potential(c)["pairs"].pop("O-O"),
}


# Data: each case spoils one file of a valid ingest layout (tests/test_ingest.py), or one array ------------


def replace_line(path: Path, number: int, text: str) -> None:
    """Put ``text`` on line ``number`` (1-based) of ``path``."""
    lines = path.read_text().splitlines()
    lines[number - 1] = text
    path.write_text("\n".join(lines) + "\n")


def spectrum_line(tmp_path, text):
    source = xyz_source(tmp_path)
    replace_line(tmp_path / "xas" / "w3_conv.txt", 5, text)
    return ingest(source)


def structure_file(tmp_path, text):
    source = xyz_source(tmp_path)
    (tmp_path / "structures" / "w1.xyz").write_text(text)
    return ingest(source)


def labels_file(tmp_path, text):
    source = xyz_source(tmp_path)
    (tmp_path / "labels.csv").write_text(text)
    source["labels"] = {"path": str(tmp_path / "labels.csv")}
    return ingest(source)


def empty_directory(tmp_path):
    source = xyz_source(tmp_path)
    for path in (tmp_path / "structures").iterdir():
        path.unlink()
    return ingest(source)


def npy_spectra(tmp_path, values):
    source = xyz_source(tmp_path)
    source["spectra"]["xas"] = array_spectra(tmp_path, "npy")
    np.save(tmp_path / "xas.npy", values)
    return ingest(source)


def prepared(change, target_type="moments", **split):
    """:func:`prepare` on the features and targets of tests/test_prepare.py after ``change(features, targets)``."""
    features, targets = features_and_targets()
    change(features, targets)
    return prepare(features, targets, target_type, **split)


def constant_column(ds, variable, column):
    ds[variable][:, column] = 1.1


def misaligned(features, targets):
    targets["sample_id"] = ("sample", np.roll(targets["sample_id"].values, 1))


DATA_CASES = {
    "data-nan-intensity": lambda tmp: spectrum_line(tmp, "532.0 nan 1.0"),
    "data-inf-intensity": lambda tmp: spectrum_line(tmp, "532.0 inf 1.0"),
    "data-non-numeric-line": lambda tmp: spectrum_line(tmp, "532.0 oops 1.0"),
    "data-nan-coordinate": lambda tmp: structure_file(tmp, "3\n\nO 0 0 0\nH nan 0 0\nH 0 1 0\n"),
    "data-wrong-atom-count": lambda tmp: structure_file(tmp, "4\n\nO 0 0 0\nH 1 0 0\nH 0 1 0\n"),
    "data-atoms-on-top": lambda tmp: structure_file(tmp, "3\n\nO 0 0 0\nH 0 0 0.05\nH 0 1 0\n"),
    "data-inf-label": lambda tmp: labels_file(tmp, "sample_id,pressure\nw0,1\nw1,inf\nw2,3\nw3,4\n"),
    "data-duplicate-ids": lambda tmp: labels_file(tmp, "sample_id,pressure\nw0,1\nw1,2\nw2,3\nw3,4\nw1,5\n"),
    "data-labels-row-missing": lambda tmp: labels_file(tmp, "sample_id,pressure\nw0,1\nw1,2\nw3,4\n"),
    "data-labels-row-short": lambda tmp: labels_file(tmp, "sample_id,pressure,phase\nw0,1,a\nw1,2,a\nw2,3\n"
                                                          "w3,4,a\n"),
    "data-empty-directory": empty_directory,
    "data-wrong-array-shape": lambda tmp: npy_spectra(tmp, expected_spectra()[:, :-1]),
    "data-spectra-count": lambda tmp: npy_spectra(tmp, expected_spectra()[:3]),
    "data-misaligned-samples": lambda tmp: prepared(misaligned),
    "data-fewer-samples-than-folds": lambda tmp: prepared(lambda f, t: None, test_fraction=0.2, n_folds=45),
    "data-no-test-sample": lambda tmp: prepared(lambda f, t: None, test_fraction=0.005),
    "data-constant-feature": lambda tmp: prepared(lambda f, t: constant_column(f, "X", 1)),
    "data-constant-target": lambda tmp: prepared(lambda f, t: constant_column(t, "Y", 2)),
}


# Estimators: tiny data, two epochs -------------------------------------------------------------------

RNG = np.random.default_rng(0)
X, Y = RNG.normal(size=(20, 3)), RNG.normal(size=(20, 2))


def with_value(array, value):
    """A copy of ``array`` with ``value`` at row 3, column 1."""
    out = array.copy()
    out[3, 1] = value
    return out


def fitted_ednn():
    return EDNN(1, (4,), (4,), **TINY).fit(X, Y)


ESTIMATOR_CASES = {
    "estimator-rows-differ": lambda tmp: EDNN(1, (4,), (4,), **TINY).fit(X, Y[:-1]),
    "estimator-wrong-feature-count": lambda tmp: fitted_ednn().predict(X[:, :2]),
    "estimator-decode-wrong-width": lambda tmp: fitted_ednn().decode(np.zeros((5, 2))),
    "estimator-nan-input": lambda tmp: EDNN(1, (4,), (4,), **TINY).fit(with_value(X, np.nan), Y),
    "estimator-inf-target": lambda tmp: NNCA(1, (4,), **TINY).fit(X, with_value(Y, np.inf)),
    "estimator-predict-before-fit": lambda tmp: EDNN(1, (4,), (4,), **TINY).predict(X),
    "estimator-eca-before-fit": lambda tmp: ECA(Emulator((4,), **TINY)).transform(X),
    "estimator-1d-input": lambda tmp: Emulator((4,), **TINY).fit(X[:, 0], Y),
    "estimator-k-above-features": lambda tmp: NNCA(4, (4,), **TINY).fit(X, Y),
    "estimator-eca-k-above-features": lambda tmp: ECA(Emulator((4,), **TINY), n_components=4).fit(X, Y),
}

CASES = {**{case: bad_config(change) for case, change in CONFIG_CASES.items()}, **DATA_CASES, **FORMAT_CASES,
         **NORMALIZE_CASES, **ESTIMATOR_CASES}


@pytest.mark.parametrize("row", catalogue(), ids=lambda row: row["id"])
def test_each_bad_input_gives_its_documented_message(row, tmp_path):
    expected = ERRORS[row["error"]]
    match = re.escape(row["message contains"])
    if expected is UserWarning:
        with pytest.warns(UserWarning, match=match):
            CASES[row["id"]](tmp_path)
        return
    with pytest.raises(expected, match=match) as caught:
        CASES[row["id"]](tmp_path)
    assert caught.type is expected, f"{row['id']} raised {caught.type.__name__}, the catalogue says {row['error']}"


def test_every_documented_case_is_tested_and_every_tested_case_documented():
    ids = [row["id"] for row in catalogue()]
    assert len(ids) == len(set(ids)), "an id appears twice in docs/errors.md"
    assert set(ids) == set(CASES)


def test_every_row_names_its_input_kind_and_a_known_error():
    for row in catalogue():
        assert row["input"] == row["id"].split("-")[0], row
        assert row["error"] in ERRORS, row


def test_a_fixed_file_ingests_as_if_it_had_never_been_wrong(tmp_path):
    """A correct rerun recovers: nothing of the failed attempt is left to change the result."""
    with pytest.raises(IngestError):
        spectrum_line(tmp_path / "fixed", "532.0 nan 1.0")
    fixed = ingest(xyz_source(tmp_path / "fixed"))  # writes every file again, as it should be
    clean = ingest(xyz_source(tmp_path / "clean"))
    np.testing.assert_array_equal(fixed["spectrum_xas"].values, clean["spectrum_xas"].values)
    np.testing.assert_array_equal(fixed["positions"].values, clean["positions"].values)


# The workflow around the catalogue: a bad input stops the run before anything is written, and the fixed
# input then runs as if it had never been wrong.

def test_a_bad_config_stops_the_workflow_before_any_job(tmp_path):
    from conftest import DATA
    from snakemake_api import snakemake

    config = yaml.safe_load((DATA / "tiny.yaml").read_text())
    config["datasets"]["h2o_tiny"]["split"]["seed"] = "abc"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config))
    with pytest.raises(Exception, match="datasets.h2o_tiny.split.seed: 'abc' is not of type 'integer'"):
        snakemake(tmp_path / "run", bad)
    assert not (tmp_path / "run" / "results").exists() and not (tmp_path / "run" / "logs").exists()


@pytest.mark.slow
def test_a_bad_data_file_stops_its_rule_without_output_and_the_fixed_file_recovers(tmp_path):
    from snakemake_api import snakemake
    from snakemake_interface_common.exceptions import WorkflowError

    from xraylatent.io import read_raw

    write_example_data(tmp_path)
    path = tmp_path / "data/water_own/xas/w007_conv.txt"
    good = path.read_text()
    lines = good.splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if line[:1].isdigit()) + 3
    path.write_text("".join(lines[:row]) + lines[row].split()[0] + " nan 0.0\n" + "".join(lines[row + 1:]))
    raw = ("results/water_own/raw.nc",)
    with pytest.raises(WorkflowError, match="did not complete"):
        snakemake(tmp_path, EXAMPLE, targets=raw)
    assert not list((tmp_path / "results").rglob("*.nc")) and not list((tmp_path / "results").rglob(".*"))
    assert "w007_conv.txt, line 6: intensity is nan" in (tmp_path / "logs/ingest/water_own.log").read_text()
    path.write_text(good)
    assert snakemake(tmp_path, EXAMPLE, targets=raw) == ["ingest"]
    ds = read_raw(tmp_path / raw[0])
    truth = example_truth()[7]
    np.testing.assert_allclose(ds["spectrum_xas"].values[7], example_xas(truth, ds["energy_xas"].values), atol=5e-3)

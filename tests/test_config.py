from pathlib import Path

import numpy as np
import pytest
import yaml

from xraylatent.config import ConfigError, feature_count, validate_config
from xraylatent.data.features import featurize

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "schemas" / "config.schema.yaml"


def _config(name="config/config.yaml"):
    return yaml.safe_load((REPO / name).read_text())


@pytest.mark.parametrize("name", ["config/config.yaml", "config/paper.yaml", "tests/data/tiny.yaml"])
def test_shipped_configs_validate_and_get_defaults(name):
    config = validate_config(_config(name), SCHEMA)
    assert config["plots"]["dpi"] == 150
    for dataset in config["datasets"].values():
        assert {"seed", "test_fraction", "n_folds"} <= set(dataset["split"])


def test_wrong_type_names_the_key():
    config = _config()
    config["datasets"]["h2o"]["split"]["seed"] = "abc"
    with pytest.raises(ConfigError, match=r"datasets\.h2o\.split\.seed: 'abc' is not of type 'integer'"):
        validate_config(config, SCHEMA)


def test_unknown_key_is_named():
    config = _config()
    config["datasets"]["geo2"]["source"]["per_presure"] = 3
    with pytest.raises(ConfigError, match=r"datasets\.geo2\.source: .*'per_presure' was unexpected"):
        validate_config(config, SCHEMA)


def test_every_schema_property_has_a_description():
    schema = yaml.safe_load(SCHEMA.read_text())
    missing = []

    def walk(node, path):
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                if isinstance(sub, dict) and "description" not in sub and "$ref" not in sub:
                    missing.append(f"{path}.{name}")
            for key, sub in node.items():
                if key != "if":  # conditions only test values; the properties they name are described elsewhere
                    walk(sub, f"{path}.{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{path}[{i}]")

    walk(schema, "")
    assert missing == []


def test_paper_config_asks_for_the_study_budget():
    from xraylatent.selection.candidates import grid_size

    config = validate_config(_config("config/paper.yaml"), SCHEMA)
    geo2 = config["datasets"]["geo2"]
    # method.md §7: 20,000 candidates per model type for H2O, 200,000 for GeO2, each on a grid that holds them all
    for search, spaces, budget in ((config["models"]["search"], config["models"]["space"], 20_000),
                                   (geo2["search"], geo2["space"], 200_000)):
        assert search["n_candidates"] == budget
        for family, space in spaces.items():
            assert grid_size(space) >= budget, family
    assert config["datasets"]["h2o"]["source"]["md"]["n_trajectories"] * 50 == 10_000


@pytest.mark.parametrize("name", ["config/config.yaml", "config/paper.yaml"])
def test_shipped_configs_ask_for_no_more_candidates_than_their_grids_hold(name):
    from xraylatent.selection.candidates import budget_warnings

    assert budget_warnings(validate_config(_config(name), SCHEMA)) == []


def test_a_search_larger_than_its_grid_is_named_with_both_keys():
    """Without its own finer grid, the paper's GeO2 budget would draw only the 21,000 points of models.space."""
    from xraylatent.selection.candidates import budget_warnings

    config = _config("config/paper.yaml")
    del config["datasets"]["geo2"]["space"]
    warnings = budget_warnings(validate_config(config, SCHEMA))
    assert warnings == [f"datasets.geo2.search.n_candidates: 200,000 is more than the 21,000 points of "
                        f"models.space.{family}; data set 'geo2' searches all 21,000 of them for {family}"
                        for family in ("ednn", "emulator", "nnca")]


# Checks between keys (cross_field_errors) ----------------------------------------------------------------

EXAMPLE = "config/examples/xyz-dir.yaml"


def _invalid(config) -> str:
    with pytest.raises(ConfigError) as caught:
        validate_config(config, SCHEMA)
    return str(caught.value)


def test_checks_between_keys_wait_for_a_schema_valid_config():
    config = _config()
    config["datasets"]["h2o"]["split"]["seed"] = "abc"
    config["models"]["latent_dims"] = [4]
    message = _invalid(config)
    assert "'abc' is not of type 'integer'" in message and "exceeds" not in message


def test_every_contradiction_is_listed_at_once():
    config = _config()
    config["datasets"]["h2o"]["targets"]["xps"]["grid"]["stop"] = 536.0
    config["datasets"]["geo2"]["targets"]["kbeta"]["windows"]["kbeta_pp"] = [10890.0, 10913.0]
    lines = _invalid(config).splitlines()[1:]
    assert lines == ["  datasets.h2o.targets.xps.grid: stop 536 eV is not above start 536 eV (expected start < stop)",
                     "  datasets.geo2.targets.kbeta.windows.kbeta_pp: window [10890, 10913] eV reaches outside the "
                     "kbeta grid 10895–10935 eV (expected a window inside it)"]


def test_source_grids_of_the_physics_and_ingest_sources_bound_the_windows():
    config = _config(EXAMPLE)
    config["datasets"]["water_own"]["targets"]["xas_moments"]["windows"]["pre_edge"] = [530.0, 537.0]
    assert "windows.pre_edge: window [530, 537] eV reaches outside the xas grid 532–544 eV" in _invalid(config)
    config = _config()
    config["datasets"]["h2o"]["targets"]["xes_moments"] = {"type": "moments", "kind": "xes",
                                                           "windows": {"main": [520.0, 531.0]}}
    assert "xes_moments.windows.main: window [520, 531] eV reaches outside the xes grid 515–530 eV" in _invalid(config)


def test_a_reversed_source_grid_is_named_by_its_key():
    config = _config(EXAMPLE)
    config["datasets"]["water_own"]["source"]["spectra"]["xas"]["grid"]["start"] = 550.0
    assert "datasets.water_own.source.spectra.xas.grid: stop 544 eV is not above start 550 eV" in _invalid(config)


WATER = np.array([[0.0, 0.0, 0.0], [0.96, 0.0, 0.0], [-0.24, 0.93, 0.0]]), np.array([8, 1, 1])


@pytest.mark.parametrize(("featurizer", "count"), [
    ({"name": "h2o_internal"}, 3),
    ({"name": "internal_coordinates", "bonds": {"a": [0, 1], "b": [0, 2]}, "angles": {"c": [1, 0, 2]}}, 3),
    ({"name": "sorted_coulomb", "max_atoms": 4}, 10),
])
def test_feature_count_is_what_the_featurizer_gives(featurizer, count):
    positions, numbers = WATER
    options = {key: value for key, value in featurizer.items() if key != "name"}
    assert feature_count(featurizer) == count
    assert featurize(positions[None], numbers, featurizer["name"], **options).values.shape == (1, count)


def test_feature_count_of_the_coulomb_slots():
    featurizer = _config()["datasets"]["geo2"]["featurizer"]  # Ge centre, 8 O and 4 Ge slots
    assert feature_count(featurizer) == 13 * 12 // 2


def test_an_own_config_plans_only_its_own_data_set(tmp_path):
    """A user's --configfile replaces config/config.yaml instead of being merged into it (issue 17, item 0): run
    where a config/config.yaml lies (as in the repository root), a one-data-set config plans one data chain and
    none of the default run's physics; without --configfile the default run's two data sets are planned."""
    from snakemake_api import snakemake

    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text((REPO / "config" / "config.yaml").read_text())
    own = yaml.safe_load((REPO / "tests" / "data" / "tiny.yaml").read_text())
    own["datasets"] = {"h2o_tiny": own["datasets"]["h2o_tiny"]}
    configfile = tmp_path / "own.yaml"
    configfile.write_text(yaml.safe_dump(own))
    planned = snakemake(tmp_path, configfile, dryrun=True)
    assert planned.count("generate_synthetic") == 1 and planned.count("prepare") == 1
    assert not {"sample_h2o", "h2o_spectra", "geo2_structures", "geo2_spectra"} & set(planned)
    default = snakemake(tmp_path, None, dryrun=True)
    assert default.count("prepare") == 4 and default.count("h2o_spectra") == 8  # h2o (3 targets), geo2 (1)

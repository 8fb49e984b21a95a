from pathlib import Path

import pytest
import yaml

from xraylatent.config import ConfigError, validate_config

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
    config["datasets"]["h2o_synthetic"]["split"]["seed"] = "abc"
    with pytest.raises(ConfigError, match=r"datasets\.h2o_synthetic\.split\.seed: 'abc' is not of type 'integer'"):
        validate_config(config, SCHEMA)


def test_unknown_key_is_named():
    config = _config()
    config["datasets"]["geo2_synthetic"]["source"]["per_presure"] = 3
    with pytest.raises(ConfigError, match=r"datasets\.geo2_synthetic\.source: .*'per_presure' was unexpected"):
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
    from math import prod

    from xraylatent.selection.candidates import HYPERPARAMETERS, grid_values

    config = validate_config(_config("config/paper.yaml"), SCHEMA)
    assert config["models"]["search"]["n_candidates"] == 20_000
    for family, space in config["models"]["space"].items():
        assert prod(len(grid_values(space[h])) for h in HYPERPARAMETERS) >= 20_000, family
    assert config["datasets"]["h2o"]["source"]["md"]["n_trajectories"] * 50 == 10_000

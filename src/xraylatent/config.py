"""Config validation against the JSON schema, with defaults filled in and errors that name the key."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import jsonschema
import yaml


class ConfigError(ValueError):
    """The workflow config does not match its schema."""


def _with_defaults(validator_class):
    """A validator class that also writes each property's schema default into the instance."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if isinstance(subschema, dict) and "default" in subschema and name not in instance:
                    instance[name] = _copy(subschema["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return jsonschema.validators.extend(validator_class, {"properties": set_defaults})


def _copy(value):
    return yaml.safe_load(yaml.safe_dump(value))


def _key_path(error: jsonschema.ValidationError) -> str:
    path = ".".join(str(part) for part in error.absolute_path)
    return path or "(top level)"


def validate_config(config: Mapping, schema_path) -> dict:
    """Validate ``config`` in place against the YAML schema at ``schema_path`` and fill defaults.

    Raises :class:`ConfigError` listing every offending key as a dotted path, e.g.
    ``datasets.h2o.split.seed: 'abc' is not of type 'integer'``.
    """
    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = _with_defaults(jsonschema.Draft202012Validator)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = [f"  {_key_path(e)}: {e.message}" for e in errors]
        raise ConfigError("invalid config (schema " + str(schema_path) + "):\n" + "\n".join(lines))
    return config

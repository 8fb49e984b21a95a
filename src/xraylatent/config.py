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


def validate_config(config: Mapping, schema_path, checks: tuple = ()) -> dict:
    """Validate ``config`` in place against the YAML schema at ``schema_path`` and fill defaults.

    Raises :class:`ConfigError` listing every offending key as a dotted path, e.g.
    ``datasets.h2o.split.seed: 'abc' is not of type 'integer'``. Once the schema holds, the checks between
    keys that a schema cannot express (:func:`cross_field_errors`) run and are reported the same way, then each
    of ``checks``: functions of the valid config giving (dotted key, message) pairs, from the stages that own
    what they check (e.g. ``geo2_md.config_errors``, a potential that cannot run).
    """
    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = _with_defaults(jsonschema.Draft202012Validator)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    lines = [f"  {_key_path(e)}: {e.message}" for e in errors]
    if not lines:  # the checks between keys read keys the schema guarantees, so they run on a valid config only
        found = cross_field_errors(config) + [error for check in checks for error in check(config)]
        lines = [f"  {key}: {message}" for key, message in found]
    if lines:
        raise ConfigError("invalid config (schema " + str(schema_path) + "):\n" + "\n".join(lines))
    return config


def cross_field_errors(config: Mapping) -> list[tuple[str, str]]:
    """(dotted key, message) of every value that contradicts another key of a schema-valid ``config``:
    an energy grid whose stop is not above its start, a moments window that is reversed or reaches outside
    the grid its spectrum kind is configured on, a measured spectrum whose target does not exist, and a
    bottleneck size above a data set's feature count."""
    errors = []
    for name, dataset in config["datasets"].items():
        where = f"datasets.{name}"
        errors += [(f"{where}.{key}", message) for key, message in _grid_errors(dataset)]
        errors += [(f"{where}.targets.{target}.windows.{line}", message)
                   for target, line, message in _window_errors(dataset)]
        targets = dataset["targets"]
        errors += [(f"{where}.measured.{measured}.target", f"'{spec['target']}' is not a target of data set "
                                                           f"'{name}' (expected one of {sorted(targets)})")
                   for measured, spec in dataset.get("measured", {}).items() if spec["target"] not in targets]
        n_features = feature_count(dataset["featurizer"])
        errors += [("models.latent_dims", f"k = {k} exceeds the {n_features} feature(s) of data set '{name}' "
                                          f"(featurizer {dataset['featurizer']['name']}); expected k ≤ {n_features}")
                   for k in config["models"]["latent_dims"] if k > n_features]
    return errors


def _grids(node, key: str = ""):
    """(dotted key, grid) of every energy grid ({start, stop, step, …}) anywhere below ``node``."""
    if isinstance(node, Mapping):
        if {"start", "stop", "step"} <= set(node):
            yield key, node
        for name, value in node.items():
            yield from _grids(value, f"{key}.{name}" if key else str(name))


def _grid_errors(dataset: Mapping):
    """(dotted key, message) of each energy grid of ``dataset`` that would hold one point or none."""
    for key, grid in _grids(dataset):
        if grid["stop"] <= grid["start"]:
            yield key, f"stop {grid['stop']:g} eV is not above start {grid['start']:g} eV (expected start < stop)"


def source_grids(source: Mapping) -> dict[str, Mapping]:
    """The energy grid the config puts each spectrum kind of a source on, where it names one (ingest with
    ``grid``, the H2O physics ``grids``, the GeO2 physics ``grid``); the synthetic sources' grids are fixed in
    their code and checked when the targets are built."""
    spectra = source.get("spectra", {})
    if source["generator"] == "ingest":
        return {kind: spec["grid"] for kind, spec in spectra.items() if "grid" in spec}
    if source["generator"] in ("geo2_clusters", "geo2_md"):  # their one spectrum kind, Ge Kβ, on spectra.grid
        return {"kbeta": spectra["grid"]}
    return dict(spectra.get("grids", {}))


def _window_errors(dataset: Mapping):
    """(target, line, message) of each moments window of ``dataset`` that is reversed or leaves its grid."""
    grids = source_grids(dataset["source"])
    for target, spec in dataset["targets"].items():
        grid = grids.get(spec["kind"])
        for line, (low, high) in spec.get("windows", {}).items():
            if high <= low:
                yield target, line, f"window [{low:g}, {high:g}] eV is reversed or empty (expected low < high)"
            elif grid is not None and (low < grid["start"] or high > grid["stop"]):
                yield target, line, (f"window [{low:g}, {high:g}] eV reaches outside the {spec['kind']} grid "
                                     f"{grid['start']:g}–{grid['stop']:g} eV (expected a window inside it)")


def feature_count(featurizer: Mapping) -> int:
    """Number of features the ``featurizer`` config block yields (docs/method.md §3), known before any data:
    3 for h2o_internal, one per named coordinate, and the Coulomb matrices' upper triangles."""
    name = featurizer["name"]
    if name == "h2o_internal":
        return 3
    if name == "internal_coordinates":
        return sum(len(featurizer.get(kind, {})) for kind in ("bonds", "angles", "dihedrals"))
    if name == "coulomb_matrix":
        slots = 1 + sum(group["n"] for group in featurizer["neighbors"])
        return slots * (slots - 1) // 2
    return featurizer["max_atoms"] * (featurizer["max_atoms"] + 1) // 2

"""The NetCDF contract between workflow rules (docs/architecture.md): atomic writes, validated reads.

Every file carries provenance attrs (``xraylatent_version``, ``created_by``, ``config_digest``) and a
``units`` attr on every variable that has units. Readers check dimensions, required variables, finite
values and units, and raise :class:`ContractError` naming the file, the variable and the problem.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xarray as xr

from xraylatent import __version__


class ContractError(ValueError):
    """A NetCDF file does not follow the data contract."""


def config_digest(config: Mapping) -> str:
    """A short, stable digest of a (sub-)config, stored in files for provenance."""
    text = json.dumps(config, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@contextmanager
def atomic_path(path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed over ``path`` only when the block completes.

    A failed write never leaves a partial output behind, and an existing ``path`` stays as it was until the
    new one is complete. A process killed outright (SIGKILL) cannot clean up: the temporary files it left are
    removed by the next write of the same path.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix, suffix = f".{path.stem}.", f".tmp{path.suffix}"
    for stale in path.parent.glob(f"{glob.escape(prefix)}*{glob.escape(suffix)}"):  # left by a killed writer
        stale.unlink(missing_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (:func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def write_netcdf(ds: xr.Dataset, path, created_by: str, config_digest: str = "") -> Path:
    """Write ``ds`` to ``path`` atomically (:func:`atomic_path`), stamping provenance attrs."""
    ds = ds.copy()
    ds.attrs.update(
        xraylatent_version=__version__, created_by=created_by, config_digest=config_digest
    )
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine="netcdf4")
    return Path(path)


@dataclass(frozen=True)
class Variable:
    """What a contract requires of one variable."""

    dims: tuple[str, ...]
    units: str | None = None
    finite: bool = True
    # A dimension listed here may be named by any name starting with it (``energy`` → ``energy_xes``).
    prefix_dims: tuple[str, ...] = field(default=())


def read_netcdf(path, required: Mapping[str, Variable] | None = None) -> xr.Dataset:
    """Open ``path``, load it into memory and check it against ``required``."""
    path = Path(path)
    if not path.exists():
        raise ContractError(f"{path}: file not found")
    try:
        with xr.open_dataset(path, engine="netcdf4") as ds:
            ds = ds.load()
    except (OSError, ValueError) as err:
        raise ContractError(f"{path}: not a readable NetCDF file ({err})") from err
    for name, spec in (required or {}).items():
        check_variable(ds, name, spec, path)
    return ds


def check_variable(ds: xr.Dataset, name: str, spec: Variable, path) -> None:
    """Raise :class:`ContractError` unless ``ds[name]`` has the dims, units and values of ``spec``."""
    if name not in ds.variables:
        raise ContractError(f"{path}: required variable '{name}' is missing")
    var = ds[name]
    if not _dims_match(var.dims, spec):
        raise ContractError(
            f"{path}: variable '{name}' has dims {var.dims}, expected {spec.dims}"
        )
    if spec.units is not None and var.attrs.get("units") != spec.units:
        raise ContractError(
            f"{path}: variable '{name}' has units {var.attrs.get('units')!r}, expected {spec.units!r}"
        )
    if spec.finite and np.issubdtype(var.dtype, np.number):
        bad = ~np.isfinite(var.values)
        if bad.any():
            where = _first_bad_index(var, bad)
            raise ContractError(
                f"{path}: variable '{name}' has {int(bad.sum())} non-finite value(s), first at {where}"
            )


def _dims_match(dims: tuple[str, ...], spec: Variable) -> bool:
    if len(dims) != len(spec.dims):
        return False
    for actual, expected in zip(dims, spec.dims):
        if actual == expected:
            continue
        if expected in spec.prefix_dims and actual.startswith(expected + "_"):
            continue
        return False
    return True


def _first_bad_index(var: xr.DataArray, bad: np.ndarray) -> str:
    index = np.unravel_index(int(np.argmax(bad)), bad.shape)
    parts = []
    for dim, i in zip(var.dims, index):
        label = var[dim].values[i] if dim in var.coords else i
        parts.append(f"{dim}={label}")
    return ", ".join(parts) or "scalar"


def spectrum_kinds(ds: xr.Dataset) -> list[str]:
    """Names of the spectrum kinds in a raw data set (``spectrum_xes`` → ``xes``)."""
    return sorted(name[len("spectrum_"):] for name in ds.data_vars if name.startswith("spectrum_"))


def read_raw(path) -> xr.Dataset:
    """Read ``raw.nc``: positions, atomic numbers and at least one spectrum kind on its energy grid."""
    ds = read_netcdf(path, {"positions": Variable(("sample", "atom", "xyz"), units="angstrom")})
    if "numbers" not in ds.variables:
        raise ContractError(f"{path}: required variable 'numbers' is missing")
    if ds["numbers"].dims not in (("atom",), ("sample", "atom")):
        raise ContractError(
            f"{path}: variable 'numbers' has dims {ds['numbers'].dims}, expected (atom) or (sample, atom)"
        )
    kinds = spectrum_kinds(ds)
    if not kinds:
        raise ContractError(f"{path}: no 'spectrum_<kind>' variable found")
    for kind in kinds:
        check_variable(ds, f"spectrum_{kind}", Variable(("sample", f"energy_{kind}")), path)
        check_variable(ds, f"energy_{kind}", Variable((f"energy_{kind}",), units="eV"), path)
    return ds


def sample_labels(ds: xr.Dataset) -> xr.Dataset:
    """The per-sample labels of a data set (``sample_id``, ``pressure``, …): its 1-D variables on ``sample``."""
    names = [name for name, var in ds.data_vars.items() if var.dims == ("sample",)]
    return ds[names]


def group_label(raw: xr.Dataset) -> str | None:
    """The per-sample label spectra are grouped by (figures, group-mean inversion): the raw.nc attr
    ``group_label`` (set by ingest from ``source.labels.group``), else ``pressure`` where present."""
    return raw.attrs.get("group_label") or ("pressure" if "pressure" in raw else None)


FEATURES = {
    "X": Variable(("sample", "feature")),
    "feature_units": Variable(("feature",), finite=False),
}
TARGETS = {"Y": Variable(("sample", "channel"))}
PREPARED = {
    "X": Variable(("sample", "feature")),
    "Y": Variable(("sample", "channel")),
    "split": Variable(("sample",), finite=False),
    "fold": Variable(("sample",)),
    "x_mean": Variable(("feature",)),
    "x_scale": Variable(("feature",)),
    "y_mean": Variable(("channel",)),
    "y_scale": Variable(("channel",)),
}


def read_features(path) -> xr.Dataset:
    """Read ``features.nc``: ``X(sample, feature)`` with feature names and ``feature_units``."""
    return read_netcdf(path, FEATURES)


def read_targets(path) -> xr.Dataset:
    """Read ``targets/{target}.nc``: ``Y(sample, channel)``."""
    return read_netcdf(path, TARGETS)


def read_prepared(path) -> xr.Dataset:
    """Read ``prepared.nc``: standardized X and Y, the split, CV folds and the scalers."""
    ds = read_netcdf(path, PREPARED)
    labels = set(np.unique(ds["split"].values).tolist())
    if not labels <= {"train", "test"}:
        raise ContractError(f"{path}: variable 'split' has labels {sorted(labels)}, expected train/test")
    return ds

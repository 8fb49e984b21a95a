import numpy as np
import pytest
import xarray as xr

from xraylatent import io


def _features():
    return xr.Dataset({"X": (("sample", "feature"), np.ones((4, 2))),
                       "feature_units": (("feature",), np.array(["degree", "angstrom"]))},
                      coords={"feature": ["alpha", "b_long"]})


def test_round_trip_stamps_provenance(tmp_path):
    path = io.write_netcdf(_features(), tmp_path / "features.nc", created_by="featurize", config_digest="abc")
    ds = io.read_features(path)
    assert ds.attrs["created_by"] == "featurize" and ds.attrs["config_digest"] == "abc"
    assert ds.attrs["xraylatent_version"]
    assert list(ds["feature_units"].values) == ["degree", "angstrom"]


def test_nan_is_named_with_file_variable_and_position(tmp_path):
    ds = _features()
    ds["X"][2, 1] = np.nan
    path = io.write_netcdf(ds, tmp_path / "features.nc", created_by="test")
    with pytest.raises(io.ContractError, match=r"features.nc: variable 'X' has 1 non-finite.*sample=2, feature=b_long"):
        io.read_features(path)


def test_missing_variable_is_named(tmp_path):
    path = io.write_netcdf(_features().drop_vars("feature_units"), tmp_path / "f.nc", created_by="test")
    with pytest.raises(io.ContractError, match="required variable 'feature_units' is missing"):
        io.read_features(path)


def test_wrong_dims_and_units_are_named(tmp_path):
    raw = xr.Dataset({"positions": (("sample", "atom", "xyz"), np.zeros((2, 3, 3)), {"units": "bohr"}),
                      "numbers": (("atom",), [8, 1, 1])})
    path = io.write_netcdf(raw, tmp_path / "raw.nc", created_by="test")
    with pytest.raises(io.ContractError, match="'positions' has units 'bohr', expected 'angstrom'"):
        io.read_raw(path)
    raw["positions"].attrs["units"] = "angstrom"
    io.write_netcdf(raw, path, created_by="test")
    with pytest.raises(io.ContractError, match="no 'spectrum_<kind>' variable"):
        io.read_raw(path)


def test_interrupted_write_leaves_no_output(tmp_path, monkeypatch):
    path = tmp_path / "features.nc"
    io.write_netcdf(_features(), path, created_by="first")

    def crash(self, target, **kwargs):
        with open(target, "wb") as handle:
            handle.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(xr.Dataset, "to_netcdf", crash)
    with pytest.raises(KeyboardInterrupt):
        io.write_netcdf(_features(), path, created_by="second")
    assert io.read_features(path).attrs["created_by"] == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["features.nc"]


def test_a_killed_writers_temporary_file_goes_with_the_next_write(tmp_path):
    path = tmp_path / "features.nc"
    (tmp_path / ".features.abc123.tmp.nc").write_bytes(b"partial")  # what SIGKILL mid-write leaves
    (tmp_path / ".other.abc123.tmp.nc").write_bytes(b"another file's")
    io.write_netcdf(_features(), path, created_by="rerun")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.abc123.tmp.nc", "features.nc"]


def test_atomic_text_replaces_only_when_complete(tmp_path):
    path = tmp_path / "r2.md"
    io.atomic_write_text(path, "old")
    with pytest.raises(RuntimeError), io.atomic_path(path) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash")
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["r2.md"]
    io.atomic_write_text(path, "new")
    assert path.read_text() == "new"


def test_unreadable_file_is_named(tmp_path):
    path = tmp_path / "raw.nc"
    path.write_text("not netcdf")
    with pytest.raises(io.ContractError, match="raw.nc: not a readable NetCDF file"):
        io.read_raw(path)

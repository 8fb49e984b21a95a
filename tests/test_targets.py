import numpy as np
import pytest
import xarray as xr

from xraylatent.data.targets import build_targets, line_moments
from xraylatent.spectra import energy_grid, gaussian, spectrum_on_grid


def test_moments_of_an_analytic_gaussian_line():
    energy = np.arange(11060.0, 11120.0, 0.01)
    sigma = 2.0
    line = gaussian(energy, 11090.0, sigma * 2 * np.sqrt(2 * np.log(2)))[None]
    moments, names, units = line_moments(energy, line, {"kb": (11070.0, 11110.0)})
    mean, std, skewness, kurtosis = moments[0]
    assert names == ["kb_mean", "kb_std", "kb_skewness", "kb_kurtosis"]
    assert units == ["eV", "eV", "1", "1"]
    assert mean == pytest.approx(11090.0, abs=1e-3)
    assert std == pytest.approx(sigma, abs=1e-3)
    assert abs(skewness) < 1e-3 and abs(kurtosis) < 1e-3


def test_skewed_line_has_positive_skewness():
    energy = np.linspace(0, 20, 2001)
    line = (gaussian(energy, 8.0, 2.0) + 0.4 * gaussian(energy, 11.0, 2.0))[None]
    assert line_moments(energy, line, {"a": (0, 20)})[0][0, 2] > 0.1


def test_empty_window_names_window_and_sample():
    energy = np.linspace(0, 10, 101)
    spectra = np.vstack([gaussian(energy, 2.0, 1.0), gaussian(energy, 8.0, 1.0)])
    with pytest.raises(ValueError, match="window 'low'.*sample 1"):
        line_moments(energy, spectra, {"low": (0.0, 4.0)})


def test_interpolation_is_exact_on_linear_spectra_and_never_extrapolates():
    energy = np.linspace(500.0, 520.0, 201)
    spectra = np.vstack([2 * energy + 1, -energy])
    grid = energy_grid(505.0, 515.0, 0.25)
    assert grid[0] == 505.0 and grid[-1] == 515.0 and len(grid) == 41
    np.testing.assert_allclose(spectrum_on_grid(energy, spectra, grid), np.vstack([2 * grid + 1, -grid]))
    with pytest.raises(ValueError, match="not covered"):
        spectrum_on_grid(energy, spectra, energy_grid(495.0, 515.0, 0.5), name="spectrum_xes")


def test_broadening_widens_a_line_and_keeps_its_centre():
    energy = np.linspace(0, 20, 401)
    line = gaussian(energy, 10.0, 0.5)[None]
    wide = spectrum_on_grid(energy, line, energy, fwhm=1.2)
    _, std_narrow = line_moments(energy, line, {"a": (0, 20)})[0][0, :2]
    mean, std_wide = line_moments(energy, wide, {"a": (0, 20)})[0][0, :2]
    assert mean == pytest.approx(10.0, abs=1e-6)
    expected = np.hypot(0.5, 1.2) / (2 * np.sqrt(2 * np.log(2)))
    assert std_narrow < std_wide == pytest.approx(expected, rel=0.02)


def test_build_targets_names_a_missing_kind():
    raw = xr.Dataset({"spectrum_xes": (("sample", "energy_xes"), np.ones((2, 3)))},
                     coords={"energy_xes": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="no spectrum kind 'xas'"):
        build_targets(raw, type="spectrum", kind="xas", grid={"start": 1, "stop": 2, "step": 1})


def test_a_native_grid_keeps_the_datas_own_non_uniform_energies():
    """FDMNES-like energies, dense near the edge and sparse above: grid: native keeps them as the channels."""
    energy = np.concatenate([np.arange(-5.0, 5.0, 0.5), np.arange(5.0, 40.0, 2.5)]) + 7112.0
    spectra = np.vstack([np.tanh(energy - 7112.0), np.tanh(energy - 7113.0)])
    raw = xr.Dataset({"spectrum_xas": (("sample", "energy_xas"), spectra, {"units": "arb. units"})},
                     coords={"sample": [0, 1], "energy_xas": energy})
    targets = build_targets(raw, type="spectrum", kind="xas", grid="native")
    np.testing.assert_array_equal(targets["channel"].values, energy)
    np.testing.assert_array_equal(targets["Y"].values, spectra)
    assert targets["channel"].attrs["units"] == "eV"


def test_moment_targets_take_the_configured_broadening():
    """Broadening a Gaussian line of σ0 by a Gaussian of σ_b gives moments of a line of √(σ0² + σ_b²)."""
    energy = np.linspace(10890.0, 10930.0, 401)
    to_sigma = 1 / (2 * np.sqrt(2 * np.log(2)))
    raw = xr.Dataset({"spectrum_kbeta": (("sample", "energy_kbeta"), gaussian(energy, 10910.0, 1.0)[None])},
                     coords={"energy_kbeta": energy, "sample": [0]})
    windows = {"line": [10895.0, 10925.0]}
    sharp = build_targets(raw, type="moments", kind="kbeta", windows=windows)
    broad = build_targets(raw, type="moments", kind="kbeta", windows=windows, broadening_fwhm=2.3)
    assert sharp["Y"].sel(channel="line_std").item() == pytest.approx(1.0 * to_sigma, rel=0.01)
    assert broad["Y"].sel(channel="line_std").item() == pytest.approx(np.hypot(1.0, 2.3) * to_sigma, rel=0.01)
    assert broad["Y"].sel(channel="line_mean").item() == pytest.approx(10910.0, abs=1e-6)
    assert broad.attrs["broadening_fwhm_ev"] == 2.3 and sharp.attrs["broadening_fwhm_ev"] == 0.0

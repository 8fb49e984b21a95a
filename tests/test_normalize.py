"""Spectrum normalisation (``normalize``: none, area, max, edge_step by xraylarch's pre_edge): exact values on
shapes whose answer is known, through ingest before the grid, the schema for every format, and each error with
its message. ``NORMALIZE_CASES`` holds the cases of the normalisation rows of docs/errors.md, which
tests/test_error_catalogue.py runs."""

import logging
import sys
import warnings

import numpy as np
import pytest
from test_formats import GRID, text_spectrum, validated
from test_ingest import ENERGY, IDS, intensity, write_text_spectra, xyz_source

from xraylatent import spectra_normalization
from xraylatent.config import ConfigError
from xraylatent.data.sources.ingest import ingest
from xraylatent.data.sources.readers import IngestError
from xraylatent.spectra_normalization import NormalizationError, normalize_spectrum

TRIANGLE_E = np.linspace(530.0, 540.0, 11)
TRIANGLE = np.array([0, 1, 2, 3, 4, 5, 4, 3, 2, 1, 0], dtype=float)  # area 25 (exact with the trapezoid rule)

# A synthetic K-edge: a linear pre-edge, an arctan step of height STEP at E0 and a small white line above it.
K_E = np.linspace(8800.0, 9500.0, 701)
E0, STEP = 8979.0, 2.5
K_MU = (0.3 + 1e-4 * (K_E - 8800.0) + STEP * (0.5 + np.arctan((K_E - E0) / 2.0) / np.pi)
        + 0.8 * np.exp(-0.5 * ((K_E - E0 - 8.0) / 4.0) ** 2))

# A falling step over 530–540 eV (an emission line's high-energy side, or a spectrum read backwards): no edge.
FALL_E = np.linspace(530.0, 540.0, 101)
FALL = 3.0 - 2.5 * (0.5 + np.arctan((FALL_E - 535.0) / 0.5) / np.pi)


def preedge(energy, mu, **options) -> dict:
    """larch's own result, to compare with (imported here: without larch only the edge-step tests fail)."""
    from larch.xafs.pre_edge import preedge

    return preedge(energy, mu, **options)


# The methods ------------------------------------------------------------------------------------------


def test_none_returns_the_intensity_unchanged():
    np.testing.assert_array_equal(normalize_spectrum(TRIANGLE_E, TRIANGLE, "none", "t"), TRIANGLE)


def test_area_gives_a_triangle_unit_integral():
    normalized = normalize_spectrum(TRIANGLE_E, TRIANGLE, "area", "t")
    np.testing.assert_allclose(normalized, TRIANGLE / 25.0, rtol=1e-12)
    assert np.trapezoid(normalized, TRIANGLE_E) == pytest.approx(1.0, rel=1e-12)


def test_max_gives_peak_one():
    normalized = normalize_spectrum(TRIANGLE_E, 3.0 * TRIANGLE, "max", "t")
    np.testing.assert_allclose(normalized, TRIANGLE / 5.0, rtol=1e-12)
    assert normalized.max() == 1.0


def test_edge_step_of_a_synthetic_k_edge_is_larchs():
    larch = preedge(K_E, K_MU)
    assert larch["edge_step"] == pytest.approx(STEP, rel=0.05)
    assert abs(larch["e0"] - E0) <= 2.0  # the arctan's steepest point (the white line shifts it a little)
    normalized = normalize_spectrum(K_E, K_MU, "edge_step", "k-edge")
    np.testing.assert_allclose(normalized, larch["norm"], rtol=1e-12)
    assert normalized[K_E > E0 + 120].mean() == pytest.approx(1.0, abs=0.02)  # post-edge ≈ 1
    assert abs(normalized[K_E < E0 - 60].mean()) < 0.02  # pre-edge ≈ 0


def test_edge_step_passes_the_given_options_to_larch():
    options = {"e0": 8980.0, "pre1": -150.0, "pre2": -50.0, "norm1": 50.0, "norm2": 480.0}
    larch = preedge(K_E, K_MU, **options)
    assert {k: larch[k] for k in options} == options
    normalized = normalize_spectrum(K_E, K_MU, "edge_step", "k-edge", **options, nnorm=None)  # None: not given
    np.testing.assert_allclose(normalized, larch["norm"], rtol=1e-12)
    assert larch["edge_step"] == pytest.approx(STEP, rel=0.05)


def test_edge_step_keeps_the_processs_warnings_and_logging(monkeypatch):
    """Importing larch ignores every warning from then on and resets the root logger; neither may leak."""
    for name in [m for m in sys.modules if m == "larch" or m.startswith("larch.")]:
        monkeypatch.delitem(sys.modules, name)  # a fresh import, whatever ran before
    root = logging.getLogger()
    monkeypatch.setattr(root, "level", logging.INFO)
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        filters = list(warnings.filters)
        normalize_spectrum(K_E, K_MU, "edge_step", "k-edge")
        assert warnings.filters == filters
    assert root.level == logging.INFO


def test_edge_step_without_larch_names_the_package(monkeypatch):
    for name in ("larch", "larch.xafs", "larch.xafs.pre_edge"):
        monkeypatch.setitem(sys.modules, name, None)  # import of it raises ImportError
    with pytest.raises(ModuleNotFoundError, match=r"k-edge: normalize edge_step needs xraylarch \(its pre_edge\), "
                                                  r"which cannot be imported"):
        normalize_spectrum(K_E, K_MU, "edge_step", "k-edge")
    # The other methods do not need it.
    np.testing.assert_allclose(normalize_spectrum(TRIANGLE_E, TRIANGLE, "max", "t"), TRIANGLE / 5.0)


# Errors of the function ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("energy", "values", "method", "options", "message"), [
    (TRIANGLE_E, TRIANGLE, "minmax", {}, r"f.txt: unknown normalisation method 'minmax' \(expected one of none, "
                                         r"area, max, edge_step\)"),
    (TRIANGLE_E, TRIANGLE, "area", {"e0": 535.0}, r"f.txt: normalisation area takes no option\(s\) \['e0'\]"),
    (K_E, K_MU, "edge_step", {"step": 1.0}, r"f.txt: normalisation edge_step takes no option\(s\) \['step'\] "
                                            r"\(its options: e0, pre1, pre2, norm1, norm2\)"),
    (TRIANGLE_E, TRIANGLE[:-1], "area", {}, r"f.txt: energy \(11,\) and intensity \(10,\) are not two 1-D arrays"),
    (TRIANGLE_E, np.where(TRIANGLE == 5, np.nan, TRIANGLE), "max", {}, r"f.txt: energies or intensities are not "
                                                                       r"all finite"),
    (TRIANGLE_E, np.zeros(11), "area", {}, r"f.txt: normalize area: the area ∫I dE over 530–540 eV is 0 "
                                           r"\(∫\|I\| dE = 0\), expected a positive area"),
    (TRIANGLE_E, -TRIANGLE, "area", {}, r"f.txt: normalize area: the area ∫I dE over 530–540 eV is -25 "),
    (TRIANGLE_E, np.sin(np.pi * (TRIANGLE_E - 530.0) / 5.0), "area", {},  # one full period: chi-like
     r"f.txt: normalize area: .*a spectrum around zero \(chi\?\) cannot be area-normalised"),
    (TRIANGLE_E, -1.0 - TRIANGLE, "max", {}, r"f.txt: normalize max: the largest intensity is -1, expected a "
                                             r"positive maximum"),
    (TRIANGLE_E, np.zeros(11), "max", {}, r"f.txt: normalize max: the largest intensity is 0"),
    (FALL_E, FALL, "edge_step", {}, r"f.txt: normalize edge_step: the edge step is -2\.\d+ at e0 = [\d.]+ eV, "
                                    r"expected a positive finite step \(no rising edge in 530–540 eV\?"),
    (FALL_E, np.ones(101), "edge_step", {}, r"f.txt: normalize edge_step: the edge step is 0 at"),
    (K_E, K_MU, "edge_step", {"e0": 7112.0}, r"f.txt: normalize edge_step: e0 = 7112 eV lies outside the "
                                             r"spectrum's energies 8800–9500 eV"),
    (K_E, K_MU, "edge_step", {"pre1": -50.0, "pre2": -150.0}, r"f.txt: normalize edge_step: pre1 = -50 eV is not "
                                                              r"below pre2 = -150 eV"),
    (K_E, K_MU, "edge_step", {"norm1": 300.0, "norm2": 300.0}, r"f.txt: normalize edge_step: norm1 = 300 eV is "
                                                               r"not below norm2 = 300 eV"),
])
def test_errors_name_where_and_what(energy, values, method, options, message):
    with pytest.raises(NormalizationError, match=message):
        normalize_spectrum(energy, values, method, "f.txt", **options)


def test_a_non_finite_edge_step_is_an_error(monkeypatch):
    """larch clamps its step to ≥ 1e-12, so a NaN from a degenerate fit is caught on the step recomputed here."""
    def degenerate(energy, mu, **options):
        result = preedge(energy, mu, **options)
        return {**result, "post_edge": np.full_like(mu, np.nan)}
    monkeypatch.setattr(spectra_normalization, "_larch_preedge", lambda where: degenerate)
    with pytest.raises(NormalizationError, match=r"f.txt: normalize edge_step: the edge step is nan at e0 = "):
        normalize_spectrum(K_E, K_MU, "edge_step", "f.txt")


@pytest.mark.parametrize(("value", "parsed"), [
    (None, ("none", {})),
    ("area", ("area", {})),
    ({"method": "edge_step", "e0": 535.0}, ("edge_step", {"e0": 535.0})),
])
def test_parse_normalize_takes_a_name_or_a_mapping(value, parsed):
    assert spectra_normalization.parse_normalize(value) == parsed


def test_parse_normalize_without_a_method_names_where():
    with pytest.raises(NormalizationError, match=r"f.txt: \{'e0': 535.0\} names no method \(expected one of none"):
        spectra_normalization.parse_normalize({"e0": 535.0}, "f.txt")


def test_describe_normalization_for_an_attribute():
    describe = spectra_normalization.describe_normalization
    assert describe("area") == "area"
    assert describe("edge_step", {"pre1": -150.0, "e0": 11104.0, "norm2": None}) == "edge_step e0=11104 pre1=-150"


def test_normalization_error_is_a_value_error():
    assert issubclass(NormalizationError, ValueError)


# Through ingest: per spectrum, on its own axis, before the grid ----------------------------------------


def own_area(i: int, energy) -> float:
    return float(np.trapezoid(intensity(i, energy), energy))


@pytest.mark.parametrize("normalize", ["area", {"method": "area"}])
def test_ingest_normalizes_each_spectrum_by_its_area(tmp_path, normalize):
    raw = ingest(xyz_source(tmp_path, normalize=normalize))
    expected = [intensity(i, ENERGY) / own_area(i, ENERGY) for i in range(len(IDS))]
    np.testing.assert_allclose(raw["spectrum_xas"].values, expected, rtol=1e-9)
    np.testing.assert_allclose(np.trapezoid(raw["spectrum_xas"].values, ENERGY, axis=1), 1.0, rtol=1e-9)


def test_ingest_takes_the_area_over_each_spectrums_own_range_before_the_grid(tmp_path):
    """Spectra on different, wider axes: each is divided by its own area, then interpolated onto the grid,
    so on the grid the areas differ (the grid sees only part of each spectrum)."""
    energies = [np.linspace(529.0 - i, 541.0 + i, 25 + 4 * i) for i in range(len(IDS))]
    source = xyz_source(tmp_path, normalize="area", grid={"start": 530.0, "stop": 540.0, "step": 0.5})
    write_text_spectra(tmp_path / "xas", energies=energies)
    raw = ingest(source)
    grid = np.arange(530.0, 540.01, 0.5)
    expected = [intensity(i, grid) / own_area(i, energies[i]) for i in range(len(IDS))]
    np.testing.assert_allclose(raw["spectrum_xas"].values, expected, rtol=1e-9)


def test_ingest_max_and_none(tmp_path):
    raw = ingest(xyz_source(tmp_path / "max", normalize={"method": "max"}))
    np.testing.assert_allclose(raw["spectrum_xas"].values,
                               [intensity(i, ENERGY) / intensity(i, ENERGY[-1]) for i in range(len(IDS))], rtol=1e-9)
    raw = ingest(xyz_source(tmp_path / "none", normalize="none"))
    np.testing.assert_allclose(raw["spectrum_xas"].values, [intensity(i, ENERGY) for i in range(len(IDS))],
                               atol=1e-9)


def test_ingest_normalize_without_a_method_names_the_file(tmp_path):
    with pytest.raises(IngestError, match=r"w0_conv.txt: \{'e0': 535.0\} names no method"):
        ingest(xyz_source(tmp_path, normalize={"e0": 535.0}))


def test_ingest_edge_step_with_options(tmp_path):
    source = text_spectrum(tmp_path, K_E, K_MU, normalize={"method": "edge_step", "e0": E0, "pre1": -150.0})
    raw = ingest(source)
    np.testing.assert_allclose(raw["spectrum_xas"].values[0], preedge(K_E, K_MU, e0=E0, pre1=-150.0)["norm"],
                               rtol=1e-8)


# The schema: every format takes normalize, in both forms ------------------------------------------------


FORMATS = [
    {"format": "text_dir"},
    {"format": "npy", "energy": "e.txt"},
    {"format": "npz"},
    {"format": "csv", "energy": "e.txt"},
    {"format": "netcdf"},
    {"format": "fdmnes"},
    {"format": "feff"},
    {"format": "orca", "grid": GRID, "broadening": {"fwhm": 1.0}},
    {"format": "ase", "spectrum_key": "xas", "energy": "e.txt"},
]


@pytest.mark.parametrize("spectrum", FORMATS, ids=lambda s: s["format"])
def test_schema_accepts_normalize_for_every_format_with_default_none(spectrum):
    assert validated({"path": "data/x", **spectrum})["normalize"] == "none"
    assert validated({"path": "data/x", **spectrum, "normalize": "area"})["normalize"] == "area"
    edge = {"method": "edge_step", "e0": 535.0, "pre1": -30.0, "pre2": -10.0, "norm1": 10.0, "norm2": 40.0}
    assert validated({"path": "data/x", **spectrum, "normalize": dict(edge)})["normalize"] == edge


@pytest.mark.parametrize(("normalize", "message"), [
    ("minmax", r"'minmax' is not one of \['none', 'area', 'max', 'edge_step'\]"),
    ({"method": "minmax"}, r"'minmax' is not one of \['none', 'area', 'max', 'edge_step'\]"),
    ({"method": "area", "e0": 535.0}, r"Additional properties are not allowed \('e0' was unexpected\)"),
    ({"method": "edge_step", "step": 2.0}, r"Additional properties are not allowed \('step' was unexpected\)"),
    ({"e0": 535.0}, r"'method' is a required property"),
    ({"method": "edge_step", "e0": "auto"}, r"'auto' is not of type 'number'"),
])
def test_schema_rejects_bad_normalize(normalize, message):
    with pytest.raises(ConfigError, match=message):
        validated({"path": "data/x", "format": "text_dir", "normalize": normalize})


# The rows of docs/errors.md for normalisation (run by tests/test_error_catalogue.py) --------------------


def bad_normalize(normalize):
    def case(tmp_path):
        return validated({"path": "data/x", "format": "text_dir", "normalize": normalize})
    return case


NORMALIZE_CASES = {
    "config-normalize-unknown-method": bad_normalize("minmax"),
    "config-normalize-option-without-edge-step": bad_normalize({"method": "area", "e0": 11104.0}),
    "data-normalize-area-not-positive": lambda tmp: ingest(text_spectrum(
        tmp, TRIANGLE_E, np.sin(np.pi * (TRIANGLE_E - 530.0) / 5.0), normalize="area", negative_tolerance=1.0)),
    "data-normalize-max-not-positive": lambda tmp: ingest(text_spectrum(
        tmp, TRIANGLE_E, -np.ones(11), normalize="max", negative_tolerance=1.0)),
    "data-normalize-no-edge": lambda tmp: ingest(text_spectrum(tmp, FALL_E, FALL, normalize="edge_step")),
    "data-normalize-e0-outside": lambda tmp: ingest(text_spectrum(
        tmp, FALL_E, FALL, normalize={"method": "edge_step", "e0": 7112.0})),
}


@pytest.mark.parametrize("case", sorted(NORMALIZE_CASES))
def test_catalogue_cases_raise_for_their_reason(case, tmp_path):
    """Each catalogue case fails where it should: the data ones through ingest (an IngestError naming the
    file), the config ones in the schema (the catalogue checks the exact messages)."""
    error = ConfigError if case.startswith("config-") else IngestError
    with pytest.raises(error, match=r"normalize"):
        NORMALIZE_CASES[case](tmp_path)

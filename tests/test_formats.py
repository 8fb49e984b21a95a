"""Spectra in the formats spectroscopy codes write (FDMNES, FEFF, ORCA, ASE frames; docs/own-data.md): the exact
values read from the sample files in tests/data/formats, ORCA's broadening, the energy-axis check, and the errors
that name file and line. ``FORMAT_CASES`` holds the cases of these formats' rows of docs/errors.md, which
tests/test_error_catalogue.py runs."""

import shutil
from pathlib import Path

import ase.io
import numpy as np
import pytest
import yaml
from test_ingest import write_xyz_dir

from xraylatent.config import ConfigError, validate_config
from xraylatent.data.sources import code_formats
from xraylatent.data.sources.code_formats import (
    CM1_PER_EV,
    broadening_axis,
    orca_sticks,
    read_fdmnes_spectrum,
    read_feff_spectrum,
    read_orca_spectrum,
)
from xraylatent.data.sources.ingest import ingest, input_files
from xraylatent.data.sources.readers import IngestError
from xraylatent.spectra import FWHM_TO_SIGMA, broaden_sticks

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "formats"
XES = "X-RAY   EMISSION SPECTRUM VIA TRANSITION ELECTRIC DIPOLE MOMENTS"
ORCA_ENERGIES = [519.851634, 521.624078, 523.401950, 524.113702, 525.930417]  # eV, as ORCA 6 prints them
ORCA_CM1 = [4192886.2, 4207181.9, 4221521.4, 4227262.1, 4241914.9]  # cm⁻¹, as ORCA 5 prints them
ORCA_FOSC = [0.008912345, 0.017304811, 0.002081163, 0.004622378, 0.001187264]


def sample(tmp_path: Path, name: str) -> Path:
    """A copy of the sample file or directory ``name`` of tests/data/formats, to spoil."""
    target = tmp_path / name
    if (DATA / name).is_dir():
        shutil.copytree(DATA / name, target)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA / name, target)
    return target


def spoil(path: Path, number: int, text: str | None) -> Path:
    """``path`` with its line ``number`` (1-based) replaced by ``text`` (None: deleted)."""
    lines = path.read_text().splitlines()
    lines[number - 1: number] = [] if text is None else [text]
    path.write_text("\n".join(lines) + "\n")
    return path


def source(tmp_path: Path, ids, **spectrum) -> dict:
    """An ingest source: water molecules ``ids`` as .xyz files and one spectrum kind ``xas``."""
    structures = write_xyz_dir(tmp_path / "structures", ids=ids)
    return {"generator": "ingest", "structures": {"path": str(structures), "format": "xyz_dir"},
            "spectra": {"xas": {k: str(v) if isinstance(v, Path) else v for k, v in spectrum.items()}}}


def rows(name: str, skip: int) -> np.ndarray:
    return np.loadtxt(DATA / name, skiprows=skip)


# FDMNES ----------------------------------------------------------------------------------------------


def test_fdmnes_plain_output_gives_relative_energies_and_the_edge():
    s = read_fdmnes_spectrum(DATA / "fdmnes/w0_1.txt")
    assert len(s.energy) == 30 and s.edge_energy == 543.1
    assert (s.energy[0], s.energy[-1]) == (-10.0, 19.0)
    assert (s.intensity[0], s.intensity[-1]) == (2.1412915e-02, 4.4009090e-01)
    assert (s.lines[0], s.lines[-1]) == (3, 32)


def test_fdmnes_absolute_energy_adds_the_header_edge():
    s = read_fdmnes_spectrum(DATA / "fdmnes/w0_1.txt", absolute_energy=True)
    np.testing.assert_allclose([s.energy[0], s.energy[-1]], [533.1, 562.1], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(s.intensity, rows("fdmnes/w0_1.txt", 2)[:, 1])


def test_fdmnes_conv_output_has_no_edge():
    s = read_fdmnes_spectrum(DATA / "fdmnes/w1_conv.txt")
    assert len(s.energy) == 41 and s.edge_energy is None
    assert (s.energy[0], s.energy[-1], s.intensity[0], s.intensity[-1]) == (-8.0, 12.0, 3.1185208e-02, 3.9779412e-01)
    with pytest.raises(IngestError, match=r"w1_conv.txt: absolute_energy needs the edge energy, but no header line"):
        read_fdmnes_spectrum(DATA / "fdmnes/w1_conv.txt", absolute_energy=True)


@pytest.mark.parametrize(("pattern", "edge"), [("*_conv.txt", None), ("*_1.txt", 543.1)])
def test_fdmnes_directory_takes_sample_ids_from_the_file_names(pattern, edge):
    ids, spectra = code_formats.read_spectra({"path": DATA / "fdmnes", "format": "fdmnes", "pattern": pattern})
    assert ids == ["w0", "w1"] and [s.edge_energy for s in spectra] == [edge, edge]


def test_fdmnes_ingest_puts_the_conv_spectra_on_the_grid(tmp_path):
    grid = {"start": -6.0, "stop": 10.0, "step": 0.5}
    raw = ingest(source(tmp_path, ["w0", "w1"], path=DATA / "fdmnes", format="fdmnes", grid=grid))
    np.testing.assert_allclose(raw["energy_xas"].values, np.arange(-6.0, 10.01, 0.5))
    for k in range(2):
        table = rows(f"fdmnes/w{k}_conv.txt", 1)
        np.testing.assert_allclose(raw["spectrum_xas"].values[k], table[4:37, 1], rtol=1e-12)


def test_fdmnes_ingest_with_absolute_energies(tmp_path):
    grid = {"start": 535.1, "stop": 555.1, "step": 1.0}
    raw = ingest(source(tmp_path, ["w0", "w1"], path=DATA / "fdmnes", format="fdmnes", pattern="*_1.txt",
                        absolute_energy=True, grid=grid))
    np.testing.assert_allclose(raw["spectrum_xas"].values[1], rows("fdmnes/w1_1.txt", 2)[2:23, 1], rtol=1e-9)


# FEFF ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("column", "energy_column", "first", "last"), [
    ("mu", "omega", (525.0, 7.79791e-02), (555.0, 9.71142e-01)),
    ("mu0", "e", (-7.0, 7.79791e-02), (23.0, 9.71142e-01)),
    ("chi", "omega", (525.0, 9.85323e-15), (555.0, -9.99201e-16)),
])
def test_feff_xmu_columns_by_name(column, energy_column, first, last):
    s = read_feff_spectrum(DATA / "feff/w0/xmu.dat", column, energy_column)
    assert len(s.energy) == 31 and s.lines[0] == 13
    assert (s.energy[0], s.intensity[0]) == first and (s.energy[-1], s.intensity[-1]) == last


def test_feff_sample_ids_from_run_directories_or_file_names(tmp_path):
    ids, spectra = code_formats.read_spectra({"path": DATA / "feff", "format": "feff"})
    assert ids == ["w0", "w1"] and spectra[1].intensity[0] == rows("feff/w1/xmu.dat", 12)[0, 3]
    for sample_id in ids:
        shutil.copy(DATA / f"feff/{sample_id}/xmu.dat", tmp_path / f"{sample_id}_xmu.dat")
    flat_ids, flat = code_formats.read_spectra({"path": tmp_path, "format": "feff", "pattern": "*_xmu.dat"})
    assert flat_ids == ids and np.array_equal(flat[1].intensity, spectra[1].intensity)


def test_feff_ingest_and_input_files(tmp_path):
    spec = source(tmp_path, ["w0", "w1"], path=DATA / "feff", format="feff",
                  grid={"start": 526.0, "stop": 554.0, "step": 2.0})
    raw = ingest(spec)
    np.testing.assert_allclose(raw["spectrum_xas"].values[0], rows("feff/w0/xmu.dat", 12)[1:30:2, 3], rtol=1e-12)
    assert str(DATA / "feff/w1/xmu.dat") in input_files(spec)


# ORCA ------------------------------------------------------------------------------------------------


def test_cm1_per_ev_is_the_exact_si_value():
    assert CM1_PER_EV == pytest.approx(8065.543937349212, rel=1e-15)


def test_orca5_table_in_cm1_is_converted_and_skips_spin_forbidden_rows():
    energy, fosc = orca_sticks(DATA / "orca/v5/w0.out")
    np.testing.assert_array_equal(energy, np.array(ORCA_CM1) / CM1_PER_EV)
    np.testing.assert_array_equal(fosc, ORCA_FOSC)  # the electric-dipole table, not the velocity one below it
    np.testing.assert_allclose(energy, ORCA_ENERGIES, atol=1e-5)


def test_orca6_reads_the_ev_column_and_the_xes_table():
    energy, fosc = orca_sticks(DATA / "orca/v6/w0.out")
    np.testing.assert_array_equal(energy, ORCA_ENERGIES)
    np.testing.assert_array_equal(fosc, ORCA_FOSC)
    energy, fosc = orca_sticks(DATA / "orca/v6/w0.out", " ".join(XES.split()))
    assert energy.tolist() == [524.372018, 525.806311, 527.140925] and fosc.tolist()[-1] == 0.001274096


def test_gaussian_broadening_keeps_each_sticks_area_and_position():
    axis = broadening_axis({"start": 500.0, "stop": 545.0, "step": 0.5}, 1.0)
    assert np.allclose(np.diff(axis), 0.05) and (axis[0], axis[-1]) == (500.0, 545.0)
    s = read_orca_spectrum(DATA / "orca/v6/w0.out", axis, "gaussian", 1.0)
    assert np.trapezoid(s.intensity, s.energy) == pytest.approx(sum(ORCA_FOSC), rel=1e-9)
    assert abs(s.energy[np.argmax(s.intensity)] - ORCA_ENERGIES[1]) < 0.05  # the strongest stick
    one = code_formats.broaden(axis, [521.6], [2.0], "gaussian", 1.0)
    assert one.max() == pytest.approx(2.0 / (FWHM_TO_SIGMA * np.sqrt(2 * np.pi)), rel=1e-6)
    assert axis[np.argmax(one)] == pytest.approx(521.6) and np.trapezoid(one, axis) == pytest.approx(2.0, rel=1e-9)


def test_lorentzian_broadening_area_is_the_strength_within_the_axis():
    axis = broadening_axis({"start": 500.0, "stop": 545.0, "step": 0.5}, 0.8)
    s = read_orca_spectrum(DATA / "orca/v5/w0.out", axis, "lorentzian", 0.8)
    gamma, (lo, hi) = 0.4, (axis[0], axis[-1])
    inside = sum(f * (np.arctan((hi - e) / gamma) - np.arctan((lo - e) / gamma)) / np.pi
                 for e, f in zip(ORCA_ENERGIES, ORCA_FOSC))
    assert np.trapezoid(s.intensity, s.energy) == pytest.approx(inside, rel=1e-5)
    peak = code_formats.broaden(axis, [521.6], [1.0], "lorentzian", 0.8).max()
    assert peak == pytest.approx(1.0 / (np.pi * gamma), rel=1e-9)


def test_orca_ingest_interpolates_the_fine_spectrum_onto_the_grid(tmp_path):
    grid = {"start": 515.0, "stop": 530.0, "step": 0.5}
    spec = source(tmp_path, ["w0"], path=DATA / "orca/v6", format="orca", grid=grid,
                  broadening={"shape": "gaussian", "fwhm": 1.0})
    raw = ingest(spec)
    exact = broaden_sticks(raw["energy_xas"].values, ORCA_ENERGIES, ORCA_FOSC, 1.0)
    np.testing.assert_allclose(raw["spectrum_xas"].values[0], exact, rtol=0, atol=1e-4 * exact.max())


# ASE frames ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("energy", [{"energy_key": "xas_energy"}, {"energy": DATA / "ase/energy.txt"}])
def test_ase_frames_carry_spectra_in_their_info(energy):
    ids, spectra = code_formats.read_spectra({"path": DATA / "ase/frames.extxyz", "format": "ase",
                                              "spectrum_key": "xas", "id_key": "id", **energy})
    assert ids == ["w0", "w1", "w2"] and spectra[2].origin.endswith("frames.extxyz, frame 2 (sample 'w2')")
    assert (spectra[0].energy[0], spectra[0].energy[-1], len(spectra[0].energy)) == (530.0, 541.0, 12)
    assert (spectra[1].intensity[0], spectra[2].intensity[-1]) == (0.050077, 0.438475)


def test_ase_traj_and_structures_from_the_same_file(tmp_path):
    traj = tmp_path / "frames.traj"
    ase.io.write(traj, ase.io.read(DATA / "ase/frames.extxyz", index=":"))
    spec = {"path": str(traj), "format": "ase", "spectrum_key": "xas", "energy_key": "xas_energy", "id_key": "id"}
    raw = ingest({"structures": {"path": str(traj), "format": "ase", "id_key": "id"}, "spectra": {"xas": spec}})
    assert list(raw["sample_id"].values) == ["w0", "w1", "w2"] and raw["spectrum_xas"].values[2, -1] == 0.438475
    no_ids = {k: v for k, v in spec.items() if k != "id_key"}
    assert code_formats.read_spectra(no_ids)[0] is None  # frames then follow the structures' order
    assert input_files({"structures": {"path": str(traj), "format": "ase"},
                        "spectra": {"xas": {**no_ids, "energy": "axis.txt"}}}) == sorted(["axis.txt", str(traj)])


# The energy axis: named before the intensities are checked -------------------------------------------


def text_spectrum(tmp_path: Path, energy, intensity, **spectrum) -> dict:
    """A text_dir source with one spectrum file w0.txt of the given columns."""
    (tmp_path / "xas").mkdir()
    (tmp_path / "xas" / "w0.txt").write_text("E I\n" + "".join(f"{e} {i}\n" for e, i in zip(energy, intensity)))
    return source(tmp_path, ["w0"], path=tmp_path / "xas", format="text_dir", **spectrum)


def test_swapped_columns_are_named_before_a_negative_intensity(tmp_path):
    """FDMNES relative energies (negative below the edge) read as intensities used to report a negative
    intensity; the energy column, read from the intensities, is named first."""
    table = rows("fdmnes/w0_1.txt", 2)
    spec = text_spectrum(tmp_path, table[:, 1], table[:, 0])
    with pytest.raises(IngestError, match=r"w0.txt, line \d+: the energy column does not increase .*swapped\? "
                                          r"\(energy_column / column in the config\)"):
        ingest(spec)


@pytest.mark.parametrize(("energy", "message"), [
    (np.linspace(540.0, 530.0, 11), r"w0.txt: the energies decrease \(540 to 530\): list them from low to high"),
    (np.linspace(0.530, 0.540, 11), r"w0.txt: the energy column \(11 points, 0.53 to 0.54\) does not look like "
                                    r"energies in eV"),
    (np.linspace(530.0, 540.0, 11) * CM1_PER_EV, r"does not look like energies in eV .*cm⁻¹ or keV\?"),
])
def test_energies_that_decrease_or_are_not_ev_are_named(tmp_path, energy, message):
    with pytest.raises(IngestError, match=message):
        ingest(text_spectrum(tmp_path, energy, np.linspace(-1.0, 1.0, 11)))


# Bad files name the file and the line ----------------------------------------------------------------


@pytest.mark.parametrize(("name", "number", "text", "options", "message"), [
    ("fdmnes/w0_1.txt", 10, "    -3.000  oops", {}, r"w0_1.txt, line 10: not a row of numbers: '-3.000  oops'"),
    ("fdmnes/w0_1.txt", 2, None, {}, r"w0_1.txt: no header line naming the columns \('Energy …'\) above the data"),
    ("fdmnes/w0_1.txt", 1, "   5x3.100    8  1 = E_edge, Z, n_edge", {"absolute_energy": True},
     r"w0_1.txt, line 1: E_edge is not a number"),
    ("fdmnes/w0_conv.txt", 1, "    Energy    <xanes>    ", {"column": "<dafs>"},
     r"w0_conv.txt, line 1: no column '<dafs>' \(columns: \['Energy', '<xanes>'\]\)"),
    ("feff/w0/xmu.dat", 20, "     532.000      0.000   0.000", {},
     r"xmu.dat, line 20: 3 columns, expected 6 as on line 13"),
    ("feff/w0/xmu.dat", 12, "#  omega    e    k    mu    chi     @#", {"column": "mu0"},
     r"xmu.dat, line 12: names 5 column\(s\) \['omega', 'e', 'k', 'mu', 'chi'\], the rows below have 6"),
])
def test_bad_text_outputs_name_file_and_line(tmp_path, name, number, text, options, message):
    path = spoil(sample(tmp_path, name), number, text)
    read = read_fdmnes_spectrum if name.startswith("fdmnes") else read_feff_spectrum
    with pytest.raises(IngestError, match=message):
        read(path, **options)


@pytest.mark.parametrize(("number", "text", "table", "message"), [
    (None, None, XES, r"w0.out: no table 'X-RAY   EMISSION .*' \(spectrum tables found: \['ABSORPTION SPECTRUM"),
    (33, "   2 4207181.9      2.4   0.0173O4811   0.00140   0.03741   0.00000   0.00000", None,
     r"w0.out, line 33: not a row of 7 numbers after a state label: '2 4207181.9"),
    (29, "State   Energy    Wavelength  f_osc        T2        TX        TY        TZ  ", None,
     r"w0.out, line 29: no oscillator strength column 'fosc…'"),
    (30, "        (Eh)        (nm)                 (au**2)    (au)      (au)      (au) ", None,
     r"w0.out, line 30: no energy column in \(eV\) or \(cm-1\)"),
    (31, "", None, r"w0.out, line 27: table 'ABSORPTION SPECTRUM VIA TRANSITION ELECTRIC DIPOLE MOMENTS' has no rows"),
])
def test_bad_orca_outputs_name_file_and_line(tmp_path, number, text, table, message):
    path = spoil(sample(tmp_path, "orca/v5/w0.out"), number, text) if number else DATA / "orca/v5/w0.out"
    with pytest.raises(IngestError, match=message):
        orca_sticks(path, *([table] if table else []))


@pytest.mark.parametrize(("options", "message"), [
    ({"spectrum_key": "xes", "energy_key": "xas_energy"}, r"frames.extxyz, frame 0: no 'xes' in its info"),
    ({"spectrum_key": "id", "energy_key": "xas_energy"}, r"frame 0: info 'id' is 'w0', expected an array of numbers"),
    ({"spectrum_key": "xas", "energy_key": "xas_energy", "id_key": "name"}, r"frame 0: no 'name' in its info"),
    ({"spectrum_key": "xas"}, r"frames.extxyz: give the energies either as energy_key"),
])
def test_bad_ase_spectra_name_the_frame(options, message):
    with pytest.raises(IngestError, match=message):
        code_formats.read_spectra({"path": DATA / "ase/frames.extxyz", "format": "ase", **options})


# The config schema knows every new format and its options ---------------------------------------------

EXAMPLE = REPO / "config" / "examples" / "xyz-dir.yaml"
SCHEMA = REPO / "schemas" / "config.schema.yaml"


def validated(spectrum: dict) -> dict:
    """The example config with its xas spectra replaced by ``spectrum``, validated (defaults filled)."""
    config = yaml.safe_load(EXAMPLE.read_text())
    config["datasets"]["water_own"]["source"]["spectra"]["xas"] = spectrum
    return validate_config(config, SCHEMA)["datasets"]["water_own"]["source"]["spectra"]["xas"]


GRID = {"start": 532.0, "stop": 544.0, "step": 0.5}  # covers the example's target windows


@pytest.mark.parametrize(("spectrum", "defaults"), [
    ({"format": "fdmnes"}, {"pattern": "*_conv.txt", "column": "<xanes>", "absolute_energy": False}),
    ({"format": "feff"}, {"pattern": "*/xmu.dat", "column": "mu", "energy_column": "omega"}),
    ({"format": "orca", "grid": GRID, "broadening": {"fwhm": 1.0}},
     {"pattern": "*.out", "table": code_formats.ORCA_TABLE, "broadening": {"fwhm": 1.0, "shape": "gaussian"}}),
    ({"format": "ase", "spectrum_key": "xas", "energy": "e.txt"}, {"spectrum_key": "xas", "energy": "e.txt"}),
])
def test_schema_fills_the_defaults_of_each_format(spectrum, defaults):
    filled = validated({"path": "data/x", **spectrum})
    assert {key: filled[key] for key in defaults} == defaults


@pytest.mark.parametrize(("spectrum", "message"), [
    ({"format": "orca", "grid": GRID}, r"'broadening' is a required property"),
    ({"format": "orca", "grid": GRID, "broadening": {"shape": "voigt", "fwhm": 1.0}}, r"'voigt' is not one of"),
    ({"format": "feff", "column": "xmu"}, r"'xmu' is not one of \['mu', 'mu0', 'chi'\]"),
    ({"format": "ase", "spectrum_key": "xas"}, r"is not valid under any of the given schemas"),
    ({"format": "fdmnes", "energy_column": 1}, r"'energy_column' was unexpected"),
])
def test_schema_rejects_bad_options(spectrum, message):
    with pytest.raises(ConfigError, match=message):
        validated({"path": "data/x", **spectrum})


# The rows of docs/errors.md for these formats (run by tests/test_error_catalogue.py) ------------------


def fdmnes_source(tmp_path: Path, **options) -> dict:
    return source(tmp_path, ["w0", "w1"], path=sample(tmp_path, "fdmnes"), format="fdmnes", **options)


def orca_source(tmp_path: Path, **options) -> dict:
    return source(tmp_path, ["w0"], path=sample(tmp_path, "orca/v5"), format="orca",
                  **{"grid": {"start": 515.0, "stop": 530.0, "step": 0.5}, "broadening": {"fwhm": 1.0}, **options})


def ase_source(tmp_path: Path, **options) -> dict:
    frames = str(sample(tmp_path, "ase/frames.extxyz"))
    return {"structures": {"path": frames, "format": "ase", "id_key": "id"},
            "spectra": {"xas": {"path": frames, "format": "ase", "id_key": "id", **options}}}


def spoiled_ingest(make, name: str, number: int, text: str | None, **options):
    """A case: ingest the source ``make`` builds after spoiling line ``number`` of its file ``name``."""
    def case(tmp_path):
        spec = make(tmp_path, **options)
        spoil(tmp_path / name, number, text)
        return ingest(spec)
    return case


def orca_without(tmp_path, what: str):
    """An ORCA case: the output cut after its table's title (``what`` = title), or the config without a grid."""
    spec = orca_source(tmp_path)
    if what == "grid":
        del spec["spectra"]["xas"]["grid"]
    else:
        path = tmp_path / "orca/v5/w0.out"
        path.write_text("\n".join(path.read_text().splitlines()[:28]) + "\n")
    return ingest(spec)


def short_axis(tmp_path):
    (tmp_path / "short.txt").write_text("530\n531\n532\n")
    return ingest(ase_source(tmp_path, spectrum_key="xas", energy=tmp_path / "short.txt"))


def swapped_columns(tmp_path):
    table = rows("fdmnes/w0_1.txt", 2)
    return ingest(text_spectrum(tmp_path, table[:, 1], table[:, 0]))


FORMAT_CASES = {
    "data-energy-not-increasing": swapped_columns,
    "data-energy-decreasing": lambda tmp: ingest(text_spectrum(tmp, np.linspace(540, 530, 11), np.ones(11))),
    "data-energy-not-ev": lambda tmp: ingest(text_spectrum(tmp, np.linspace(7.1, 7.2, 11), np.ones(11))),
    "data-fdmnes-no-edge": lambda tmp: ingest(fdmnes_source(tmp, absolute_energy=True)),
    "data-fdmnes-bad-edge": spoiled_ingest(fdmnes_source, "fdmnes/w1_1.txt", 1, "  5x3.100  8 = E_edge, Z",
                                           pattern="*_1.txt", absolute_energy=True),
    "data-fdmnes-unknown-column": lambda tmp: ingest(fdmnes_source(tmp, column="<dafs>")),
    "data-no-column-names": spoiled_ingest(fdmnes_source, "fdmnes/w1_conv.txt", 1, None),
    "data-column-names-differ": spoiled_ingest(fdmnes_source, "fdmnes/w1_conv.txt", 1, "    Energy"),
    "data-orca-no-table": lambda tmp: ingest(orca_source(tmp, table=XES)),
    "data-orca-ends-early": lambda tmp: orca_without(tmp, "header"),
    "data-orca-no-fosc": spoiled_ingest(orca_source, "orca/v5/w0.out", 29, "State   Energy    Wavelength  T2"),
    "data-orca-energy-units": spoiled_ingest(orca_source, "orca/v5/w0.out", 30, "        (Eh)      (nm)"),
    "data-orca-bad-row": spoiled_ingest(orca_source, "orca/v5/w0.out", 33, "   2 4207181.9  2.4  0.0173O4811"),
    "data-orca-no-rows": spoiled_ingest(orca_source, "orca/v5/w0.out", 31, ""),
    "data-orca-no-grid": lambda tmp: orca_without(tmp, "grid"),
    "data-ase-missing-key": lambda tmp: ingest(ase_source(tmp, spectrum_key="xes", energy_key="xas_energy")),
    "data-ase-not-an-array": lambda tmp: ingest(ase_source(tmp, spectrum_key="id", energy_key="xas_energy")),
    "data-ase-lengths-differ": short_axis,
    "data-ase-energy-twice": lambda tmp: ingest(ase_source(tmp, spectrum_key="xas")),
}

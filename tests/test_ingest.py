"""The ingest source: user files in every supported layout → raw.nc, and the errors that name the culprit."""

from pathlib import Path

import ase
import ase.io
import numpy as np
import pytest
import xarray as xr

from xraylatent.data.features import SampleError, featurize
from xraylatent.data.sources.ingest import ingest, input_files
from xraylatent.data.sources.readers import IngestError

IDS = ["w0", "w1", "w2", "w3"]
ENERGY = np.linspace(530.0, 540.0, 11)
FDMNES_HEADER = "   7112.00   8  1 = E_edge, Z, n_edge\n    Energy    <xanes>    <other>\n"


def water(i: int) -> np.ndarray:
    """O, H, H positions (Å) of molecule ``i``: bonds 0.9 + 0.05 i and 1.0, angle 90°."""
    return np.array([[0.0, 0.0, 0.0], [0.9 + 0.05 * i, 0.0, 0.0], [0.0, 1.0, 0.0]])


def intensity(i: int, energy) -> np.ndarray:
    """A linear spectrum (so linear interpolation is exact), positive on 520–560 eV."""
    return 1.0 + i + 0.1 * (np.asarray(energy) - 530.0)


def write_xyz_dir(root: Path, ids=IDS, symbols=("8", "H", "1")) -> Path:
    """One .xyz per structure; elements as given (numbers and symbols mixed on purpose)."""
    root.mkdir(parents=True, exist_ok=True)
    for i, sample_id in enumerate(ids):
        rows = [f"{s} {x:.10f} {y:.10f} {z:.10f}" for s, (x, y, z) in zip(symbols, water(i))]
        (root / f"{sample_id}.xyz").write_text(f"{len(rows)}\n12 7 free comment\n" + "\n".join(rows) + "\n")
    return root


def write_text_spectra(root: Path, ids=IDS, energies=None, suffix="_conv.txt") -> Path:
    """FDMNES-like files: a header, then energy, intensity and a second intensity column (2 × the first)."""
    root.mkdir(parents=True, exist_ok=True)
    for i, sample_id in enumerate(ids):
        energy = ENERGY if energies is None else energies[i]
        rows = [f"{e:.6f} {intensity(i, e):.10f} {2 * intensity(i, e):.10f}" for e in energy]
        (root / f"{sample_id}{suffix}").write_text(FDMNES_HEADER + "\n".join(rows) + "\n")
    return root


def xyz_source(tmp_path: Path, **spectrum) -> dict:
    return {
        "generator": "ingest",
        "structures": {"path": str(write_xyz_dir(tmp_path / "structures")), "format": "xyz_dir"},
        "spectra": {"xas": {"path": str(write_text_spectra(tmp_path / "xas")), "format": "text_dir",
                            "pattern": "*_conv.txt", **spectrum}},
    }


def expected_spectra(energy=ENERGY) -> np.ndarray:
    return np.array([intensity(i, energy) for i in range(len(IDS))])


# Layouts ---------------------------------------------------------------------------------------------


def test_xyz_dir_and_text_spectra_give_the_contract_layout(tmp_path):
    raw = ingest(xyz_source(tmp_path))
    assert list(raw["sample_id"].values) == IDS
    assert raw["numbers"].dims == ("atom",) and raw["numbers"].values.tolist() == [8, 1, 1]
    np.testing.assert_allclose(raw["positions"].values, [water(i) for i in range(4)], atol=1e-9)
    assert raw["positions"].attrs["units"] == "angstrom" and raw["energy_xas"].attrs["units"] == "eV"
    np.testing.assert_allclose(raw["energy_xas"].values, ENERGY)
    np.testing.assert_allclose(raw["spectrum_xas"].values, expected_spectra(), atol=1e-9)


@pytest.mark.parametrize(("column", "factor"), [(2, 2.0), ("average", 1.5)])
def test_intensity_column_by_index_or_average(tmp_path, column, factor):
    raw = ingest(xyz_source(tmp_path, column=column))
    np.testing.assert_allclose(raw["spectrum_xas"].values, factor * expected_spectra(), atol=1e-9)


def test_spectra_on_different_grids_are_interpolated_onto_the_config_grid(tmp_path):
    energies = [np.linspace(529.0 - i, 541.0 + i, 25 + 4 * i) for i in range(4)]
    source = xyz_source(tmp_path)
    write_text_spectra(tmp_path / "xas", energies=energies)
    source["spectra"]["xas"]["grid"] = {"start": 530.0, "stop": 540.0, "step": 0.5}
    raw = ingest(source)
    grid = np.arange(530.0, 540.01, 0.5)
    np.testing.assert_allclose(raw["energy_xas"].values, grid)
    np.testing.assert_allclose(raw["spectrum_xas"].values, expected_spectra(grid), atol=1e-9)


def write_ase(path: Path, order=IDS) -> Path:
    frames = []
    for sample_id in order:
        atoms = ase.Atoms("OHH", positions=water(IDS.index(sample_id)))
        atoms.info["id"] = sample_id
        frames.append(atoms)
    ase.io.write(path, frames)
    return path


@pytest.mark.parametrize("name", ["frames.extxyz", "frames.traj"])
def test_ase_trajectory_with_ids_pairs_spectra_by_id(tmp_path, name):
    order = ["w2", "w0", "w3", "w1"]
    source = {"structures": {"path": str(write_ase(tmp_path / name, order)), "format": "ase", "id_key": "id"},
              "spectra": {"xas": {"path": str(write_text_spectra(tmp_path / "xas")), "format": "text_dir",
                                  "pattern": "*_conv.txt"}}}
    raw = ingest(source)
    assert list(raw["sample_id"].values) == order
    rows = [IDS.index(s) for s in order]
    np.testing.assert_allclose(raw["spectrum_xas"].values, expected_spectra()[rows], atol=1e-9)
    np.testing.assert_allclose(raw["positions"].values, [water(i) for i in rows], atol=1e-9)


def array_spectra(tmp_path: Path, fmt: str) -> dict:
    """The expected spectra written in layout ``fmt``; id-keyed layouts get their rows in reverse order."""
    values = expected_spectra()
    (tmp_path / "energy.txt").write_text("\n".join(f"{e}" for e in ENERGY))
    if fmt == "npy":
        np.save(tmp_path / "xas.npy", values)
        return {"path": str(tmp_path / "xas.npy"), "format": "npy", "energy": str(tmp_path / "energy.txt")}
    if fmt == "npz":
        np.savez(tmp_path / "xas.npz", spectra=values[::-1], energy=ENERGY, sample_id=IDS[::-1])
        return {"path": str(tmp_path / "xas.npz"), "format": "npz"}
    if fmt == "csv":
        rows = [f"{s}," + ",".join(f"{v:.12g}" for v in row) for s, row in zip(IDS[::-1], values[::-1])]
        (tmp_path / "xas.csv").write_text("sample_id," + ",".join(f"e{k}" for k in range(len(ENERGY))) + "\n"
                                          + "\n".join(rows) + "\n")
        return {"path": str(tmp_path / "xas.csv"), "format": "csv", "energy": str(tmp_path / "energy.txt")}
    xr.Dataset({"xas": (("id", "e"), values[::-1]), "sample_id": ("id", IDS[::-1])},
               coords={"e": ENERGY}).to_netcdf(tmp_path / "xas.nc")
    return {"path": str(tmp_path / "xas.nc"), "format": "netcdf", "variable": "xas"}


@pytest.mark.parametrize("fmt", ["npy", "npz", "csv", "netcdf"])
def test_array_layouts_give_the_same_spectra(tmp_path, fmt):
    source = xyz_source(tmp_path)
    source["spectra"] = {"xas": array_spectra(tmp_path, fmt), "xes": source["spectra"]["xas"]}
    raw = ingest(source)
    np.testing.assert_allclose(raw["spectrum_xas"].values, expected_spectra(), atol=1e-9)
    np.testing.assert_allclose(raw["spectrum_xes"].values, expected_spectra(), atol=1e-9)


def test_variable_composition_is_padded_with_atomic_number_zero(tmp_path):
    source = xyz_source(tmp_path)
    (tmp_path / "structures" / "w3.xyz").write_text("2\n\nO 0 0 0\nH 1 0 0\n")
    raw = ingest(source)
    assert raw["numbers"].dims == ("sample", "atom")
    assert raw["numbers"].values[3].tolist() == [8, 1, 0] and raw["numbers"].values[0].tolist() == [8, 1, 1]


def test_labels_become_variables_with_units_and_a_group(tmp_path):
    source = xyz_source(tmp_path)
    (tmp_path / "labels.csv").write_text("phase,sample_id,temperature [K]\n"
                                         + "".join(f"ice,{s},{300 + 10 * k}\n" for k, s in enumerate(IDS[::-1])))
    source["labels"] = {"path": str(tmp_path / "labels.csv"), "group": "temperature"}
    raw = ingest(source)
    np.testing.assert_allclose(raw["temperature"].values, [330, 320, 310, 300])
    assert raw["temperature"].attrs["units"] == "K" and raw.attrs["group_label"] == "temperature"
    assert list(raw["phase"].values) == ["ice"] * 4


def test_input_files_lists_every_configured_file(tmp_path):
    source = xyz_source(tmp_path)
    source["spectra"]["xes"] = array_spectra(tmp_path, "npy")
    files = input_files(source)
    assert len(files) == 4 + 4 + 2 and str(tmp_path / "xas" / "w2_conv.txt") in files
    assert str(tmp_path / "energy.txt") in files


# Errors name the culprit -----------------------------------------------------------------------------


def test_unpaired_files_list_stems_on_each_side(tmp_path):
    source = xyz_source(tmp_path)
    (tmp_path / "xas" / "w1_conv.txt").rename(tmp_path / "xas" / "w9_conv.txt")
    with pytest.raises(IngestError, match=r"unpaired; 1 structure\(s\) without an entry \['w1'\], "
                                          r"1 entr\(y/ies\) without a structure \['w9'\]"):
        ingest(source)


def test_mismatched_atom_order_is_named_by_a_fixed_topology_featurizer(tmp_path):
    source = xyz_source(tmp_path)
    (tmp_path / "structures" / "w2.xyz").write_text("3\n\nH 1 0 0\nO 0 0 0\nH 0 1 0\n")
    raw = ingest(source)
    with pytest.raises(SampleError, match=r"sample 2 \('w2'\): atoms HOH \(3 atoms\) differ from sample 0's OHH"):
        featurize(raw["positions"].values, raw["numbers"].values, "internal_coordinates",
                  sample_ids=raw["sample_id"].values, bonds={"r": [0, 1]})


def test_non_numeric_line_names_file_and_line(tmp_path):
    source = xyz_source(tmp_path)
    path = tmp_path / "xas" / "w1_conv.txt"
    lines = path.read_text().splitlines()
    lines[5] = "531.0 oops 2.0"
    path.write_text("\n".join(lines))
    with pytest.raises(IngestError, match=rf"{path}, line 6: not a row of numbers"):
        ingest(source)


@pytest.mark.parametrize(("value", "message"), [("nan", "intensity is nan"), ("inf", "intensity is inf"),
                                                ("-5.0", "negative intensity -5")])
def test_bad_intensity_names_file_and_line(tmp_path, value, message):
    source = xyz_source(tmp_path)
    path = tmp_path / "xas" / "w3_conv.txt"
    lines = path.read_text().splitlines()
    lines[4] = f"532.0 {value} 1.0"
    path.write_text("\n".join(lines))
    with pytest.raises(IngestError, match=rf"{path}, line 5: {message}"):
        ingest(source)


def test_all_zero_spectrum_names_the_sample(tmp_path):
    source = xyz_source(tmp_path)
    source["spectra"]["xas"] = array_spectra(tmp_path, "npz")
    np.savez(tmp_path / "xas.npz", spectra=np.zeros((4, len(ENERGY))), energy=ENERGY, sample_id=IDS)
    with pytest.raises(IngestError, match=rf"{tmp_path / 'xas.npz'}, row 0 \(sample 'w0'\): spectrum is all zero"):
        ingest(source)


def test_grid_not_covered_names_the_file(tmp_path):
    source = xyz_source(tmp_path, grid={"start": 525.0, "stop": 540.0, "step": 1.0})
    with pytest.raises(IngestError, match=rf"{tmp_path / 'xas' / 'w0_conv.txt'}: requested grid 525–540 eV is "
                                         r"not covered by the data's energies 530–540 eV"):
        ingest(source)


def test_different_grids_without_a_config_grid_are_an_error(tmp_path):
    source = xyz_source(tmp_path)
    write_text_spectra(tmp_path / "xas", energies=[ENERGY, ENERGY, ENERGY + 0.5, ENERGY])
    with pytest.raises(IngestError, match=r"energy grids differ .*w2_conv.txt: 11 points 530.5–540.5 eV\); "
                                          r"set spectra.xas.grid"):
        ingest(source)


def test_duplicate_sample_ids_are_named(tmp_path):
    source = xyz_source(tmp_path)
    (tmp_path / "labels.csv").write_text("sample_id,pressure\nw0,1\nw1,2\nw2,3\nw3,4\nw1,5\n")
    source["labels"] = {"path": str(tmp_path / "labels.csv")}
    with pytest.raises(IngestError, match=r"labels \(.*labels.csv\): duplicate sample id\(s\) \['w1'\]"):
        ingest(source)
    source["structures"] = {"path": str(write_ase(tmp_path / "f.extxyz", ["w0", "w1", "w0"])), "format": "ase",
                            "id_key": "id"}
    with pytest.raises(IngestError, match=r"structures \(.*f.extxyz\): duplicate sample id\(s\) \['w0'\]"):
        ingest(source)


@pytest.mark.parametrize(("header", "group", "message"), [
    ("phase", "phase", r"group label 'phase' is not a numeric column"),
    ("numbers", None, r"label column 'numbers' clashes with a raw.nc variable"),
])
def test_bad_label_columns_are_named(tmp_path, header, group, message):
    source = xyz_source(tmp_path)
    (tmp_path / "labels.csv").write_text(f"sample_id,{header}\n" + "".join(f"{s},a\n" for s in IDS))
    source["labels"] = {"path": str(tmp_path / "labels.csv"), **({"group": group} if group else {})}
    with pytest.raises(IngestError, match=rf"{tmp_path / 'labels.csv'}: {message}"):
        ingest(source)


@pytest.mark.parametrize(("row", "message"), [("Xq 0 0 0", "line 4: 'Xq' is neither an element symbol"),
                                              ("H 0 zero 0", "line 4: coordinates are not numbers")])
def test_bad_xyz_line_is_named(tmp_path, row, message):
    source = xyz_source(tmp_path)
    path = tmp_path / "structures" / "w1.xyz"
    path.write_text(f"3\n\nO 0 0 0\n{row}\nH 0 1 0\n")
    with pytest.raises(IngestError, match=rf"{path}, {message}"):
        ingest(source)


def test_wrong_atom_count_in_xyz_is_named(tmp_path):
    source = xyz_source(tmp_path)
    path = tmp_path / "structures" / "w1.xyz"
    path.write_text("4\n\nO 0 0 0\nH 1 0 0\nH 0 1 0\n")
    with pytest.raises(IngestError, match=rf"{path}: line 1 announces 4 atoms, the file has 3 atom lines"):
        ingest(source)


def test_atoms_on_top_of_each_other_name_the_frame_and_the_closest_pair(tmp_path):
    frames = [ase.Atoms("OHH", positions=water(i)) for i in range(4)]
    frames[2].positions[2] = frames[2].positions[1] + [0.0, 0.02, 0.0]
    ase.io.write(tmp_path / "frames.extxyz", frames)
    source = xyz_source(tmp_path)
    source["structures"] = {"path": str(tmp_path / "frames.extxyz"), "format": "ase"}
    with pytest.raises(IngestError, match=r"frames.extxyz, frame 2 \(sample '2'\): atoms 1 \(H\) and 2 \(H\) "
                                          r"are 0.02 Å apart, expected at least 0.1 Å"):
        ingest(source)


def test_row_count_mismatch_without_ids_is_named(tmp_path):
    source = xyz_source(tmp_path)
    source["spectra"]["xas"] = array_spectra(tmp_path, "npy")
    np.save(tmp_path / "xas.npy", expected_spectra()[:3])
    with pytest.raises(IngestError, match=r"3 spectra without sample ids for 4 structures"):
        ingest(source)


# The workflow on config/examples/xyz-dir.yaml --------------------------------------------------------

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "examples" / "xyz-dir.yaml"
N_EXAMPLE = 30


def example_truth(n: int = N_EXAMPLE) -> np.ndarray:
    """Bond 1, bond 2 (Å) and H–O–H angle (deg) of the example molecules."""
    k = np.arange(n)
    return np.column_stack([0.92 + 0.006 * k, 1.1 - 0.005 * k, 95.0 + (k * 7) % 25])


def example_xas(truth: np.ndarray, energy: np.ndarray) -> np.ndarray:
    """A pre-edge that moves with the angle and a main edge that moves with the mean bond."""
    pre = 0.3 * np.exp(-0.5 * ((energy - 535.0 - 0.05 * (truth[2] - 104.0)) / 0.6) ** 2)
    main = np.exp(-0.5 * ((energy - 540.0 + 3.0 * (truth[:2].mean() - 1.0)) / 1.2) ** 2)
    return pre + main


def write_example_data(workdir: Path) -> np.ndarray:
    """The layout config/examples/xyz-dir.yaml expects, under workdir/data/water_own; returns the truth."""
    root = workdir / "data" / "water_own"
    (root / "structures").mkdir(parents=True)
    (root / "xas").mkdir()
    truth = example_truth()
    labels = ["sample_id,temperature [K],pressure [GPa]"]
    for k, (b1, b2, alpha) in enumerate(truth):
        sample_id = f"w{k:03d}"
        angle = np.radians(alpha)
        rows = [(8, 0.0, 0.0), ("H", b1, 0.0), (1, b2 * np.cos(angle), b2 * np.sin(angle))]
        (root / "structures" / f"{sample_id}.xyz").write_text(
            f"3\nframe {k} of my run\n" + "".join(f"{z} {x:.10f} {y:.10f} 0.0\n" for z, x, y in rows))
        energy = np.arange(530.0 + 0.03 * (k % 4), 546.0, 0.1)  # each file on its own grid
        xas = example_xas(truth[k], energy)
        (root / "xas" / f"{sample_id}_conv.txt").write_text(
            FDMNES_HEADER + "".join(f"{e:.4f} {a:.10f} {0.5 * a:.10f}\n" for e, a in zip(energy, xas)))
        labels.append(f"{sample_id},{250 + 50 * (k % 2)},{0.1 * k:.1f}")
    (root / "labels.csv").write_text("\n".join(labels) + "\n")
    (root / "measured").mkdir()  # sample w005's spectrum as a beamline would give it, on an energy scale 0.8 eV up
    energy = np.arange(529.0, 547.0, 0.05)
    (root / "measured" / "run1.txt").write_text(
        "# E (eV)  mu\n" + "".join(f"{e + MEASURED_SHIFT:.3f} {a:.8f}\n"
                                    for e, a in zip(energy, example_xas(truth[5], energy), strict=True)))
    return truth


MEASURED_SHIFT = 0.8  # eV


@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    from snakemake_api import snakemake

    workdir = tmp_path_factory.mktemp("own")
    truth = write_example_data(workdir)
    targets = ("results/water_own/xas/prepared.nc", "results/water_own/xas_moments/prepared.nc",
               "results/figures/water_own_spectra.png")
    return workdir, truth, targets, snakemake(workdir, EXAMPLE, targets=targets)


@pytest.mark.slow
def test_example_config_runs_through_prepare_and_the_figure(example_run):
    from xraylatent import io

    workdir, truth, _, ran = example_run
    assert ran == ["featurize", "ingest", "plot_data", "prepare", "prepare", "targets", "targets"]
    raw = io.read_raw(workdir / "results/water_own/raw.nc")
    assert raw.attrs["created_by"] == "ingest" and raw.attrs["group_label"] == "temperature"
    grid = raw["energy_xas"].values
    expected = np.array([example_xas(t, grid) for t in truth])
    np.testing.assert_allclose(raw["spectrum_xas"].values, expected, atol=5e-3)
    features = io.read_features(workdir / "results/water_own/features.nc")
    assert list(features["feature"].values) == ["r_OH1", "r_OH2", "HOH"]
    assert list(features["feature_units"].values) == ["angstrom", "angstrom", "degree"]
    np.testing.assert_allclose(features["X"].values, truth, atol=1e-6)
    assert features["temperature"].attrs["units"] == "K"
    np.testing.assert_allclose(features["pressure"].values, 0.1 * np.arange(N_EXAMPLE), atol=1e-9)
    for target, channels in (("xas", 61), ("xas_moments", 8)):
        prepared = io.read_prepared(workdir / f"results/water_own/{target}/prepared.nc")
        assert prepared.sizes["sample"] == N_EXAMPLE and prepared.sizes["channel"] == channels
    assert (workdir / "results/figures/water_own_spectra.png").stat().st_size > 10_000
    assert "grouped by temperature" in (workdir / "logs/plot_data/water_own.log").read_text()


@pytest.mark.slow
def test_editing_a_data_file_reruns_ingest_and_downstream(example_run):
    from snakemake_api import snakemake

    workdir, _, targets, _ = example_run
    assert snakemake(workdir, EXAMPLE, dryrun=True, targets=targets) == []
    path = workdir / "data/water_own/xas/w007_conv.txt"
    path.write_text(path.read_text() + "# edited\n")
    planned = snakemake(workdir, EXAMPLE, dryrun=True, targets=targets)
    assert planned == ["featurize", "ingest", "plot_data", "prepare", "prepare", "targets", "targets"]


@pytest.mark.slow
def test_example_config_runs_through_the_models_to_the_r2_table(example_run):
    from snakemake_api import snakemake

    from xraylatent import io

    workdir = example_run[0]
    ran = snakemake(workdir, EXAMPLE, targets=("results/tables/r2.md", "results/figures/water_own_xas_measured.png"))
    assert ran.count("fit_model") == 6 and ran.count("fit_eca") == 2  # emulator, EDNN, NNCA per target; ECA
    rows = [line for line in (workdir / "results/tables/r2.md").read_text().splitlines() if line.startswith("|")]
    assert sorted(row.split(" | ")[1] for row in rows[2:]) == ["xas", "xas_moments"]
    # the measured spectrum is read back through NNCA and ECA, its shift found
    assert ran.count("reconstruct_measured") == 1
    measured = io.read_netcdf(workdir / "results/water_own/xas/measured/reconstruction.nc")
    assert list(measured["model"].values) == ["nnca_k1", "eca_k1"] and list(measured["measured"].values) == ["run1"]
    assert float(measured["shift"][0]) == pytest.approx(-MEASURED_SHIFT, abs=0.02)
    assert measured["x_hat"].sizes == {"model": 2, "measured": 1, "feature": 3}


@pytest.mark.slow
def test_a_bad_file_fails_the_ingest_job_with_its_name_and_writes_nothing(tmp_path):
    from snakemake_api import snakemake

    write_example_data(tmp_path)
    (tmp_path / "data/water_own/xas/w004_conv.txt").write_text(FDMNES_HEADER + "531.0 1.0 1.0\n531.1 x 1.0\n")
    with pytest.raises(Exception):  # noqa: B017 - Snakemake reports a failed job with its own exception types
        snakemake(tmp_path, EXAMPLE, targets=("results/water_own/raw.nc",))
    log = (tmp_path / "logs/ingest/water_own.log").read_text()
    assert "data/water_own/xas/w004_conv.txt, line 4: not a row of numbers" in log
    assert not (tmp_path / "results/water_own/raw.nc").exists()


def test_example_config_validates_with_ingest_defaults_and_names_a_wrong_key():
    import yaml

    from xraylatent.config import ConfigError, validate_config

    schema = EXAMPLE.parents[2] / "schemas" / "config.schema.yaml"
    config = validate_config(yaml.safe_load(EXAMPLE.read_text()), schema)
    source = config["datasets"]["water_own"]["source"]
    assert source["spectra"]["xas"]["units"] == "arb. units" and source["spectra"]["xas"]["negative_tolerance"] == 0.01
    config = yaml.safe_load(EXAMPLE.read_text())
    config["datasets"]["water_own"]["source"]["spectra"]["xas"]["colum"] = 2
    with pytest.raises(ConfigError, match=r"datasets\.water_own\.source\.spectra\.xas: .*'colum' was unexpected"):
        validate_config(config, schema)

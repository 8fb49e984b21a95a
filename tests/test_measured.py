"""Measured spectra in: a "measured" spectrum made from a known structure of a planted data set, shifted and noisy,
is aligned by the automatic shift and read back through NNCA and ECA close to that structure."""

import numpy as np
import pytest
import torch
from sklearn.frozen import FrozenEstimator

from xraylatent.data.features import featurize
from xraylatent.data.prepare import prepare, split_arrays
from xraylatent.data.sources import synthetic_h2o
from xraylatent.data.sources.readers import IngestError
from xraylatent.data.targets import build_targets
from xraylatent.interpret.inverse import eca_decoder, nnca_decoder
from xraylatent.interpret.measured import fit_shift, measured_dataset, measured_targets
from xraylatent.io import sample_labels
from xraylatent.models.eca import ECA
from xraylatent.models.estimators import NNCA, Emulator
from xraylatent.report.measured_figure import measured_spectra
from xraylatent.report.tables import measured_markdown

torch.set_num_threads(1)
TARGET = {"type": "spectrum", "kind": "xps", "grid": {"start": 536.0, "stop": 542.0, "step": 0.1}}
SHIFT = 1.3  # eV: the "beamline" energy scale lies 1.3 eV above the simulation's
FAST = dict(learning_rate=1e-2, max_epochs=200, patience=20, batch_size=64, device="cpu")


@pytest.fixture(scope="module")
def planted():
    """The planted XPS data set (one direction), its prepared targets, NNCA and ECA at k=1, and one test sample."""
    raw = synthetic_h2o.generate(n_samples=600, seed=1)
    features = featurize(raw["positions"].values, raw["numbers"].values, "h2o_internal",
                         sample_ids=raw["sample_id"].values).to_dataset(sample_labels(raw))
    targets = build_targets(raw, **TARGET)
    targets["sample_id"] = raw["sample_id"]
    prepared = prepare(features, targets, "spectrum", seed=0)
    (X, Y), test = split_arrays(prepared)["train"], np.flatnonzero(prepared["split"].values == "test")
    nnca = NNCA(1, (32,), **FAST).fit(X, Y)
    emulator = Emulator((32, 32), **FAST).fit(X, Y)
    eca = ECA(FrozenEstimator(emulator), n_components=1).fit(*split_arrays(prepared)["test"])
    return dict(raw=raw, prepared=prepared, nnca=nnca, emulator=emulator, eca=eca, sample=int(test[3]),
                x_true=features["X"].values[test[3]])


def write_measured(tmp_path, raw, sample, shift=SHIFT, noise=0.01, seed=0):
    """The raw XPS spectrum of ``sample`` on a coarser, wider "beamline" axis shifted by ``shift`` (the peak lies
    far inside the simulated range, so zero beyond it), with noise."""
    energy = raw["energy_xps"].values
    beamline = np.arange(energy[0] - 2.0, energy[-1] + 2.0, 0.07) + shift  # wider than the simulation, coarser
    intensity = np.interp(beamline - shift, energy, raw["spectrum_xps"].values[sample], left=0.0, right=0.0)
    intensity += noise * intensity.max() * np.random.default_rng(seed).standard_normal(len(beamline))
    path = tmp_path / "measured.txt"
    path.write_text("# energy (eV)  intensity\n" + "\n".join(f"{e:.4f} {i:.6f}" for e, i in zip(beamline, intensity)))
    return path


def test_the_automatic_shift_undoes_a_known_shift(planted, tmp_path):
    raw = planted["raw"]
    path = write_measured(tmp_path, raw, planted["sample"])
    Y, shift, spectrum = measured_targets({"path": str(path), "shift": "auto", "max_shift": 3.0}, raw, TARGET)
    assert shift == pytest.approx(-SHIFT, abs=0.03)
    assert Y.shape == (61,) and spectrum.origin == str(path)
    true = build_targets(raw.isel(sample=[planted["sample"]]), **TARGET)["Y"].values[0]
    assert np.corrcoef(Y, true)[0, 1] > 0.99
    energy = raw["energy_xps"].values
    reference = raw["spectrum_xps"].mean("sample").values
    assert fit_shift(energy - 0.4, reference, energy, reference, 1.0) == pytest.approx(0.4, abs=0.002)


def test_a_known_structure_is_read_back_from_its_shifted_noisy_spectrum(planted, tmp_path):
    """XPS depends on x only through the planted direction a: the reconstruction recovers a·x of the known
    structure within 10 % of its spread over the data set (what the spectrum decides), and both models' implied
    spectra match the measured one."""
    p = planted
    path = write_measured(tmp_path, p["raw"], p["sample"])
    Y, shift, _ = measured_targets({"path": str(path), "shift": "auto"}, p["raw"], TARGET)
    inverters = {"nnca_k1": (*nnca_decoder(p["nnca"])[:1], p["nnca"].components_, "cpu"),
                 "eca_k1": (eca_decoder(p["emulator"], p["eca"].components_)[0], p["eca"].components_, "cpu")}
    ds = measured_dataset(p["prepared"], ["run1"], Y[None], [shift], inverters, n_starts=8, max_iter=300)
    a = synthetic_h2o.XPS_DIRECTION
    x_all = featurize(p["raw"]["positions"].values, p["raw"]["numbers"].values, "h2o_internal").values
    for model in ("nnca_k1", "eca_k1"):
        x_hat = ds["x_hat"].sel(model=model, measured="run1").values
        assert abs((x_hat - p["x_true"]) @ a) < 0.1 * np.std(x_all @ a), model
        assert float(ds["residual"].sel(model=model, measured="run1")) < 0.05
        assert np.all(ds["x_spread_starts"].sel(model=model).values >= 0)
    assert ds["x_hat"].dims == ("model", "measured", "feature") and ds["shift"].attrs["units"] == "eV"
    assert np.isnan(ds["x_spread_bootstrap"]).all() and (ds["determined"] == -1).all()
    ds["path"] = (("measured",), np.array([str(path)]))
    assert "### run1" in measured_markdown(ds) and "eca_k1" in measured_markdown(ds)
    fig = measured_spectra(ds, "planted XPS")
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) == 3  # measured, NNCA, ECA


def test_a_spectrum_that_misses_the_target_range_is_named(planted, tmp_path):
    path = write_measured(tmp_path, planted["raw"], planted["sample"], shift=50.0)
    with pytest.raises(IngestError, match=r"measured.txt: after a shift of \+0 eV the measured spectrum covers"):
        measured_targets({"path": str(path)}, planted["raw"], TARGET)
    with pytest.raises(IngestError, match="measured spectrum file not found"):
        measured_targets({"path": str(tmp_path / "absent.txt")}, planted["raw"], TARGET)

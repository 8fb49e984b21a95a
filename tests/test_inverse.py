"""Inverse (method.md §9): planted 5-feature problem s = g(v·x); NNCA inversion recovers v·x and leaves the
irrelevant features at their mean; Leaky-ReLU EDNN inversion reports finite condition numbers."""

import numpy as np
import pytest
import torch
import xarray as xr

from xraylatent.data.prepare import Scaler
from xraylatent.data.targets import line_moments
from xraylatent.engine.settings import TrainSettings
from xraylatent.interpret import inverse, leaky_ednn, reconstruction
from xraylatent.models.estimators import NNCA

FAST = dict(learning_rate=1e-2, l2=0.0, batch_size=64, max_epochs=60, patience=10, device="cpu")
INVERT = dict(n_starts=4, max_iter=150)
V_TRUE = np.array([0.6, 0.8, 0.0, 0.0, 0.0])  # features 2..4 are spectrally irrelevant


def planted_problem(n=500, seed=0):
    X = np.random.default_rng(seed).normal(size=(n, 5))
    z = X @ V_TRUE
    return X, np.column_stack([np.tanh(z), z, np.exp(-((z - 1) ** 2)), 0.5 * z**2])


@pytest.fixture(scope="module")
def nnca_problem():
    X, Y = planted_problem()
    return NNCA(1, (16,), **FAST).fit(X[:400], Y[:400]), X[400:], Y[400:]


def test_nnca_inversion_recovers_relevant_combination_and_keeps_irrelevant_at_mean(nnca_problem):
    nnca, X, Y = nnca_problem
    X_hat, residual = inverse.invert(inverse.nnca_decoder(nnca), nnca.components_, Y, **INVERT)
    z, z_hat = X @ V_TRUE, X_hat @ V_TRUE
    assert 1 - np.sum((z - z_hat) ** 2) / np.sum((z - z.mean()) ** 2) >= 0.9
    scores = inverse.feature_scores(X, X_hat)
    assert np.all(np.abs(X_hat[:, 2:].mean(axis=0)) < 0.1)
    assert scores["at_mean"].tolist() == [False, False, True, True, True]
    assert np.all(np.isfinite(residual)) and residual.mean() < 0.05


def test_eca_decoder_goes_through_the_expansion(nnca_problem):
    """With the NNCA itself as the 'emulator', f(Vᵀt) = g(V Vᵀ t) = g(t): both inversions agree."""
    nnca, X, Y = nnca_problem
    V = nnca.components_
    with torch.no_grad():
        t = torch.randn(3, 7, 1)
        decode_eca, _ = inverse.eca_decoder(nnca, V)
        torch.testing.assert_close(decode_eca(t), nnca.net_.decode(t), atol=1e-5, rtol=1e-5)


def test_condition_numbers_see_an_ill_conditioned_layer():
    net = leaky_ednn.leaky_ednn(5, 3, 1, square_layers=1)
    with torch.no_grad():
        net.encoder.layers[0].weight[0] = torch.diag(torch.tensor([1.0, 1.0, 1.0, 1.0, 1e-4]))
        net.encoder.layers[1].weight[0] = torch.tensor([[3.0], [0.0], [0.0], [0.0], [4.0]])
    np.testing.assert_allclose(leaky_ednn.condition_numbers(net.encoder), [1e4, 1.0], rtol=1e-4)


def test_feature_scores_flag_constant_reconstruction():
    X = np.random.default_rng(1).normal(size=(50, 2))
    scores = inverse.feature_scores(X, np.column_stack([X[:, 0], np.full(50, 0.01)]))
    assert scores["r2"][0] == pytest.approx(1.0)
    assert scores["r2"][1] < 0.01
    assert scores["at_mean"].tolist() == [False, True]


def test_distances_by_element_reads_coulomb_back():
    slots = [32, 8, 8, 32]
    r = np.array([[1.7, 1.9, 3.2], [1.8, 2.0, 3.4]])
    coulomb = np.zeros((2, 6))
    coulomb[:, :3] = 32 * np.array(slots[1:]) / r
    out = reconstruction.distances_by_element(coulomb, slots)
    np.testing.assert_allclose(out["O"], [1.8, 1.9])
    np.testing.assert_allclose(out["Ge"], [3.2, 3.4])


def test_group_mean_targets_are_moments_of_the_mean_spectrum():
    energy = np.linspace(0, 10, 101)
    rng = np.random.default_rng(2)
    spectra = np.exp(-((energy[None] - rng.uniform(3, 7, (6, 1))) ** 2))
    raw = xr.Dataset({"spectrum_k": (("sample", "energy_k"), spectra), "pressure": (("sample",), [0, 0, 0, 5, 5, 5])},
                     coords={"energy_k": energy, "sample": np.arange(6)})
    windows = {"line": [0.0, 10.0]}
    labels, Y = reconstruction.group_mean_targets(raw, np.array([0, 1, 3, 4]), "pressure",
                                           {"type": "moments", "kind": "k", "windows": windows})
    assert labels.tolist() == [0, 5]
    expected = line_moments(energy, np.stack([spectra[[0, 1]].mean(0), spectra[[3, 4]].mean(0)]), windows)[0]
    np.testing.assert_allclose(Y, expected)


def test_leaky_ednn_inversion_reports_finite_condition_numbers():
    X, Y = planted_problem(300)
    y_scaler = Scaler.fit(Y)
    settings = TrainSettings(max_epochs=40, patience=10, device="cpu")
    net = leaky_ednn.train_leaky_ednn(X, y_scaler.transform(Y), 1, settings, learning_rate=1e-2, decoder_layers=(16,))
    cond = leaky_ednn.condition_numbers(net.encoder)
    weights = [layer.weight[0].detach().double().numpy() for layer in net.encoder.layers]
    singular = [np.linalg.svd(w, compute_uv=False) for w in weights]
    np.testing.assert_allclose(cond, [s.max() / s.min() for s in singular], rtol=1e-6)
    assert len(cond) == 3  # two square Leaky-ReLU layers, then the d→k bottleneck
    # The encoder is exactly invertible up to its last (d→k) layer: encoding a pre-image returns T.
    T = np.random.default_rng(3).normal(size=(10, 1))
    with torch.no_grad():
        back = net.encode(torch.as_tensor(leaky_ednn.invert_encoder(net.encoder, T), dtype=torch.float32))[0]
    np.testing.assert_allclose(back.numpy(), T, rtol=1e-3, atol=1e-3)  # float32 forward pass
    targets = y_scaler.transform(Y[:20])
    X_hat, residual = leaky_ednn.invert_leaky_ednn(net, targets, **INVERT)
    # The pre-images predict what the latent fit reached: the network maps x̂ back to its fitted spectra.
    with torch.no_grad():
        predicted = net(torch.as_tensor(X_hat, dtype=torch.float32))[0].double().numpy()
    np.testing.assert_allclose(((predicted - targets) ** 2).mean(axis=1), residual, rtol=1e-2, atol=1e-4)

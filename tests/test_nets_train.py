"""Stacked networks and the batched trainer: independence of members, masking, early stopping."""

import numpy as np
import pytest
import torch

from xraylatent.engine import backprop
from xraylatent.engine.nets import StackedEDNN, StackedMLP, StackedNNCA, member_generators
from xraylatent.engine.train import masked_mse, predict_stack, train_stack
from xraylatent.interpret.leaky_ednn import leaky_ednn

torch.set_num_threads(1)

BUILDERS = {
    "mlp": lambda gens: StackedMLP([5, 8, 8, 3], gens),
    "ednn": lambda gens: StackedEDNN(5, 3, 2, (8,), (8,), gens),
    "nnca": lambda gens: StackedNNCA(5, 3, 2, (8,), gens),
}


BUILDERS_WITH_LEAKY = {**BUILDERS, "leaky_ednn": lambda gens: leaky_ednn(5, 3, 2, decoder_layers=(8,))}


def data(n=160, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5)).astype(np.float32)
    Y = np.stack([np.sin(X[:, 0]), X[:, 1] * X[:, 2], np.tanh(X[:, 3] - X[:, 4])], 1).astype(np.float32)
    return X, Y


def weights(model, member):
    return [p[member].detach() for p in model.parameters()]


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_stack_equals_separate_runs(kind):
    """Three members with their own seeds, rates, L2 and rows train as if alone; one stops early (lr 0)."""
    X, Y = data()
    rng = np.random.default_rng(1)
    seeds, lrs, l2s = [3, 4, 5], [1e-2, 0.0, 3e-3], [1e-3, 0.0, 1e-2]
    train = rng.random((3, len(X))) < 0.7
    val = ~train
    settings = dict(batch_size=32, max_epochs=4, patience=2, seed=7)  # 5 steps per epoch, 20 in all
    stacked = train_stack(BUILDERS[kind](member_generators(seeds)), X, Y, train, val,
                          learning_rate=lrs, l2=l2s, **settings)
    assert list(stacked.epochs) == [4, 3, 4]  # lr 0 never improves after epoch 1: stopped and dropped
    for j in range(3):
        alone = train_stack(BUILDERS[kind](member_generators([seeds[j]])), X, Y, train[j:j + 1],
                            val[j:j + 1], learning_rate=lrs[j], l2=l2s[j], **settings)
        assert alone.epochs[0] == stacked.epochs[j]
        np.testing.assert_allclose(alone.train_loss[0], stacked.train_loss[j, : alone.epochs[0]], rtol=1e-5)
        np.testing.assert_allclose(alone.val_loss[0], stacked.val_loss[j, : alone.epochs[0]], rtol=1e-5)
        for a, b in zip(weights(alone.model, 0), weights(stacked.model, j), strict=True):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_held_out_rows_never_reach_training():
    """Huge outliers in member 0's held-out rows leave it unchanged, while member 1 (trained on them) moves."""
    X, Y = data()
    train = np.ones((2, len(X)), dtype=bool)
    train[0, :40] = False
    spoiled = Y.copy()
    spoiled[:40] = 1e6
    runs = [
        train_stack(StackedMLP([5, 8, 3], member_generators([0, 1])), X, targets, train,
                    learning_rate=1e-2, l2=1e-4, batch_size=32, max_epochs=3, seed=2)
        for targets in (Y, spoiled)
    ]
    for a, b in zip(weights(runs[0].model, 0), weights(runs[1].model, 0), strict=True):
        torch.testing.assert_close(a, b)
    assert not torch.allclose(weights(runs[0].model, 1)[0], weights(runs[1].model, 1)[0])


def test_masked_rows_count_as_absent():
    """A member's loss is the mean over its own rows: masking rows out equals deleting them (full batch,
    with L2 so that a wrong divisor would change the balance of data and penalty)."""
    X, Y = data()
    keep = np.arange(len(X)) % 3 > 0
    settings = dict(learning_rate=1e-2, l2=1e-2, batch_size=len(X), max_epochs=10)
    masked = train_stack(StackedMLP([5, 8, 3], member_generators([0])), X, Y, keep[None], **settings)
    deleted = train_stack(StackedMLP([5, 8, 3], member_generators([0])), X[keep], Y[keep], **settings)
    for a, b in zip(weights(masked.model, 0), weights(deleted.model, 0), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_early_stopping_per_member_keeps_best_weights():
    X, Y = data()
    val = np.zeros((3, len(X)), dtype=bool)
    val[:, :40] = True
    fit = train_stack(StackedMLP([5, 16, 3], member_generators([0, 0, 0])), X, Y, ~val, val,
                      learning_rate=[1e-2, 0.0, 1e3], batch_size=32, max_epochs=30, patience=3, seed=0)
    good, frozen, wild = fit.epochs
    assert frozen == 4  # best at epoch 1, then 3 epochs without improvement
    assert wild < good and good > 10
    assert fit.best_loss[0] < fit.best_loss[1] < fit.best_loss[2]
    # The returned weights are each member's best ones, not its last ones.
    mask = torch.as_tensor(val)
    np.testing.assert_allclose(masked_mse(fit.model, torch.as_tensor(X), torch.as_tensor(Y), mask, 64),
                               fit.best_loss, rtol=1e-5)
    assert fit.best_epoch[0] <= good and np.isnan(fit.val_loss[1, frozen:]).all()


def test_nnca_components_orthonormal_and_free_of_l2():
    X, Y = data()
    net = StackedNNCA(5, 3, 2, (8,), member_generators([0, 1]))
    assert all(w is not net.unconstrained for w in net.penalized_weights())
    for epochs in (1, 5):
        fit = train_stack(net, X, Y, learning_rate=0.1, l2=10.0, batch_size=16, max_epochs=epochs, seed=0)
        V = fit.model.components().detach().double()
        torch.testing.assert_close(V @ V.mT, torch.eye(2, dtype=torch.float64).expand(2, 2, 2),
                                   rtol=0, atol=1e-6)


def test_predict_stack_in_chunks_matches_full_forward():
    X, _ = data()
    net = StackedEDNN(5, 3, 2, (8,), (8,), member_generators([0, 1, 2]))
    with torch.no_grad():
        full = net(torch.as_tensor(X))
    torch.testing.assert_close(predict_stack(net, X, batch_size=7), full)
    assert predict_stack(net.encode, X, batch_size=50).shape == (3, len(X), 2)


def test_trainer_rejects_bad_settings():
    X, Y = data()
    net = StackedMLP([5, 3], member_generators([0, 1]))
    with pytest.raises(ValueError, match="learning_rate"):
        train_stack(net, X, Y, learning_rate=[1e-3, 1e-3, 1e-3])
    with pytest.raises(ValueError, match="train_mask"):
        train_stack(net, X, Y, train_mask=np.ones((3, len(X)), dtype=bool))
    with pytest.raises(ValueError, match="at least one training row"):
        train_stack(net, X, Y, train_mask=np.eye(2, len(X), dtype=bool)[::-1] & False)
    with pytest.raises(ValueError, match="equal row counts"):
        train_stack(net, X, Y[:-1])


@pytest.mark.parametrize("kind", list(BUILDERS_WITH_LEAKY))
def test_hand_written_backward_equals_autograd(kind):
    """The trainer's forward equals the module's, and its gradients equal autograd's (ReLU, Leaky ReLU,
    linear outputs, NNCA's orthonormal map)."""
    net = BUILDERS_WITH_LEAKY[kind](member_generators([0, 1]))
    members = 1 if kind == "leaky_ednn" else 2
    x = torch.randn(members, 7, 5, generator=torch.Generator().manual_seed(0))
    y = torch.randn(members, 7, 3, generator=torch.Generator().manual_seed(1))
    coef = torch.tensor([0.5, 2.0][:members])  # a different loss weight per member
    loss = (coef[:, None, None] * (net(x) - y).square()).sum()
    expected = torch.autograd.grad(loss, list(net.parameters()))

    grads = {id(p): torch.full_like(p, torch.nan) for p in net.parameters()}
    chain = backprop.Chain(net.chain(), grads)
    with torch.no_grad():
        state = chain.forward(x)
        torch.testing.assert_close(state.outputs[-1].mT, net(x))
        chain.backward(state, 2 * coef[:, None, None] * (state.outputs[-1] - y.mT))
    for param, want in zip(net.parameters(), expected, strict=True):
        torch.testing.assert_close(grads[id(param)], want, rtol=1e-4, atol=1e-6)


"""How the trainer runs its steps: compiled or eager, on CPU or CUDA, host looks at early stopping every few
epochs, TF32 opt-in. Every variant must train the same members to the same result."""

import shutil

import numpy as np
import pytest
import torch
from test_nets_train import BUILDERS, data

from xraylatent.engine.nets import member_generators
from xraylatent.engine.settings import TrainSettings
from xraylatent.engine.train import StackTrainer, _matmul_precision, train_stack

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device: the GPU path is not run here")
needs_compiler = pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None,
                                    reason="torch.compile (inductor) needs a C compiler on CPU; none found")


def fit(kind: str, **options):
    """Three members with their own rows, rates and L2; one (lr 0) stops early, the others have short last
    batches and one a last step the others skip."""
    X, Y = data()
    rng = np.random.default_rng(1)
    train = rng.random((3, len(X))) < [[0.5], [0.7], [0.7]]
    settings = dict(batch_size=32, max_epochs=5, patience=2, seed=7, learning_rate=[1e-2, 0.0, 3e-3],
                    l2=[1e-3, 0.0, 1e-2]) | options
    return train_stack(BUILDERS[kind](member_generators([3, 4, 5])), X, Y, train, ~train, **settings)


def assert_same_fit(a, b, rtol: float, atol: float = 1e-7):
    np.testing.assert_array_equal(a.epochs, b.epochs)
    np.testing.assert_array_equal(a.best_epoch, b.best_epoch)
    for x, y in ((a.best_loss, b.best_loss), (a.train_loss, b.train_loss), (a.val_loss, b.val_loss)):
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol)
    for p, q in zip(a.model.parameters(), b.model.parameters(), strict=True):
        torch.testing.assert_close(p.detach().cpu(), q.detach().cpu(), rtol=rtol, atol=atol)


@needs_compiler
@pytest.mark.parametrize("kind", ["ednn", "nnca"])  # NNCA: its orthonormal map breaks the compiled graph
def test_compiled_step_equals_eager(kind):
    eager = fit(kind)
    assert list(eager.epochs) == [5, 3, 5]
    assert_same_fit(fit(kind, compile=True), eager, rtol=1e-5, atol=1e-6)


def test_host_looks_at_early_stopping_every_few_epochs_without_changing_results():
    """Members that stop between the host's looks train on, but nothing of theirs is recorded."""
    every_epoch = fit("mlp", max_epochs=9)
    assert 3 in every_epoch.epochs and 9 in every_epoch.epochs
    assert_same_fit(fit("mlp", max_epochs=9, stop_check_every=4), every_epoch, rtol=0, atol=0)


def test_settings_reach_the_trainer():
    options = TrainSettings.from_config({"compile": True, "tf32": True}, "cpu").trainer_options()
    assert options["compile"] is True and options["tf32"] is True
    X, Y = data()
    trainer = StackTrainer(BUILDERS["mlp"](member_generators([0])), X, Y, **TrainSettings(device="cpu")
                           .trainer_options())
    assert trainer._train_step == trainer.train_step  # eager by default
    assert trainer.stop_check_every == 1  # on CPU a look costs nothing


def test_tf32_is_set_only_for_cuda_and_restored():
    before = torch.backends.cuda.matmul.allow_tf32
    with _matmul_precision(torch.device("cpu"), not before):
        assert torch.backends.cuda.matmul.allow_tf32 == before
    with _matmul_precision(torch.device("cuda"), not before):
        assert torch.backends.cuda.matmul.allow_tf32 == (not before)
    assert torch.backends.cuda.matmul.allow_tf32 == before


@needs_cuda
def test_cuda_equals_cpu():
    assert_same_fit(fit("ednn", device="cuda"), fit("ednn", device="cpu"), rtol=1e-4, atol=1e-6)


@needs_cuda
def test_cuda_epoch_never_waits_for_the_device():
    """Between the host's looks at early stopping an epoch queues work without one synchronisation."""
    X, Y = data()
    trainer = StackTrainer(BUILDERS["ednn"](member_generators([0, 1])), X, Y, batch_size=32, max_epochs=5,
                           device="cuda", stop_check_every=5)
    trainer.run_epoch()  # the first epoch may allocate and warm up
    torch.cuda.set_sync_debug_mode("error")
    try:
        trainer.run_epoch()
    finally:
        torch.cuda.set_sync_debug_mode(0)

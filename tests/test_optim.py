"""StackedAdam (engine/optim.py): every member steps exactly like its own torch.optim.Adam."""

import torch

from xraylatent.engine.nets import StackedMLP, member_generators
from xraylatent.engine.optim import StackedAdam

LRS, L2S = [1e-2, 3e-3, 1e-2, 3e-2], [1e-3, 0.0, 1e-2, 1e-4]


def reference(net, j: int):
    """Member j of ``net`` as plain parameters (weights, then biases) with torch.optim.Adam: weight decay
    2·l2 on the weights, none on the biases."""
    weights = [torch.nn.Parameter(layer.weight[j].detach().clone()) for layer in net.layers]
    biases = [torch.nn.Parameter(layer.bias[j].detach().clone()) for layer in net.layers]
    optimizer = torch.optim.Adam([{"params": weights, "weight_decay": 2 * L2S[j]},
                                  {"params": biases, "weight_decay": 0.0}], lr=LRS[j])
    return weights + biases, optimizer


def run(adam, net, references: dict, steps: range, rng):
    """Random gradients for ``steps`` steps, some with members left out; each reference (member index →
    (params, optimizer)) steps with its member's gradient whenever that member is active."""
    order = [layer.weight for layer in net.layers] + [layer.bias for layer in net.layers]
    for step in steps:
        active = torch.tensor([step % 3 != 1, True, step % 2 == 0, True][: len(references)])
        grads = [torch.randn(p.shape, generator=rng) for p in order]
        for p, g in zip(order, grads, strict=True):
            adam.grad_of[id(p)].copy_(g)
        adam.step(None if active.all() else active)
        for row, (params, optimizer) in enumerate(references.values()):
            if active[row]:
                for ref, g in zip(params, grads, strict=True):
                    ref.grad = g[row].clone()
                optimizer.step()
    for row, (params, _) in enumerate(references.values()):
        for ref, p in zip(params, order, strict=True):
            torch.testing.assert_close(p.detach()[row], ref.detach(), rtol=1e-6, atol=1e-8)


def test_stacked_adam_equals_torch_adam_per_member():
    """Members with their own rates and L2 (weight decay 2·l2 on weights, none on biases) step like
    torch.optim.Adam; a member left out of a step keeps its parameters, moments and step count."""
    net = StackedMLP([4, 6, 5, 2], member_generators([0, 1, 2, 3]))
    references = {j: reference(net, j) for j in range(4)}
    adam = StackedAdam(net, torch.tensor(LRS), torch.tensor(L2S))
    run(adam, net, references, range(8), torch.Generator().manual_seed(0))
    assert adam.step_counts.flatten().tolist() == [5, 8, 4, 8]


def test_kept_members_step_on_like_their_own_adam():
    """After ``keep`` (dropping and reordering members) the rest continue with their own settings, moments
    and step counts."""
    net = StackedMLP([4, 6, 2], member_generators([0, 1, 2, 3]))
    references = {j: reference(net, j) for j in range(4)}
    adam = StackedAdam(net, torch.tensor(LRS), torch.tensor(L2S))
    rng = torch.Generator().manual_seed(1)
    run(adam, net, references, range(4), rng)
    adam.keep(torch.tensor([2, 0]))
    assert [p.shape[0] for p in net.parameters()] == [2] * 4
    run(adam, net, {j: references[j] for j in (2, 0)}, range(4, 9), rng)
    assert adam.step_counts.flatten().tolist() == [2 + 3, 3 + 5]

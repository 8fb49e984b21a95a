"""Stacked torch networks: M independent members with equal layer shapes, evaluated at once.

Every parameter carries a leading member dimension M, so one batched matrix product runs all members
(docs/architecture.md, "Performance"); a single model is a stack of M = 1. Inputs are ``(B, in)``, shared by
all members, or ``(M, B, in)``, one block per member; outputs are ``(M, B, out)``. Member j draws its
initial weights from its own ``torch.Generator`` only, so it starts identical whether trained alone or
in a stack. Every module exposes ``penalized_weights()``: the weights the trainer's L2 term acts on, and
``chain()``: itself as a chain of :class:`Layer` s, which the trainer differentiates by hand (backprop.py).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn


def member_generators(seeds: Sequence[int]) -> list[torch.Generator]:
    """One seeded CPU generator per member; the stack size M is ``len(seeds)``."""
    return [torch.Generator().manual_seed(int(seed)) for seed in seeds]


def n_members(module: nn.Module) -> int:
    """The stack size M (leading dimension shared by every parameter)."""
    return next(module.parameters()).shape[0]


def member(module: nn.Module, index: int) -> nn.Module:
    """A one-member stack: a copy of member ``index`` of ``module`` (every parameter is sliced)."""
    single = copy.deepcopy(module)
    for param in single.parameters():
        param.data = param.data[index : index + 1].clone()
    return single


def device_of(module: nn.Module) -> torch.device:
    """The device a stack's parameters live on (inputs go there)."""
    return next(module.parameters()).device


@dataclass(frozen=True)
class Layer:
    """One step of a chain: ``activate(h @ weight_map(weight) + bias, slope)``.

    ``slope``: None for a linear output, 0 for ReLU, s > 0 for Leaky ReLU. ``weight_map`` (default the
    identity) turns the stored parameter into the (M, in, out) weight differentiably: NNCA's basis.
    """

    weight: nn.Parameter
    bias: nn.Parameter | None
    slope: float | None
    weight_map: Callable[[torch.Tensor], torch.Tensor] | None = None


def activate(z: torch.Tensor, slope: float | None) -> torch.Tensor:
    """The activation of a :class:`Layer`: identity (None), ReLU (0) or Leaky ReLU (slope > 0)."""
    if slope is None:
        return z
    return torch.relu(z) if slope == 0 else nn.functional.leaky_relu(z, slope)


def run_layers(layers: Sequence[Layer], x: torch.Tensor) -> torch.Tensor:
    """Evaluate a chain of layers (the forward pass every stacked net is)."""
    for layer in layers:
        weight = layer.weight_map(layer.weight) if layer.weight_map else layer.weight
        x = torch.matmul(x, weight)
        x = activate(x if layer.bias is None else x + layer.bias, layer.slope)
    return x


class StackedLinear(nn.Module):
    """Affine map per member: weight (M, in, out), bias (M, 1, out); Glorot-uniform weights, zero bias."""

    def __init__(self, in_features: int, out_features: int, generators: Sequence[torch.Generator]):
        super().__init__()
        bound = math.sqrt(6.0 / (in_features + out_features))
        weights = [(2 * torch.rand(in_features, out_features, generator=g) - 1) * bound for g in generators]
        self.weight = nn.Parameter(torch.stack(weights))
        self.bias = nn.Parameter(torch.zeros(len(generators), 1, out_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # matmul broadcasts a shared (B, in) input over the members, and an M = 1 stack over any
        # leading batch of inputs (ECA evaluates one emulator on several projections this way).
        return torch.matmul(x, self.weight) + self.bias


class StackedMLP(nn.Module):
    """ReLU MLP with a linear output; ``sizes`` = (in, hidden..., out). Without hidden layers it is linear.

    ``negative_slope`` > 0 makes the hidden activations Leaky ReLU (the invertible encoder of interpret/leaky_ednn.py).
    """

    def __init__(self, sizes: Sequence[int], generators: Sequence[torch.Generator], negative_slope: float = 0.0):
        super().__init__()
        self.negative_slope = float(negative_slope)
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"an MLP needs at least input and output sizes, all >= 1; got {tuple(sizes)}")
        self.layers = nn.ModuleList(
            StackedLinear(n_in, n_out, generators) for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)
        )

    def chain(self) -> list[Layer]:
        slopes = [self.negative_slope] * (len(self.layers) - 1) + [None]
        return [Layer(linear.weight, linear.bias, slope) for linear, slope in zip(self.layers, slopes, strict=True)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return run_layers(self.chain(), x)

    def penalized_weights(self) -> list[torch.Tensor]:
        return [layer.weight for layer in self.layers]


class StackedEDNN(nn.Module):
    """Encoder–decoder network (docs/method.md §4): ReLU MLP encoder → k linear bottleneck values → ReLU MLP
    decoder with linear output. L2 acts on the weights of both halves."""

    def __init__(
        self,
        n_features: int,
        n_targets: int,
        n_components: int,
        encoder_layers: Sequence[int],
        decoder_layers: Sequence[int],
        generators: Sequence[torch.Generator],
    ):
        super().__init__()
        self.encoder = StackedMLP([n_features, *encoder_layers, n_components], generators)
        self.decoder = StackedMLP([n_components, *decoder_layers, n_targets], generators)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, t: torch.Tensor) -> torch.Tensor:
        return self.decoder(t)

    def chain(self) -> list[Layer]:
        return self.encoder.chain() + self.decoder.chain()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return run_layers(self.chain(), x)

    def penalized_weights(self) -> list[torch.Tensor]:
        return self.encoder.penalized_weights() + self.decoder.penalized_weights()


class StackedNNCA(nn.Module):
    """NNCA (docs/method.md §6): t = V x with orthonormal rows V (k×d, no bias), then a ReLU MLP decoder.

    V is the Q factor of an unconstrained d×k parameter, sign-fixed so that diag(R) > 0 (a smooth,
    unique map), hence exactly orthonormal after any update. L2 acts on the decoder only: decaying the
    unconstrained parameter collapses the projection (the pitfall in docs/method.md §6).
    """

    def __init__(
        self,
        n_features: int,
        n_targets: int,
        n_components: int,
        decoder_layers: Sequence[int],
        generators: Sequence[torch.Generator],
    ):
        super().__init__()
        if not 1 <= n_components <= n_features:
            raise ValueError(
                f"NNCA needs 1 <= n_components <= n_features, got {n_components=} and {n_features=}"
            )
        self.unconstrained = nn.Parameter(
            torch.stack([torch.randn(n_features, n_components, generator=g) for g in generators])
        )
        self.decoder = StackedMLP([n_components, *decoder_layers, n_targets], generators)

    def basis(self) -> torch.Tensor:
        """Vᵀ per member, (M, d, k) with orthonormal columns."""
        return orthonormal_basis(self.unconstrained)

    def components(self) -> torch.Tensor:
        """V per member, (M, k, d) with orthonormal rows: the component directions."""
        return self.basis().mT

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return torch.matmul(x, self.basis())

    def decode(self, t: torch.Tensor) -> torch.Tensor:
        return self.decoder(t)

    def chain(self) -> list[Layer]:
        return [Layer(self.unconstrained, None, None, orthonormal_basis), *self.decoder.chain()]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return run_layers(self.chain(), x)

    def penalized_weights(self) -> list[torch.Tensor]:
        return self.decoder.penalized_weights()


def orthonormal_basis(unconstrained: torch.Tensor) -> torch.Tensor:
    """The Q factor of (M, d, k) matrices with diag(R) > 0: orthonormal columns, smooth and unique."""
    q, r = torch.linalg.qr(unconstrained)
    signs = torch.where(torch.diagonal(r, dim1=-2, dim2=-1) < 0, -1.0, 1.0)
    return q * signs.unsqueeze(-2)

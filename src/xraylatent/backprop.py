"""Forward and backward passes of a stacked layer chain (nets.Layer), written out by hand.

The trainer's inner loop runs here. Autograd would rebuild a graph every step and its bookkeeping costs
more than the matrix products of narrow networks; written out, a step is one batched matrix product per
layer and direction, plus an activation and its derivative. Activations are kept feature-major,
(M, features, B): batched products with a thin side (a k = 2 bottleneck, 8 outputs) run 2–4× faster in
that layout on CPU than row-major, and wide layers no slower. Weight gradients are written straight into
the caller's buffers (optim.py). Only a layer with a ``weight_map``
(NNCA's orthonormal basis) asks autograd, for the derivative of that small map alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from xraylatent.nets import Layer


@dataclass
class Pass:
    """What a forward pass keeps for the backward one."""

    outputs: list[torch.Tensor]  # the chain's input, then every layer's activated output; (M, features, B)
    weights: list[torch.Tensor]  # the (M, in, out) weight each layer used
    raw: list[torch.Tensor | None]  # for a mapped weight, the leaf its map was evaluated on


def forward(layers: Sequence[Layer], x: torch.Tensor) -> Pass:
    """Run the chain on x (M, B, in), without gradients except through weight maps.

    The output, ``outputs[-1]``, is feature-major: (M, out, B).
    """
    result = Pass([x.mT], [], [])
    for layer in layers:
        raw = None
        weight = layer.weight.detach()
        if layer.weight_map is not None:
            raw = weight.requires_grad_()
            with torch.enable_grad():
                weight = layer.weight_map(raw)
        h, w = result.outputs[-1], weight.detach().mT
        z = torch.bmm(w, h) if layer.bias is None else torch.baddbmm(layer.bias.detach().mT, w, h)
        result.outputs.append(activate_(z, layer.slope))
        result.weights.append(weight)
        result.raw.append(raw)
    return result


def activate_(z: torch.Tensor, slope: float | None) -> torch.Tensor:
    """:func:`xraylatent.nets.activate` in place (the pre-activation is not needed again)."""
    if slope is None:
        return z
    return z.relu_() if slope == 0 else torch.nn.functional.leaky_relu_(z, slope)


def backward(
    layers: Sequence[Layer],
    state: Pass,
    grad_output: torch.Tensor,
    weight_grads: Sequence[torch.Tensor],
    bias_grads: Sequence[torch.Tensor | None],
) -> None:
    """Back-propagate ``grad_output`` (dLoss/d output, feature-major (M, out, B)) and write every
    parameter's gradient.

    ``weight_grads[i]``/``bias_grads[i]`` receive layer i's gradients (shaped like its parameters); the
    gradient with respect to the chain's input is never formed.
    """
    grad = grad_output
    for i in reversed(range(len(layers))):
        layer, out, h = layers[i], state.outputs[i + 1], state.outputs[i]
        if layer.slope == 0:
            grad = torch.ops.aten.threshold_backward(grad, out, 0.0)
        elif layer.slope is not None:
            grad = torch.ops.aten.leaky_relu_backward(grad, out, layer.slope, True)
        if state.raw[i] is None:
            torch.bmm(h, grad.mT, out=weight_grads[i])
        else:
            (raw_grad,) = torch.autograd.grad(state.weights[i], state.raw[i], torch.bmm(h, grad.mT))
            weight_grads[i].copy_(raw_grad)
        if layer.bias is not None:  # (M, 1, out) and (M, out, 1) share one memory layout
            torch.sum(grad, 2, keepdim=True, out=bias_grads[i].view(grad.shape[0], -1, 1))
        if i > 0:
            grad = torch.bmm(state.weights[i].detach(), grad)

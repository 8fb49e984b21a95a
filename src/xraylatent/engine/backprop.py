"""Forward and backward passes of a stacked layer chain (nets.Layer), written out by hand.

The trainer's inner loop runs here. Autograd would rebuild a graph every step and its bookkeeping costs
more than the matrix products of narrow networks; written out, a step is one batched matrix product per
layer and direction, plus an activation and its derivative. Activations are kept feature-major,
(M, features, B): batched products with a thin side (a k = 2 bottleneck, 8 outputs) run 2–4× faster in
that layout on CPU than row-major, and wide layers no slower. Weight gradients are written straight into
the optimizer's buffers (optim.py). Only a layer with a ``weight_map`` (NNCA's orthonormal basis) asks
autograd, for the derivative of that small map alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from xraylatent.engine.nets import Layer


@dataclass
class Pass:
    """What a forward pass keeps for the backward one."""

    outputs: list[torch.Tensor]  # the chain's input, then every layer's activated output; (M, features, B)
    weights: list[torch.Tensor]  # the (M, in, out) weight each layer used
    raw: list[torch.Tensor | None]  # for a mapped weight, the leaf its map was evaluated on


class Chain:
    """The layers of a stacked net, ready for many steps.

    ``grad_of`` maps ``id(parameter)`` to the tensor that receives its gradient (None: forward only).
    With gradients and ``reuse`` (default), activations and input gradients go into buffers reused from
    step to step (fresh megabyte-sized tensors each step cost page faults), so a :class:`Pass` is valid
    until the next :meth:`forward`; under ``torch.compile`` the compiler plans memory itself (``reuse=False``).
    Parameters are read from the layers at every pass, so dropping members (new storage) needs only a
    :meth:`refresh` of the gradient tensors. No input of a pass aliases another: the compiler requires it.
    """

    def __init__(self, layers: Sequence[Layer], grad_of: dict[int, torch.Tensor] | None = None, reuse: bool = True):
        self.layers = list(layers)
        if self.layers[-1].slope is not None:
            raise ValueError("the last layer of a chain must be linear (the trainer reuses its output)")
        self.reuse = reuse and grad_of is not None
        self._buffers: dict[tuple, list[torch.Tensor]] = {}
        self.refresh(grad_of)

    def _buffer(self, kind: str, i: int, shape: tuple[int, ...], like: torch.Tensor) -> torch.Tensor | None:
        """The reused output tensor of ``kind`` for layer i, or None (a fresh one) without reuse."""
        if not self.reuse:
            return None
        key = (kind, i)
        if key not in self._buffers or self._buffers[key].shape != shape:
            self._buffers[key] = like.new_empty(shape)
        return self._buffers[key]

    def refresh(self, grad_of: dict[int, torch.Tensor] | None = None) -> None:
        """Take the gradient tensors from ``grad_of`` (again after they were replaced)."""
        if grad_of is not None:
            self.weight_grads = [grad_of[id(layer.weight)] for layer in self.layers]
            self.bias_grads = [None if layer.bias is None else grad_of[id(layer.bias)] for layer in self.layers]

    def forward(self, x: torch.Tensor) -> Pass:
        """Run the chain on x (M, B, in), without gradients except through weight maps.

        The output, ``outputs[-1]``, is feature-major: (M, out, B).
        """
        result = Pass([x.mT], [], [])
        for layer in self.layers:
            weight, raw = layer.weight.detach(), None
            if layer.weight_map is not None:
                raw = weight.requires_grad_()
                with torch.enable_grad():
                    weight = layer.weight_map(raw)
            h, i = result.outputs[-1], len(result.weights)
            out = self._buffer("z", i, (h.shape[0], weight.shape[-1], h.shape[-1]), h)
            if layer.bias is None:
                z = torch.bmm(weight.detach().mT, h, out=out)
            else:
                z = torch.baddbmm(layer.bias.detach().mT, weight.detach().mT, h, out=out)
            result.outputs.append(activate_(z, layer.slope))
            result.weights.append(weight)
            result.raw.append(raw)
        return result

    def backward(self, state: Pass, grad_output: torch.Tensor) -> None:
        """Back-propagate ``grad_output`` (dLoss/d output, feature-major (M, out, B)) into the gradient
        buffers. The gradient with respect to the chain's input is never formed."""
        grad = grad_output  # overwritten in place from here on
        for i in reversed(range(len(self.layers))):
            layer, out, h = self.layers[i], state.outputs[i + 1], state.outputs[i]
            if layer.slope == 0:
                grad = torch.ops.aten.threshold_backward.grad_input(grad, out, 0.0, grad_input=grad)
            elif layer.slope is not None:
                grad = torch.ops.aten.leaky_relu_backward.grad_input(grad, out, layer.slope, True, grad_input=grad)
            if state.raw[i] is None:
                torch.bmm(h, grad.mT, out=self.weight_grads[i])
            else:
                (raw_grad,) = torch.autograd.grad(state.weights[i], state.raw[i], torch.bmm(h, grad.mT))
                self.weight_grads[i].copy_(raw_grad)
            if self.bias_grads[i] is not None:
                torch.sum(grad, 2, keepdim=True, out=self.bias_grads[i].mT)
            if i > 0:
                weight = state.weights[i].detach()
                shape = (grad.shape[0], weight.shape[1], grad.shape[2])
                grad = torch.bmm(weight, grad, out=self._buffer("dh", i, shape, grad))


def activate_(z: torch.Tensor, slope: float | None) -> torch.Tensor:
    """:func:`xraylatent.engine.nets.activate` in place (the pre-activation is not needed again)."""
    if slope is None:
        return z
    return z.relu_() if slope == 0 else torch.nn.functional.leaky_relu_(z, slope)

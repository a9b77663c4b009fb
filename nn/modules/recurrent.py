"""Recurrent layers ``RNN``, ``LSTM`` and ``GRU`` with PyTorch's parameters, gate order and shapes.

Each layer (and direction) owns ``weight_ih_l{k}`` (gates·hidden, in), ``weight_hh_l{k}``
(gates·hidden, hidden) and the biases ``bias_ih_l{k}``, ``bias_hh_l{k}`` (suffix ``_reverse``
for the backward direction), all initialised from U(-1/√hidden, 1/√hidden). The input
projection is one matmul over the whole sequence; the recurrence is a Python loop over time
steps of engine operations, so backpropagation through time comes from the engine. As in
PyTorch, ``dropout`` acts on the outputs of every layer but the last, in training mode only.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

import autograd_core as ag
from autograd_core import Tensor

from .. import functional as F
from .. import init
from ..module import Module, Parameter

__all__ = ["RNN", "LSTM", "GRU"]


class _RNNBase(Module):
    """Shared layout, initial state and time loop; subclasses give the gate count and the cell."""

    _gates = 1
    _states = 1  # tensors in the recurrent state: (h,) or (h, c)

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False) -> None:
        super().__init__()
        if input_size <= 0 or hidden_size <= 0 or num_layers <= 0:
            raise ValueError(f"{type(self).__name__}: input_size, hidden_size and num_layers must be positive, got "
                             f"{input_size}, {hidden_size}, {num_layers}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{type(self).__name__}: dropout probability must be in [0, 1], got {dropout}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{type(self).__name__}: dropout applies between stacked layers only, so dropout={dropout} "
                          "has no effect with num_layers=1", stacklevel=2)
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout, self.bidirectional = bias, batch_first, dropout, bidirectional
        directions = 2 if bidirectional else 1
        rows = self._gates * hidden_size
        for layer in range(num_layers):
            width = input_size if layer == 0 else hidden_size * directions
            for suffix in ("", "_reverse")[:directions]:
                shapes = {"weight_ih": (rows, width), "weight_hh": (rows, hidden_size)}
                if bias:
                    shapes.update(bias_ih=(rows,), bias_hh=(rows,))
                for name, shape in shapes.items():
                    setattr(self, f"{name}_l{layer}{suffix}", Parameter(np.empty(shape, ag.get_default_dtype())))
        self.reset_parameters()

    @property
    def is_random(self) -> bool:
        """True when dropout acts between layers, so training-mode outputs are random (see ``gradcheck_module``)."""
        return self.dropout > 0 and self.num_layers > 1

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/√hidden, 1/√hidden), in registration order (PyTorch's rule)."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _cell(self, gi: Tensor, state: tuple, w_hh: Tensor, b_hh: Tensor | None) -> tuple:
        """One time step: input projection ``gi`` (N, gates·H) and state → new state."""
        raise NotImplementedError

    def _direction(self, x: Tensor, state: tuple, layer: int, suffix: str) -> tuple[Tensor, tuple]:
        """Run one layer in one direction over ``x`` (T, N, in): (outputs (T, N, H), final state)."""
        w_ih, w_hh = (getattr(self, f"weight_{k}_l{layer}{suffix}") for k in ("ih", "hh"))
        b_ih, b_hh = (getattr(self, f"bias_{k}_l{layer}{suffix}") if self.bias else None for k in ("ih", "hh"))
        gi = ag.linear(x, w_ih, b_ih)  # the input projection of every time step in one matmul
        steps = range(x.shape[0] - 1, -1, -1) if suffix else range(x.shape[0])
        outputs = [None] * x.shape[0]
        for t in steps:
            state = self._cell(gi[t], state, w_hh, b_hh)
            outputs[t] = state[0]
        return ag.stack(outputs, axis=0), state

    def _initial_state(self, hx, batch: int, batched: bool, dtype) -> list[Tensor]:
        """The initial state tensors, each (layers·directions, N, H); zeros when ``hx`` is None."""
        layers = self.num_layers * (2 if self.bidirectional else 1)
        if hx is None:
            return [Tensor(np.zeros((layers, batch, self.hidden_size), dtype))] * self._states
        states = list(hx) if self._states > 1 else [hx]
        if len(states) != self._states:
            raise ValueError(f"{type(self).__name__}: expected {self._states} initial state tensors, got {len(states)}")
        expected = (layers, batch, self.hidden_size) if batched else (layers, self.hidden_size)
        states = [s if isinstance(s, Tensor) else Tensor(s) for s in states]
        for s in states:
            if s.shape != expected:
                raise ValueError(f"{type(self).__name__}: initial state has shape {s.shape}, expected {expected}")
        return states if batched else [ag.unsqueeze(s, 1) for s in states]

    def forward(self, input: Tensor, hx=None):
        """Run the stack over ``input`` (T, N, in), (N, T, in) with ``batch_first``, or unbatched (T, in)."""
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            raise ValueError(f"{type(self).__name__}: input of shape {input.shape} must be (seq, batch, "
                             f"{self.input_size}), (batch, seq, {self.input_size}) or (seq, {self.input_size})")
        batched = input.ndim == 3
        x = input if not batched else (ag.swapaxes(input, 0, 1) if self.batch_first else input)
        x = x if batched else ag.unsqueeze(x, 1)
        states = self._initial_state(hx, x.shape[1], batched, x.dtype)
        suffixes = ("", "_reverse") if self.bidirectional else ("",)
        finals = []
        for layer in range(self.num_layers):
            outs = []
            for d, suffix in enumerate(suffixes):
                index = layer * len(suffixes) + d
                out, final = self._direction(x, tuple(s[index] for s in states), layer, suffix)
                outs.append(out)
                finals.append(final)
            x = outs[0] if len(outs) == 1 else ag.concatenate(outs, axis=2)
            if layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, self.training)
        final = [ag.stack([f[k] for f in finals], axis=0) for k in range(self._states)]
        if not batched:
            x, final = ag.squeeze(x, 1), [ag.squeeze(f, 1) for f in final]
        elif self.batch_first:
            x = ag.swapaxes(x, 0, 1)
        return x, (tuple(final) if self._states > 1 else final[0])

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        for name, default in (("bias", True), ("batch_first", False), ("dropout", 0), ("bidirectional", False)):
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)}"
        return s


class RNN(_RNNBase):
    """Elman RNN: ``h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)`` with ``act`` tanh or relu."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional)
        self.nonlinearity = nonlinearity

    def _cell(self, gi, state, w_hh, b_hh):
        act = ag.tanh if self.nonlinearity == "tanh" else ag.relu
        return (act(gi + ag.linear(state[0], w_hh, b_hh)),)


class LSTM(_RNNBase):
    """Long short-term memory, gates in PyTorch's order i, f, g, o; returns ``(output, (h_n, c_n))``.

    ``c' = σ(f) c + σ(i) tanh(g)`` and ``h' = σ(o) tanh(c')``.
    """

    _gates = 4
    _states = 2

    def _cell(self, gi, state, w_hh, b_hh):
        h, c = state
        i, f, g, o = ag.split(gi + ag.linear(h, w_hh, b_hh), 4, axis=-1)
        c = ag.sigmoid(f) * c + ag.sigmoid(i) * ag.tanh(g)
        return ag.sigmoid(o) * ag.tanh(c), c


class GRU(_RNNBase):
    """Gated recurrent unit, gates in PyTorch's order r, z, n.

    ``n = tanh(W_in x + b_in + r (W_hn h + b_hn))`` (the reset gate applies after the hidden
    projection, as in PyTorch) and ``h' = (1 - z) n + z h``.
    """

    _gates = 3

    def _cell(self, gi, state, w_hh, b_hh):
        h = state[0]
        i_r, i_z, i_n = ag.split(gi, 3, axis=-1)
        h_r, h_z, h_n = ag.split(ag.linear(h, w_hh, b_hh), 3, axis=-1)
        r = ag.sigmoid(i_r + h_r)
        z = ag.sigmoid(i_z + h_z)
        n = ag.tanh(i_n + r * h_n)
        return ((1 - z) * n + z * h,)

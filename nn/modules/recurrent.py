"""Recurrent layers ``RNN``, ``LSTM``, ``GRU`` and their single-step cells, with PyTorch's parameters.

Each cell kind (Elman, LSTM, GRU) is written once, as the ``_step`` of a small mixin that maps
an input projection and the previous state to the new state; the cells (``RNNCell``,
``LSTMCell``, ``GRUCell``) run it once, the layers run it over every time step of every layer
and direction. Layers own ``weight_ih_l{k}`` (gates·hidden, in), ``weight_hh_l{k}``
(gates·hidden, hidden) and the biases ``bias_ih_l{k}``, ``bias_hh_l{k}`` (suffix ``_reverse``
for the backward direction); cells own the same four without the suffix. Everything is
initialised from U(-1/√hidden, 1/√hidden). A layer projects the whole sequence's input in one
matmul; the recurrence is a Python loop of engine operations, so backpropagation through time
comes from the engine. As in PyTorch, a layer's ``dropout`` acts on the outputs of every layer
but the last, in training mode only.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

import autograd_core as ag
from autograd_core import Tensor

from .. import functional as F
from .. import init
from ..functional.checks import check_dropout_p, check_floating, check_int
from ..module import Module, Parameter

__all__ = ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"]


def _chunks(x: Tensor, k: int) -> list[Tensor]:
    """``x`` cut into ``k`` equal slices along its last dimension (the gates, in PyTorch's order)."""
    size = x.shape[-1] // k
    return [x[..., i * size:(i + 1) * size] for i in range(k)]


# ----------------------------------------------------------------------------- the cell math, once each
class _Elman:
    """``h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)`` with ``act`` tanh or relu."""

    _gates, _states = 1, 1
    nonlinearity = "tanh"

    def _check_nonlinearity(self, nonlinearity: str) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"{type(self).__name__}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")

    def _step(self, gi: Tensor, state: tuple, w_hh: Tensor, b_hh: Tensor | None) -> tuple:
        act = ag.tanh if self.nonlinearity == "tanh" else ag.relu
        return (act(gi + ag.linear(state[0], w_hh, b_hh)),)


class _LSTMGates:
    """Gates in PyTorch's order i, f, g, o: ``c' = σ(f) c + σ(i) tanh(g)`` and ``h' = σ(o) tanh(c')``."""

    _gates, _states = 4, 2

    def _step(self, gi: Tensor, state: tuple, w_hh: Tensor, b_hh: Tensor | None) -> tuple:
        h, c = state
        i, f, g, o = _chunks(gi + ag.linear(h, w_hh, b_hh), 4)
        c = ag.sigmoid(f) * c + ag.sigmoid(i) * ag.tanh(g)
        return ag.sigmoid(o) * ag.tanh(c), c


class _GRUGates:
    """Gates in PyTorch's order r, z, n: ``n = tanh(W_in x + b_in + r (W_hn h + b_hn))``, ``h' = (1 - z) n + z h``.

    The reset gate applies after the hidden projection, as in PyTorch.
    """

    _gates, _states = 3, 1

    def _step(self, gi: Tensor, state: tuple, w_hh: Tensor, b_hh: Tensor | None) -> tuple:
        h = state[0]
        i_r, i_z, i_n = _chunks(gi, 3)
        h_r, h_z, h_n = _chunks(ag.linear(h, w_hh, b_hh), 3)
        r = ag.sigmoid(i_r + h_r)
        z = ag.sigmoid(i_z + h_z)
        n = ag.tanh(i_n + r * h_n)
        return ((1 - z) * n + z * h,)


# ----------------------------------------------------------------------------- what layers and cells share
class _Recurrent(Module):
    """Parameter layout, PyTorch's uniform init and initial-state checks, common to layers and cells."""

    _gates: int
    _states: int

    def __init__(self, input_size: int, hidden_size: int, bias: bool) -> None:
        super().__init__()
        # PyTorch's cells accept hidden_size=0 (its layers do not); we refuse both alike
        check_int(input_size, "input_size"), check_int(hidden_size, "hidden_size")
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias

    def _add_weights(self, suffix: str, width: int) -> None:
        """Register ``weight_ih{suffix}``, ``weight_hh{suffix}`` (and the biases) for inputs of ``width``."""
        rows = self._gates * self.hidden_size
        shapes = {"weight_ih": (rows, width), "weight_hh": (rows, self.hidden_size)}
        if self.bias:
            shapes.update(bias_ih=(rows,), bias_hh=(rows,))
        for name, shape in shapes.items():
            setattr(self, name + suffix, Parameter(np.empty(shape, ag.get_default_dtype())))

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/√hidden, 1/√hidden), in registration order (PyTorch's rule)."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _initial_state(self, hx, lead: tuple, batch: int, batched: bool, dtype) -> list[Tensor]:
        """The state tensors, each ``(*lead, N, H)``; zeros when ``hx`` is None.

        ``lead`` is ``(layers·directions,)`` for a layer and ``()`` for a cell; an unbatched ``hx``
        lacks the ``N`` axis, which is added here.
        """
        name = type(self).__name__
        if hx is None:
            return [Tensor(np.zeros((*lead, batch, self.hidden_size), dtype))] * self._states
        states = list(hx) if isinstance(hx, (tuple, list)) else [hx]
        if len(states) != self._states:
            raise ValueError(f"{name}: expected {self._states} initial state tensors, got {len(states)}")
        expected = (*lead, batch, self.hidden_size) if batched else (*lead, self.hidden_size)
        states = [s if isinstance(s, Tensor) else Tensor(s) for s in states]
        for s in states:
            if s.shape != expected:
                raise ValueError(f"{name}: initial state has shape {s.shape}, expected {expected}")
        return states if batched else [ag.unsqueeze(s, len(lead)) for s in states]


class _RNNBase(_Recurrent):
    """A stack of (bidirectional) layers running the mixin's ``_step`` over time."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False) -> None:
        super().__init__(input_size, hidden_size, bias)
        check_int(num_layers, "num_layers")
        check_dropout_p(dropout, f"{type(self).__name__}: dropout probability")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{type(self).__name__}: dropout applies between stacked layers only, so dropout={dropout} "
                          "has no effect with num_layers=1", stacklevel=2)
        self.num_layers, self.batch_first, self.dropout, self.bidirectional = num_layers, batch_first, dropout, \
            bidirectional
        directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            for suffix in ("", "_reverse")[:directions]:
                self._add_weights(f"_l{layer}{suffix}", input_size if layer == 0 else hidden_size * directions)
        self.reset_parameters()

    @property
    def is_random(self) -> bool:
        """True when dropout acts between layers, so training-mode outputs are random (see ``gradcheck_module``)."""
        return self.dropout > 0 and self.num_layers > 1

    def _direction(self, x: Tensor, state: tuple, layer: int, suffix: str) -> tuple[Tensor, tuple]:
        """Run one layer in one direction over ``x`` (T, N, in): (outputs (T, N, H), final state)."""
        w_ih, w_hh = (getattr(self, f"weight_{k}_l{layer}{suffix}") for k in ("ih", "hh"))
        b_ih, b_hh = (getattr(self, f"bias_{k}_l{layer}{suffix}") if self.bias else None for k in ("ih", "hh"))
        gi = ag.linear(x, w_ih, b_ih)  # the input projection of every time step in one matmul
        steps = range(x.shape[0] - 1, -1, -1) if suffix else range(x.shape[0])
        outputs = [None] * x.shape[0]
        for t in steps:
            state = self._step(gi[t], state, w_hh, b_hh)
            outputs[t] = state[0]
        return ag.stack(outputs, 0), state

    def forward(self, input: Tensor, hx=None):
        """Run the stack over ``input`` (T, N, in), (N, T, in) with ``batch_first``, or unbatched (T, in)."""
        name = type(self).__name__
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            raise ValueError(f"{name}: input of shape {input.shape} must be (seq, batch, {self.input_size}), "
                             f"(batch, seq, {self.input_size}) or (seq, {self.input_size})")
        check_floating(name, input, ValueError)  # PyTorch's type for it here
        batched = input.ndim == 3
        x = input if not batched else (ag.swapaxes(input, 0, 1) if self.batch_first else input)
        x = x if batched else ag.unsqueeze(x, 1)
        if x.shape[0] == 0:
            raise ValueError(f"{name}: expected a sequence length larger than 0, got input of shape {input.shape}")
        suffixes = ("", "_reverse") if self.bidirectional else ("",)
        states = self._initial_state(hx, (self.num_layers * len(suffixes),), x.shape[1], batched, x.dtype)
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
        final = [ag.stack([f[k] for f in finals], 0) for k in range(self._states)]
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


class _CellBase(_Recurrent):
    """One time step of the mixin's ``_step`` on an input (N, in) or unbatched (in,)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        super().__init__(input_size, hidden_size, bias)
        self._add_weights("", input_size)
        self.reset_parameters()

    def forward(self, input: Tensor, hx=None):
        """The next state from ``input`` and ``hx`` (zeros when None): ``h'``, or ``(h', c')`` for an LSTM cell."""
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(f"{type(self).__name__}: input of shape {input.shape} must be "
                             f"(batch, {self.input_size}) or ({self.input_size},)")
        check_floating(type(self).__name__, input, ValueError)
        batched = input.ndim == 2
        x = input if batched else ag.unsqueeze(input, 0)
        state = tuple(self._initial_state(hx, (), x.shape[0], batched, x.dtype))
        state = self._step(ag.linear(x, self.weight_ih, self.bias_ih if self.bias else None), state,
                           self.weight_hh, self.bias_hh if self.bias else None)
        if not batched:
            state = tuple(ag.squeeze(s, 0) for s in state)
        return state if self._states > 1 else state[0]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


# ----------------------------------------------------------------------------- public classes
class RNN(_Elman, _RNNBase):
    """Elman RNN layers: ``h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)`` with ``act`` tanh or relu."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False) -> None:
        self._check_nonlinearity(nonlinearity)
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional)
        self.nonlinearity = nonlinearity


class LSTM(_LSTMGates, _RNNBase):
    """Long short-term memory layers, gates i, f, g, o; returns ``(output, (h_n, c_n))``."""


class GRU(_GRUGates, _RNNBase):
    """Gated recurrent unit layers, gates r, z, n (PyTorch's formulation)."""


class RNNCell(_Elman, _CellBase):
    """One Elman step ``h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)``; ``act`` is tanh or relu."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh") -> None:
        self._check_nonlinearity(nonlinearity)
        super().__init__(input_size, hidden_size, bias)
        self.nonlinearity = nonlinearity


class LSTMCell(_LSTMGates, _CellBase):
    """One LSTM step: ``(h', c')`` from the input and ``hx = (h, c)``."""


class GRUCell(_GRUGates, _CellBase):
    """One GRU step: ``h'`` from the input and ``hx = h``."""

"""Class-index cross-entropy as one primitive: log-softmax, the target's log-probability and the reduction.

``nn.functional.cross_entropy`` runs on it in the common case (logits ``(N, C)``, integer targets,
no class weights, no label smoothing); the general composite of ``log_softmax`` and a weighted sum
serves the rest. One record in place of the composite's three (log-softmax, multiply, sum) keeps the
step lean: the forward reads only the targets' log-probabilities (a gather, not an ``(N, C)``
coefficient array), and the VJP is one primitive, ``(softmax - one_hot) · scale``, whose own VJPs
keep higher orders exact; backward without ``create_graph`` runs its numpy kernel directly on the
forward's log-probabilities (an array VJP). Semantics are PyTorch's: targets equal to ``ignore_index`` contribute
nothing, ``'mean'`` divides by the number of the others (NaN, with a zero gradient, when there are
none), ``'none'`` gives one loss per sample.
"""
from __future__ import annotations

import numpy as np

from ..registry import REAL, Primitive, register
from ..tensor import Tensor, new_tensor
from .reduction import log_softmax_forward

_TORCH_REDUCTION = {"none": 0, "mean": 1, "sum": 2}  # aten's enum, for the PyTorch reference


def _kept(target: np.ndarray, ignore_index: int) -> np.ndarray | None:
    """Mask of the targets that count, or None when all do (the common case: no masking passes)."""
    kept = target != ignore_index
    return None if kept.all() else kept


def _row_factor(kept: np.ndarray | None, n: int, reduction: str, dtype) -> np.ndarray | float:
    """Each of the ``n`` samples' weight in the reduced loss: 1 (``'sum'``, ``'none'``) or 1/counted
    (``'mean'``), 0 if ignored; a number when every target counts (``kept`` None), else an ``(N,)`` array."""
    count = n if kept is None else int(np.count_nonzero(kept))
    factor = (1.0 / count if count else 0.0) if reduction == "mean" else 1.0
    return factor if kept is None else (kept * factor).astype(dtype)


def _factor(target: np.ndarray, ignore_index: int, reduction: str, dtype):
    """``_row_factor`` for the engine-operation VJPs: a number, or a constant ``(N, 1)`` tensor."""
    factor = _row_factor(_kept(target, ignore_index), len(target), reduction, dtype)
    return factor if type(factor) is float else new_tensor(factor.reshape(-1, 1))


def _cross_entropy_forward(x, target, ignore_index=-100, reduction="mean"):
    """``-log_softmax(x)[i, target[i]]`` per sample, reduced; the log-probabilities ride along for the VJP."""
    logp = log_softmax_forward(x, 1)
    kept = _kept(target, ignore_index)
    rows = np.arange(len(target))
    if kept is None:
        losses = -logp[rows, target]
    else:  # ignored targets may lie outside [0, C): read class 0 there, then zero it
        losses = -logp[rows, np.where(kept, target, 0)]
        losses[~kept] = 0
    if reduction == "none":
        return losses, logp
    total = np.add.reduce(losses)
    count = len(target) if kept is None else int(np.count_nonzero(kept))
    if reduction == "sum" or count == 0:  # nothing counted: the mean is NaN, as in PyTorch
        return (total if reduction == "sum" else total * np.nan), logp
    return total / count, logp


def _cross_entropy_backward_forward(g, y, target, ignore_index=-100, reduction="mean"):
    """``g · factor · (exp(y) - one_hot(target))`` per row, in one temporary."""
    out = np.exp(y)
    kept = _kept(target, ignore_index)
    rows = np.arange(len(target))
    if kept is None:
        out[rows, target] -= 1
    else:
        out[rows[kept], target[kept]] -= 1
    scale = g * _row_factor(kept, len(target), reduction, out.dtype)  # (), or (N,) for per-row factors
    out *= scale.reshape(-1, 1) if scale.ndim else scale
    return out


def _scale(g, target: np.ndarray, ignore_index: int, reduction: str):
    """The per-row scale ``g · factor`` of the gradient, in engine operations of ``g``: () or (N, 1)."""
    return (_ops.reshape(g, (-1, 1)) if reduction == "none" else g) * _factor(target, ignore_index, reduction, g.dtype)


def _one_hot(y, target: np.ndarray):
    """The targets' one-hot rows in ``y``'s layout (all zero where a target lies outside [0, C), i.e. ignored)."""
    hot = np.zeros(y.shape, y.dtype)
    inside = (target >= 0) & (target < y.shape[1])
    hot[np.arange(len(target))[inside], target[inside]] = 1
    return new_tensor(hot)


def _backward_vjp_g(h, g, y, target, ignore_index=-100, reduction="mean"):
    """d/dg: the row sums of ``h · (exp(y) - one_hot)`` times each row's factor (summed unless ``'none'``)."""
    target = target.data
    rows = h * (_ops.exp(y) - _one_hot(y, target)) * _factor(target, ignore_index, reduction, h.dtype)
    return _ops.sum(rows, axis=1) if reduction == "none" else _ops.sum(rows)


def _sample_cross_entropy(s, domains, backward: bool = False):
    """Logits (N, C), class indices with some ignored (never the first, so a mean has something to count)."""
    n, classes = s.integers(1, 3), s.integers(1, 4)
    ignore_index = s.choice([-100, 0]) if classes > 1 else -100
    target = [s.integers(1 if ignore_index == 0 else 0, classes - 1)]
    target += [ignore_index if s.boolean() else s.integers(0, classes - 1) for _ in range(n - 1)]
    reduction = s.choice(["mean", "sum", "none"])
    params = {"ignore_index": ignore_index, "reduction": reduction}
    x = s.array((n, classes), domains[-1])
    if backward:
        return [s.array((n,) if reduction == "none" else (), domains[0]), x, np.array(target)], params
    return [x, np.array(target)], params


def _torch_backward(T, g, y, target, ignore_index, reduction):
    """PyTorch's two backward kernels in a row: NLL's, then log-softmax's."""
    counted = (target != ignore_index).sum().to(y.dtype)
    nll = T.ops.aten.nll_loss_backward(g, y, target, None, _TORCH_REDUCTION[reduction], ignore_index, counted)
    return T.ops.aten._log_softmax_backward_data(nll, y, 1, y.dtype)


def _as_target(target):
    """Class indices as a constant tensor (a bare integer array would be cast to the logits' dtype)."""
    return target if isinstance(target, Tensor) else new_tensor(np.asarray(target))


CROSS_ENTROPY_BACKWARD = register(Primitive(
    "cross_entropy_backward", _cross_entropy_backward_forward, api=(), inputs=("g", "y", "target"),
    saves=("g", "y", "target"), domain=(REAL, REAL), sample=lambda s, d: _sample_cross_entropy(s, d, backward=True),
    torch=_torch_backward,
    vjp=(_backward_vjp_g,
         lambda h, g, y, target, ignore_index=-100, reduction="mean":  # d/dy: h · scale · exp(y)
             h * _scale(g, target.data, ignore_index, reduction) * _ops.exp(y),
         None)))


@CROSS_ENTROPY_BACKWARD.public
def _cross_entropy_backward(g, y, target, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """The cross-entropy VJP for log-probabilities ``y`` (engine-internal; called so by the registry tests)."""
    return _apply(CROSS_ENTROPY_BACKWARD, g, y, _as_target(target), ignore_index=ignore_index, reduction=reduction)


def _cross_entropy_vjp(g, x, target, logp, ignore_index=-100, reduction="mean"):
    """The differentiable VJP (backward with ``create_graph``): the log-probabilities are recomputed in the
    graph, not taken from forward's ``logp``, so that second derivatives see their dependence on ``x``."""
    return _apply(CROSS_ENTROPY_BACKWARD, g, _ops.log_softmax(x, 1), target, ignore_index=ignore_index,
                  reduction=reduction)


CROSS_ENTROPY = register(Primitive(
    "cross_entropy", _cross_entropy_forward, api=(), inputs=("x", "target"), extras=("logp",),
    saves=("x", "target", "logp"), domain=(REAL,), sample=_sample_cross_entropy,
    torch=lambda T, x, target, ignore_index, reduction: T.nn.functional.cross_entropy(
        x, target, ignore_index=ignore_index, reduction=reduction),
    vjp=(_cross_entropy_vjp, None),
    # first-order backward: the backward kernel on forward's log-probabilities, no dispatch
    array_vjp=(lambda g, x, target, logp, ignore_index=-100, reduction="mean":
               _cross_entropy_backward_forward(g, logp, target, ignore_index, reduction), None)))


@CROSS_ENTROPY.public
def cross_entropy(x, target, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Cross-entropy of logits ``x`` (N, C) against integer class indices ``target`` (N,), already checked
    (``nn.functional.cross_entropy`` validates and chooses this path)."""
    return _apply(CROSS_ENTROPY, x, _as_target(target), ignore_index=ignore_index, reduction=reduction)


from .. import ops as _ops  # noqa: E402
from ..node import apply as _apply  # noqa: E402

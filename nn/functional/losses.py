"""Loss functions with PyTorch's formulas and ``reduction='mean'|'sum'|'none'``, composed from engine ops.

Losses on logits go through log-sum-exp (``log_softmax``) or the overflow-free ``log(1 + exp)``,
so logits of ±1e4 give finite, correct values and gradients. Class-index targets become a
constant coefficient array (one-hot × class weight × not-ignored, plus the label-smoothing
share), so ``cross_entropy`` and ``nll_loss`` are one weighted sum over the class dimension.
"""
from __future__ import annotations

import math

import numpy as np

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.ops.losses import cross_entropy as fused_cross_entropy
from autograd_core.tensor import data_of

from .activations import _log1p_exp, log_softmax
from .checks import check_floating, check_real

__all__ = ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "kl_div"]

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    """Apply ``reduction`` to an elementwise loss: unchanged, summed or averaged."""
    _check_reduction(reduction)
    if reduction == "none":
        return loss
    return ag.sum(loss) if reduction == "sum" else ag.mean(loss)


def _as_tensor(value, like: Tensor) -> Tensor:
    """``value`` as a Tensor; raw floating data takes a floating ``like``'s dtype (numpy data never upcasts float32)."""
    if isinstance(value, Tensor):
        return value
    value = np.asarray(value)
    return Tensor(value.astype(like.dtype) if value.dtype.kind == "f" and like.dtype.kind == "f" else value)


def _paired(name: str, input: Tensor, target, floating_target: bool = False) -> Tensor:
    """``target`` as a Tensor, after checking it has ``input``'s shape (no silent broadcasting) and the dtypes.

    The input (a prediction) must be floating; the target may be integer where PyTorch promotes it
    (regression losses) unless ``floating_target``, and never boolean (cast a mask first).
    """
    check_floating(name, input)
    target = _as_tensor(target, input)
    if target.dtype == np.bool_ or (floating_target and target.dtype.kind != "f"):
        raise TypeError(f"{name}: target ({target.dtype}) must be {'floating' if floating_target else 'numeric'}")
    if target.shape != input.shape:
        raise ValueError(f"{name}: target shape {target.shape} differs from input shape {input.shape}")
    return target


def mse_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Squared error ``(input - target)²``."""
    diff = input - _paired("mse_loss", input, target)
    return _reduce(diff * diff, reduction)


def l1_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Absolute error ``|input - target|``."""
    return _reduce(ag.abs(input - _paired("l1_loss", input, target)), reduction)


def _huber(diff: Tensor, delta: float) -> Tensor:
    """``½ d²`` where ``|d| < delta``, else ``delta (|d| - ½ delta)``."""
    size = ag.abs(diff)
    return ag.where(size < delta, diff * diff * 0.5, (size - 0.5 * delta) * delta)


def huber_loss(input: Tensor, target, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Huber loss: quadratic for errors below ``delta``, linear (slope ``delta``) above."""
    check_real(delta, "delta")
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    return _reduce(_huber(input - _paired("huber_loss", input, target), delta), reduction)


def smooth_l1_loss(input: Tensor, target, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Huber loss divided by ``beta`` (slope 1 above ``beta``); plain L1 when ``beta == 0``."""
    check_real(beta, "beta")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    diff = input - _paired("smooth_l1_loss", input, target)
    return _reduce(_huber(diff, beta) / beta if beta > 0 else ag.abs(diff), reduction)


_BCE_EPS = 1e-12  # PyTorch's floor on p (1 - p) in the BCE gradient


def binary_cross_entropy(input: Tensor, target, weight=None, reduction: str = "mean") -> Tensor:
    """``-w [t log p + (1 - t) log(1 - p)]`` for probabilities ``p``, each log clamped at -100, as PyTorch.

    The gradient is PyTorch's ``(p - t) / max(p (1 - p), 1e-12)``: where ``p (1 - p)`` is below the floor
    (a saturated prediction) the loss is the clamped value plus ``((p - t)² - (p₀ - t)²) / 2e-12``, a term
    that is zero in value and carries exactly that gradient; elsewhere it is the plain formula.
    """
    target = _paired("binary_cross_entropy", input, target, floating_target=True)
    p = input.data
    for name, values in (("input", p), ("target", target.data)):
        if not np.all((values >= 0) & (values <= 1)):  # NaN fails both comparisons, as in PyTorch's check
            bad = values[~((values >= 0) & (values <= 1))].flat[0]
            raise ValueError(f"binary_cross_entropy: {name} must hold probabilities in [0, 1], got {bad}"
                             + ("; use binary_cross_entropy_with_logits for logits" if name == "input" else ""))
    saturated = p * (1 - p) < _BCE_EPS
    if saturated.any():
        with np.errstate(divide="ignore"):
            log_p, log_q = np.maximum(np.log(p), -100.0), np.maximum(np.log1p(-p), -100.0)
        safe = ag.where(saturated, 0.5, input)  # keeps the plain branch finite where it is not used
        plain = -(target * ag.log(safe) + (1 - target) * ag.log1p(-safe))
        p0 = input.detach()
        pinned = -(target * log_p.astype(p.dtype) + (1 - target) * log_q.astype(p.dtype)) + \
            ((input - target) ** 2 - (p0 - target) ** 2) * (0.5 / _BCE_EPS)
        loss = ag.where(saturated, pinned, plain)
    else:
        loss = -(target * ag.log(input) + (1 - target) * ag.log1p(-input))
    return _reduce(loss if weight is None else loss * weight, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target, weight=None, reduction: str = "mean",
                                     pos_weight=None) -> Tensor:
    """BCE of ``sigmoid(x)`` computed stably: ``(1 - t) x + (1 + (pw - 1) t) log(1 + exp(-x))``.

    ``pos_weight`` (broadcast over the last, class dimension) scales the positive term.
    """
    target = _paired("binary_cross_entropy_with_logits", input, target, floating_target=True)
    softplus_neg = _log1p_exp(-input)  # -log sigmoid(x)
    if pos_weight is not None:
        softplus_neg = softplus_neg * ((_as_tensor(pos_weight, input) - 1) * target + 1)
    loss = (1 - target) * input + softplus_neg
    return _reduce(loss if weight is None else loss * weight, reduction)


def _check_class_input(input: Tensor, name: str) -> None:
    """Logits or log-probabilities must be floating and have a class dimension (checked once per call)."""
    check_floating(name, input)
    if input.ndim == 0:
        raise ValueError(f"{name}: input of shape () has no class dimension: expected (N, C, ...) or (C,)")


def _class_dim(x) -> int:
    """The class axis: 1, or 0 for one unbatched sample (C,)."""
    return 1 if x.ndim >= 2 else 0


def _class_weight(weight, input: Tensor, name: str) -> np.ndarray | float:
    """Per-class weights shaped to broadcast along the class dimension (1.0 when ``None``)."""
    if weight is None:
        return 1.0
    classes = input.shape[_class_dim(input)]
    w = np.asarray(data_of(weight))
    if w.shape != (classes,):
        raise ValueError(f"{name}: weight must have shape ({classes},), one per class, got {w.shape}")
    return w.reshape((classes,) + (1,) * (input.ndim - _class_dim(input) - 1))


def _class_targets(input: Tensor, target, ignore_index: int, name: str) -> np.ndarray:
    """Class-index ``target`` as an integer array, checked against ``input``: its shape (``input``'s without
    the class dimension) and its range (every index not ``ignore_index`` lies in ``[0, C)``)."""
    t = np.asarray(data_of(target))
    classes = input.shape[_class_dim(input)]
    expected = input.shape[:1] + input.shape[2:] if input.ndim >= 2 else ()
    if t.dtype.kind not in "iu":
        raise ValueError(f"{name}: class-index targets must be integers, got dtype {t.dtype} "
                         f"(probability targets must be floating with the input's shape {input.shape})")
    if t.shape != expected:
        raise ValueError(f"{name}: class-index target of shape {t.shape} does not fit input of shape {input.shape}; "
                         f"expected {expected}")
    if t.size and (t.min() < 0 or t.max() >= classes):  # two reductions in the common case, then the exact test
        bad = (t != ignore_index) & ((t < 0) | (t >= classes))
        if bad.any():  # PyTorch's IndexError
            raise IndexError(f"{name}: target class {t[bad].flat[0]} is out of range [0, {classes}) "
                             f"(ignore_index={ignore_index})")
    return t


def _one_hot(input: Tensor, target, ignore_index: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """One-hot (bool) of class-index ``target`` in ``input``'s layout (False where ignored) and the kept mask."""
    t = _class_targets(input, target, ignore_index, name)
    dim = _class_dim(input)
    classes = input.shape[dim]
    kept = t != ignore_index
    with_class_dim = t.shape[:dim] + (1,) + t.shape[dim:]  # reshape, not np.expand_dims: this runs every step
    kept = kept.reshape(with_class_dim)
    onehot = t.reshape(with_class_dim) == np.arange(classes).reshape((classes,) + (1,) * (input.ndim - dim - 1))
    return onehot & kept, kept


def _class_loss(logp: Tensor, coef: np.ndarray, reduction: str, counted: float) -> Tensor:
    """``-Σ_c coef · logp`` over the class dimension, reduced; ``coef`` = one-hot × weight (+ smoothing).

    The weighted ``'mean'`` divides by ``counted``, the weight of the non-ignored targets. The sign and that
    divisor are folded into the constant, so a reduced loss costs one multiply and one sum; with
    nothing counted (every target ignored) the mean is NaN with a zero gradient, as in PyTorch.
    """
    _check_reduction(reduction)
    if not np.isfinite(logp.data).all():  # a -inf log-probability of a class with no weight adds 0, not NaN
        logp = ag.where(coef != 0, logp, 0.0)
    if reduction == "none":
        return ag.sum(logp * (-coef).astype(logp.dtype), axis=_class_dim(logp))
    total = counted if reduction == "mean" else 1.0
    loss = ag.sum(logp * (coef * (-1.0 / total if total else 0.0)).astype(logp.dtype))
    return loss if total else loss + math.nan


def nll_loss(input: Tensor, target, weight=None, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """``-w[t] · input[t]`` for log-probabilities ``input`` (N, C, ...); the weighted mean divides by Σ w[t]."""
    _check_class_input(input, "nll_loss")
    coef = _one_hot(input, target, ignore_index, "nll_loss")[0] * _class_weight(weight, input, "nll_loss")
    return _class_loss(input, coef, reduction, coef.sum())


def cross_entropy(input: Tensor, target, weight=None, ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy of logits ``input`` (N, C, d1, ...) or (C,), via ``log_softmax``.

    ``target`` holds class indices (shape without C) or class probabilities (input's shape).
    Label smoothing mixes the target with the uniform distribution: ``(1 - ε) y + ε / C``.
    The weighted ``'mean'`` divides by the summed weight of non-ignored index targets, and by
    the number of samples for probability targets, as PyTorch does. The common case (logits
    ``(N, C)``, class indices, no weight, no smoothing) is the engine's fused primitive; the rest
    is ``log_softmax`` and a weighted sum.
    """
    check_real(label_smoothing, "label_smoothing")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    _check_class_input(input, "cross_entropy")
    dim = _class_dim(input)
    t_dtype = target.dtype if isinstance(target, Tensor) else np.asarray(target).dtype
    if input.ndim == 2 and t_dtype.kind != "f" and weight is None and not label_smoothing:
        _check_reduction(reduction)
        return fused_cross_entropy(input, _class_targets(input, target, ignore_index, "cross_entropy"),
                                   ignore_index, reduction)
    classes = input.shape[dim]
    w = _class_weight(weight, input, "cross_entropy")
    logp = log_softmax(input, dim)
    if t_dtype.kind == "f":
        target = _paired("cross_entropy (probability targets)", input, target)
        if label_smoothing:
            target = target * (1 - label_smoothing) + label_smoothing / classes
        weighted = target if weight is None else target * w.astype(input.dtype)
        return _reduce(-ag.sum(logp * weighted, axis=dim), reduction)
    onehot, kept = _one_hot(input, target, ignore_index, "cross_entropy")
    # the one-hot part is the NLL; the smoothing part spreads ε/C over every class of kept targets
    nll = onehot * w
    coef = nll * (1 - label_smoothing) + kept * w * (label_smoothing / classes) if label_smoothing else nll
    return _class_loss(logp, coef, reduction, nll.sum())


def kl_div(input: Tensor, target, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Pointwise KL divergence ``t (log t - input)`` with log-probabilities ``input`` (0 where t = 0).

    ``'mean'`` averages over all elements (PyTorch's definition); ``'batchmean'`` divides the
    sum by the batch size, which gives the true KL divergence.
    """
    target = _paired("kl_div", input, target, floating_target=True)
    if log_target:
        loss = ag.exp(target) * (target - input)
    else:
        # 0 where t = 0; NaN for a negative t, as PyTorch's xlogy gives
        loss = target * (ag.log(ag.where(target == 0, 1.0, target)) - input)
    if reduction == "batchmean":
        return ag.sum(loss) / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)

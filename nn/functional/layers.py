"""Stateless layer functions (PyTorch's ``nn.functional``), each a composition of engine operations.

Normalization layers are means and variances over the right axes; convolution and pooling live
in ``conv.py`` and ``pooling.py``. No function here defines a backward.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.tensor import data_of

from .checks import check_dropout_p, check_floating, check_int, sizes
from .conv import pad_by_mode

__all__ = ["linear", "dropout", "batch_norm", "layer_norm", "one_hot", "pad", "embedding", "maxout"]


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``x @ weight.T + bias`` with PyTorch's ``(out_features, in_features)`` weight layout.

    The input must be floating and of the weight's dtype: PyTorch refuses integers and a float64 input to
    float32 weights (cast numpy's float64 data with ``.float()`` first)."""
    check_floating("linear", x)
    return ag.linear(x, weight, bias)


def dropout(x: Tensor, p: float = 0.5, training: bool = True, generator: np.random.Generator | None = None) -> Tensor:
    """Inverted dropout: zero each element with probability ``p`` and scale survivors by ``1/(1-p)``.

    Returns ``x`` itself when not training (or ``p == 0``), so evaluation is exactly the identity.
    """
    check_dropout_p(p)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    rng = generator if generator is not None else ag.default_generator()
    mask = (rng.random(x.shape) >= p).astype(x.dtype) * np.asarray(1.0 / (1.0 - p), x.dtype)
    return x * mask


def _channel_shape(x: Tensor) -> tuple:
    """Shape that broadcasts a per-channel vector against ``x`` (channels on axis 1)."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def batch_norm(x: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Normalize each channel (axis 1) by batch statistics in training, by the running ones otherwise.

    In training the running averages are updated in place, PyTorch's way:
    ``running = (1 - momentum)·running + momentum·batch``, with the *unbiased* batch variance,
    while the normalization itself uses the biased one.
    """
    if x.ndim < 2:
        raise ValueError(f"batch_norm expects (N, C, ...) input, got shape {x.shape}")
    check_floating("batch_norm", x)
    shape = _channel_shape(x)
    axes = (0,) + tuple(range(2, x.ndim))
    if training:
        n = x.shape[0] * math.prod(x.shape[2:])
        if n == 1:
            raise ValueError(f"expected more than 1 value per channel when training, got input of shape {x.shape}")
        if n == 0:  # an empty batch gives an empty output and leaves the running statistics alone, as in PyTorch
            mean = var = ag.sum(x, axis=axes, keepdims=True)
        else:
            mean = x.mean(axis=axes, keepdims=True)
            var = x.var(axis=axes, keepdims=True, correction=0)
        if running_mean is not None and running_var is not None and n:
            with ag.no_grad():
                running_mean.mul_(1 - momentum).add_(mean.data.reshape(-1), alpha=momentum)
                running_var.mul_(1 - momentum).add_(var.data.reshape(-1), alpha=momentum * n / (n - 1))
    elif running_mean is None or running_var is None:
        raise ValueError("batch_norm in evaluation mode needs running_mean and running_var")
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    out = (x - mean) * (var + eps) ** -0.5
    if weight is not None:
        out = out * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)


def layer_norm(x: Tensor, normalized_shape: int | Sequence[int], weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalize over the trailing ``normalized_shape`` dimensions of each sample (biased variance)."""
    normalized_shape = sizes(normalized_shape, "normalized_shape")
    k = len(normalized_shape)
    if tuple(x.shape[x.ndim - k:]) != normalized_shape:
        raise ValueError(f"layer_norm: input shape {x.shape} does not end with normalized_shape {normalized_shape}")
    axes = tuple(range(x.ndim - k, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    out = (x - mean) * (x.var(axis=axes, keepdims=True, correction=0) + eps) ** -0.5
    if weight is not None:
        out = out * weight
    return out if bias is None else out + bias


def one_hot(indices, num_classes: int = -1) -> Tensor:
    """Integer class indices to an int64 one-hot tensor with a new last dimension (not differentiable)."""
    idx = np.asarray(data_of(indices))
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot needs integer indices, got dtype {idx.dtype}")
    n = int(idx.max()) + 1 if num_classes == -1 and idx.size else max(num_classes, 0)
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"one_hot: class indices must be in [0, {n}), got range [{idx.min()}, {idx.max()}]")
    return Tensor(np.eye(n, dtype=np.int64)[idx])


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """PyTorch's padding spec: pairs ``(before, after)`` starting from the *last* dimension; ``mode`` is
    ``"constant"`` (filled with ``value``), ``"reflect"``, ``"replicate"`` or ``"circular"``."""
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad needs an even number of widths, at most 2 per dimension, got {tuple(pad)} "
                         f"for a {x.ndim}-d input")
    k = len(pad) // 2
    pairs = [(int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(k)][::-1]  # first padded dim first
    if mode == "constant":
        return ag.pad(x, [(0, 0)] * (x.ndim - k) + pairs, value)
    if mode in ("reflect", "replicate", "circular") and not (1 <= k <= 3 and x.ndim in (k + 1, k + 2)):
        # PyTorch pads the last 1-3 dims of a (batch,) channels, *spatial input only in these modes
        raise NotImplementedError(f"pad: mode={mode!r} pads the last 1, 2 or 3 dims of a tensor with one or two "
                                  f"more dims; got {len(pad)} widths for a {x.ndim}-d input")
    return pad_by_mode(x, tuple(pairs), mode)


def embedding(indices, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` picked by integer ``indices``; rows at ``padding_idx`` receive no gradient."""
    idx = np.asarray(data_of(indices))
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding needs integer indices, got dtype {idx.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= weight.shape[0]):
        raise IndexError(f"embedding: indices must be in [0, {weight.shape[0]}), got values from {idx.min()} "
                         f"to {idx.max()}")
    rows = weight[idx]
    if padding_idx is None:
        return rows
    keep = (idx != padding_idx % weight.shape[0])[..., None]
    return ag.where(keep, rows, rows.detach())


def maxout(x: Tensor, weight: Tensor, bias: Tensor | None, k: int) -> Tensor:
    """Maximum over ``k`` affine pieces per output unit; ``weight`` is ``(out·k, in)``, pieces adjacent."""
    y = linear(x, weight, bias)
    return y.reshape(*y.shape[:-1], y.shape[-1] // k, k).amax(dim=-1)


# ----------------------------------------------------------------------------- group normalization
__all__ += ["group_norm"]


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalize ``(N, C, *)`` input over each group of ``C/num_groups`` channels (and all positions) per sample.

    Biased variance as in PyTorch; ``weight`` and ``bias`` are per channel. ``num_groups=1`` is a
    layer norm over ``(C, *)``, ``num_groups=C`` an instance norm.
    """
    num_groups = check_int(num_groups, "num_groups")
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise ValueError(f"group_norm: input of shape {input.shape} must be (N, C, *) with C divisible by "
                         f"num_groups={num_groups}")
    n = input.shape[0]
    groups = input.reshape(n, num_groups, math.prod(input.shape[1:]) // num_groups)  # explicit: n may be 0
    mean = groups.mean(axis=-1, keepdims=True)
    var = ag.var(groups, axis=-1, keepdims=True, correction=0)
    out = ((groups - mean) * (var + eps) ** -0.5).reshape(input.shape)
    shape = _channel_shape(input)
    if weight is not None:
        out = out * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)

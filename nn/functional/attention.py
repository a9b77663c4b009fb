"""Scaled dot-product attention, composed from engine operations (matmul, where, softmax, dropout).

``attend`` is the one implementation of ``softmax(q kᵀ · scale + mask) v`` that both
``scaled_dot_product_attention`` and ``nn.MultiheadAttention`` run. A mask is either boolean
(PyTorch's convention here: True means *take part*) or floating (added to the scores, so
``-inf`` excludes). A row whose every score is ``-inf`` gets all-zero weights instead of NaN,
as PyTorch's attention does since 2.5 (``MultiheadAttention`` with ``need_weights=True`` keeps
the plain softmax and its NaN, like PyTorch's, through ``safe_softmax=False``).
"""
from __future__ import annotations

import math

import numpy as np

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.tensor import data_of

from .layers import dropout

__all__ = ["scaled_dot_product_attention"]


def attend(query: Tensor, key: Tensor, value: Tensor, mask=None, dropout_p: float = 0.0,
           scale: float | None = None, safe_softmax: bool = True) -> tuple[Tensor, Tensor]:
    """``(softmax(query keyᵀ·scale + mask) value, the attention weights)`` over the last two dims.

    ``mask`` broadcasts against the ``(..., L, S)`` scores: a boolean one keeps the True positions,
    a floating one (Tensor or array) is added. ``dropout_p`` drops attention weights.
    """
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = ag.matmul(query * scale, ag.swapaxes(key, -2, -1))
    if mask is not None:
        array = np.asarray(data_of(mask))
        scores = ag.where(array, scores, -np.inf) if array.dtype == bool else scores + mask
    dead = np.isneginf(scores.data).all(axis=-1, keepdims=True) if safe_softmax else None
    if dead is not None and dead.any():
        # softmax of an all -inf row is NaN; give it zeros (and a zero gradient) instead
        weights = ag.where(dead, 0.0, ag.softmax(ag.where(dead, 0.0, scores), -1))
    else:
        weights = ag.softmax(scores, -1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    return ag.matmul(weights, value), weights


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """PyTorch's ``scaled_dot_product_attention``: query ``(..., L, E)``, key ``(..., S, E)``, value ``(..., S, Ev)``.

    ``attn_mask`` is boolean (True = take part) or floating (added); ``is_causal`` lets query ``i``
    see keys ``0..i`` only (mutually exclusive with ``attn_mask``); ``scale`` defaults to ``1/√E``;
    ``enable_gqa`` shares each key/value head among ``H_q/H_kv`` query heads (dim -3).
    """
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2 or query.shape[-1] != key.shape[-1] \
            or key.shape[-2] != value.shape[-2]:
        raise ValueError(f"scaled_dot_product_attention: query {query.shape}, key {key.shape} and value "
                         f"{value.shape} must be (..., L, E), (..., S, E) and (..., S, Ev)")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"scaled_dot_product_attention: dropout_p must be in [0, 1], got {dropout_p}")
    if is_causal:
        if attn_mask is not None:
            raise ValueError("scaled_dot_product_attention: attn_mask must be None when is_causal=True")
        attn_mask = np.tril(np.ones((query.shape[-2], key.shape[-2]), bool))
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        heads, kv_heads = query.shape[-3], key.shape[-3]
        if heads % kv_heads or value.shape[-3] != kv_heads:
            raise ValueError(f"scaled_dot_product_attention: {heads} query heads cannot share {kv_heads} key and "
                             f"{value.shape[-3]} value heads (enable_gqa needs a divisor)")
        shared = np.repeat(np.arange(kv_heads), heads // kv_heads)
        key, value = key[..., shared, :, :], value[..., shared, :, :]
    return attend(query, key, value, attn_mask, dropout_p, scale)[0]

"""``MultiheadAttention`` with PyTorch's parameters, masks and returned weights.

The query, key and value are projected by slices of one ``in_proj_weight`` (3·E, E) (or by
separate ``q/k/v_proj_weight`` when ``kdim``/``vdim`` differ from ``embed_dim``), split into
``num_heads`` heads of ``E/num_heads`` features, attended with ``nn.functional.attention.attend``
and merged by ``out_proj``. As in ``torch.nn.MultiheadAttention`` the two masks use the opposite
boolean convention to ``scaled_dot_product_attention``: True in ``key_padding_mask`` (N, S) or
``attn_mask`` (L, S) / (N·num_heads, L, S) means *excluded*; floating masks are added to the scores.
"""
from __future__ import annotations

import numpy as np

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.tensor import data_of

from .. import init
from ..functional.attention import attend
from ..functional.checks import check_dropout_p, check_floating, check_int
from ..module import Module
from .linear import Linear, empty_parameter

__all__ = ["MultiheadAttention"]


class NonDynamicallyQuantizableLinear(Linear):
    """A ``Linear`` under the class name PyTorch gives ``out_proj`` (so reprs and checkpoints read the same)."""


def _additive(mask, name: str, dtype) -> Tensor:
    """A mask as an additive float Tensor: boolean True becomes ``-inf`` (excluded), False 0; floats stay."""
    if mask is None:
        return None
    array = np.asarray(data_of(mask))
    if array.dtype == bool:
        return Tensor(np.where(array, -np.inf, 0.0).astype(dtype))
    if array.dtype.kind != "f":
        raise TypeError(f"MultiheadAttention: {name} must be a bool or floating mask, got dtype {array.dtype}")
    return mask if isinstance(mask, Tensor) else Tensor(array)


class MultiheadAttention(Module):
    """Attention over ``num_heads`` subspaces of ``embed_dim``: ``out_proj(concat_h softmax(q_h k_hᵀ/√d) v_h)``.

    Inputs are ``(L, N, E)`` (``(N, L, E)`` with ``batch_first``) or unbatched ``(L, E)``; ``forward``
    returns ``(output, weights)``, the weights averaged over heads unless ``average_attn_weights=False``
    and None when ``need_weights=False``. ``add_bias_kv`` appends a learned key and value,
    ``add_zero_attn`` a zero one, to every sequence.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, dtype=None) -> None:
        super().__init__()
        if check_int(embed_dim, "embed_dim") % check_int(num_heads, "num_heads"):
            raise ValueError(f"MultiheadAttention: embed_dim={embed_dim} must be divisible by num_heads={num_heads}")
        # PyTorch accepts any dropout here and fails only at a training forward; we refuse it at once
        check_dropout_p(dropout, "MultiheadAttention: dropout probability")
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self.head_dim = embed_dim // num_heads
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = empty_parameter(3 * embed_dim, embed_dim, dtype=dtype)
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.register_parameter("in_proj_weight", None)
            self.q_proj_weight = empty_parameter(embed_dim, embed_dim, dtype=dtype)
            self.k_proj_weight = empty_parameter(embed_dim, self.kdim, dtype=dtype)
            self.v_proj_weight = empty_parameter(embed_dim, self.vdim, dtype=dtype)
        self.register_parameter("in_proj_bias", empty_parameter(3 * embed_dim, dtype=dtype) if bias else None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        for name in ("bias_k", "bias_v"):
            self.register_parameter(name, empty_parameter(1, 1, embed_dim, dtype=dtype) if add_bias_kv else None)
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's init: Xavier-uniform projections, zero biases, Xavier-normal ``bias_k``/``bias_v``."""
        for w in (self.in_proj_weight, self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
            if w is not None:
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        for b in (self.bias_k, self.bias_v):
            if b is not None:
                init.xavier_normal_(b)

    def _project(self, query: Tensor, key: Tensor, value: Tensor) -> list[Tensor]:
        """The three input projections, on ``(N, *, features)`` inputs."""
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            weights = [self.in_proj_weight[i * e:(i + 1) * e] for i in range(3)]
        else:
            weights = [self.q_proj_weight, self.k_proj_weight, self.v_proj_weight]
        b = self.in_proj_bias
        biases = [None] * 3 if b is None else [b[i * e:(i + 1) * e] for i in range(3)]
        return [ag.linear(x, w, bb) for x, w, bb in zip((query, key, value), weights, biases)]

    def _check(self, query: Tensor, key: Tensor, value: Tensor) -> None:
        """Raise ``ValueError`` with all three shapes unless they fit this layer."""
        ranks_ok = query.ndim in (2, 3) and key.ndim == value.ndim == query.ndim
        dims = (query.shape[-1], key.shape[-1], value.shape[-1]) if ranks_ok else ()
        batch_axis = 0 if self.batch_first else 1
        if not ranks_ok or dims != (self.embed_dim, self.kdim, self.vdim) or key.shape[:-1] != value.shape[:-1] \
                or (query.ndim == 3 and query.shape[batch_axis] != key.shape[batch_axis]):
            layout = "(N, L, E)" if self.batch_first else "(L, N, E)"
            raise ValueError(f"MultiheadAttention: query {query.shape}, key {key.shape} and value {value.shape} must "
                             f"all be batched {layout} or unbatched (L, E), with feature sizes {self.embed_dim}, "
                             f"{self.kdim}, {self.vdim} and key and value of one length")
        for name, x in (("query", query), ("key", key), ("value", value)):
            check_floating(f"MultiheadAttention {name}", x)

    def _mask(self, attn_mask, key_padding_mask, n: int, tgt: int, src: int, dtype) -> Tensor | None:
        """``attn_mask`` and ``key_padding_mask`` merged into one additive mask broadcasting to (N, H, L, S)."""
        attn, padding = _additive(attn_mask, "attn_mask", dtype), _additive(key_padding_mask, "key_padding_mask", dtype)
        if attn is not None:
            if attn.shape == (tgt, src):
                pass
            elif attn.shape == (n * self.num_heads, tgt, src):
                attn = attn.reshape(n, self.num_heads, tgt, src)
            else:
                raise ValueError(f"MultiheadAttention: attn_mask of shape {attn.shape} must be ({tgt}, {src}) or "
                                 f"({n * self.num_heads}, {tgt}, {src})")
        if padding is not None:
            if padding.shape != (n, src):
                raise ValueError(f"MultiheadAttention: key_padding_mask of shape {padding.shape} must be "
                                 f"({n}, {src}) (or ({src},) unbatched)")
            padding = padding.reshape(n, 1, 1, src)
        return padding if attn is None else (attn if padding is None else attn + padding)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask=None, need_weights: bool = True,
                attn_mask=None, average_attn_weights: bool = True, is_causal: bool = False):
        """``(attention output like query, weights (N, L, S) or (N, H, L, S), or None)``."""
        self._check(query, key, value)
        if is_causal and attn_mask is None:
            raise ValueError("MultiheadAttention: is_causal=True is a hint that attn_mask is causal; pass the mask too")
        batched = query.ndim == 3
        if not batched:
            query, key, value = (ag.unsqueeze(x, 0) for x in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask[None]
        elif not self.batch_first:
            query, key, value = (ag.swapaxes(x, 0, 1) for x in (query, key, value))
        n, tgt, src = query.shape[0], query.shape[1], key.shape[1]
        mask = self._mask(attn_mask, key_padding_mask, n, tgt, src, query.dtype)
        q, k, v = self._project(query, key, value)
        extra_k, extra_v = [], []
        if self.bias_k is not None:
            extra_k.append(ag.broadcast_to(self.bias_k, (n, 1, self.embed_dim)))
            extra_v.append(ag.broadcast_to(self.bias_v, (n, 1, self.embed_dim)))
        if self.add_zero_attn:
            zeros = Tensor(np.zeros((n, 1, self.embed_dim), q.dtype))
            extra_k.append(zeros)
            extra_v.append(zeros)
        if extra_k:  # appended keys and values take part everywhere: pad the mask with zero columns
            k, v = ag.concatenate([k, *extra_k], axis=1), ag.concatenate([v, *extra_v], axis=1)
            if mask is not None:
                mask = ag.pad(mask, ((0, 0),) * (mask.ndim - 1) + ((0, len(extra_k)),), 0.0)
        heads = [ag.permute(x.reshape(n, x.shape[1], self.num_heads, self.head_dim), (0, 2, 1, 3)) for x in (q, k, v)]
        out, weights = attend(*heads, mask, self.dropout if self.training else 0.0, safe_softmax=not need_weights)
        out = self.out_proj(ag.permute(out, (0, 2, 1, 3)).reshape(n, tgt, self.embed_dim))
        if not batched:
            out, weights = ag.squeeze(out, 0), ag.squeeze(weights, 0)
        elif not self.batch_first:
            out = ag.swapaxes(out, 0, 1)
        if not need_weights:
            return out, None
        return out, (weights.mean(axis=-3) if average_attn_weights else weights)

    @property
    def is_random(self) -> bool:
        """True when attention dropout is active, so training-mode outputs are random (see ``gradcheck_module``)."""
        return self.dropout > 0

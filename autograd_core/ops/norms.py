"""Norms: ``autograd_core.norm`` (PyTorch's ``torch.norm``) and ``linalg.norm``, ``vector_norm``, ``matrix_norm``.

The Euclidean norm is a primitive (one VJP, ``x / ‖x‖``, with gradient 0 at the zero vector as
in PyTorch); every other norm is a composition: p-norms ``(Σ|x|^p)^(1/p)``, ``±inf`` as the
max/min of ``|x|`` (ties share the gradient), ``0`` as the count of non-zeros (gradient 0),
matrix ``±1``/``±inf`` as extreme column/row sums, and ``2``/``-2``/``'nuc'`` from the singular
values. numpy's ``np.linalg.norm``/``vector_norm``/``matrix_norm`` (``axis``/``keepdims``) end in
the same functions, with numpy's rules for which norm ``ord`` and ``axis`` select.
"""
from __future__ import annotations

import numpy as np

from ..registry import NONZERO, REAL, Composite, Domain, Primitive, normalize_axis, register
from ..tensor import Tensor
from .decompositions import full_rank, svdvals
from .inverses import batch_shape
from .products import as_tensors
from .reduction import cast, expand_reduced, reduction_args, squared_magnitude


def _euclidean_forward(x, axis=None, keepdims=False):
    return np.sqrt(np.sum(squared_magnitude(x), axis=axis, keepdims=keepdims))  # real for complex x


def _euclidean_vjp(g, x, out, axis, keepdims):
    # d‖x‖/dx = x/‖x‖, taken as 0 at x = 0 (PyTorch's subgradient)
    out_k = expand_reduced(out, x.shape, axis, keepdims)
    return expand_reduced(g, x.shape, axis, keepdims) * x / _ops.where(out_k.data == 0, 1.0, out_k)


# ----------------------------------------------------------------------------- samplers
VECTOR_ORDS = (2, 1, np.inf, -np.inf, 0, 3, 0.5, -1, 1.5)
MATRIX_ORDS = ("fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf)


def _untied(s, shape: tuple) -> np.ndarray:
    """Non-zero values with distinct magnitudes (no ties for the ±inf norms), random signs."""
    size = int(np.prod(shape))
    magnitudes = s.array((size,), Domain("magnitude", 0.25, 0.25 + 0.0625 * (size + 40), step=0.0625, unique=True))
    return (magnitudes * np.where(s.array((size,), REAL) >= 0, 1.0, -1.0)).reshape(shape)


def _sample_vector(s, domains):
    shape = s.shape(min_dims=1, max_dims=3, min_side=1)
    return [_untied(s, shape)], {"ord": s.choice(VECTOR_ORDS), "dim": s.axes(len(shape)), "keepdim": s.boolean()}


def _sample_matrix(s, domains):
    m, n, batch = s.integers(1, 3), s.integers(1, 3), batch_shape(s)
    A = full_rank(s, m, n, batch) + np.arange(m * n).reshape(m, n) * 0.05  # column/row sums without ties
    dim = s.choice([(-2, -1), (-1, -2)] + ([(0, 1)] if not batch else []))
    return [A], {"ord": s.choice(MATRIX_ORDS), "dim": dim, "keepdim": s.boolean()}


def _sample_euclidean(s, domains):
    (x,), params = _sample_vector(s, domains)
    return [x], {"axis": params["dim"], "keepdims": params["keepdim"]}


def _sample_norm(s, domains):
    form = s.choice(["flat", "vector", "matrix"])
    if form == "flat":
        return [_untied(s, s.shape(min_dims=1, max_dims=3, min_side=1))], {}
    if form == "vector":
        (x,), params = _sample_vector(s, domains)
        return [x], {"ord": params["ord"], "dim": s.integers(-x.ndim, x.ndim - 1), "keepdim": params["keepdim"]}
    return _sample_matrix(s, domains)


def _sample_torch_norm(s, domains):
    shape = s.shape(min_dims=1, max_dims=3, min_side=1)
    p, dim = s.choice(["fro", 2, 1, np.inf, 3]), s.axes(len(shape))
    if p == "fro" and isinstance(dim, tuple) and len(dim) > 2:  # torch.norm's 'fro' takes at most two dims
        dim = dim[:2]
    return [_untied(s, shape)], {"p": p, "dim": dim, "keepdim": s.boolean()}


def _np_names(sample: tuple) -> tuple:
    args, params = sample
    names = {"dim": "axis", "keepdim": "keepdims"}
    return args, {names.get(k, k): v for k, v in params.items()}


def _sample_np_matrix(s, domains):
    (A,), params = _sample_matrix(s, domains)
    return [A], {"ord": params["ord"], "keepdims": params["keepdim"]}


def _vector_ref(T, x, ord=2, dim=None, keepdim=False):
    return T.linalg.vector_norm(x, ord, dim=dim, keepdim=keepdim)


EUCLIDEAN = register(Primitive(
    "euclidean_norm", _euclidean_forward, api=(), saves=("x", "out"), domain=(NONZERO,),
    sample=lambda s, d: _sample_euclidean(s, d),
    torch=lambda T, x, axis=None, keepdims=False: _vector_ref(T, x, 2, axis, keepdims), vjp=_euclidean_vjp))
VECTOR_NORM = register(Composite(
    "vector_norm", namespace="linalg", method=False, sample=_sample_vector, numpy=(np.linalg.vector_norm,),
    numpy_sample=lambda s, d: _np_names(_sample_vector(s, d)), torch=_vector_ref))
MATRIX_NORM = register(Composite(
    "matrix_norm", namespace="linalg", method=False, sample=_sample_matrix, numpy=(np.linalg.matrix_norm,),
    numpy_sample=_sample_np_matrix,
    torch=lambda T, A, ord="fro", dim=(-2, -1), keepdim=False: T.linalg.matrix_norm(A, ord, dim, keepdim)))
LINALG_NORM = register(Composite(
    "linalg_norm", api=("norm",), namespace="linalg", method=False, sample=_sample_norm, numpy=(np.linalg.norm,),
    numpy_sample=lambda s, d: _np_names(_sample_norm(s, d)),
    torch=lambda T, A, ord=None, dim=None, keepdim=False: T.linalg.norm(A, ord, dim, keepdim)))
NORM = register(Composite(
    "norm", sample=_sample_torch_norm,
    torch=lambda T, x, p="fro", dim=None, keepdim=False: T.norm(x, p, dim, keepdim)))


@EUCLIDEAN.public
def euclidean_norm(x, axis=None, keepdims: bool = False) -> Tensor:
    """``sqrt(Σ x²)`` over ``axis`` (the Euclidean / Frobenius norm), gradient 0 at the zero vector."""
    axis, keepdims = reduction_args(x, axis, keepdims, None, None)
    return _apply(EUCLIDEAN, x, axis=axis, keepdims=keepdims)


def _tracked_constant(x: Tensor, value: np.ndarray) -> Tensor:
    """``value`` as part of ``x``'s graph with gradient 0 (PyTorch keeps such results tracked)."""
    return _ops.where(np.zeros(np.shape(value), dtype=bool), _ops.sum(x) * 0.0, value.astype(x.dtype))


@VECTOR_NORM.public
def vector_norm(x, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The ``ord``-norm of ``x`` as a vector over ``dim`` (all elements when None): any real ``ord``
    (``inf``: max ``|x|``, ``-inf``: min, ``0``: the number of non-zeros, else ``(Σ|x|^ord)^(1/ord)``)."""
    (x,) = as_tensors(cast(x, dtype))
    if isinstance(ord, str):
        raise ValueError(f"vector_norm: ord must be a number, got {ord!r} (matrix norms: linalg.matrix_norm)")
    axis, keepdims = reduction_args(x, dim, keepdim, None, None)
    if ord == 2:
        return _apply(EUCLIDEAN, x, axis=axis, keepdims=keepdims)
    if ord == 0:
        return _tracked_constant(x, np.sum(x.data != 0, axis=axis, keepdims=keepdims))
    magnitude = _ops.abs(x)
    if ord == 1:
        return _ops.sum(magnitude, axis=axis, keepdims=keepdims)
    if ord in (np.inf, -np.inf):
        extreme = _ops.amax if ord > 0 else _ops.amin
        return extreme(magnitude, dim=() if axis is None else axis, keepdim=keepdims)
    return _ops.sum(magnitude ** float(ord), axis=axis, keepdims=keepdims) ** (1.0 / ord)


@VECTOR_NORM.numpy_form
def _np_vector_norm(x, /, *, axis=None, keepdims: bool = False, ord=2) -> Tensor:
    """``np.linalg.vector_norm``."""
    return vector_norm(x, ord, axis, keepdims)


def _matrix_dims(x: Tensor, dim) -> tuple[int, int]:
    if len(dim) != 2 or x.ndim < 2:
        raise ValueError(f"matrix_norm: expected two dims of a tensor with at least 2 dimensions, got dim={dim} "
                         f"for shape {x.shape}")
    d0, d1 = (normalize_axis(d, x.ndim)[0] for d in dim)
    if d0 == d1:
        raise ValueError(f"matrix_norm: dim={dim} names one dimension twice")
    return d0, d1


@MATRIX_NORM.public
def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """A matrix norm over the two dims ``dim``: ``'fro'``, ``'nuc'`` (sum of singular values), ``2``/``-2``
    (largest/smallest singular value), ``1``/``-1`` (max/min column abs sum), ``inf``/``-inf`` (rows)."""
    (A,) = as_tensors(cast(A, dtype))
    d0, d1 = _matrix_dims(A, dim)
    if ord == "fro":
        return euclidean_norm(A, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        rest = [d for d in range(A.ndim) if d not in (d0, d1)]
        s = svdvals(_ops.permute(A, rest + [d0, d1]))
        out = _ops.sum(s, dim=-1) if ord == "nuc" else (_ops.amax if ord == 2 else _ops.amin)(s, dim=-1)
        for d in sorted((d0, d1)) if keepdim else ():
            out = _ops.unsqueeze(out, d)
        return out
    if ord in (1, -1, np.inf, -np.inf):
        summed, extreme = (d0, d1) if ord in (1, -1) else (d1, d0)  # 1: sum over rows, extreme over columns
        sums = _ops.sum(_ops.abs(A), dim=summed, keepdim=True)
        out = (_ops.amax if ord > 0 else _ops.amin)(sums, dim=extreme, keepdim=True)
        return out if keepdim else _ops.squeeze(out, dim=(d0, d1))
    raise ValueError(f"matrix_norm: ord must be one of 'fro', 'nuc', 1, -1, 2, -2, inf, -inf; got {ord!r}")


@MATRIX_NORM.numpy_form
def _np_matrix_norm(x, /, *, keepdims: bool = False, ord="fro") -> Tensor:
    """``np.linalg.matrix_norm`` (over the last two axes)."""
    return matrix_norm(x, ord, (-2, -1), keepdims)


@LINALG_NORM.public
def linalg_norm(A, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """``torch.linalg.norm``: a vector norm over an int ``dim``, a matrix norm over a pair; with ``dim=None``
    the 2-norm of all elements when ``ord`` is None, else the vector (1-D) or matrix (2-D) ``ord`` norm."""
    (A,) = as_tensors(cast(A, dtype))
    if dim is None:
        if ord is None:
            return euclidean_norm(A, None, keepdim)
        if A.ndim not in (1, 2):
            raise ValueError(f"norm: with ord={ord!r} and dim=None the input must be 1-D or 2-D, got shape {A.shape}")
        dim = tuple(range(A.ndim))
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if len(dims) == 1:
        return vector_norm(A, 2 if ord is None else ord, dims[0], keepdim)
    if len(dims) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim)
    raise ValueError(f"norm: dim must be an int or a pair of ints, got {dim!r}")


@LINALG_NORM.numpy_form
def _np_norm(x, ord=None, axis=None, keepdims: bool = False) -> Tensor:
    """``np.linalg.norm``."""
    return linalg_norm(x, ord, axis, keepdims)


@NORM.public
def norm(input, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """``torch.norm``: a number ``p`` is the vector p-norm over ``dim`` (all elements when None), ``'fro'``
    the 2-norm over ``dim``, ``'nuc'`` the nuclear norm of a matrix (or over the two dims ``dim``)."""
    (x,) = as_tensors(cast(input, dtype))
    if p == "fro":
        if isinstance(dim, (tuple, list)) and len(dim) > 2:  # PyTorch's 'fro' is a vector or a matrix norm
            raise ValueError(f"norm: p='fro' takes one or two dims (or None for all), got dim={tuple(dim)}")
        return euclidean_norm(x, dim, keepdim)
    if p == "nuc":
        return matrix_norm(x, "nuc", tuple(range(x.ndim)) if dim is None else dim, keepdim)
    if isinstance(p, str):
        raise ValueError(f"norm: p must be a number, 'fro' or 'nuc', got {p!r}")
    return vector_norm(x, p, dim, keepdim)


from .. import ops as _ops  # noqa: E402
from ..node import apply as _apply  # noqa: E402

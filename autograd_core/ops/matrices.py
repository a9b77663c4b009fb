"""Matrix structure: ``diagonal``, ``diag_embed``, ``diag``, ``trace``, ``tril``, ``triu``.

``diagonal`` and ``diagonal_scatter`` are a pair of primitives, each the other's VJP: reading
a diagonal and writing one into zeros are adjoint linear maps. ``diag``, ``diag_embed`` and
``trace`` are compositions of the two; ``tril``/``triu`` keep a triangle of the last two
dimensions with a constant mask (gradient: the same mask). numpy's spellings (``np.diagonal``
with ``axis1``/``axis2``, ``np.diag(v, k)``, ``np.trace`` with ``offset``, ``np.tril(m, k)``) end
in the same records.
"""
from __future__ import annotations

import numpy as np

from ..registry import Composite, Primitive, normalize_axis, register
from ..tensor import Tensor, data_of


def renamed(sample: tuple, **names: str) -> tuple:
    """A PyTorch-spelled sample ``(args, params)`` with its keywords renamed to numpy's."""
    args, params = sample
    return args, {names.get(k, k): v for k, v in params.items()}


def _diagonal_forward(x, offset, dim1, dim2):
    return np.diagonal(x, offset, dim1, dim2).copy()


def _diagonal_indices(n1: int, n2: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    length = max(0, min(n1 + min(offset, 0), n2 - max(offset, 0)))
    rows = np.arange(length) + max(-offset, 0)
    return rows, rows + offset


def _diagonal_scatter_forward(g, shape, offset, dim1, dim2):
    out = np.zeros(shape, dtype=g.dtype)
    rows, cols = _diagonal_indices(shape[dim1], shape[dim2], offset)
    np.moveaxis(out, (dim1, dim2), (-2, -1))[..., rows, cols] = g
    return out


def _sample_diagonal(s, domains):
    shape = s.shape(min_dims=2, max_dims=3, min_side=1, max_side=3)
    dim1, dim2 = s.permutation(len(shape))[:2]
    return [s.array(shape, domains[0])], {"offset": s.integers(-2, 2), "dim1": dim1, "dim2": dim2}


def _sample_diagonal_scatter(s, domains):
    (x,), params = _sample_diagonal(s, domains)
    diag = _diagonal_forward(x, **params)
    return [s.array(diag.shape, domains[0])], {"shape": x.shape, **params}


DIAGONAL = register(Primitive(
    "diagonal", lambda x, offset, dim1, dim2: (_diagonal_forward(x, offset, dim1, dim2), x.shape),
    sample=_sample_diagonal, numpy=(np.diagonal,), extras=("shape",), saves=("shape",),
    numpy_sample=lambda s, d: renamed(_sample_diagonal(s, d), dim1="axis1", dim2="axis2"),
    torch=lambda T, x, offset, dim1, dim2: T.diagonal(x, offset, dim1, dim2),
    vjp=lambda g, shape, offset, dim1, dim2: _apply(DIAGONAL_SCATTER, g, shape=shape, offset=offset, dim1=dim1,
                                                    dim2=dim2)))
DIAGONAL_SCATTER = register(Primitive(
    "diagonal_scatter", _diagonal_scatter_forward, api=(), sample=_sample_diagonal_scatter,
    torch=lambda T, g, shape, offset, dim1, dim2: T.diagonal_scatter(T.zeros(shape, dtype=g.dtype), g, offset, dim1,
                                                                        dim2),
    vjp=lambda g, shape, offset, dim1, dim2: diagonal(g, offset, dim1, dim2)))


def _two_dims(x, dim1: int, dim2: int, ndim: int | None = None) -> tuple[int, int]:
    ndim = np.ndim(data_of(x)) if ndim is None else ndim
    d1, d2 = (normalize_axis(d, ndim)[0] for d in (dim1, dim2))
    if d1 == d2:
        raise ValueError(f"diagonal: dim1 and dim2 are both dimension {d1}")
    return d1, d2


@DIAGONAL.public
def diagonal(input, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal ``offset`` of the (dim1, dim2) planes, appended as the last dimension."""
    d1, d2 = _two_dims(input, dim1, dim2)
    return _apply(DIAGONAL, input, offset=int(offset), dim1=d1, dim2=d2)


@DIAGONAL.numpy_form
def _np_diagonal(a, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
    """``np.diagonal``."""
    return diagonal(a, offset, axis1, axis2)


def _sample_diag_embed(s, domains):
    dim1, dim2 = s.choice([(-2, -1), (0, 1), (-1, 0)])
    x = s.array(s.shape(min_dims=1, max_dims=2, min_side=1), domains[0])
    return [x], {"offset": s.integers(-1, 1), "dim1": dim1, "dim2": dim2}


DIAG_EMBED = register(Composite("diag_embed", sample=_sample_diag_embed))


@DIAG_EMBED.public
def diag_embed(input, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices (in dims ``dim1``, ``dim2`` of the result) whose ``offset`` diagonal is the last dim of ``input``."""
    shape = np.shape(data_of(input))
    if not shape:
        raise ValueError("diag_embed: expected at least 1-D input, got a 0-d tensor")
    d1, d2 = _two_dims(input, dim1, dim2, len(shape) + 1)
    n = shape[-1] + abs(int(offset))
    rest = iter(shape[:-1])
    out_shape = tuple(n if i in (d1, d2) else next(rest) for i in range(len(shape) + 1))
    return _apply(DIAGONAL_SCATTER, input, shape=out_shape, offset=int(offset), dim1=d1, dim2=d2)


def _sample_diag(s, domains):
    return [s.array(s.shape(min_dims=1, max_dims=2, min_side=1), domains[0])], {"diagonal": s.integers(-1, 1)}


DIAG = register(Composite("diag", sample=_sample_diag, numpy=(np.diag,),
                          numpy_sample=lambda s, d: renamed(_sample_diag(s, d), diagonal="k")))


@DIAG.public
def diag(input, diagonal: int = 0) -> Tensor:
    """A 1-D input becomes a matrix with it on diagonal ``diagonal``; a matrix gives that diagonal."""
    ndim = np.ndim(data_of(input))
    if ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if ndim == 2:
        return DIAGONAL.function(input, diagonal)
    raise ValueError(f"diag: expected a 1-D or 2-D tensor, got {ndim} dimensions")


@DIAG.numpy_form
def _np_diag(v, k: int = 0) -> Tensor:
    """``np.diag``."""
    return diag(v, k)


TRACE = register(Composite("trace", sample=lambda s, d: ([s.array(s.shape(min_dims=2, max_dims=2, min_side=1),
                                                                  d[0])], {}), numpy=(np.trace,)))


@TRACE.public
def trace(input) -> Tensor:
    """Sum of the main diagonal of a matrix."""
    ndim = np.ndim(data_of(input))
    if ndim != 2:
        raise ValueError(f"trace: expected a matrix, got {ndim} dimensions")
    return _ops.sum(diagonal(input))


@TRACE.numpy_form
def _np_trace(a, offset: int = 0, axis1: int = 0, axis2: int = 1, dtype=None, out=None) -> Tensor:
    """``np.trace``: sums along diagonals of the (axis1, axis2) planes."""
    if dtype is not None or out is not None:
        raise TypeError("np.trace on Tensors supports neither dtype= nor out=")
    return _ops.sum(diagonal(a, offset, axis1, axis2), axis=-1)


def _sample_triangle(s, domains):
    shape = s.shape(min_dims=2, max_dims=3, min_side=1, max_side=3)
    return [s.array(shape, domains[0])], {"diagonal": s.integers(-2, 2)}


TRIL = register(Composite("tril", sample=_sample_triangle, numpy=(np.tril,),
                          numpy_sample=lambda s, d: renamed(_sample_triangle(s, d), diagonal="k")))
TRIU = register(Composite("triu", sample=_sample_triangle, numpy=(np.triu,),
                          numpy_sample=lambda s, d: renamed(_sample_triangle(s, d), diagonal="k")))


def _triangle(name: str, x, diagonal: int, lower: bool) -> Tensor:
    shape = np.shape(data_of(x))
    if len(shape) < 2:
        raise ValueError(f"{name}: expected at least 2 dimensions, got shape {shape}")
    n, m = shape[-2:]
    mask = np.tri(n, m, diagonal, dtype=bool) if lower else ~np.tri(n, m, diagonal - 1, dtype=bool)
    return _ops.where(mask, x, 0.0)


@TRIL.public
def tril(input, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dimensions (on and below diagonal ``diagonal``), zeros elsewhere."""
    return _triangle("tril", input, diagonal, True)


@TRIU.public
def triu(input, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dimensions (on and above diagonal ``diagonal``), zeros elsewhere."""
    return _triangle("triu", input, diagonal, False)


@TRIL.numpy_form
def _np_tril(m, k: int = 0) -> Tensor:
    """``np.tril``."""
    return tril(m, k)


@TRIU.numpy_form
def _np_triu(m, k: int = 0) -> Tensor:
    """``np.triu``."""
    return triu(m, k)


from .. import ops as _ops  # noqa: E402
from ..node import apply as _apply  # noqa: E402

"""Products beyond ``matmul``: ``dot, vdot, inner, outer, tensordot, kron, cross, mm, bmm, mv, multi_dot``.

Every one is a composite of ``matmul``, reshapes and elementwise products, so its gradients
(of any order) come from those primitives. PyTorch's spellings are strict about ranks
(``dot`` and ``outer`` take vectors, ``mm`` matrices, ``bmm`` batches); numpy's adapters keep
numpy's general rules (``np.dot`` on N-D arrays, ``np.outer``/``np.vdot`` flatten,
``np.cross`` with ``axisa``/``axisb``/``axisc``). A rank or size mismatch names both shapes.
"""
from __future__ import annotations

import numpy as np

from ..registry import REAL, Composite, register
from ..tensor import Tensor, data_of
from .linalg import matmul as _matmul  # numpy's promotion: the PyTorch checks are at the entry points
from .matrices import renamed


def _shape(x) -> tuple:
    return np.shape(data_of(x))


def as_tensors(*xs) -> list[Tensor]:
    """The arguments as Tensors; arrays and numbers take the dtype of the first float Tensor among them."""
    ref = next((x.dtype for x in xs if isinstance(x, Tensor) and x.dtype.kind == "f"), None)
    out = []
    for x in xs:
        if not isinstance(x, Tensor):
            arr = np.asarray(x)
            x = Tensor(arr.astype(ref) if ref is not None and arr.dtype.kind in "fiu" else arr)
        out.append(x)
    return out


def _require(name: str, a, b, ranks: tuple, fits: bool = True) -> None:
    sa, sb = _shape(a), _shape(b)
    if (len(sa), len(sb)) != ranks or not fits:
        raise ValueError(f"{name}: expected operands of {ranks[0]}-D and {ranks[1]}-D with matching sizes, "
                         f"got shapes {sa} and {sb}")


def _sizes_match(name: str, a, b, dim_a: int, dim_b: int) -> None:
    sa, sb = _shape(a), _shape(b)
    if sa[dim_a] != sb[dim_b]:
        raise ValueError(f"{name}: shapes {sa} and {sb} are not aligned ({sa[dim_a]} != {sb[dim_b]})")


def _torch_ref(name):
    return lambda T, *xs, **params: getattr(T, name)(*xs, **params)


# ----------------------------------------------------------------------------- samplers
def _sample_vectors(s, domains):
    n = s.integers(1, 4)
    return [s.array((n,), domains[0]), s.array((n,), domains[1])], {}


def _sample_outer(s, domains):
    return [s.array((s.integers(1, 3),), domains[0]), s.array((s.integers(1, 3),), domains[1])], {}


def _sample_inner(s, domains):
    k = s.integers(1, 3)
    a = s.shape(max_dims=2, min_side=1, max_side=2) + (k,)
    b = s.shape(max_dims=2, min_side=1, max_side=2) + (k,)
    return [s.array(a, domains[0]), s.array(b, domains[1])], {}


def _sample_tensordot(s, domains):
    k1, k2 = s.integers(1, 3), s.integers(1, 3)
    a = (s.integers(1, 3), k1, k2)
    form = s.choice(["int", "pairs"])
    if form == "int":
        b, dims = (k1, k2, s.integers(1, 2)), 2
    else:  # contract a's axis 2 with b's axis 0 and a's axis 1 with b's axis 2
        b, dims = (k2, s.integers(1, 2), k1), ([2, 1], [0, 2])
    return [s.array(a, domains[0]), s.array(b, domains[1])], {"dims": dims}


def _sample_kron(s, domains):
    return [s.array(s.shape(min_dims=1, max_dims=3, min_side=1, max_side=2), domains[0]),
            s.array(s.shape(min_dims=1, max_dims=2, min_side=1, max_side=3), domains[1])], {}


def _sample_cross(s, domains):
    shape = s.shape(min_dims=0, max_dims=2, min_side=1, max_side=2)
    dim = s.integers(0, len(shape))
    shape = shape[:dim] + (3,) + shape[dim:]
    return [s.array(shape, domains[0]), s.array(shape, domains[1])], {"dim": dim - len(shape) * s.boolean()}


def _sample_mm(s, domains):
    n, k, m = s.integers(1, 3), s.integers(1, 3), s.integers(1, 3)
    return [s.array((n, k), domains[0]), s.array((k, m), domains[1])], {}


def _sample_bmm(s, domains):
    b, n, k, m = s.integers(1, 2), s.integers(1, 3), s.integers(1, 3), s.integers(1, 3)
    return [s.array((b, n, k), domains[0]), s.array((b, k, m), domains[1])], {}


def _sample_mv(s, domains):
    n, k = s.integers(1, 3), s.integers(1, 3)
    return [s.array((n, k), domains[0]), s.array((k,), domains[1])], {}


def _sample_multi_dot(s, domains):
    sizes = [s.integers(1, 3) for _ in range(s.integers(3, 5))]
    shapes = [(sizes[i], sizes[i + 1]) for i in range(len(sizes) - 1)]
    if s.boolean():
        shapes[0] = shapes[0][1:]
    if s.boolean():
        shapes[-1] = shapes[-1][:1]
    return [[s.array(shape, domains[0]) for shape in shapes]], {}


PAIR = (REAL, REAL)
DOT = register(Composite("dot", same_dtype=True, domain=PAIR, sample=_sample_vectors, numpy=(np.dot,)))
VDOT = register(Composite("vdot", same_dtype=True, domain=PAIR, sample=_sample_vectors, numpy=(np.vdot,)))
INNER = register(Composite("inner", same_dtype=True, domain=PAIR, sample=_sample_inner, numpy=(np.inner,)))
OUTER = register(Composite("outer", domain=PAIR, sample=_sample_outer, numpy=(np.outer,)))
TENSORDOT = register(Composite("tensordot", same_dtype=True, method=False, domain=PAIR, sample=_sample_tensordot,
                               numpy=(np.tensordot,), numpy_sample=lambda s, d: renamed(_sample_tensordot(s, d),
                                                                                          dims="axes")))
KRON = register(Composite("kron", domain=PAIR, sample=_sample_kron, numpy=(np.kron,)))
CROSS = register(Composite("cross", same_dtype=True, domain=PAIR, sample=_sample_cross, numpy=(np.cross,),
                           numpy_sample=lambda s, d: renamed(_sample_cross(s, d), dim="axis")))
MM = register(Composite("mm", same_dtype=True, domain=PAIR, sample=_sample_mm))
BMM = register(Composite("bmm", same_dtype=True, domain=PAIR, sample=_sample_bmm))
MV = register(Composite("mv", same_dtype=True, domain=PAIR, sample=_sample_mv))
MULTI_DOT = register(Composite("multi_dot", same_dtype=True, namespace="linalg", method=False, sample=_sample_multi_dot,
                               numpy=(np.linalg.multi_dot,), torch=lambda T, xs: T.linalg.multi_dot(xs)))


@DOT.public
def dot(input, other) -> Tensor:
    """Inner product of two 1-D tensors of equal length (PyTorch's ``dot``)."""
    _require("dot", input, other, (1, 1), _shape(input) == _shape(other))
    return _matmul(input, other)


@DOT.numpy_form
def _np_dot(a, b, out=None) -> Tensor:
    """``np.dot``: scalars multiply, 1-D·1-D is an inner product, N-D·1-D sums over the last axis,
    and N-D·M-D sums a's last axis against b's second-to-last."""
    a, b = as_tensors(a, b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim == 1 or (a.ndim <= 2 and b.ndim == 2):
        return _matmul(a, b)
    _sizes_match("dot", a, b, -1, -2)
    return tensordot(a, b, dims=([a.ndim - 1], [b.ndim - 2]))


@VDOT.public
def vdot(input, other) -> Tensor:
    """Inner product of two 1-D tensors (real input, so no conjugation)."""
    _require("vdot", input, other, (1, 1), _shape(input) == _shape(other))
    return _matmul(input, other)


@VDOT.numpy_form
def _np_vdot(a, b) -> Tensor:
    """``np.vdot``: both operands flattened, then their inner product."""
    a, b = as_tensors(a, b)
    if a.data.size != b.data.size:
        raise ValueError(f"vdot: shapes {a.shape} and {b.shape} hold different numbers of elements")
    return _matmul(_ops.reshape(a, (-1,)), _ops.reshape(b, (-1,)))


@INNER.public
def inner(input, other) -> Tensor:
    """Sum over the last dimensions of both operands (a scalar operand just multiplies)."""
    a, b = as_tensors(input, other)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    _sizes_match("inner", a, b, -1, -1)
    return tensordot(a, b, dims=([a.ndim - 1], [b.ndim - 1]))


@OUTER.public
def outer(input, vec2) -> Tensor:
    """Outer product ``input[i] * vec2[j]`` of two 1-D tensors."""
    _require("outer", input, vec2, (1, 1))
    a, b = as_tensors(input, vec2)
    return _ops.unsqueeze(a, 1) * _ops.unsqueeze(b, 0)


@OUTER.numpy_form
def _np_outer(a, b, out=None) -> Tensor:
    """``np.outer``: both operands flattened first."""
    a, b = as_tensors(a, b)
    return _ops.reshape(a, (-1, 1)) * _ops.reshape(b, (1, -1))


def _dims_lists(dims, ndim_a: int, ndim_b: int) -> tuple[list, list]:
    if isinstance(dims, (int, np.integer)):
        if dims < 0 or dims > min(ndim_a, ndim_b):
            raise ValueError(f"tensordot: cannot contract {dims} dimensions of tensors with {ndim_a} and "
                             f"{ndim_b} dimensions")
        return list(range(ndim_a - dims, ndim_a)), list(range(dims))
    dims_a, dims_b = dims
    dims_a = [dims_a] if isinstance(dims_a, (int, np.integer)) else list(dims_a)
    dims_b = [dims_b] if isinstance(dims_b, (int, np.integer)) else list(dims_b)
    return [d % ndim_a for d in dims_a], [d % ndim_b for d in dims_b]


@TENSORDOT.public
def tensordot(a, b, dims=2) -> Tensor:
    """Contract ``dims`` (a count of trailing/leading dims, or two lists of dims) of ``a`` and ``b``.

    Computed as one matmul between the permuted, flattened operands."""
    a, b = as_tensors(a, b)
    dims_a, dims_b = _dims_lists(dims, a.ndim, b.ndim)
    contracted_a = tuple(a.shape[d] for d in dims_a)
    if len(dims_a) != len(dims_b) or contracted_a != tuple(b.shape[d] for d in dims_b):
        raise ValueError(f"tensordot: shapes {a.shape} and {b.shape} do not match over dims {dims_a} and {dims_b}")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    k = int(np.prod(contracted_a))
    a2 = _ops.reshape(_ops.permute(a, free_a + dims_a), (-1, k))
    b2 = _ops.reshape(_ops.permute(b, dims_b + free_b), (k, -1))
    return _ops.reshape(_matmul(a2, b2), tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b))


@TENSORDOT.numpy_form
def _np_tensordot(a, b, axes=2) -> Tensor:
    """``np.tensordot`` (``axes`` in place of ``dims``)."""
    return tensordot(a, b, dims=axes)


@KRON.public
def kron(input, other) -> Tensor:
    """Kronecker product: block ``(i, j, ...)`` is ``input[i, j, ...] * other`` (numpy and PyTorch agree)."""
    a, b = as_tensors(input, other)
    ndim = max(a.ndim, b.ndim)
    sa, sb = (1,) * (ndim - a.ndim) + a.shape, (1,) * (ndim - b.ndim) + b.shape
    spread_a = _ops.reshape(a, tuple(v for n in sa for v in (n, 1)))
    spread_b = _ops.reshape(b, tuple(v for n in sb for v in (1, n)))
    return _ops.reshape(spread_a * spread_b, tuple(m * n for m, n in zip(sa, sb)))


def _move(x: Tensor, source: int, destination: int) -> Tensor:
    axes = list(range(x.ndim))
    axes.insert(destination % x.ndim, axes.pop(source % x.ndim))
    return _ops.permute(x, axes)


def _cross_last(a: Tensor, b: Tensor) -> Tensor:
    """Cross product of 3-vectors along the last dimension (broadcast over the others)."""
    a0, a1, a2 = (a[..., i] for i in range(3))
    b0, b1, b2 = (b[..., i] for i in range(3))
    return _ops.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)


@CROSS.public
def cross(input, other, dim: int | None = None) -> Tensor:
    """Cross product of 3-vectors along ``dim`` (default: the first dimension of size 3, as PyTorch)."""
    a, b = as_tensors(input, other)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"cross: shapes {a.shape} and {b.shape} do not broadcast") from None
    if dim is None:
        dim = next((i for i, n in enumerate(shape) if n == 3), None)
    if dim is None or not -len(shape) <= dim < len(shape) or shape[dim] != 3:
        raise ValueError(f"cross: shapes {a.shape} and {b.shape} need size 3 in dimension {dim}")
    a, b = (x if x.shape == shape else _ops.broadcast_to(x, shape) for x in (a, b))
    return _move(_cross_last(_move(a, dim, -1), _move(b, dim, -1)), -1, dim)


@CROSS.numpy_form
def _np_cross(a, b, axisa: int = -1, axisb: int = -1, axisc: int = -1, axis: int | None = None) -> Tensor:
    """``np.cross`` of 3-vectors; ``axis`` sets all of ``axisa``, ``axisb`` and ``axisc``."""
    a, b = as_tensors(a, b)
    if axis is not None:
        axisa = axisb = axisc = axis
    if a.shape[axisa] != 3 or b.shape[axisb] != 3:
        raise ValueError(f"cross: shapes {a.shape} and {b.shape} need size 3 along axes {axisa} and {axisb}")
    return _move(_cross_last(_move(a, axisa, -1), _move(b, axisb, -1)), -1, axisc)


@MM.public
def mm(input, mat2) -> Tensor:
    """Product of two matrices, ``(n, k) @ (k, m)``."""
    _require("mm", input, mat2, (2, 2))
    return _matmul(input, mat2)


@BMM.public
def bmm(input, mat2) -> Tensor:
    """Batched product of matrices: ``(b, n, k) @ (b, k, m)`` with equal batch sizes (no broadcasting)."""
    _require("bmm", input, mat2, (3, 3), _shape(input)[:1] == _shape(mat2)[:1])
    return _matmul(input, mat2)


@MV.public
def mv(input, vec) -> Tensor:
    """Matrix-vector product, ``(n, k) @ (k,)``."""
    _require("mv", input, vec, (2, 1))
    return _matmul(input, vec)


@MULTI_DOT.public
def multi_dot(tensors) -> Tensor:
    """Product of a chain of matrices; a 1-D first (last) operand is a row (column) vector.

    Multiplied in the cheapest order (fewest scalar multiplications), as numpy and PyTorch do."""
    xs = as_tensors(*tensors)
    if len(xs) < 2:
        raise ValueError(f"multi_dot: expected at least 2 tensors, got {len(xs)}")
    row, column = xs[0].ndim == 1, xs[-1].ndim == 1
    if row:
        xs[0] = _ops.unsqueeze(xs[0], 0)
    if column:
        xs[-1] = _ops.unsqueeze(xs[-1], 1)
    for i, x in enumerate(xs):
        if x.ndim != 2:
            raise ValueError(f"multi_dot: tensor {i} has shape {x.shape}; only the first and last may be 1-D")
        if i and xs[i - 1].shape[1] != x.shape[0]:
            raise ValueError(f"multi_dot: shapes {xs[i - 1].shape} and {x.shape} (tensors {i - 1} and {i}) "
                             "are not aligned")
    out = _chain(xs, _chain_order([x.shape[0] for x in xs] + [xs[-1].shape[1]]), 0, len(xs) - 1)
    if row:
        out = out[0]
    if column:
        out = out[..., 0]
    return out


def _chain_order(sizes: list) -> dict:
    """The optimal split point of each sub-chain (the classic matrix-chain dynamic programme)."""
    n = len(sizes) - 1
    cost = {(i, i): 0 for i in range(n)}
    split = {}
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i, j], split[i, j] = min(
                (cost[i, k] + cost[k + 1, j] + sizes[i] * sizes[k + 1] * sizes[j + 1], k) for k in range(i, j))
    return split


def _chain(xs: list, split: dict, i: int, j: int) -> Tensor:
    if i == j:
        return xs[i]
    k = split[i, j]
    return _matmul(_chain(xs, split, i, k), _chain(xs, split, k + 1, j))


@MULTI_DOT.numpy_form
def _np_multi_dot(arrays, *, out=None) -> Tensor:
    """``np.linalg.multi_dot``."""
    return multi_dot(arrays)


from .. import ops as _ops  # noqa: E402

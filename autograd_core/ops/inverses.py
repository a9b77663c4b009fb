"""Inverse-type linear algebra (``autograd_core.linalg``): ``inv, det, slogdet, solve, solve_triangular, pinv,
matrix_power``.

All take matrices in the last two dimensions with any leading batch dimensions, as numpy and
PyTorch do. The VJPs are the standard matrix-calculus results, written with engine operations
(``matmul``, ``solve``, ``inv``) so that second derivatives come from the same engine. Samplers
draw well-conditioned matrices (``well_conditioned``), since every one of these derivatives blows
up near a singular matrix. A singular input raises ``numpy.linalg.LinAlgError`` naming the
operation; a non-square or misfitting operand raises ``ValueError`` naming the shapes.
"""
from __future__ import annotations

import collections

import numpy as np
import scipy.linalg

from ..registry import REAL, Composite, Primitive, register
from ..tensor import Tensor, data_of, new_tensor

SlogdetResult = collections.namedtuple("SlogdetResult", "sign logabsdet")


def shape_of(x) -> tuple:
    return np.shape(data_of(x))


def square(name: str, A) -> tuple:
    """The shape of ``A``, checked to be a (batch of) square matrices."""
    shape = shape_of(A)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError(f"{name}: expected a square matrix (or a batch of them) in the last two dimensions, "
                         f"got shape {shape}")
    return shape


def call(record, *args, **params) -> Tensor:
    """Apply ``record``, letting numpy's ``LinAlgError`` (singular or not positive-definite input)
    through as a ``LinAlgError`` that names the operation."""
    try:
        return _apply(record, *args, **params)
    except ValueError as e:
        if isinstance(e.__context__, np.linalg.LinAlgError):
            raise np.linalg.LinAlgError(str(e)) from None
        raise


def identity(n: int, like: Tensor) -> Tensor:
    """A constant ``n x n`` identity matrix in ``like``'s dtype."""
    return new_tensor(np.eye(n, dtype=like.dtype))


def expand_scalar(g: Tensor) -> Tensor:
    """A per-matrix value (shape ``batch``) as ``batch + (1, 1)``, to scale matrices."""
    return _ops.unsqueeze(_ops.unsqueeze(g, -1), -1)


# ----------------------------------------------------------------------------- samplers
def cayley(M: np.ndarray) -> np.ndarray:
    """An orthogonal matrix from any square ``M``: the Cayley transform ``(I - K)⁻¹ (I + K)`` of its
    skew part ``K`` (``I - K`` is always invertible). A fixed skew offset keeps ``M = 0`` (hypothesis'
    favourite) from giving the identity, whose exact zeros sit on LAPACK's sign-choice boundaries (eigh's
    second derivative at an exactly diagonal matrix is one); its √2/1000 keeps simple entries of ``M`` such as
    ``[[0, 0], [1, 0]]`` from cancelling it exactly."""
    n = M.shape[-1]
    offset = np.add.outer(np.arange(n), 2 * np.arange(n)) % 5 * 0.15 + 0.2 + np.sqrt(2) / 1000
    K = (M - np.swapaxes(M, -1, -2)) / 2 + np.triu(offset, 1) - np.triu(offset, 1).T
    eye = np.eye(M.shape[-1])
    return np.linalg.solve(eye - K, eye + K)


def spread(s, n: int, low: float, gap: float) -> np.ndarray:
    """``n`` increasing values from ``low`` at least ``0.6 * gap`` apart (distinct eigen/singular values)."""
    return low + gap * np.arange(n) + 0.2 * gap * s.array((n,), REAL) / 2


def batch_shape(s) -> tuple:
    return s.choice([(), (), (2,), (1, 2)])


def well_conditioned(s, n: int, batch: tuple = ()) -> np.ndarray:
    """A batch of ``n x n`` matrices ``D (diag(1.5 .. ) + M / 2n)``: singular values >= 0.5, both signs of det."""
    M = s.array(batch + (n, n), REAL)
    signs = np.where(s.array(batch + (n,), REAL) >= 0, 1.0, -1.0)
    return signs[..., :, None] * (np.diag(1.5 + 0.5 * np.arange(n)) + M / (2 * n))


def _sample_square(s, domains):
    return [well_conditioned(s, s.integers(1, 3), batch_shape(s))], {}


def _sample_solve(s, domains):
    n, k, batch = s.integers(1, 3), s.integers(1, 2), batch_shape(s)
    form = s.choice(["matrix", "vector", "vectors", "broadcast", "right"])
    b = {"matrix": batch + (n, k), "vector": (n,), "vectors": batch + (n,), "broadcast": (n, k),
         "right": batch + (k, n)}[form]
    return [well_conditioned(s, n, batch), s.array(b, REAL)], {"left": form != "right"}


def _sample_np_solve(s, domains):
    n, batch = s.integers(1, 3), batch_shape(s)
    b = s.choice([(n,), batch + (n, s.integers(1, 2)), (n, 1)])
    return [well_conditioned(s, n, batch), s.array(b, REAL)], {}


def _sample_triangular(s, domains):
    n, k, batch, upper = s.integers(1, 3), s.integers(1, 2), batch_shape(s), s.boolean()
    A = well_conditioned(s, n, batch)
    A = np.triu(A) if upper else np.tril(A)
    left = s.boolean()
    B = s.array(batch + ((n, k) if left else (k, n)), REAL)
    return [A, B], {"upper": upper, "left": left, "unitriangular": s.boolean()}


def _sample_power(s, domains):
    return [well_conditioned(s, s.integers(1, 3), batch_shape(s))], {"n": s.choice([-2, -1, 0, 1, 2, 3])}


def _sample_pinv(s, domains):
    m, n, batch = s.integers(1, 3), s.integers(1, 3), batch_shape(s)
    k = min(m, n)
    U, V = cayley(s.array(batch + (m, m), REAL))[..., :k], cayley(s.array(batch + (n, n), REAL))[..., :k]
    return [(U * spread(s, k, 1.0, 0.7)[..., None, :]) @ np.swapaxes(V, -1, -2)], {}


# ----------------------------------------------------------------------------- records
def _det_vjp(g, A, out):
    # d det(A) = det(A) tr(A⁻¹ dA), so Ā = ḡ det(A) A⁻ᵀ (Jacobi's formula)
    return expand_scalar(g * out) * inv(A).mT


def _slogdet_forward(A):
    sign, logabsdet = np.linalg.slogdet(A)
    return np.stack([sign, logabsdet], axis=-1)


def _slogdet_vjp(g, A):
    # d log|det A| = tr(A⁻¹ dA), so Ā = ḡ A⁻ᵀ; the sign is piecewise constant (no gradient)
    return expand_scalar(g[..., 1]) * inv(A).mT


def _solve_vjp_a(g, A, out):
    # X = A⁻¹ B: dX = -A⁻¹ dA X, so Ā = -B̄ Xᵀ with B̄ = A⁻ᵀ X̄
    return -_matmul(solve(A.mT, g), out.mT)


def _pinv_forward(A, atol, rtol):
    U, S, Vh = np.linalg.svd(A, full_matrices=False)
    smax = S.max(axis=-1, keepdims=True) if S.size else np.zeros(S.shape[:-1] + (1,))
    if rtol is None:
        rtol = 0.0 if atol else np.finfo(A.dtype).eps * max(A.shape[-2:])
    keep = S > np.maximum(atol or 0.0, rtol * smax)
    inv_s = np.where(keep, 1 / np.where(keep, S, 1), 0)
    return np.swapaxes(Vh, -1, -2) @ (inv_s[..., :, None] * np.swapaxes(U, -1, -2))


def _pinv_vjp(g, A, out, atol, rtol):
    # Golub & Pereyra (1973), for A of locally constant rank, with X = A⁺:
    # dX = -X dA X + X Xᵀ dAᵀ (I - A X) + (I - X A) dAᵀ Xᵀ X, so
    # Ā = -Xᵀ X̄ Xᵀ + (I - A X) X̄ᵀ X Xᵀ + Xᵀ X X̄ᵀ (I - X A)
    X, gt = out, g.mT
    first = -_matmul(_matmul(X.mT, g), X.mT)
    XXt = _matmul(X, X.mT)
    second = _matmul(gt, XXt) - _matmul(A, _matmul(_matmul(X, gt), XXt))
    XtX = _matmul(X.mT, X)
    third = _matmul(XtX, gt) - _matmul(_matmul(XtX, _matmul(gt, X)), A)
    return first + second + third


def _triangular_forward(A, B, upper, unitriangular):
    batch = np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    A, B = np.broadcast_to(A, batch + A.shape[-2:]), np.broadcast_to(B, batch + B.shape[-2:])
    out = np.empty(B.shape, dtype=np.result_type(A, B))
    for i in np.ndindex(batch):  # LAPACK's trtrs, one matrix at a time
        out[i] = scipy.linalg.solve_triangular(A[i], B[i], lower=not upper, unit_diagonal=unitriangular)
    return out


def _triangular_vjp_a(g, A, out, upper, unitriangular):
    # as for solve, Ā = -B̄ Xᵀ, kept on the triangle that is read (strictly, for a unit diagonal)
    full = -_matmul(_triangular(A.mT, g, not upper, unitriangular), out.mT)
    k = int(unitriangular)
    return _ops.triu(full, k) if upper else _ops.tril(full, -k)


def _triangular(A, B, upper, unitriangular):
    return call(SOLVE_TRIANGULAR, A, B, upper=upper, unitriangular=unitriangular)


INV = register(Primitive(
    "inv", np.linalg.inv, namespace="linalg", method=False, saves=("out",), sample=_sample_square,
    numpy=(np.linalg.inv,), torch=lambda T, A: T.linalg.inv(A),
    vjp=lambda g, out: -_matmul(_matmul(out.mT, g), out.mT)))  # d A⁻¹ = -A⁻¹ dA A⁻¹ → Ā = -A⁻ᵀ Ḡ A⁻ᵀ
DET = register(Primitive(
    "det", np.linalg.det, namespace="linalg", method=False, saves=("A", "out"), inputs=("A",), sample=_sample_square,
    numpy=(np.linalg.det,), torch=lambda T, A: T.linalg.det(A), vjp=_det_vjp))
SLOGDET = register(Primitive(
    "slogdet", _slogdet_forward, namespace="linalg", method=False, saves=("A",), inputs=("A",), sample=_sample_square,
    numpy=(np.linalg.slogdet,), torch=lambda T, A: tuple(T.linalg.slogdet(A)), vjp=_slogdet_vjp))
SOLVE = register(Primitive(
    "solve", np.linalg.solve, namespace="linalg", method=False, inputs=("A", "B"), saves=("A", "out"),
    broadcasts=True, sample=_sample_solve, domain=(REAL, REAL), numpy=(np.linalg.solve,),
    numpy_sample=_sample_np_solve,
    torch=lambda T, A, B, left=True: T.linalg.solve(A, B, left=left),
    vjp=(_solve_vjp_a, lambda g, A, out: solve(A.mT, g))))
SOLVE_TRIANGULAR = register(Primitive(
    "solve_triangular", _triangular_forward, namespace="linalg", method=False, inputs=("A", "B"),
    saves=("A", "out"), broadcasts=True, sample=_sample_triangular, domain=(REAL, REAL),
    torch=lambda T, A, B, upper, left, unitriangular: T.linalg.solve_triangular(A, B, upper=upper, left=left,
                                                                                  unitriangular=unitriangular),
    vjp=(_triangular_vjp_a,  # B̄ = A⁻ᵀ X̄, another triangular solve
         lambda g, A, out, upper, unitriangular: _triangular(A.mT, g, not upper, unitriangular))))
PINV = register(Primitive(
    "pinv", _pinv_forward, namespace="linalg", method=False, inputs=("A",), saves=("A", "out"), sample=_sample_pinv,
    numpy=(np.linalg.pinv,), torch=lambda T, A: T.linalg.pinv(A), vjp=_pinv_vjp))
MATRIX_POWER = register(Composite(
    "matrix_power", namespace="linalg", method=False, sample=_sample_power, numpy=(np.linalg.matrix_power,),
    torch=lambda T, A, n: T.linalg.matrix_power(A, n)))


@INV.public
def inv(A) -> Tensor:
    """The inverse of a square matrix (or of each in a batch)."""
    square("inv", A)
    return call(INV, A)


@DET.public
def det(A) -> Tensor:
    """The determinant of a square matrix (or of each in a batch)."""
    square("det", A)
    return call(DET, A)


@SLOGDET.public
def slogdet(A) -> SlogdetResult:
    """``(sign, logabsdet)`` of the determinant, stable where ``det`` would over- or underflow."""
    square("slogdet", A)
    packed = call(SLOGDET, A)
    return SlogdetResult(packed[..., 0], packed[..., 1])


@SOLVE.public
def solve(A, B, *, left: bool = True) -> Tensor:
    """The solution ``X`` of ``A X = B`` (``X A = B`` with ``left=False``).

    ``B`` is a batch of vectors when its shape is ``A``'s without the last dim (or it is 1-D), as in PyTorch."""
    sa, sb = square("solve", A), shape_of(B)
    vector = len(sb) == 1 or (left and sb == sa[:-1])
    fits = len(sb) >= 1 and (sb[-1] if (vector or not left) else sb[-2]) == sa[-1]
    if not fits or (vector and not left):
        raise ValueError(f"solve: A of shape {sa} and B of shape {sb} do not fit "
                         f"(B must be (..., {sa[-1]}) or (..., {sa[-1]}, k)" + (")" if left else " with left=False)"))
    if vector:
        return call(SOLVE, A, _ops.unsqueeze(_as_tensor(B, A), -1))[..., 0]
    if not left:  # X A = B  <=>  Aᵀ Xᵀ = Bᵀ
        return call(SOLVE, _as_tensor(A, B).mT, _as_tensor(B, A).mT).mT
    return call(SOLVE, A, B)


@SOLVE.numpy_form
def _np_solve(a, b) -> Tensor:
    """``np.linalg.solve``: ``b`` is a vector only when 1-D (numpy 2's rule)."""
    sa, sb = square("solve", a), shape_of(b)
    if len(sb) == 1:
        return solve(a, b)
    if len(sb) < 2 or sb[-2] != sa[-1]:
        raise ValueError(f"solve: a of shape {sa} and b of shape {sb} do not fit (b must be ({sa[-1]},) or "
                         f"(..., {sa[-1]}, k))")
    return call(SOLVE, a, b)


@SOLVE_TRIANGULAR.public
def solve_triangular(A, B, *, upper: bool, left: bool = True, unitriangular: bool = False) -> Tensor:
    """The solution of ``A X = B`` (``X A = B`` with ``left=False``) for triangular ``A``: only the upper
    (``upper=True``) or lower triangle of ``A`` is read, its diagonal taken as ones with ``unitriangular``."""
    sa, sb = square("solve_triangular", A), shape_of(B)
    if len(sb) < 2 or (sb[-2] if left else sb[-1]) != sa[-1]:
        raise ValueError(f"solve_triangular: A of shape {sa} and B of shape {sb} do not fit "
                         f"(B must be (..., {sa[-1]}, k)" + (")" if left else f" with left=False: (..., k, {sa[-1]}))"))
    if not left:  # X A = B  <=>  Aᵀ Xᵀ = Bᵀ, with the other triangle
        return _triangular(_as_tensor(A, B).mT, _as_tensor(B, A).mT, not upper, bool(unitriangular)).mT
    return _triangular(A, B, bool(upper), bool(unitriangular))


def _as_tensor(x, like) -> Tensor:
    if isinstance(x, Tensor):
        return x
    dtype = like.dtype if isinstance(like, Tensor) and like.dtype.kind == "f" else None
    return Tensor(np.asarray(x, dtype=dtype))


@PINV.public
def pinv(A, *, atol: float | None = None, rtol: float | None = None, hermitian: bool = False) -> Tensor:
    """Moore-Penrose pseudo-inverse: singular values at most ``max(atol, rtol * σ_max)`` count as zero.

    The gradient is exact where the rank is locally constant (it does not exist where it changes)."""
    if len(shape_of(A)) < 2:
        raise ValueError(f"pinv: expected a matrix (or a batch of them), got shape {shape_of(A)}")
    return call(PINV, A, atol=atol, rtol=rtol)


@PINV.numpy_form
def _np_pinv(a, rcond=None, hermitian: bool = False, *, rtol=None) -> Tensor:
    """``np.linalg.pinv`` (``rcond`` is the older name of ``rtol``)."""
    return pinv(a, rtol=rtol if rtol is not None else rcond)


@MATRIX_POWER.public
def matrix_power(A, n: int) -> Tensor:
    """``A`` multiplied by itself ``n`` times (``n < 0`` powers the inverse; ``n = 0`` is the identity)."""
    shape = square("matrix_power", A)
    A = _as_tensor(A, A)
    if n == 0:
        eye = np.broadcast_to(np.eye(shape[-1], dtype=A.dtype), shape)
        return _ops.where(np.zeros(shape, dtype=bool), A, eye)  # the identity, tracked with gradient 0
    base = inv(A) if n < 0 else A
    result, n = None, abs(int(n))
    while n:  # binary powering: O(log n) products
        if n & 1:
            result = base if result is None else _matmul(result, base)
        n >>= 1
        if n:
            base = _matmul(base, base)
    return result


from .. import ops as _ops  # noqa: E402
from ..node import apply as _apply  # noqa: E402
from .linalg import matmul as _matmul  # noqa: E402  (unchecked: VJP operands may mix dtypes via numpy)

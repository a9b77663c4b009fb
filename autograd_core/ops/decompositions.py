"""Matrix decompositions (``autograd_core.linalg``): ``cholesky, qr, eigh, eigvalsh, svd, svdvals``.

A decomposition has several results; its primitive returns them packed into one array along
the last dimension (``pack``) and the public function cuts them out with engine slices, so the
gradients of all results meet in one packed gradient that the VJP unpacks. Results come back as
named tuples with numpy's and PyTorch's field names (``Q, R``; ``eigenvalues, eigenvectors``;
``U, S, Vh``). ``cholesky`` and ``eigh`` read one triangle of the input (as LAPACK does), so their
gradient is the exact derivative of that computation: entries of the other triangle get zero,
and for a symmetric ``A = X + Xᵀ`` the chain rule gives the same gradient of ``X`` as PyTorch.
Eigenvector and singular-vector gradients exist only for distinct eigenvalues / singular values:
the terms coupling equal values are taken as 0 (exact when the loss depends only on the values or
on whole invariant subspaces, undefined otherwise; PyTorch returns inf/NaN there).
"""
from __future__ import annotations

import collections

import numpy as np

from ..registry import REAL, Composite, Primitive, register
from ..tensor import Tensor
from .inverses import batch_shape, call, cayley, shape_of, solve_triangular, spread, square

QRResult = collections.namedtuple("QRResult", "Q R")
EighResult = collections.namedtuple("EighResult", "eigenvalues eigenvectors")
SVDResult = collections.namedtuple("SVDResult", "U S Vh")


def pack(A: np.ndarray, *results: np.ndarray) -> np.ndarray:
    """The results of decomposing ``A`` flattened per matrix and joined along the last axis."""
    batch = A.shape[:-2]
    return np.concatenate([r.reshape(batch + (-1,)) for r in results], axis=-1)


def unpack(t: Tensor, shapes: tuple) -> list[Tensor]:
    """Cut a packed tensor (or gradient) into results of the trailing ``shapes`` (batch dims kept)."""
    batch, parts, start = t.shape[:-1], [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        parts.append(_ops.reshape(t[..., start:start + size], batch + tuple(shape)))
        start += size
    return parts


def from_lower(G: Tensor, upper: bool = False) -> Tensor:
    """The gradient of ``A`` given ``G``, the gradient of the symmetric matrix built from A's lower
    (``upper``: upper) triangle: off-diagonal entries collect ``G_ij + G_ji``, the other triangle 0."""
    if upper:
        return _ops.triu(G) + _ops.triu(G.mT, 1)
    return _ops.tril(G) + _ops.tril(G.mT, -1)


def _inverse_gaps(values: Tensor, square_values: bool = False) -> Tensor:
    """``F_ij = 1 / (λ_j - λ_i)`` for ``i != j`` (0 on the diagonal and between equal values)."""
    v = values * values if square_values else values
    gaps = _ops.unsqueeze(v, -2) - _ops.unsqueeze(v, -1)
    zero = gaps.data == 0
    return _ops.where(zero, 0.0, 1.0 / _ops.where(zero, 1.0, gaps))


def _diag(v: Tensor) -> Tensor:
    return _ops.diag_embed(v)


def _mm(*xs: Tensor) -> Tensor:
    out = xs[0]
    for x in xs[1:]:
        out = _matmul(out, x)
    return out


# ----------------------------------------------------------------------------- samplers
def _symmetric(s, low: float, gap: float) -> np.ndarray:
    n, batch = s.integers(1, 3), batch_shape(s)
    Q = cayley(s.array(batch + (n, n), REAL))
    A = (Q * spread(s, n, low, gap)[..., None, :]) @ np.swapaxes(Q, -1, -2)
    return (A + np.swapaxes(A, -1, -2)) / 2


def _sample_cholesky(s, domains):
    return [_symmetric(s, 0.5, 0.8)], {"upper": s.boolean()}


def _sample_eigh(s, domains):
    return [_symmetric(s, -1.5, 1.0)], {"UPLO": s.choice(["L", "U"])}


def full_rank(s, m: int, n: int, batch: tuple) -> np.ndarray:
    k = min(m, n)
    U, V = cayley(s.array(batch + (m, m), REAL))[..., :k], cayley(s.array(batch + (n, n), REAL))[..., :k]
    return (U * spread(s, k, 0.8, 0.7)[..., None, :]) @ np.swapaxes(V, -1, -2)


def _sample_qr(s, domains):
    m, n = s.integers(1, 3), s.integers(1, 3)
    mode = s.choice(["reduced", "r"] + (["complete"] if m <= n else []))
    return [full_rank(s, m, n, batch_shape(s))], {"mode": mode}


def _sample_svd(s, domains):
    # full_matrices only for square A: the extra columns of U (rows of Vh) of a rectangular A vary with A,
    # but their gradients are ignored by definition (PyTorch's rule), so differences would not match
    m, n = s.integers(1, 3), s.integers(1, 3)
    return [full_rank(s, m, n, batch_shape(s))], {"full_matrices": m == n and s.boolean()}


# ----------------------------------------------------------------------------- gauge-aligned torch references
def _align(T, reference: np.ndarray, ours, axis: int):
    """Signs (+1/-1) per column (``axis=-2``) or row (``axis=-1``) that turn ``ours`` into ``reference``:
    decompositions are unique only up to such signs, and two LAPACKs may choose differently."""
    return T.tensor(np.where(np.sum(reference * ours.detach().numpy(), axis=axis) < 0, -1.0, 1.0))


def _symmetrized(T, A, UPLO="L"):
    return T.tril(A) + T.tril(A, -1).mT if UPLO == "L" else T.triu(A) + T.triu(A, 1).mT


def _torch_eigh(T, A, UPLO):
    w, V = T.linalg.eigh(_symmetrized(T, A, UPLO))
    return w, V * _align(T, np.linalg.eigh(A.detach().numpy(), UPLO).eigenvectors, V, -2)[..., None, :]


def _torch_qr(T, A, mode):
    Q, R = T.linalg.qr(A, mode="reduced" if mode == "r" else mode)
    signs = _align(T, np.linalg.qr(A.detach().numpy(), mode="reduced" if mode == "r" else mode).Q, Q, -2)
    return (T.zeros(0, dtype=A.dtype) if mode == "r" else Q * signs[..., None, :], R * signs[..., :, None])


def _torch_svd(T, A, full_matrices):
    U, S, Vh = T.linalg.svd(A, full_matrices=full_matrices)
    ref = np.linalg.svd(A.detach().numpy(), full_matrices=full_matrices)
    k = S.shape[-1]
    signs = _align(T, ref.U[..., :k], U[..., :k], -2)
    # columns of U (rows of Vh) past k are an arbitrary basis: take numpy's (their gradient is ignored)
    U = T.cat([U[..., :k] * signs[..., None, :], T.tensor(ref.U[..., k:])], -1)
    Vh = T.cat([Vh[..., :k, :] * signs[..., :, None], T.tensor(ref.Vh[..., k:, :])], -2)
    return U, S, Vh


# ----------------------------------------------------------------------------- cholesky
def _cholesky_vjp(g, out, upper):
    # Murray (2016), "Differentiation of the Cholesky decomposition": with A = L Lᵀ,
    # L⁻¹ dA L⁻ᵀ = L⁻¹dL + (L⁻¹dL)ᵀ, so dL = L Φ(L⁻¹ dA L⁻ᵀ) with Φ = lower triangle, halved
    # diagonal; by adjointness Ā_sym = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹ (on symmetric dA), mapped to the read triangle.
    L, gL = (out.mT, g.mT) if upper else (out, g)
    P = _ops.tril(_mm(L.mT, gL))
    P = P - 0.5 * _diag(_ops.diagonal(P, 0, -2, -1))
    S = solve_triangular(L.mT, solve_triangular(L.mT, P, upper=True).mT, upper=True).mT
    return from_lower(S, upper)


CHOLESKY = register(Primitive(
    "cholesky", lambda A, upper: np.linalg.cholesky(A, upper=upper), namespace="linalg", method=False,
    saves=("out",), sample=_sample_cholesky, numpy=(np.linalg.cholesky,),
    torch=lambda T, A, upper: T.linalg.cholesky(_symmetrized(T, A, "U" if upper else "L"), upper=upper),
    vjp=_cholesky_vjp))


@CHOLESKY.public
def cholesky(A, *, upper: bool = False) -> Tensor:
    """Cholesky factor of a symmetric positive-definite matrix: lower ``L`` with ``A = L Lᵀ``
    (``upper=True``: ``U = Lᵀ``). Only the lower (upper) triangle of ``A`` is read."""
    square("cholesky", A)
    return call(CHOLESKY, A, upper=bool(upper))


# ----------------------------------------------------------------------------- qr
def _qr_shapes(m: int, n: int, mode: str) -> tuple:
    k = m if mode == "complete" else min(m, n)
    return (m, k), (k, n)


def _qr_forward(A, mode):
    Q, R = np.linalg.qr(A, mode="complete" if mode == "complete" else "reduced")
    return pack(A, Q, R)


def _qr_square_vjp(gQ, gR, Q, R):
    # A = QR with R (k x k) invertible (Walter & Lehmann 2018; Liao et al. 2019):
    # Ā = (Q̄ + Q copyltu(M)) R⁻ᵀ, M = R R̄ᵀ - Q̄ᵀ Q, copyltu(M) = tril(M) + tril(M, -1)ᵀ
    M = _mm(R, gR.mT) - _mm(gQ.mT, Q)
    B = gQ + _mm(Q, _ops.tril(M) + _ops.tril(M, -1).mT)
    return solve_triangular(R, B.mT, upper=True).mT


def _qr_vjp(g, A, out, mode):
    m, n = A.shape[-2:]
    if mode == "complete" and m > n:
        raise RuntimeError("qr: the derivative of mode='complete' is not defined when A has more rows than "
                           "columns (the extra columns of Q are arbitrary); use mode='reduced'")
    Q, R = unpack(out, _qr_shapes(m, n, mode))
    gQ, gR = unpack(g, _qr_shapes(m, n, mode))
    if m >= n:
        return _qr_square_vjp(gQ, gR, Q, R)
    # wide A = [X | Y] with X = Q U square and Y = Q V (Liao et al. 2019): Ȳ = Q V̄, and X's
    # gradient is the square case with Q̄ + Y V̄ᵀ in place of Q̄
    Y, gU, gV = A[..., m:], gR[..., :m], gR[..., m:]
    gX = _qr_square_vjp(gQ + _mm(Y, gV.mT), gU, Q, R[..., :m])
    return _ops.concatenate([gX, _mm(Q, gV)], axis=-1)


QR = register(Primitive(
    "qr", _qr_forward, namespace="linalg", method=False, inputs=("A",), saves=("A", "out"), sample=_sample_qr,
    numpy=(np.linalg.qr,), torch=_torch_qr, vjp=_qr_vjp))


@QR.public
def qr(A, mode: str = "reduced") -> QRResult:
    """``A = Q R`` with orthonormal columns in ``Q`` and upper-triangular ``R``; ``mode`` is
    ``'reduced'``, ``'complete'`` or ``'r'`` (then ``Q`` is empty, as PyTorch; ``R`` is differentiable)."""
    shape = shape_of(A)
    if len(shape) < 2 or mode not in ("reduced", "complete", "r"):
        raise ValueError(f"qr: expected a matrix and mode 'reduced', 'complete' or 'r', got shape {shape} "
                         f"and mode {mode!r}")
    Q, R = unpack(call(QR, A, mode=mode), _qr_shapes(*shape[-2:], mode))
    if mode == "r":
        Q = Tensor(np.zeros((0,), dtype=R.dtype))
    return QRResult(Q, R)


@QR.numpy_form
def _np_qr(a, mode: str = "reduced"):
    """``np.linalg.qr``: ``mode='r'`` returns ``R`` alone."""
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"np.linalg.qr on Tensors supports modes 'reduced', 'complete' and 'r', got {mode!r}")
    result = qr(a, mode)
    return result.R if mode == "r" else result


# ----------------------------------------------------------------------------- eigh
def _eigh_forward(A, UPLO):
    w, V = np.linalg.eigh(A, UPLO)
    return pack(A, w, V)


def _eigh_vjp(g, out, UPLO):
    # A = V diag(w) Vᵀ: dw_i = v_iᵀ dA v_i and Vᵀ dV = F ∘ (Vᵀ dA V) with F_ij = 1/(w_j - w_i), so
    # Ā_sym = V (diag(w̄) + F ∘ (Vᵀ V̄)) Vᵀ (e.g. Giles 2008), mapped to the triangle LAPACK read.
    n = int(round((np.sqrt(1 + 4 * out.shape[-1]) - 1) / 2))  # the packed size is n + n²
    w, V = unpack(out, ((n,), (n, n)))
    gw, gV = unpack(g, ((n,), (n, n)))
    inner = _diag(gw) + _inverse_gaps(w) * _mm(V.mT, gV)
    return from_lower(_mm(V, inner, V.mT), UPLO == "U")


EIGH = register(Primitive(
    "eigh", _eigh_forward, namespace="linalg", method=False, saves=("out",), sample=_sample_eigh,
    numpy=(np.linalg.eigh,), torch=_torch_eigh, vjp=_eigh_vjp))


def _uplo(UPLO: str) -> str:
    if UPLO not in ("L", "U"):
        raise ValueError(f"eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    return UPLO


@EIGH.public
def eigh(A, UPLO: str = "L") -> EighResult:
    """Eigenvalues (ascending) and orthonormal eigenvectors (columns) of a symmetric matrix, read from
    its lower (``UPLO='U'``: upper) triangle. See the module docstring for repeated eigenvalues."""
    n = square("eigh", A)[-1]
    w, V = unpack(call(EIGH, A, UPLO=_uplo(UPLO)), ((n,), (n, n)))
    return EighResult(w, V)


def _eigvalsh_vjp(g, A, UPLO):
    # dw_i = v_iᵀ dA v_i, so Ā_sym = V diag(w̄) Vᵀ (V from an eigh of A inside the VJP)
    V = eigh(A, UPLO).eigenvectors
    return from_lower(_mm(V, _diag(g), V.mT), UPLO == "U")


EIGVALSH = register(Primitive(
    "eigvalsh", lambda A, UPLO: np.linalg.eigvalsh(A, UPLO), namespace="linalg", method=False, inputs=("A",),
    saves=("A",), sample=_sample_eigh, numpy=(np.linalg.eigvalsh,),
    torch=lambda T, A, UPLO: T.linalg.eigvalsh(_symmetrized(T, A, UPLO)), vjp=_eigvalsh_vjp))


@EIGVALSH.public
def eigvalsh(A, UPLO: str = "L") -> Tensor:
    """The eigenvalues (ascending) of a symmetric matrix, without the eigenvectors."""
    square("eigvalsh", A)
    return call(EIGVALSH, A, UPLO=_uplo(UPLO))


# ----------------------------------------------------------------------------- svd
def _svd_shapes(m: int, n: int, full_matrices: bool) -> tuple:
    k = min(m, n)
    return ((m, m), (k,), (n, n)) if full_matrices else ((m, k), (k,), (k, n))


def _svd_forward(A, full_matrices):
    return pack(A, *np.linalg.svd(A, full_matrices=full_matrices))


def _svd_vjp(g, A, out, full_matrices):
    # Townsend (2016), "Differentiating the singular value decomposition", for A = U diag(S) Vᵀ with
    # k = min(m, n) and F_ij = 1/(s_j² - s_i²):
    # Ā = U [(F ∘ (UᵀŪ - ŪᵀU)) S + diag(S̄) + S (F ∘ (VᵀV̄ - V̄ᵀV))] Vᵀ
    #     + (I - UUᵀ) Ū S⁻¹ Vᵀ + U S⁻¹ V̄ᵀ (I - VVᵀ)
    # With full_matrices the columns of U (rows of Vh) past k are arbitrary bases: their gradients
    # are ignored, as in PyTorch.
    m, n = A.shape[-2:]
    k = min(m, n)
    shapes = _svd_shapes(m, n, full_matrices)
    U, S, Vh = unpack(out, shapes)
    gU, gS, gVh = unpack(g, shapes)
    U, gU, V, gV = U[..., :k], gU[..., :k], Vh[..., :k, :].mT, gVh[..., :k, :].mT
    F = _inverse_gaps(S, square_values=True)
    UtgU, VtgV = _mm(U.mT, gU), _mm(V.mT, gV)
    inner = (F * (UtgU - UtgU.mT)) * _ops.unsqueeze(S, -2) + _diag(gS) \
        + _ops.unsqueeze(S, -1) * (F * (VtgV - VtgV.mT))
    grad = _mm(U, inner, V.mT)
    inv_s = 1.0 / S
    if m > k:
        grad = grad + _mm((gU - _mm(U, UtgU)) * _ops.unsqueeze(inv_s, -2), V.mT)
    if n > k:
        grad = grad + _mm(U, _ops.unsqueeze(inv_s, -1) * (gV.mT - _mm(VtgV.mT, V.mT)))
    return grad


SVD = register(Primitive(
    "svd", _svd_forward, namespace="linalg", method=False, inputs=("A",), saves=("A", "out"), sample=_sample_svd,
    numpy=(np.linalg.svd,), torch=_torch_svd, vjp=_svd_vjp))


@SVD.public
def svd(A, full_matrices: bool = True) -> SVDResult:
    """``A = U diag(S) Vh`` with singular values ``S`` descending; PyTorch's ``torch.linalg.svd``
    (``Vh``, not ``V``). See the module docstring for repeated singular values."""
    shape = shape_of(A)
    if len(shape) < 2:
        raise ValueError(f"svd: expected a matrix (or a batch of them), got shape {shape}")
    return SVDResult(*unpack(call(SVD, A, full_matrices=bool(full_matrices)),
                             _svd_shapes(*shape[-2:], bool(full_matrices))))


SVDVALS = register(Composite(
    "svdvals", namespace="linalg", method=False, sample=lambda s, d: (_sample_svd(s, d)[0], {}),
    numpy=(np.linalg.svdvals,), torch=lambda T, A: T.linalg.svdvals(A)))


@SVDVALS.public
def svdvals(A) -> Tensor:
    """The singular values of ``A``, descending (their gradient is ``U diag(S̄) Vh``)."""
    return svd(A, full_matrices=False).S


@SVD.numpy_form
def _np_svd(a, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False):
    """``np.linalg.svd`` (``hermitian`` is accepted; the general algorithm serves it too)."""
    return svd(a, full_matrices) if compute_uv else svdvals(a)


from .. import ops as _ops  # noqa: E402
from .linalg import matmul as _matmul  # noqa: E402  (unchecked: VJP operands may mix dtypes via numpy)

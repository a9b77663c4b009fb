"""``matmul`` with numpy's rules (1-D, 2-D, batched with broadcast batch dims) and ``einsum``.

The matmul VJPs are matmuls again (``dA = G Bᵀ``, ``dB = Aᵀ G``), with 1-D operands
treated as a row or column; the engine sums broadcast batch dimensions back. The einsum VJP
for an operand is another einsum of the output gradient with the other operands.
"""
from __future__ import annotations

import string

import numpy as np

from ..registry import REAL, Primitive, register
from ..tensor import Tensor, data_of, new_tensor
from .reduction import SUM
from .shape import PERMUTE


def _matmul_vjp_a(g, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * b
    if b.ndim == 1:                       # (..., n, k) @ (k,) -> (..., n)
        return _ops.unsqueeze(g, -1) * b
    if a.ndim == 1:                       # (k,) @ (..., k, m) -> (..., m)
        return _ops.squeeze(matmul(b, _ops.unsqueeze(g, -1)), -1)
    return matmul(g, b.mT)


def _matmul_vjp_b(g, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if a.ndim == 1:                       # (k,) @ (..., k, m) -> (..., m)
        return _ops.unsqueeze(a, -1) * _ops.unsqueeze(g, -2)
    if b.ndim == 1:                       # (..., n, k) @ (k,) -> (..., n)
        return _ops.squeeze(matmul(a.mT, _ops.unsqueeze(g, -1)), -1)
    return matmul(a.mT, g)


def _sample_matmul(s, domains):
    n, k, m = s.integers(1, 3), s.integers(1, 3), s.integers(1, 3)
    batch = s.shape(max_dims=2, min_side=1, max_side=2)
    a_shape = s.choice([(k,), (n, k), batch + (n, k), batch[1:] + (n, k)])
    b_shape = s.choice([(k,), (k, m), batch + (k, m), tuple(1 for _ in batch) + (k, m)])
    return [s.array(a_shape, domains[0]), s.array(b_shape, domains[1])], {}


def _matmul_forward(a, b):
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul does not accept 0-d operands; use * for scalars")
    return np.matmul(a, b)


MATMUL = register(Primitive(
    "matmul", _matmul_forward, same_dtype=True, inputs=("a", "b"), saves=("a", "b"), broadcasts=True,
    sample=_sample_matmul, domain=(REAL, REAL), numpy=(np.matmul,), vjp=(_matmul_vjp_a, _matmul_vjp_b)))


@MATMUL.public
def matmul(a, b) -> Tensor:
    """Matrix product with numpy's rules; the error names both shapes when they do not fit."""
    sa, sb = np.shape(data_of(a)), np.shape(data_of(b))
    if sa and sb and sa[-1] != (sb[-2] if len(sb) > 1 else sb[0]):
        raise ValueError(f"matmul: shapes {sa} and {sb} are not aligned "
                         f"({sa[-1]} != {sb[-2] if len(sb) > 1 else sb[0]})")
    return _apply(MATMUL, a, b)


# ----------------------------------------------------------------------------- linear
def _linear_forward(x, w, b=None):
    out = np.matmul(x, w.T)
    if b is not None:
        out += b
    return out


def _transposed(m):
    """A matrix transposed: one permute record, without the dim checks of the public ``transpose``."""
    return _apply(PERMUTE, m, axes=(1, 0))


def _flat(t, n: int):
    """Collapse all leading (batch) dimensions: (..., n) -> (batch, n); a matrix is returned as is."""
    return t if t.ndim == 2 else _ops.reshape(t, (-1, n))


def _sample_linear(s, domains):
    n_in, n_out = s.integers(1, 3), s.integers(1, 3)
    batch = s.shape(max_dims=2, min_side=1, max_side=3)
    arrays = [s.array(batch + (n_in,), domains[0]), s.array((n_out, n_in), domains[1])]
    if s.boolean():
        arrays.append(s.array((n_out,), domains[2]))
    return arrays, {}


def _flat_array(a: np.ndarray, n: int) -> np.ndarray:
    """``_flat`` on a bare array."""
    return a if a.ndim == 2 else a.reshape(-1, n)


# x Wᵀ + b as one primitive (PyTorch's addmm): the weight gradient comes out as one contiguous
# matmul gᵀx, with no transpose node or broadcast-add node in the graph (speed). The VJPs apply the
# matmul and sum records directly: their operands fit by construction, so the public functions'
# shape and argument checks would only cost time in every backward pass. Without create_graph the
# same three products and the sum run on the bare arrays (array VJPs).
LINEAR = register(Primitive(
    "linear", _linear_forward, same_dtype=True, inputs=("x", "w", "b"), saves=("x", "w"), sample=_sample_linear,
    domain=(REAL, REAL, REAL), torch=lambda T, x, w, b=None: T.nn.functional.linear(x, w, b),
    vjp=(lambda g, x, w: _apply(MATMUL, g, w),                                                  # d/dx = g W
         lambda g, x, w: _apply(MATMUL, _transposed(_flat(g, w.shape[0])), _flat(x, w.shape[1])),  # d/dW = gᵀ x
         lambda g, x, w: _apply(SUM, _flat(g, w.shape[0]), axis=(0,), keepdims=False)),       # d/db = Σ_batch g
    array_vjp=(lambda g, x, w: np.matmul(g, w),
               lambda g, x, w: np.matmul(_flat_array(g, w.shape[0]).T, _flat_array(x, w.shape[1])),
               lambda g, x, w: np.add.reduce(_flat_array(g, w.shape[0]), axis=0))))


@LINEAR.public
def linear(x, weight, bias=None) -> Tensor:
    """Affine map ``x @ weight.T + bias`` over the last dimension (weight shape ``(out, in)``)."""
    sx, sw = np.shape(data_of(x)), np.shape(data_of(weight))
    if len(sw) != 2 or not sx or sx[-1] != sw[1]:
        raise ValueError(f"linear: input of shape {sx} does not fit weight of shape {sw} (expected (..., {sw[-1]}))")
    if bias is None:
        return _apply(LINEAR, x, weight)
    if np.shape(data_of(bias)) != (sw[0],):
        raise ValueError(f"linear: bias of shape {np.shape(bias)} does not fit weight of shape {sw}")
    return _apply(LINEAR, x, weight, bias)


# ----------------------------------------------------------------------------- einsum
def _parse_einsum(subscripts: str, shapes: list) -> tuple[list[str], str]:
    """Explicit input and output subscripts, with ``...`` expanded into spare letters."""
    subscripts = subscripts.replace(" ", "")
    lhs, arrow, rhs = subscripts.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: {len(terms)} operand subscripts for {len(shapes)} operands")
    spare = [c for c in string.ascii_letters if c not in subscripts]
    n_ellipsis = max((len(shape) - len(t.replace("...", "")) for t, shape in zip(terms, shapes) if "..." in t),
                     default=0)
    ell = "".join(spare[:n_ellipsis])
    expanded = []
    for t, shape in zip(terms, shapes):
        if "..." in t:
            t = t.replace("...", ell[n_ellipsis - (len(shape) - len(t.replace("...", ""))):])
        if len(t) != len(shape):
            raise ValueError(f"einsum: subscripts {t!r} do not match an operand of shape {shape}")
        expanded.append(t)
    if arrow:
        out = rhs.replace("...", ell)
    else:
        counts = {c: sum(t.count(c) for t in expanded) for c in "".join(expanded)}
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    return expanded, out


def _einsum_forward(*arrays, terms, out):
    # numpy's optimizer (BLAS contractions, good pairing order) pays off beyond tiny operands
    optimize = len(arrays) > 2 or sum(a.size for a in arrays) > 4096
    return np.einsum(",".join(terms) + "->" + out, *arrays, optimize=optimize)


def _einsum_vjp(g, inputs, terms, out, index):
    # d/dA of einsum(..., A, ...) is the einsum of g with the other inputs onto A's subscripts.
    term = terms[index]
    others = [t for i, t in enumerate(terms) if i != index]
    present = set(out).union(*others)
    unique = "".join(dict.fromkeys(term))
    kept = "".join(c for c in unique if c in present)
    grad = einsum(",".join([out] + others) + "->" + kept, g, *(o for i, o in enumerate(inputs) if i != index))
    if kept == term:
        return grad
    return _spread(grad, kept, term, inputs[index].shape, set("".join(terms) + out))


def _spread(grad, kept: str, term: str, shape: tuple, used: set):
    """Place a gradient over subscripts ``kept`` onto an operand with subscripts ``term``: letters the
    operand alone has are broadcast (a ones vector each), and a letter repeated in ``term`` (a
    diagonal such as ``ii``) gets its gradient only on that diagonal (an identity matrix per repeat)."""
    fresh = iter(c for c in string.ascii_letters if c not in used)
    size = dict(zip(term, shape))
    subscripts, factors, renamed, seen = [kept], [grad], "", set()
    for c in term:
        if c in seen:  # a repeat: a new letter tied to the first occurrence by an identity matrix
            r = next(fresh)
            subscripts.append(c + r)
            factors.append(new_tensor(np.eye(size[c], dtype=grad.dtype)))
            renamed += r
            continue
        seen.add(c)
        renamed += c
        if c not in kept:
            subscripts.append(c)
            factors.append(new_tensor(np.ones(size[c], dtype=grad.dtype)))
    return einsum(",".join(subscripts) + "->" + renamed, *factors)


def _sample_einsum(s, domains):
    spec, shapes = s.choice([
        ("ij,jk->ik", ((2, 3), (3, 2))), ("i,i->", ((3,), (3,))), ("bij,bjk->bik", ((2, 2, 3), (2, 3, 1))),
        ("ij->j", ((2, 3),)), ("ij->ji", ((2, 3),)), ("i,j->ij", ((2,), (3,))), ("...i,i->...", ((2, 3), (3,))),
        ("ij,jk,kl->il", ((2, 2), (2, 3), (3, 2))), ("ijk,k", ((1, 2, 3), (3,))), ("ii->", ((3, 3),)),
        ("ii->i", ((2, 2),)), ("iji,j->i", ((2, 3, 2), (3,))), ("...ij,...jk->...ik", ((1, 2, 3), (4, 3, 2))),
        ("ij,k->ik", ((2, 3), (2,)))])
    return [spec] + [s.array(shape, domains[0]) for shape in shapes], {}


EINSUM = register(Primitive(
    "einsum", _einsum_forward, same_dtype=True, method=False, variadic=True, saves=("inputs",), sample=_sample_einsum,
    numpy=(np.einsum,),
    broadcasts=True,
    torch=lambda T, spec, *xs: T.einsum(spec, *xs), vjp=_einsum_vjp))


def _sublist_form(args: tuple) -> tuple[str, tuple]:
    """``einsum(a, [0, 1], b, [1, 2], [0, 2])`` as ``("ab,bc->ac", (a, b))`` (integers name subscripts)."""
    def letters(sublist) -> str:
        return "".join("..." if i is Ellipsis else string.ascii_letters[int(i)] for i in sublist)

    operands, terms = args[0:len(args) - len(args) % 2:2], args[1::2]
    spec = ",".join(letters(t) for t in terms)
    if len(args) % 2:
        spec += "->" + letters(args[-1])
    return spec, operands


@EINSUM.public
def einsum(subscripts, *operands, optimize=None) -> Tensor:
    """Einstein summation over the operands' subscripts (numpy/PyTorch notation, ``...`` allowed), in the
    string form ``einsum("ij,jk->ik", a, b)`` or numpy's sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])``.
    numpy's ``optimize`` is accepted: the contraction order is always optimised for large operands."""
    if not isinstance(subscripts, str):
        subscripts, operands = _sublist_form((subscripts,) + operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    shapes = [np.shape(data_of(o)) for o in operands]
    terms, out = _parse_einsum(subscripts, shapes)
    return _apply(EINSUM, *operands, terms=tuple(terms), out=out)

from .. import ops as _ops  # noqa: E402
from ..node import apply as _apply  # noqa: E402

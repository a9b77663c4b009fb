"""Indexing: ``t[idx]`` with ints, slices, None, Ellipsis, integer arrays and boolean masks.

``getitem`` and ``index_add`` are a pair, each the other's VJP: the gradient of a gather is
a scatter-add into zeros, so repeated integer indices accumulate their gradients.
"""
from __future__ import annotations

import numpy as np

from ..registry import Primitive, register
from ..tensor import Tensor


def normalize_index(index):
    """Turn tensors and lists inside an index into ndarrays (numpy's own index forms)."""
    if isinstance(index, tuple):
        return tuple(normalize_index(i) for i in index)
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        return np.asarray(index)
    return index


def _is_basic(index) -> bool:
    """True for indices without integer arrays, which never repeat a position."""
    items = index if isinstance(index, tuple) else (index,)
    return all(not isinstance(i, np.ndarray) or i.dtype == np.bool_ for i in items)


def _index_add_forward(g, index, shape):
    out = np.zeros(shape, dtype=g.dtype)
    if _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _sample_getitem(s, domains):
    shape = s.shape(min_dims=1, min_side=1)
    x = s.array(shape, domains[0])
    kind = s.choice(["basic", "integers", "mask"])
    if kind == "basic":
        index = []
        for n in shape:
            index.append(s.choice([s.integers(-n, n - 1), slice(None), slice(s.integers(0, n), None, s.integers(1, 2)),
                                   slice(None, None, -1)]))
        index.insert(s.integers(0, len(index)), s.choice([None, Ellipsis]))
        index = tuple(index)
    elif kind == "integers":  # repeats on purpose: their gradients must accumulate
        index = np.array([s.integers(-shape[0], shape[0] - 1) for _ in range(s.integers(1, 5))])
    else:
        index = np.array([s.boolean() for _ in range(shape[0])])
    return [x], {"index": index}


GETITEM = register(Primitive(
    "getitem", lambda x, index: (x[index], x.shape), method=False, extras=("in_shape",), saves=("in_shape",), view=True,
    sample=_sample_getitem, torch=None,
    vjp=lambda g, in_shape, index: _apply(INDEX_ADD, g, index=index, shape=in_shape)))
INDEX_ADD = register(Primitive(
    "index_add", _index_add_forward, api=(), order=2, torch=None,
    sample=lambda s, d: _sample_index_add(s, d),
    vjp=lambda g, index, shape: getitem(g, index)))


def _sample_index_add(s, domains):
    (x,), params = _sample_getitem(s, domains)
    out = x[params["index"]]
    return [s.array(out.shape, domains[0])], {"index": params["index"], "shape": x.shape}


@GETITEM.public
def getitem(x, index) -> Tensor:
    """``x[index]`` with numpy's indexing rules; gradients scatter-add back."""
    return _apply(GETITEM, x, index=normalize_index(index))


from ..node import apply as _apply  # noqa: E402

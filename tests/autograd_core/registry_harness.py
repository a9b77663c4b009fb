"""Turn a registry record's sampled ``(args, params)`` into leaf tensors and a callable.

Float arrays become leaves that require grad (also inside lists, for ``concatenate``-style
operations); everything else (boolean masks, subscripts) is passed through unchanged.
"""
import numpy as np

from autograd_core import Tensor


def prepare(record, args, params, dtype=np.float64, requires_grad=True):
    """Return ``(leaves, call)`` where ``call(*leaves)`` runs the operation on them."""
    leaves = []
    layout = []  # per argument: ("leaf",), ("list", n) for n leaves, or ("const", value)
    for a in args:
        if isinstance(a, list) and all(isinstance(x, np.ndarray) and x.dtype.kind == "f" for x in a) and a:
            layout.append(("list", len(a)))
            leaves.extend(Tensor(x.astype(dtype), requires_grad=requires_grad) for x in a)
        elif isinstance(a, np.ndarray) and a.dtype.kind == "f":
            layout.append(("leaf",))
            leaves.append(Tensor(a.astype(dtype), requires_grad=requires_grad))
        else:
            layout.append(("const", a))

    def call(*xs):
        it = iter(xs)
        structured = []
        for kind, *rest in layout:
            if kind == "leaf":
                structured.append(next(it))
            elif kind == "list":
                structured.append([next(it) for _ in range(rest[0])])
            else:
                structured.append(rest[0])
        return record.function(*structured, **params)

    return leaves, call


def outputs(result) -> list:
    """The tensors an operation returned (one, or a list for ``split``)."""
    return list(result) if isinstance(result, (list, tuple)) else [result]

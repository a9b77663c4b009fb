"""Every operation of the API contract (§1.2) is registered, has test metadata, a function and a method."""
import numpy as np
import pytest

import autograd_core as ag
from autograd_core.registry import all_ops, lookup

CONTRACT = {
    "arithmetic": ["add", "sub", "mul", "div", "pow", "neg", "abs", "reciprocal", "square"],
    "matmul": ["matmul", "einsum"],
    "elementwise": ["exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "maximum",
                    "minimum", "clip", "where"],
    "reductions": ["sum", "mean", "prod", "max", "min", "var", "std", "logsumexp", "norm"],
    "shape": ["reshape", "transpose", "permute", "swapaxes", "flatten", "squeeze", "unsqueeze", "expand_dims",
              "broadcast_to", "concatenate", "stack", "split", "pad", "repeat", "tile", "flip"],
    "indexing": ["getitem"],
    "windows": ["sliding_window"],
    "not differentiable": ["eq", "ne", "lt", "le", "gt", "ge", "argmax", "argmin", "sign", "floor", "ceil",
                           "round", "floordiv", "mod"],
}
# Joining several tensors or parsing subscripts has no natural method form.
NO_METHOD = {"concatenate", "stack", "einsum", "where", "getitem"}
ALL = [name for names in CONTRACT.values() for name in names]


@pytest.mark.parametrize("name", ALL)
def test_operation_is_registered_with_function_and_method(name):
    record = lookup(name)
    assert record.function is not None and record.domain and record.samples
    if name not in NO_METHOD:
        assert callable(getattr(ag.Tensor, name)), f"Tensor.{name} missing"
    assert getattr(ag, name) is record.function


@pytest.mark.parametrize("name", ["transpose"])
def test_transpose_is_a_permute(name):
    x = ag.ones(2, 3, 4)
    assert x.transpose().shape == (4, 3, 2) and ag.transpose(x, 1, 0, 2).shape == (3, 2, 4)


def test_names_are_unique_and_grad_fn_names_derive_from_them():
    names = [r.name for r in all_ops()]
    assert len(names) == len(set(names))
    x = ag.ones(2, requires_grad=True)
    assert ag.log1p(x).grad_fn.name == "Log1pBackward"
    assert ag.broadcast_to(x, (3, 2)).grad_fn.name == "BroadcastToBackward"


def test_pytorch_aliases():
    x = ag.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.sum(dim=1, keepdim=True).data, x.data.sum(axis=1, keepdims=True))
    np.testing.assert_array_equal(x.var(ddof=1).data, np.var(x.data, ddof=1))
    np.testing.assert_array_equal(x.flatten().data, np.arange(6.0))

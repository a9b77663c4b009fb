"""Every operation of the API contract (§1.2) is registered, has test metadata, a function and a method."""
import numpy as np
import pytest

import autograd_core as ag
from autograd_core.registry import Composite, all_ops, lookup, numpy_table, register

CONTRACT = {
    "arithmetic": ["add", "sub", "mul", "div", "pow", "neg", "abs", "reciprocal", "square", "remainder", "fmod"],
    "matmul": ["matmul", "einsum"],
    "elementwise": ["exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "maximum",
                    "minimum", "clip", "where"],
    "reductions": ["sum", "mean", "prod", "amax", "amin", "max", "min", "var", "std", "logsumexp", "norm", "median"],
    "shape": ["reshape", "transpose", "permute", "swapaxes", "flatten", "squeeze", "unsqueeze", "expand_dims",
              "broadcast_to", "concatenate", "stack", "split", "pad", "repeat", "tile", "flip"],
    "indexing": ["getitem"],
    "windows": ["sliding_window"],
    "not differentiable": ["eq", "ne", "lt", "le", "gt", "ge", "argmax", "argmin", "sign", "floor", "ceil",
                           "round", "trunc", "floordiv", "isclose", "allclose", "equal", "isnan", "isinf", "isfinite",
                           "logical_and", "logical_or", "logical_not", "logical_xor", "any", "all", "nonzero",
                           "unique"],
}
ALL = [name for names in CONTRACT.values() for name in names]


@pytest.mark.parametrize("name", ALL)
def test_contract_operation_is_registered(name):
    record = lookup(name)
    assert record.function is not None and record.domain and record.samples


@pytest.mark.parametrize("record", all_ops(), ids=lambda r: r.name)
def test_every_record_is_exported_from_the_registry(record):
    """The public surface is generated: each public name is in ``__all__`` and is the record's
    function (under PyTorch's spelling: ``torch_function``), as a method too unless the record says otherwise;
    internal records stay hidden."""
    namespace = getattr(ag, record.namespace) if record.namespace else ag
    for name in record.public_names:
        assert name in namespace.__all__, f"{record.name}: {name} is not exported"
        assert getattr(namespace, name) is record.torch_function
        if record.method and not record.namespace:
            assert getattr(ag.Tensor, name) is record.torch_function, f"Tensor.{name} is not {record.name}'s function"
    if not record.public_names:
        assert record.name not in ag.__all__ and not hasattr(ag.Tensor, record.name)


def test_numpy_dispatch_covers_every_numpy_alias():
    table = numpy_table()
    for record in all_ops():
        for np_fn in record.numpy:
            assert table[np_fn] is (record.numpy_function or record.function)


def test_a_public_name_cannot_be_claimed_twice():
    with pytest.raises(ValueError, match="claimed by both"):
        register(Composite("exp_again", api=("exp",)))


def test_transpose_is_a_permute_in_both_spellings():
    x = ag.ones(2, 3, 4, requires_grad=True)
    assert x.transpose(0, 2).shape == (4, 3, 2) and ag.transpose(x, 1, 0).shape == (3, 2, 4)
    assert np.transpose(x).shape == (4, 3, 2) and np.transpose(x, (1, 0, 2)).shape == (3, 2, 4)
    assert x.transpose(0, 1).grad_fn.name == np.transpose(x).grad_fn.name == "PermuteBackward"


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

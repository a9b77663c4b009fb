"""Every numpy alias of every registered operation, called on Tensors: numpy's value, tracked.

Generated from the registry: for each record and each numpy function in its ``numpy`` field,
arguments are drawn with the record's ``numpy_sample`` (numpy's spelling) or else its
``sample``; the numpy function applied to Tensors must give what it gives on the same arrays,
as a Tensor that is part of the graph when the operation is differentiable.
"""
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.registry import all_ops
from autograd_core.testing import Sampler

from .registry_harness import outputs, prepare

# Records whose sampler speaks PyTorch's spelling and still needs a ``numpy_sample`` (remove on landing it).
_PENDING = {}
CASES = [pytest.param(record, np_fn, id=f"{record.name}-{np_fn.__name__}", marks=[pytest.mark.xfail(
             strict=True, reason=_PENDING[record.name])] if record.name in _PENDING else [])
         for record in all_ops() for np_fn in record.numpy]


def _draw(record, data):
    if record.numpy_sample is not None:
        return record.numpy_sample(Sampler(data.draw), record.domain)
    return record.samples(Sampler(data.draw))


@pytest.mark.parametrize(("record", "np_fn"), CASES)
@given(data=st.data())
def test_numpy_function_on_tensors_matches_numpy_and_is_tracked(record, np_fn, data):
    args, params = _draw(record, data)
    expected = outputs(np_fn(*args, **params))
    leaves, call = prepare(SimpleNamespace(function=np_fn), args, params)
    got = outputs(call(*leaves))
    assert len(got) == len(expected), f"np.{np_fn.__name__} returned {len(got)} results, numpy {len(expected)}"
    for g, e in zip(got, expected):
        if isinstance(e, bool):  # numpy answers a Python bool (np.allclose, np.array_equal): so do Tensors
            assert type(g) is bool and g == e, f"np.{np_fn.__name__} on Tensors answered {g!r}, numpy {e!r}"
            continue
        assert isinstance(g, ag.Tensor), f"np.{np_fn.__name__} on Tensors returned {type(g).__name__}"
        np.testing.assert_allclose(g.data, e, rtol=1e-10, atol=1e-12,
                                   err_msg=f"np.{np_fn.__name__} on Tensors differs from numpy")
        assert g.shape == np.shape(e) and g.dtype == np.asarray(e).dtype
    tracked = record.differentiable and bool(leaves)  # (a second result such as a count may be a constant)
    assert any(getattr(g, "requires_grad", False) for g in got) == tracked, (
        f"np.{np_fn.__name__}: tracked is not {tracked}")

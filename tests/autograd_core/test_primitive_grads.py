"""Every registered operation, first and second order, against float64 central differences.

Generated from the registry: registering an operation is what gets it tested here. Shapes
(broadcasting, size 0 and 1), values (from each argument's domain) and parameters come
from the record's sampler through ``autograd_core.testing``.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.registry import all_ops
from autograd_core.testing import Sampler, assert_gradients_close, assert_second_gradients_close

from .registry_harness import outputs, prepare

DIFFERENTIABLE = [r for r in all_ops() if r.differentiable]
SECOND_ORDER = [r for r in DIFFERENTIABLE if r.order >= 2]
NON_DIFFERENTIABLE = [r for r in all_ops() if not r.differentiable]
SELECTIVE = [r for r in DIFFERENTIABLE if getattr(r, "save_users", None)]  # saves some inputs only for others


def _ids(r):
    return r.name


@pytest.mark.parametrize("record", DIFFERENTIABLE, ids=_ids)
@given(data=st.data())
def test_first_order_gradients(record, data):
    args, params = record.samples(Sampler(data.draw))
    leaves, call = prepare(record, args, params)
    assert_gradients_close(call, *leaves, rtol=record.tol or 1e-5)


@pytest.mark.parametrize("record", SECOND_ORDER, ids=_ids)
@given(data=st.data())
def test_second_order_gradients(record, data):
    args, params = record.samples(Sampler(data.draw))
    leaves, call = prepare(record, args, params)
    assert_second_gradients_close(call, *leaves, rtol=record.tol or 1e-5)


ON_ARRAYS = [r for r in DIFFERENTIABLE if getattr(r, "array_vjp", None) is not None]


@pytest.mark.parametrize("record", ON_ARRAYS, ids=_ids)
@given(data=st.data())
def test_array_vjps_match_the_differentiable_ones(record, data):
    """A record's ``array_vjp`` (backward without ``create_graph``) gives the gradients of its Tensor VJPs
    (backward with it), in the same dtype."""
    args, params = record.samples(Sampler(data.draw))
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    leaves, call = prepare(record, args, params, dtype=dtype)
    outs = [o for o in outputs(call(*leaves)) if o.requires_grad]
    if not outs:
        return
    total = ag.stack([(o * (1.0 + 0.5 * k)).sum() for k, o in enumerate(outs)]).sum()
    on_arrays = ag.grad(total, leaves, retain_graph=True, allow_unused=True)
    on_tensors = ag.grad(total, leaves, create_graph=True, allow_unused=True)
    for x, a, t in zip(leaves, on_arrays, on_tensors):
        if a is None or t is None:
            assert a is None and t is None
            continue
        assert a.dtype == t.dtype == x.dtype and a.shape == t.shape == x.shape
        np.testing.assert_allclose(a.data, t.data, rtol=1e-6 if dtype is np.float32 else 1e-13, atol=0)


@pytest.mark.parametrize("record", DIFFERENTIABLE, ids=_ids)
@given(data=st.data())
def test_backward_invariants(record, data):
    """For a drawn float dtype: the result keeps it, inputs are not mutated, gradients have the
    inputs' shapes and dtype, are not aliased, and the graph's saved values are released."""
    args, params = record.samples(Sampler(data.draw))
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    leaves, call = prepare(record, args, params, dtype=dtype)
    before = [x.data.copy() for x in leaves]
    outs = [o for o in outputs(call(*leaves)) if o.requires_grad]
    for o in outs:
        expected = params.get("dtype", dtype)  # only an explicit cast may change the dtype
        assert o.dtype == expected, f"{record.name} turned {np.dtype(dtype)} into {o.dtype}"
    if not outs:
        return
    total = ag.stack([o.sum() for o in outs]).sum()
    total.backward()
    for x, b in zip(leaves, before):
        np.testing.assert_array_equal(x.data, b)
        if x.grad is not None:
            assert x.grad.shape == x.shape and x.grad.dtype == x.dtype
            assert not np.shares_memory(x.grad.data, x.data)
    grads = [x.grad.data for x in leaves if x.grad is not None]
    for i in range(len(grads)):
        for j in range(i + 1, len(grads)):
            assert not np.shares_memory(grads[i], grads[j])
    for o in outs:
        if o.grad_fn is not None:  # (a cast to the dtype it already has returns the input itself)
            assert o.grad_fn.freed and o.grad_fn.out_data is None


def _summed_outputs(call, leaves):
    outs = [o for o in outputs(call(*leaves)) if o.requires_grad]
    return ag.stack([o.sum() for o in outs]).sum() if outs else None


@pytest.mark.parametrize("record", SELECTIVE, ids=_ids)
@given(data=st.data())
def test_each_input_alone_gets_the_gradient_it_gets_among_all(record, data):
    """An input saved only for other inputs' VJPs is not saved when those need no gradient; each input's
    gradient with the others constant equals its gradient with all of them tracked."""
    args, params = record.samples(Sampler(data.draw))
    leaves, call = prepare(record, args, params)
    total = _summed_outputs(call, leaves)
    if total is None:
        return
    expected = ag.grad(total, leaves, allow_unused=True)
    for i in range(len(leaves)):
        alone, call = prepare(record, args, params, requires_grad=False)
        alone[i].requires_grad = True
        (got,) = ag.grad(_summed_outputs(call, alone), [alone[i]], allow_unused=True)
        if expected[i] is None:
            assert got is None or not np.any(got.data)
        else:
            np.testing.assert_array_equal(got.data, expected[i].data)


@pytest.mark.parametrize("record", NON_DIFFERENTIABLE, ids=_ids)
@given(data=st.data())
def test_non_differentiable_ops_pass_no_gradient(record, data):
    args, params = record.samples(Sampler(data.draw))
    leaves, call = prepare(record, args, params)
    out = call(*leaves)
    expected = record.forward(*(x.data for x in leaves), **params)
    if isinstance(expected, bool):  # a whole-tensor query (allclose, equal) answers a Python bool
        assert type(out) is bool and out == expected
        return
    assert not out.requires_grad and out.grad_fn is None
    np.testing.assert_array_equal(out.data, expected)

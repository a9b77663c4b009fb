"""Graph lifetime: deep chains without recursion, freeing saved values, releasing arrays."""
import gc
import sys
import weakref

import numpy as np
import pytest

import autograd_core as ag


def test_million_node_chain_backpropagates_and_frees_without_recursion():
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # any recursive walk would fail immediately
    try:
        x = ag.tensor(np.array([0.5]), requires_grad=True)
        y = x
        for _ in range(1_000_000):
            y = y + 1e-6
        y.sum().backward()
        assert x.grad.item() == 1.0
        del y  # dropping the last reference frees a million nodes without overflowing the C stack
        gc.collect()
    finally:
        sys.setrecursionlimit(limit)


def test_intermediate_arrays_released_after_backward():
    x = ag.tensor(np.random.default_rng(0).standard_normal(1000), requires_grad=True)
    h = ag.exp(x)          # saves its output
    h_ref = weakref.ref(h.data)
    k = ag.tanh(h * 2)
    del h
    loss = k.sum()
    gc.collect()
    assert h_ref() is not None  # kept for backward
    loss.backward()
    gc.collect()
    assert h_ref() is None      # freed by backward although `loss` (and the graph) is still alive
    assert loss.grad_fn is not None


def test_graph_kept_with_retain_graph():
    x = ag.tensor(np.ones(10), requires_grad=True)
    h = ag.exp(x)
    ref = weakref.ref(h.data)
    loss = (h * 2).sum()
    del h
    loss.backward(retain_graph=True)
    gc.collect()
    assert ref() is not None
    loss.backward()
    gc.collect()
    assert ref() is None


def test_no_grad_builds_no_graph():
    x = ag.ones(3, requires_grad=True)
    with ag.no_grad():
        y = ag.exp(x) * 2
    assert y.grad_fn is None and not y.requires_grad


def test_graph_is_collected_when_dropped():
    x = ag.tensor(np.ones(100), requires_grad=True)
    y = ag.tanh(ag.exp(x) * 2)
    node = weakref.ref(y.grad_fn)
    del y
    gc.collect()
    assert node() is None


@pytest.mark.parametrize("depth", [200_000])
def test_deep_graph_of_mixed_ops(depth):
    x = ag.tensor(np.array(0.1), requires_grad=True)
    y = x
    for _ in range(depth // 2):
        y = ag.tanh(y) * 1.0
    y.backward()
    assert np.isfinite(x.grad.item())

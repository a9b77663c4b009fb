"""Backward semantics: accumulation, retain_graph, create_graph, grad(), hooks, retain_grad."""
import numpy as np
import pytest

import autograd_core as ag


def _x(values=(1.0, 2.0, 3.0)):
    return ag.tensor(np.array(values), requires_grad=True)


def test_backward_accumulates_into_leaves():
    x = _x()
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data + 3)


def test_two_fresh_forward_passes_give_accumulated_equal_gradients():
    x, w = _x(), _x((0.5, -1.0, 2.0))
    for _ in range(2):
        y = ag.tanh(x * w).sum()
        y.backward()
    first = (1 - np.tanh(x.data * w.data) ** 2) * w.data
    np.testing.assert_allclose(x.grad.data, 2 * first)


def test_no_intermediate_gradient_leaks_between_passes():
    x = _x()
    h = x * 2
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.data, 2 * h.data)
    x2 = x * 2
    assert x2.grad is None
    (x2 * x2).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * 8 * x.data)  # two passes of d/dx (2x)^2 = 8x


def test_shared_subexpression_gets_summed_gradient():
    x = _x()
    a = x * x
    y = (a + a * 2 + ag.exp(a)).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.data, (3 + np.exp(x.data ** 2)) * 2 * x.data)


def test_broadcast_gradients_are_summed_to_operand_shapes():
    a = ag.tensor(np.ones((2, 3)), requires_grad=True)
    b = ag.tensor(np.arange(3.0), requires_grad=True)
    c = ag.tensor(2.0, requires_grad=True)
    ((a * b + c) ** 2).sum().backward()
    assert a.grad.shape == (2, 3) and b.grad.shape == (3,) and c.grad.shape == ()
    np.testing.assert_allclose(b.grad.data, (2 * (b.data + 2) * 2))


def test_retain_graph_allows_second_backward_and_freed_graph_raises():
    x = _x()
    y = (ag.exp(x) * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * (np.exp(x.data) * (1 + x.data)))
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_create_graph_gives_higher_order_derivatives():
    x = ag.tensor(np.array(0.7), requires_grad=True)
    y = ag.sin(x) * x ** 3
    (g1,) = ag.grad(y, x, create_graph=True)
    (g2,) = ag.grad(g1, x, create_graph=True)
    (g3,) = ag.grad(g2, x)
    v = 0.7
    np.testing.assert_allclose(g1.data, np.cos(v) * v ** 3 + 3 * v ** 2 * np.sin(v))
    np.testing.assert_allclose(g2.data, -np.sin(v) * v ** 3 + 6 * v ** 2 * np.cos(v) + 6 * v * np.sin(v))
    np.testing.assert_allclose(
        g3.data, -np.cos(v) * v ** 3 - 9 * v ** 2 * np.sin(v) + 18 * v * np.cos(v) + 6 * np.sin(v))


def test_backward_create_graph_makes_grad_differentiable():
    x = _x()
    (x ** 3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    g = x.grad
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.data, 6 * x.data)


def test_grad_returns_tuple_without_touching_dot_grad():
    x, w = _x(), _x((1.0, 1.0, 1.0))
    y = (x * w).sum()
    gx, gw = ag.grad(y, [x, w])
    assert x.grad is None and w.grad is None
    np.testing.assert_allclose(gx.data, w.data)
    np.testing.assert_allclose(gw.data, x.data)


def test_grad_with_respect_to_intermediate_tensor():
    x = _x()
    h = x * 2
    y = (h ** 2).sum()
    (gh,) = ag.grad(y, h)
    np.testing.assert_allclose(gh.data, 2 * h.data)


def test_grad_allow_unused():
    x, unused = _x(), _x()
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        ag.grad(y, [x, unused], retain_graph=True)
    gx, gu = ag.grad(y, [x, unused], allow_unused=True)
    assert gu is None and np.allclose(gx.data, 2)


def test_grad_outputs_for_non_scalar():
    x = _x()
    (g,) = ag.grad(x * x, x, grad_outputs=ag.tensor(np.array([1.0, 0.0, 2.0])))
    np.testing.assert_allclose(g.data, [2.0, 0.0, 12.0])


def test_hooks_observe_and_replace_gradients():
    x = _x()
    seen = []
    x.register_hook(lambda g: seen.append(g.data.copy()))
    h = x * 2
    h.register_hook(lambda g: g * 10)
    h.sum().backward()
    np.testing.assert_allclose(seen[0], 20.0)
    np.testing.assert_allclose(x.grad.data, 20.0)


def test_leaf_hook_sees_summed_gradient_once():
    x = _x()
    calls = []
    x.register_hook(lambda g: calls.append(1))
    (x * 2 + x * 3).sum().backward()
    assert calls == [1] and np.allclose(x.grad.data, 5.0)


def test_a_node_runs_once_after_all_its_consumers():
    """Backward takes nodes newest first: ``h`` feeds a long branch made before a short one, and its hook
    still sees the total of both, once."""
    x = _x()
    h = x * 2
    seen = []
    h.register_hook(lambda g: seen.append(g.data.copy()))
    long = h
    for _ in range(5):
        long = long * 1.0
    (long * h + h * 3).sum().backward()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], 2 * h.data + 3)
    np.testing.assert_allclose(x.grad.data, 2 * (2 * h.data + 3))


def test_intermediate_hooks_run_in_pytorchs_order(torch):
    """Nodes run in PyTorch's order, newest first (its ready queue prefers the newest node: always ready)."""
    def order(lib):
        x = lib.tensor(np.array([1.0, 2.0]), requires_grad=True)
        seen = []

        def named(t, name):
            t.register_hook(lambda g: seen.append(name))
            return t
        a = named(x * 2, "a")
        b = named(lib.exp(x), "b")
        c = named(lib.sin(x), "c")
        d = named(a * 3, "d")
        (d.sum() + b.sum() + c.sum()).backward()  # a last-in-first-out walk would run c, b, d, a
        return seen
    assert order(ag) == order(torch)


def test_comparison_masks_pass_no_gradient():
    x = ag.tensor(np.array([-2.0, -1.0, 0.5, 3.0]), requires_grad=True)
    mask = x < 0
    assert not mask.requires_grad and mask.dtype == np.bool_
    (x * mask).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0, 0.0, 0.0])


def test_subgradients_at_kinks_match_pytorch_choices():
    z = ag.tensor(np.array([0.0, 0.0]), requires_grad=True)
    ag.relu(z).sum().backward()
    np.testing.assert_array_equal(z.grad.data, [0.0, 0.0])
    z.grad = None
    ag.abs(z).sum().backward()
    np.testing.assert_array_equal(z.grad.data, [0.0, 0.0])
    z.grad = None
    ag.norm(z).backward()
    np.testing.assert_array_equal(z.grad.data, [0.0, 0.0])
    z.grad = None
    ag.sqrt(z).sum().backward()
    assert np.all(np.isinf(z.grad.data))
    c = ag.tensor(np.array([-1.0, 0.0, 1.0, 2.0]), requires_grad=True)
    ag.clip(c, -1.0, 1.0).sum().backward()
    np.testing.assert_array_equal(c.grad.data, [1.0, 1.0, 1.0, 0.0])


def test_ties_split_gradient_evenly():
    x = ag.tensor(np.array([1.0, 3.0, 3.0, 0.0]), requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.5, 0.5, 0.0])
    a, b = ag.tensor(np.array(2.0), requires_grad=True), ag.tensor(np.array(2.0), requires_grad=True)
    ag.maximum(a, b).backward()
    assert a.grad.item() == 0.5 and b.grad.item() == 0.5


def test_repeated_indices_accumulate():
    x = _x()
    x[np.array([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 0.0, 1.0])


def test_boolean_mask_indexing_gradient():
    x = _x()
    (x[x.data > 1.5] ** 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 4.0, 6.0])


def test_matmul_batched_broadcast_gradients():
    a = ag.tensor(np.random.default_rng(0).standard_normal((4, 1, 2, 3)), requires_grad=True)
    b = ag.tensor(np.random.default_rng(1).standard_normal((5, 3, 2)), requires_grad=True)
    (a @ b).sum().backward()
    assert a.grad.shape == a.shape and b.grad.shape == b.shape
    np.testing.assert_allclose(b.grad.data, np.broadcast_to(a.data.sum(axis=(0, 2))[..., None], (5, 3, 2)) * 1)


def test_sliding_window_backward_is_col2im():
    x = ag.tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    cols = ag.sliding_window(x, (3, 3), stride=1)
    assert cols.shape == (1, 1, 2, 2, 3, 3)
    cols.sum().backward()
    counts = np.array([[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]], dtype=float)
    np.testing.assert_array_equal(x.grad.data[0, 0], counts)


def test_einsum_gradients_match_matmul():
    rng = np.random.default_rng(0)
    a = ag.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = ag.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    ag.einsum("ij,jk->ik", a, b).sum().backward()
    np.testing.assert_allclose(a.grad.data, np.ones((2, 4)) @ b.data.T)
    np.testing.assert_allclose(b.grad.data, a.data.T @ np.ones((2, 4)))


def test_grad_skips_branches_that_cannot_reach_its_inputs():
    calls = []

    class Counted(ag.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            calls.append(1)
            return g * 2

    x, w = _x(), _x((1.0, 1.0, 1.0))
    y = (x * 3).sum() + Counted.apply(w).sum()
    (gx,) = ag.grad(y, x)
    np.testing.assert_allclose(gx.data, 3.0)
    assert calls == []  # w's branch was never differentiated
    (gw,) = ag.grad((x * Counted.apply(w)).sum(), w)
    np.testing.assert_allclose(gw.data, 2 * x.data)
    assert calls == [1]


def test_pow_with_zero_exponent_has_zero_base_gradient_at_zero():
    x = ag.tensor(np.array([0.0, 1.0]), requires_grad=True)
    (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])
    e = ag.tensor(np.array([0.0, 0.0]), requires_grad=True)
    x.grad = None
    with np.errstate(divide="ignore", invalid="ignore"):
        (x ** e).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])


def test_tensor_factory_copies_but_constructor_shares():
    a = np.ones(3)
    copied, shared = ag.tensor(a), ag.Tensor(a)
    a *= 5
    assert copied.tolist() == [1.0, 1.0, 1.0] and shared.tolist() == [5.0, 5.0, 5.0]


def test_clip_with_tensor_bounds_matches_torch(torch):
    data, lo, hi = np.array([-2.0, 0.5, 3.0, 1.0]), np.array([-1.0, 0.0, 0.0, 1.0]), np.array([1.0, 1.0, 2.0, 2.0])
    x, a, b = (ag.tensor(v, requires_grad=True) for v in (data, lo, hi))
    y = x.clip(a, b)
    y.sum().backward()
    tx, ta, tb = (torch.tensor(v, requires_grad=True) for v in (data, lo, hi))
    ty = torch.clamp(tx, ta, tb)
    ty.sum().backward()
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    for ours, theirs in ((x, tx), (a, ta), (b, tb)):
        np.testing.assert_array_equal(ours.grad.data, theirs.grad.numpy())


def test_reducing_a_0d_tensor_over_dim_0_is_allowed():
    x = ag.tensor(2.0, requires_grad=True)
    x.sum(axis=0).backward()
    assert x.mean(dim=-1).item() == 2.0 and x.grad.item() == 1.0

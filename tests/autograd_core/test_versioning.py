"""Version counters catch in-place changes to values saved for backward."""
import numpy as np
import pytest

import autograd_core as ag


def test_modifying_saved_input_raises_naming_the_operation():
    w = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)
    x = ag.tensor(np.array([3.0, 4.0]))
    y = (w * x).sum()
    with ag.no_grad():
        x.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation.*MulBackward"):
        y.backward()


def test_optimizer_style_update_between_forward_and_backward_is_caught():
    w = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = (w * w).sum()
    with ag.no_grad():
        w.sub_(0.1)
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()


def test_modifying_saved_output_raises():
    x = ag.tensor(np.array([0.5]), requires_grad=True)
    y = ag.exp(x)        # exp saves its output for backward
    z = (y + 1.0).sum()  # add saves nothing
    with ag.no_grad():
        y.add_(1.0)
    with pytest.raises(RuntimeError, match="ExpBackward"):
        z.backward()


def test_unrelated_in_place_change_is_fine():
    w = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)
    other = ag.tensor(np.array([1.0]))
    loss = (w * 3).sum()
    with ag.no_grad():
        other.add_(1)
    loss.backward()
    np.testing.assert_allclose(w.grad.data, 3.0)


def test_parameter_update_between_forward_and_backward_of_linear_is_caught():
    w = ag.tensor(np.ones((2, 3)), requires_grad=True)
    loss = ag.linear(ag.tensor(np.ones((4, 3))), w).sum()
    with ag.no_grad():
        w.sub_(0.1)  # an optimizer step before backward would make the gradient wrong
    with pytest.raises(RuntimeError, match="LinearBackward"):
        loss.backward()


def test_in_place_change_through_a_view_is_caught():
    x = ag.tensor(np.array([1.0, 2.0, 3.0, 4.0]), requires_grad=True)
    h = x * 1.0
    v = h.reshape(2, 2)
    loss = (h * h).sum()  # mul saves h's array
    with ag.no_grad():
        v[0, 0] = 10.0  # writes into h's memory
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()


def test_saved_view_of_a_modified_leaf_is_caught():
    w = ag.tensor(np.ones((2, 3)), requires_grad=True)
    x = ag.tensor(np.ones((4, 2)))
    loss = (x @ w[:, :2]).sum()  # matmul saves the slice of w, a view of w's memory
    with ag.no_grad():
        w.mul_(3.0)
    with pytest.raises(RuntimeError, match="MatmulBackward"):
        loss.backward()


def test_views_of_unmodified_tensors_backpropagate():
    x = ag.tensor(np.arange(6.0), requires_grad=True)
    (x.reshape(2, 3).T * x.reshape(3, 2)).sum().backward()
    assert x.grad.shape == (6,)


def test_view_made_under_no_grad_shares_the_counter():
    x = ag.tensor(np.ones(3), requires_grad=True)
    loss = (x * x).sum()
    with ag.no_grad():
        x.reshape(3).mul_(5.0)
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()


def test_view_of_a_non_leaf_made_under_no_grad_shares_the_counter():
    x = ag.tensor(np.ones(3), requires_grad=True)
    h = x * 2
    loss = (h * h).sum()
    with ag.no_grad():
        h[0:2].mul_(3.0)
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()


def test_detached_tensor_shares_the_counter():
    x = ag.tensor(np.ones(3), requires_grad=True)
    loss = (x * x).sum()
    x.detach().mul_(5.0)
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()

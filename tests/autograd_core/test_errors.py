"""Bad input gets a clear error that names the problem."""
import numpy as np
import pytest

import autograd_core as ag


def test_incompatible_broadcast_names_operation_and_shapes():
    a, b = ag.ones(2, 3), ag.ones(4)
    with pytest.raises(ValueError, match=r"add: incompatible shapes \(2, 3\) and \(4,\)"):
        a + b


def test_matmul_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\)"):
        ag.ones(2, 3) @ ag.ones(4, 5)


def test_non_scalar_backward_needs_gradient():
    x = ag.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()


def test_gradient_of_wrong_shape():
    x = ag.ones(3, requires_grad=True)
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        (x * 2).backward(ag.ones(2))


def test_backward_on_tensor_without_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.ones(2).sum().backward()


def test_unsupported_numpy_function_names_it():
    with pytest.raises(TypeError, match="histogram"):
        np.histogram(ag.ones(3))
    with pytest.raises(TypeError, match="ufunc 'add.at'"):
        np.add.at(ag.ones(3), [0], 1.0)


def test_bad_axes_and_shapes():
    with pytest.raises(ValueError, match="out of range"):
        ag.ones(2, 3).sum(axis=2)
    with pytest.raises(ValueError, match="permutation"):
        ag.ones(2, 3).permute(0, 0)
    with pytest.raises(ValueError, match="squeeze"):
        np.squeeze(ag.ones(2, 3), 0)  # numpy refuses; PyTorch's squeeze(0) leaves a size-2 dim alone
    assert ag.ones(2, 3).squeeze(0).shape == (2, 3)
    with pytest.raises(ValueError, match="sliding_window"):
        ag.sliding_window(ag.ones(1, 2, 2), (3, 3))
    with pytest.raises(ValueError, match="reshape"):
        ag.ones(2, 3).reshape(4)


def test_function_returning_unreduced_gradient_is_flagged():
    class Broken(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g, g  # forgets to sum the broadcast gradient back to b's shape

    a = ag.ones(2, 3, requires_grad=True)
    b = ag.ones(3, requires_grad=True)
    with pytest.raises(ValueError, match=r"BrokenBackward returned a gradient of shape \(2, 3\) for an input of "
                                         r"shape \(3,\)"):
        Broken.apply(a, b).sum().backward()

"""Bad inputs give a clear error of PyTorch's type that names the argument (issue 11 items 1-3), never an
obscure internal error: hyper-parameters of optimizers, schedulers and layers, parameter sets, layer shapes."""
import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
import optim
from optim import lr_scheduler


def _param():
    return ag.zeros(3, requires_grad=True)


@pytest.mark.parametrize("make, error, match", [
    (lambda: optim.SGD([_param()], lr="0.1"), TypeError, "lr must be a real number, got str"),
    (lambda: optim.SGD([_param()], lr=None), TypeError, "lr must be a real number"),
    (lambda: optim.SGD([_param()], lr=0.1, momentum="x"), TypeError, "momentum must be a real number"),
    (lambda: optim.SGD([_param()], lr=-0.1), ValueError, "Invalid lr value"),
    (lambda: optim.Adam([_param()], betas=0.9), TypeError, "betas must be a pair of numbers, got float"),
    (lambda: optim.NAdam([_param()], betas=(0.9, "a")), TypeError, r"betas\[1\] must be a real number"),
    (lambda: optim.AdamW([_param()], betas=(0.9, 1.5)), ValueError, "beta parameter at index 1"),
    (lambda: optim.Adam([_param()], eps="1e-8"), TypeError, "eps must be a real number"),
    (lambda: optim.RMSprop([_param()], alpha=[0.9]), TypeError, "alpha"),
    (lambda: optim.SGD({_param()}, lr=0.1), TypeError, "not a set"),
    (lambda: optim.SGD([{"params": {_param()}}], lr=0.1), TypeError, "not a set"),
])
def test_optimizer_hyper_parameters(make, error, match):
    with pytest.raises(error, match=match):
        make()


def _opt():
    return optim.SGD([_param()], lr=0.1)


@pytest.mark.parametrize("make, error, match", [
    (lambda: lr_scheduler.LambdaLR(_opt(), 3), TypeError, "lr_lambda must be a function"),
    (lambda: lr_scheduler.LambdaLR(_opt(), [lambda e: 1.0, 2]), ValueError, "expected 1 lr_lambdas"),
    (lambda: lr_scheduler.StepLR(_opt(), step_size=2.5), TypeError, "step_size must be an int, got float"),
    (lambda: lr_scheduler.StepLR(_opt(), step_size="2"), TypeError, "step_size must be an int, got str"),
    (lambda: lr_scheduler.StepLR(_opt(), step_size=-1), ValueError, "Invalid step_size"),
    (lambda: lr_scheduler.StepLR(_opt(), step_size=2, gamma="0.1"), TypeError, "gamma must be a real number"),
    (lambda: lr_scheduler.ExponentialLR(_opt(), gamma="x"), TypeError, "gamma must be a real number"),
    (lambda: lr_scheduler.MultiStepLR(_opt(), [1, 2], gamma=None), TypeError, "gamma must be a real number"),
])
def test_scheduler_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize("p, error", [("0.5", TypeError), (None, TypeError), (True, TypeError), (1.5, ValueError),
                                      (-0.1, ValueError), (float("nan"), ValueError)])
def test_dropout_probability(p, error):
    with pytest.raises(error, match="dropout probability p"):
        nn.Dropout(p)
    with pytest.raises(error, match="dropout probability p"):
        F.dropout(ag.zeros(3), p)


def test_linear_bias_of_the_wrong_shape_names_both_shapes():
    with pytest.raises(ValueError, match=r"bias of shape \(5,\) does not fit weight of shape \(4, 3\)"):
        F.linear(ag.zeros(2, 3), ag.zeros(4, 3), ag.zeros(5))


def test_linear_without_inputs_works_like_torch(torch):
    layer = nn.Linear(0, 3)
    out = layer(ag.zeros(2, 0))
    ref = torch.nn.Linear(0, 3)
    with torch.no_grad():
        ref.bias.copy_(torch.tensor(layer.bias.data))
    np.testing.assert_array_equal(out.data, ref(torch.zeros(2, 0)).detach().numpy())
    assert layer.weight.shape == (3, 0)


_OPTIMIZERS = [getattr(optim, name) for name in dir(optim)
               if isinstance(getattr(optim, name), type) and issubclass(getattr(optim, name), optim.Optimizer)
               and getattr(optim, name) is not optim.Optimizer]


@pytest.mark.parametrize("cls", _OPTIMIZERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("bad", ["0.1", None, [0.1]])
def test_every_optimizer_names_a_wrongly_typed_lr(cls, bad):
    with pytest.raises(TypeError, match="lr must be a real number"):
        cls([_param()], lr=bad)


@pytest.mark.parametrize("cls", _OPTIMIZERS, ids=lambda c: c.__name__)
def test_every_optimizer_refuses_a_set_of_parameters(cls):
    with pytest.raises(TypeError, match="not a set"):
        cls({_param()}, lr=0.1)


def test_float_operations_on_booleans_and_small_integers_compute_in_the_default_dtype():
    """numpy computes them in float16 (0.7617 for tanh(1)); PyTorch in float32 (0.7616)."""
    for data in (np.array([True, False]), np.array([1, 0], np.int8)):
        out = ag.tanh(ag.tensor(data))
        assert out.dtype == np.float32
        np.testing.assert_allclose(out.data, np.tanh(np.array([1.0, 0.0], np.float32)), rtol=1e-7)
    assert ag.tanh(ag.tensor(np.array([1.0], np.float16))).dtype == np.float16


def test_a_dim_out_of_range_is_an_index_error_naming_the_argument():
    with pytest.raises(IndexError, match="axis 3 is out of range for a tensor with 3 dimensions"):
        F.softmax(ag.zeros(2, 3, 4), dim=3)
    with pytest.raises(IndexError, match="start_dim: Dimension out of range"):
        nn.Flatten(start_dim=5)(ag.zeros(2, 3))

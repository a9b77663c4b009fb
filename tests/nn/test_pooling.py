"""Pooling against PyTorch (values, indices, gradients; float32 and float64), ties, NaN, edge sizes, bad arguments."""
import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F

from .test_conv import compare_with_torch

# (id, layer in nn / torch.nn spelling, input shape)
POOLS = [
    ("max2d-ceil", lambda M: M.MaxPool2d(2, ceil_mode=True), (2, 3, 5, 7)),
    ("max2d-ceil-stride-pad", lambda M: M.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), (1, 2, 6, 8)),
    ("max2d-ceil-last-window-dropped", lambda M: M.MaxPool2d(2, stride=2, padding=1, ceil_mode=True), (1, 2, 4, 5)),
    ("max2d-dilation", lambda M: M.MaxPool2d((2, 3), stride=(1, 2), dilation=(2, 1)), (2, 2, 6, 7)),
    ("max2d-indices", lambda M: M.MaxPool2d(3, stride=2, padding=1, return_indices=True), (2, 2, 7, 6)),
    ("max2d-indices-ceil-dilation", lambda M: M.MaxPool2d(2, stride=2, padding=1, dilation=2, return_indices=True,
                                                           ceil_mode=True), (1, 3, 7, 8)),
    ("max2d-unbatched", lambda M: M.MaxPool2d(2, return_indices=True), (3, 4, 5)),
    ("max1d", lambda M: M.MaxPool1d(3, stride=2, padding=1, return_indices=True, ceil_mode=True), (2, 3, 10)),
    ("avg2d-ceil", lambda M: M.AvgPool2d(2, ceil_mode=True), (2, 2, 5, 7)),
    ("avg2d-ceil-pad", lambda M: M.AvgPool2d(3, stride=2, padding=1, ceil_mode=True), (1, 2, 6, 8)),
    ("avg2d-ceil-pad-exclude", lambda M: M.AvgPool2d(3, stride=2, padding=1, ceil_mode=True,
                                                     count_include_pad=False), (1, 2, 6, 8)),
    ("avg2d-divisor-override", lambda M: M.AvgPool2d(2, stride=1, padding=1, divisor_override=3), (1, 2, 4, 5)),
    ("avg2d-rect", lambda M: M.AvgPool2d((2, 3), stride=(2, 1), padding=(1, 1)), (2, 1, 5, 6)),
    ("avg1d", lambda M: M.AvgPool1d(4, stride=3, padding=2, ceil_mode=True, count_include_pad=False), (2, 2, 11)),
    ("adaptive2d-divisible", lambda M: M.AdaptiveAvgPool2d(2), (2, 3, 6, 4)),
    ("adaptive2d-uneven", lambda M: M.AdaptiveAvgPool2d((3, 4)), (2, 2, 5, 7)),
    ("adaptive2d-upsample-none", lambda M: M.AdaptiveAvgPool2d((None, 9)), (1, 2, 3, 5)),
    ("adaptive2d-global", lambda M: M.AdaptiveAvgPool2d(1), (2, 3, 4, 5)),
    ("adaptive1d", lambda M: M.AdaptiveAvgPool1d(4), (2, 3, 7)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("make,shape", [p[1:] for p in POOLS], ids=[p[0] for p in POOLS])
def test_pool_matches_torch(torch, make, shape, dtype):
    compare_with_torch(torch, make(nn), make(torch.nn), shape, dtype)


def test_return_indices_are_flat_positions_in_the_input_plane():
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 6))
    values, indices = F.max_pool2d(ag.tensor(x, requires_grad=True), 3, stride=2, padding=1, return_indices=True)
    assert indices.dtype == np.int64 and not indices.requires_grad and values.requires_grad
    np.testing.assert_array_equal(np.take_along_axis(x.reshape(2, 3, -1), indices.data.reshape(2, 3, -1), -1),
                                  values.data.reshape(2, 3, -1))


@pytest.mark.parametrize("ceil_mode", [False, True])
def test_max_pool_ties_and_nan_follow_torch(torch, ceil_mode):
    x_np = np.array([[[[1.0, 1.0, 0.0, np.nan, 2.0], [1.0, 0.5, np.nan, 3.0, 2.0], [2.0, 2.0, 2.0, 2.0, 2.0],
                       [0.0, 2.0, 5.0, 5.0, 1.0]]]])
    x, xt = ag.tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    out, idx = F.max_pool2d(x, 2, stride=1, ceil_mode=ceil_mode, return_indices=True)
    tout, tidx = torch.nn.functional.max_pool2d(xt, 2, stride=1, ceil_mode=ceil_mode, return_indices=True)
    np.testing.assert_array_equal(out.data, tout.detach().numpy())
    np.testing.assert_array_equal(idx.data, tidx.numpy())
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_array_equal(x.grad.data, xt.grad.numpy())


def test_non_overlapping_max_pool_is_one_window_reduction():
    out = F.max_pool2d(ag.randn(2, 3, 8, 8, requires_grad=True), 2)
    assert out.grad_fn.name == "WindowMaxBackward"


@pytest.mark.parametrize("call,out_shape", [
    (lambda x: F.max_pool2d(x, 2), (0, 3, 2, 3)),
    (lambda x: F.max_pool2d(x, 3, 2, 1, return_indices=True)[0], (0, 3, 2, 3)),
    (lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), (0, 3, 3, 4)),
    (lambda x: F.adaptive_avg_pool2d(x, (3, 2)), (0, 3, 3, 2)),
])
def test_empty_batch_gives_empty_output(call, out_shape):
    x = ag.zeros(0, 3, 4, 6, requires_grad=True)
    out = call(x)
    assert out.shape == out_shape
    out.sum().backward()
    assert x.grad.shape == x.shape


def test_empty_batch_shapes_equal_torch(torch):
    x, tx = ag.zeros(0, 2, 5, 5), torch.zeros(0, 2, 5, 5)
    tf = torch.nn.functional
    assert F.max_pool2d(x, 2, ceil_mode=True).shape == tuple(tf.max_pool2d(tx, 2, ceil_mode=True).shape)
    assert F.avg_pool2d(x, 3, 1, 1).shape == tuple(tf.avg_pool2d(tx, 3, 1, 1).shape)
    assert F.adaptive_avg_pool2d(x, 3).shape == tuple(tf.adaptive_avg_pool2d(tx, 3).shape)


@pytest.mark.parametrize("call,error,match", [
    (lambda x: F.max_pool2d(x, 0), ValueError, "kernel_size"),
    (lambda x: F.max_pool2d(x, -2), ValueError, "kernel_size"),
    (lambda x: F.max_pool2d(x, 2.0), TypeError, "kernel_size"),
    (lambda x: F.avg_pool2d(x, (2, 2.5)), TypeError, "kernel_size"),
    (lambda x: F.max_pool2d(x, 2, stride=0), ValueError, "stride"),
    (lambda x: F.max_pool2d(x, 2, dilation=0), ValueError, "dilation"),
    (lambda x: F.avg_pool2d(x, 2, padding=-1), ValueError, "padding"),
    (lambda x: F.max_pool2d(x, 3, padding=2), ValueError, "at most half"),
    (lambda x: F.max_pool2d(x, 7), ValueError, "too small"),
    (lambda x: F.avg_pool2d(x, 2, divisor_override=0), ValueError, "divisor_override"),
    (lambda x: F.adaptive_avg_pool2d(x, -1), ValueError, "output_size"),  # 0 gives an empty output, as in PyTorch
    (lambda x: F.adaptive_avg_pool2d(x, (2, 2, 2)), ValueError, "output_size"),
    (lambda x: F.max_pool2d(x[0, 0], 2), ValueError, "3-d or 4-d"),
    (lambda x: F.max_pool1d(x, 2), ValueError, "2-d or 3-d"),
    (lambda x: F.adaptive_avg_pool2d(x[:, :, :0], 2), ValueError, "non-zero"),
])
def test_bad_arguments_raise_naming_them(call, error, match):
    with pytest.raises(error, match=match):
        call(ag.randn(1, 2, 5, 6))


def test_module_reprs():
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1)"
    assert repr(nn.MaxPool2d(3, 2, ceil_mode=True)) == \
        "MaxPool2d(kernel_size=3, stride=2, padding=0, dilation=1, ceil_mode=True)"
    assert repr(nn.AdaptiveAvgPool2d((3, None))) == "AdaptiveAvgPool2d(output_size=(3, None))"

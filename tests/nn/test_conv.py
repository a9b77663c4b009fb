"""Convolutions against PyTorch (values and every gradient, float32 and float64), edge sizes and bad arguments."""
import math

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F

TOLERANCE = {np.float32: dict(rtol=2e-5, atol=2e-5), np.float64: dict(rtol=1e-10, atol=1e-11)}


def compare_with_torch(torch, ours, theirs, shape, dtype, call=lambda m, x: m(x), seed=0):
    """Run our module and the torch one (same parameters) on one random input; assert equal outputs and
    equal gradients of input and parameters under a random cotangent. Returns our output."""
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    theirs, ours = theirs.to(tdtype), ours.to(dtype)
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.tensor(rng.uniform(-1, 1, tuple(p.shape))))
    ours.load_state_dict({k: v.numpy().astype(dtype) for k, v in theirs.state_dict().items()})
    x_np = rng.standard_normal(shape).astype(dtype)
    x, xt = ag.Tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    out, tout = call(ours, x), call(theirs, xt)
    outs, touts = (out, tout) if isinstance(out, tuple) else ((out,), (tout,))
    for o, t in zip(outs, touts):
        assert o.shape == tuple(t.shape) and o.dtype == (dtype if o.dtype.kind == "f" else np.int64)
        np.testing.assert_allclose(o.data, t.detach().numpy(), **TOLERANCE[dtype])
    c = rng.standard_normal(outs[0].shape).astype(dtype)
    (outs[0] * ag.Tensor(c)).sum().backward()
    (touts[0] * torch.tensor(c)).sum().backward()
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), **TOLERANCE[dtype])
    named = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert p.grad.dtype == dtype
        np.testing.assert_allclose(p.grad.data, named[name].grad.numpy(), err_msg=name, **TOLERANCE[dtype])
    return out


# (id, our layer, torch layer, input shape)
CONVS = [
    ("conv1d", lambda M: M.Conv1d(3, 4, 3), (2, 3, 9)),
    ("conv1d-stride-pad-dilation", lambda M: M.Conv1d(2, 4, 3, stride=2, padding=2, dilation=2), (2, 2, 11)),
    ("conv1d-groups", lambda M: M.Conv1d(4, 6, 2, groups=2, bias=False), (3, 4, 7)),
    ("conv1d-same-even", lambda M: M.Conv1d(2, 3, 4, padding="same"), (2, 2, 8)),
    ("conv1d-same-dilated", lambda M: M.Conv1d(2, 3, 3, padding="same", dilation=3), (1, 2, 10)),
    ("conv1d-valid", lambda M: M.Conv1d(2, 3, 3, padding="valid"), (2, 2, 6)),
    ("conv1d-unbatched", lambda M: M.Conv1d(2, 3, 3, padding=1), (2, 6)),
    ("conv2d-same-even", lambda M: M.Conv2d(2, 3, (2, 4), padding="same"), (2, 2, 5, 6)),
    ("conv2d-same-odd-dilated", lambda M: M.Conv2d(2, 2, 3, padding="same", dilation=(1, 2)), (1, 2, 5, 7)),
    ("conv2d-strided-rect", lambda M: M.Conv2d(3, 4, (3, 2), stride=(2, 3), padding=(1, 2)), (2, 3, 7, 8)),
    ("conv2d-depthwise-multiplier", lambda M: M.Conv2d(2, 6, 3, groups=2), (2, 2, 5, 5)),
    ("conv2d-unbatched", lambda M: M.Conv2d(2, 3, 3), (2, 5, 5)),
    ("conv2d-reflect", lambda M: M.Conv2d(2, 3, 3, padding=(1, 2), padding_mode="reflect"), (2, 2, 4, 5)),
    ("conv2d-replicate-same", lambda M: M.Conv2d(2, 2, (2, 3), padding="same", padding_mode="replicate"),
     (1, 2, 3, 4)),
    ("conv2d-circular-strided", lambda M: M.Conv2d(1, 2, 3, stride=2, padding=3, padding_mode="circular"),
     (2, 1, 3, 5)),
    ("conv1d-reflect-unbatched", lambda M: M.Conv1d(2, 2, 3, padding=2, padding_mode="reflect"), (2, 5)),
    ("convT2d", lambda M: M.ConvTranspose2d(3, 2, 3), (2, 3, 4, 5)),
    ("convT2d-stride-pad-outpad", lambda M: M.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1),
     (2, 2, 4, 3)),
    ("convT2d-groups-dilation", lambda M: M.ConvTranspose2d(4, 6, (2, 3), stride=(1, 2), padding=(1, 0),
                                                            groups=2, dilation=(2, 1)), (2, 4, 4, 4)),
    ("convT2d-outpad-below-dilation", lambda M: M.ConvTranspose2d(2, 2, 2, stride=1, output_padding=1,
                                                                  dilation=2, bias=False), (1, 2, 3, 3)),
    ("convT2d-unbatched", lambda M: M.ConvTranspose2d(2, 2, 3, stride=2), (2, 3, 3)),
    ("convT1d", lambda M: M.ConvTranspose1d(2, 4, 3, stride=3, padding=1, output_padding=2, groups=2), (2, 2, 5)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("make,shape", [c[1:] for c in CONVS], ids=[c[0] for c in CONVS])
def test_conv_matches_torch(torch, make, shape, dtype):
    compare_with_torch(torch, make(nn), make(torch.nn), shape, dtype)


@pytest.mark.parametrize("size", [(7, 9), (8, 10)])
def test_conv_transpose_output_size_argument_matches_torch(torch, size):
    make = lambda M: M.ConvTranspose2d(2, 3, 3, stride=2, padding=1)  # noqa: E731
    out = compare_with_torch(torch, make(nn), make(torch.nn), (1, 2, 4, 5), np.float64,
                             call=lambda m, x: m(x, output_size=size))
    assert out.shape[-2:] == size
    with pytest.raises(ValueError, match="output_size"):
        make(nn)(ag.randn(1, 2, 4, 5), output_size=(11, 9))


def test_conv_transpose_is_the_adjoint_of_conv():
    rng = np.random.default_rng(0)
    w = ag.tensor(rng.standard_normal((3, 2, 3, 2)))
    x, y = ag.tensor(rng.standard_normal((2, 2, 8, 7))), ag.tensor(rng.standard_normal((2, 3, 4, 4)))
    # <conv(x), y> == <x, conv_transpose(y)> with the same weight and geometry
    lhs = (F.conv2d(x, w, stride=2, padding=1) * y).sum().item()
    rhs = (x * F.conv_transpose2d(y, w, stride=2, padding=1, output_padding=(1, 1))).sum().item()
    assert math.isclose(lhs, rhs, rel_tol=1e-12)


def test_conv_second_order_gradients():
    rng = np.random.default_rng(1)
    x = ag.tensor(rng.standard_normal((1, 2, 4, 4)), requires_grad=True)
    w = ag.tensor(rng.standard_normal((2, 3, 2, 2)), requires_grad=True)
    assert ag.gradgradcheck(lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1), (x, w))
    w1 = ag.tensor(rng.standard_normal((3, 1, 3)), requires_grad=True)
    x1 = ag.tensor(rng.standard_normal((2, 3, 6)), requires_grad=True)
    assert ag.gradgradcheck(lambda x, w: F.conv1d(x, w, padding="same", groups=3), (x1, w1))


def _op_names(t) -> list:
    names, seen, stack = [], set(), [t.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or isinstance(node, ag.Tensor) or id(node) in seen:
            continue
        seen.add(id(node))
        names.append(node.name)
        stack.extend(node.next_functions)
    return names


@pytest.mark.parametrize("groups", [1, 3])
def test_conv_is_one_window_view_and_one_product(groups):
    names = _op_names(nn.Conv2d(3, 6, 3, padding=1, groups=groups)(ag.randn(2, 3, 6, 6, requires_grad=True)))
    assert names.count("MatmulBackward") == 1 and names.count("SlidingWindowBackward") == 1
    assert "EinsumBackward" not in names


@pytest.mark.parametrize("make,shape,out_shape", [
    (lambda M: M.Conv2d(3, 4, 3, padding=1), (0, 3, 5, 5), (0, 4, 5, 5)),
    (lambda M: M.Conv1d(2, 2, 3), (0, 2, 5), (0, 2, 3)),
    (lambda M: M.ConvTranspose2d(3, 2, 2, stride=2), (0, 3, 2, 2), (0, 2, 4, 4)),
    (lambda M: M.Conv2d(0, 3, 3), (2, 0, 5, 5), (2, 0, 3, 3)),  # (sic: PyTorch drops the bias)
], ids=["conv2d-empty-batch", "conv1d-empty-batch", "convT2d-empty-batch", "conv2d-no-input-channels"])
@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
def test_empty_batches_and_channels_like_torch(torch, make, shape, out_shape):
    layer = make(nn)
    x = ag.zeros(*shape, requires_grad=True)
    out = layer(x)
    assert out.shape == out_shape == tuple(make(torch.nn)(torch.zeros(shape)).shape)
    out.sum().backward()
    assert x.grad.shape == shape and layer.weight.grad.shape == layer.weight.shape
    assert not layer.weight.grad.data.any() and not layer.bias.grad.data.any()


def test_conv_transpose_without_input_channels_raises_like_torch():
    with pytest.raises(ValueError, match="at least one input channel"):
        nn.ConvTranspose2d(0, 2, 3)(ag.zeros(1, 0, 2, 2))


def test_zero_input_channels_initialize_without_error():
    with pytest.warns(UserWarning, match="zero-element"):  # PyTorch's warning, and no ZeroDivisionError
        conv = nn.Conv2d(0, 4, 3)
    assert conv.weight.shape == (4, 0, 3, 3) and np.all(conv.bias.data == 0)
    with pytest.warns(UserWarning, match="zero-element"):
        assert nn.Linear(0, 3).weight.shape == (3, 0)


def test_conv_transpose_default_initialization_uses_pytorch_fans():
    ag.manual_seed(3)
    layer = nn.ConvTranspose2d(4, 6, 3, groups=2)
    assert layer.weight.shape == (4, 3, 3, 3)
    bound = 1 / math.sqrt(3 * 9)  # fan_in = weight.shape[1] * kernel elements, as PyTorch computes it
    for p in (layer.weight, layer.bias):
        assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.8 * bound


@pytest.mark.parametrize("build,error,match", [
    (lambda: nn.Conv2d(1, 2, 0), ValueError, "kernel_size"),
    (lambda: nn.Conv2d(1, 2, (3, -1)), ValueError, "kernel_size"),
    (lambda: nn.Conv2d(1, 2, 2.0), TypeError, "kernel_size"),
    (lambda: nn.Conv1d(1, 2, (2, 2)), ValueError, "kernel_size"),
    (lambda: nn.Conv2d(2, 2, 3, groups=0), ValueError, "groups"),
    (lambda: nn.Conv2d(2, 2, 3, groups=1.0), TypeError, "groups"),
    (lambda: nn.Conv2d(4, 6, 3, groups=4), ValueError, "divisible by groups"),
    (lambda: nn.ConvTranspose2d(3, 4, 3, groups=2), ValueError, "divisible by groups"),
    (lambda: nn.Conv2d(2, 2, 3, stride=0), ValueError, "stride"),
    (lambda: nn.Conv2d(2, 2, 3, padding=-1), ValueError, "padding"),
    (lambda: nn.Conv2d(2, 2, 3, dilation=0), ValueError, "dilation"),
    (lambda: nn.Conv2d(2, 2, 3, padding="same", stride=2), ValueError, "strided"),
    (lambda: nn.Conv2d(2, 2, 3, padding="full"), ValueError, "padding"),
    (lambda: nn.Conv2d(2.0, 2, 3), TypeError, "in_channels"),
    (lambda: nn.Conv2d(2, -2, 3), ValueError, "out_channels"),
    (lambda: nn.Conv2d(2, 2, 3, padding_mode="mirror"), ValueError, "padding_mode"),
    (lambda: nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect"), ValueError, "padding_mode"),
    (lambda: nn.Conv2d(2, 2, 3, padding=5, padding_mode="reflect"), ValueError, "reflect padding"),
    (lambda: nn.ConvTranspose2d(2, 2, 3, stride=2, output_padding=2), ValueError, "output_padding"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_bad_hyper_parameters_raise_naming_the_argument(build, error, match):
    with pytest.raises(error, match=match):
        layer = build()
        layer(ag.randn(1, layer.in_channels, *(5,) * len(layer.kernel_size)))


@pytest.mark.parametrize("call,match", [
    (lambda: F.conv2d(ag.randn(1, 2, 5, 5), ag.randn(2, 2, 3, 3), groups=0), "groups"),
    (lambda: F.conv2d(ag.randn(1, 3, 5, 5), ag.randn(2, 2, 3, 3)), "expected N×2×H×W"),
    (lambda: F.conv2d(ag.randn(1, 2, 5, 5), ag.randn(2, 2, 3, 3), ag.randn(3)), "bias"),
    (lambda: F.conv2d(ag.randn(1, 2, 2, 2), ag.randn(2, 2, 3, 3)), "smaller than the dilated kernel"),
    (lambda: F.conv1d(ag.randn(1, 2, 3, 5), ag.randn(2, 2, 3)), "3-d"),
    (lambda: F.conv_transpose2d(ag.randn(1, 2, 1, 1), ag.randn(2, 2, 1, 1), padding=1), "no output"),
])
def test_functional_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("conv", [F.conv2d, F.conv_transpose2d])
def test_mixed_or_integer_dtypes_raise_like_torch(conv):
    x, w = ag.randn(1, 2, 4, 4), ag.randn(2, 2, 3, 3)
    with pytest.raises(TypeError, match="one floating dtype"):
        conv(x.double(), w)
    with pytest.raises(TypeError, match="bias"):
        conv(x, w, ag.zeros(2, dtype=np.float64))
    with pytest.raises(TypeError, match="int64"):
        conv(ag.ones(1, 2, 4, 4, dtype=np.int64), ag.ones(2, 2, 3, 3, dtype=np.int64))


def test_reprs_follow_pytorch(torch):
    for make in (lambda M: M.Conv2d(2, 3, 3, padding=(1, 2), bias=False, padding_mode="circular"),
                 lambda M: M.ConvTranspose2d(4, 2, 2, stride=2, groups=2, dilation=2)):
        assert repr(make(nn)) == repr(make(torch.nn))
    assert repr(nn.Conv1d(2, 4, 3, padding="same")) == "Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=same)"
    assert repr(nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1)) == \
        "ConvTranspose2d(3, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))"

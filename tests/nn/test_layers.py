"""Layers: float64 central differences, hand-computed values, and PyTorch with the same weights."""
import math

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F

F64 = np.float64

# (name, our layer, input shape, torch layer built from the torch module)
LAYERS = [
    ("linear", lambda: nn.Linear(3, 4, dtype=F64), (5, 3), lambda T: T.nn.Linear(3, 4)),
    ("linear-3d-nobias", lambda: nn.Linear(3, 2, bias=False, dtype=F64), (2, 4, 3),
     lambda T: T.nn.Linear(3, 2, bias=False)),
    ("conv", lambda: nn.Conv2d(2, 3, 3, stride=2, padding=1, dtype=F64), (2, 2, 5, 6),
     lambda T: T.nn.Conv2d(2, 3, 3, stride=2, padding=1)),
    ("conv-dilated", lambda: nn.Conv2d(2, 3, (2, 3), padding=(1, 0), dilation=2, dtype=F64), (1, 2, 6, 7),
     lambda T: T.nn.Conv2d(2, 3, (2, 3), padding=(1, 0), dilation=2)),
    ("conv-groups", lambda: nn.Conv2d(4, 6, 3, padding=1, groups=2, dtype=F64), (2, 4, 4, 5),
     lambda T: T.nn.Conv2d(4, 6, 3, padding=1, groups=2)),
    ("conv-depthwise", lambda: nn.Conv2d(3, 3, 2, groups=3, bias=False, dtype=F64), (1, 3, 4, 4),
     lambda T: T.nn.Conv2d(3, 3, 2, groups=3, bias=False)),
    ("maxpool", lambda: nn.MaxPool2d(2), (2, 2, 4, 6), lambda T: T.nn.MaxPool2d(2)),
    ("maxpool-pad", lambda: nn.MaxPool2d(3, stride=2, padding=1), (1, 2, 5, 5),
     lambda T: T.nn.MaxPool2d(3, stride=2, padding=1)),
    ("avgpool", lambda: nn.AvgPool2d(2), (2, 2, 4, 4), lambda T: T.nn.AvgPool2d(2)),
    ("avgpool-pad", lambda: nn.AvgPool2d(3, 2, 1), (1, 2, 5, 6), lambda T: T.nn.AvgPool2d(3, 2, 1)),
    ("avgpool-exclude-pad", lambda: nn.AvgPool2d(3, 2, 1, count_include_pad=False), (1, 2, 5, 6),
     lambda T: T.nn.AvgPool2d(3, 2, 1, count_include_pad=False)),
    ("batchnorm1d", lambda: nn.BatchNorm1d(4, dtype=F64), (6, 4), lambda T: T.nn.BatchNorm1d(4)),
    ("batchnorm1d-3d", lambda: nn.BatchNorm1d(3, dtype=F64), (4, 3, 5), lambda T: T.nn.BatchNorm1d(3)),
    ("batchnorm2d", lambda: nn.BatchNorm2d(3, dtype=F64), (4, 3, 2, 3), lambda T: T.nn.BatchNorm2d(3)),
    ("batchnorm2d-noaffine", lambda: nn.BatchNorm2d(2, affine=False, dtype=F64), (3, 2, 2, 2),
     lambda T: T.nn.BatchNorm2d(2, affine=False)),
    ("layernorm", lambda: nn.LayerNorm((3, 4), dtype=F64), (2, 3, 4), lambda T: T.nn.LayerNorm((3, 4))),
    ("layernorm-noaffine", lambda: nn.LayerNorm(4, elementwise_affine=False), (3, 4),
     lambda T: T.nn.LayerNorm(4, elementwise_affine=False)),
    ("flatten", lambda: nn.Flatten(), (2, 3, 2, 2), lambda T: T.nn.Flatten()),
    ("flatten-range", lambda: nn.Flatten(0, 1), (2, 3, 2), lambda T: T.nn.Flatten(0, 1)),
    ("identity", lambda: nn.Identity(7, k=3), (2, 3), lambda T: T.nn.Identity()),
]
IDS = [c[0] for c in LAYERS]


def _randomize(layer, seed=1):
    """Non-trivial parameters (norm layers start at 1/0, which would hide mistakes)."""
    rng = np.random.default_rng(seed)
    with ag.no_grad():
        for p in layer.parameters():
            p.copy_(rng.uniform(-1, 1, p.shape) + (1.0 if p.name.endswith("weight") and p.ndim == 1 else 0.0))
    return layer


@pytest.mark.parametrize("name,make,shape,_", LAYERS, ids=IDS)
@pytest.mark.parametrize("training", [True, False])
def test_layer_gradcheck_float64(name, make, shape, _, training):
    layer = _randomize(make()).train(training)
    if not training and name.startswith("batchnorm"):
        with ag.no_grad():
            layer.running_mean.copy_(np.linspace(-0.5, 0.5, layer.num_features))
            layer.running_var.copy_(np.linspace(0.5, 2.0, layer.num_features))
    x = ag.Tensor(np.random.default_rng(2).standard_normal(shape), requires_grad=True)
    assert ag.gradcheck(lambda x: layer(x), (x,))
    if list(layer.parameters()):
        weights = ag.Tensor(np.random.default_rng(3).standard_normal(layer(x).shape))
        report = nn.utils.gradcheck_module(layer, lambda y, w: (y * w).sum(), x.detach(), weights)
        assert report.rel_error < 1e-7, str(report)


def _torch_copy(T, ours, make_torch):
    ref = make_torch(T).double().train(ours.training)
    ref.load_state_dict({k: T.tensor(v) for k, v in ours.state_dict().items()})
    return ref


@pytest.mark.parametrize("name,make,shape,make_torch", LAYERS, ids=IDS)
@pytest.mark.parametrize("training", [True, False])
def test_layer_matches_torch_float64(torch, name, make, shape, make_torch, training):
    ours = _randomize(make()).train(training)
    if any(p.dtype != F64 for p in ours.parameters()):
        pytest.skip("float32 layer; covered by the float32 comparison")
    ref = _torch_copy(torch, ours, make_torch)
    rng = np.random.default_rng(4)
    x_np = rng.standard_normal(shape)
    x, xt = ag.Tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    for _ in range(2):  # twice: gradients accumulate and running statistics move on both sides
        y, yt = ours(x), ref(xt)
        np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
        w = rng.standard_normal(y.shape)
        (y * ag.Tensor(w)).sum().backward()
        (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    torch_params = dict(ref.named_parameters())
    for k, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.data, torch_params[k].grad.numpy(), rtol=1e-10, atol=1e-11, err_msg=k)
    torch_sd = ref.state_dict()
    for k, v in ours.state_dict().items():
        np.testing.assert_allclose(v, torch_sd[k].numpy(), rtol=1e-12, err_msg=k)


@pytest.mark.parametrize("make,shape,make_torch", [
    (lambda: nn.Linear(8, 5), (4, 8), lambda T: T.nn.Linear(8, 5)),
    (lambda: nn.Conv2d(3, 4, 3, padding=1), (2, 3, 6, 6), lambda T: T.nn.Conv2d(3, 4, 3, padding=1)),
    (lambda: nn.BatchNorm2d(3), (4, 3, 3, 3), lambda T: T.nn.BatchNorm2d(3)),
    (lambda: nn.LayerNorm(6), (3, 6), lambda T: T.nn.LayerNorm(6)),
], ids=["linear", "conv", "batchnorm2d", "layernorm"])
def test_layer_matches_torch_float32(torch, make, shape, make_torch):
    ours = _randomize(make())
    assert all(p.dtype == np.float32 for p in ours.parameters())
    ref = make_torch(torch)
    ref.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    x_np = np.random.default_rng(5).standard_normal(shape).astype(np.float32)
    x, xt = ag.Tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    y, yt = ours(x), ref(xt)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    (y * y).sum().backward()
    (yt * yt).sum().backward()
    np.testing.assert_allclose(x.grad.data, xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    tp = dict(ref.named_parameters())
    for k, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.data, tp[k].grad.numpy(), rtol=1e-4, atol=1e-4, err_msg=k)


# ------------------------------------------------------------------------------- hand-computed values
def test_linear_hand_computed():
    lin = nn.Linear(2, 3)
    with ag.no_grad():
        lin.weight.copy_([[1, 2], [3, 4], [5, 6]])
        lin.bias.copy_([0.5, -0.5, 0])
    np.testing.assert_allclose(lin(ag.Tensor([[1.0, -1.0]])).data, [[-0.5, -1.5, -1.0]])


def test_conv_and_pool_hand_computed():
    x = ag.Tensor(np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4))
    w = ag.Tensor(np.array([[[[1, 0], [0, -1]]]], np.float32))
    np.testing.assert_allclose(F.conv2d(x, w).data, np.full((1, 1, 3, 3), -5.0))
    np.testing.assert_allclose(F.conv2d(x, w, ag.Tensor([1.0]), stride=2).data, np.full((1, 1, 2, 2), -4.0))
    np.testing.assert_allclose(F.max_pool2d(x, 2).data, [[[[5, 7], [13, 15]]]])
    np.testing.assert_allclose(F.avg_pool2d(x, 2).data, [[[[2.5, 4.5], [10.5, 12.5]]]])
    # padding: the corner window sees x[0,0]=0, x[0,1]=1, x[1,0]=4, x[1,1]=5 and five pads
    np.testing.assert_allclose(F.avg_pool2d(x, 3, 2, 1).data[0, 0, 0, 0], 10 / 9)
    np.testing.assert_allclose(F.avg_pool2d(x, 3, 2, 1, count_include_pad=False).data[0, 0, 0, 0], 10 / 4)


def test_batchnorm_hand_computed_and_running_update():
    bn = nn.BatchNorm1d(1)
    x = ag.Tensor([[1.0], [3.0]])
    # mean 2, biased var 1 -> (x - 2) / sqrt(1 + eps)
    np.testing.assert_allclose(bn(x).data.ravel(), [-1 / math.sqrt(1 + 1e-5), 1 / math.sqrt(1 + 1e-5)], rtol=1e-6)
    # running = 0.9 * initial + 0.1 * batch, with the unbiased variance 2
    np.testing.assert_allclose(bn.running_mean.data, [0.2])
    np.testing.assert_allclose(bn.running_var.data, [0.9 + 0.2])
    assert bn.num_batches_tracked.item() == 1 and bn.num_batches_tracked.dtype == np.int64
    bn.eval()
    np.testing.assert_allclose(bn(ag.Tensor([[0.2]])).data, [[0.0]], atol=1e-7)


def test_layernorm_hand_computed():
    np.testing.assert_allclose(F.layer_norm(ag.Tensor([[1.0, 3.0]]), 2, eps=0.0).data, [[-1.0, 1.0]])


def test_maxout_hand_computed_and_gradcheck():
    m = nn.Maxout(2, 2, k=3, dtype=F64)
    with ag.no_grad():
        m.weight.copy_([[1, 0], [0, 1], [-1, -1], [2, 0], [0, 2], [1, 1]])
        m.bias.copy_([0, 0, 0, 0, 0, -10])
    x = ag.Tensor(np.array([[1.0, -2.0]]))
    np.testing.assert_allclose(m(x).data, [[1.0, 2.0]])  # max(1, -2, 1) and max(2, -4, -11)
    assert m.weight.shape == (6, 2) and repr(m) == "Maxout(in_features=2, out_features=2, k=3)"
    _randomize(m)
    assert nn.utils.gradcheck_module(m, lambda y, t: (y * t).sum(), ag.randn(4, 2), ag.randn(4, 2)).ok


def test_embedding_values_grads_and_padding(torch):
    emb = nn.Embedding(5, 3, padding_idx=1, dtype=F64)
    assert not emb.weight.data[1].any()
    idx = np.array([[0, 1, 4], [4, 4, 1]])
    out = emb(idx)
    np.testing.assert_array_equal(out.data, emb.weight.data[idx])
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.data[:, 0], [1, 0, 0, 0, 3])  # repeats add up, padding none
    ref = torch.nn.Embedding(5, 3, padding_idx=1).double()
    ref.load_state_dict({"weight": torch.tensor(emb.weight.data)})
    ref(torch.tensor(idx)).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.data, ref.weight.grad.numpy())
    with pytest.raises(TypeError, match="integer indices"):
        emb(np.array([0.5]))


# ------------------------------------------------------------------------------- dropout
def test_dropout_statistics_and_gradient():
    x = ag.ones(200_000, requires_grad=True)
    y = nn.Dropout(0.3)(x)
    dropped = float((y.data == 0).mean())
    assert abs(dropped - 0.3) < 0.005
    np.testing.assert_allclose(y.data[y.data != 0], 1 / 0.7, rtol=1e-6)
    assert abs(float(y.data.mean()) - 1.0) < 0.01
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, y.data)  # d/dx (x * mask) = mask


def test_dropout_eval_is_exact_identity_and_edge_probabilities():
    x = ag.randn(10, 10)
    d = nn.Dropout(0.5).eval()
    assert d(x) is x
    assert F.dropout(x, 0.0) is x
    assert not F.dropout(x, 1.0).data.any()
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        nn.Dropout(1.5)
    assert nn.Dropout().is_random and repr(nn.Dropout(0.2)) == "Dropout(p=0.2)"


def test_dropout_mask_follows_manual_seed():
    x = ag.ones(1000)
    ag.manual_seed(7)
    a = F.dropout(x, 0.5).data
    ag.manual_seed(7)  # replaces the global generator: dropout must fetch it at call time
    np.testing.assert_array_equal(F.dropout(x, 0.5).data, a)
    assert not np.array_equal(F.dropout(x, 0.5).data, a)


# ------------------------------------------------------------------------------- batch norm vs torch
@pytest.mark.parametrize("momentum", [0.1, 0.3, None])
def test_batchnorm_running_stats_over_steps_match_torch(torch, momentum):
    ours = nn.BatchNorm2d(3, momentum=momentum, dtype=F64)
    ref = torch.nn.BatchNorm2d(3, momentum=momentum).double()
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.normal(2.0, 3.0, (4, 3, 2, 2))
        np.testing.assert_allclose(ours(ag.Tensor(x)).data, ref(torch.tensor(x)).detach().numpy(), rtol=1e-10)
    for k, v in ours.state_dict().items():
        np.testing.assert_allclose(v, ref.state_dict()[k].numpy(), rtol=1e-12, err_msg=k)
    ours.eval(), ref.eval()
    x = rng.normal(size=(2, 3, 2, 2))
    np.testing.assert_allclose(ours(ag.Tensor(x)).data, ref(torch.tensor(x)).detach().numpy(), rtol=1e-10)


def test_batchnorm_without_running_stats_uses_batch_stats_in_eval():
    bn = nn.BatchNorm1d(2, track_running_stats=False).eval()
    assert bn.running_mean is None and list(bn.state_dict()) == ["weight", "bias"]
    y = bn(ag.Tensor([[1.0, 5.0], [3.0, 7.0]]))
    np.testing.assert_allclose(y.data, [[-1, -1], [1, 1]], rtol=1e-4)


def test_batchnorm_errors():
    with pytest.raises(ValueError, match="rank 4"):
        nn.BatchNorm2d(3)(ag.randn(2, 3))
    with pytest.raises(ValueError, match="3 channels"):
        nn.BatchNorm1d(3)(ag.randn(2, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(ag.randn(1, 3))


# ------------------------------------------------------------------------------- functional helpers
def test_pad_uses_torch_ordering(torch):
    x = np.arange(24.0).reshape(2, 3, 4)
    for spec in [(1, 2), (1, 0, 0, 2), (0, 1, 2, 0, 1, 1)]:
        ours = F.pad(ag.Tensor(x), spec, value=-1.0).data
        np.testing.assert_array_equal(ours, torch.nn.functional.pad(torch.tensor(x), spec, value=-1.0).numpy())
    with pytest.raises(ValueError, match="even number"):
        F.pad(ag.Tensor(x), (1, 2, 3))
    with pytest.raises(NotImplementedError, match="reflect"):  # PyTorch too: 3 padded dims need a 4-d or 5-d input
        F.pad(ag.Tensor(x), (1, 1, 1, 1, 1, 1), mode="reflect")


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape, spec", [((2, 5), (2, 1)), ((1, 2, 5), (0, 3)), ((1, 3, 4, 5), (1, 2, 3, 1)),
                                         ((3, 4, 5), (1, 1, 2, 2)), ((2, 3, 4, 5, 6), (1, 2, 0, 1, 2, 2))])
def test_pad_modes_match_torch_values_and_gradients(torch, mode, shape, spec):
    x = np.random.default_rng(0).standard_normal(shape)
    ours, theirs = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = F.pad(ours, spec, mode=mode), torch.nn.functional.pad(theirs, spec, mode=mode)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12)
    cotangent = np.random.default_rng(1).standard_normal(out.shape)
    (out * cotangent).sum().backward()
    (expected * torch.tensor(cotangent)).sum().backward()
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12)  # repeated elements accumulate


def test_pad_modes_refuse_what_torch_refuses():
    x = ag.Tensor(np.zeros((2, 5)))
    with pytest.raises(NotImplementedError, match="1-d input"):
        F.pad(ag.Tensor(np.zeros(5)), (1, 1), mode="replicate")
    with pytest.raises(ValueError, match="reflect padding of 5"):
        F.pad(x, (5, 0), mode="reflect")
    with pytest.raises(ValueError, match="circular padding of 6"):
        F.pad(x, (0, 6), mode="circular")
    with pytest.raises(ValueError, match="'mean'"):
        F.pad(x, (1, 1), mode="mean")


def test_one_hot(torch):
    idx = np.array([[0, 2], [1, 3]])
    np.testing.assert_array_equal(F.one_hot(idx).data, torch.nn.functional.one_hot(torch.tensor(idx)).numpy())
    assert F.one_hot(ag.Tensor(idx), 6).shape == (2, 2, 6) and F.one_hot(idx).dtype == np.int64
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        F.one_hot(np.array([2]), 2)


def test_layer_shape_errors():
    with pytest.raises(ValueError, match="does not fit weight"):
        nn.Linear(3, 2)(ag.randn(4, 5))
    with pytest.raises(ValueError, match="expected N×2×H×W"):
        nn.Conv2d(2, 3, 3)(ag.randn(1, 3, 5, 5))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="normalized_shape"):
        nn.LayerNorm(3)(ag.randn(2, 4))
    with pytest.raises(ValueError, match="at most half"):
        nn.MaxPool2d(2, padding=2)(ag.randn(1, 1, 4, 4))


def test_reprs():
    assert repr(nn.Conv2d(1, 2, 3, padding=1, bias=False)) == \
        "Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)"
    assert repr(nn.Conv2d(4, 4, 1, groups=4)) == "Conv2d(4, 4, kernel_size=(1, 1), stride=(1, 1), groups=4)"
    assert repr(nn.BatchNorm2d(4)) == "BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"
    assert repr(nn.LayerNorm(5)) == "LayerNorm((5,), eps=1e-05, elementwise_affine=True)"
    assert repr(nn.Embedding(3, 2)) == "Embedding(3, 2)"
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1)"


@pytest.mark.parametrize("name", ["linear", "conv", "maxpool-pad", "avgpool-pad", "batchnorm2d", "layernorm"])
def test_layer_second_order_gradients(name):
    _, make, shape, _ = LAYERS[IDS.index(name)]
    layer = _randomize(make())
    x = ag.Tensor(np.random.default_rng(6).standard_normal(shape), requires_grad=True)
    assert ag.gradgradcheck(lambda x: layer(x), (x,))

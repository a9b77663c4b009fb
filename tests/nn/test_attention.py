"""F.scaled_dot_product_attention and nn.MultiheadAttention against PyTorch: outputs, returned weights
and every gradient (inputs, float masks, parameters) in float32 and float64 with copied weights;
masks, causal attention, grouped heads, fully masked rows, dropout, parameters/init/repr, errors."""
import math

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from autograd_core.testing import assert_gradients_close

TOL = {np.float32: dict(rtol=2e-5, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-12)}


def _check_grads(ours, theirs, dtype):
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, t.grad.numpy(), **TOL[dtype])


# ----------------------------------------------------------------------------- scaled_dot_product_attention
MASKS = ["none", "bool", "bool_broadcast", "float", "causal", "scale"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mask", MASKS)
def test_sdpa_matches_torch(torch, mask, dtype):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(dtype) for s in ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7))]
    kwargs, tkwargs, extra = {}, {}, []
    if mask == "bool":
        m = rng.random((4, 6)) < 0.7
        m[:, 0] = True  # no fully masked row here (tested separately)
        kwargs["attn_mask"], tkwargs["attn_mask"] = m, torch.tensor(m)
    elif mask == "bool_broadcast":
        m = rng.random((2, 1, 4, 6)) < 0.7
        m[..., 1] = True
        kwargs["attn_mask"], tkwargs["attn_mask"] = ag.Tensor(m), torch.tensor(m)
    elif mask == "float":  # a learned additive bias: its gradient is compared too
        extra = [rng.standard_normal((3, 4, 6)).astype(dtype)]
    elif mask == "causal":
        kwargs["is_causal"] = tkwargs["is_causal"] = True
    elif mask == "scale":
        kwargs["scale"] = tkwargs["scale"] = 0.3
    xs = [ag.Tensor(a, requires_grad=True) for a in arrays + extra]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays + extra]
    if extra:
        kwargs["attn_mask"], tkwargs["attn_mask"] = xs[3], ts[3]
    out = F.scaled_dot_product_attention(*xs[:3], **kwargs)
    tout = torch.nn.functional.scaled_dot_product_attention(*ts[:3], **tkwargs)
    assert out.dtype == dtype and out.shape == (2, 3, 4, 7)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **TOL[dtype])
    v = rng.standard_normal(out.shape).astype(dtype)
    (out * ag.Tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    _check_grads(xs, ts, dtype)


def test_sdpa_causal_means_query_i_sees_keys_up_to_i():
    q, k = ag.randn(1, 3, 2), ag.randn(1, 3, 2)
    v = ag.tensor(np.eye(3)[None], dtype=ag.float32)  # the output rows are then the attention weights
    weights = F.scaled_dot_product_attention(q, k, v, is_causal=True).data[0]
    np.testing.assert_array_equal(np.triu(weights, 1), 0)
    np.testing.assert_allclose(weights.sum(-1), 1, rtol=1e-6)
    assert weights[0, 0] == 1


def test_sdpa_fully_masked_rows_give_zeros_and_zero_gradients_like_torch(torch):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal((2, 3, 4)) for _ in range(3)]
    m = np.ones((3, 3), bool)
    m[1] = False
    xs = [ag.Tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    for fmask, tmask in ((m, torch.tensor(m)), (np.where(m, 0.0, -np.inf), torch.tensor(np.where(m, 0.0, -np.inf)))):
        out = F.scaled_dot_product_attention(*xs, attn_mask=fmask)
        tout = torch.nn.functional.scaled_dot_product_attention(*ts, attn_mask=tmask)
        np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
        assert np.all(out.data[:, 1] == 0)
        out.sum().backward()
        tout.sum().backward()
        _check_grads(xs, ts, np.float64)
        assert np.all(np.isfinite(xs[0].grad.data))


def test_sdpa_grouped_query_heads_match_torch(torch):
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(s) for s in ((2, 4, 3, 5), (2, 2, 6, 5), (2, 2, 6, 5))]
    xs = [ag.Tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = F.scaled_dot_product_attention(*xs, enable_gqa=True)
    tout = torch.nn.functional.scaled_dot_product_attention(*ts, enable_gqa=True)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10)
    out.sum().backward()
    tout.sum().backward()
    _check_grads(xs, ts, np.float64)


def test_sdpa_dropout_is_seeded_and_one_drops_everything():
    q, k, v = ag.randn(2, 4, 3), ag.randn(2, 5, 3), ag.randn(2, 5, 3)
    plain = F.scaled_dot_product_attention(q, k, v).data
    ag.manual_seed(1)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).data
    ag.manual_seed(1)
    np.testing.assert_array_equal(F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).data, a)
    assert not np.allclose(a, plain)
    np.testing.assert_array_equal(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).data, 0)


def test_sdpa_gradients_match_central_differences():
    rng = np.random.default_rng(3)
    shapes = ((2, 3, 4), (2, 5, 4), (2, 5, 2), (3, 5))
    q, k, v, bias = (ag.Tensor(rng.standard_normal(s), requires_grad=True) for s in shapes)
    assert_gradients_close(lambda q, k, v, bias: F.scaled_dot_product_attention(q, k, v, attn_mask=bias) ** 2,
                           q, k, v, bias)
    assert_gradients_close(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True) ** 2, q, k, v)


def test_multihead_attention_parameter_gradients_match_central_differences():
    """Without torch too: every parameter (as one float64 vector), through outputs and returned weights."""
    layer = nn.MultiheadAttention(4, 2, kdim=3, add_bias_kv=True)
    rng = np.random.default_rng(4)
    inputs = tuple(ag.Tensor(rng.standard_normal(s)) for s in ((3, 2, 4), (5, 2, 3), (5, 2, 4)))

    def loss_fn(result, target):
        out, weights = result
        return F.mse_loss(out, target) + (weights ** 2).sum()

    assert nn.utils.gradcheck_module(layer, loss_fn, inputs, ag.zeros(3, 2, 4)).ok


def test_sdpa_errors():
    q = ag.zeros(2, 3, 4)
    with pytest.raises(ValueError, match="attn_mask must be None when is_causal=True"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.ones((3, 3), bool), is_causal=True)
    with pytest.raises(ValueError, match=r"query \(2, 3, 4\), key \(2, 3, 5\)"):
        F.scaled_dot_product_attention(q, ag.zeros(2, 3, 5), q)
    with pytest.raises(ValueError, match="3 query heads cannot share 2"):
        F.scaled_dot_product_attention(ag.zeros(1, 3, 2, 4), ag.zeros(1, 2, 2, 4), ag.zeros(1, 2, 2, 4),
                                       enable_gqa=True)
    with pytest.raises(ValueError, match="dropout_p"):
        F.scaled_dot_product_attention(q, q, q, dropout_p=2.0)


# ----------------------------------------------------------------------------- MultiheadAttention
CONFIGS = [{}, {"batch_first": True}, {"kdim": 3, "vdim": 5}, {"bias": False}, {"add_bias_kv": True},
           {"add_zero_attn": True}]
MHA_MASKS = ["none", "key_padding", "bool_attn", "float_attn", "heads_attn", "both", "no_weights", "per_head",
             "unbatched"]


def _mha_pair(torch, dtype, **config):
    ours = nn.MultiheadAttention(8, 2, **config)
    ref = torch.nn.MultiheadAttention(8, 2, **config).to(getattr(torch, np.dtype(dtype).name))
    for p in ours.parameters():
        p.data = p.data.astype(dtype)
    rng = np.random.default_rng(7)
    if ours.in_proj_bias is not None:  # non-zero biases, so their use is checked
        ours.in_proj_bias.data = rng.standard_normal(24).astype(dtype)
        ours.out_proj.bias.data = rng.standard_normal(8).astype(dtype)
    ref.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()})
    return ours, ref


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", MHA_MASKS)
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(c) or "default")
def test_multihead_attention_matches_torch(torch, config, case, dtype):
    ours, ref = _mha_pair(torch, dtype, **config)
    rng = np.random.default_rng(0)
    n, tgt, src = 3, 4, 5
    unbatched = case == "unbatched"

    def shape(length, features):
        if unbatched:
            return (length, features)
        return (n, length, features) if config.get("batch_first") else (length, n, features)

    arrays = [rng.standard_normal(shape(tgt, 8)), rng.standard_normal(shape(src, config.get("kdim", 8))),
              rng.standard_normal(shape(src, config.get("vdim", 8)))]
    arrays = [a.astype(dtype) for a in arrays]
    padding = np.zeros((n, src), bool)
    padding[1, 3:] = padding[2, 0] = True
    kwargs = {}
    if case in ("key_padding", "both"):
        kwargs["key_padding_mask"] = padding
    if case in ("bool_attn", "both"):
        kwargs["attn_mask"] = np.triu(np.ones((tgt, src), bool), 2)
    if case == "float_attn":
        kwargs["attn_mask"] = rng.standard_normal((tgt, src)).astype(dtype)
    if case == "heads_attn":
        kwargs["attn_mask"] = rng.random((n * 2, tgt, src)) < 0.3
    if case == "no_weights":
        kwargs.update(need_weights=False, key_padding_mask=padding)
    if case == "per_head":
        kwargs["average_attn_weights"] = False
    if unbatched:
        kwargs["key_padding_mask"] = padding[1]
    xs = [ag.Tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    tkwargs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    out, weights = ours(*xs, **kwargs)
    tout, tweights = ref(*ts, **tkwargs)

    assert out.dtype == dtype and out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **TOL[dtype])
    if tweights is None:
        assert weights is None
    else:
        assert weights.shape == tuple(tweights.shape)
        np.testing.assert_allclose(weights.data, tweights.detach().numpy(), **TOL[dtype])
    v = rng.standard_normal(out.shape).astype(dtype)
    loss, tloss = (out * ag.Tensor(v)).sum(), (tout * torch.tensor(v)).sum()
    if weights is not None:  # the returned weights are differentiable too
        loss, tloss = loss + (weights * weights).sum(), tloss + (tweights * tweights).sum()
    loss.backward()
    tloss.backward()
    _check_grads(xs, ts, dtype)
    for name, p in ref.named_parameters():
        np.testing.assert_allclose(dict(ours.named_parameters())[name].grad.data, p.grad.numpy(), err_msg=name,
                                   **TOL[dtype])


def test_is_causal_is_a_hint_that_needs_the_mask(torch):
    ours, ref = _mha_pair(torch, np.float64)
    x = np.random.default_rng(3).standard_normal((4, 2, 8))
    causal = np.triu(np.ones((4, 4), bool), 1)
    out, _ = ours(ag.Tensor(x), ag.Tensor(x), ag.Tensor(x), attn_mask=causal, is_causal=True)
    tout, _ = ref(*[torch.tensor(x)] * 3, attn_mask=torch.tensor(causal), is_causal=True)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10)
    with pytest.raises(ValueError, match="is_causal=True is a hint"):
        ours(ag.Tensor(x), ag.Tensor(x), ag.Tensor(x), is_causal=True)


def test_fully_masked_rows_like_torch(torch):
    """A query that may see no key: NaN with need_weights=True, zeros with need_weights=False (PyTorch's choices)."""
    ours, ref = _mha_pair(torch, np.float64, bias=False)
    x = np.random.default_rng(4).standard_normal((3, 2, 8))
    padding = np.array([[True] * 3, [False, True, False]])
    for need_weights in (True, False):
        with np.errstate(invalid="ignore"):  # the NaN softmax of an all -inf row
            out, _ = ours(*[ag.Tensor(x)] * 3, key_padding_mask=padding, need_weights=need_weights)
        tout, _ = ref(*[torch.tensor(x)] * 3, key_padding_mask=torch.tensor(padding), need_weights=need_weights)
        np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
        assert np.isnan(out.data[:, 0]).all() == need_weights


def test_eval_mode_self_attention_matches_torch_fast_path(torch):
    ours, ref = _mha_pair(torch, np.float64, batch_first=True)
    ours.eval(), ref.eval()
    x = np.random.default_rng(5).standard_normal((2, 4, 8))
    with torch.no_grad():
        tout, tweights = ref(*[torch.tensor(x)] * 3)
    out, weights = ours(*[ag.Tensor(x)] * 3)
    np.testing.assert_allclose(out.data, tout.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weights.data, tweights.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(c) or "default")
def test_parameters_init_and_repr_match_torch(torch, config):
    ours, ref = nn.MultiheadAttention(8, 2, **config), torch.nn.MultiheadAttention(8, 2, **config)
    assert [(n, p.shape) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in ref.named_parameters()]
    assert list(ours.state_dict()) == list(ref.state_dict())
    assert repr(ours) == repr(ref)
    if ours.in_proj_bias is not None:
        assert np.all(ours.in_proj_bias.data == 0) and np.all(ours.out_proj.bias.data == 0)
    if ours.in_proj_weight is not None:
        bound = math.sqrt(6 / (8 + 24))  # Xavier-uniform on the (3E, E) matrix
        assert np.abs(ours.in_proj_weight.data).max() <= bound


def test_dropout_in_training_only():
    layer = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = ag.randn(4, 2, 8)
    ag.manual_seed(1)
    a = layer(x, x, x)[0].data
    ag.manual_seed(1)
    np.testing.assert_array_equal(layer(x, x, x)[0].data, a)
    layer.eval()
    assert not np.allclose(a, layer(x, x, x)[0].data)
    np.testing.assert_array_equal(layer(x, x, x)[0].data, layer(x, x, x)[0].data)
    assert layer.is_random and not nn.MultiheadAttention(8, 2).is_random


def test_multihead_attention_errors():
    with pytest.raises(ValueError, match="embed_dim=8 must be divisible by num_heads=3"):
        nn.MultiheadAttention(8, 3)
    layer = nn.MultiheadAttention(8, 2)
    x = ag.zeros(4, 2, 8)
    with pytest.raises(ValueError, match=r"query \(4, 2, 8\), key \(4, 2, 6\)"):
        layer(x, ag.zeros(4, 2, 6), ag.zeros(4, 2, 6))
    with pytest.raises(ValueError, match=r"query \(4, 2, 8\), key \(4, 3, 8\)"):
        layer(x, ag.zeros(4, 3, 8), ag.zeros(4, 3, 8))
    with pytest.raises(ValueError, match=r"attn_mask of shape \(3, 4\) must be \(4, 4\) or \(4, 4, 4\)"):
        layer(x, x, x, attn_mask=np.zeros((3, 4), bool))
    with pytest.raises(ValueError, match=r"key_padding_mask of shape \(2, 3\) must be \(2, 4\)"):
        layer(x, x, x, key_padding_mask=np.zeros((2, 3), bool))
    with pytest.raises(TypeError, match="key_padding_mask must be a bool or floating mask"):
        layer(x, x, x, key_padding_mask=np.zeros((2, 4), int))

"""GroupNorm / F.group_norm and Unflatten against PyTorch: outputs and every gradient (float32 and
float64, same weights), parameters and repr, error cases."""
import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from autograd_core.testing import assert_gradients_close

TOL = {np.float32: dict(rtol=1e-5, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-12)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 6), (2, 6, 5), (2, 6, 3, 4)], ids=["NC", "NCL", "NCHW"])
@pytest.mark.parametrize("groups", [1, 2, 6])
@pytest.mark.parametrize("affine", [True, False])
def test_group_norm_matches_torch(torch, dtype, shape, groups, affine):
    rng = np.random.default_rng(0)
    layer = nn.GroupNorm(groups, 6, eps=1e-3, affine=affine)
    ref = torch.nn.GroupNorm(groups, 6, eps=1e-3, affine=affine).to(getattr(torch, np.dtype(dtype).name))
    for p, tp in zip(layer.parameters(), ref.parameters()):
        p.data = rng.standard_normal(p.shape).astype(dtype)  # not the trivial 1/0 init
        with torch.no_grad():
            tp.copy_(torch.from_numpy(p.data.copy()))
    x = rng.standard_normal(shape).astype(dtype) * 3 + 1
    v = rng.standard_normal(shape).astype(dtype)
    xa, xt = ag.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = layer(xa), ref(xt)
    assert out.dtype == dtype
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **TOL[dtype])
    (out * ag.Tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), **TOL[dtype])
    for (name, p), tp in zip(layer.named_parameters(), ref.parameters()):
        np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), err_msg=name, **TOL[dtype])
    np.testing.assert_allclose(F.group_norm(ag.Tensor(x), groups, layer.weight, layer.bias, 1e-3).data,
                               torch.nn.functional.group_norm(torch.tensor(x), groups, ref.weight, ref.bias,
                                                              1e-3).detach().numpy(), **TOL[dtype])


def test_group_norm_gradients_match_central_differences():
    rng = np.random.default_rng(2)
    x, w, b = (ag.Tensor(rng.standard_normal(s), requires_grad=True) for s in ((2, 4, 3), (4,), (4,)))
    assert_gradients_close(lambda x, w, b: F.group_norm(x, 2, w, b) * ag.Tensor(np.arange(24.0).reshape(2, 4, 3)),
                           x, w, b)


def test_parameters_and_repr_match_torch(torch):
    for kwargs in ({}, {"affine": False}, {"bias": False}, {"eps": 1e-3}):
        ours, ref = nn.GroupNorm(2, 4, **kwargs), torch.nn.GroupNorm(2, 4, **kwargs)
        assert repr(ours) == repr(ref)
        assert [(n, p.shape, p.data.tolist()) for n, p in ours.named_parameters()] == \
            [(n, tuple(p.shape), p.tolist()) for n, p in ref.named_parameters()]


def test_group_norm_errors():
    with pytest.raises(ValueError, match="num_channels=4 must be divisible by num_groups=3"):
        nn.GroupNorm(3, 4)
    with pytest.raises(ValueError, match=r"expects \(N, 4, \*\) input, got shape \(2, 5\)"):
        nn.GroupNorm(2, 4)(ag.zeros(2, 5))
    with pytest.raises(ValueError, match=r"group_norm: input of shape \(2, 5, 3\) .* num_groups=2"):
        F.group_norm(ag.zeros(2, 5, 3), 2)


@pytest.mark.parametrize("dim, sizes", [(1, (2, 5)), (-1, (5, -1)), (0, (1, 3)), (-2, (-1,))])
def test_unflatten_matches_torch(torch, dim, sizes):
    x = np.random.default_rng(1).standard_normal((3, 10))
    layer, ref = nn.Unflatten(dim, sizes), torch.nn.Unflatten(dim, sizes)
    xa, xt = ag.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = layer(xa), ref(xt)
    np.testing.assert_array_equal(out.data, tout.detach().numpy())
    v = np.arange(out.data.size, dtype=np.float64).reshape(out.shape)
    (out * ag.Tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    np.testing.assert_array_equal(xa.grad.data, xt.grad.numpy())
    assert repr(layer) == repr(ref).replace("[", "(").replace("]", ")")


def test_unflatten_inverts_flatten():
    x = ag.randn(2, 3, 4, 5)
    np.testing.assert_array_equal(nn.Unflatten(1, (3, 4, 5))(nn.Flatten()(x)).data, x.data)


def test_unflatten_errors():
    with pytest.raises(ValueError, match=r"size 10 of dim 1 \(input shape \(2, 10\)\) cannot be split into \(3, 5\)"):
        nn.Unflatten(1, (3, 5))(ag.zeros(2, 10))
    with pytest.raises(ValueError, match="at most one -1"):
        nn.Unflatten(1, (-1, -1))
    with pytest.raises(IndexError, match="dim 2 is out of range"):
        nn.Unflatten(2, (2, 5))(ag.zeros(2, 10))

"""Cumulative and statistical reductions: numpy's and PyTorch's spellings, and the edge rules."""
import warnings

import numpy as np
import pytest

import autograd_core as ag


def test_cumsum_spellings():
    x = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    np.testing.assert_array_equal(np.cumsum(x).data, np.cumsum(x.data))  # flattened when axis is None
    np.testing.assert_array_equal(np.cumsum(x, axis=0).data, np.cumsum(x.data, axis=0))
    np.testing.assert_array_equal(x.cumsum(1).data, np.cumsum(x.data, axis=1))
    np.testing.assert_array_equal(ag.cumsum(x, dim=-1).data, np.cumsum(x.data, axis=-1))
    assert np.cumsum(x, dtype=np.float64).dtype == np.float64
    with pytest.raises(TypeError, match="dim"):
        ag.cumsum(x)
    x.cumsum(1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[3.0, 2.0, 1.0], [3.0, 2.0, 1.0]])


@pytest.mark.parametrize("data", [[2.0, 0.0, 3.0, 0.0, 5.0], [0.0, 2.0, 3.0], [2.0, 3.0, 4.0], [0.0, 0.0, 1.0]])
def test_cumprod_gradient_with_zeros_matches_pytorch(torch, data):
    x, tx = ag.tensor(np.array(data), requires_grad=True), torch.tensor(data, dtype=torch.float64,
                                                                        requires_grad=True)
    w = np.arange(1.0, len(data) + 1)
    (np.cumprod(x) * w).sum().backward()
    (torch.cumprod(tx, 0) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12)
    assert ag.gradgradcheck(lambda t: ag.cumprod(t, 0) * ag.tensor(w), (x,))


def test_diff_ptp_average():
    x = ag.tensor(np.array([[1.0, 4.0, 9.0], [2.0, 3.0, 7.0]]), requires_grad=True)
    np.testing.assert_array_equal(np.diff(x, n=2, axis=1).data, np.diff(x.data, n=2, axis=1))
    np.testing.assert_array_equal(np.diff(x, prepend=0.0).data, np.diff(x.data, prepend=0.0))
    np.testing.assert_array_equal(x.diff(dim=0).data, np.diff(x.data, axis=0))
    np.testing.assert_array_equal(np.ptp(x, axis=1).data, [8.0, 5.0])
    w = ag.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    avg, total = np.average(x, axis=1, weights=w, returned=True)
    np.testing.assert_allclose(avg.data, np.average(x.data, axis=1, weights=w.data))
    np.testing.assert_array_equal(total.data, [6.0, 6.0])
    assert ag.gradcheck(lambda a, b: np.average(a, axis=1, weights=b), (x, w))
    with pytest.raises(TypeError, match="int axis"):
        np.average(x, weights=w)
    with pytest.raises(ZeroDivisionError, match="sum to zero"):
        np.average(x, axis=1, weights=np.array([1.0, -1.0, 0.0]))


def test_nan_reductions_give_nans_no_gradient(torch):
    data = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, 2.0]])
    for name in ("nansum", "nanmean"):
        x, tx = ag.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        out, tout = getattr(np, name)(x, axis=1), getattr(torch, name)(tx, dim=1)
        np.testing.assert_allclose(out.data, tout.detach().numpy())
        out.sum().backward()
        tout.sum().backward()
        np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())
    assert ag.nanmean(ag.tensor([np.nan, 1.0, 3.0])).item() == 2.0


@pytest.mark.filterwarnings("ignore:invalid value")  # the NaN cases
@pytest.mark.parametrize("data", [[1000.0, 0.0, 1001.0], [-1000.0, 0.0, 2.0], [0.0, -np.inf, 1.0],
                                  [-np.inf, 0.0, 1.0], [-np.inf, -np.inf], [np.nan, 1.0, 2.0], [750.0, 760.0]])
def test_logcumsumexp_is_stable_and_matches_pytorch_at_the_edges(torch, data):
    """No overflow at large inputs, an exact 0 gradient for a -inf entry after a finite one, NaN where the
    running sum is still empty (a -inf prefix, as logsumexp's gradient) and NaN propagation: PyTorch's."""
    x, tx = ag.tensor(np.array(data), requires_grad=True), torch.tensor(data, dtype=torch.float64,
                                                                        requires_grad=True)
    w = np.array([1.0, -2.0, 0.5])[:len(data)]
    y, ty = x.logcumsumexp(0), torch.logcumsumexp(tx, 0)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-15)
    (y * ag.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logcumsumexp_does_not_overflow(dtype):
    """Far beyond exp's range (float32's ends at 88.7, float64's at 709): the forward and gradient equal
    a float64 evaluation shifted by the maximum, to the dtype's round-off at that magnitude."""
    data = np.array([[0.0, 2.0, -3.0, 1.0], [5.0, -1.0, 0.5, 4.0]]) + (100.0 if dtype == np.float32 else 1000.0)
    shifted = data - data.max()
    expected = np.log(np.cumsum(np.exp(shifted), axis=1)) + data.max()
    w = np.array([[1.0, -2.0, 0.5, 3.0], [-1.0, 0.25, 2.0, -0.5]])
    # grad_k = Σ_{j≥k} w_j exp(x_k - out_j)
    grad = np.array([[sum(w[r, j] * np.exp(data[r, k] - expected[r, j]) for j in range(k, 4)) for k in range(4)]
                     for r in range(2)])
    x = ag.tensor(data.astype(dtype), requires_grad=True)
    y = ag.logcumsumexp(x, 1)
    (y * ag.tensor(w.astype(dtype))).sum().backward()
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    assert y.dtype == dtype and x.grad.dtype == dtype
    np.testing.assert_allclose(y.data, expected, rtol=rtol)
    np.testing.assert_allclose(x.grad.data, grad, rtol=rtol * 10, atol=rtol)


def test_logcumsumexp_spellings():
    data = np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    x = ag.tensor(data, requires_grad=True)
    expected = np.log(np.cumsum(np.exp(data), axis=1))
    np.testing.assert_allclose(ag.logcumsumexp(x, dim=1).data, expected, rtol=1e-15)
    np.testing.assert_allclose(np.logaddexp.accumulate(x).data, np.log(np.cumsum(np.exp(data), axis=0)), rtol=1e-15)
    assert np.logaddexp.accumulate(x, axis=1).requires_grad
    with pytest.raises(TypeError, match="dim"):
        ag.logcumsumexp(x)
    assert ag.gradgradcheck(lambda t: ag.logcumsumexp(t, -1), (x,))


@pytest.mark.filterwarnings("ignore:invalid value", "ignore:divide by zero")  # backward of 0/0 (PyTorch: silent)
@pytest.mark.parametrize("name", ["nansum", "nanmean"])
@pytest.mark.parametrize("axis", [1, None, (0, 1)])
def test_all_nan_slices_match_pytorch(torch, name, axis):
    """An all-NaN slice: nansum is 0 with gradient 0; nanmean is NaN and so is its gradient (PyTorch's
    nansum / count), never a silent 0; the other slices are unaffected."""
    data = np.array([[np.nan, np.nan, np.nan], [1.0, np.nan, 3.0]]) if axis == 1 else np.full((2, 3), np.nan)
    x, tx = ag.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the forward is silent, as the engine's nanmean always was
        out = getattr(np, name)(x, axis=axis, keepdims=True)
    tout = getattr(torch, name)(tx, dim=axis, keepdim=True)
    np.testing.assert_array_equal(out.data, tout.detach().numpy())
    (out * ag.tensor(np.full(out.shape, 2.0))).sum().backward()
    (tout * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())
    assert np.isnan(x.grad.data[0]).all() == (name == "nanmean")

"""Non-differentiable utilities in PyTorch's spelling, against torch, and numpy's spelling against numpy."""
import numpy as np
import pytest

import autograd_core as ag

X = np.array([[0.0, 1.5, -2.25, np.nan], [np.inf, 0.0, 2.5, -0.5]])
Y = np.array([[0.0, 1.5 + 1e-7, 2.25, np.nan], [np.inf, 1.0, 2.5, 0.0]])


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "logical_not", "sign", "floor", "ceil", "trunc",
                                  "round"])
def test_unary_matches_torch(torch, name):
    np.testing.assert_array_equal(getattr(ag.tensor(X), name)().data, getattr(torch.tensor(X), name)().numpy())


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor", "isclose"])
def test_binary_matches_torch(torch, name):
    np.testing.assert_array_equal(getattr(ag, name)(ag.tensor(X), ag.tensor(Y)).data,
                                  getattr(torch, name)(torch.tensor(X), torch.tensor(Y)).numpy())


def test_sign_of_nan_is_zero_in_pytorch_spelling_and_nan_in_numpy():
    x = ag.tensor([np.nan, -1.5, 0.0])
    assert x.sign().tolist() == [0.0, -1.0, 0.0] and np.isnan(np.sign(x).data[0])


def test_round_decimals_and_fix(torch):
    data = np.array([1.2345, -2.5, 0.5, 3.14159])
    for d in (0, 1, 3):
        np.testing.assert_allclose(ag.tensor(data).round(decimals=d).data, torch.tensor(data).round(decimals=d).numpy())
    np.testing.assert_array_equal(np.round(ag.tensor(data), 2).data, np.round(data, 2))
    np.testing.assert_array_equal(ag.fix(ag.tensor(data)).data, np.fix(data))


def test_any_all(torch):
    data = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    x, t = ag.tensor(data), torch.tensor(data)
    assert x.any().item() is True and x.all().item() is False
    for kw in ({"dim": 1}, {"dim": 0, "keepdim": True}):
        np.testing.assert_array_equal(x.any(**kw).data, t.any(**kw).numpy())
        np.testing.assert_array_equal(ag.all(x, **kw).data, torch.all(t, **kw).numpy())
    np.testing.assert_array_equal(np.any(x, axis=0).data, np.any(data, axis=0))
    np.testing.assert_array_equal(x.any(np.int64(1)).data, np.any(data, axis=1))  # a numpy integer dim


def test_allclose_and_equal_answer_bools(torch):
    a, b = ag.tensor([1.0, 2.0]), ag.tensor([1.0, 2.0 + 1e-6])
    assert ag.allclose(a, b) is True and a.allclose(b) is torch.allclose(torch.tensor(a.data), torch.tensor(b.data))
    assert ag.equal(a, a) is True and a.equal(b) is False and ag.equal(a, ag.tensor([1.0])) is False
    assert ag.allclose(ag.tensor([np.nan]), ag.tensor([np.nan]), equal_nan=True)


def test_numpy_queries_on_grad_tensors_answer_numpys_values():
    """np.allclose / array_equal / array_equiv answer Python bools, np.isclose a bool tensor; no graph."""
    data = np.array([[1.0, 2.0], [1.0, 2.0]])
    a, b = ag.tensor(data, requires_grad=True), ag.tensor(data[0] + 1e-9, requires_grad=True)
    for query in (lambda x, y: np.allclose(x, y), lambda x, y: np.allclose(x, y, 0.0, 0.0),
                  np.array_equal, np.array_equiv, lambda x, y: np.array_equiv(x, y[0]),
                  lambda x, y: np.array_equal(x, x, equal_nan=True)):
        got, expected = query(a, b), query(data, data[0] + 1e-9)
        assert type(got) is bool and got == expected
    close = np.isclose(a, b, atol=0.0)
    assert isinstance(close, ag.Tensor) and not close.requires_grad and close.dtype == np.bool_
    np.testing.assert_array_equal(close.data, np.isclose(data, data[0] + 1e-9, atol=0.0))
    with pytest.raises(ValueError, match="allclose: incompatible shapes"):
        np.allclose(a, ag.tensor([1.0, 2.0, 3.0]))


def test_nonzero_both_spellings(torch):
    data = np.array([[0.0, 1.0], [2.0, 0.0], [0.0, 3.0]])
    x, t = ag.tensor(data), torch.tensor(data)
    np.testing.assert_array_equal(x.nonzero().data, t.nonzero().numpy())
    assert x.nonzero().dtype == np.int64
    for ours, theirs in zip(ag.nonzero(x, as_tuple=True), torch.nonzero(t, as_tuple=True)):
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    for ours, theirs in zip(np.nonzero(x), np.nonzero(data)):
        np.testing.assert_array_equal(ours.data, theirs)


def test_unique(torch):
    data = np.array([[3, 1, 2], [1, 3, 3]])
    x, t = ag.tensor(data), torch.tensor(data)
    ours = ag.unique(x, return_inverse=True, return_counts=True)
    theirs = torch.unique(t, return_inverse=True, return_counts=True)
    for o, e in zip(ours, theirs):
        np.testing.assert_array_equal(o.data, e.numpy())
    np.testing.assert_array_equal(x.unique().data, t.unique().numpy())
    np.testing.assert_array_equal(ag.unique(x, dim=0).data, torch.unique(t, dim=0).numpy())
    values, index = np.unique(x, return_index=True)
    np.testing.assert_array_equal(index.data, np.unique(data, return_index=True)[1])


def test_bincount(torch):
    x, t = ag.tensor([1, 1, 4, 0]), torch.tensor([1, 1, 4, 0])
    np.testing.assert_array_equal(x.bincount().data, t.bincount().numpy())
    w = np.array([0.5, 0.25, 1.0, 2.0], np.float32)
    ours, theirs = ag.bincount(x, ag.tensor(w), minlength=7), torch.bincount(t, torch.tensor(w), minlength=7)
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert ours.dtype == np.float32 and x.bincount().dtype == np.int64
    with pytest.raises(ValueError, match="non-negative integers"):
        ag.bincount(ag.tensor([1.0, 2.0]))


def test_results_never_require_grad():
    x = ag.tensor([1.0, 0.0], requires_grad=True)
    for out in (x.isnan(), x.any(), x.nonzero(), x.unique(), ag.isclose(x, x), x.round(decimals=1), x.trunc()):
        assert not out.requires_grad

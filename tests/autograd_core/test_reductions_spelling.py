"""Reductions in both spellings: PyTorch's on methods and ``ag.NAME``, numpy's through ``np.NAME(t)``.

Values and gradients against PyTorch in float32 and float64 (skipped without torch), numpy's
signatures against numpy, and the edge rules: NaN inputs, zero spread, ties, integer division by 0.
"""
import warnings

import numpy as np
import pytest

import autograd_core as ag

DTYPES = [np.float32, np.float64]
TOL = {np.float32: 1e-5, np.float64: 1e-12}


def _pair(torch, data, dtype):
    x = ag.tensor(np.asarray(data, dtype), requires_grad=True)
    t = torch.tensor(np.asarray(data, dtype), requires_grad=True)
    return x, t


def _first(result):
    return result[0] if isinstance(result, tuple) else result


def _compare(torch, fn, tfn, data, dtype):
    x, t = _pair(torch, data, dtype)
    ours, theirs = fn(x), tfn(t)
    for o, e in zip(ours if isinstance(ours, tuple) else (ours,), theirs if isinstance(theirs, tuple) else (theirs,)):
        assert o.shape == tuple(e.shape)
        np.testing.assert_allclose(o.data, e.detach().numpy(), rtol=TOL[dtype], atol=TOL[dtype])
    g = np.random.default_rng(1).standard_normal(_first(ours).shape).astype(dtype)
    (_first(ours) * ag.tensor(g)).sum().backward()
    (_first(theirs) * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=TOL[dtype], atol=TOL[dtype])
    assert x.grad.dtype == dtype


DATA = np.array([[0.3, -1.2, 2.5, 0.7], [1.1, 0.4, -0.6, 2.0], [-0.9, 1.7, 0.2, -1.5]])
CALLS = [
    ("std()", lambda x: x.std()), ("var()", lambda x: x.var()), ("std(1)", lambda x: x.std(1)),
    ("var(0, keepdim)", lambda x: x.var(0, keepdim=True)), ("std(correction=0)", lambda x: x.std(correction=0)),
    ("var(unbiased=False)", lambda x: x.var(dim=1, unbiased=False)), ("var(False)", lambda x: x.var(False)),
    ("max()", lambda x: x.max()), ("max(1)", lambda x: x.max(1)), ("min(0, keepdim)", lambda x: x.min(0, True)),
    ("amax(1)", lambda x: x.amax(1)), ("amin((0, 1))", lambda x: x.amin((0, 1))),
    ("median()", lambda x: x.median()), ("median(1)", lambda x: x.median(1)),
    ("mean(1)", lambda x: x.mean(1)), ("sum((0, 1), keepdim)", lambda x: x.sum((0, 1), keepdim=True)),
    ("prod(1)", lambda x: x.prod(1)), ("logsumexp(1)", lambda x: x.logsumexp(1)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("name", "call"), CALLS, ids=[c[0] for c in CALLS])
def test_pytorch_spelling_matches_torch(torch, name, call, dtype):
    _compare(torch, call, call, DATA, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_function_forms_match_torch(torch, dtype):
    _compare(torch, lambda x: ag.max(x, dim=1).values, lambda t: torch.max(t, dim=1).values, DATA, dtype)
    _compare(torch, lambda x: ag.std(x, 0), lambda t: torch.std(t, 0), DATA, dtype)
    _compare(torch, lambda x: ag.max(x, x * 0.5), lambda t: torch.max(t, t * 0.5), DATA, dtype)


def test_max_with_dim_is_a_named_tuple():
    x = ag.tensor(DATA)
    result = x.max(1)
    values, indices = result
    assert result.values is values and result.indices is indices
    np.testing.assert_array_equal(indices.data, DATA.argmax(1))
    assert indices.dtype == np.int64 and not indices.requires_grad
    assert "values" in repr(result) and "indices" in repr(result)
    _, pred = x.max(dim=1)  # the PyTorch idiom
    assert pred.shape == (3,)


@pytest.mark.parametrize("dtype", DTYPES)
def test_nan_gradients_follow_pytorch(torch, dtype):
    data = np.array([[1.0, np.nan, 3.0, np.nan], [1.0, 2.0, 2.0, 0.0]])
    for call in (lambda x: x.max(), lambda x: x.amax(), lambda x: x.min(1), lambda x: x.amin(1),
                 lambda x: x.median(), lambda x: x.median(1)):
        x, t = _pair(torch, data, dtype)
        ours, theirs = _first(call(x)), _first(call(t))
        np.testing.assert_array_equal(ours.data, theirs.detach().numpy())
        ours.sum().backward()
        theirs.sum().backward()
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), equal_nan=True)


def test_ties_split_evenly_for_full_max_and_go_to_the_first_index_with_dim(torch):
    data = np.array([[1.0, 2.0, 2.0, 0.0]])
    for call in (lambda x: x.max(), lambda x: x.max(1).values, lambda x: x.amax(1), lambda x: x.median()):
        x, t = _pair(torch, data, np.float64)
        call(x).sum().backward()
        call(t).sum().backward()
        np.testing.assert_array_equal(x.grad.data, t.grad.numpy())


def test_std_gradient_is_zero_where_std_is_zero(torch):
    for data in ([1.0, 1.0, 1.0], [[2.0, 2.0], [1.0, 3.0]]):
        x, t = _pair(torch, data, np.float64)
        ag.std(x, dim=-1).sum().backward()
        torch.std(t, dim=-1).sum().backward()
        np.testing.assert_array_equal(x.grad.data, t.grad.numpy())
    x = ag.tensor([1.0, 1.0, 1.0], requires_grad=True)
    (g,) = ag.grad(x.std(), x, create_graph=True)
    (gg,) = ag.grad(g.sum(), x, allow_unused=True)
    assert np.all(np.isfinite(g.data)) and (gg is None or np.all(np.isfinite(gg.data)))


NUMPY_CALLS = [
    ("std", lambda m, a: m.std(a)), ("var axis", lambda m, a: m.var(a, axis=1)),
    ("std ddof", lambda m, a: m.std(a, axis=0, ddof=1, keepdims=True)), ("max axis", lambda m, a: m.max(a, axis=1)),
    ("amax", lambda m, a: m.amax(a)), ("min initial", lambda m, a: m.min(a, axis=0, initial=-0.7)),
    ("mean", lambda m, a: m.mean(a, 0)), ("sum dtype", lambda m, a: m.sum(a, axis=(0, 1), dtype=np.float64)),
    ("sum initial", lambda m, a: m.sum(a, 1, initial=2.0)), ("prod", lambda m, a: m.prod(a, axis=1, keepdims=True)),
    ("median", lambda m, a: m.median(a)), ("median axis", lambda m, a: m.median(a, axis=1, keepdims=True)),
    ("median tuple", lambda m, a: m.median(a, axis=(0, 1))), ("argmax", lambda m, a: m.argmax(a, axis=1)),
    ("median odd", lambda m, a: m.median(a[:, :3], axis=1)),
]


@pytest.mark.parametrize(("name", "call"), NUMPY_CALLS, ids=[c[0] for c in NUMPY_CALLS])
def test_numpy_spelling_keeps_numpy_meaning(name, call):
    x = ag.tensor(DATA, requires_grad=True)
    got = call(np, x)
    expected = call(np, DATA)
    assert isinstance(got, ag.Tensor)
    np.testing.assert_allclose(got.data, expected, rtol=1e-12)
    assert got.shape == np.shape(expected)


def test_numpy_median_gradient_averages_the_middle_pair():
    x = ag.tensor([4.0, 1.0, 3.0, 2.0], requires_grad=True)
    np.median(x).backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.5, 0.5])


def test_numpy_statistics_of_integers_are_float64_and_pytorch_refuses_them():
    x = ag.tensor([1, 2, 4])
    assert np.mean(x).dtype == np.float64 and np.std(x).item() == pytest.approx(np.std([1, 2, 4]))
    with pytest.raises(TypeError, match="floating"):
        x.mean()
    assert x.mean(dtype=ag.float64).item() == pytest.approx(7 / 3)


@pytest.mark.parametrize("kw", [{"out": np.zeros(4)}, {"where": np.ones((3, 4), bool)}])
def test_numpy_out_and_where_are_refused(kw):
    with pytest.raises(TypeError, match=list(kw)[0]):
        np.sum(ag.tensor(DATA), axis=0, **kw)


def test_correction_aliases_agree():
    x = ag.tensor(DATA)
    expected = np.var(DATA, ddof=1)
    for v in (x.var(), x.var(correction=1), x.var(ddof=1), x.var(unbiased=True), ag.var(x, True)):
        assert v.item() == pytest.approx(expected)
    with pytest.raises(TypeError, match="only one"):
        x.var(correction=1, ddof=0)


def test_argmax_spelling(torch):
    x = ag.tensor(DATA)
    t = torch.tensor(DATA)
    for kw in ({}, {"dim": 1}, {"dim": 0, "keepdim": True}, {"keepdim": True}):
        np.testing.assert_array_equal(x.argmax(**kw).data, t.argmax(**kw).numpy())
        np.testing.assert_array_equal(ag.argmin(x, **kw).data, torch.argmin(t, **kw).numpy())


@pytest.mark.parametrize("op", [lambda a, b: a // b, lambda a, b: a % b])
def test_integer_division_by_zero_raises(op):
    with pytest.raises(ZeroDivisionError):
        op(ag.tensor([5, 3]), ag.tensor([1, 0]))
    with pytest.raises(ZeroDivisionError):
        op(ag.tensor([5, 3]), 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = op(ag.tensor([5.0]), 0.0)  # floats follow IEEE, as in PyTorch
    assert out.dtype == np.float32


def test_max_of_empty_and_bad_dims_raise():
    with pytest.raises(RuntimeError, match="empty"):
        ag.zeros(0).max()
    with pytest.raises(IndexError, match="size 0"):
        ag.zeros(2, 0).max(1)
    with pytest.raises(ValueError, match="out of range"):
        ag.ones(2, 3).max(2)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_complex_variance_norm_and_magnitude_are_real_in_the_matching_precision(torch, dtype):
    data = np.array([1 + 1j, 2 - 1j, 0.5 + 2j], dtype)
    real = np.float32 if dtype == np.complex64 else np.float64
    for ours, theirs in ((ag.var(ag.tensor(data)), torch.var(torch.tensor(data))),
                         (ag.linalg.norm(ag.tensor(data)), torch.linalg.norm(torch.tensor(data))),
                         (ag.abs(ag.tensor(data)), torch.abs(torch.tensor(data)))):
        assert ours.dtype == real == theirs.numpy().dtype
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=TOL[real])
    np.testing.assert_allclose(np.var(ag.tensor(data)).data, np.var(data), rtol=TOL[real])  # numpy's ddof=0
    np.testing.assert_allclose(np.linalg.norm(ag.tensor(data)).data, np.linalg.norm(data), rtol=TOL[real])


def test_variance_without_degrees_of_freedom_warns_and_is_nan():
    with pytest.warns(RuntimeWarning, match="degrees of freedom"):
        v = ag.var(ag.tensor([1.0]))
    assert np.isnan(v.item())


def test_mean_of_an_empty_slice_is_nan_without_a_warning_and_passes_an_empty_gradient(torch):
    x = ag.tensor(np.ones((3, 0)), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = ag.mean(x, 1)
        m.sum().backward()
    np.testing.assert_array_equal(m.data, torch.mean(torch.ones(3, 0, dtype=torch.float64), 1).numpy())
    assert x.grad.shape == (3, 0)

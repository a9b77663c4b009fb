"""Linear algebra beyond the generated tests: errors, batching, numpy's result structures, PyTorch's.

The registry already checks every record's gradients (first and second order) and its PyTorch
reference on sampled inputs; these tests pin what samplers do not reach: error messages naming
shapes, singular input, numpy's exact spellings and result types, gauge-invariant gradients
against PyTorch for symmetric parametrisations, and the norm conventions.
"""
import numpy as np
import pytest

import autograd_core as ag
from autograd_core.testing import assert_gradients_close

RNG = np.random.default_rng(7)


def _spd(n, batch=()):
    X = RNG.standard_normal(batch + (n, n))
    return X @ np.swapaxes(X, -1, -2) + n * np.eye(n)


def _t(a, requires_grad=True):
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("call, shapes", [
    (lambda: ag.linalg.solve(ag.ones(3, 3), ag.ones(4)), ["(3, 3)", "(4,)"]),
    (lambda: ag.linalg.solve(ag.ones(3, 3), ag.ones(2, 2)), ["(3, 3)", "(2, 2)"]),
    (lambda: np.linalg.solve(ag.ones(3, 3), ag.ones(2, 2)), ["(3, 3)", "(2, 2)"]),
    (lambda: ag.mm(ag.ones(2, 3), ag.ones(2, 3)), ["(2, 3)"]),
    (lambda: ag.dot(ag.ones(3), ag.ones(4)), ["(3,)", "(4,)"]),
    (lambda: ag.tensordot(ag.ones(2, 3), ag.ones(2, 3), dims=1), ["(2, 3)"]),
    (lambda: np.linalg.multi_dot([ag.ones(2, 3), ag.ones(2, 3)]), ["(2, 3)"]),
])
def test_shape_errors_name_both_shapes(call, shapes):
    with pytest.raises(ValueError) as info:
        call()
    for shape in shapes:
        assert shape in str(info.value)


@pytest.mark.parametrize("name", ["inv", "det", "cholesky", "eigh"])
def test_non_square_input_is_refused_with_its_shape(name):
    with pytest.raises(ValueError, match=r"square.*\(2, 3\)"):
        getattr(ag.linalg, name)(ag.ones(2, 3))


@pytest.mark.parametrize("call", [
    lambda A: ag.linalg.inv(A), lambda A: np.linalg.inv(A), lambda A: ag.linalg.solve(A, ag.ones(2)),
    lambda A: ag.linalg.cholesky(A)])
def test_singular_input_raises_numpys_linalg_error_naming_the_operation(call):
    A = _t([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(np.linalg.LinAlgError, match=r"^(inv|solve|cholesky): "):
        call(A)


def test_qr_complete_of_a_tall_matrix_has_no_derivative():
    Q, R = ag.linalg.qr(_t(RNG.standard_normal((3, 2))), mode="complete")
    with pytest.raises(RuntimeError, match="mode='reduced'"):
        (Q.sum() + R.sum()).backward()


# ----------------------------------------------------------------------------- batching and numpy's structures
def test_batched_operations_equal_numpy_per_matrix():
    A, B = _spd(3, (2, 2)), RNG.standard_normal((2, 2, 3, 2))
    np.testing.assert_allclose(ag.linalg.inv(_t(A)).data, np.linalg.inv(A), rtol=1e-12)
    np.testing.assert_allclose(ag.linalg.det(_t(A)).data, np.linalg.det(A), rtol=1e-12)
    np.testing.assert_allclose(ag.linalg.solve(_t(A), _t(B)).data, np.linalg.solve(A, B), rtol=1e-12)
    np.testing.assert_allclose(ag.linalg.cholesky(_t(A)).data, np.linalg.cholesky(A), rtol=1e-12)
    np.testing.assert_allclose(ag.linalg.eigh(_t(A)).eigenvalues.data, np.linalg.eigvalsh(A), rtol=1e-12)
    np.testing.assert_allclose(ag.linalg.svdvals(_t(B)).data, np.linalg.svd(B, compute_uv=False), rtol=1e-12)
    # a single matrix of right-hand sides broadcast against a batch of systems
    b = RNG.standard_normal((3, 2))
    np.testing.assert_allclose(ag.linalg.solve(_t(A), _t(b)).data, np.linalg.solve(A, b), rtol=1e-12)


@pytest.mark.parametrize("fn, args, fields", [
    (np.linalg.svd, (), ("U", "S", "Vh")), (np.linalg.eigh, (), ("eigenvalues", "eigenvectors")),
    (np.linalg.qr, (), ("Q", "R")), (np.linalg.slogdet, (), ("sign", "logabsdet"))])
def test_np_linalg_on_tensors_returns_numpys_named_results_as_tracked_tensors(fn, args, fields):
    A = _spd(3)
    got, expected = fn(_t(A), *args), fn(A, *args)
    assert type(got).__name__ == type(expected).__name__ and got._fields == expected._fields == fields
    for g, e in zip(got, expected):
        assert isinstance(g, ag.Tensor) and g.requires_grad
        np.testing.assert_allclose(np.abs(g.data), np.abs(e), rtol=1e-10, atol=1e-12)


def test_np_linalg_variants_return_what_numpy_returns():
    A = RNG.standard_normal((3, 2))
    R = np.linalg.qr(_t(A), mode="r")
    assert isinstance(R, ag.Tensor) and R.requires_grad
    np.testing.assert_allclose(R.data, np.linalg.qr(A, mode="r"), rtol=1e-12)
    S = np.linalg.svd(_t(A), compute_uv=False)
    np.testing.assert_allclose(S.data, np.linalg.svd(A, compute_uv=False), rtol=1e-12)
    assert np.linalg.svd(_t(A), full_matrices=False).U.shape == (3, 2)
    np.testing.assert_allclose(np.linalg.pinv(_t(A)).data, np.linalg.pinv(A), rtol=1e-10)
    M = _spd(2)
    np.testing.assert_allclose(np.linalg.matrix_power(_t(M), -2).data, np.linalg.matrix_power(M, -2), rtol=1e-10)


def test_torch_and_numpy_spellings_of_the_result_structures(torch):
    A = _spd(3)
    for ours, theirs in [(ag.linalg.svd(_t(A)), torch.linalg.svd(torch.tensor(A))),
                         (ag.linalg.eigh(_t(A)), torch.linalg.eigh(torch.tensor(A))),
                         (ag.linalg.qr(_t(A)), torch.linalg.qr(torch.tensor(A))),
                         (ag.linalg.slogdet(_t(A)), torch.linalg.slogdet(torch.tensor(A)))]:
        assert len(ours) == len(theirs)
        for field in ours._fields:
            o, t = getattr(ours, field), getattr(theirs, field)
            np.testing.assert_allclose(np.abs(o.data), np.abs(t.numpy()), rtol=1e-10, atol=1e-12)
    assert ag.linalg.qr(_t(A), mode="r").Q.shape == torch.linalg.qr(torch.tensor(A), mode="r").Q.shape == (0,)


# ----------------------------------------------------------------------------- gradients against PyTorch
@pytest.mark.parametrize("loss", ["cholesky", "eigh", "eigvalsh"])
def test_symmetric_parametrisation_gives_pytorchs_gradient(torch, loss):
    """Through A = X Xᵀ + 3I (symmetric by construction) our triangle-reading gradients and PyTorch's
    symmetric-assuming ones give the same gradient of X."""
    X = RNG.standard_normal((3, 3))
    C = RNG.standard_normal((3, 3))

    def run(lib, x):
        A = x @ x.mT + 3 * lib.eye(3, dtype=x.dtype)
        if loss == "cholesky":
            return (lib.linalg.cholesky(A) * lib.tensor(C)).sum()
        if loss == "eigh":
            w, V = lib.linalg.eigh(A)
            return (w * lib.tensor(C[0])).sum() + ((V * V) * lib.tensor(C)).sum()  # sign-invariant in V
        return (lib.linalg.eigvalsh(A) ** 2).sum()

    x, tx = _t(X), torch.tensor(X, requires_grad=True)
    run(ag, x).backward()
    run(torch, tx).backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_eigenvalue_gradient_is_finite_for_repeated_eigenvalues():
    A = _t(np.eye(3) * 2.0)
    (ag.linalg.eigh(A).eigenvalues ** 2).sum().backward()
    np.testing.assert_allclose(A.grad.data, 4.0 * np.eye(3))


# ----------------------------------------------------------------------------- norms
@pytest.mark.parametrize("fn", [lambda x: ag.norm(x), lambda x: x.norm(2), lambda x: ag.linalg.vector_norm(x),
                                lambda x: ag.linalg.norm(x), lambda x: np.linalg.norm(x)])
def test_two_norm_has_gradient_zero_at_zero(fn):
    x = _t(np.zeros(3))
    fn(x).backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros(3))


@pytest.mark.parametrize("ord", [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf])
def test_np_linalg_norm_of_a_matrix_matches_numpy(ord):
    A = RNG.standard_normal((3, 4))
    np.testing.assert_allclose(np.linalg.norm(_t(A), ord).data, np.linalg.norm(A, ord), rtol=1e-12)
    assert_gradients_close(lambda a: np.linalg.norm(a, ord), _t(A))


@pytest.mark.parametrize("ord", [None, 0, 1, -1, 2, 3, 0.5, np.inf, -np.inf])
def test_np_linalg_norm_of_vectors_matches_numpy(ord):
    x = RNG.standard_normal((2, 5))
    np.testing.assert_allclose(np.linalg.norm(_t(x), ord, axis=1, keepdims=True).data,
                               np.linalg.norm(x, ord, axis=1, keepdims=True), rtol=1e-12)


def test_torch_norm_spellings(torch):
    x = RNG.standard_normal((2, 3, 4))
    for args, kwargs in [((), {}), ((1,), {"dim": 1}), (("fro",), {"dim": (1, 2), "keepdim": True}),
                         (("nuc",), {"dim": (0, 2)}), ((np.inf,), {"dim": -1}), ((3,), {})]:
        np.testing.assert_allclose(ag.tensor(x).norm(*args, **kwargs).data,
                                   torch.tensor(x).norm(*args, **kwargs).numpy(), rtol=1e-12)
    np.testing.assert_allclose(ag.norm(ag.tensor(x[0]), "nuc").data, torch.norm(torch.tensor(x[0]), "nuc"), rtol=1e-12)


def test_frobenius_norm_over_three_dims_is_refused_as_in_pytorch():
    """torch.norm(x, 'fro', dim=(0, 1, 2)) raises "dim must be a 2-tuple": a vector or matrix norm only."""
    x = RNG.standard_normal((2, 3, 4))
    with pytest.raises(ValueError, match=r"'fro' takes one or two dims.*dim=\(0, 1, 2\)"):
        ag.norm(ag.tensor(x), "fro", dim=(0, 1, 2))


# ----------------------------------------------------------------------------- products
@pytest.mark.parametrize("a_shape, b_shape", [((), (3,)), ((3,), (3,)), ((2, 3), (3,)), ((2, 3), (3, 4)),
                                              ((2, 2, 3), (4, 3, 2)), ((3,), (2, 3, 4))])
def test_np_dot_follows_numpys_general_rule(a_shape, b_shape):
    a, b = RNG.standard_normal(a_shape), RNG.standard_normal(b_shape)
    np.testing.assert_allclose(np.dot(_t(a), _t(b)).data, np.dot(a, b), rtol=1e-12)
    assert_gradients_close(lambda x, y: np.dot(x, y), _t(a), _t(b))


def test_einsum_sublist_form_equals_the_string_form():
    a, b = _t(RNG.standard_normal((2, 3))), _t(RNG.standard_normal((3, 4)))
    np.testing.assert_allclose(np.einsum(a, [0, 1], b, [1, 2], [0, 2]).data, (a @ b).data, rtol=1e-12)
    np.testing.assert_allclose(ag.einsum(a, [Ellipsis, 1], b, [1, 2]).data, (a @ b).data, rtol=1e-12)
    assert_gradients_close(lambda x, y: ag.einsum(x, [0, 1], y, [1, 2], [2]), a, b)


def test_numpy_spellings_that_flatten_or_move_axes():
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 2))
    np.testing.assert_allclose(np.outer(_t(a), _t(b)).data, np.outer(a, b))
    np.testing.assert_allclose(np.vdot(_t(a), _t(b)).data, np.vdot(a, b))
    u, v = RNG.standard_normal((3, 2)), RNG.standard_normal((3, 2))
    np.testing.assert_allclose(np.cross(_t(u), _t(v), axis=0).data, np.cross(u, v, axis=0), rtol=1e-12)
    np.testing.assert_allclose(np.cross(_t(u.T), _t(v), axisb=0).data, np.cross(u.T, v, axisb=0), rtol=1e-12)
    np.testing.assert_allclose(np.kron(_t(a), _t(b[0])).data, np.kron(a, b[0]))
    c = RNG.standard_normal((2, 3, 3))
    np.testing.assert_allclose(np.trace(_t(c), 1, 1, 2).data, np.trace(c, 1, 1, 2))


def test_cross_defaults_to_the_first_dimension_of_size_3(torch):
    a, b = RNG.standard_normal((2, 3, 3)), RNG.standard_normal((2, 3, 3))
    np.testing.assert_allclose(ag.cross(_t(a), _t(b)).data, torch.cross(torch.tensor(a), torch.tensor(b), dim=1),
                               rtol=1e-12)

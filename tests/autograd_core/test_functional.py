"""``autograd_core.functional`` against closed forms and, where installed, ``torch.autograd.functional``."""
import numpy as np
import pytest

import autograd_core as ag
from autograd_core import functional as F

RNG = np.random.default_rng(7)
A = RNG.standard_normal((4, 4))
SYM = A + A.T
W = RNG.standard_normal((3, 4))
X0 = RNG.standard_normal(4)
V = RNG.standard_normal(4)


def t(a, requires_grad=False):
    return ag.Tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def quadratic(x):
    return 0.5 * (x @ (t(SYM) @ x)) + (t(W[0]) * x).sum()


def rosenbrock(x):
    return (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()


def rosenbrock_hessian(x):
    n = x.size
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        h[i + 1, i + 1] += 200
        h[i, i + 1] = h[i + 1, i] = -400 * x[i]
    return h


def softmax(x):
    return (x - x.logsumexp(axis=-1, keepdims=True)).exp()


def test_quadratic_form_hessian_hvp_vhp():
    x, v = t(X0), t(V)
    np.testing.assert_allclose(F.hessian(quadratic, x).data, SYM, atol=1e-12)
    out, hv = F.hvp(quadratic, x, v)
    np.testing.assert_allclose(out.data, quadratic(x).data)
    np.testing.assert_allclose(hv.data, SYM @ V, atol=1e-12)
    np.testing.assert_allclose(F.vhp(quadratic, x, v)[1].data, V @ SYM, atol=1e-12)
    np.testing.assert_allclose(F.jacobian(quadratic, x).data, SYM @ X0 + W[0], atol=1e-12)


def test_rosenbrock_hessian_matches_formula():
    x = RNG.uniform(-1.5, 1.5, 5)
    h = F.hessian(rosenbrock, t(x))
    assert h.shape == (5, 5) and not h.requires_grad
    np.testing.assert_allclose(h.data, rosenbrock_hessian(x), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(F.hvp(rosenbrock, t(x), t(np.arange(5.0)))[1].data,
                               rosenbrock_hessian(x) @ np.arange(5.0), rtol=1e-12)


def test_softmax_jacobian():
    x = RNG.standard_normal(5)
    s = np.exp(x - x.max()) / np.exp(x - x.max()).sum()
    np.testing.assert_allclose(F.jacobian(softmax, t(x)).data, np.diag(s) - np.outer(s, s), atol=1e-12)


def test_linear_map_jvp_vjp_jacobian():
    x, v, u = t(X0), t(V), t(RNG.standard_normal(3))
    f = lambda x: t(W) @ x  # noqa: E731
    out, jv = F.jvp(f, x, v)
    np.testing.assert_allclose(out.data, W @ X0)
    np.testing.assert_allclose(jv.data, W @ V, atol=1e-12)
    np.testing.assert_allclose(F.vjp(f, x, u)[1].data, u.data @ W, atol=1e-12)
    np.testing.assert_allclose(F.jacobian(f, x).data, W, atol=1e-12)


def test_jvp_of_nonlinear_function_matches_jacobian():
    f = lambda x: (x.sin() * x[::-1]).exp()  # noqa: E731
    x, v = t(X0), t(V)
    np.testing.assert_allclose(F.jvp(f, x, v)[1].data, F.jacobian(f, x).data @ V, rtol=1e-10)


def test_structure_follows_inputs_and_outputs():
    x, y = t(X0), t(W)
    two_out = lambda x, y: (y @ x, (x * x).sum())  # noqa: E731
    jac = F.jacobian(two_out, (x, y))
    assert isinstance(jac, tuple) and all(isinstance(row, tuple) for row in jac)
    assert [[b.shape for b in row] for row in jac] == [[(3, 4), (3, 3, 4)], [(4,), (3, 4)]]
    assert isinstance(F.jacobian(lambda x: x.exp(), (x,)), tuple)
    assert F.jacobian(lambda x: (x.exp(), x.sin()), x)[1].shape == (4, 4)
    hess = F.hessian(lambda x, y: (y @ x).sum() ** 2, (x, y))
    assert [[b.shape for b in row] for row in hess] == [[(4, 4), (4, 3, 4)], [(3, 4, 4), (3, 4, 3, 4)]]
    out, vj = F.vjp(two_out, (x, y), (t(np.ones(3)), t(1.0)))
    assert isinstance(out, tuple) and isinstance(vj, tuple) and vj[1].shape == (3, 4)


def test_unused_input_gets_zeros_and_caller_grad_untouched():
    x = t(X0, requires_grad=True)
    z = t(np.ones(2), requires_grad=True)
    jac = F.jacobian(lambda x, z: x.exp(), (x, z))
    np.testing.assert_array_equal(jac[1].data, np.zeros((4, 2)))
    _, hv = F.hvp(lambda x, z: (x ** 3).sum(), (x, z), (t(V), t(np.ones(2))))
    np.testing.assert_array_equal(hv[1].data, np.zeros(2))
    assert x.grad is None and z.grad is None
    with ag.no_grad():  # the transforms record their own graph regardless of grad mode
        np.testing.assert_allclose(F.jvp(lambda x: 2 * x, x, t(V))[1].data, 2 * V)
    np.testing.assert_array_equal(F.jvp(lambda x: x, x, t(V))[1].data, V)
    np.testing.assert_array_equal(F.jvp(lambda x: t(np.ones(3)), x, t(V))[1].data, np.zeros(3))


def test_create_graph_gives_differentiable_results():
    x = t(X0, requires_grad=True)
    _, hv = F.hvp(lambda x: (x ** 4).sum(), x, t(np.ones(4)), create_graph=True)
    assert hv.requires_grad
    hv.sum().backward()  # d/dx sum(12 x^2) = 24 x
    np.testing.assert_allclose(x.grad.data, 24 * X0)
    h = F.hessian(lambda x: (x ** 3).sum(), x, create_graph=True)
    (g,) = ag.grad(h.sum(), x)
    np.testing.assert_allclose(g.data, np.full(4, 6.0))


def test_invalid_v_is_rejected():
    x = t(X0)
    with pytest.raises(RuntimeError, match="v can only be None"):
        F.vjp(lambda x: x.exp(), x)
    with pytest.raises(RuntimeError, match="shape"):
        F.jvp(lambda x: x.exp(), x, t(np.ones(3)))
    with pytest.raises(RuntimeError, match="single element"):
        F.hessian(lambda x: x.exp(), x)
    with pytest.raises(TypeError, match="Tensor"):
        F.jacobian(lambda x: x.data, x)


def _torch_pair(torch, shapes):
    arrays = [RNG.standard_normal(s) for s in shapes]
    return tuple(t(a) for a in arrays), tuple(torch.tensor(a) for a in arrays)


def _assert_same(ours, theirs):
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, th in zip(ours, theirs):
            _assert_same(o, th)
    else:
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("tuple_in", [False, True])
@pytest.mark.parametrize("tuple_out", [False, True])
def test_vjp_jvp_jacobian_match_torch(torch, tuple_in, tuple_out):
    import torch.autograd.functional as TF

    def func(x, w=None):
        w = x[:3] if w is None else w
        first = (w[:, None] * x).tanh()
        return (first, (x ** 2).sum()) if tuple_out else first

    shapes = [(4,), (3,)] if tuple_in else [(4,)]
    ours, theirs = _torch_pair(torch, shapes)
    ours_in, theirs_in = (ours, theirs) if tuple_in else (ours[0], theirs[0])
    _assert_same(F.jacobian(func, ours_in), TF.jacobian(func, theirs_in))
    v_ours, v_theirs = _torch_pair(torch, [(4,), (3,)][:len(shapes)])
    v_ours, v_theirs = (v_ours, v_theirs) if tuple_in else (v_ours[0], v_theirs[0])
    _assert_same(F.jvp(func, ours_in, v_ours), TF.jvp(func, theirs_in, v_theirs))
    u_ours, u_theirs = _torch_pair(torch, [(3, 4), ()][:2 if tuple_out else 1])
    u_ours, u_theirs = (u_ours, u_theirs) if tuple_out else (u_ours[0], u_theirs[0])
    _assert_same(F.vjp(func, ours_in, u_ours), TF.vjp(func, theirs_in, u_theirs))


@pytest.mark.parametrize("tuple_in", [False, True])
def test_hessian_hvp_vhp_match_torch(torch, tuple_in):
    import torch.autograd.functional as TF

    def func(x, y=None):
        y = x * x if y is None else y
        return ((x * y).sin() ** 2).sum() + (x ** 3).sum() * y.sum()

    ours, theirs = _torch_pair(torch, [(3,), (3,)] if tuple_in else [(3,)])
    vo, vt = _torch_pair(torch, [(3,)] * len(ours))
    if not tuple_in:
        ours, theirs, vo, vt = ours[0], theirs[0], vo[0], vt[0]
    _assert_same(F.hessian(func, ours), TF.hessian(func, theirs))
    _assert_same(F.hvp(func, ours, vo), TF.hvp(func, theirs, vt))
    _assert_same(F.vhp(func, ours, vo), TF.vhp(func, theirs, vt))

"""no_grad / enable_grad as context managers and decorators, thread-local; detect_anomaly."""
import threading

import numpy as np
import pytest

import autograd_core as ag


def test_context_managers_and_decorators():
    x = ag.ones(2, requires_grad=True)
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        assert not (x * 2).requires_grad
        with ag.enable_grad():
            assert (x * 2).requires_grad
    assert ag.is_grad_enabled()

    @ag.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad and ag.is_grad_enabled()
    with ag.set_grad_enabled(False):
        assert not ag.is_grad_enabled()


def test_grad_mode_is_thread_local():
    seen = {}

    def worker():
        seen["other"] = ag.is_grad_enabled()

    with ag.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen["other"] is True


def test_detect_anomaly_names_operation_and_source_line():
    x = ag.tensor(np.array([0.0, 1.0]), requires_grad=True)
    with ag.detect_anomaly():
        y = ag.sqrt(x)  # the line the error must point at
        with pytest.raises(RuntimeError, match=r"SqrtBackward.*test_grad_mode.py:\d+.*ag.sqrt\(x\)"):
            with np.errstate(divide="ignore"):
                y.sum().backward()


def test_no_anomaly_check_by_default():
    x = ag.tensor(np.array([0.0]), requires_grad=True)
    with np.errstate(divide="ignore"):
        ag.sqrt(x).sum().backward()
    assert np.isinf(x.grad.item())


def test_set_grad_enabled_as_a_plain_call_switches_the_mode():
    x = ag.ones(2, requires_grad=True)
    try:
        ag.set_grad_enabled(False)
        assert not ag.is_grad_enabled() and not (x * 2).requires_grad
        ag.set_grad_enabled(True)
        assert (x * 2).requires_grad
    finally:
        ag.set_grad_enabled(True)
    with ag.set_grad_enabled(False):
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()


def test_set_grad_enabled_and_inference_mode_as_decorators():
    @ag.set_grad_enabled(False)
    def off(t):
        return t * 2

    @ag.inference_mode()
    def inferred(t):
        return t * 2

    @ag.inference_mode(mode=False)
    def tracked(t):
        return t * 2

    @ag.no_grad
    def bare(t):
        return t * 2

    assert ag.is_grad_enabled()  # decorating does not switch the mode
    x = ag.ones(2, requires_grad=True)
    assert not off(x).requires_grad and not inferred(x).requires_grad and not bare(x).requires_grad
    with ag.no_grad():
        assert tracked(x).requires_grad
    with ag.inference_mode():
        assert not ag.is_grad_enabled() and ag.is_inference_mode_enabled()
    assert ag.is_grad_enabled()


def test_plain_set_grad_enabled_is_thread_local():
    seen = {}

    def worker():
        ag.set_grad_enabled(False)
        seen["worker"] = ag.is_grad_enabled()

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen["worker"] is False and ag.is_grad_enabled()


def test_autograd_namespace_mirrors_torch_autograd(torch):
    import autograd_core as T  # the import swap: `import autograd_core as torch`

    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (g,) = T.autograd.grad((x ** 3).sum(), x, create_graph=True)
    (gg,) = T.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.data, 6 * x.data)
    a, b = T.tensor([1.0, 2.0], requires_grad=True), T.tensor([3.0], requires_grad=True)
    T.autograd.backward([(a * a).sum(), b * 2], [None, T.tensor([0.5])])
    ta, tb = torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([3.0], requires_grad=True)
    torch.autograd.backward([(ta * ta).sum(), tb * 2], [None, torch.tensor([0.5])])
    np.testing.assert_allclose(a.grad.data, ta.grad.numpy())
    np.testing.assert_allclose(b.grad.data, tb.grad.numpy())
    assert T.autograd.Function is T.Function and T.autograd.functional is T.functional
    assert T.autograd.gradcheck(lambda t: (t * t).sum(), (T.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True),))
    assert T.autograd.gradgradcheck(lambda t: (t ** 3).sum(), (T.tensor([1.0], dtype=np.float64, requires_grad=True),))
    jac = T.autograd.functional.jacobian(lambda t: t * t, T.tensor([1.0, 2.0]))
    np.testing.assert_allclose(jac.data, np.diag([2.0, 4.0]))
    with pytest.raises(RuntimeError, match="does not require grad"):
        T.autograd.backward([T.ones(1)])


def test_set_detect_anomaly():
    try:
        ag.autograd.set_detect_anomaly(True)
        assert ag.is_anomaly_enabled()
    finally:
        ag.autograd.set_detect_anomaly(False)
    assert not ag.is_anomaly_enabled()
    with ag.autograd.set_detect_anomaly(True):
        assert ag.is_anomaly_enabled()
    assert not ag.is_anomaly_enabled()
    with ag.autograd.detect_anomaly():
        assert ag.is_anomaly_enabled()

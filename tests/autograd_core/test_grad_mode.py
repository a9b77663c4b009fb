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

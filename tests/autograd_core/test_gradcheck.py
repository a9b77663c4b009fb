"""Gradient checking catches real backward bugs and accepts every registered primitive.

Each injected bug is a user ``Function`` with a classic mistake (wrong sign, missing
broadcast reduction, wrong transpose, off by a factor 2); each must be flagged by
``gradcheck`` (False / ``GradcheckError``) and by ``check_gradients`` (verdict "bug"),
while its corrected twin passes.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.gradcheck import GradcheckError, verdict
from autograd_core.registry import all_ops
from autograd_core.testing import Sampler

from .registry_harness import prepare

RNG = np.random.default_rng(3)


def leaf(*shape, name=None):
    t = ag.Tensor(RNG.uniform(-1.5, 1.5, shape), requires_grad=True)
    t.name = name
    return t


# ------------------------------------------------------------------ user Functions, buggy and correct
class Exp(ag.Function):
    sign = 1

    @staticmethod
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @classmethod
    def backward(cls, ctx, g):
        (out,) = ctx.saved_tensors
        return cls.sign * g * out


class ExpWrongSign(Exp):
    sign = -1


class AddBias(ag.Function):
    """x (n, m) + b broadcast along the rows; the VJP for b must sum over the rows."""

    @staticmethod
    def forward(ctx, x, b):
        return x + b

    @staticmethod
    def backward(ctx, g):
        return g, g.sum(axis=0, keepdims=True)


class AddBiasUnreduced(AddBias):
    @staticmethod
    def backward(ctx, g):
        return g, g  # forgot to sum: wrong shape, the engine refuses it


class AddBiasFirstRow(AddBias):
    @staticmethod
    def backward(ctx, g):
        return g, g[:1]  # right shape, but only the first row's contribution


class MatMul(ag.Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g @ b.T, a.T @ g


class MatMulWrongTranspose(MatMul):
    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g @ b, a.T @ g  # d(ab)/da is g b^T; square shapes hide the slip from shape checks


class Square(ag.Function):
    factor = 2.0

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @classmethod
    def backward(cls, ctx, g):
        (x,) = ctx.saved_tensors
        return cls.factor * g * x


class SquareHalf(Square):
    factor = 1.0


CASES = {  # name: (correct, buggy, input shapes, the input the bug affects)
    "wrong sign": (Exp, ExpWrongSign, [(3, 2)], 0),
    "missing broadcast reduction": (AddBias, AddBiasFirstRow, [(4, 3), (1, 3)], 1),
    "wrong transpose": (MatMul, MatMulWrongTranspose, [(3, 3), (3, 3)], 0),
    "off by a factor 2": (Square, SquareHalf, [(5,)], 0),
}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_injected_bug_is_flagged(case):
    correct, buggy, shapes, culprit = CASES[case]
    inputs = [leaf(*s) for s in shapes]
    assert ag.gradcheck(correct.apply, inputs)
    assert ag.check_gradients(correct.apply, inputs).ok
    assert ag.gradcheck(buggy.apply, inputs, raise_exception=False) is False
    with pytest.raises(GradcheckError, match=rf"input {culprit} .*element \(.*numeric .*analytic "):
        ag.gradcheck(buggy.apply, inputs)
    report = ag.check_gradients(buggy.apply, inputs)
    assert not report.ok and report.inputs[culprit].verdict == "bug"
    assert "bug" in str(report)


def test_wrong_gradient_shape_raises_in_engine_and_is_flagged():
    x, b = leaf(4, 3), leaf(3)
    with pytest.raises(ValueError, match=r"AddBiasUnreducedBackward.*\(4, 3\).*\(3,\)"):
        AddBiasUnreduced.apply(x, b).sum().backward()
    assert ag.gradcheck(AddBias.apply, [x, leaf(1, 3)])
    assert ag.gradcheck(AddBiasUnreduced.apply, [x, b], raise_exception=False) is False
    with pytest.raises(GradcheckError, match=r"backward failed.*\(4, 3\).*\(3,\)"):
        ag.gradcheck(AddBiasUnreduced.apply, [x, b])
    report = ag.check_gradients(AddBiasUnreduced.apply, [x, b])
    assert not report.ok and {c.verdict for c in report.inputs} == {"bug"}
    assert "AddBiasUnreducedBackward" in str(report)


def test_failure_message_names_input_element_and_values():
    x = leaf(2, 3, name="weight")
    x.data[1, 2] = 2.0  # the largest element: where the factor-2 slip is worst
    with pytest.raises(GradcheckError) as info:
        ag.gradcheck(SquareHalf.apply, [x])
    message = str(info.value)
    assert "input 0 (weight)" in message and "element (1, 2)" in message
    assert "numeric 4" in message and "analytic 2" in message
    report = ag.check_gradients(SquareHalf.apply, [x])
    (check,) = report.inputs
    assert check.name == "input 0 (weight)" and len(check.worst_index) == 2  # worst of <v, f>, v random
    assert check.numeric == pytest.approx(2 * check.analytic, rel=1e-6)


def test_gradgradcheck_flags_a_backward_that_is_not_differentiable_correctly():
    class SquareConstBackward(Square):  # the first derivative is right; its own derivative is lost
        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * ag.Tensor(2 * x.data)

    x = [leaf(4)]
    assert ag.gradcheck(SquareConstBackward.apply, x)
    assert ag.gradgradcheck(Square.apply, x)
    assert ag.gradgradcheck(SquareConstBackward.apply, x, raise_exception=False) is False


def test_inputs_are_promoted_and_left_untouched():
    x = ag.Tensor(RNG.standard_normal(3).astype(np.float32), requires_grad=True)
    before = x.data.copy()
    assert ag.gradcheck(lambda x: (x * x).sin(), [x])
    np.testing.assert_array_equal(x.data, before)
    assert x.dtype == np.float32 and x.grad is None
    with pytest.raises(ValueError, match="no input requires grad"):
        ag.gradcheck(lambda x: x.exp(), [ag.Tensor([1.0])])


def test_verdict_scale_and_report_table():
    assert [verdict(e) for e in (1e-9, 1e-6, 1e-4, 1e-2)] == ["correct", "probably correct", "suspicious", "bug"]
    report = ag.check_gradients(lambda a, b: (a @ b).tanh(), [leaf(2, 3), leaf(3)])
    assert isinstance(report, ag.GradcheckReport) and report.ok
    lines = str(report).splitlines()
    assert lines[0].split()[:2] == ["input", "shape"] and len(lines) == 4
    assert all(c.verdict == "correct" for c in report.inputs)


def test_round_off_is_not_called_a_bug():
    tiny = ag.Tensor(np.array(1.2e-38), requires_grad=True)  # cos'(x) = -sin(x) = -1.2e-38; differences give 0
    (check,) = ag.check_gradients(ag.cos, [tiny]).inputs
    assert check.rel_error == pytest.approx(1.0) and check.resolution > 1 and check.verdict == "correct"
    (check,) = ag.check_gradients(SquareHalf.apply, [ag.Tensor(np.array(1e-30), requires_grad=True)]).inputs
    assert check.verdict == "correct"  # a factor 2 on a 1e-30 gradient is below what differences resolve
    (check,) = ag.check_gradients(SquareHalf.apply, [ag.Tensor(np.array(1e-3), requires_grad=True)]).inputs
    assert check.verdict == "bug" and check.resolution < 1e-3


# ------------------------------------------------------------------ every registered primitive
DIFFERENTIABLE = [r for r in all_ops() if r.differentiable]
SECOND_ORDER = [r for r in DIFFERENTIABLE if r.order >= 2]


@pytest.mark.parametrize("record", DIFFERENTIABLE, ids=lambda r: r.name)
@settings(max_examples=3)
@given(data=st.data())
def test_every_primitive_passes(record, data):
    leaves, call = prepare(record, *record.samples(Sampler(data.draw)))
    if not leaves:
        return
    assert ag.gradcheck(call, leaves)
    report = ag.check_gradients(call, leaves)
    assert all(c.verdict in ("correct", "probably correct") for c in report.inputs), str(report)


@pytest.mark.parametrize("record", SECOND_ORDER, ids=lambda r: r.name)
@settings(max_examples=2)
@given(data=st.data())
def test_every_twice_differentiable_primitive_passes_gradgradcheck(record, data):
    leaves, call = prepare(record, *record.samples(Sampler(data.draw)))
    if leaves:
        assert ag.gradgradcheck(call, leaves)

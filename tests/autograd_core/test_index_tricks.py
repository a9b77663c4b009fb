"""``ag.r_``/``ag.c_``: numpy's ``np.r_``/``np.c_`` results, as tracked tensors; ``np.r_`` itself on tensors."""
import numpy as np
import pytest

import autograd_core as ag

A, B = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])
M = np.arange(6.0).reshape(2, 3)

# each case is written once and run with numpy's concatenators (on arrays) and ours (on tensors)
CASES = {
    "pair": lambda r, c, a, b, m: r[a, b],
    "scalars": lambda r, c, a, b, m: r[a, 0, 7.5, b],
    "range": lambda r, c, a, b, m: r[a, 1:3, b],
    "stepped range": lambda r, c, a, b, m: r[-1:1:0.5, a],
    "linspace": lambda r, c, a, b, m: r[0:1:5j, a],
    "axis directive": lambda r, c, a, b, m: r["-1", m, m],
    "ndmin directive": lambda r, c, a, b, m: r["0,2", a, b],
    "trans1d directive": lambda r, c, a, b, m: r["1,2,0", a, b],
    "3-d directive": lambda r, c, a, b, m: r["2,3,1", a, b],
    "3-d directive, negative trans1d": lambda r, c, a, b, m: r["0,3,-2", a, m[0]],
    "rows": lambda r, c, a, b, m: r[m, m],
    "row matrix": lambda r, c, a, b, m: r["r", a, b],
    "column matrix": lambda r, c, a, b, m: r["c", a, 0:2],
    "columns": lambda r, c, a, b, m: c[a, b, a],
    "columns of a matrix": lambda r, c, a, b, m: c[m, m[:, :1]],
    "column ranges": lambda r, c, a, b, m: c[0:3, a],
}


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # numpy's np.matrix for 'r'/'c'
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_index_expressions_match_numpy_and_are_tracked(case):
    a, b, m = (ag.tensor(x, requires_grad=True) for x in (A, B, M))
    got = case(ag.r_, ag.c_, a, b, m)
    expected = np.asarray(case(np.r_, np.c_, A, B, M))  # ('r'/'c' give np.matrix: ours is a 2-d tensor)
    assert isinstance(got, ag.Tensor) and got.requires_grad
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got.data, expected)


def test_gradients_flow_to_every_tensor_to_second_order():
    a, b, m = (ag.tensor(x, requires_grad=True) for x in (A, B, M))
    f = lambda a, b, m: (ag.r_["0,2", a, b] @ m.T).sum() + (ag.c_[a, 2.0 * b, m.T] ** 2).sum()
    assert ag.gradcheck(f, (a, b, m)) and ag.gradgradcheck(f, (a, b, m))


def test_dtypes_follow_numpy_and_scalars_never_upcast_a_float32_tensor():
    t = ag.tensor([1.0, 2.0], requires_grad=True)  # float32
    assert ag.r_[t, 3, 4.5].dtype == np.float32
    assert ag.r_[ag.tensor([1, 2]), 0.5].dtype == np.float64  # int tensor and a float: numpy's float64
    assert ag.r_[1:4].dtype == np.arange(1, 4).dtype and not ag.r_[1:4].requires_grad


def test_numpy_concatenators_refuse_grad_tensors_and_name_ours():
    a, b = ag.tensor(A, requires_grad=True), ag.tensor(B)
    for join in (lambda: np.r_[a, b], lambda: np.c_[a, b]):
        with pytest.raises(RuntimeError, match=r"ag\.r_\[\.\.\.\] / ag\.c_\[\.\.\.\]"):
            join()


def test_numpy_concatenators_give_numpys_array_without_grad():
    a, b = ag.tensor(A), ag.tensor(B)
    for got, expected in ((np.r_[a, b], np.r_[A, B]), (np.c_[a, b], np.c_[A, B]), (np.r_[a, 0:2], np.r_[A, 0:2])):
        assert type(got) is np.ndarray and got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
    with ag.no_grad():  # grad mode off: a tensor that requires grad converts, as np.asarray does
        np.testing.assert_array_equal(np.r_[ag.tensor(A, requires_grad=True), b], np.r_[A, B])


@pytest.mark.parametrize(("key", "error", "match"), [
    (lambda a: ag.r_[a, "0,2"], ValueError, "directive string must be the first"),
    (lambda a: ag.r_["x", a], ValueError, "unknown directive 'x'"),
    (lambda a: ag.r_["0,2,1,3", a], ValueError, "unknown directive"),
    (lambda a: ag.r_["r", a.reshape(1, 1, 3)], ValueError, "makes a matrix"),
    (lambda a: ag.r_["1 2; 3 4"], TypeError, "matrix-building string"),
    (lambda a: ag.r_[()], ValueError, "at least one item"),
])
def test_bad_index_expressions_name_the_problem(key, error, match):
    with pytest.raises(error, match=match):
        key(ag.tensor(A, requires_grad=True))

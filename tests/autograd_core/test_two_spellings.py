"""PyTorch's meaning on methods and ``ag.NAME``, numpy's on ``np.NAME(tensor)``: the ambiguous shape names.

Each case runs one name in both spellings on the same data and compares with numpy itself
and (where installed) PyTorch, so no habit from either library gives a silently different answer.
"""
import numpy as np
import pytest

import autograd_core as ag

A = np.arange(24.0).reshape(2, 3, 4)


def _arrays_of(out) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


# (PyTorch spelling on a Tensor, the same call on a torch tensor)
TORCH_CASES = {
    "transpose": lambda t: t.transpose(0, 2),
    "transpose_neg": lambda t: t.transpose(-1, 1),
    "split_size": lambda t: t.split(2, dim=2),
    "split_sizes": lambda t: t.split([1, 2], dim=1),
    "repeat": lambda t: t.repeat(2, 1, 1, 2),
    "flip": lambda t: t.flip(0, 2),
    "flip_tuple": lambda t: t.flip((1,)),
    "squeeze_noop": lambda t: t.squeeze(1),
    "squeeze_tuple": lambda t: t[:, :1].squeeze((0, 1)),
    "unsqueeze": lambda t: t.unsqueeze(-1),
    "chunk": lambda t: t.chunk(3, dim=2),
    "unbind": lambda t: t.unbind(1),
    "movedim": lambda t: t.movedim(0, -1),
    "mT": lambda t: t.mT,
    "T2d": lambda t: t[0].T,
    "t": lambda t: t[1].t(),
    "expand": lambda t: t[:, :1].expand(5, -1, 3, -1),
    "flatten": lambda t: t.flatten(1),
    "unflatten": lambda t: t.unflatten(2, (2, -1)),
    "view": lambda t: t.view(4, -1),
    "rot90": lambda t: t.rot90(1, (0, 2)),
    "roll": lambda t: t.roll((1, -1), (0, 2)),
    "repeat_interleave": lambda t: t.repeat_interleave(2, dim=1),
    "tile": lambda t: t.tile((2,)),
    "tensor_split": lambda t: t.tensor_split(3, dim=2),
}


@pytest.mark.parametrize("name", sorted(TORCH_CASES))
def test_pytorch_spelling_gives_pytorch_values(torch, name):
    call = TORCH_CASES[name]
    ours, theirs = call(ag.tensor(A)), call(torch.tensor(A))
    assert isinstance(ours, tuple) == isinstance(theirs, tuple)
    ours, theirs = [o.data for o in _arrays_of(ours)], [t.numpy() for t in _arrays_of(theirs)]
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o, t)


NUMPY_CASES = {
    "transpose": lambda m, a: m.transpose(a),
    "transpose_axes": lambda m, a: m.transpose(a, axes=(1, 0, 2)),
    "split": lambda m, a: m.split(a, 2, axis=2),
    "split_indices": lambda m, a: m.split(a, [1], axis=1),
    "array_split": lambda m, a: m.array_split(a, 3, axis=2),
    "repeat": lambda m, a: m.repeat(a, 2),
    "repeat_axis": lambda m, a: m.repeat(a, [1, 2, 0], axis=1),
    "flip": lambda m, a: m.flip(a),
    "flip_axis": lambda m, a: m.flip(a, axis=1),
    "squeeze": lambda m, a: m.squeeze(a[:1]),
    "expand_dims": lambda m, a: m.expand_dims(a, (0, -1)),
    "swapaxes": lambda m, a: m.swapaxes(a, axis1=0, axis2=2),
    "moveaxis": lambda m, a: m.moveaxis(a, [0, 1], [-1, 0]),
    "rollaxis": lambda m, a: m.rollaxis(a, 2, 1),
    "rot90": lambda m, a: m.rot90(a, 3, axes=(2, 1)),
    "roll": lambda m, a: m.roll(a, 5),
    "tile": lambda m, a: m.tile(a, (2, 1)),
    "ravel": lambda m, a: m.ravel(a),
    "reshape": lambda m, a: m.reshape(a, (4, 6)),
    "pad": lambda m, a: m.pad(a, 1, "constant", constant_values=2.0),
    "hsplit": lambda m, a: m.hsplit(a, 3),
    "concatenate_none": lambda m, a: m.concatenate([a, a], axis=None),
    "stack": lambda m, a: m.stack([a, a], axis=-1),
    "append": lambda m, a: m.append(a, a, axis=0),
    "atleast_3d": lambda m, a: m.atleast_3d(a[0, 0]),
    "broadcast_arrays": lambda m, a: m.broadcast_arrays(a, a[:1]),
}


@pytest.mark.parametrize("name", sorted(NUMPY_CASES))
def test_numpy_spelling_gives_numpy_values(name):
    call = NUMPY_CASES[name]
    x = ag.tensor(A, requires_grad=True)
    ours, theirs = call(np, x), call(np, A)
    assert isinstance(ours, (tuple, list)) == isinstance(theirs, (tuple, list))
    assert len(_arrays_of(ours)) == len(_arrays_of(theirs))
    for o, t in zip(_arrays_of(ours), _arrays_of(theirs)):
        assert isinstance(o, ag.Tensor) and o.requires_grad
        np.testing.assert_array_equal(o.data, t)


@pytest.mark.parametrize("call", [
    lambda x: x.transpose(0, 2), lambda x: x.unsqueeze(3), lambda x: x.unsqueeze(-4), lambda x: x.squeeze(2),
    lambda x: x.flip(2), lambda x: x.movedim(0, 2), lambda x: x.flatten(0, 2), lambda x: x.split(1, dim=2),
])
def test_out_of_range_dims_raise_index_error(call):
    with pytest.raises(IndexError, match="Dimension out of range"):
        call(ag.ones(2, 3))


def test_pytorch_only_requirements_raise():
    x = ag.ones(2, 3)
    with pytest.raises(TypeError, match="dims"):
        x.flip()
    with pytest.raises(RuntimeError, match="repeat"):
        x.repeat(2)
    with pytest.raises(ValueError, match="sum to 3"):
        x.split([1, 1], dim=1)
    with pytest.raises(ValueError, match="divide"):
        np.split(x, 2, axis=1)
    with pytest.raises(RuntimeError, match="t\\(\\)"):
        ag.ones(2, 2, 2).t()


@pytest.mark.parametrize("shape, match", [((-2,), "invalid shape"), ((-1, -1), "only one"), ((4,), "size 6"),
                                          ((0, -1), "size 6")])
def test_bad_reshape_shapes_name_the_problem(shape, match):
    with pytest.raises(ValueError, match=match):
        ag.ones(2, 3).reshape(*shape)


def _setitem_script(lib):
    """Assignments into a plain tensor and into a non-leaf, then backward; returns the leaf ``w``."""
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    x = lib.zeros(3)
    x[1:] = w * 2
    y = w * 1
    y[0] = 5.0
    ((x * x).sum() + (y * y).sum()).backward()
    return w


def test_setitem_on_graph_tensors_is_tracked_like_pytorch(torch):
    w, tw = _setitem_script(ag), _setitem_script(torch)
    np.testing.assert_allclose(w.grad.data, tw.grad.numpy())
    with pytest.raises(RuntimeError, match="leaf"):
        w[0] = 1.0


def test_float_masks_and_conditions_raise():
    x = ag.ones(2, 2)
    with pytest.raises(TypeError, match="bool"):
        ag.where(x, x, 0.0)
    with pytest.raises(TypeError, match="bool"):
        x.masked_fill(ag.ones(2, 2), 0.0)
    with pytest.raises(TypeError, match="integer"):
        x.gather(0, ag.ones(2, 2))


def test_sort_and_topk_return_tracked_values_and_untracked_indices(torch):
    data = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    x = ag.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    (v, i), (tv, ti) = x.sort(dim=0, descending=True), tx.sort(dim=0, descending=True)
    (k, j), (tk, tj) = x.topk(2, largest=False), tx.topk(2, largest=False)
    assert v.requires_grad and not i.requires_grad and i.dtype == np.int64
    np.testing.assert_array_equal(i.data, ti.numpy())
    np.testing.assert_array_equal(j.data, tj.numpy())
    ((v * v).sum() + (k * 3).sum()).backward()
    ((tv * tv).sum() + (tk * 3).sum()).backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy())
    np.testing.assert_array_equal(np.sort(x, axis=0).data, np.sort(data, axis=0))
    np.testing.assert_array_equal(np.argsort(x).data, np.argsort(data))


# products of a float64 and a float32 operand: PyTorch refuses them, numpy promotes to float64
MIXED_PRODUCTS = {
    "matmul operator": (lambda lib, a, b: a @ b, np.matmul),
    "matmul": (lambda lib, a, b: lib.matmul(a, b), np.matmul),
    "mm": (lambda lib, a, b: a.mm(b), np.dot),
    "linear": (lambda lib, a, b: lib.nn.functional.linear(a, b.T) if lib is not ag else ag.linear(a, b.T), None),
    "einsum": (lambda lib, a, b: lib.einsum("ij,jk->ik", a, b), lambda a, b: np.einsum("ij,jk->ik", a, b)),
    "tensordot": (lambda lib, a, b: lib.tensordot(a, b, 1), lambda a, b: np.tensordot(a, b, 1)),
    "inner": (lambda lib, a, b: lib.inner(a, b.T), lambda a, b: np.inner(a, b.T)),
    "dot": (lambda lib, a, b: lib.dot(a[0], b[:, 0]), lambda a, b: np.dot(a[0], b[:, 0])),
    "multi_dot": (lambda lib, a, b: lib.linalg.multi_dot([a, b]), lambda a, b: np.linalg.multi_dot([a, b])),
}


@pytest.mark.parametrize("name", MIXED_PRODUCTS)
def test_products_refuse_mixed_float_dtypes_as_pytorch_and_promote_as_numpy(torch, name):
    torch_call, numpy_call = MIXED_PRODUCTS[name]
    a, b = np.arange(6.0).reshape(2, 3), np.arange(6.0, dtype=np.float32).reshape(3, 2)
    with pytest.raises(RuntimeError):
        torch_call(torch, torch.tensor(a), torch.tensor(b))
    with pytest.raises(RuntimeError, match=f"{name.split()[0]}: expected tensors of the same dtype, got float32 and "
                                           "float64"):
        torch_call(ag, ag.tensor(a), ag.tensor(b))
    if numpy_call is not None:
        x, y = ag.tensor(a, requires_grad=True), ag.tensor(b, requires_grad=True)
        got, expected = numpy_call(x, y), numpy_call(a, b)
        assert got.dtype == expected.dtype == np.float64
        np.testing.assert_allclose(got.data, expected)
        got.sum().backward()  # the VJPs mix the dtypes too, unchecked; each gradient in its input's dtype
        assert (x.grad.dtype, y.grad.dtype) == (np.float64, np.float32)

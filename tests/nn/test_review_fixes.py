"""Regression tests for edge cases found in review: tensors in state_dicts, embedding bounds,
max-pool ties, pooling padding limits and Sequential slicing names."""
import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F


def test_load_state_dict_accepts_tensor_values(tmp_path):
    m = nn.Linear(2, 2)
    nn.save(dict(m.named_parameters()), tmp_path / "p.npz")
    other = nn.Linear(2, 2)
    other.load_state_dict({k: ag.Tensor(v.data) for k, v in nn.load(tmp_path / "p.npz").items()})
    np.testing.assert_array_equal(other.weight.data, m.weight.data)
    with pytest.raises(TypeError, match="mapping"):
        other.load_state_dict([1, 2])


def test_embedding_rejects_out_of_range_indices():
    emb = nn.Embedding(10, 3)
    with pytest.raises(IndexError, match=r"\[0, 10\)"):
        emb(np.array([-1]))
    with pytest.raises(IndexError):
        emb(np.array([10]))


def test_max_pool_gives_a_tied_window_gradient_to_its_first_maximum():
    x = ag.zeros(1, 1, 2, 2, requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data[0, 0], [[1.0, 0.0], [0.0, 0.0]])


def test_max_pool_ties_match_torch(torch):
    data = np.array([[[[1, 3, 3, 0], [3, 2, 1, 1], [0, 0, 0, 0], [0, 0, 5, 5]]]], dtype=np.float64)
    x = ag.tensor(data, requires_grad=True)
    F.max_pool2d(x, 2, stride=1, padding=1).sum().backward()
    tx = torch.tensor(data, requires_grad=True)
    torch.nn.functional.max_pool2d(tx, 2, stride=1, padding=1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())


@pytest.mark.parametrize("pool", [lambda x: F.avg_pool2d(x, 2, padding=2), lambda x: F.max_pool2d(x, 2, padding=2)])
def test_pool_padding_beyond_half_the_kernel_is_rejected(pool):
    with pytest.raises(ValueError, match="at most half"):
        pool(ag.ones(1, 1, 2, 2))


def test_sequential_slice_keeps_child_names():
    s = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    assert list(s[1:].state_dict()) == ["2.weight", "2.bias"]
    assert list(nn.ModuleList([nn.ReLU(), nn.Linear(1, 1)])[1:].state_dict()) == ["0.weight", "0.bias"]


def test_clear_errors_for_bad_checkpoints_and_optimizer_state(tmp_path):
    import optim

    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"\x00\x01 not a checkpoint at all")
    with pytest.raises(ValueError, match="not an .npz archive"):
        nn.load(garbage)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        nn.save({"a": 1}, tmp_path / "missing" / "ckpt.npz")
    w = ag.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="param_groups"):
        optim.SGD([w], lr=0.1).load_state_dict({"state": {}})
    with pytest.raises(ValueError, match="pair"):
        optim.Adam([w], betas=(0.9,))

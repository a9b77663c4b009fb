"""autograd_core.utils.data: datasets, random_split and DataLoader, against torch.utils.data where it exists."""
import numpy as np
import pytest

import autograd_core as ag
from autograd_core.utils.data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split


def _dataset(n=10):
    return TensorDataset(ag.tensor(np.arange(2.0 * n).reshape(n, 2)), ag.tensor(np.arange(n)))


class Squares(Dataset):
    """A generic dataset: each item computed in Python, returned as (array, int)."""

    def __len__(self):
        return 7

    def __getitem__(self, i):
        return np.array([i, i * i], dtype=np.float32), i


def test_tensor_dataset_items_and_length():
    ds = _dataset()
    x, y = ds[3]
    assert len(ds) == 10 and x.tolist() == [6.0, 7.0] and y.item() == 3
    assert TensorDataset(np.ones((4, 3), np.float64)).tensors[0].dtype == np.float64


def test_tensor_dataset_rejects_arrays_of_different_lengths():
    with pytest.raises(ValueError, match=r"same length.*\[5, 4\]"):
        TensorDataset(np.zeros((5, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()


def test_loader_batches_in_order_with_a_short_last_batch():
    batches = list(DataLoader(_dataset(), batch_size=4))
    assert [len(b[1].data) for b in batches] == [4, 4, 2]
    assert all(isinstance(b, tuple) and all(isinstance(t, ag.Tensor) for t in b) for b in batches)
    assert np.concatenate([b[1].data for b in batches]).tolist() == list(range(10))
    assert len(DataLoader(_dataset(), batch_size=4)) == 3
    assert len(DataLoader(_dataset(), batch_size=4, drop_last=True)) == 2
    assert [len(b[1].data) for b in DataLoader(_dataset(), batch_size=4, drop_last=True)] == [4, 4]


def test_shuffle_is_a_fresh_permutation_per_epoch_reproducible_from_manual_seed():
    loader = DataLoader(_dataset(), batch_size=3, shuffle=True)

    def epoch():
        return np.concatenate([y.data for _, y in loader]).tolist()

    ag.manual_seed(7)
    first, second = epoch(), epoch()
    ag.manual_seed(7)
    assert epoch() == first and epoch() == second
    assert sorted(first) == list(range(10)) and first != second


def test_shuffle_with_an_explicit_generator():
    def epoch(seed):
        loader = DataLoader(_dataset(), batch_size=3, shuffle=True, generator=np.random.default_rng(seed))
        return np.concatenate([y.data for _, y in loader]).tolist()

    assert epoch(1) == epoch(1) != epoch(2)
    with pytest.raises(TypeError, match="generator"):
        DataLoader(_dataset(), shuffle=True, generator=42)


def test_rows_stay_paired_after_shuffling():
    for x, y in DataLoader(_dataset(), batch_size=4, shuffle=True):
        np.testing.assert_array_equal(x.data[:, 0], 2 * y.data)


def test_array_backed_batches_are_gathered_without_per_item_reads(monkeypatch):
    ds = Subset(Subset(_dataset(), [9, 8, 7, 6, 5]), [0, 2, 4])

    def per_item(self, i):
        raise AssertionError("the loader read a sample on its own")

    monkeypatch.setattr(TensorDataset, "__getitem__", per_item)
    assert [b[1].tolist() for b in DataLoader(ds, batch_size=2)] == [[9, 7], [5]]


def test_subclass_overriding_getitem_is_read_item_by_item():
    class Doubled(TensorDataset):
        def __getitem__(self, i):
            x, y = super().__getitem__(i)
            return x * 2, y

    (x, y), = list(DataLoader(Doubled(np.ones((3, 2)), np.arange(3)), batch_size=3))
    assert x.data.tolist() == [[2.0, 2.0]] * 3 and y.tolist() == [0, 1, 2]


def test_generic_dataset_goes_through_default_collate():
    x, y = next(iter(DataLoader(Squares(), batch_size=3)))
    assert x.shape == (3, 2) and x.dtype == np.float32 and y.dtype == np.int64 and y.tolist() == [0, 1, 2]
    assert [len(b[1].data) for b in DataLoader(Squares(), batch_size=3)] == [3, 3, 1]


def test_default_collate_structures():
    out = default_collate([{"a": 1.5, "b": (np.zeros(2), True)}, {"a": 2.5, "b": (np.ones(2), False)}])
    assert out["a"].dtype == np.float64 and out["a"].tolist() == [1.5, 2.5]
    assert out["b"][0].shape == (2, 2) and out["b"][1].tolist() == [True, False]
    assert default_collate(["x", "y"]) == ["x", "y"]
    with pytest.raises(TypeError, match="cannot batch samples of type object"):
        default_collate([object()])


def test_collate_fn_receives_the_list_of_samples():
    seen = []
    loader = DataLoader(_dataset(4), batch_size=2, collate_fn=lambda samples: seen.append(len(samples)) or "batch")
    assert list(loader) == ["batch", "batch"] and seen == [2, 2]


def test_batch_size_none_yields_single_samples_and_sampler_sets_the_order():
    assert [y.item() for _, y in DataLoader(_dataset(3), batch_size=None)] == [0, 1, 2]
    loader = DataLoader(_dataset(), batch_size=2, sampler=[9, 0, 5])
    assert [y.tolist() for _, y in loader] == [[9, 0], [5]] and len(loader) == 2
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(_dataset(), sampler=[0], shuffle=True)


def test_loader_over_an_empty_dataset():
    empty = TensorDataset(np.zeros((0, 2)))
    assert list(DataLoader(empty, batch_size=4)) == [] and len(DataLoader(empty, batch_size=4)) == 0
    with pytest.raises(ValueError, match="empty dataset"):
        DataLoader(empty, batch_size=4, shuffle=True)


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_bad_batch_size(bad):
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(_dataset(), batch_size=bad)


def test_tracked_tensors_keep_their_graph_through_the_loader():
    w = ag.ones(4, 2, requires_grad=True)
    (x,), = list(DataLoader(TensorDataset(w * 3), batch_size=4))
    x.sum().backward()
    assert w.grad.data.tolist() == [[3.0, 3.0]] * 4


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.33, 0.33, 0.34], [0.5, 0.5], [0.1] * 10, [1 / 3] * 3])
def test_random_split_sizes_match_torch(torch, lengths):
    ours = random_split(range(10), lengths)
    theirs = torch.utils.data.random_split(range(10), lengths)
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    assert sorted(i for s in ours for i in s) == list(range(10))


def test_random_split_is_reproducible_and_disjoint():
    a = random_split(_dataset(), [0.5, 0.5], generator=np.random.default_rng(3))
    b = random_split(_dataset(), [0.5, 0.5], generator=np.random.default_rng(3))
    assert [list(s.indices) for s in a] == [list(s.indices) for s in b]
    assert not set(a[0].indices) & set(a[1].indices)
    x, y = next(iter(DataLoader(a[0], batch_size=5)))
    np.testing.assert_array_equal(y.data, a[0].indices)


@pytest.mark.parametrize("lengths, match", [([0.5, 0.4], "sum to 1"), ([0.6, 0.6], "sum to 1"),
                                            ([1.5, -0.5], r"\[0, 1\]"), ([3, 3], "sum to 6"),
                                            ([-1, 11], "non-negative"), ([], "at least one")])
def test_random_split_rejects_bad_lengths(lengths, match):
    with pytest.raises(ValueError, match=match):
        random_split(range(10), lengths)


def test_random_split_warns_about_an_empty_split():
    with pytest.warns(UserWarning, match=r"index \[1, 2\] get no samples"):
        random_split(range(2), [0.9, 0.05, 0.05])


def test_torch_spelling_after_the_import_swap():
    assert ag.utils.data.DataLoader is DataLoader

"""Datasets, as in ``torch.utils.data``: the ``Dataset`` protocol, ``TensorDataset``, ``Subset`` and ``random_split``.

A dataset is anything with ``__len__`` and ``__getitem__``. ``gather`` reads a whole batch of an
array-backed dataset (a ``TensorDataset``, or ``Subset``s of one, nested to any depth) with one
fancy index per array, which is what makes the loader cheap; datasets that override
``__getitem__`` keep their own per-item semantics.
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Sequence

import numpy as np

from ... import creation
from ...tensor import Tensor

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split", "gather", "numpy_generator", "split_lengths"]


def numpy_generator(generator: Any = None) -> np.random.Generator:
    """The numpy ``Generator`` behind ``generator``: the global one (``manual_seed``) when None.

    Accepts a ``np.random.Generator`` or any object wrapping one that exposes ``permutation``
    (so an ``autograd_core.Generator`` works as soon as it offers numpy's interface).
    """
    if generator is None:
        return creation.default_generator()
    if hasattr(generator, "permutation"):
        return generator
    raise TypeError(f"generator must be a numpy Generator (np.random.default_rng(seed)) or None, "
                    f"got {type(generator).__name__}")


class Dataset:
    """Base class of map-style datasets: subclasses define ``__getitem__`` (and usually ``__len__``)."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")


def _as_tensor(t: Any) -> Tensor:
    return t if isinstance(t, Tensor) else Tensor(np.asarray(t))


def _take(t: Tensor, index: Any) -> Tensor:
    """``t[index]``: recorded only when ``t`` requires grad, otherwise a plain numpy index (no graph cost)."""
    return t[index] if t.requires_grad else Tensor(t.data[index])


class TensorDataset(Dataset):
    """Samples are the rows of the given tensors (or arrays), which must share their first dimension."""

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.tensors = tuple(_as_tensor(t) for t in tensors)
        if any(t.ndim == 0 for t in self.tensors):
            raise ValueError("TensorDataset tensors need a first (sample) dimension; got a 0-d tensor")
        lengths = [t.shape[0] for t in self.tensors]
        if len(set(lengths)) > 1:
            raise ValueError(f"TensorDataset tensors must have the same length (first dimension), got {lengths}")

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(_take(t, index) for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at positions ``indices``, in that order."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices
        self._positions = np.asarray(indices, dtype=np.int64).reshape(-1)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, (list, np.ndarray)):
            return self.dataset[self._positions[index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def gather(dataset: Any, indices: np.ndarray) -> tuple[Tensor, ...] | None:
    """The batch ``dataset[indices]`` as one tensor per array, or None when ``dataset`` is not array-backed.

    Only datasets whose ``__getitem__`` is the library's own qualify, so a subclass that
    transforms items is read item by item instead.
    """
    while type(dataset).__getitem__ is Subset.__getitem__:
        indices = dataset._positions[indices]
        dataset = dataset.dataset
    if type(dataset).__getitem__ is TensorDataset.__getitem__:
        return tuple(_take(t, indices) for t in dataset.tensors)
    return None


def split_lengths(lengths: Sequence[float], n: int) -> list[int]:
    """Integer lengths from integer sizes or from fractions summing to 1 (PyTorch's rounding rule)."""
    values = list(lengths)
    if not values:
        raise ValueError("random_split needs at least one length")
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        sizes = [int(v) for v in values]
        if any(s < 0 for s in sizes):
            raise ValueError(f"random_split lengths must be non-negative, got {sizes}")
        if sum(sizes) != n:
            raise ValueError(f"random_split lengths {sizes} sum to {sum(sizes)}, but the dataset has {n} samples")
        return sizes
    fractions = [float(v) for v in values]
    if any(not 0 <= f <= 1 for f in fractions) or not math.isclose(sum(fractions), 1) or sum(fractions) > 1:
        raise ValueError(f"random_split fractions must lie in [0, 1] and sum to 1, got {fractions} "
                         f"(sum {sum(fractions):g}); or pass integer lengths summing to {n}")
    # Floor each share, then hand the remainder out one by one from the first split on (PyTorch's rule).
    sizes = [math.floor(n * f) for f in fractions]
    for i in range(n - sum(sizes)):
        sizes[i % len(sizes)] += 1
    empty = [i for i, s in enumerate(sizes) if s == 0]
    if empty:
        warnings.warn(f"random_split: the splits at index {empty} get no samples (empty datasets)", stacklevel=3)
    return sizes


def random_split(dataset: Any, lengths: Sequence[float], generator: Any = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given sizes or fractions.

    Fractions are floored and the remainder spread one sample at a time over the first splits,
    as PyTorch does. Shuffled by ``generator`` (default: the global ``manual_seed`` generator).
    """
    sizes = split_lengths(lengths, len(dataset))
    order = numpy_generator(generator).permutation(len(dataset))
    bounds = np.cumsum([0] + sizes)
    return [Subset(dataset, order[lo:hi]) for lo, hi in zip(bounds[:-1], bounds[1:])]

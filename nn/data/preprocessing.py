"""Train/dev/test splits and input standardization with training-set statistics.

``train_dev_test_split`` shuffles once and cuts by fractions with the same rounding as
``random_split``. ``Standardizer`` is a ``Module`` whose mean and standard deviation are
buffers: fitted on the training inputs only, it sits first in a ``Sequential`` and its
statistics travel with the model through ``state_dict``, ``save`` and ``load``.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.tensor import data_of
from autograd_core.utils.data.dataset import numpy_generator, split_lengths

from ..module import Module

__all__ = ["train_dev_test_split", "Standardizer", "rng"]


def rng(seed: Any = None) -> np.random.Generator:
    """A numpy Generator from ``seed``: an int seeds a new one, None is the global ``manual_seed`` one."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    return numpy_generator(seed)


def _rows(a: Any, index: np.ndarray) -> Any:
    return Tensor(a.data[index]) if isinstance(a, Tensor) else np.asarray(a)[index]


def train_dev_test_split(*arrays: Any, fractions: Sequence[float] = (0.8, 0.1, 0.1), shuffle: bool = True,
                         seed: Any = None) -> tuple:
    """Cut the rows of ``arrays`` (kept paired) into train, dev and test parts by ``fractions``.

    Returns one entry per fraction: a tuple of arrays (or the array itself when one array is
    given), so ``train, dev, test = train_dev_test_split(x, y)`` feeds ``nn.fit`` directly.
    ``seed`` is an int or a numpy Generator (None: the global ``manual_seed`` generator).
    """
    if not arrays:
        raise ValueError("train_dev_test_split needs at least one array")
    lengths = [len(a) for a in arrays]
    if len(set(lengths)) > 1:
        raise ValueError(f"train_dev_test_split: arrays must have the same number of rows, got {lengths}")
    fractions = [float(f) for f in fractions]
    total = sum(fractions)
    if not np.isclose(total, 1.0) or any(f < 0 for f in fractions):
        raise ValueError(f"train_dev_test_split: fractions must be non-negative and sum to 1, "
                         f"got {fractions} (sum {total:g})")
    n = lengths[0]
    sizes = split_lengths(fractions, n) if n else [0] * len(fractions)
    order = rng(seed).permutation(n) if shuffle else np.arange(n)
    bounds = np.cumsum([0] + sizes)
    parts = [[_rows(a, order[lo:hi]) for a in arrays] for lo, hi in zip(bounds[:-1], bounds[1:])]
    return tuple(part[0] if len(arrays) == 1 else tuple(part) for part in parts)


class Standardizer(Module):
    """``(x - mean) / std`` per feature, with statistics taken from training data by ``fit``.

    ``shape`` is the per-sample feature shape (e.g. ``64`` or ``(1, 8, 8)``); give it when the
    model is built before fitting, e.g. to load a checkpoint into a fresh model. Features that
    are constant in the training data get ``std = 1`` (left centred, not divided by zero).
    """

    def __init__(self, shape: int | Sequence[int] | None = None, dtype=None) -> None:
        super().__init__()
        self.shape = None if shape is None else ((shape,) if isinstance(shape, int) else tuple(shape))
        dtype = dtype or ag.get_default_dtype()
        self.register_buffer("mean", None if self.shape is None else ag.zeros(*self.shape, dtype=dtype))
        self.register_buffer("std", None if self.shape is None else ag.ones(*self.shape, dtype=dtype))
        self.register_buffer("num_samples", Tensor(np.array(0, np.int64)))

    def fit(self, x: Any) -> Standardizer:
        """Take the mean and (population) standard deviation of each feature over the rows of ``x``."""
        data = np.asarray(data_of(x))
        if data.ndim < 1 or len(data) == 0:
            raise ValueError(f"Standardizer.fit needs a non-empty batch of samples, got shape {data.shape}")
        if self.shape is not None and data.shape[1:] != self.shape:
            raise ValueError(f"Standardizer was built for samples of shape {self.shape}, got {data.shape[1:]}")
        dtype = data.dtype if data.dtype.kind == "f" else ag.get_default_dtype()
        wide = data.astype(np.float64)
        mean, std = wide.mean(axis=0), wide.std(axis=0)
        std[std == 0] = 1.0
        self.shape = data.shape[1:]
        self.mean = Tensor(mean.astype(dtype))
        self.std = Tensor(std.astype(dtype))
        self.num_samples = Tensor(np.array(len(data), np.int64))
        return self

    def forward(self, x: Tensor) -> Tensor:
        if self.mean is None or int(self.num_samples.data) == 0:
            raise RuntimeError("Standardizer is not fitted: call fit(training_inputs) first (or load a state_dict)")
        if not isinstance(x, Tensor):
            x = Tensor(np.asarray(x))
        if tuple(x.shape[1:]) != tuple(self.mean.shape):
            raise ValueError(f"Standardizer expects samples of shape {tuple(self.mean.shape)}, got {x.shape[1:]}")
        return (x - self.mean) / self.std

    transform = forward

    def fit_transform(self, x: Any) -> Tensor:
        """``fit(x)`` then standardize ``x``."""
        return self.fit(x).forward(x)

    def inverse_transform(self, z: Tensor) -> Tensor:
        """Undo the standardization: ``z * std + mean`` (e.g. to report predictions of a standardized target)."""
        return z * self.std + self.mean

    def extra_repr(self) -> str:
        if self.mean is None:
            return "unfitted"
        return f"shape={tuple(self.mean.shape)}, fitted on {int(self.num_samples.data)} samples"

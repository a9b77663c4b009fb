"""``DataLoader``: mini-batches of a dataset, in order or reshuffled every epoch, as ``torch.utils.data``.

Each ``iter(loader)`` draws a fresh permutation from its ``generator`` (by default the global one
that ``manual_seed`` seeds, read at iteration time), so seeded runs repeat exactly. Array-backed
datasets are gathered one fancy index per array and batch; other datasets go item by item
through ``collate_fn`` (``default_collate`` stacks samples into Tensors).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Iterator

import numpy as np

from ... import ops
from ...tensor import Tensor
from .dataset import gather, numpy_generator

__all__ = ["DataLoader", "default_collate"]


def default_collate(batch: list) -> Any:
    """Stack a list of samples field by field: arrays, Tensors and numbers become one Tensor per field.

    Tuples and lists of fields give a tuple, dicts a dict, strings stay a list; Python floats become
    float64 and ints int64, as in PyTorch.
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        if any(t.requires_grad for t in batch):
            return ops.stack(batch)
        return Tensor(np.stack([t.data for t in batch]))
    if isinstance(elem, (np.ndarray, np.generic)):
        return Tensor(np.stack(batch))
    if isinstance(elem, bool):
        return Tensor(np.array(batch, dtype=bool))
    if isinstance(elem, int):
        return Tensor(np.array(batch, dtype=np.int64))
    if isinstance(elem, float):
        return Tensor(np.array(batch, dtype=np.float64))
    if isinstance(elem, str):
        return list(batch)
    if isinstance(elem, dict):
        return {key: default_collate([sample[key] for sample in batch]) for key in elem}
    if isinstance(elem, (tuple, list)):
        if len({len(sample) for sample in batch}) > 1:
            raise RuntimeError("default_collate: every sample in a batch must have the same number of fields")
        return tuple(default_collate(list(field)) for field in zip(*batch))
    raise TypeError(f"default_collate: cannot batch samples of type {type(elem).__name__}; "
                    "return Tensors, arrays, numbers, tuples or dicts from the dataset, or pass collate_fn=")


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` (``None``: single samples, unbatched).

    ``shuffle`` reorders every epoch; ``drop_last`` drops a final short batch; ``sampler`` (an
    iterable of indices) replaces the order. Options after ``shuffle`` are keyword-only, since
    PyTorch's positional order differs; ``num_workers`` and ``pin_memory`` are accepted for
    ported programs and change nothing (loading runs in-process, on the CPU).
    """

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool = False, *, drop_last: bool = False,
                 generator: Any = None, collate_fn: Callable[[list], Any] | None = None,
                 sampler: Iterable[int] | None = None, num_workers: int = 0, pin_memory: bool = False) -> None:
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
                                       or batch_size < 1):
            raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}")
        if shuffle and sampler is not None:
            raise ValueError("DataLoader: sampler and shuffle=True are mutually exclusive")
        if shuffle and len(dataset) == 0:
            raise ValueError("DataLoader: cannot shuffle an empty dataset (num_samples=0); check the data you pass")
        if num_workers < 0:
            raise ValueError(f"num_workers must be >= 0, got {num_workers}")
        numpy_generator(generator)  # validate early
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator
        self.collate_fn = collate_fn
        self.sampler = sampler
        self.num_workers = num_workers
        self.pin_memory = pin_memory

    def _order(self) -> np.ndarray:
        if self.sampler is not None:
            return np.fromiter(self.sampler, dtype=np.int64)
        n = len(self.dataset)
        return numpy_generator(self.generator).permutation(n) if self.shuffle else np.arange(n)

    def _fetch(self, indices: np.ndarray) -> Any:
        if self.collate_fn is None:
            batch = gather(self.dataset, indices)
            if batch is not None:
                return batch
        samples = [self.dataset[int(i)] for i in indices]
        return (self.collate_fn or default_collate)(samples)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        if self.batch_size is None:
            for i in order:
                yield self.dataset[int(i)]
            return
        size = self.batch_size
        stop = len(order) - len(order) % size if self.drop_last else len(order)
        for start in range(0, stop, size):
            yield self._fetch(order[start:start + size])

    def __len__(self) -> int:
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

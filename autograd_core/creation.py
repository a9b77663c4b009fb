"""Tensor factories with PyTorch's signatures, and seeded randomness.

Every factory takes ``dtype=``, ``device=`` (the CPU only) and ``requires_grad=``; random ones
also ``generator=``. One global ``Generator`` (a ``numpy.random.Generator`` with PyTorch's
``manual_seed``/``seed``/``get_state``/``set_state``) serves every random factory, initializer,
dropout mask and data shuffle, so ``manual_seed`` makes a run reproducible bit for bit;
``generator=`` also accepts a plain ``numpy.random.Generator``.
"""
from __future__ import annotations

import copy

import numpy as np

from .device import check_device
from .dtypes import as_array, get_default_dtype
from .tensor import Tensor, data_of


class Generator(np.random.Generator):
    """PyTorch's ``Generator`` on numpy's PCG64: usable wherever a ``numpy.random.Generator`` is."""

    def __init__(self, device="cpu") -> None:
        check_device(device)
        super().__init__(np.random.PCG64())
        self._initial_seed = None
        self.seed()

    def manual_seed(self, seed: int) -> "Generator":
        """Restart the stream from ``seed``; returns self."""
        seed = int(seed)
        self.bit_generator.state = np.random.PCG64(seed).state
        self._initial_seed = seed
        return self

    def seed(self) -> int:
        """Seed from fresh OS entropy; returns the seed used."""
        seed = int(np.random.SeedSequence().entropy % 2 ** 63)
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        """The seed the stream was last started from."""
        return self._initial_seed

    def get_state(self) -> dict:
        """A copy of the stream's state (numpy's PCG64 state dict), for ``set_state``."""
        return copy.deepcopy(self.bit_generator.state)

    def set_state(self, state: dict) -> "Generator":
        """Continue from a state returned by ``get_state``; returns self."""
        self.bit_generator.state = state
        return self


_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Reseed the global generator in place; returns it."""
    return _generator.manual_seed(seed)


def default_generator() -> Generator:
    """The global generator used when no ``generator=`` is passed."""
    return _generator


def initial_seed() -> int:
    """The seed the global generator was last started from."""
    return _generator.initial_seed()


def _rng(generator) -> np.random.Generator:
    if generator is None:
        return _generator
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"generator must be an autograd_core.Generator or numpy.random.Generator, got "
                        f"{type(generator).__name__}")
    return generator


def _make(data: np.ndarray, requires_grad: bool, device=None) -> Tensor:
    check_device(device)
    return Tensor(data, requires_grad=requires_grad)


def _shape(shape, size=None) -> tuple:
    if size is not None:
        shape = (size,)
    shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)
    for n in shape:
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
            raise ValueError(f"a size must be non-negative integers, got {shape}")
    return tuple(int(n) for n in shape)


def _float(dtype) -> np.dtype:
    return np.dtype(dtype) if dtype is not None else get_default_dtype()


def _refuse_graph_members(data) -> None:
    """``tensor([a, b])`` would copy the values and drop their graph: raise as PyTorch warns."""
    if isinstance(data, (list, tuple)):
        for item in data:
            if isinstance(item, Tensor) and item.requires_grad:
                raise RuntimeError("tensor(): an element is a Tensor that requires grad; its graph would be lost. "
                                   "Use ag.stack([...]) to keep it, or .detach() the elements to copy values")
            _refuse_graph_members(item)


def tensor(data, requires_grad: bool = False, dtype=None, *, device=None) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, nested list, ndarray or Tensor), as
    ``torch.tensor``; ``Tensor(ndarray)`` / ``from_numpy`` share the array instead."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, np.ndarray):
        data = data.copy()
    _refuse_graph_members(data)
    check_device(device)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing ``array``'s memory and dtype (changes to either show in both)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a tensor, sharing memory when it already is a Tensor or ndarray of ``dtype``."""
    check_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or np.dtype(dtype) == data.dtype):
        return Tensor(data)
    return Tensor(data, dtype=dtype)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Tensor of zeros."""
    return _make(np.zeros(_shape(size), _float(dtype)), requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Tensor of ones."""
    return _make(np.ones(_shape(size), _float(dtype)), requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uninitialized tensor."""
    return _make(np.empty(_shape(size), _float(dtype)), requires_grad, device)


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Tensor filled with ``fill_value`` (dtype inferred from it as PyTorch: float, int64 or bool)."""
    dtype = dtype if dtype is not None else as_array(fill_value).dtype
    return _make(np.full(_shape((size,)), fill_value, dtype), requires_grad, device)


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Identity matrix."""
    return _make(np.eye(n, m, dtype=_float(dtype)), requires_grad, device)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in ``[start, end)``; int64 unless a bound or the step is a float."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise ValueError(f"arange: the step {step} points away from end {end} (start {start})")
    integral = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    dtype = dtype if dtype is not None else (np.int64 if integral else get_default_dtype())
    return _make(np.arange(start, end, step).astype(dtype), requires_grad, device)


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    return _make(np.linspace(start, end, steps, dtype=_float(dtype)), requires_grad, device)


def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples on ``[0, 1)``."""
    return _make(_rng(generator).random(_shape(size)).astype(_float(dtype)), requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples."""
    return _make(_rng(generator).standard_normal(_shape(size)).astype(_float(dtype)), requires_grad, device)


def randint(low: int = 0, high=None, size=None, *, generator=None, dtype=np.int64, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers uniform on ``[low, high)``: ``randint(high, size)`` or ``randint(low, high, size)``."""
    if isinstance(high, (tuple, list)) and size is None:  # the randint(high, size) form
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() needs a size, e.g. randint(0, 10, (3,))")
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    return _make(_rng(generator).integers(low, high, size=_shape((size,))).astype(dtype), requires_grad, device)


def randperm(n: int, *, generator=None, dtype=np.int64, device=None, requires_grad: bool = False) -> Tensor:
    """A random permutation of ``0 .. n-1``."""
    if n < 0:
        raise ValueError(f"randperm: n must be non-negative, got {n}")
    return _make(_rng(generator).permutation(int(n)).astype(dtype), requires_grad, device)


def multinomial(input, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    """Category indices drawn with probabilities proportional to the rows of ``input`` (1-D or 2-D,
    non-negative weights), with or without replacement, as ``torch.multinomial``."""
    weights = np.asarray(data_of(input), dtype=np.float64)
    if weights.ndim not in (1, 2):
        raise ValueError(f"multinomial: input must be 1-D or 2-D, got shape {weights.shape}")
    rows = np.atleast_2d(weights)
    if not np.all(np.isfinite(rows)) or np.any(rows < 0):
        raise ValueError("multinomial: weights must be finite and non-negative")
    if np.any(rows.sum(axis=1) <= 0):
        raise ValueError("multinomial: every row of weights must have a positive sum")
    if not replacement and num_samples > np.count_nonzero(rows, axis=1).min():
        raise ValueError(f"multinomial: cannot draw {num_samples} samples without replacement from "
                         f"{np.count_nonzero(rows, axis=1).min()} categories of non-zero weight")
    rng = _rng(generator)
    out = np.stack([rng.choice(len(w), size=num_samples, replace=replacement, p=w / w.sum()) for w in rows])
    return Tensor(out.astype(np.int64) if weights.ndim == 2 else out[0].astype(np.int64))


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Normal samples with (broadcast) ``mean`` and ``std`` (numbers or tensors), or of ``size``."""
    m, s = (np.asarray(data_of(v)) for v in (mean, std))
    if np.any(s < 0):
        raise ValueError("normal: std must be non-negative")
    if dtype is None:  # a floating tensor argument's dtype, else the default
        dtype = next((v.dtype for v in (mean, std) if isinstance(v, Tensor) and v.dtype.kind == "f"),
                     get_default_dtype())
    shape = np.broadcast_shapes(m.shape, s.shape) if size is None else _shape((size,))
    sample = m + s * _rng(generator).standard_normal(shape)
    return _make(np.asarray(sample).astype(dtype), requires_grad, device)


def _like(x, dtype):
    data = np.asarray(data_of(x))
    return data.shape, (np.dtype(dtype) if dtype is not None else data.dtype)


def zeros_like(input, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Zeros with ``input``'s shape and dtype."""
    shape, dtype = _like(input, dtype)
    return _make(np.zeros(shape, dtype), requires_grad, device)


def ones_like(input, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Ones with ``input``'s shape and dtype."""
    shape, dtype = _like(input, dtype)
    return _make(np.ones(shape, dtype), requires_grad, device)


def empty_like(input, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An uninitialized tensor with ``input``'s shape and dtype."""
    shape, dtype = _like(input, dtype)
    return _make(np.empty(shape, dtype), requires_grad, device)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` with ``input``'s shape and dtype."""
    shape, dtype = _like(input, dtype)
    return _make(np.full(shape, fill_value, dtype), requires_grad, device)


def rand_like(input, *, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples on ``[0, 1)`` with ``input``'s shape and dtype."""
    shape, dtype = _like(input, dtype)
    return _make(_rng(generator).random(shape).astype(dtype), requires_grad, device)


def randn_like(input, *, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples with ``input``'s shape and dtype."""
    shape, dtype = _like(input, dtype)
    return _make(_rng(generator).standard_normal(shape).astype(dtype), requires_grad, device)


def randint_like(input, low: int = 0, high=None, *, generator=None, dtype=None, device=None,
                 requires_grad: bool = False) -> Tensor:
    """Integers uniform on ``[low, high)`` with ``input``'s shape (``randint_like(x, high)`` too)."""
    shape, dtype = _like(input, dtype)
    if high is None:
        low, high = 0, low
    return _make(_rng(generator).integers(low, high, size=shape).astype(dtype), requires_grad, device)

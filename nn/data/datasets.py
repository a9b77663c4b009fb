"""Datasets: scikit-learn's bundled 8x8 digits, MNIST from the IDX files a user has, and synthetic 2-D/1-D problems.

Each returns numpy arrays ``(x, y)`` (inputs in the default float dtype, class labels int64),
ready for ``train_dev_test_split`` and ``nn.fit``. The IDX reader validates the header against
the file's size before reading the data, so a truncated or crafted file raises a ``ValueError``
naming it instead of allocating what its header claims.
"""
from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path
from typing import Any, Callable

import numpy as np

import autograd_core as ag

from .preprocessing import rng

__all__ = ["load_digits", "load_mnist", "read_idx", "make_xor", "make_spirals", "make_moons", "make_regression_1d"]

# IDX type codes (the third magic byte) and their big-endian numpy dtypes.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_MAX_IDX_BYTES = 1 << 34  # 16 GiB: the most a gzipped IDX header may promise before its data is read


def _float(x: np.ndarray) -> np.ndarray:
    return x.astype(ag.get_default_dtype())


def load_digits(as_images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 handwritten 8x8 digits scikit-learn ships: ``x`` of shape ``(1797, 64)`` (or ``(1797, 1, 8, 8)``
    with ``as_images``), pixel values 0..16, and labels 0..9."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError as e:  # pragma: no cover - scikit-learn is a declared dependency
        raise ImportError("load_digits needs scikit-learn (pip install scikit-learn)") from e
    bunch = sklearn_digits()
    x = _float(bunch.data)
    return (x.reshape(-1, 1, 8, 8) if as_images else x), bunch.target.astype(np.int64)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (optionally gzipped) into an array; any malformed file raises ``ValueError`` naming it."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            header = f.read(4)
            if len(header) < 4 or header[:2] != b"\0\0" or header[2] not in _IDX_TYPES or header[3] == 0:
                raise ValueError("bad magic number (expected 0x00 0x00, a type code and a dimension count)")
            dims_bytes = f.read(4 * header[3])
            if len(dims_bytes) < 4 * header[3]:
                raise ValueError("truncated header")
            shape = tuple(int(d) for d in np.frombuffer(dims_bytes, ">u4"))
            dtype = np.dtype(_IDX_TYPES[header[2]])
            expected = math.prod(shape) * dtype.itemsize
            available = os.path.getsize(path) - 4 - 4 * header[3] if opener is open else _MAX_IDX_BYTES
            if expected > available:
                raise ValueError(f"header {shape} promises {expected} data bytes, more than the file holds")
            data = f.read(expected + 1)  # one byte more than the header promises reveals trailing garbage
    except (OSError, EOFError, zlib.error) as e:
        if isinstance(e, FileNotFoundError):
            raise
        raise ValueError(f"{path}: not a readable IDX file ({e})") from e
    except ValueError as e:
        raise ValueError(f"{path}: not a valid IDX file: {e}") from e
    if len(data) != expected:
        raise ValueError(f"{path}: not a valid IDX file: header {shape} promises {expected} data bytes, "
                         f"found {'more' if len(data) > expected else len(data)}")
    return np.frombuffer(data, dtype).astype(dtype.newbyteorder("="), copy=False).reshape(shape)


def _idx_file(folder: Path, prefix: str, kind: str, rank: int) -> Path:
    """The MNIST file for ``prefix`` (train/t10k) and ``kind`` (images/labels) under its usual spellings."""
    names = [f"{prefix}-{kind}-idx{rank}-ubyte", f"{prefix}-{kind}.idx{rank}-ubyte"]
    for name in names:
        for candidate in (folder / name, folder / f"{name}.gz"):
            if candidate.exists():
                return candidate
    raise FileNotFoundError(f"load_mnist: no {names[0]}[.gz] in {folder}")


def load_mnist(path: str | os.PathLike, train: bool = True, as_images: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """MNIST from the standard IDX files in folder ``path`` (``train-*`` or, with ``train=False``, ``t10k-*``).

    Images are scaled to [0, 1], shape ``(N, 1, 28, 28)`` (``(N, 784)`` unless ``as_images``);
    labels are int64. Nothing is downloaded.
    """
    folder, prefix = Path(path), "train" if train else "t10k"
    images = read_idx(_idx_file(folder, prefix, "images", 3))
    labels = read_idx(_idx_file(folder, prefix, "labels", 1))
    if images.ndim != 3:
        raise ValueError(f"{folder}: the {prefix} images file holds shape {images.shape}, expected (N, rows, cols)")
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(f"{folder}: {len(images)} {prefix} images but labels of shape {labels.shape}")
    x = _float(images) / 255.0
    x = x[:, None] if as_images else x.reshape(len(x), -1)
    return x, labels.astype(np.int64)


def make_xor(n_samples: int = 200, noise: float = 0.0, seed: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in [-1, 1]^2 labelled 1 where the two coordinates differ in sign (not linearly separable)."""
    g = rng(seed)
    x = g.uniform(-1, 1, (n_samples, 2))
    y = (np.sign(x[:, 0]) != np.sign(x[:, 1])).astype(np.int64)
    return _float(x + g.normal(0, noise, x.shape)), y


def make_spirals(n_samples: int = 300, n_classes: int = 3, noise: float = 0.2,
                 seed: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """``n_classes`` interleaved spiral arms in the plane, ``n_samples // n_classes`` points each."""
    g = rng(seed)
    per = n_samples // n_classes
    radius = np.tile(np.linspace(0.0, 1.0, per), n_classes)
    label = np.repeat(np.arange(n_classes), per)
    angle = label * (2 * np.pi / n_classes) + 4 * radius + g.normal(0, noise, per * n_classes)
    x = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return _float(x), label.astype(np.int64)


def make_moons(n_samples: int = 200, noise: float = 0.1, seed: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (labels 0 and 1) with Gaussian noise of standard deviation ``noise``."""
    g = rng(seed)
    n_top = n_samples // 2
    t = np.pi * g.random(n_samples)
    label = (np.arange(n_samples) >= n_top).astype(np.int64)
    top = np.stack([np.cos(t), np.sin(t)], axis=1)
    bottom = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    x = np.where(label[:, None] == 0, top, bottom) + g.normal(0, noise, (n_samples, 2))
    order = g.permutation(n_samples)
    return _float(x[order]), label[order]


def make_regression_1d(func: Callable[[np.ndarray], np.ndarray], n_samples: int = 100,
                       x_range: tuple[float, float] = (-2.0, 2.0), noise: float = 0.0,
                       seed: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Inputs uniform in ``x_range`` (sorted, shape ``(n, 1)``) and targets ``func(x)`` plus Gaussian noise."""
    g = rng(seed)
    x = _float(np.sort(g.uniform(*x_range, n_samples))[:, None])
    y = np.asarray(func(x), dtype=np.float64).reshape(n_samples, 1)
    return x, _float(y + g.normal(0, noise, y.shape))

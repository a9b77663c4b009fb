"""Random image augmentations on NCHW batches, each sample drawn independently, vectorized over the batch.

They are ``Module``s that act only in training mode (identity in ``eval()``), so they can sit
first in a model trained by ``nn.fit``; like ``Dropout`` they are marked ``is_random`` so
``gradcheck_module`` refuses while they are active. Every pixel move is one fancy index
through the engine (no Python loop per sample), drawn from ``generator`` or the global one.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.utils.checks import ntuple
from autograd_core.utils.data.dataset import numpy_generator

from ..module import Module

__all__ = ["RandomHorizontalFlip", "RandomCrop", "RandomRotation"]


def _images(x: Any, layer: str) -> Tensor:
    x = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
    if x.ndim != 4:
        raise ValueError(f"{layer} expects an NCHW batch (4 dims), got shape {x.shape}")
    return x


def _pick(x: Tensor, rows: np.ndarray, cols: np.ndarray) -> Tensor:
    """Per-sample gather ``out[n, c, i, j] = x[n, c, rows[n, i, j], cols[n, i, j]]``."""
    n = np.arange(x.shape[0])[:, None, None]
    return ag.permute(x[n, :, rows, cols], 0, 3, 1, 2)  # advanced indices first: (N, H, W, C) -> NCHW


class _RandomLayer(Module):
    is_random = True  # gradcheck_module refuses while a random layer is training

    def __init__(self, generator: Any = None) -> None:
        super().__init__()
        numpy_generator(generator)
        self.generator = generator

    def _rng(self) -> np.random.Generator:
        return numpy_generator(self.generator)


class RandomHorizontalFlip(_RandomLayer):
    """Mirror each image left-right with probability ``p`` (training mode only)."""

    def __init__(self, p: float = 0.5, generator: Any = None) -> None:
        super().__init__(generator)
        if not 0 <= p <= 1:
            raise ValueError(f"RandomHorizontalFlip: p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        x = _images(x, "RandomHorizontalFlip")
        if not self.training:
            return x
        flip = self._rng().random(x.shape[0]) < self.p
        return ag.where(Tensor(flip[:, None, None, None]), ag.flip(x, dims=(3,)), x)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class RandomCrop(_RandomLayer):
    """Zero-pad each side by ``padding`` and cut a random ``size`` window from each image (training mode only)."""

    def __init__(self, size: int | Sequence[int], padding: int | Sequence[int] = 0, generator: Any = None) -> None:
        super().__init__(generator)
        self.size = ntuple(size, 2, "RandomCrop size")
        self.padding = ntuple(padding, 2, "RandomCrop padding", minimum=0)

    def forward(self, x: Tensor) -> Tensor:
        x = _images(x, "RandomCrop")
        if not self.training:
            return x
        (h, w), (ph, pw) = self.size, self.padding
        if ph or pw:
            x = ag.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        height, width = x.shape[2:]
        if h > height or w > width:
            raise ValueError(f"RandomCrop size {self.size} is larger than the padded image {(height, width)}")
        g, n = self._rng(), x.shape[0]
        top = g.integers(0, height - h + 1, n)
        left = g.integers(0, width - w + 1, n)
        rows = (top[:, None] + np.arange(h))[:, :, None]
        cols = (left[:, None] + np.arange(w))[:, None, :]
        return _pick(x, np.broadcast_to(rows, (n, h, w)), np.broadcast_to(cols, (n, h, w)))

    def extra_repr(self) -> str:
        return f"size={self.size}, padding={self.padding}"


class RandomRotation(_RandomLayer):
    """Rotate each image counter-clockwise about its centre by an angle uniform in ``degrees``.

    ``degrees`` is ``d`` (meaning ``(-d, d)``) or a ``(low, high)`` pair. Nearest-neighbour
    sampling (torchvision's default); pixels that come from outside the image get ``fill``.
    """

    def __init__(self, degrees: float | Sequence[float], fill: float = 0.0, generator: Any = None) -> None:
        super().__init__(generator)
        if isinstance(degrees, (int, float, np.number)):
            if degrees < 0:
                raise ValueError(f"RandomRotation: a single degrees value must be non-negative, got {degrees}")
            degrees = (-float(degrees), float(degrees))
        self.degrees = tuple(float(d) for d in degrees)
        if len(self.degrees) != 2 or self.degrees[0] > self.degrees[1]:
            raise ValueError(f"RandomRotation: degrees must be a number or a (low, high) pair, got {degrees!r}")
        self.fill = fill

    def forward(self, x: Tensor) -> Tensor:
        x = _images(x, "RandomRotation")
        if not self.training:
            return x
        n, _, height, width = x.shape
        theta = np.deg2rad(self._rng().uniform(*self.degrees, n))[:, None, None]
        cy, cx = (height - 1) / 2, (width - 1) / 2
        # Output pixel (u, v) relative to the centre, y pointing up, reads the source at R(-θ)(u, v).
        i, j = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
        u, v = j - cx, cy - i
        cos, sin = np.cos(theta), np.sin(theta)
        src_j = np.rint(cos * u + sin * v + cx).astype(np.int64)
        src_i = np.rint(cy - (cos * v - sin * u)).astype(np.int64)
        inside = (src_i >= 0) & (src_i < height) & (src_j >= 0) & (src_j < width)
        picked = _pick(x, np.clip(src_i, 0, height - 1), np.clip(src_j, 0, width - 1))
        return ag.where(Tensor(inside[:, None]), picked, Tensor(np.asarray(self.fill, x.dtype)))

    def extra_repr(self) -> str:
        return f"degrees={self.degrees}, fill={self.fill}"

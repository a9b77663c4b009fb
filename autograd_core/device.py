"""Devices: the engine runs on numpy, so ``"cpu"`` is the only one.

``device("cpu")``, ``"cpu"`` strings and ``device=`` arguments are accepted everywhere PyTorch
takes them, so a program written for PyTorch runs unchanged; asking for ``"cuda"`` (or any
other accelerator) raises an error saying so instead of silently running elsewhere.
``cuda.is_available()`` answers False, for the usual ``"cuda" if ... else "cpu"`` idiom.
"""
from __future__ import annotations

from types import SimpleNamespace

_ACCELERATORS = ("cuda", "mps", "xpu", "hip", "meta", "xla", "vulkan", "ipu", "hpu", "mtia")


class device:
    """A device: always the CPU (``device("cpu")``, ``device("cpu", 0)``); others raise."""

    __slots__ = ("type", "index")

    def __init__(self, type: "str | device" = "cpu", index: int | None = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device() expects a string such as 'cpu', got {type!r}")
        kind, _, number = type.partition(":")
        if kind != "cpu":
            raise RuntimeError(f"device {type!r} is not available: autograd_core runs on numpy, on the CPU only; "
                               "use device='cpu' (or leave device= out)")
        self.type = "cpu"
        self.index = int(number) if number else index

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            return other.partition(":")[0] == "cpu"
        return isinstance(other, device)

    def __hash__(self) -> int:
        return hash("cpu")

    def __repr__(self) -> str:
        return "device(type='cpu')" if self.index is None else f"device(type='cpu', index={self.index})"

    def __str__(self) -> str:
        return "cpu" if self.index is None else f"cpu:{self.index}"


CPU = device("cpu")


def is_device_spec(value) -> bool:
    """True for what ``Tensor.to``/``Module.to`` should read as a device rather than a dtype."""
    return isinstance(value, device) or (
        isinstance(value, str) and value.partition(":")[0] in ("cpu",) + _ACCELERATORS)


def check_device(value) -> None:
    """Accept ``None``, ``"cpu"`` or a ``device``; raise the CPU-only error for anything else."""
    if value is not None:
        device(value)


cuda = SimpleNamespace(is_available=lambda: False, device_count=lambda: 0,
                       manual_seed=lambda seed: None, manual_seed_all=lambda seed: None)
cuda.__doc__ = "PyTorch's ``torch.cuda`` queries, answered for a CPU-only engine (nothing is available)."

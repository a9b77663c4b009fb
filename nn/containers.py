"""Containers that hold sub-modules: ``Sequential``, ``ModuleList`` and ``ModuleDict``.

Their children are registered under their position (``"0"``, ``"1"``, ...) or key, which
gives PyTorch's ``state_dict`` names such as ``0.weight``.
"""
from __future__ import annotations

import operator
from typing import Iterable, Iterator, Mapping

from .module import Module


class ModuleList(Module):
    """A list of sub-modules, registered under their index; supports indexing, ``len``, iteration, ``append``."""

    def __init__(self, modules: Iterable[Module] = ()) -> None:
        super().__init__()
        for m in modules:
            self.append(m)

    def _key(self, idx: int) -> str:
        """The registration name of the module at position ``idx`` (negative counts from the end)."""
        keys = list(self._modules)
        try:
            idx = operator.index(idx)
        except TypeError:
            raise TypeError(f"{type(self).__name__} index must be an int or a slice, got {type(idx).__name__} "
                            f"{idx!r}") from None
        if not -len(keys) <= idx < len(keys):
            raise IndexError(f"index {idx} is out of range for {type(self).__name__} of length {len(keys)}")
        return keys[idx]

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ModuleList(list(self._modules.values())[idx])
        return self._modules[self._key(idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        self.add_module(self._key(idx), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self._modules)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append each of ``modules``; returns self."""
        for m in modules:
            self.append(m)
        return self


class Sequential(ModuleList):
    """Runs its sub-modules in order, each on the previous one's output."""

    def __init__(self, *modules: Module) -> None:
        if len(modules) == 1 and isinstance(modules[0], Mapping):
            super().__init__()
            for k, m in modules[0].items():
                self.add_module(k, m)
        else:
            super().__init__(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):  # PyTorch keeps the children's names: s[1:] has keys "1", "2", ...
            return Sequential(dict(list(self._modules.items())[idx]))
        return super().__getitem__(idx)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x


class ModuleDict(Module):
    """An ordered mapping of names to sub-modules."""

    def __init__(self, modules: Mapping[str, Module] | None = None) -> None:
        super().__init__()
        for k, m in (modules or {}).items():
            self.add_module(k, m)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def keys(self):
        """The names, in insertion order."""
        return self._modules.keys()

    def values(self):
        """The modules, in insertion order."""
        return self._modules.values()

    def items(self):
        """``(name, module)`` pairs, in insertion order."""
        return self._modules.items()

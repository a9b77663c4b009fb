"""Checkpoints without pickle: ``save(obj, path)`` / ``load(path)`` for nested state.

A checkpoint is a numpy ``.npz`` archive. Every array (ndarray, Tensor or numpy scalar) is one
entry, named after its path in the structure (``model/0.weight``); the entry ``__manifest__``
holds JSON describing the whole structure. Because JSON cannot tell ``1`` from ``"1"`` as a
dict key nor a tuple from a list, the manifest tags every value and key with its type, so
optimizer states keyed by integers and ``betas`` tuples come back exactly. Loading uses
``allow_pickle=False`` and never executes code. Writing goes to a temporary file in the
target's directory and is moved over ``path`` with ``os.replace``, so a failed save leaves the
previous checkpoint intact.
"""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
from typing import Any

import numpy as np

from autograd_core import Tensor

__all__ = ["save", "load"]

_FORMAT = "autograd_core.nn.checkpoint"
_VERSION = 1
_MANIFEST = "__manifest__"


class _Encoder:
    """Turns a nested object into a JSON-able tagged tree plus a dict of named arrays."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def _store(self, array: np.ndarray, where: str) -> str:
        if array.dtype.hasobject:
            raise TypeError(f"cannot save an object array at '{where}' (it would need pickle)")
        name = where or "root"
        key, n = name, 1
        while key in self.arrays or key == _MANIFEST:
            key, n = f"{name}~{n}", n + 1
        self.arrays[key] = array
        return key

    def encode(self, obj: Any, where: str) -> dict:
        # bool before int: bool is a subclass of int.
        if obj is None:
            return {"t": "none"}
        if isinstance(obj, (bool, str)):
            return {"t": type(obj).__name__, "v": obj}
        if isinstance(obj, int):
            return {"t": "int", "v": obj}
        if isinstance(obj, float):
            return {"t": "float", "v": obj}
        if isinstance(obj, Tensor):
            return {"t": "tensor", "k": self._store(obj.data, where), "requires_grad": obj.requires_grad}
        if isinstance(obj, (np.ndarray, np.generic)):
            return {"t": "array" if isinstance(obj, np.ndarray) else "scalar", "k": self._store(np.asarray(obj), where)}
        if isinstance(obj, (list, tuple)):
            return {"t": type(obj).__name__, "v": [self.encode(v, f"{where}/{i}") for i, v in enumerate(obj)]}
        if isinstance(obj, dict):
            return {"t": "dict", "v": [[self._key(k, where), self.encode(v, f"{where}/{k}" if where else str(k))]
                                       for k, v in obj.items()]}
        raise TypeError(f"cannot save {type(obj).__name__} at '{where or '<root>'}': checkpoints hold dicts, lists, "
                        "tuples, arrays, Tensors, numbers, strings, bools and None")

    def _key(self, key: Any, where: str) -> dict:
        if key is None or isinstance(key, (bool, int, float, str)) or (
                isinstance(key, tuple) and all(k is None or isinstance(k, (bool, int, float, str)) for k in key)):
            return self.encode(key, where)
        raise TypeError(f"cannot save dict key {key!r} of type {type(key).__name__} at '{where or '<root>'}'")


def _decode(tree: dict, arrays) -> Any:
    kind = tree["t"]
    if kind == "none":
        return None
    if kind in ("bool", "int", "float", "str"):
        return tree["v"]
    if kind in ("array", "scalar", "tensor"):
        array = arrays[tree["k"]]
        if kind == "scalar":
            return array[()]
        return Tensor(array, requires_grad=tree["requires_grad"]) if kind == "tensor" else array
    if kind in ("list", "tuple"):
        items = [_decode(v, arrays) for v in tree["v"]]
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        return {_decode(k, arrays): _decode(v, arrays) for k, v in tree["v"]}
    raise ValueError(f"unknown entry type {kind!r}")


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` (nested dicts/lists/tuples of arrays, Tensors, numbers, strings, bools, None) to ``path``.

    The file is written exactly at ``path`` (no suffix is added), atomically.
    """
    encoder = _Encoder()
    tree = encoder.encode(obj, "")
    manifest = json.dumps({"format": _FORMAT, "version": _VERSION, "root": tree})
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot save checkpoint '{path}': directory '{directory}' does not exist")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **{_MANIFEST: np.array(manifest)}, **encoder.arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(path: str | os.PathLike) -> Any:
    """Read a checkpoint written by ``save``; a truncated, corrupt or foreign file raises ``ValueError``."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no checkpoint at '{path}'")
    with open(path, "rb") as f:
        if f.read(4) != b"PK\x03\x04":  # every .npz is a zip archive
            raise ValueError(f"cannot load checkpoint '{path}': it is not an .npz archive written by nn.save")
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError("it is a bare .npy array, not a checkpoint written by nn.save")
        with archive:
            if _MANIFEST not in archive.files:
                raise ValueError("it is not a checkpoint written by nn.save (no manifest)")
            manifest = json.loads(str(archive[_MANIFEST]))
            if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT:
                raise ValueError("its manifest is not an nn.save manifest")
            if manifest.get("version") != _VERSION:
                raise ValueError(f"unsupported checkpoint version {manifest.get('version')!r}")
            arrays = {k: archive[k] for k in archive.files if k != _MANIFEST}
        return _decode(manifest["root"], arrays)
    except (ValueError, KeyError, TypeError, OSError, EOFError, zipfile.BadZipFile, json.JSONDecodeError) as e:
        raise ValueError(f"cannot load checkpoint '{path}': {e}") from e

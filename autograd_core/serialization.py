"""Checkpoints without pickle: ``save(obj, f)`` / ``load(f)`` for nested state, ``f`` a path or a binary file.

A checkpoint is a numpy ``.npz`` archive (a zip of ``.npy`` members, stored uncompressed). Every
array (ndarray, Tensor or numpy scalar) is one member named after its path in the structure
(``model/0.weight``); the member ``__manifest__`` holds JSON describing the whole structure, with
every value and dict key tagged by type, so integer keys and tuples come back exactly. Loading
never unpickles and trusts nothing in the file: the zip entries, the ``.npy`` headers and the
manifest are validated (sizes against the bytes really present, before anything is allocated;
nesting depth bounded before JSON parsing), and every problem becomes a ``ValueError`` naming the
file. A save to a path writes a temporary file beside it and moves it over the target with
``os.replace``, so a failed save leaves the previous checkpoint intact; the target keeps its
permissions, and temporary files left by interrupted earlier saves of the same path are removed.
"""
from __future__ import annotations

import io
import json
import math
import os
import re
import secrets
import stat
import struct
import threading
import tokenize
import zipfile
import zlib
from typing import Any, BinaryIO, Union

import numpy as np

from .tensor import Tensor

__all__ = ["save", "load"]

_FORMAT = "autograd_core.nn.checkpoint"
_VERSION = 1
_MANIFEST = "__manifest__"
_MAX_DEPTH = 100  # nesting levels of saved structures; each costs at most 3 JSON levels in the manifest
_SAFE_KINDS = "biufcUSmM"  # dtype kinds that need no pickle and carry no Python objects
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError,
               struct.error, zlib.error, UnicodeDecodeError, OverflowError, KeyError, IndexError, TypeError,
               ValueError, RecursionError, SyntaxError, tokenize.TokenError)  # the last two: numpy's header parser

FileLike = Union[str, os.PathLike, BinaryIO]


# ----------------------------------------------------------------------------- encoding
class _Encoder:
    """Turns a nested object into a JSON-able tagged tree plus a dict of uniquely named arrays."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def _store(self, array: np.ndarray, where: str) -> str:
        if array.dtype.kind not in _SAFE_KINDS:
            raise TypeError(f"cannot save an array of dtype {array.dtype} at '{where or '<root>'}': only numeric, "
                            "bool, string and datetime arrays are stored (object and structured arrays would "
                            "need pickle)")
        name = where or "root"
        key, n = name, 1
        while key in self.arrays or key == _MANIFEST:
            key, n = f"{name}~{n}", n + 1
        self.arrays[key] = array
        return key

    def encode(self, obj: Any, where: str, depth: int = 0) -> dict:
        if depth > _MAX_DEPTH:
            raise ValueError(f"cannot save: the structure is nested deeper than {_MAX_DEPTH} levels at '{where}'")
        # bool before int: bool is a subclass of int.
        if obj is None:
            return {"t": "none"}
        if isinstance(obj, (bool, str)):
            return {"t": type(obj).__name__, "v": obj}
        if isinstance(obj, int):
            return {"t": "int", "v": int(obj)}
        if isinstance(obj, float):
            return {"t": "float", "v": float(obj)}
        if isinstance(obj, Tensor):
            return {"t": "tensor", "k": self._store(obj.data, where), "requires_grad": obj.requires_grad}
        if isinstance(obj, (np.ndarray, np.generic)):
            return {"t": "array" if isinstance(obj, np.ndarray) else "scalar", "k": self._store(np.asarray(obj), where)}
        if isinstance(obj, (list, tuple)):
            return {"t": "tuple" if isinstance(obj, tuple) else "list",
                    "v": [self.encode(v, f"{where}/{i}", depth + 1) for i, v in enumerate(obj)]}
        if isinstance(obj, dict):
            return {"t": "dict", "v": [[self._key(k, where), self.encode(v, f"{where}/{k}" if where else str(k),
                                                                         depth + 1)] for k, v in obj.items()]}
        raise TypeError(f"cannot save {type(obj).__name__} at '{where or '<root>'}': checkpoints hold dicts, lists, "
                        "tuples, arrays, Tensors, numbers, strings, bools and None")

    def _key(self, key: Any, where: str) -> dict:
        if key is None or isinstance(key, (bool, int, float, str)) or (
                isinstance(key, tuple) and all(k is None or isinstance(k, (bool, int, float, str)) for k in key)):
            return self.encode(key, where)
        raise TypeError(f"cannot save dict key {key!r} of type {type(key).__name__} at '{where or '<root>'}'")


def _describe(f: Any) -> str:
    """How error messages name the checkpoint: the path, or the file object's repr."""
    return f"'{os.fspath(f)}'" if isinstance(f, (str, os.PathLike)) else repr(f)


def save(obj: Any, f: FileLike) -> None:
    """Write ``obj`` (nested dicts/lists/tuples of arrays, Tensors, numbers, strings, bools, None) to ``f``.

    ``f`` is a path (written exactly there, atomically, keeping an existing file's permissions)
    or a binary file object opened for writing (written at its current position, left open).
    """
    encoder = _Encoder()
    tree = encoder.encode(obj, "")
    members = {_MANIFEST: np.array(json.dumps({"format": _FORMAT, "version": _VERSION, "root": tree})),
               **encoder.arrays}
    if not isinstance(f, (str, os.PathLike)):
        if isinstance(f, io.TextIOBase) or not callable(getattr(f, "write", None)):
            raise TypeError(f"save: f must be a path or a binary file object opened for writing, got {f!r}")
        np.savez(f, **members)
        return
    _atomic_write(os.fspath(f), lambda out: np.savez(out, **members))


_active_temps: set[str] = set()  # temporary files this process is writing right now
_active_lock = threading.Lock()


def _atomic_write(path: str, write) -> None:
    """Run ``write(file)`` on a fresh temporary file beside ``path``, then move it over ``path``."""
    target = os.path.realpath(path)  # through a symlink, replace the file it points to, not the link
    directory, base = os.path.split(target)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot save checkpoint '{path}': directory '{directory}' does not exist")
    _remove_stale_temps(directory, base)
    tmp = os.path.join(directory, f".{base}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
    with _active_lock:
        _active_temps.add(tmp)
    try:
        # A new file gets 0o666 minus the umask, as open() would; an existing one keeps its mode.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as out:
            try:
                os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
            except FileNotFoundError:
                pass
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    finally:
        with _active_lock:
            _active_temps.discard(tmp)
    _fsync_directory(directory)


def _remove_stale_temps(directory: str, base: str) -> None:
    """Delete temporary files of earlier saves of ``base`` whose writer is gone (crashed or killed)."""
    pattern = re.compile(rf"\.{re.escape(base)}\.(\d+)\.[0-9a-f]+\.tmp")
    for entry in os.listdir(directory):
        match = pattern.fullmatch(entry)
        if match is None:
            continue
        tmp, pid = os.path.join(directory, entry), int(match.group(1))
        with _active_lock:
            busy = tmp in _active_temps if pid == os.getpid() else _alive(pid)
        if not busy:
            try:
                os.remove(tmp)
            except FileNotFoundError:
                pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _fsync_directory(directory: str) -> None:
    """Make the rename durable (POSIX); silently skipped where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ----------------------------------------------------------------------------- loading
def load(f: FileLike) -> Any:
    """Read a checkpoint written by ``save`` from a path or a binary file object.

    A truncated, corrupt, crafted or foreign file raises ``ValueError`` naming the file; nothing
    in the file is executed, and memory is bounded by the file's real size.
    """
    name = _describe(f)
    if isinstance(f, (str, os.PathLike)):
        if not os.path.exists(f):
            raise FileNotFoundError(f"no checkpoint at {name}")
        with open(f, "rb") as stream:
            return _load_stream(stream, name)
    if isinstance(f, io.TextIOBase) or not callable(getattr(f, "read", None)):
        raise TypeError(f"load: f must be a path or a binary file object opened for reading, got {f!r}")
    if not (callable(getattr(f, "seekable", None)) and f.seekable()):
        f = io.BytesIO(f.read())  # zip needs random access
    return _load_stream(f, name)


def _load_stream(stream: BinaryIO, name: str) -> Any:
    start = stream.tell()
    magic = stream.read(4)
    if not isinstance(magic, bytes):
        raise TypeError(f"load: f must be a binary file object, got {name}")
    try:
        if magic != b"PK\x03\x04":
            raise ValueError("it is not an .npz archive written by save (no zip signature)")
        end = stream.seek(0, io.SEEK_END)
        stream.seek(start)
        with zipfile.ZipFile(stream) as archive:
            reader = _Reader(archive, end)
            return _decode(reader.manifest()["root"], reader, "", 0)
    except _ZIP_ERRORS as e:
        raise ValueError(f"cannot load checkpoint {name}: {e}") from None


class _Reader:
    """Validated access to the members of an opened archive whose stream ends at offset ``end``."""

    def __init__(self, archive: zipfile.ZipFile, end: int) -> None:
        self.archive, self.used = archive, set()
        self.members = {}
        for info in archive.infolist():
            if info.flag_bits & 0x61:  # 0x1 encrypted, 0x20 patched data, 0x40 strong encryption
                raise ValueError(f"member '{info.filename}' is encrypted or patched (flags {info.flag_bits:#x})")
            if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
                raise ValueError(f"member '{info.filename}' is compressed; save writes stored members only")
            if info.header_offset + 30 + info.compress_size > end:
                raise ValueError(f"member '{info.filename}' claims {info.file_size} bytes beyond the end of the file")
            if not info.filename.endswith(".npy"):
                raise ValueError(f"member '{info.filename}' is not an .npy array")
            self.members[info.filename[:-4]] = info

    def array(self, key: Any) -> np.ndarray:
        """The array stored as member ``key``, read after checking its header against its real size."""
        if not isinstance(key, str) or key not in self.members:
            raise ValueError(f"the manifest refers to a missing array member {key!r}")
        if key in self.used:
            raise ValueError(f"the manifest refers to array member {key!r} twice")
        self.used.add(key)
        info = self.members[key]
        with self.archive.open(info) as member:
            try:
                version = np.lib.format.read_magic(member)
                if version not in ((1, 0), (2, 0)):
                    raise ValueError(f"unsupported .npy format version {version}")
                read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                    np.lib.format.read_array_header_2_0
                shape, fortran, dtype = read_header(member)
            except _ZIP_ERRORS as e:
                raise ValueError(f"member '{key}' has no valid .npy header: {e}") from None
            if dtype.kind not in _SAFE_KINDS:
                raise ValueError(f"member '{key}' holds dtype {dtype}, which would need pickle")
            if any(n < 0 for n in shape):
                raise ValueError(f"member '{key}' declares a negative shape {shape}")
            declared, present = math.prod(shape) * dtype.itemsize, info.file_size - member.tell()
            if declared != present:
                raise ValueError(f"member '{key}' declares shape {shape} of {dtype} ({declared} bytes) but holds "
                                 f"{present} bytes")
            buffer = bytearray(declared)
            if member.readinto(buffer) != declared or member.read(1):
                raise ValueError(f"member '{key}' is truncated")
        if dtype.itemsize == 0:
            return np.empty(shape, dtype)
        return np.frombuffer(buffer, dtype).reshape(shape, order="F" if fortran else "C")

    def manifest(self) -> dict:
        """The parsed, format-checked manifest."""
        if _MANIFEST not in self.members:
            raise ValueError("it is not a checkpoint written by save (no manifest)")
        array = self.array(_MANIFEST)
        if array.dtype.kind != "U" or array.ndim != 0:
            raise ValueError("its manifest is not a JSON string")
        text = str(array[()])
        _check_nesting(text)
        manifest = json.loads(text)
        if not isinstance(manifest, dict) or manifest.get("format") != _FORMAT or "root" not in manifest:
            raise ValueError("its manifest is not a checkpoint manifest")
        if manifest.get("version") != _VERSION:
            raise ValueError(f"unsupported checkpoint version {manifest.get('version')!r}")
        return manifest


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def _check_nesting(text: str) -> None:
    """Refuse JSON nested deeper than any saved structure can be, before parsing it (bounded recursion)."""
    codes = np.frombuffer(_JSON_STRING.sub('""', text).encode("utf-8", "replace"), np.uint8)
    opens = (codes == ord("[")) | (codes == ord("{"))
    closes = (codes == ord("]")) | (codes == ord("}"))
    depth = np.cumsum(opens.astype(np.int64) - closes.astype(np.int64))
    if depth.size and int(depth.max()) > 3 * _MAX_DEPTH + 5:
        raise ValueError(f"its manifest is nested deeper than {_MAX_DEPTH} levels")


def _value(tree: dict, check, where: str) -> Any:
    """The node's ``v`` field, when ``check`` accepts it."""
    value = tree.get("v")
    if not check(value):
        raise ValueError(f"manifest entry at '{where or '<root>'}' has an invalid value {value!r:.60}")
    return value


def _is_key(key: Any) -> bool:
    """Dict keys save allows: None, bool, int, float, str, or a tuple of those."""
    scalar = (type(None), bool, int, float, str)
    return isinstance(key, scalar) or (isinstance(key, tuple) and all(isinstance(k, scalar) for k in key))


def _decode(tree: Any, reader: _Reader, where: str, depth: int) -> Any:
    """Rebuild the object described by a manifest node; every malformed node raises ``ValueError``."""
    if not isinstance(tree, dict) or not isinstance(tree.get("t"), str) or depth > 2 * _MAX_DEPTH:
        raise ValueError(f"malformed manifest entry at '{where or '<root>'}'")
    kind = tree["t"]
    if kind == "none":
        return None
    if kind == "bool":
        return _value(tree, lambda v: isinstance(v, bool), where)
    if kind == "str":
        return _value(tree, lambda v: isinstance(v, str), where)
    if kind == "int":
        return _value(tree, lambda v: type(v) is int, where)
    if kind == "float":
        return float(_value(tree, lambda v: type(v) in (int, float), where))
    if kind in ("array", "scalar", "tensor"):
        array = reader.array(tree.get("k"))
        if kind == "scalar":
            if array.ndim != 0:
                raise ValueError(f"manifest entry at '{where}' is a scalar but its array has shape {array.shape}")
            return array[()]
        if kind == "array":
            return array
        requires_grad = tree.get("requires_grad")
        if not isinstance(requires_grad, bool) or array.dtype.kind not in "biufc" or (
                requires_grad and array.dtype.kind != "f"):
            raise ValueError(f"manifest entry at '{where}' is a tensor of dtype {array.dtype} with "
                             f"requires_grad={requires_grad!r}")
        return Tensor(array, requires_grad=requires_grad)
    if kind in ("list", "tuple"):
        items = [_decode(v, reader, f"{where}/{i}", depth + 1)
                 for i, v in enumerate(_value(tree, lambda v: isinstance(v, list), where))]
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        out = {}
        for pair in _value(tree, lambda v: isinstance(v, list), where):
            if not isinstance(pair, list) or len(pair) != 2:
                raise ValueError(f"malformed dict item in the manifest at '{where or '<root>'}'")
            if not isinstance(pair[0], dict) or pair[0].get("t") in ("array", "scalar", "tensor"):
                raise ValueError(f"invalid dict key in the manifest at '{where or '<root>'}'")
            key = _decode(pair[0], reader, where, depth + 1)
            if not _is_key(key):
                raise ValueError(f"invalid dict key {key!r:.60} in the manifest at '{where or '<root>'}'")
            out[key] = _decode(pair[1], reader, f"{where}/{key}" if where else str(key), depth + 1)
        return out
    raise ValueError(f"unknown manifest entry type {kind!r:.60} at '{where or '<root>'}'")

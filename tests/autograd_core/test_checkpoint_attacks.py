"""Damaged, crafted and fuzzed checkpoints: every one raises ValueError naming the file, with bounded memory
and recursion, and nothing in the file is ever unpickled."""
import io
import json
import struct
import zipfile

import numpy as np
import pytest

import autograd_core as ag

MANIFEST = "__manifest__"


def _npy(array, allow_pickle=False) -> bytes:
    out = io.BytesIO()
    np.save(out, array, allow_pickle=allow_pickle)
    return out.getvalue()


def _manifest(root) -> bytes:
    return _npy(np.array(json.dumps({"format": "autograd_core.nn.checkpoint", "version": 1, "root": root})))


def _archive(members: dict, compression=zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def _valid() -> bytes:
    out = io.BytesIO()
    ag.save({"w": np.arange(6.0).reshape(2, 3), "t": ag.tensor([1.0, 2.0], requires_grad=True),
             "opt": {"state": {0: {"step": 3}}, "betas": (0.9, 0.999)}, "note": "ok"}, out)
    return out.getvalue()


def _expect_value_error(data: bytes, tmp_path, match=None):
    path = tmp_path / "crafted.ckpt"
    path.write_bytes(data)
    with pytest.raises(ValueError, match="cannot load checkpoint '.*crafted.ckpt'") as info:
        ag.load(path)
    if match:
        assert match in str(info.value), info.value
    buffer = io.BytesIO(data)
    with pytest.raises(ValueError, match="BytesIO"):
        ag.load(buffer)


def _patch_headers(data: bytes, offset_local: int, offset_central: int, fmt: str, value) -> bytes:
    """Overwrite one field in every local and central zip header."""
    data = bytearray(data)
    for sig, off in ((b"PK\x03\x04", offset_local), (b"PK\x01\x02", offset_central)):
        pos = data.find(sig)
        while pos >= 0:
            struct.pack_into(fmt, data, pos + off, value)
            pos = data.find(sig, pos + 4)
    return bytes(data)


@pytest.mark.parametrize("flag", [0x1, 0x20, 0x40, 0x41])
def test_zip_flag_tampering(tmp_path, flag):
    _expect_value_error(_patch_headers(_valid(), 6, 8, "<H", flag), tmp_path)


def test_zip_version_tampering(tmp_path):
    _expect_value_error(_patch_headers(_valid(), 4, 6, "<H", 99), tmp_path)


def test_compression_method_tampering(tmp_path):
    _expect_value_error(_patch_headers(_valid(), 8, 10, "<H", 8), tmp_path)  # claims deflate
    _expect_value_error(_patch_headers(_valid(), 8, 10, "<H", 99), tmp_path)  # unknown method


def test_compressed_archives_are_refused(tmp_path):
    data = _archive({f"{MANIFEST}.npy": _manifest({"t": "none"})}, zipfile.ZIP_DEFLATED)
    _expect_value_error(data, tmp_path, "compressed")


@pytest.mark.parametrize("header", [
    b"\x93NUMPY\x01\x00\x40\x00{'descr': '<f8', 'fortran_order': False, 'shape': (3,), ",  # unterminated
    b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f8'\n",  # missing keys
    b"\x93NUMPY\x01\x00\x20\x00" + b"[" * 31 + b"\n",  # not a dict
    b"\x93NUMPY\x09\x00\x10\x00" + b" " * 15 + b"\n",  # unknown version
    b"\x93NUMPY\x01\x00\xff\xff" + b"{" * 100,  # header length beyond the member
    b"\x93NUMP",  # truncated magic
    b"",
])
def test_malformed_npy_headers(tmp_path, header):
    data = _archive({f"{MANIFEST}.npy": _manifest({"t": "array", "k": "w"}), "w.npy": header})
    _expect_value_error(data, tmp_path, "'w'" if len(header) > 20 else None)


def test_absurd_declared_size_is_checked_before_allocating(tmp_path):
    header = _npy(np.zeros(1))  # a real member of 8 data bytes ...
    huge = header.replace(b"(1,)", b"(1000000000000,)".ljust(4))  # ... that declares 8 TB
    huge = huge[:10] + huge[10:].replace(b" " * 12, b"", 1)  # keep the header length unchanged
    assert len(huge) == len(header)
    data = _archive({f"{MANIFEST}.npy": _manifest({"t": "array", "k": "w"}), "w.npy": huge})
    _expect_value_error(data, tmp_path, "declares shape (1000000000000,)")


def test_manifest_nested_thousands_of_levels_deep(tmp_path):
    text = "[" * 100_000 + "]" * 100_000
    member = _npy(np.array(json.dumps({"format": "autograd_core.nn.checkpoint", "version": 1, "root": None})
                           [:-1] + ', "x": ' + text + "}"))
    _expect_value_error(_archive({f"{MANIFEST}.npy": member}), tmp_path, "nested deeper")
    root = '{"t": "list", "v": [' * 500 + '{"t": "none"}' + "]}" * 500  # valid tags, deeper than save writes
    member = _npy(np.array('{"format": "autograd_core.nn.checkpoint", "version": 1, "root": ' + root + "}"))
    _expect_value_error(_archive({f"{MANIFEST}.npy": member}), tmp_path, "nested deeper")


@pytest.mark.parametrize("root, members, match", [
    ({"t": "array", "k": "missing"}, {}, "missing array member 'missing'"),
    ({"t": "array", "k": MANIFEST}, {}, "twice"),
    ({"t": "list", "v": [{"t": "array", "k": "w"}, {"t": "array", "k": "w"}]}, {"w.npy": _npy(np.zeros(2))}, "twice"),
    ({"t": "array", "k": "w"}, {"w.txt": b"hello"}, "not an .npy array"),
    ({"t": "array", "k": "w"}, {"w.npy": b"PK\x03\x04 nested zip, not an array"}, "'w'"),
    ({"t": "array", "k": ["w"]}, {"w.npy": _npy(np.zeros(2))}, "missing array member"),
    ({"t": "scalar", "k": "w"}, {"w.npy": _npy(np.zeros(2))}, "scalar"),
    ({"t": "tensor", "k": "w", "requires_grad": True}, {"w.npy": _npy(np.arange(3))}, "requires_grad=True"),
    ({"t": "tensor", "k": "w", "requires_grad": "yes"}, {"w.npy": _npy(np.zeros(3))}, "requires_grad='yes'"),
    ({"t": "tensor", "k": "w", "requires_grad": False}, {"w.npy": _npy(np.array(["a"]))}, "dtype <U1"),
    ({"t": "array", "k": "w"}, {"w.npy": _npy(np.array([None, 1]), allow_pickle=True)}, "pickle"),
    ({"t": "array", "k": "w"}, {"w.npy": _npy(np.zeros(2, [("a", "f8")]))}, "pickle"),
    ({"t": "int", "v": 1.5}, {}, "invalid value"),
    ({"t": "int", "v": True}, {}, "invalid value"),
    ({"t": "float", "v": "1"}, {}, "invalid value"),
    ({"t": "list", "v": {"a": 1}}, {}, "invalid value"),
    ({"t": "dict", "v": [[{"t": "list", "v": []}, {"t": "none"}]]}, {}, "invalid dict key"),
    ({"t": "dict", "v": [[{"t": "array", "k": "w"}, {"t": "none"}]]}, {"w.npy": _npy(np.zeros(2))}, "dict key"),
    ({"t": "dict", "v": [[{"t": "none"}]]}, {}, "malformed dict item"),
    ({"t": "pickle", "v": "cos\nsystem\n"}, {}, "unknown manifest entry type"),
    (["not", "a", "node"], {}, "malformed manifest entry"),
])
def test_crafted_manifests(tmp_path, root, members, match):
    _expect_value_error(_archive({f"{MANIFEST}.npy": _manifest(root), **members}), tmp_path, match)


def test_manifest_that_is_not_a_string(tmp_path):
    _expect_value_error(_archive({f"{MANIFEST}.npy": _npy(np.zeros(3))}), tmp_path, "not a JSON string")
    _expect_value_error(_archive({f"{MANIFEST}.npy": _npy(np.array("{not json"))}), tmp_path)
    _expect_value_error(_archive({f"{MANIFEST}.npy": _npy(np.array('{"format": "autograd_core.nn.checkpoint", '
                                                                     '"version": 7, "root": null}'))}),
                        tmp_path, "version 7")


def test_member_claiming_bytes_beyond_the_end(tmp_path):
    data = _valid()
    # Enlarge the declared sizes of the first member in its central-directory entry.
    central = data.find(b"PK\x01\x02")
    data = bytearray(data)
    struct.pack_into("<LL", data, central + 20, 1 << 30, 1 << 30)
    _expect_value_error(bytes(data), tmp_path)


@pytest.mark.parametrize("cut", [4, 30, 100, 500, -200, -22, -1])
def test_truncated(tmp_path, cut):
    _expect_value_error(_valid()[:cut], tmp_path)


@pytest.mark.parametrize("data", [b"", b"PK", b"\x93NUMPY\x01\x00", b"\x80\x04\x95 pickle", b"PK\x05\x06" + bytes(18)])
def test_not_a_zip(tmp_path, data):
    _expect_value_error(data, tmp_path)


def test_fuzzed_bytes_only_ever_give_value_error_or_the_original():
    """Mutate bytes of a valid checkpoint at many seeded positions: the only outcomes are ValueError or a load
    equal to the original (a byte the format does not depend on, such as a timestamp)."""
    original = _valid()
    reference = ag.load(io.BytesIO(original))
    rng = np.random.default_rng(1234)
    outcomes = {"error": 0, "same": 0}
    for trial in range(400):
        data = bytearray(original)
        if trial % 4 == 3:
            data = data[: int(rng.integers(0, len(data)))] + bytes(rng.integers(0, 256, int(rng.integers(0, 9)),
                                                                               dtype=np.uint8))
        else:
            for pos in rng.integers(0, len(data), int(rng.integers(1, 4))):
                data[pos] = int(rng.integers(0, 256)) if trial % 2 else data[pos] ^ (1 << int(rng.integers(0, 8)))
        try:
            loaded = ag.load(io.BytesIO(bytes(data)))
        except ValueError as e:
            assert "BytesIO" in str(e)
            outcomes["error"] += 1
            continue
        assert loaded.keys() == reference.keys()
        np.testing.assert_array_equal(loaded["w"], reference["w"])
        np.testing.assert_array_equal(loaded["t"].data, reference["t"].data)
        assert loaded["t"].requires_grad and loaded["opt"] == reference["opt"] and loaded["note"] == "ok"
        outcomes["same"] += 1
    assert outcomes["error"] > 200  # most mutations are caught, not silently accepted

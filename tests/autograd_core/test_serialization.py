"""autograd_core.save / load (and the nn aliases): nested round trips, paths and file objects, no pickle,
atomic writes that keep permissions, clear errors on bad files. Crafted and fuzzed files: test_checkpoint_attacks.py."""
import io
import os
import re
import stat
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import autograd_core as ag
import nn


def _checkpoint(model):
    return {
        "model": model.state_dict(),
        "optimizer": {"state": {0: {"step": 3, "exp_avg": np.ones((2, 2), np.float32)}, 1: {"step": 3}},
                      "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False,
                                        "params": [0, 1], "name": None}]},
        "scheduler": {"last_epoch": 7, "base_lrs": [0.1], "ratio": float("inf")},
        "tensor": ag.Tensor([1.0, 2.0], requires_grad=True),
        "scalar": np.float32(2.5),
        "nested": [{"a": (1, "x")}, [], {}],
        "note": "epoch 7",
    }


def _assert_same(a, b):
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        assert list(a) == list(b) and all(type(k) is type(kb) for k, kb in zip(a, b))
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, ag.Tensor):
        assert a.requires_grad == b.requires_grad
        _assert_same(a.data, b.data)
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


def test_round_trip_keeps_structure_types_and_dtypes(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    model(ag.randn(5, 3))
    ckpt = _checkpoint(model)
    path = tmp_path / "ckpt.npz"
    ag.save(ckpt, path)
    _assert_same(ckpt, ag.load(path))
    assert sorted(os.listdir(tmp_path)) == ["ckpt.npz"]  # no temporary files left behind


def test_model_state_round_trip_through_checkpoint(tmp_path):
    a, b = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)), nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    a(ag.randn(8, 3))
    ag.save({"model": a.state_dict()}, tmp_path / "m.ckpt")
    b.load_state_dict(ag.load(tmp_path / "m.ckpt")["model"])
    x = ag.randn(2, 3)
    a.eval(), b.eval()
    np.testing.assert_array_equal(a(x).data, b(x).data)
    assert b[1].num_batches_tracked.item() == 1


def test_written_exactly_at_path_and_readable_without_pickle(tmp_path):
    path = str(tmp_path / "weights.bin")
    ag.save({"w": np.arange(3)}, path)
    assert os.path.exists(path)
    with np.load(path, allow_pickle=False) as f:
        assert "w" in f.files and "__manifest__" in f.files


def test_unserializable_object_fails_before_touching_previous_file(tmp_path):
    path = tmp_path / "ckpt.npz"
    ag.save({"epoch": 1}, path)
    with pytest.raises(TypeError, match="cannot save object at 'bad/1'"):
        ag.save({"epoch": 2, "bad": [1, object()]}, path)
    with pytest.raises(TypeError, match="dtype object"):
        ag.save({"arr": np.array([None, 1])}, path)
    with pytest.raises(TypeError, match="dict key"):
        ag.save({frozenset(): 1}, path)
    assert ag.load(path) == {"epoch": 1}
    assert sorted(os.listdir(tmp_path)) == ["ckpt.npz"]


def test_failure_while_writing_keeps_old_file_and_removes_temp(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    ag.save({"epoch": 1}, path)

    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(np, "savez", disk_full)
    with pytest.raises(OSError, match="No space"):
        ag.save({"epoch": 2}, path)
    monkeypatch.undo()
    assert ag.load(path) == {"epoch": 1}
    assert sorted(os.listdir(tmp_path)) == ["ckpt.npz"]


def test_truncated_file(tmp_path):
    path = tmp_path / "ckpt.npz"
    ag.save({"w": np.random.default_rng(0).standard_normal(1000)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="cannot load checkpoint '.*ckpt.npz'"):
        ag.load(path)


def test_corrupt_array_payload(tmp_path):
    path = tmp_path / "ckpt.npz"
    ag.save({"w": np.zeros(1000)}, path)
    data = bytearray(path.read_bytes())
    data[200:260] = b"\xff" * 60  # inside the stored array member
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="ckpt.npz"):
        ag.load(path)


@pytest.mark.parametrize("kind", ["text", "pickle", "npy", "foreign-npz", "bad-manifest", "empty"])
def test_foreign_files(tmp_path, kind):
    path = tmp_path / "file"
    if kind == "text":
        path.write_text("hello, not a checkpoint")
    elif kind == "pickle":
        import pickle

        path.write_bytes(pickle.dumps({"a": 1}))
    elif kind == "npy":
        with open(path, "wb") as f:
            np.save(f, np.zeros(3))
    elif kind == "foreign-npz":
        with open(path, "wb") as f:
            np.savez(f, a=np.zeros(3))
    elif kind == "bad-manifest":
        with open(path, "wb") as f:
            np.savez(f, __manifest__=np.array('{"format": "something else"}'))
    else:
        path.write_bytes(b"")
    with pytest.raises(ValueError, match=f"cannot load checkpoint '{path}'"):
        ag.load(path)


def test_manifest_pointing_at_missing_array(tmp_path):
    path = tmp_path / "ckpt.npz"
    ag.save({"w": np.zeros(2)}, path)
    with zipfile.ZipFile(path) as z:
        manifest = z.read("__manifest__.npy")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("__manifest__.npy", manifest)
    with pytest.raises(ValueError, match="ckpt.npz"):
        ag.load(path)


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        ag.load("/nonexistent/dir/ckpt.npz")


def test_nn_aliases_are_the_engine_functions():
    assert nn.save is ag.save and nn.load is ag.load


def test_round_trip_through_file_objects(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    ckpt = _checkpoint(model)
    buffer = io.BytesIO()
    ag.save(ckpt, buffer)
    buffer.seek(0)
    _assert_same(ckpt, ag.load(buffer))
    with open(tmp_path / "c.ckpt", "wb") as f:
        ag.save(ckpt, f)
        assert not f.closed  # the caller's file stays open
    with open(tmp_path / "c.ckpt", "rb") as f:
        _assert_same(ckpt, ag.load(f))


class _Pipe(io.RawIOBase):
    """A readable or writable stream that cannot seek, like a pipe or socket."""

    def __init__(self, data=b""):
        self.data, self.pos = bytearray(data), 0

    def readable(self):
        return True

    def writable(self):
        return True

    def readinto(self, b):
        n = min(len(b), len(self.data) - self.pos)
        b[:n] = self.data[self.pos:self.pos + n]
        self.pos += n
        return n

    def write(self, b):
        self.data += bytes(b)
        return len(b)


def test_round_trip_through_unseekable_streams():
    out = _Pipe()
    ag.save({"w": np.arange(5.0), "step": 3}, out)
    back = ag.load(_Pipe(out.data))
    np.testing.assert_array_equal(back["w"], np.arange(5.0))
    assert back["step"] == 3


def test_bad_file_object_named_by_its_repr(tmp_path):
    buffer = io.BytesIO(b"not a checkpoint at all")
    with pytest.raises(ValueError, match=re.escape(repr(buffer))):
        ag.load(buffer)
    with open(tmp_path / "t.txt", "w") as text, pytest.raises(TypeError, match="binary file object"):
        ag.save({"a": 1}, text)
    with open(tmp_path / "t.txt", "r") as text, pytest.raises(TypeError, match="binary file object"):
        ag.load(text)
    with pytest.raises(TypeError, match="path or a binary file"):
        ag.load(3.5)


def test_save_over_existing_file_keeps_its_permissions(tmp_path):
    path = tmp_path / "ckpt.npz"
    ag.save({"epoch": 1}, path)
    os.chmod(path, 0o640)
    ag.save({"epoch": 2}, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640 and ag.load(path) == {"epoch": 2}


def test_new_file_gets_the_umask_permissions(tmp_path):
    old = os.umask(0o027)
    try:
        ag.save({"epoch": 1}, tmp_path / "new.npz")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.npz").st_mode) == 0o640


def test_save_through_a_symlink_replaces_the_target(tmp_path):
    (tmp_path / "real.npz").write_bytes(b"")
    os.symlink(tmp_path / "real.npz", tmp_path / "link.npz")
    ag.save({"epoch": 3}, tmp_path / "link.npz")
    assert os.path.islink(tmp_path / "link.npz") and ag.load(tmp_path / "real.npz") == {"epoch": 3}


def test_stale_temporaries_of_dead_savers_are_removed(tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(finished.stdout)
    stale = tmp_path / f".ckpt.npz.{dead_pid}.0123456789ab.tmp"
    mine = tmp_path / f".ckpt.npz.{os.getpid()}.ba9876543210.tmp"  # left by an earlier failed save here
    busy = tmp_path / f".ckpt.npz.{os.getppid()}.00000000aaaa.tmp"  # a live process may still be writing it
    other = tmp_path / f".other.npz.{dead_pid}.0123456789ab.tmp"  # another checkpoint's temporary file
    for p in (stale, mine, busy, other):
        p.write_bytes(b"partial")
    ag.save({"epoch": 1}, tmp_path / "ckpt.npz")
    assert sorted(os.listdir(tmp_path)) == sorted(["ckpt.npz", busy.name, other.name])


def test_nesting_deeper_than_the_limit_is_refused_on_save(tmp_path):
    deep = []
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(ValueError, match="nested deeper"):
        ag.save(deep, tmp_path / "deep.npz")
    shallow = [[[[{"a": (1, [2])}]]]]
    ag.save(shallow, tmp_path / "ok.npz")
    assert ag.load(tmp_path / "ok.npz") == shallow

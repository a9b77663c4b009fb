"""nn.save / nn.load: nested round trips, no pickle, atomic writes, clear errors on bad files."""
import os
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
    nn.save(ckpt, path)
    _assert_same(ckpt, nn.load(path))
    assert sorted(os.listdir(tmp_path)) == ["ckpt.npz"]  # no temporary files left behind


def test_model_state_round_trip_through_checkpoint(tmp_path):
    a, b = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)), nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    a(ag.randn(8, 3))
    nn.save({"model": a.state_dict()}, tmp_path / "m.ckpt")
    b.load_state_dict(nn.load(tmp_path / "m.ckpt")["model"])
    x = ag.randn(2, 3)
    a.eval(), b.eval()
    np.testing.assert_array_equal(a(x).data, b(x).data)
    assert b[1].num_batches_tracked.item() == 1


def test_written_exactly_at_path_and_readable_without_pickle(tmp_path):
    path = str(tmp_path / "weights.bin")
    nn.save({"w": np.arange(3)}, path)
    assert os.path.exists(path)
    with np.load(path, allow_pickle=False) as f:
        assert "w" in f.files and "__manifest__" in f.files


def test_unserializable_object_fails_before_touching_previous_file(tmp_path):
    path = tmp_path / "ckpt.npz"
    nn.save({"epoch": 1}, path)
    with pytest.raises(TypeError, match="cannot save object at 'bad/1'"):
        nn.save({"epoch": 2, "bad": [1, object()]}, path)
    with pytest.raises(TypeError, match="object array"):
        nn.save({"arr": np.array([None, 1])}, path)
    with pytest.raises(TypeError, match="dict key"):
        nn.save({frozenset(): 1}, path)
    assert nn.load(path) == {"epoch": 1}
    assert sorted(os.listdir(tmp_path)) == ["ckpt.npz"]


def test_failure_while_writing_keeps_old_file_and_removes_temp(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    nn.save({"epoch": 1}, path)

    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(np, "savez", disk_full)
    with pytest.raises(OSError, match="No space"):
        nn.save({"epoch": 2}, path)
    monkeypatch.undo()
    assert nn.load(path) == {"epoch": 1}
    assert sorted(os.listdir(tmp_path)) == ["ckpt.npz"]


def test_truncated_file(tmp_path):
    path = tmp_path / "ckpt.npz"
    nn.save({"w": np.random.default_rng(0).standard_normal(1000)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="cannot load checkpoint '.*ckpt.npz'"):
        nn.load(path)


def test_corrupt_array_payload(tmp_path):
    path = tmp_path / "ckpt.npz"
    nn.save({"w": np.zeros(1000)}, path)
    data = bytearray(path.read_bytes())
    data[200:260] = b"\xff" * 60  # inside the stored array member
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="ckpt.npz"):
        nn.load(path)


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
        nn.load(path)


def test_manifest_pointing_at_missing_array(tmp_path):
    path = tmp_path / "ckpt.npz"
    nn.save({"w": np.zeros(2)}, path)
    with zipfile.ZipFile(path) as z:
        manifest = z.read("__manifest__.npy")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("__manifest__.npy", manifest)
    with pytest.raises(ValueError, match="ckpt.npz"):
        nn.load(path)


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        nn.load("/nonexistent/dir/ckpt.npz")

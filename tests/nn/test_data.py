"""nn.data: splits, Standardizer, NCHW augmentations, bundled and IDX datasets, synthetic problems."""
import gzip
import struct

import numpy as np
import pytest

import autograd_core as ag
import nn
from autograd_core.utils import data as engine_data
from nn.data import (RandomCrop, RandomHorizontalFlip, RandomRotation, Standardizer, load_digits, load_mnist,
                     make_moons, make_regression_1d, make_spirals, make_xor, read_idx, train_dev_test_split)


def test_reexports_are_the_engine_classes():
    assert nn.data.DataLoader is engine_data.DataLoader and nn.data.TensorDataset is engine_data.TensorDataset
    assert nn.data.random_split is engine_data.random_split


# ----------------------------------------------------------------- splits
def test_split_sizes_pairing_and_seed():
    x, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    (xt, yt), (xd, yd), (xs, ys) = train_dev_test_split(x, y, seed=0)
    assert (len(yt), len(yd), len(ys)) == (8, 1, 1)
    assert sorted(np.concatenate([yt, yd, ys]).tolist()) == list(range(10))
    np.testing.assert_array_equal(xt[:, 0], 2 * yt)
    again = train_dev_test_split(x, y, seed=0)
    np.testing.assert_array_equal(again[0][1], yt)
    assert not np.array_equal(train_dev_test_split(x, y, seed=1)[0][1], yt)


def test_split_of_one_array_without_shuffle_and_of_tensors():
    train, dev = train_dev_test_split(np.arange(10), fractions=(0.7, 0.3), shuffle=False)
    assert train.tolist() == list(range(7)) and dev.tolist() == [7, 8, 9]
    (t,), _, _ = [(part,) for part in train_dev_test_split(ag.arange(10))]
    assert isinstance(t, ag.Tensor) and len(t) == 8


def test_split_follows_the_global_seed():
    ag.manual_seed(3)
    a = train_dev_test_split(np.arange(50))[0]
    ag.manual_seed(3)
    np.testing.assert_array_equal(train_dev_test_split(np.arange(50))[0], a)


def test_split_errors():
    with pytest.raises(ValueError, match=r"same number of rows, got \[5, 4\]"):
        train_dev_test_split(np.zeros(5), np.zeros(4))
    with pytest.raises(ValueError, match="sum to 1"):
        train_dev_test_split(np.zeros(5), fractions=(0.5, 0.3, 0.1))
    with pytest.raises(ValueError, match="at least one array"):
        train_dev_test_split()


# ----------------------------------------------------------------- Standardizer
def _train_dev():
    g = np.random.default_rng(0)
    train = g.normal(3.0, 2.0, (200, 4)).astype(np.float32)
    train[:, 3] = 5.0  # constant feature
    return train, g.normal(0.0, 1.0, (50, 4)).astype(np.float32)


def test_standardizer_uses_training_statistics_only():
    train, dev = _train_dev()
    s = Standardizer().fit(train)
    z = s(ag.Tensor(train)).data
    np.testing.assert_allclose(z[:, :3].mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(z[:, :3].std(0), 1, atol=1e-5)
    assert np.all(z[:, 3] == 0) and s.std.data[3] == 1
    np.testing.assert_allclose(s(ag.Tensor(dev)).data, (dev - train.mean(0)) / s.std.data, rtol=1e-5)
    assert s.mean.dtype == np.float32 and "fitted on 200" in repr(s)
    np.testing.assert_allclose(s.inverse_transform(s.fit_transform(dev)).data, dev, atol=1e-5)


def test_standardizer_state_travels_with_the_model(tmp_path):
    train, dev = _train_dev()
    ag.manual_seed(0)
    model = nn.Sequential(Standardizer(4).fit(train), nn.Linear(4, 2))
    nn.save(model.state_dict(), tmp_path / "m.npz")
    fresh = nn.Sequential(Standardizer(4), nn.Linear(4, 2))
    fresh.load_state_dict(nn.load(tmp_path / "m.npz"))
    assert {"0.mean", "0.std", "0.num_samples"} <= set(model.state_dict())
    np.testing.assert_array_equal(fresh(ag.Tensor(dev)).data, model(ag.Tensor(dev)).data)


def test_standardizer_errors():
    with pytest.raises(RuntimeError, match="not fitted"):
        Standardizer(4)(ag.zeros(2, 4))
    with pytest.raises(RuntimeError, match="not fitted"):
        Standardizer()(ag.zeros(2, 4))
    s = Standardizer(4)
    with pytest.raises(ValueError, match=r"built for samples of shape \(4,\), got \(3,\)"):
        s.fit(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="non-empty"):
        s.fit(np.zeros((0, 4)))
    with pytest.raises(ValueError, match=r"expects samples of shape \(4,\)"):
        s.fit(np.ones((3, 4)))(ag.zeros(2, 5))


def test_standardizer_on_images_keeps_float64():
    x = np.random.default_rng(0).normal(size=(30, 1, 8, 8))
    s = Standardizer((1, 8, 8)).fit(x)
    assert s.mean.shape == (1, 8, 8) and s(ag.Tensor(x)).dtype == np.float64


# ----------------------------------------------------------------- augmentations
def _images(n=6, c=2, h=5, w=5):
    return ag.Tensor(np.arange(n * c * h * w, dtype=np.float64).reshape(n, c, h, w))


def test_flip_probability_one_zero_and_eval():
    x = _images()
    np.testing.assert_array_equal(RandomHorizontalFlip(1.0)(x).data, x.data[..., ::-1])
    np.testing.assert_array_equal(RandomHorizontalFlip(0.0)(x).data, x.data)
    np.testing.assert_array_equal(RandomHorizontalFlip(1.0).eval()(x).data, x.data)


def test_flip_draws_per_sample_and_reproducibly():
    x = _images(n=64, h=2, w=3)
    out = RandomHorizontalFlip(generator=np.random.default_rng(0))(x).data
    flipped = np.all(out == x.data[..., ::-1], axis=(1, 2, 3))
    assert np.all(flipped | np.all(out == x.data, axis=(1, 2, 3))) and 10 < flipped.sum() < 54
    again = RandomHorizontalFlip(generator=np.random.default_rng(0))(x).data
    np.testing.assert_array_equal(out, again)


def test_crop_with_padding_cuts_windows_of_the_padded_image():
    x = _images()
    out = RandomCrop(5, padding=2)(x).data
    padded = np.pad(x.data, ((0, 0), (0, 0), (2, 2), (2, 2)))
    assert out.shape == x.shape
    for k in range(len(x.data)):
        windows = [(i, j) for i in range(5) for j in range(5) if np.array_equal(padded[k, :, i:i + 5, j:j + 5], out[k])]
        assert windows, f"sample {k} is not a window of its padded image"
    assert RandomCrop((3, 2))(x).shape == (6, 2, 3, 2)
    with pytest.raises(ValueError, match="larger than the padded image"):
        RandomCrop(8, padding=1)(x)
    with pytest.raises(ValueError, match="NCHW"):
        RandomCrop(2)(ag.zeros(3, 4, 4))


@pytest.mark.parametrize(("size", "padding", "error", "match"), [
    (0, 0, ValueError, "RandomCrop size must be at least 1"), (2.5, 0, TypeError, "RandomCrop size must be an int"),
    ((2, 2, 2), 0, ValueError, "tuple of 2 ints"), (2, -1, ValueError, "RandomCrop padding must be at least 0"),
    (2, "1", TypeError, "RandomCrop padding must be an int")])
def test_crop_refuses_bad_sizes_and_paddings_by_name(size, padding, error, match):
    with pytest.raises(error, match=match):
        RandomCrop(size, padding=padding)


def test_rotation_matches_rot90_and_fills_outside():
    x = _images(n=2, c=1, h=4, w=4)
    np.testing.assert_array_equal(RandomRotation((90, 90))(x).data, np.rot90(x.data, 1, axes=(2, 3)))
    np.testing.assert_array_equal(RandomRotation((-90, -90))(x).data, np.rot90(x.data, -1, axes=(2, 3)))
    np.testing.assert_array_equal(RandomRotation(0)(x).data, x.data)
    corners = RandomRotation((45, 45), fill=-1.0)(x).data[:, 0, [0, 0, -1, -1], [0, -1, 0, -1]]
    assert np.all(corners == -1.0)
    out = RandomRotation(30)(_images(n=16))
    assert out.shape == (16, 2, 5, 5)
    with pytest.raises(ValueError, match="degrees"):
        RandomRotation((10, -10))


def test_augmentations_are_random_layers_for_gradcheck_and_pass_gradients():
    model = nn.Sequential(RandomHorizontalFlip(), nn.Flatten(), nn.Linear(50, 1))
    with pytest.raises(RuntimeError, match="RandomHorizontalFlip"):
        nn.utils.gradcheck_module(model, lambda out, t: (out ** 2).mean(), _images(), None)
    x = ag.Tensor(_images().data, requires_grad=True)
    RandomCrop(3)(x).sum().backward()
    assert x.grad.shape == x.shape and x.grad.data.sum() == 6 * 2 * 9


# ----------------------------------------------------------------- datasets
def test_load_digits_flat_and_images():
    x, y = load_digits()
    images, y2 = load_digits(as_images=True)
    assert x.shape == (1797, 64) and x.dtype == np.float32 and images.shape == (1797, 1, 8, 8)
    assert y.dtype == np.int64 and set(y.tolist()) == set(range(10)) and x.max() == 16
    np.testing.assert_array_equal(images.reshape(1797, 64), x)
    np.testing.assert_array_equal(y, y2)


def _idx(array: np.ndarray, code: int = 0x08) -> bytes:
    return bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def _write_mnist(folder, n=5, gz=False):
    images = np.random.default_rng(0).integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = np.arange(n, dtype=np.uint8)
    for name, arr in (("train-images-idx3-ubyte", images), ("train-labels-idx1-ubyte", labels)):
        blob = _idx(arr)
        (folder / (name + ".gz" if gz else name)).write_bytes(gzip.compress(blob) if gz else blob)
    return images, labels


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist_from_idx_files(tmp_path, gz):
    images, labels = _write_mnist(tmp_path, gz=gz)
    x, y = load_mnist(tmp_path)
    assert x.shape == (5, 1, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_allclose(x[:, 0] * 255, images, atol=1e-4)
    assert y.tolist() == labels.tolist()
    assert load_mnist(tmp_path, as_images=False)[0].shape == (5, 784)
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte"):
        load_mnist(tmp_path, train=False)


def test_read_idx_other_types_and_byte_order(tmp_path):
    values = np.array([[1.5, -2.0], [3.0, 4.25]], dtype=">f8")
    (tmp_path / "a.idx").write_bytes(_idx(values, 0x0E))
    out = read_idx(tmp_path / "a.idx")
    assert out.dtype == np.float64 and out.dtype.isnative and out.tolist() == values.tolist()


@pytest.mark.parametrize("blob, match", [
    (b"\x01\x00\x08\x01" + struct.pack(">I", 2) + b"ab", "bad magic"),
    (b"\x00\x00\x07\x01" + struct.pack(">I", 2) + b"ab", "bad magic"),
    (b"\x00\x00", "bad magic"),
    (b"\x00\x00\x08\x03" + struct.pack(">I", 2), "truncated header"),
    (b"\x00\x00\x08\x01" + struct.pack(">I", 10) + b"abc", "more than the file holds"),
    (b"\x00\x00\x08\x01" + struct.pack(">I", 2) + b"abcd", "found more"),
    (b"\x00\x00\x08\x03" + struct.pack(">3I", 2**31, 2**31, 2**31), "more than the file holds"),
])
def test_corrupt_idx_files_raise_value_error_naming_the_file(tmp_path, blob, match):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(blob)
    with pytest.raises(ValueError, match=match) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_corrupt_gzip_and_mismatched_labels(tmp_path):
    (tmp_path / "bad.gz").write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(ValueError, match="bad.gz"):
        read_idx(tmp_path / "bad.gz")
    (tmp_path / "short.gz").write_bytes(gzip.compress(_idx(np.zeros((4, 2, 2), np.uint8)))[:-12])
    with pytest.raises(ValueError, match="short.gz"):
        read_idx(tmp_path / "short.gz")
    _write_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(_idx(np.arange(3, dtype=np.uint8)))
    with pytest.raises(ValueError, match=r"5 train images but labels of shape \(3,\)"):
        load_mnist(tmp_path)


def test_synthetic_problems():
    for make in (make_xor, make_moons):
        x, y = make(100, seed=0)
        assert x.shape == (100, 2) and x.dtype == np.float32 and sorted(set(y.tolist())) == [0, 1]
        np.testing.assert_array_equal(make(100, seed=0)[0], x)
    x, y = make_xor(400, seed=1)
    assert np.all((x[:, 0] * x[:, 1] < 0) == (y == 1))
    x, y = make_moons(200, noise=0.0, seed=0)
    assert np.bincount(y).tolist() == [100, 100]
    np.testing.assert_allclose(np.hypot(*x[y == 0].T), 1, atol=1e-5)
    x, y = make_spirals(300, n_classes=3, seed=0)
    assert x.shape == (300, 2) and np.bincount(y).tolist() == [100, 100, 100] and np.abs(x).max() <= 1.5


def test_make_regression_1d():
    x, y = make_regression_1d(lambda p: 1 + np.sin(np.pi * p / 4), n_samples=50, seed=0)
    assert x.shape == y.shape == (50, 1) and np.all(np.diff(x[:, 0]) >= 0) and np.all(np.abs(x) <= 2)
    np.testing.assert_allclose(y, 1 + np.sin(np.pi * x / 4), rtol=1e-5)
    _, noisy = make_regression_1d(np.sin, n_samples=2000, noise=0.1, seed=0)
    assert noisy.std() > 0

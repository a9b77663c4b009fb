"""``nn.data``: the data side of training, on top of ``autograd_core.utils.data``.

Re-exports ``Dataset``, ``TensorDataset``, ``Subset``, ``DataLoader`` and ``random_split``, and
adds splits into train/dev/test, a ``Standardizer`` fitted on training data (a ``Module``, so
its statistics save with the model), NCHW augmentations, the bundled digits, an MNIST reader
and small synthetic problems.
"""
from autograd_core.utils.data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split

from .datasets import load_digits, load_mnist, make_moons, make_regression_1d, make_spirals, make_xor, read_idx
from .preprocessing import Standardizer, train_dev_test_split
from .transforms import RandomCrop, RandomHorizontalFlip, RandomRotation

__all__ = ["Dataset", "TensorDataset", "Subset", "DataLoader", "default_collate", "random_split",
           "train_dev_test_split", "Standardizer", "RandomHorizontalFlip", "RandomCrop", "RandomRotation",
           "load_digits", "load_mnist", "read_idx", "make_xor", "make_spirals", "make_moons", "make_regression_1d"]

"""``autograd_core.utils.data`` mirrors ``torch.utils.data``: datasets, random splits and the batch loader.

Array-backed datasets (``TensorDataset`` and ``Subset``s of one) gather a whole batch with one
fancy index per array; any other ``Dataset`` is read item by item and collated.
"""
from .dataloader import DataLoader, default_collate
from .dataset import Dataset, Subset, TensorDataset, random_split

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split", "DataLoader", "default_collate"]

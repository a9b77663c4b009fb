"""Utilities beside the engine, mirroring ``torch.utils``: today the data pipeline in ``data``."""
from . import data

__all__ = ["data"]

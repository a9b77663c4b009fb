"""Utilities beside the engine, mirroring ``torch.utils``: the data pipeline in ``data``, and the argument
``checks`` that ``nn`` and ``optim`` share (internal, not exported)."""
from . import data

__all__ = ["data"]

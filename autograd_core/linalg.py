"""``autograd_core.linalg``: PyTorch's ``torch.linalg`` namespace (``inv``, ``det``, ``solve``, ``svd``, ``norm``, ...).

Generated from the registry like the top-level functions: every record declared with
``namespace="linalg"`` is exported here under its public names, so registering a linear-algebra
operation is what exports (and tests) it. ``np.linalg.*`` applied to Tensors dispatches to the
same records through ``__array_function__``.
"""
from . import ops as _ops  # noqa: F401  (importing the operations fills the registry)
from .registry import public_functions

globals().update(public_functions("linalg"))
__all__ = sorted(public_functions("linalg"))

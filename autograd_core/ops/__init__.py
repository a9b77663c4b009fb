"""Every registered operation, one module per family; importing this package fills the registry.

The package's namespace (and ``__all__``) is generated from the registry: each record's public
names map to its public function, so registering an operation is what exports it.
"""
from . import arithmetic, arrange, comparison, cumulative, decompositions, elementwise, gathering, indexing, inverses, joining, linalg, losses, matrices, norms, products, reduction, shape, sorting, statistics, ufuncs, window  # noqa: F401,E501
from ..registry import public_functions

globals().update(public_functions())
__all__ = sorted(public_functions())

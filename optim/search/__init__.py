"""optim.search: random, grid and coarse-to-fine hyper-parameter search with trials run through joblib.

Describe the space with distributions (``LogUniform`` for learning rates, ``OneMinusLogUniform`` for
β near 1, ``Choice`` for discrete options), write an objective that takes the parameters as keywords
and returns a score, and call ``random_search`` (or ``coarse_to_fine`` to zoom in over rounds). Trials
run in-process by default, on local processes with ``n_jobs>1``, and on a cluster with
``backend="dask"`` once a ``dask.distributed.Client`` is open; Ray works through joblib's Ray backend
(``ray.util.joblib.register_ray()``, then ``backend="ray", n_jobs=-1``). A seeded search gives the same
``SearchResult`` whichever way it runs.
"""
from .distributions import Choice, Distribution, IntLogUniform, IntUniform, LogUniform, OneMinusLogUniform, Uniform
from .result import SearchResult, Trial
from .runner import coarse_to_fine, grid_search, random_search

__all__ = ["Distribution", "LogUniform", "Uniform", "IntUniform", "IntLogUniform", "Choice", "OneMinusLogUniform",
           "random_search", "grid_search", "coarse_to_fine", "SearchResult", "Trial"]

"""Shared test configuration: bounded hypothesis profiles and the optional PyTorch reference."""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# CI runs the same examples every time (derandomize), so a submission can't fail on a new draw;
# local runs keep exploring new examples.
settings.register_profile("default", max_examples=15, deadline=None, derandomize=bool(os.environ.get("CI")),
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("thorough", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def torch():
    """The torch module, or skip when PyTorch is not installed."""
    return pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _seed():
    import autograd_core as ag

    ag.manual_seed(0)
    np.random.seed(0)
    yield

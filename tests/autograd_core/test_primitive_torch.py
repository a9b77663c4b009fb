"""Every registered operation with a PyTorch reference: forward values and gradients agree.

Generated from the registry (each record's ``torch`` field); skipped without PyTorch.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_core.registry import all_ops
from autograd_core.testing import Sampler

from .registry_harness import outputs, prepare

def _torch_call(torch, record, args, params):
    """Run the record's PyTorch reference on torch copies of the sampled arguments."""
    leaves = []

    def convert(a):
        if isinstance(a, list):
            return [convert(x) for x in a]
        if isinstance(a, np.ndarray):
            t = torch.tensor(a, requires_grad=a.dtype.kind == "f")
            if a.dtype.kind == "f":
                leaves.append(t)
            return t
        return a

    targs = [convert(a) for a in args]
    ref = record.torch or (lambda T, *xs, **p: getattr(T, record.name)(*xs, **p))
    return leaves, ref(torch, *targs, **params)


def _has_reference(record, torch) -> bool:
    """An explicit reference, or a torch function of the same name and signature."""
    return record.torch is not None or (record.name not in _NO_SAME_NAME and hasattr(torch, record.name))


# Registered under a name torch also uses, but with numpy's meaning (compared by their own tests).
_NO_SAME_NAME = {"getitem", "sliding_window", "col2im", "index_add", "astype"}


@pytest.mark.parametrize("record", all_ops(), ids=lambda r: r.name)
@given(data=st.data())
def test_matches_torch(torch, record, data):
    if not _has_reference(record, torch):
        pytest.skip(f"no PyTorch reference for {record.name}")
    args, params = record.samples(Sampler(data.draw))
    leaves, call = prepare(record, args, params)
    ours = outputs(call(*leaves))
    tleaves, theirs = _torch_call(torch, record, args, params)
    theirs = outputs(theirs)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        if isinstance(t, bool):  # a whole-tensor query (torch.allclose, torch.equal)
            assert type(o) is bool and o == t, f"{record.name} answered {o!r}, PyTorch {t!r}"
            continue
        np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=f"{record.name} forward differs from PyTorch")
    if not record.differentiable or not leaves or not ours:  # (unbind of an empty dim returns no tensor)
        return
    rng = np.random.default_rng(0)
    cotangents = [rng.standard_normal(o.shape) for o in ours]
    total = sum((o * c).sum() for o, c in zip(ours, cotangents))
    total.backward()
    ttotal = sum((t * torch.tensor(c)).sum() for t, c in zip(theirs, cotangents))
    if ttotal.requires_grad:
        ttotal.backward()
    for x, tx in zip(leaves, tleaves):
        expected = np.zeros(x.shape) if tx.grad is None else tx.grad.numpy()
        got = np.zeros(x.shape) if x.grad is None else x.grad.data
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12,
                                   err_msg=f"{record.name} gradient differs from PyTorch")

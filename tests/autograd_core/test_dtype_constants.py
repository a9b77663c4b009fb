"""No float32 constant in a float64 computation, no float64 constant upcasting float32 (both directions).

Generated over the arithmetic, elementwise, ufunc and cumulative records: in float64 the forward
value and the gradient equal PyTorch's float64 ones to 1e-12 relative, in float32 they stay float32
and equal PyTorch's float32 ones to float32 round-off; one operand may be drawn as a Python number
(``2 ** x``, ``x % 2``) or a numpy float64 scalar, the cases where constants creep in.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.ops import arithmetic, cumulative, elementwise, ufuncs
from autograd_core.registry import OpRecord
from autograd_core.testing import Sampler

RECORDS = [r for m in (arithmetic, elementwise, ufuncs, cumulative) for r in vars(m).values()
           if isinstance(r, OpRecord) and r.differentiable and r.public_names]
TOLERANCE = {np.float64: dict(rtol=1e-12, atol=1e-14), np.float32: dict(rtol=2e-5, atol=1e-6)}


def _reference(torch, record):
    return record.torch or (lambda T, *xs, **p: getattr(T, record.name)(*xs, **p))


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.name)
@settings(max_examples=6)  # 2 dtypes x ~60 records: few draws each keep the suite fast
@given(data=st.data())
def test_results_keep_the_dtype_and_equal_pytorch(torch, record, dtype, data):
    if not hasattr(torch, record.name) and record.torch is None:
        pytest.skip(f"no PyTorch reference for {record.name}")
    args, params = record.samples(Sampler(data.draw))
    floats = [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    constant = data.draw(st.sampled_from([None] + floats)) if len(floats) > 1 else None
    kind = data.draw(st.sampled_from([float, np.float64]))
    ours, theirs, leaves, tleaves = [], [], [], []
    for i, a in enumerate(args):
        if i == constant:  # the first element as a Python (or numpy float64) number
            value = float(a.flat[0]) if a.size else 1.5
            ours.append(kind(value))
            theirs.append(torch.tensor(value, dtype=torch.float64 if dtype == np.float64 else torch.float32))
        elif i in floats:
            leaves.append(ag.tensor(a.astype(dtype), requires_grad=True))
            tleaves.append(torch.tensor(a.astype(dtype), requires_grad=True))
            ours.append(leaves[-1])
            theirs.append(tleaves[-1])
        else:
            ours.append(a)
            theirs.append(torch.tensor(a) if isinstance(a, np.ndarray) else a)
    out = record.function(*ours, **params)
    tout = _reference(torch, record)(torch, *theirs, **params)
    assert out.dtype == dtype, f"{record.name} turned {np.dtype(dtype)} into {out.dtype}"
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **TOLERANCE[dtype],
                               err_msg=f"{record.name} forward differs from PyTorch")
    cotangent = np.random.default_rng(0).standard_normal(out.shape).astype(dtype)
    (out * ag.tensor(cotangent)).sum().backward()
    (tout * torch.tensor(cotangent)).sum().backward()
    for x, tx in zip(leaves, tleaves):
        got = np.zeros(x.shape, dtype) if x.grad is None else x.grad.data
        assert got.dtype == dtype
        expected = np.zeros(x.shape) if tx.grad is None else tx.grad.numpy()
        np.testing.assert_allclose(got, expected, **TOLERANCE[dtype], err_msg=f"{record.name} gradient differs")

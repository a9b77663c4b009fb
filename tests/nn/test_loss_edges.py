"""Loss edge cases that used to be silently wrong: saturated and NaN BCE inputs, -inf logits in cross-entropy."""
import numpy as np
import pytest

import autograd_core as ag
import nn.functional as F

P = [0.0, 1.0, 0.0, 1.0, 1e-30, 1e-13, 0.3, 1 - 1e-14, 1e-50]
T = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.2, 0.0, 1.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_saturated_predictions_follow_torch(torch, dtype):
    p, t = np.array(P, dtype), np.array(T, dtype)
    a = ag.tensor(p, requires_grad=True)
    loss = F.binary_cross_entropy(a, ag.tensor(t), reduction="none")
    loss.sum().backward()
    tp = torch.tensor(p, requires_grad=True)
    ref = torch.nn.functional.binary_cross_entropy(tp, torch.tensor(t), reduction="none")
    ref.sum().backward()
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(loss.data, ref.detach().numpy(), rtol=rtol)
    # PyTorch's floor is the float32 literal 1e-12f even in float64 (4e-9 above 1e-12); ours is exactly 1e-12
    np.testing.assert_allclose(a.grad.data, tp.grad.numpy(), rtol=max(rtol, 1e-8))
    assert a.grad.data[0] == -1e12 and np.isfinite(a.grad.data).all()  # large and finite at p = 0, t = 1


def test_bce_without_saturation_is_the_plain_formula():
    a = ag.tensor([0.2, 0.7], requires_grad=True, dtype=np.float64)
    F.binary_cross_entropy(a, ag.tensor([1.0, 0.0], dtype=np.float64), reduction="sum").backward()
    np.testing.assert_allclose(a.grad.data, [(0.2 - 1) / (0.2 * 0.8), 0.7 / (0.7 * 0.3)], rtol=1e-14)


@pytest.mark.parametrize("bad", [np.nan, -0.1, 1.5])
def test_bce_rejects_nan_and_out_of_range_like_torch(bad):
    # PyTorch raises "all elements of input should be between 0 and 1" for NaN too; never a silent 100
    with pytest.raises(ValueError, match="binary_cross_entropy: input must hold probabilities in \\[0, 1\\]"):
        F.binary_cross_entropy(ag.tensor([0.5, bad]), ag.tensor([1.0, 0.0]))


def test_bce_rejects_targets_outside_0_1_like_torch(torch):
    with pytest.raises(RuntimeError, match="target should be between 0 and 1"):
        torch.nn.functional.binary_cross_entropy(torch.tensor([0.5]), torch.tensor([1.5]))
    with pytest.raises(ValueError, match="binary_cross_entropy: target must hold probabilities in \\[0, 1\\], got 1.5"):
        F.binary_cross_entropy(ag.tensor([0.5]), ag.tensor([1.5]))


@pytest.mark.parametrize("kwargs", [dict(), dict(reduction="none"), dict(reduction="sum"),
                                    dict(weight=[1.0, 0.0, 2.0]), dict(ignore_index=2)])
@pytest.mark.parametrize("fn", ["cross_entropy", "nll_loss"])
def test_minus_inf_non_target_logit_is_finite_and_equals_torch(torch, kwargs, fn):
    x = np.array([[0.0, -np.inf, 1.0], [2.0, -np.inf, -np.inf], [0.5, -np.inf, 3.0]])
    target = np.array([0, 0, 2])
    a = ag.tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    ours_kw = {k: (np.array(v) if k == "weight" else v) for k, v in kwargs.items()}
    theirs_kw = {k: (torch.tensor(v, dtype=torch.float64) if k == "weight" else v) for k, v in kwargs.items()}
    loss = getattr(F, fn)(a, ag.tensor(target), **ours_kw)
    ref = getattr(torch.nn.functional, fn)(tx, torch.tensor(target), **theirs_kw)
    loss.sum().backward()
    ref.sum().backward()
    assert np.isfinite(loss.data).all() and np.isfinite(a.grad.data).all()
    np.testing.assert_allclose(loss.data, ref.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(a.grad.data, tx.grad.numpy(), rtol=1e-12, atol=1e-300)


def test_minus_inf_target_logit_is_inf_as_torch():
    a = ag.tensor([[0.0, -np.inf, 1.0]], requires_grad=True, dtype=np.float64)
    loss = F.cross_entropy(a, ag.tensor([1]))
    loss.backward()
    assert loss.item() == np.inf and np.isfinite(a.grad.data).all()

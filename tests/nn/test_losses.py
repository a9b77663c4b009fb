"""Losses: PyTorch values and gradients for every reduction and option, central differences,
hand-computed values, ±1e4 logits, and the error cases."""
import math

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from autograd_core.testing import assert_gradients_close, assert_second_gradients_close

pytestmark = pytest.mark.filterwarnings("ignore:reduction. 'mean' divides:UserWarning")  # torch's kl_div note
REDUCTIONS = ["mean", "sum", "none"]
rng = np.random.default_rng(0)
X, Y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
P, T01 = rng.uniform(0.05, 0.95, (4, 3)), rng.uniform(0, 1, (4, 3))
W = rng.uniform(0.5, 2.0, (4, 3))
PW = rng.uniform(0.5, 3.0, 3)
LOGP = np.log(rng.dirichlet(np.ones(3), 4))

# (name, ours(input, target, reduction), torch(T, input, target, reduction), input, target)
PAIRWISE = [
    ("mse", F.mse_loss, lambda T, a, b, r: T.nn.functional.mse_loss(a, b, reduction=r), X, Y),
    ("l1", F.l1_loss, lambda T, a, b, r: T.nn.functional.l1_loss(a, b, reduction=r), X, Y),
    ("huber", lambda a, b, r: F.huber_loss(a, b, r, delta=0.7),
     lambda T, a, b, r: T.nn.functional.huber_loss(a, b, reduction=r, delta=0.7), X, Y),
    ("smooth_l1", lambda a, b, r: F.smooth_l1_loss(a, b, r, beta=0.7),
     lambda T, a, b, r: T.nn.functional.smooth_l1_loss(a, b, reduction=r, beta=0.7), X, Y),
    ("smooth_l1_beta0", lambda a, b, r: F.smooth_l1_loss(a, b, r, beta=0.0),
     lambda T, a, b, r: T.nn.functional.smooth_l1_loss(a, b, reduction=r, beta=0.0), X, Y),
    ("bce", lambda a, b, r: F.binary_cross_entropy(a, b, ag.Tensor(W), r),
     lambda T, a, b, r: T.nn.functional.binary_cross_entropy(a, b, T.tensor(W), reduction=r), P, T01),
    ("bce_logits", lambda a, b, r: F.binary_cross_entropy_with_logits(a, b, ag.Tensor(W), r, ag.Tensor(PW)),
     lambda T, a, b, r: T.nn.functional.binary_cross_entropy_with_logits(
         a, b, T.tensor(W), reduction=r, pos_weight=T.tensor(PW)), X, T01),
    ("bce_logits_plain", lambda a, b, r: F.binary_cross_entropy_with_logits(a, b, reduction=r),
     lambda T, a, b, r: T.nn.functional.binary_cross_entropy_with_logits(a, b, reduction=r), X, T01),
    ("kl_div", F.kl_div, lambda T, a, b, r: T.nn.functional.kl_div(a, b, reduction=r), LOGP, T01),
    ("kl_div_log_target", lambda a, b, r: F.kl_div(a, b, r, log_target=True),
     lambda T, a, b, r: T.nn.functional.kl_div(a, b, reduction=r, log_target=True), LOGP, LOGP[::-1].copy()),
]
PAIR_IDS = [c[0] for c in PAIRWISE]


def _compare(torch, ours, ref, arrays, rtol=1e-10, atol=1e-12, constant=()):
    """Values and gradients (w.r.t. every input not listed in ``constant``) of ours vs torch, in float64."""
    xs = [ag.Tensor(a, requires_grad=i not in constant) for i, a in enumerate(arrays)]
    ts = [torch.tensor(a, requires_grad=i not in constant) for i, a in enumerate(arrays)]
    out, tout = ours(*xs), ref(torch, *ts)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=rtol, atol=atol)
    v = np.random.default_rng(5).standard_normal(out.shape)
    (out * ag.Tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    for x, t in zip(xs, ts):
        if x.requires_grad:
            np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=rtol, atol=atol)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, ours, ref, a, b", PAIRWISE, ids=PAIR_IDS)
def test_pairwise_losses_match_torch(torch, name, ours, ref, a, b, reduction):
    _compare(torch, lambda x, y: ours(x, y, reduction), lambda T, x, y: ref(T, x, y, reduction), [a, b])


@pytest.mark.parametrize("name, ours, ref, a, b", PAIRWISE, ids=PAIR_IDS)
def test_pairwise_losses_match_central_differences(name, ours, ref, a, b):
    assert_gradients_close(lambda x, y: ours(x, y, "none"), ag.Tensor(a, requires_grad=True),
                           ag.Tensor(b, requires_grad=True))


def test_kl_div_batchmean_and_zero_targets(torch):
    target = T01.copy()
    target[0, 1] = 0.0
    _compare(torch, lambda a, b: F.kl_div(a, b, "batchmean"),
             lambda T, a, b: T.nn.functional.kl_div(a, b, reduction="batchmean"), [LOGP, target],
             constant=(1,))  # d/dt of t log t is -inf at t = 0 in PyTorch
    assert math.isclose(F.kl_div(ag.Tensor(LOGP), ag.Tensor(target), "batchmean").item(),
                        F.kl_div(ag.Tensor(LOGP), ag.Tensor(target), "sum").item() / 4)


def test_hand_computed_values():
    a, z = ag.Tensor([1.0, 2.0]), ag.Tensor([0.0, 0.0])
    assert F.mse_loss(a, z).item() == 2.5
    assert F.l1_loss(a, z, "sum").item() == 3.0
    np.testing.assert_allclose(F.huber_loss(ag.Tensor([0.5, 3.0]), z, "none").data, [0.125, 2.5])
    np.testing.assert_allclose(F.smooth_l1_loss(ag.Tensor([0.5, 3.0]), z, "none", beta=2.0).data, [0.0625, 2.0])
    assert math.isclose(F.binary_cross_entropy(ag.Tensor([0.5]), ag.Tensor([1.0])).item(), math.log(2), rel_tol=1e-6)
    assert math.isclose(F.cross_entropy(ag.zeros(2, 5), ag.Tensor([1, 3])).item(), math.log(5), rel_tol=1e-6)
    assert math.isclose(F.nll_loss(ag.Tensor([[-1.0, -2.0]]), ag.Tensor([1])).item(), 2.0)


def _ce_case(shape, classes, seed=0, ignore=None):
    r = np.random.default_rng(seed)
    logits = r.standard_normal(shape) * 3
    target_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    target = r.integers(0, classes, target_shape)
    if ignore is not None and target.size:
        target.reshape(-1)[::3] = ignore
    return logits, target


CE_OPTIONS = [
    {}, {"weight": True}, {"ignore_index": 1}, {"label_smoothing": 0.2},
    {"weight": True, "ignore_index": 2, "label_smoothing": 0.3},
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", CE_OPTIONS, ids=lambda o: "-".join(o) or "plain")
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 2, 3), (4,)], ids=["NC", "NCd1d2", "C"])
def test_cross_entropy_index_targets_match_torch(torch, shape, options, reduction):
    classes = shape[1] if len(shape) > 1 else shape[0]
    logits, target = _ce_case(shape, classes, ignore=options.get("ignore_index"))
    w = np.linspace(0.5, 2.0, classes) if options.get("weight") else None
    kw = {k: v for k, v in options.items() if k != "weight"}

    def ours(x):
        return F.cross_entropy(x, ag.Tensor(target), None if w is None else ag.Tensor(w), reduction=reduction, **kw)

    def ref(T, x):
        return T.nn.functional.cross_entropy(x, T.tensor(target), None if w is None else T.tensor(w),
                                             reduction=reduction, **kw)

    _compare(torch, ours, ref, [logits])
    if reduction == "none":
        _compare(torch, lambda x: F.nll_loss(F.log_softmax(x, 1 if x.ndim > 1 else 0), target,
                                             None if w is None else w, options.get("ignore_index", -100), reduction),
                 lambda T, x: T.nn.functional.nll_loss(T.log_softmax(x, 1 if x.ndim > 1 else 0), T.tensor(target),
                                                       None if w is None else T.tensor(w),
                                                       ignore_index=options.get("ignore_index", -100),
                                                       reduction=reduction), [logits])


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("options", [{}, {"weight": True}, {"ignore_index": 0}], ids=["plain", "weight", "ignore"])
def test_nll_loss_matches_torch(torch, options, reduction):
    r = np.random.default_rng(4)
    logp = np.log(r.dirichlet(np.ones(5), (3, 2)).transpose(0, 2, 1))  # (N, C, d)
    target = r.integers(0, 5, (3, 2))
    target[0, 0] = 0
    w = np.linspace(0.2, 1.0, 5) if options.get("weight") else None
    ignore = options.get("ignore_index", -100)
    _compare(torch, lambda x: F.nll_loss(x, target, w, ignore, reduction),
             lambda T, x: T.nn.functional.nll_loss(x, T.tensor(target), None if w is None else T.tensor(w),
                                                   ignore_index=ignore, reduction=reduction), [logp])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing, weighted", [(0.0, False), (0.25, False), (0.1, True)])
def test_cross_entropy_probability_targets_match_torch(torch, smoothing, weighted, reduction):
    r = np.random.default_rng(6)
    logits, probs = r.standard_normal((5, 4, 2)), r.dirichlet(np.ones(4), (5, 2)).transpose(0, 2, 1).copy()
    w = np.array([0.5, 1.0, 1.5, 2.0]) if weighted else None
    _compare(torch,
             lambda x, p: F.cross_entropy(x, p, w, reduction=reduction, label_smoothing=smoothing),
             lambda T, x, p: T.nn.functional.cross_entropy(x, p, None if w is None else T.tensor(w),
                                                           reduction=reduction, label_smoothing=smoothing),
             [logits, probs])


@pytest.mark.parametrize("smoothing", [0.0, 0.1], ids=["fused", "composite"])
def test_cross_entropy_all_ignored_mean_is_nan_with_zero_gradient_like_torch(torch, smoothing):
    logits, target = np.zeros((2, 3)), np.array([-100, -100])
    x = ag.Tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, target, label_smoothing=smoothing)
    loss.backward()
    assert math.isnan(loss.item()) and np.array_equal(x.grad.data, np.zeros((2, 3)))
    t = torch.tensor(logits, requires_grad=True)
    tloss = torch.nn.functional.cross_entropy(t, torch.tensor(target), label_smoothing=smoothing)
    tloss.backward()
    assert math.isnan(tloss.item()) and not t.grad.any()


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_fused_cross_entropy_is_one_node_and_agrees_with_the_composite(reduction):
    """The common case (N, C logits, class indices) records the fused primitive alone; with a weight of ones
    (the composite path) values, gradients and second derivatives agree."""
    logits, target = _ce_case((5, 4), 4, seed=7, ignore=2)
    results = []
    for w in (None, np.ones(4)):
        x = ag.Tensor(logits, requires_grad=True)
        loss = F.cross_entropy(x, target, w, ignore_index=2, reduction=reduction)
        if w is None:
            assert loss.grad_fn.name == "CrossEntropyBackward" and loss.grad_fn.parents[0] is x
        g, = ag.grad(loss.sum(), x, create_graph=True)
        h, = ag.grad((g * g).sum(), x)
        results.append((loss.data, g.data, h.data))
    for fused, composite in zip(*results):
        np.testing.assert_allclose(fused, composite, rtol=1e-12, atol=1e-14)


def test_cross_entropy_gradcheck_with_all_options():
    logits, target = _ce_case((3, 4, 2), 4, seed=3, ignore=0)
    w = np.array([0.3, 1.0, 2.0, 0.7])
    assert_gradients_close(lambda x: F.cross_entropy(x, target, w, ignore_index=0, label_smoothing=0.2),
                           ag.Tensor(logits, requires_grad=True))
    probs = np.random.default_rng(1).dirichlet(np.ones(4), 3)
    assert_gradients_close(lambda x, p: F.cross_entropy(x, p, w, label_smoothing=0.1),
                           ag.Tensor(logits[:, :, 0], requires_grad=True), ag.Tensor(probs, requires_grad=True))


@pytest.mark.parametrize("dtype, tol", [(np.float32, 1e-5), (np.float64, 1e-12)])
def test_extreme_logits_are_finite_and_match_torch(torch, dtype, tol):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [1e4, 1e4, -1e4]], dtype=dtype)
    target = np.array([1, 2, 0])
    binary = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0]], dtype=dtype)
    cases = [
        (lambda x: F.cross_entropy(x, target, label_smoothing=0.1),
         lambda T, x: T.nn.functional.cross_entropy(x, T.tensor(target), label_smoothing=0.1)),
        (lambda x: F.cross_entropy(x, ag.Tensor(binary / 2)),
         lambda T, x: T.nn.functional.cross_entropy(x, T.tensor(binary / 2))),
        (lambda x: F.binary_cross_entropy_with_logits(x, ag.Tensor(binary), pos_weight=ag.Tensor(PW.astype(dtype))),
         lambda T, x: T.nn.functional.binary_cross_entropy_with_logits(x, T.tensor(binary),
                                                                       pos_weight=T.tensor(PW.astype(dtype)))),
        (lambda x: F.log_softmax(x, 1).sum(), lambda T, x: T.log_softmax(x, 1).sum()),
    ]
    for ours, ref in cases:
        x, t = ag.Tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
        out, tout = ours(x), ref(torch, t)
        out.backward()
        tout.backward()
        assert np.isfinite(out.data) and np.all(np.isfinite(x.grad.data))
        np.testing.assert_allclose(out.data, tout.item(), rtol=tol)
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=tol, atol=tol)


def test_bce_clamps_log_at_minus_100_with_finite_gradients():
    p = ag.Tensor(np.array([0.0, 1.0, 0.0, 1.0]), requires_grad=True)
    loss = F.binary_cross_entropy(p, ag.Tensor(np.array([1.0, 0.0, 0.0, 1.0])), reduction="none")
    np.testing.assert_array_equal(loss.data, [100.0, 100.0, 0.0, 0.0])
    loss.sum().backward()
    assert np.all(np.isfinite(p.grad.data))


def test_loss_modules_wrap_functions(torch):
    x, y = ag.Tensor(X), ag.Tensor(Y)
    logits, target = _ce_case((6, 3), 3, ignore=2)
    w = ag.Tensor(np.array([1.0, 2.0, 0.5]))
    pairs = [
        (nn.MSELoss("sum"), F.mse_loss(x, y, "sum")), (nn.L1Loss(), F.l1_loss(x, y)),
        (nn.HuberLoss(delta=0.5), F.huber_loss(x, y, delta=0.5)),
        (nn.SmoothL1Loss("none", beta=0.5), F.smooth_l1_loss(x, y, "none", beta=0.5)),
        (nn.KLDivLoss("batchmean", log_target=True), F.kl_div(x, y, "batchmean", log_target=True)),
        (nn.BCEWithLogitsLoss(pos_weight=ag.Tensor(PW)), F.binary_cross_entropy_with_logits(x, ag.Tensor(T01 * 0 + 1),
                                                                                            pos_weight=PW)),
    ]
    for module, expected in pairs:
        other = ag.Tensor(T01 * 0 + 1) if isinstance(module, nn.BCEWithLogitsLoss) else y
        np.testing.assert_array_equal(module(x, other).data, expected.data)
    np.testing.assert_array_equal(nn.BCELoss(weight=ag.Tensor(W))(ag.Tensor(P), ag.Tensor(T01)).data,
                                  F.binary_cross_entropy(ag.Tensor(P), ag.Tensor(T01), ag.Tensor(W)).data)
    ce = nn.CrossEntropyLoss(weight=w, ignore_index=2, label_smoothing=0.1)
    np.testing.assert_array_equal(ce(ag.Tensor(logits), target).data,
                                  F.cross_entropy(ag.Tensor(logits), target, w, 2, label_smoothing=0.1).data)
    np.testing.assert_array_equal(nn.NLLLoss(w)(ag.Tensor(logits), target).data,
                                  F.nll_loss(ag.Tensor(logits), target, w, ignore_index=-100).data)
    assert list(ce.state_dict()) == list(torch.nn.CrossEntropyLoss(weight=torch.ones(3)).state_dict()) == ["weight"]
    assert repr(ce) == "CrossEntropyLoss()" and repr(nn.MSELoss()) == "MSELoss()"


def test_errors_name_shapes_and_values():
    x = ag.zeros(4, 3)
    with pytest.raises(ValueError, match=r"target shape \(4,\) differs from input shape \(4, 3\)"):
        F.mse_loss(x, ag.zeros(4))
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.l1_loss(x, x, reduction="avg")
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.MSELoss("batchmean")
    with pytest.raises(IndexError, match=r"target class 3 is out of range \[0, 3\)"):  # PyTorch's type
        F.cross_entropy(x, ag.Tensor([0, 1, 3, 2]))
    with pytest.raises(IndexError, match=r"target class -1 is out of range"):
        F.nll_loss(x, np.array([0, -1, 1, 2]))
    with pytest.raises(ValueError, match=r"target of shape \(4, 1\) does not fit input of shape \(4, 3\).*\(4,\)"):
        F.cross_entropy(x, np.zeros((4, 1), dtype=np.int64))
    with pytest.raises(ValueError, match=r"target shape \(4,\) differs from input shape \(4, 3\)"):
        F.cross_entropy(x, np.array([0.0, 1.0, 2.0, 1.0]))  # floats must be probabilities
    with pytest.raises(ValueError, match="must be integers, got dtype bool"):
        F.nll_loss(x, np.array([True, False, True, True]))
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
        F.cross_entropy(x, np.array([0, 1, 2, 1]), weight=np.ones(4))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, np.array([0, 1, 2, 1]), label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]"):
        F.binary_cross_entropy(ag.Tensor([0.5, 1.5]), ag.Tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match="delta must be positive"):
        F.huber_loss(x, x, delta=0.0)
    with pytest.raises(ValueError, match="beta must be non-negative"):
        F.smooth_l1_loss(x, x, beta=-1.0)


def test_second_derivatives_of_logit_losses():
    logits, target = _ce_case((3, 4), 4, seed=8, ignore=1)
    assert_second_gradients_close(lambda x: F.cross_entropy(x, target, label_smoothing=0.1),
                                  ag.Tensor(logits, requires_grad=True))
    assert_second_gradients_close(lambda x: F.binary_cross_entropy_with_logits(x, ag.Tensor(T01), pos_weight=PW),
                                  ag.Tensor(X, requires_grad=True))


def test_numpy_targets_keep_the_input_dtype():
    x = ag.Tensor(X.astype(np.float32), requires_grad=True)
    for loss in (F.mse_loss(x, Y), F.huber_loss(x, Y.tolist()), F.kl_div(x, T01),
                 F.binary_cross_entropy_with_logits(x, T01, W, pos_weight=PW),
                 F.cross_entropy(x, T01 / T01.sum(1, keepdims=True), np.ones(3), label_smoothing=0.1),
                 F.cross_entropy(x, np.array([0, 2, 1, 1]), np.ones(3), label_smoothing=0.1)):
        assert loss.dtype == np.float32

"""Bad-input metadata: for every exported layer, loss, optimizer and scheduler, a small valid configuration and
the values that are out of range or of the wrong type. ``test_bad_inputs_generated`` draws its cases from these
records, and its completeness tests fail when an exported class has none (so a new layer must declare one).

Names follow PyTorch: ``args`` are the constructor's keywords, and the PyTorch class of the same name is the
reference unless ``reference`` builds an equivalent from torch operations.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import nn
import nn.functional as F
import optim
from optim import lr_scheduler

_NEG = [0, -1, -2]          # sizes, kernels, strides that must be positive
_PADS = [-1, -3]            # paddings must be non-negative
_PROB = [-0.1, 1.5, float("nan"), "0.5"]


@dataclass(frozen=True)
class Layer:
    """A layer class: ``args`` build a small valid one taking inputs of ``shape`` (batch first).

    ``ranks`` are the input ranks it accepts (None: any), ``feature_axis`` the axis whose size it fixes
    (None: any size), ``batch_axis`` the batch's, ``bad`` constructor values per argument. ``call`` runs a
    module on an input, ``reference(torch, args)`` builds the PyTorch equivalent when PyTorch has no class of
    that name (then constructor cases are only checked for a clean error). ``stricter`` maps case labels
    (``"rank"``, ``"features"``, ``"features:0"``, ``"dtype:int64"``, ``"empty"``, ``"arg:NAME"``...) to the
    reason we raise where PyTorch returns a result, ``lenient`` to the reason we return one where it raises.
    ``random`` layers are only compared in ``eval()`` mode; ``integer`` inputs are class ids.
    """

    args: dict
    shape: tuple
    ranks: tuple | None
    feature_axis: int | None = 1
    batch_axis: int = 0
    bad: dict = field(default_factory=dict)
    call: Callable[[Any, Any], Any] = staticmethod(lambda m, x: m(x))
    reference: Callable | None = None
    random: bool = False
    integer: bool = False
    stricter: dict = field(default_factory=dict)
    lenient: dict = field(default_factory=dict)


def _conv(k: int, transposed: bool = False) -> Layer:
    bad = {"in_channels": [-1, 2.5], "out_channels": [-1, "4"], "kernel_size": _NEG + [2.5, (2,) * (k + 1)],
           "stride": _NEG, "padding": _PADS, "dilation": _NEG, "groups": [0, -1, 2, 1.5]}
    if transposed:
        bad["output_padding"] = [-1, 3]
    else:
        bad["padding_mode"] = ["mirror"]
    return Layer(dict(in_channels=3, out_channels=4, kernel_size=3), (2, 3) + (6,) * k, (k + 1, k + 2), bad=bad)


_FLOATING_POOLS = "our pooling is floating only (PyTorch has integer kernels for some: max_pool2d, avg_pool)"


def _pool(k: int, kind: str) -> Layer:
    if kind == "adaptive":
        return Layer(dict(output_size=2), (2, 3) + (5,) * k, (k + 1, k + 2), None,
                     bad={"output_size": [0, -1, 2.5, (2,) * (k + 1)]},
                     lenient={"arg:output_size": "an empty output's backward gives zero gradients (PyTorch's "
                                                 "backward refuses it, its forward returns the empty output)"})
    bad = {"kernel_size": _NEG + [2.5], "stride": _NEG, "padding": _PADS + [2]}
    if kind == "max":
        bad["dilation"] = _NEG
    return Layer(dict(kernel_size=2), (2, 3) + (5,) * k, (k + 1, k + 2), None, bad=bad,
                 stricter={"dtype:int64": _FLOATING_POOLS})


def _recurrent(cell: bool) -> Layer:
    bad = {"input_size": [0, -1, 2.5], "hidden_size": [0, -1, "5"]}
    stricter = {"arg:hidden_size": "a cell without hidden units is refused like a layer (PyTorch's RNN refuses "
                "hidden_size=0, its cells return empty states)"} if cell else {}
    if not cell:
        bad.update(num_layers=[0, -1, 1.5], dropout=_PROB)
    # (N, in) for cells; (seq, batch, in) for layers, whose batch is axis 1
    return Layer(dict(input_size=3, hidden_size=5), (2, 3) if cell else (4, 2, 3), (1, 2) if cell else (2, 3), -1,
                 0 if cell else 1, bad=bad, stricter=stricter)


def _elementwise(**args) -> Layer:
    return Layer(args, (2, 3, 4), None, None)


def _torch_module(torch, forward: Callable, **parameters):
    """A PyTorch module running ``forward(module, x)`` with the given parameters (for layers PyTorch lacks)."""
    class Reference(torch.nn.Module):
        def __init__(self):
            super().__init__()
            for name, shape in parameters.items():
                setattr(self, name, torch.nn.Parameter(torch.zeros(shape)))

        def forward(self, x):
            return forward(self, x)

    return Reference()


def _hard_logistic(torch, args):
    return _torch_module(torch, lambda m, x: torch.clamp(x * 0.25 + 0.5, 0, 1))


def _maxout(torch, args):
    out, k, features = args["out_features"], args["k"], args["in_features"]
    return _torch_module(torch, lambda m, x: torch.nn.functional.linear(x, m.weight, m.bias).unflatten(-1, (out, k))
                         .amax(-1), weight=(out * k, features), bias=(out * k,))


# PyTorch skips its channel check when the input is empty; we check the channels of every input
_NO_CHANNELS = "an input without channels does not fit a layer of num_features channels, empty or not"

_LIKE_HARDSIGMOID = "floating only, like PyTorch's hardsigmoid (the reference composes torch ops, which take integers)"

LAYERS: dict[type, Layer] = {
    nn.Identity: _elementwise(),
    nn.Linear: Layer(dict(in_features=3, out_features=4), (2, 3), None, -1,
                     bad={"in_features": [-1, 2.5], "out_features": [-1, "4"]}),
    nn.Flatten: Layer(dict(start_dim=1, end_dim=-1), (2, 3, 4), None, None, bad={"start_dim": [5, -6]}),
    nn.Unflatten: Layer(dict(dim=1, unflattened_size=(2, 3)), (2, 6, 4), None, 1,
                        bad={"unflattened_size": [(), (-1, -1), (2, -3)], "dim": [4]}),
    nn.Maxout: Layer(dict(in_features=3, out_features=4, k=2), (2, 3), None, -1, bad={"k": [0, -1]},
                     reference=_maxout),
    nn.Conv1d: _conv(1), nn.Conv2d: _conv(2),
    nn.ConvTranspose1d: _conv(1, transposed=True), nn.ConvTranspose2d: _conv(2, transposed=True),
    nn.BatchNorm1d: Layer(dict(num_features=3), (4, 3, 5), (2, 3), 1, bad={"num_features": [-1, 2.5]},
                          stricter={"features:0": _NO_CHANNELS}),
    nn.BatchNorm2d: Layer(dict(num_features=3), (4, 3, 5, 5), (4,), 1, bad={"num_features": [-1, 2.5]},
                          stricter={"features:0": _NO_CHANNELS}),
    nn.LayerNorm: Layer(dict(normalized_shape=4), (2, 3, 4), None, -1, bad={"normalized_shape": [-1, 2.5]}),
    nn.GroupNorm: Layer(dict(num_groups=2, num_channels=4), (2, 4, 5), None, 1,
                        bad={"num_groups": [0, -1, 3], "num_channels": [-2, 2.5]}),
    nn.Dropout: Layer(dict(p=0.5), (2, 3, 4), None, None, bad={"p": _PROB}, random=True),
    nn.Embedding: Layer(dict(num_embeddings=5, embedding_dim=3), (2, 4), None, None, integer=True,
                        bad={"num_embeddings": [-1, 2.5], "embedding_dim": [-1, "3"], "padding_idx": [5, -6]}),
    nn.Sigmoid: _elementwise(), nn.Tanh: _elementwise(), nn.ReLU: _elementwise(), nn.SELU: _elementwise(),
    nn.SiLU: _elementwise(), nn.Softsign: _elementwise(), nn.Hardsigmoid: _elementwise(),
    nn.HardLogistic: Layer({}, (2, 3, 4), None, None, reference=_hard_logistic,
                           stricter=dict.fromkeys(("dtype:int64", "dtype:bool"), _LIKE_HARDSIGMOID)),
    nn.LeakyReLU: _elementwise(negative_slope=0.01), nn.ELU: _elementwise(alpha=1.0),
    nn.Softplus: _elementwise(beta=1.0, threshold=20.0),
    nn.GELU: Layer({}, (2, 3, 4), None, None, bad={"approximate": ["fast"]}),
    nn.Hardtanh: Layer(dict(min_val=-1.0, max_val=1.0), (2, 3, 4), None, None, bad={"min_val": [2.0]}),
    nn.RReLU: Layer(dict(lower=0.125, upper=0.3), (2, 3, 4), None, None, bad={"lower": [0.5, -0.1]}, random=True),
    nn.PReLU: Layer(dict(num_parameters=3), (2, 3, 4), None, 1, bad={"num_parameters": [0, -1]}),
    nn.Softmax: Layer(dict(dim=1), (2, 3, 4), None, None, bad={"dim": [3, -4]}),
    nn.LogSoftmax: Layer(dict(dim=1), (2, 3, 4), None, None, bad={"dim": [3, -4]}),
    nn.RNN: _recurrent(False), nn.LSTM: _recurrent(False), nn.GRU: _recurrent(False),
    nn.RNNCell: _recurrent(True), nn.LSTMCell: _recurrent(True), nn.GRUCell: _recurrent(True),
    nn.MultiheadAttention: Layer(dict(embed_dim=4, num_heads=2), (3, 2, 4), (2, 3), -1, 1,
                                 bad={"embed_dim": [0, -4, 3], "num_heads": [0, -1, 3], "dropout": _PROB},
                                 stricter={"arg:dropout": "a dropout outside [0, 1] is refused at construction; "
                                                          "PyTorch fails only at a training forward with p > 0"},
                                 call=lambda m, x: m(x, x, x)),
    nn.MaxPool1d: _pool(1, "max"), nn.MaxPool2d: _pool(2, "max"),
    nn.AvgPool1d: _pool(1, "avg"), nn.AvgPool2d: _pool(2, "avg"),
    nn.AdaptiveAvgPool1d: _pool(1, "adaptive"), nn.AdaptiveAvgPool2d: _pool(2, "adaptive"),
}

# Containers are judged on what can go wrong with them: a non-module child, an index or key not held or of the
# wrong type. Each case runs on ``lib`` (``nn`` or ``torch.nn``); the names are what the error must mention.
CONTAINERS: dict[type, dict[str, tuple[Callable, tuple[str, ...]]]] = {
    nn.Sequential: {"child": (lambda lib: lib.Sequential(lib.ReLU(), 3), ("int",)),
                    "index": (lambda lib: lib.Sequential(lib.ReLU())[2], ("index 2",)),
                    "index type": (lambda lib: lib.Sequential(lib.ReLU())["x"], ("index",))},
    nn.ModuleList: {"child": (lambda lib: lib.ModuleList([lib.ReLU(), 3]), ("int",)),
                    "append": (lambda lib: lib.ModuleList([]).append(4), ("int",)),
                    "index": (lambda lib: lib.ModuleList([lib.ReLU()])[-2], ("index -2",)),
                    "index type": (lambda lib: lib.ModuleList([lib.ReLU()])[1.5], ("index",))},
    nn.ModuleDict: {"child": (lambda lib: lib.ModuleDict({"a": 3}), ("int",)),
                    "key": (lambda lib: lib.ModuleDict({"a": lib.ReLU()})["b"], ("'b'",)),
                    "name type": (lambda lib: lib.ModuleDict({3: lib.ReLU()}), ("name",)),
                    "name": (lambda lib: lib.ModuleDict({"a.b": lib.ReLU()}), ("a.b",))},
}


@dataclass(frozen=True)
class Loss:
    """A loss function and its module: ``target`` is ``"same"`` (a float target of the input's shape),
    ``"index"`` (class ids, the input's shape without axis 1) or ``"probability"`` (BCE: input and target in
    [0, 1]); ``bad`` maps options to out-of-range or wrongly typed values, ``stricter`` and ``lenient`` case
    labels to the reason we differ from PyTorch (as for ``Layer``)."""

    function: Callable
    module: type
    target: str = "same"
    bad: dict = field(default_factory=dict)
    stricter: dict = field(default_factory=dict)
    lenient: dict = field(default_factory=dict)


# PyTorch broadcasts a target of another shape with a warning; we refuse it (a silent broadcast of (N, 1) against
# (N,) is the classic wrong loss), for every loss with a same-shape target.
_NO_BROADCAST = {"target shape": "a target of another shape is refused, not broadcast with a warning"}
# PyTorch's dtype rules differ from loss to loss (mse takes a bool target, l1 does not; mse and l1 promote an
# integer input, huber does not); ours is one rule: a floating input, a numeric (non-bool) target.
_INT_INPUT = {"input dtype": "the input (a prediction) must be floating; PyTorch promotes an integer one here"}
_BOOL_TARGET = {"target dtype": "a boolean target is refused (cast the mask); PyTorch takes it here"}

LOSSES: list[Loss] = [
    Loss(F.mse_loss, nn.MSELoss, stricter=_NO_BROADCAST | _INT_INPUT | _BOOL_TARGET),
    Loss(F.l1_loss, nn.L1Loss, stricter=_NO_BROADCAST | _INT_INPUT),
    Loss(F.huber_loss, nn.HuberLoss, bad={"delta": [0.0, -1.0, "1"]}, stricter=_NO_BROADCAST | _BOOL_TARGET,
         lenient={"target dtype": "an integer target gets its gradient (PyTorch's forward takes it, its backward "
                                  "then refuses: 'Found dtype Long but expected Float')"}),
    Loss(F.smooth_l1_loss, nn.SmoothL1Loss, bad={"beta": [-1.0, "1"]},
         stricter=_NO_BROADCAST | _INT_INPUT | _BOOL_TARGET),

    Loss(F.binary_cross_entropy, nn.BCELoss, "probability", stricter=_NO_BROADCAST),
    Loss(F.binary_cross_entropy_with_logits, nn.BCEWithLogitsLoss, stricter=_NO_BROADCAST),
    # PyTorch checks label_smoothing only when it is positive, so a negative one silently means none
    Loss(F.cross_entropy, nn.CrossEntropyLoss, "index", bad={"label_smoothing": [-0.1, 1.5, "0.1"]},
         stricter={"option": "a label_smoothing outside [0, 1] is refused, negative too"}),
    Loss(F.nll_loss, nn.NLLLoss, "index"),
    Loss(F.kl_div, nn.KLDivLoss, stricter=_NO_BROADCAST),
]


@dataclass(frozen=True)
class Hyper:
    """An optimizer or scheduler class: ``args`` are valid keywords, ``bad`` out-of-range or wrongly typed values
    per argument, ``reference(torch, args)`` the PyTorch equivalent when PyTorch has no class of the name (built
    with the valid ``args`` only), ``stricter`` as for ``Layer`` (labels ``"arg:NAME"``)."""

    args: dict = field(default_factory=dict)
    bad: dict = field(default_factory=dict)
    reference: Callable | None = None
    stricter: dict = field(default_factory=dict)


_LR = {"lr": [-0.1, "0.1", None]}
_DECAY = {"weight_decay": [-0.1, "0"], "eps": [-1e-8, "1e-8"]}
_BETAS = {"betas": [(1.0, 0.999), (0.9, -0.1), 0.9, (0.9,), ("0.9", 0.999)]}

OPTIMIZERS: dict[type, Hyper] = {
    optim.SGD: Hyper(dict(lr=0.1), _LR | {"momentum": [-0.5, "0.9"], "weight_decay": [-0.1, "0"],
                                          "dampening": ["0"], "nesterov": [True]}),
    optim.Adagrad: Hyper({}, _LR | _DECAY | {"lr_decay": [-0.1, "0"], "initial_accumulator_value": [-0.1]}),
    optim.RMSprop: Hyper({}, _LR | _DECAY | {"alpha": [-0.1, "0.99"], "momentum": [-0.5]}),
    optim.Adadelta: Hyper({}, _LR | _DECAY | {"rho": [-0.1, 1.5, "0.9"]}),
    optim.Rprop: Hyper({}, _LR | {"etas": [(1.5, 1.2), (0.5, 0.9), 0.5, ("a", 1.2), (0.5,)],
                                  "step_sizes": [(-1.0, 50.0), 1e-6, (1e-6, "50"), (1e-6,)]},
                       stricter={"arg:step_sizes": "a negative minimum step size is refused (PyTorch does not check)"}),
    optim.Adam: Hyper({}, _LR | _DECAY | _BETAS),
    optim.AdamW: Hyper({}, _LR | _DECAY | _BETAS),
    optim.NAdam: Hyper({}, _LR | _DECAY | _BETAS | {"momentum_decay": [-0.1, "0.004"]}),
    optim.LBFGS: Hyper(dict(lr=0.5), _LR | {"max_iter": [0, "20"], "history_size": [0, -1, 2.5],
                                            "line_search_fn": ["wolfe"], "tolerance_grad": ["1e-7"]},
                       stricter={"arg:max_iter": "max_iter=0 (a step that does nothing) is refused"}),
}


def _lambda_reference(factor: Callable):
    """A PyTorch ``LambdaLR`` with ``factor(args, epoch)``, for schedules PyTorch lacks."""
    return lambda torch, optimizer, args: torch.optim.lr_scheduler.LambdaLR(optimizer, lambda e: factor(args, e))


_NOT_INT = [2.5, "3"]
SCHEDULERS: dict[type, Hyper] = {
    lr_scheduler.StepLR: Hyper(dict(step_size=2), {"step_size": [0, -1] + _NOT_INT, "gamma": ["0.1", None]},
                               stricter={"arg:step_size": "a negative step_size is refused (PyTorch takes it)"}),
    lr_scheduler.MultiStepLR: Hyper(dict(milestones=[2, 4]), {"milestones": [3, None], "gamma": ["0.1"]},
                                    stricter={"arg:milestones": "None is refused (PyTorch's Counter(None) silently "
                                                                "means no milestones)"}),
    lr_scheduler.ExponentialLR: Hyper(dict(gamma=0.9), {"gamma": ["0.9", None]}),
    lr_scheduler.LambdaLR: Hyper(dict(lr_lambda=lambda e: 0.5 ** e), {"lr_lambda": [3, [abs, abs]]}),
    lr_scheduler.CosineAnnealingLR: Hyper(dict(T_max=4), {"T_max": [0, -1] + _NOT_INT, "eta_min": ["0"]},
                                          stricter={"arg:T_max": "a T_max < 1 is refused (PyTorch takes it)"}),
    lr_scheduler.LinearLR: Hyper({}, {"start_factor": [0.0, 1.5, "0.5"], "end_factor": [-0.1, 1.5, "1"],
                                      "total_iters": [-1] + _NOT_INT}),
    lr_scheduler.InverseTimeLR: Hyper(dict(decay_rate=0.5), {"decay_rate": [-1.0, "0.5"]},
                                      _lambda_reference(lambda a, e: 1 / (1 + a["decay_rate"] * e))),
    lr_scheduler.InverseSqrtLR: Hyper(dict(k=2.0), {"k": [0.0, -1.0, "1"]},
                                      _lambda_reference(lambda a, e: a["k"] / (e + 1) ** 0.5)),
    lr_scheduler.ReduceLROnPlateau: Hyper(dict(patience=1), {
        "mode": ["avg"], "factor": [1.0, 1.5, "0.1"], "patience": [-1] + _NOT_INT, "threshold": ["1e-4"],
        "threshold_mode": ["ratio"], "cooldown": [-1, "0"], "min_lr": [[0.0, 0.0], "0", -1.0], "eps": ["1e-8"]},
        stricter={"arg:cooldown": "a negative cooldown is refused (PyTorch takes it)",
                  "arg:patience": "a negative patience is refused (PyTorch takes it)"}),
    lr_scheduler.CosineAnnealingWarmRestarts: Hyper(dict(T_0=3), {"T_0": [0, -1] + _NOT_INT,
                                                                  "T_mult": [0, 1.5], "eta_min": ["0"]}),
    lr_scheduler.OneCycleLR: Hyper(dict(max_lr=1.0, total_steps=10), {
        "max_lr": ["1", [1.0, 2.0], -1.0], "total_steps": [0, -1] + _NOT_INT, "pct_start": [1.5, -0.1, "0.3"],
        "anneal_strategy": ["exp"], "div_factor": ["25", 0.0], "final_div_factor": ["1e4"],
        "base_momentum": ["0.85"], "three_phase": ["yes"]}),
}
# every scheduler is also given something that is not an optimizer, and a resumed epoch without initial_lr
EVERY_SCHEDULER = {"optimizer": [None, "sgd"], "last_epoch": [3]}

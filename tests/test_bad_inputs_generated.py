"""Generated bad-input suite (issue 11, item 6): every exported layer, loss, optimizer and scheduler meets
hypothesis-drawn wrong ranks, feature counts, dtypes, empty batches and out-of-range arguments.

Each case runs in our library and, when PyTorch is installed, in PyTorch; ``bad_input_harness.judge`` requires
our outcome to be clean (a result, or a public exception naming the argument, shape or dtype) and equal to
PyTorch's (the same result, or a compatible exception). The cases come from ``bad_input_specs``; the
completeness tests make every exported class declare its record there. Example counts are the profile's
(tests/conftest.py: 15 by default, 200 with HYPOTHESIS_PROFILE=thorough).
"""
from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_core as ag
import nn
import optim
from optim import lr_scheduler

from .bad_input_harness import Raised, judge, outcome
from .bad_input_specs import EVERY_SCHEDULER, CONTAINERS, LAYERS, LOSSES, OPTIMIZERS, SCHEDULERS, Layer, Loss



@pytest.fixture(scope="session")
def reference(request):
    """PyTorch, or None without it: the clean-error checks still run, the cross-check is skipped."""
    try:
        return request.getfixturevalue("torch")
    except pytest.skip.Exception:
        return None


def _exported(namespace, base: type) -> list[type]:
    return [getattr(namespace, name) for name in namespace.__all__
            if inspect.isclass(getattr(namespace, name)) and issubclass(getattr(namespace, name), base)]


# ----------------------------------------------------------------------------- completeness
def test_every_exported_module_declares_bad_input_metadata():
    """A layer, activation, container or loss module exported by ``nn`` without a record here fails."""
    covered = set(LAYERS) | set(CONTAINERS) | {loss.module for loss in LOSSES} | {nn.Module}
    missing = sorted(cls.__name__ for cls in _exported(nn, nn.Module) if cls not in covered)
    assert not missing, f"no bad-input metadata in tests/bad_input_specs.py for {missing}"


# ----------------------------------------------------------------------------- layers
def _data(rng: np.random.Generator, shape: tuple, dtype: str, spec: Layer) -> np.ndarray:
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype == "int64":
        return rng.integers(0, 5, shape) if spec.integer else rng.integers(-3, 4, shape)
    return rng.standard_normal(shape).astype(dtype)


@st.composite
def _input_case(draw, spec: Layer):
    """``(label, input array, names a clear error must mention)`` for one bad (or edge) input of ``spec``."""
    shape, valid = spec.shape, "int64" if spec.integer else "float32"
    kinds = ["rank", "dtype", "empty"] + (["features"] if spec.feature_axis is not None else []) + \
        (["range"] if spec.integer else [])
    kind = label = draw(st.sampled_from(kinds))
    dtype, rng = valid, np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    if kind == "rank":
        rank = draw(st.integers(0, len(shape) + 2).filter(lambda r: r not in (spec.ranks or (len(shape),))))
        shape = shape[len(shape) - rank:] if rank <= len(shape) else (2,) * (rank - len(shape)) + shape
    elif kind == "features":
        axis = spec.feature_axis % len(shape)
        size = draw(st.integers(0, 6).filter(lambda n: n != shape[axis]))
        shape = shape[:axis] + (size,) + shape[axis + 1:]
        label = "features:0" if size == 0 else kind
    elif kind == "empty":
        shape = shape[:spec.batch_axis] + (0,) + shape[spec.batch_axis + 1:]
    elif kind == "dtype":
        dtype = draw(st.sampled_from(["float32", "bool"] if spec.integer else ["int64", "bool"]))
        label = f"dtype:{dtype}"
    x = _data(rng, shape, dtype, spec)
    if kind == "range":
        x = x + draw(st.sampled_from([5, -5]))  # ids past num_embeddings=5, or negative
        return label, x, ("indices", "index")
    if kind == "dtype":
        return label, x, (dtype,)
    # a rank error may name the shape, the rank, or the argument (a dim) the rank does not fit
    rank_names = (f"{len(shape)} dimensions", f"{len(shape)}-d") + tuple(spec.args)
    return label, x, (str(tuple(shape)),) + (rank_names if kind == "rank" else ())


def _torch_layer(torch, cls: type, spec: Layer, args: dict):
    if spec.reference is not None:
        return spec.reference(torch, args)
    return getattr(torch.nn, cls.__name__)(**args)


def _forward_backward(spec: Layer, module, x):
    """The outputs of ``spec.call(module, x)``, then the gradients of the sum of its floating outputs with respect
    to ``x`` and to every parameter (by name), so an edge case must also get through backward (on ours or torch)."""
    out = spec.call(module, x)
    # a torch dtype says is_floating_point, a numpy one (ours) has its kind
    floating = [o for o in _flat(out) if o is not None and o.requires_grad and
                (getattr(o.dtype, "is_floating_point", False) or getattr(o.dtype, "kind", "") == "f")]
    if not floating:
        return out
    sum(o.sum() for o in floating).backward()
    return out, x.grad, [p.grad for _, p in sorted(module.named_parameters(), key=lambda item: item[0])]


def _flat(value) -> list:
    return [leaf for v in value for leaf in _flat(v)] if isinstance(value, (tuple, list)) else [value]


def _run_layer(torch, cls: type, spec: Layer, args: dict, x: np.ndarray, training: bool):
    """Our outcome and PyTorch's (None without PyTorch) for building the layer from ``args`` and running it on ``x``
    forward and backward (floating inputs require grad)."""
    built = outcome(lambda: cls(**args))
    grad = x.dtype.kind == "f"
    ours = built if isinstance(built, Raised) else \
        outcome(lambda: _forward_backward(spec, built.train(training), ag.tensor(x, requires_grad=grad)))
    if torch is None or (spec.reference is not None and args != spec.args):
        return ours, None
    torch.manual_seed(0)

    def theirs():
        module = _torch_layer(torch, cls, spec, args)
        if not isinstance(built, Raised):
            module.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in built.state_dict().items()})
        return _forward_backward(spec, module.train(training), torch.tensor(x, requires_grad=grad))

    return ours, outcome(theirs)


@pytest.mark.parametrize("cls", list(LAYERS), ids=lambda c: c.__name__)
@given(data=st.data())
def test_layer_bad_inputs(reference, cls, data):
    spec = LAYERS[cls]
    label, x, names = data.draw(_input_case(spec), label="case")
    training = False if spec.random else data.draw(st.booleans(), label="training")
    ours, theirs = _run_layer(reference, cls, spec, spec.args, x, training)
    # PyTorch's IndexError for a dim a too small input lacks is our ValueError about its rank
    judge(ours, theirs, names, f"{cls.__name__}({spec.args}) on {label} input {x.dtype}{x.shape}",
          theirs is not None, also=(ValueError,) if label == "rank" else (), stricter=spec.stricter.get(label),
          lenient=spec.lenient.get(label))


LAYERS_WITH_BAD_ARGUMENTS = [cls for cls, spec in LAYERS.items() if spec.bad]


@pytest.mark.parametrize("cls", LAYERS_WITH_BAD_ARGUMENTS, ids=lambda c: c.__name__)
@given(data=st.data())
def test_layer_bad_arguments(reference, cls, data):
    spec = LAYERS[cls]
    name, args, wrong_type = _draw_argument(data, cls, spec.args, spec.bad)
    x = _data(np.random.default_rng(0), spec.shape, "int64" if spec.integer else "float32", spec)
    ours, theirs = _run_layer(reference, cls, spec, args, x, training=not spec.random)
    # a wrongly typed argument is our TypeError, whatever PyTorch happens to trip over
    judge(ours, theirs, (name,), f"{cls.__name__}({args})", theirs is not None,
          also=(TypeError,) if wrong_type else (), stricter=spec.stricter.get(f"arg:{name}"),
          lenient=spec.lenient.get(f"arg:{name}"))


def _draw_argument(data, cls: type, valid: dict, bad: dict) -> tuple[str, dict, bool]:
    """One argument of ``cls`` drawn from ``bad`` and given a bad value: ``(name, all arguments, whether the value
    is of the wrong type)``."""
    name = data.draw(st.sampled_from(sorted(bad)), label="argument")
    value = data.draw(st.sampled_from(bad[name]), label="value")
    expected = valid[name] if name in valid else inspect.signature(cls).parameters[name].default
    return name, {**valid, name: value}, _wrong_type(value, expected)


def _wrong_type(value, expected) -> bool:
    """Whether ``value`` is of another kind than the argument's valid ``expected`` one (a tuple may be an int)."""
    if isinstance(expected, bool):
        return not isinstance(value, bool)
    if isinstance(expected, int):
        return not isinstance(value, (int, tuple)) or isinstance(value, bool)
    if isinstance(expected, float):
        return not isinstance(value, (int, float)) or isinstance(value, bool)
    if isinstance(expected, (str, tuple)):
        return not isinstance(value, type(expected))
    return False


# ----------------------------------------------------------------------------- containers
CONTAINER_CASES = [(cls, label) for cls, cases in CONTAINERS.items() for label in cases]


@pytest.mark.parametrize("cls, label", CONTAINER_CASES, ids=[f"{c.__name__}-{k}" for c, k in CONTAINER_CASES])
def test_container_bad_inputs(reference, cls, label):
    case, names = CONTAINERS[cls][label]
    ours = outcome(lambda: case(nn))
    theirs = None if reference is None else outcome(lambda: case(reference.nn))
    assert isinstance(ours, Raised) == isinstance(theirs, Raised) or theirs is None, (ours, theirs)
    if isinstance(ours, Raised):  # a missing key is PyTorch's KeyError (a dict's), the only place it belongs
        judge(ours, theirs, names, f"{cls.__name__} {label}", theirs is not None, also=(KeyError,))


# ----------------------------------------------------------------------------- losses
_CLASSES = 3


def _loss_target(rng, loss: Loss, shape: tuple, dtype: str | None = None, exact: bool = False) -> np.ndarray:
    """A valid target for an input of ``shape`` (of ``dtype`` when given: a wrong one; of ``shape`` itself when
    ``exact``: a wrong shape)."""
    if loss.target == "index" and not exact:
        shape = shape[:1] + shape[2:] if len(shape) >= 2 else ()
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if loss.target == "index":
        values = rng.integers(0, _CLASSES, shape)
        return values.astype(dtype) if dtype else values
    values = rng.random(shape) if loss.target == "probability" else rng.standard_normal(shape)
    return values.astype(dtype or "float32")


@st.composite
def _loss_case(draw, loss: Loss):
    """``(label, input, target, options, names)`` for one bad (or edge) call of ``loss``."""
    kinds = ["target shape", "rank", "input dtype", "target dtype", "empty", "reduction"] + \
        (["range"] if loss.target != "same" else []) + (["option"] if loss.bad else [])
    label = draw(st.sampled_from(kinds))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    shape = (4, _CLASSES)
    if label == "rank":
        shape = (4, _CLASSES, 2, 2)[:draw(st.sampled_from([0, 1, 3, 4]))]
    elif label == "empty":
        shape = (0, _CLASSES)
    x = rng.random(shape).astype("float32") if loss.target == "probability" else \
        rng.standard_normal(shape).astype("float32")
    target, options = _loss_target(rng, loss, shape), {}
    names = (str(x.shape), str(target.shape))
    if label == "target shape":
        tshape = draw(st.lists(st.integers(1, 4), max_size=3).map(tuple).filter(lambda s: s != target.shape))
        target = _loss_target(rng, loss, tshape, exact=True)
        names = (str(tshape),)
    elif label == "input dtype":
        dtype = draw(st.sampled_from(["int64", "bool"]))
        x, names = (rng.random(shape) < 0.5) if dtype == "bool" else rng.integers(0, 2, shape), (dtype,)
    elif label == "target dtype":
        dtype = draw(st.sampled_from(["float32", "bool"] if loss.target == "index" else ["int64", "bool"]))
        target, names = _loss_target(rng, loss, shape, dtype), (dtype, "target", "integer")
    elif label == "range" and loss.target == "index":
        # class ids past C or negative (other than ignore_index=-100)
        target = target + draw(st.sampled_from([_CLASSES, -_CLASSES - 1, 7]))
        names = ("target",)
    elif label == "range":
        which = draw(st.sampled_from(["input", "target"]))
        bad = draw(st.sampled_from([-0.5, 1.5, float("nan")]))
        (x if which == "input" else target)[0, 0] = bad
        names = (which,)
    elif label == "reduction":
        options, names = {"reduction": draw(st.sampled_from(["avg", None, "batchmean", 1]))}, ("reduction",)
    elif label == "option":
        name = draw(st.sampled_from(sorted(loss.bad)))
        options, names = {name: draw(st.sampled_from(loss.bad[name]))}, (name,)
    if options.get("reduction") == "batchmean" and loss.module is nn.KLDivLoss:
        options = {"reduction": "mean "}
    return label, x, target, options, names


def _loss_and_gradient(fn, x, target):
    """``fn(x, target)`` and, for a floating ``x`` (which then requires grad), the gradient of its sum."""
    value = fn(x, target)
    if not x.requires_grad:
        return value
    value.sum().backward()
    return value, x.grad


def _run_loss(torch, loss: Loss, x, target, options: dict, via_module: bool):
    """Our outcome and PyTorch's (None without it) for the loss (function or module) on ``x`` and ``target``,
    forward and backward."""
    grad = x.dtype.kind == "f"

    def ours():
        fn = loss.module(**options) if via_module else lambda a, b: loss.function(a, b, **options)
        return _loss_and_gradient(fn, ag.tensor(x, requires_grad=grad), target)

    if torch is None:
        return outcome(ours), None

    def theirs():
        name = loss.function.__name__
        fn = getattr(torch.nn, loss.module.__name__)(**options) if via_module else \
            lambda a, b: getattr(torch.nn.functional, name)(a, b, **options)
        return _loss_and_gradient(fn, torch.tensor(x, requires_grad=grad), torch.from_numpy(np.array(target)))

    return outcome(ours), outcome(theirs)


@pytest.mark.parametrize("loss", LOSSES, ids=lambda loss: loss.function.__name__)
@given(data=st.data())
def test_loss_bad_inputs(reference, loss, data):
    label, x, target, options, names = data.draw(_loss_case(loss), label="case")
    via_module = data.draw(st.booleans(), label="via module")
    ours, theirs = _run_loss(reference, loss, x, target, options, via_module)
    spelling = loss.module.__name__ if via_module else loss.function.__name__
    judge(ours, theirs, names, f"{spelling}({options}) on {label}: input {x.dtype}{x.shape}, target "
          f"{target.dtype}{target.shape}", theirs is not None, stricter=loss.stricter.get(label),
          lenient=loss.lenient.get(label))


def test_every_functional_loss_declares_bad_input_metadata():
    import nn.functional.losses as losses

    covered = {loss.function for loss in LOSSES}
    missing = sorted(name for name in losses.__all__ if getattr(losses, name) not in covered)
    assert not missing, f"no bad-input metadata in tests/bad_input_specs.py for {missing}"


# ----------------------------------------------------------------------------- optimizers and schedulers
_START, _GOAL = np.array([1.0, -2.0, 0.5], np.float32), np.array([0.3, 0.1, -0.2], np.float32)


def _trajectory(lib, make, steps: int = 3) -> list:
    """The parameter after each of ``steps`` closure steps on ``sum((p - goal)²)``; ``lib`` is ours or torch."""
    p = lib.tensor(_START.copy(), requires_grad=True)
    goal = lib.tensor(_GOAL)
    optimizer = make(p)

    def closure():
        optimizer.zero_grad()
        loss = ((p - goal) ** 2).sum()
        loss.backward()
        return loss

    trajectory = []
    for _ in range(steps):
        optimizer.step(closure)
        trajectory.append(p.detach().numpy().copy())
    return trajectory


@pytest.mark.parametrize("cls", list(OPTIMIZERS), ids=lambda c: c.__name__)
@given(data=st.data())
def test_optimizer_bad_hyper_parameters(reference, cls, data):
    spec = OPTIMIZERS[cls]
    name, args, wrong_type = _draw_argument(data, cls, spec.args, spec.bad)
    ours = outcome(lambda: _trajectory(ag, lambda p: cls([p], **args)))
    theirs = None if reference is None else \
        outcome(lambda: _trajectory(reference, lambda p: getattr(reference.optim, cls.__name__)([p], **args)))
    # PyTorch indexes a too short pair or pops an empty history: an IndexError by accident, our ValueError
    accidental = (ValueError,) if isinstance(theirs, Raised) and type(theirs.error) is IndexError else ()
    # a pair's message may name one element: "beta parameter at index 1", "eta values"
    judge(ours, theirs, (name, name.rstrip("s")), f"{cls.__name__}({args})", theirs is not None,
          also=((TypeError,) if wrong_type else ()) + accidental, stricter=spec.stricter.get(f"arg:{name}"))


@pytest.mark.parametrize("cls", list(OPTIMIZERS), ids=lambda c: c.__name__)
@pytest.mark.parametrize("params, names", [([], ("empty",)), ([1.0], ("float",)), ("p", ("str",))],
                         ids=["empty", "number", "string"])
def test_optimizer_bad_parameters(reference, cls, params, names):
    ours = outcome(lambda: cls(params, **OPTIMIZERS[cls].args))
    theirs = None if reference is None else \
        outcome(lambda: getattr(reference.optim, cls.__name__)(params, **OPTIMIZERS[cls].args))
    judge(ours, theirs, names, f"{cls.__name__}({params!r})", theirs is not None)


def _schedule(lib, cls, args: dict, reference=None, epochs: int = 6) -> list:
    """The learning rates of a scheduler over ``epochs`` steps (ReduceLROnPlateau sees a loss that stalls)."""
    p = lib.tensor(_START.copy(), requires_grad=True)
    optimizer = (lib.optim.SGD if lib is not ag else optim.SGD)([p], lr=0.1, momentum=0.9)
    target = args.get("optimizer", optimizer)
    rest = {k: v for k, v in args.items() if k != "optimizer"}
    scheduler = reference(lib, target, rest) if reference is not None else cls(target, **rest)
    rates = []
    for epoch in range(epochs):
        optimizer.step()
        scheduler.step(1.0 if epoch < 2 else 2.0) if cls.__name__ == "ReduceLROnPlateau" else scheduler.step()
        rates.append([group["lr"] for group in optimizer.param_groups])
    return rates


@pytest.mark.parametrize("cls", list(SCHEDULERS), ids=lambda c: c.__name__)
@given(data=st.data())
def test_scheduler_bad_arguments(reference, cls, data):
    spec = SCHEDULERS[cls]
    bad = {**EVERY_SCHEDULER, **spec.bad} if cls is not lr_scheduler.ReduceLROnPlateau else \
        {**spec.bad, "optimizer": EVERY_SCHEDULER["optimizer"]}  # it has no last_epoch
    name, args, wrong_type = _draw_argument(data, cls, spec.args, bad)
    ours = outcome(lambda: _schedule(ag, cls, args))
    theirs = None
    if reference is not None and (spec.reference is None or name == "optimizer"):
        theirs = outcome(lambda: _schedule(reference, getattr(reference.optim.lr_scheduler, cls.__name__, cls), args,
                                           None if spec.reference is None else spec.reference))
    also = (TypeError,) if wrong_type else ((KeyError,) if name == "last_epoch" else ())
    judge(ours, theirs, (name, "Optimizer", "initial_lr"), f"{cls.__name__}({args})", theirs is not None, also=also,
          stricter=spec.stricter.get(f"arg:{name}"))


@pytest.mark.parametrize("cls", [lr_scheduler.InverseTimeLR, lr_scheduler.InverseSqrtLR], ids=lambda c: c.__name__)
def test_schedules_pytorch_lacks_equal_their_lambda_forms(reference, cls):
    """The reference the bad-argument cases trust (a PyTorch LambdaLR) gives our rates for valid arguments."""
    if reference is None:
        pytest.skip("needs PyTorch")
    spec = SCHEDULERS[cls]
    judge(outcome(lambda: _schedule(ag, cls, spec.args)),
          outcome(lambda: _schedule(reference, cls, spec.args, spec.reference)), (), cls.__name__, True)


def test_every_optimizer_and_scheduler_declares_bad_input_metadata():
    optimizers = [c for c in _exported(optim, optim.Optimizer) if c is not optim.Optimizer]
    schedulers = [c for c in _exported(lr_scheduler, lr_scheduler.LRScheduler) if c is not lr_scheduler.LRScheduler]
    missing = sorted(c.__name__ for c in optimizers + schedulers if c not in OPTIMIZERS and c not in SCHEDULERS)
    assert not missing, f"no bad-input metadata in tests/bad_input_specs.py for {missing}"

"""Generated bad-input suite (issue 11, item 6): every exported layer, loss, optimizer and scheduler meets
hypothesis-drawn wrong ranks, feature counts, dtypes, empty batches and out-of-range arguments.

Each case runs in our library and, when PyTorch is installed, in PyTorch; ``bad_input_harness.judge`` requires
our outcome to be clean (a result, or a public exception naming the argument, shape or dtype) and equal to
PyTorch's (the same result, or a compatible exception). The cases come from ``bad_input_specs``; the
completeness tests make every exported class declare its record there.
"""
from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn

from .bad_input_harness import Raised, judge, outcome
from .bad_input_specs import CONTAINERS, LAYERS, Layer

EXAMPLES = settings(max_examples=12, deadline=None)


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
    from .bad_input_specs import LOSSES

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
    """``(kind, input array, names a clear error must mention)`` for one bad (or edge) input of ``spec``."""
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


def _run_layer(torch, cls: type, spec: Layer, args: dict, x: np.ndarray, training: bool):
    """Our outcome and PyTorch's (None without PyTorch) for building the layer from ``args`` and calling it on ``x``."""
    built = outcome(lambda: cls(**args))
    ours = built if isinstance(built, Raised) else outcome(lambda: spec.call(built.train(training), ag.tensor(x)))
    if torch is None or (spec.reference is not None and args != spec.args):
        return ours, None
    torch.manual_seed(0)

    def theirs():
        module = _torch_layer(torch, cls, spec, args)
        if not isinstance(built, Raised):
            module.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in built.state_dict().items()})
        return spec.call(module.train(training), torch.from_numpy(np.array(x)))

    return ours, outcome(theirs)


@pytest.mark.parametrize("cls", list(LAYERS), ids=lambda c: c.__name__)
@EXAMPLES
@given(data=st.data())
def test_layer_bad_inputs(reference, cls, data):
    spec = LAYERS[cls]
    label, x, names = data.draw(_input_case(spec), label="case")
    training = False if spec.random else data.draw(st.booleans(), label="training")
    ours, theirs = _run_layer(reference, cls, spec, spec.args, x, training)
    # PyTorch's IndexError for a dim a too small input lacks is our ValueError about its rank
    judge(ours, theirs, names, f"{cls.__name__}({spec.args}) on {label} input {x.dtype}{x.shape}",
          theirs is not None, also=(ValueError,) if label == "rank" else (), stricter=spec.stricter.get(label))


LAYERS_WITH_BAD_ARGUMENTS = [cls for cls, spec in LAYERS.items() if spec.bad]


@pytest.mark.parametrize("cls", LAYERS_WITH_BAD_ARGUMENTS, ids=lambda c: c.__name__)
@EXAMPLES
@given(data=st.data())
def test_layer_bad_arguments(reference, cls, data):
    spec = LAYERS[cls]
    name = data.draw(st.sampled_from(sorted(spec.bad)), label="argument")
    value = data.draw(st.sampled_from(spec.bad[name]), label="value")
    args = {**spec.args, name: value}
    x = _data(np.random.default_rng(0), spec.shape, "int64" if spec.integer else "float32", spec)
    ours, theirs = _run_layer(reference, cls, spec, args, x, training=not spec.random)
    # a wrongly typed argument is our TypeError, whatever PyTorch happens to trip over
    wrong_type = _wrong_type(value, spec.args.get(name, inspect.signature(cls).parameters[name].default))
    judge(ours, theirs, (name,), f"{cls.__name__}({args})", theirs is not None,
          also=(TypeError,) if wrong_type else (), stricter=spec.stricter.get(f"arg:{name}"))


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

"""The registry: one record per operation, holding its math and its test metadata.

A ``Primitive`` has a numpy forward and one VJP per input, each written with engine
operations so that gradients are themselves differentiable. A ``Composite`` is defined with
engine operations and needs no VJP. Both carry the same plain-data test metadata (value
domains, a shape sampler, differentiation order, tolerances, the PyTorch reference and the
numpy aliases), and everything that needs "all operations" iterates this registry:
``grad_fn`` names, the numpy dispatch table, and the generated gradient and PyTorch tests.
The registry never imports hypothesis: samplers receive a small drawing interface
(``autograd_core.testing.Sampler``) from the test harness.
"""
from __future__ import annotations

import dis
import functools
import inspect
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, Callable, Sequence

import numpy as np


@dataclass(frozen=True)
class Domain:
    """Where an argument's test values are drawn: ``[low, high]`` kept ``margin`` away from ``avoid``.

    With ``step`` the values lie on the grid ``offset + k * step`` (so two arguments on
    disjoint grids never tie); ``unique`` asks for distinct elements (no ties in a reduction).
    """

    name: str
    low: float
    high: float
    avoid: tuple = ()
    margin: float = 0.05
    step: float = 0.0
    offset: float = 0.0
    unique: bool = False


REAL = Domain("real", -2.0, 2.0)
POSITIVE = Domain("positive", 0.2, 3.0)
NONZERO = Domain("nonzero", -2.0, 2.0, avoid=(0.0,), margin=0.2)
UNIT = Domain("unit", -0.9, 0.9)
AWAY_FROM_ZERO = Domain("away_from_zero", -2.0, 2.0, avoid=(0.0,), margin=0.02)
EVEN_GRID = Domain("even_grid", -2.0, 2.0, step=0.125)
ODD_GRID = Domain("odd_grid", -2.0, 2.0, step=0.125, offset=0.0625)  # never ties with EVEN_GRID
DISTINCT = Domain("distinct", -2.0, 2.0, step=0.0625, unique=True)  # no ties within a tensor
BOOL = Domain("bool", 0, 1)  # a non-differentiable boolean argument (e.g. where's condition)


def sample_elementwise(n_args: int) -> Callable:
    """Sampler for ``n_args`` operands of mutually broadcastable shapes."""

    def sample(s, domains):
        shapes = s.broadcastable_shapes(n_args)
        return [s.array(shape, d) for shape, d in zip(shapes, domains)], {}

    return sample


def sample_reduction(s, domains):
    """Sampler for a reduction: one operand, an axis (None, int or tuple) and keepdims."""
    shape = s.shape(min_dims=0, max_dims=3, min_side=1)
    return [s.array(shape, domains[0])], {"axis": s.axes(len(shape)), "keepdims": s.boolean()}


@dataclass(eq=False)
class OpRecord:
    """What the registry knows about one operation, shared by primitives and composites.

    The public surface is declared here too: ``api`` lists the names under which ``function``
    is exported (``autograd_core.NAME``, or ``autograd_core.<namespace>.NAME``; ``None`` means
    just ``name``, ``()`` an engine-internal record), ``method`` makes those names Tensor methods
    as well, and ``numpy`` lists the numpy functions/ufuncs dispatched to ``numpy_function``
    (numpy's signature) or, when the two spellings agree, to ``function`` itself; ``numpy_sample``
    draws test arguments in numpy's spelling where they differ from ``sample``'s (default: ``sample``).
    """

    name: str
    _: KW_ONLY
    api: tuple | None = None
    method: bool = True
    namespace: str = ""
    domain: tuple = (REAL,)
    sample: Callable | None = None
    numpy_sample: Callable | None = None
    order: int = 2
    tol: float | None = None
    torch: Callable | None = None
    numpy: tuple = ()
    differentiable: bool = True
    same_dtype: bool = False  # PyTorch's spelling refuses tensors of different float dtypes (products)
    function: Callable | None = field(default=None, repr=False)
    numpy_function: Callable | None = field(default=None, repr=False)

    @property
    def public_names(self) -> tuple:
        """The names this record's function is exported under (empty for engine-internal records)."""
        return (self.name,) if self.api is None else tuple(self.api)

    def public(self, fn: Callable) -> Callable:
        """Decorator: mark ``fn`` as this operation's public function (PyTorch's spelling)."""
        self.function = fn
        return fn

    @functools.cached_property
    def torch_function(self) -> Callable:
        """The function under PyTorch's spelling (``autograd_core.NAME``, Tensor methods; read once the
        record's module is imported): ``function``, refusing mixed float dtypes first for ``same_dtype``
        records. Module-level callers and the numpy spelling use ``function`` itself, which promotes as
        numpy does."""
        return _refusing_mixed_floats(self.function, self.public_names[0]) if self.same_dtype else self.function

    def numpy_form(self, fn: Callable) -> Callable:
        """Decorator: mark ``fn`` as the adapter with numpy's exact signature for ``self.numpy``."""
        self.numpy_function = fn
        return fn

    def samples(self, s) -> tuple[list, dict]:
        """Draw ``(arrays, params)`` for a test call, through the sampler interface ``s``."""
        sampler = self.sample or sample_elementwise(len(self.domain))
        return sampler(s, self.domain)


SAVES_OUT = (("out", 0),)  # the save plan of primitives whose VJPs need only the result (exp, tanh, relu, ...)


@dataclass(eq=False)
class Primitive(OpRecord):
    """An operation with a numpy forward and a VJP per input (``None`` marks non-differentiable).

    ``vjp[i](grad, *saved, **params)`` returns the gradient for input ``i``; ``saves`` names
    what backward needs, in the order the VJPs receive it: input names from ``inputs``,
    ``"out"`` for the result, or names of extras that ``forward`` returns after the result.
    With ``broadcasts=True`` the engine sums each gradient back to its input's shape; any
    other mismatch is an error.

    ``array_vjp`` optionally gives the same VJPs on bare ndarrays (``True``: the ``vjp`` functions
    themselves are valid on arrays, as arithmetic-only formulas are). Backward without
    ``create_graph`` calls them, sparing a Tensor and an engine dispatch per intermediate
    gradient, as PyTorch keeps its double-backward formulas apart from the first-order kernels;
    with ``create_graph`` the differentiable ``vjp`` runs. The generated gradient tests check both.
    """

    forward: Callable = None
    _: KW_ONLY
    vjp: Any = None
    array_vjp: Any = None
    inputs: tuple = ("x",)
    saves: tuple = ()
    extras: tuple = ()
    broadcasts: bool = False
    variadic: bool = False
    view: bool = False  # the result may share the first input's memory (reshape, permute, basic indexing, ...)
    casts: bool = False  # the result's dtype is a parameter, exempt from "integers never upcast float32"

    def __post_init__(self) -> None:
        self._check_vjp_arguments(self.vjp)
        if self.variadic:
            self.vjp = _PerInput(self.vjp)
        elif callable(self.vjp):
            self.vjp = (self.vjp,)
        if self.vjp is None:
            self.differentiable = False
        if self.array_vjp is True:
            self.array_vjp = self.vjp
        elif self.array_vjp is not None:
            self._check_vjp_arguments(self.array_vjp)
            self.array_vjp = (self.array_vjp,) if callable(self.array_vjp) else tuple(self.array_vjp)
        if self.array_vjp is not None and (self.variadic or len(self.array_vjp) != len(self.vjp)):
            raise ValueError(f"{self.name}: array_vjp needs one function per input, like vjp (not variadic)")
        self.grad_fn_name = "".join(p.capitalize() for p in self.name.split("_")) + "Backward"
        if "out" in self.inputs:
            raise ValueError(f"{self.name}: 'out' names the result in `saves`; rename that input")
        plan = []
        for s in self.saves:
            if s == "out":
                plan.append(("out", 0))
            elif s in self.extras:
                plan.append(("extra", self.extras.index(s)))
            elif self.variadic and s == "inputs":
                plan.append(("all", 0))
            else:
                plan.append(("in", self.inputs.index(s)))
        # an input saved only for the VJPs of other inputs is saved only when one of those requires grad
        # (PyTorch saves no more): ``x * c`` keeps ``c``, not ``x``
        self.save_users = {}
        if self.vjp is not None and not self.variadic:
            vjps = [(k, fn) for k, fn in enumerate(self.vjp) if fn is not None]
            vjps += [(k, fn) for k, fn in enumerate(self.array_vjp or ()) if fn is not None]
            differentiable = {k for k, _ in vjps}
            for j, (kind, i) in enumerate(plan):
                if kind == "in":
                    users = {k for k, fn in vjps if _reads(fn, self.saves[j])}
                    if users != differentiable:
                        plan[j] = ("in_if", i)
                        self.save_users[i] = tuple(sorted(users))
        self.save_plan = SAVES_OUT if tuple(plan) == SAVES_OUT else tuple(plan)  # one object: apply tests identity
        if self.function is None:
            self.function = self._default_function()

    def _check_vjp_arguments(self, vjp) -> None:
        """Saved values are bound by name: each VJP's arguments after the gradient must be ``saves``."""
        vjps = (vjp,) if self.variadic or callable(vjp) else (vjp or ())
        for i, fn in enumerate(vjps):
            if fn is None:
                continue
            try:
                parameters = inspect.signature(fn).parameters.values()
            except (TypeError, ValueError):  # a builtin without a signature: nothing to check
                continue
            names = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            if tuple(names[1:1 + len(self.saves)]) != tuple(self.saves):
                raise ValueError(f"{self.name}: the VJP for input {i} takes {tuple(names[1:])} after the gradient, "
                                 f"but the record saves {self.saves}; name them alike, in that order")

    def _default_function(self) -> Callable:
        from .node import apply

        prim = self

        def fn(*args, **params):
            return apply(prim, *args, **params)

        fn.__name__ = fn.__qualname__ = self.name
        fn.__doc__ = f"The ``{self.name}`` primitive (numpy forward, engine VJP); see ``autograd_core.ops``."
        return fn


def _reads(fn: Callable, name: str) -> bool:
    """Whether the VJP ``fn`` may read its argument ``name`` (from its bytecode; True when unsure)."""
    code = getattr(fn, "__code__", None)
    if code is None or name not in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]:
        return True  # a builtin, a partial, or the value reached through *args: assume it is read
    if name in code.co_cellvars:  # read by a nested function
        return True
    for ins in dis.get_instructions(code):  # LOAD_FAST and its variants; superinstructions (Python 3.13+,
        if "LOAD_FAST" in ins.opname:       # LOAD_FAST_LOAD_FAST, STORE_FAST_LOAD_FAST) name a pair
            if name == ins.argval or (isinstance(ins.argval, tuple) and name in ins.argval):
                return True
    return False


def _refusing_mixed_floats(fn: Callable, name: str) -> Callable:
    from .utils.checks import same_float_dtype  # (utils imports the tensor, which imports this module)

    @functools.wraps(fn)
    def checked(*args, **kwargs):
        same_float_dtype(name, *args)
        return fn(*args, **kwargs)
    return checked


class _PerInput:
    """The VJPs of a variadic primitive: one function told which input (``index``) it serves."""

    def __init__(self, vjp: Callable) -> None:
        self.vjp = vjp

    def __getitem__(self, index: int) -> Callable:
        return lambda g, *saved, **params: self.vjp(g, *saved, index=index, **params)


@dataclass(eq=False)
class Composite(OpRecord):
    """An operation written with engine operations; its gradient comes from theirs."""


_REGISTRY: dict[str, OpRecord] = {}
_PUBLIC: dict[tuple[str, str], OpRecord] = {}  # (namespace, public name) -> record


def register(record: OpRecord) -> OpRecord:
    """Add ``record`` to the registry; record names and public names must be unique."""
    if record.name in _REGISTRY:
        raise ValueError(f"operation {record.name!r} is registered twice")
    keys = [(record.namespace, public) for public in record.public_names]
    for key in keys:
        if key in _PUBLIC:
            raise ValueError(f"public name {key[1]!r} is claimed by both {_PUBLIC[key].name!r} and {record.name!r}")
    _PUBLIC.update(dict.fromkeys(keys, record))
    _REGISTRY[record.name] = record
    return record


def lookup(name: str) -> OpRecord:
    """The record registered under ``name``."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no operation named {name!r} is registered") from None


def all_ops() -> list[OpRecord]:
    """Every registered record, in registration order."""
    return list(_REGISTRY.values())


def public_functions(namespace: str = "") -> dict[str, Callable]:
    """``{name: function}`` of every public name in ``namespace`` ("" is ``autograd_core`` itself)."""
    return {name: rec.torch_function for (ns, name), rec in _PUBLIC.items() if ns == namespace}


def method_table() -> dict[str, Callable]:
    """``{name: function}`` of every Tensor method: the public function, called with the tensor first."""
    return {name: rec.torch_function for (ns, name), rec in _PUBLIC.items() if ns == "" and rec.method}


def numpy_table() -> dict[Any, Callable]:
    """Map each numpy function or ufunc with a registered counterpart to its numpy-signature adapter."""
    table, owner = {}, {}
    for rec in _REGISTRY.values():
        for np_fn in rec.numpy:
            if owner.setdefault(np_fn, rec) is not rec:
                raise ValueError(f"numpy function {np_fn!r} is dispatched by both {owner[np_fn].name!r} "
                                 f"and {rec.name!r}")
            table[np_fn] = rec.numpy_function or rec.function
    return table



def normalize_axis(axis, ndim: int) -> tuple[int, ...] | None:
    """Turn an int/tuple/None axis into a sorted tuple of non-negative axes (None means all)."""
    if axis is None:
        return None
    if type(axis) is int and -max(ndim, 1) <= axis < max(ndim, 1):  # the common case, without the loop
        return (axis % max(ndim, 1),)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -max(ndim, 1) <= a < max(ndim, 1):
            # numpy's AxisError is both the IndexError PyTorch raises and the ValueError numpy raises
            raise np.exceptions.AxisError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
        out.append(int(a) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"axis {axis} repeats a dimension")
    return tuple(sorted(out))


def sequence_arg(args: Sequence) -> tuple:
    """Accept both ``f(2, 3)`` and ``f((2, 3))`` forms of a shape or axes argument."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)

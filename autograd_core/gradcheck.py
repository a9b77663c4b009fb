"""Gradient checking: analytic gradients from the engine against float64 central differences.

``gradcheck``/``gradgradcheck`` compare full Jacobians with PyTorch's tolerance rule
``|analytic - numeric| <= atol + rtol * |numeric|``. ``check_gradients`` returns a readable
report with, per input, the relative error ``‖g_num − g_ana‖ / (‖g_num‖ + ‖g_ana‖)`` of the
gradient of ``<v, f(x)>`` and its worst element. Derivatives are two-sided differences
``(f(x + ε) − f(x − ε)) / 2ε``; inputs are promoted to float64 first. A backward that
returns a wrongly shaped gradient (the engine raises) counts as a failed check too.
The report also gives the check's own resolution: how much the differences change when
the step doubles (at least their round-off), relative to the gradients. The verdict counts
only the error beyond it, so a gradient that is pure round-off (1e-17 where it should be 0)
is not called a bug.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .engine import grad as _grad
from .grad_mode import enable_grad, no_grad
from .tensor import Tensor


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _promote(inputs) -> tuple:
    """Float64 copies of the inputs; tensors keep their ``requires_grad`` and ``name``."""
    out = []
    for x in _as_tuple(inputs):
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            copy = Tensor(x.data.astype(np.float64), requires_grad=x.requires_grad)
            copy.name = x.name
            out.append(copy)
        else:
            out.append(x)
    return tuple(out)


def _label(pos: int, x: Tensor) -> str:
    """How messages name an input: its position, and its ``name`` when it has one."""
    return f"input {pos} ({x.name})" if x.name else f"input {pos}"


def _backward(*args, **kwargs) -> tuple:
    """``grad``, with the engine's wrong-gradient-shape error reported as a failed check."""
    try:
        return _grad(*args, **kwargs)
    except ValueError as e:
        raise GradcheckError(f"backward failed: {e}") from e


def _checked(inputs: tuple) -> list[tuple[int, Tensor]]:
    """(position, tensor) of the inputs that require grad."""
    return [(i, x) for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]


def _outputs(func: Callable, inputs: tuple) -> tuple:
    with enable_grad():
        return tuple(o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor))


def _flat_output(func: Callable, inputs: tuple) -> np.ndarray:
    with no_grad():
        outs = _outputs(func, inputs)
    return np.concatenate([o.data.astype(np.float64).ravel() for o in outs]) if outs else np.zeros(0)


def _numeric_jacobian(func: Callable, inputs: tuple, x: Tensor, eps: float) -> np.ndarray:
    """d flat(outputs) / d x, one column per element of ``x``, by central differences."""
    flat = x.data.reshape(-1)  # a view: perturb in place, restore after
    cols = []
    for i in range(flat.size):
        orig = flat[i]
        flat[i] = orig + eps
        plus = _flat_output(func, inputs)
        flat[i] = orig - eps
        minus = _flat_output(func, inputs)
        flat[i] = orig
        cols.append((plus - minus) / (2 * eps))
    n_out = _flat_output(func, inputs).size
    return np.stack(cols, axis=1) if cols else np.zeros((n_out, 0))


def _analytic_jacobians(func: Callable, inputs: tuple, wrt: list) -> list[np.ndarray]:
    """d flat(outputs) / d input for each input in ``wrt``, one backward pass per output element."""
    outs = _outputs(func, inputs)
    n_out = sum(o.numel() for o in outs)
    jacs = [np.zeros((n_out, x.numel())) for x in wrt]
    row = 0
    for o in outs:
        for j in range(o.numel()):
            if not o.requires_grad:
                row += 1
                continue
            v = np.zeros(o.numel())
            v[j] = 1.0
            grads = _backward(o, wrt, Tensor(v.reshape(o.shape).astype(o.dtype)), retain_graph=True,
                               allow_unused=True)
            for jac, g in zip(jacs, grads):
                if g is not None:
                    jac[row] = g.data.reshape(-1)
            row += 1
    return jacs


def _fail(message: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(message)
    return False


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytic and numeric derivatives disagree."""


def gradcheck(func: Callable, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True) -> bool:
    """True when the engine's Jacobian of ``func`` matches central differences at ``inputs``.

    Otherwise raises ``GradcheckError`` (or returns False) naming the input, the worst element
    of it and of the output, and both derivative values.
    """
    return _check_jacobians(func, _promote(inputs), eps, atol, rtol, raise_exception, "gradcheck")


def _check_jacobians(func: Callable, inputs: tuple, eps: float, atol: float, rtol: float, raise_exception: bool,
                     what: str) -> bool:
    checked = _checked(inputs)
    if not checked:
        raise ValueError(f"{what}: no input requires grad")
    try:
        analytic = _analytic_jacobians(func, inputs, [x for _, x in checked])
    except GradcheckError as e:
        return _fail(f"{what}: {e}", raise_exception)
    for (pos, x), ana in zip(checked, analytic):
        num = _numeric_jacobian(func, inputs, x, eps)
        bad = np.abs(ana - num) > atol + rtol * np.abs(num)
        if bad.any():
            out_i, in_i = np.unravel_index(np.argmax(np.abs(ana - num) - rtol * np.abs(num)), num.shape)
            index = np.unravel_index(in_i, x.shape) if x.shape else ()
            return _fail(
                f"{what}: Jacobian mismatch for {_label(pos, x)} (shape {x.shape}) at element "
                f"{tuple(int(i) for i in index)}, output element {int(out_i)}: numeric {num[out_i, in_i]:.6g}, "
                f"analytic {ana[out_i, in_i]:.6g}", raise_exception)
    return True


def _gradient_function(func: Callable, inputs: tuple, seed: int = 0) -> Callable:
    """x -> d<v, func(x)>/dx with a fixed random cotangent ``v``, differentiable (create_graph)."""
    rng = np.random.default_rng(seed)
    vs = [Tensor(rng.standard_normal(o.shape)) for o in _outputs(func, inputs)]

    def gradient(*xs):
        wrt = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
        outs = _outputs(func, xs)
        total = sum(((o * v).sum() for o, v in zip(outs, vs) if o.requires_grad), Tensor(np.float64(0.0)))
        if not total.requires_grad:
            return tuple(Tensor(np.zeros(x.shape)) for x in wrt)
        grads = _backward(total, wrt, create_graph=True, allow_unused=True)
        return tuple(g if g is not None else Tensor(np.zeros(x.shape)) for g, x in zip(grads, wrt))

    return gradient


def gradgradcheck(func: Callable, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  raise_exception: bool = True) -> bool:
    """``gradcheck`` of the gradient itself: checks second derivatives (double backward)."""
    inputs = _promote(inputs)
    return _check_jacobians(_gradient_function(func, inputs), inputs, eps, atol, rtol, raise_exception,
                            "gradgradcheck")


# ------------------------------------------------------------------------------------- report
_VERDICTS = ((1e-7, "correct"), (1e-5, "probably correct"), (1e-3, "suspicious"))
PASSING = ("correct", "probably correct")


def verdict(rel_error: float, resolution: float = 0.0) -> str:
    """The usual scale: < 1e-7 correct, < 1e-5 probably correct, < 1e-3 suspicious, else a bug.

    ``resolution`` (the error round-off alone explains) is discounted, but never turns an error of
    1e-3 or more into a pass, except where the differences resolve nothing at all (``resolution >= 1``:
    a gradient below the differences' round-off, such as cos' at 1e-38, where no relative error means anything).
    """
    if not rel_error < _VERDICTS[-1][0] and resolution < 1.0:
        return "bug"
    excess = max(rel_error - resolution, 0.0)
    for limit, word in _VERDICTS:
        if excess < limit:
            return word
    return "bug"


@dataclass
class InputCheck:
    """The comparison for one input: relative error, the worst element, and the relative error
    that round-off in the finite differences alone can explain (``resolution``)."""

    name: str
    shape: tuple
    rel_error: float
    worst_index: tuple
    numeric: float
    analytic: float
    resolution: float = 0.0

    @property
    def excess_error(self) -> float:
        """The relative error beyond what the differences can resolve."""
        return max(self.rel_error - self.resolution, 0.0)

    @property
    def verdict(self) -> str:
        return verdict(self.rel_error, self.resolution)


@dataclass
class GradcheckReport:
    """Per-input results of ``check_gradients``; ``ok`` when every input is correct or probably correct
    (a "suspicious" input is reported as such and is not ok).

    ``error`` holds the engine's message when backward itself failed (e.g. a wrongly shaped
    gradient); every input is then a bug with an unknown analytic value.
    """

    inputs: list
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(c.verdict in PASSING for c in self.inputs)

    @property
    def max_rel_error(self) -> float:
        return max((c.rel_error for c in self.inputs), default=0.0)

    def __str__(self) -> str:
        rows = [("input", "shape", "rel. error", "resolution", "verdict", "worst element", "numeric", "analytic")]
        for c in self.inputs:
            rows.append((c.name, str(c.shape), f"{c.rel_error:.2e}", f"{c.resolution:.1e}", c.verdict,
                         str(c.worst_index), f"{c.numeric:.6g}", f"{c.analytic:.6g}"))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        if self.error:
            lines.append(self.error)
        return "\n".join(lines)

    def __bool__(self) -> bool:
        return self.ok


def _numeric_gradients(func: Callable, inputs: tuple, wrt: Sequence[Tensor], v: Sequence[np.ndarray],
                       eps: float) -> tuple[list[np.ndarray], list[float]]:
    """Central-difference gradients of ``<v, func(inputs)>`` for each tensor in ``wrt``, and how far
    they can be trusted: the norm of their change when the step doubles, and at least their
    round-off ``machine ε · Σ|v ⊙ f| / ε`` (cancellation inside ``func`` can make it larger)."""
    def objective() -> tuple[float, float]:
        with no_grad():
            terms = [o.data.astype(np.float64) * vi for o, vi in zip(_outputs(func, inputs), v)]
        return float(sum(np.sum(t) for t in terms)), float(sum(np.sum(np.abs(t)) for t in terms))

    def difference(flat: np.ndarray, i: int, step: float) -> tuple[float, float]:
        orig = flat[i]
        flat[i] = orig + step
        plus, size_plus = objective()
        flat[i] = orig - step
        minus, size_minus = objective()
        flat[i] = orig
        return (plus - minus) / (2 * step), max(size_plus, size_minus) * np.finfo(np.float64).eps / step

    grads, resolutions = [], []
    for x in wrt:
        flat = x.data.reshape(-1)
        g = np.zeros(flat.size)
        spread = np.zeros(flat.size)
        for i in range(flat.size):
            g[i], roundoff = difference(flat, i, eps)
            spread[i] = max(abs(g[i] - difference(flat, i, 2 * eps)[0]), roundoff)
        grads.append(g.reshape(x.shape))
        resolutions.append(float(np.linalg.norm(spread)))
    return grads, resolutions


def compare_gradients(func: Callable, inputs, eps: float = 1e-7, names: Sequence[str] | None = None,
                      seed: int = 0, subject: str = "the function") -> GradcheckReport:
    """Build the report comparing analytic and numeric gradients of ``<v, func(inputs)>``."""
    inputs = _promote(inputs)
    checked = _checked(inputs)
    wrt = [x for _, x in checked]
    if not wrt:
        raise ValueError("check_gradients: no input requires grad")
    outs = _outputs(func, inputs)
    again = _flat_output(func, inputs)
    first = np.concatenate([o.data.astype(np.float64).ravel() for o in outs]) if outs else np.zeros(0)
    if not np.array_equal(first, again, equal_nan=True):
        raise RuntimeError(f"gradient check: {subject} is random: two evaluations at the same inputs differ "
                           f"(by up to {np.nanmax(np.abs(first - again)):.3g}), e.g. dropout in training mode; "
                           "its gradient cannot be checked by finite differences (make it deterministic first)")
    rng = np.random.default_rng(seed)
    v = [np.ones(o.shape) if o.numel() == 1 else rng.standard_normal(o.shape) for o in outs]
    total = sum(((o * Tensor(vi)).sum() for o, vi in zip(outs, v) if o.requires_grad), Tensor(np.float64(0.0)))
    error = None
    try:
        analytic = (_backward(total, wrt, allow_unused=True) if total.requires_grad else [None] * len(wrt))
        analytic = [np.zeros(x.shape) if g is None else g.data for g, x in zip(analytic, wrt)]
    except GradcheckError as e:
        error = str(e)
        analytic = [np.full(x.shape, np.nan) for x in wrt]
    numeric, resolutions = _numeric_gradients(func, inputs, wrt, v, eps)
    checks = []
    for k, ((pos, x), ana, num, resolution) in enumerate(zip(checked, analytic, numeric, resolutions)):
        name = names[k] if names else _label(pos, x)
        if error:
            checks.append(InputCheck(name, x.shape, np.inf, (), np.nan, np.nan))
            continue
        denom = np.linalg.norm(num) + np.linalg.norm(ana)
        rel = float(np.linalg.norm(num - ana) / denom) if denom > 0 else 0.0
        worst = np.unravel_index(int(np.argmax(np.abs(num - ana))), x.shape) if x.numel() else ()
        checks.append(InputCheck(name, x.shape, rel, tuple(int(i) for i in worst),
                                 float(num[worst]) if x.numel() else 0.0, float(ana[worst]) if x.numel() else 0.0,
                                 resolution / denom if denom > 0 else 0.0))
    return GradcheckReport(checks, error)


def check_gradients(func: Callable, inputs, eps: float = 1e-7) -> GradcheckReport:
    """Per-input relative error, worst element and verdict for ``func``'s gradients at ``inputs``."""
    return compare_gradients(func, inputs, eps)

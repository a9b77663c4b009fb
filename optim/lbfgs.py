"""L-BFGS with PyTorch's algorithm: the two-loop recursion over a bounded history, optional strong-Wolfe search.

All parameters are treated as one flat vector. ``step(closure)`` runs up to ``max_iter``
iterations (and ``max_eval`` closure calls); each builds a direction from the stored curvature
pairs ``(s, y)`` (a pair enters only when ``yᵀs > 1e-10``), takes a step of ``lr`` (the first
iteration ever ``min(1, 1/‖g‖₁)·lr``) or one chosen by a strong-Wolfe line search (cubic
interpolation, bracketing then zoom, Nocedal & Wright's Algorithms 3.5/3.6 as PyTorch does them),
and stops early on a small gradient, a small step or a small change in the loss. The state lives
under the first parameter with PyTorch's keys, so a ``state_dict`` resumes the same trajectory.
"""
from __future__ import annotations

from functools import partial
from typing import Any, Callable, Iterable

import numpy as np

from autograd_core import Tensor, enable_grad, no_grad

from autograd_core.utils.checks import check_int

from .optimizer import Optimizer, check_nonnegative


def _cubic_minimum(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                   bounds: tuple[float, float] | None = None) -> float:
    """Minimiser of the cubic through ``(x1, f1, f1'=g1)`` and ``(x2, f2, g2)``, clipped to ``bounds``.

    The bounds default to the interval between the points; without a real minimiser, its midpoint.
    """
    low, high = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 * d1 - g1 * g2
    if disc < 0:
        return (low + high) / 2.0
    d2 = np.sqrt(disc)
    if x1 <= x2:
        x = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        x = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(x, low), high)


def _strong_wolfe(evaluate: Callable[[float], tuple[float, np.ndarray]], t: float, d: np.ndarray, f: float,
                  g: np.ndarray, gtd: float, c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9,
                  max_ls: int = 25) -> tuple[float, np.ndarray, float, int]:
    """A step ``t`` along ``d`` meeting the strong Wolfe conditions: ``(f, g, t, evaluations)`` at that step.

    ``evaluate(t)`` returns the loss and flat gradient at ``x + t·d``; ``f``, ``g``, ``gtd`` are
    those at ``t = 0``. Sufficient decrease ``f(t) <= f + c1·t·gtd``, curvature ``|g(t)ᵀd| <= -c2·gtd``.
    """
    d_norm = np.abs(d).max()
    f_new, g_new = evaluate(t)
    evals, gtd_new = 1, float(g_new @ d)
    prev = (0.0, f, g, gtd)  # (t, f, g, gᵀd) of the previous trial point
    bracket, done, it = None, False, 0
    # Bracketing: grow the step until an interval is known to contain an acceptable one.
    while it < max_ls:
        if f_new > f + c1 * t * gtd or (it > 1 and f_new >= prev[1]):  # no sufficient decrease: bracketed
            bracket = [prev, (t, f_new, g_new, gtd_new)]
            break
        if abs(gtd_new) <= -c2 * gtd:  # both conditions hold: done
            bracket, done = [(t, f_new, g_new, gtd_new)], True
            break
        if gtd_new >= 0:  # the slope turned: a minimum lies between the two points
            bracket = [prev, (t, f_new, g_new, gtd_new)]
            break
        t_next = _cubic_minimum(prev[0], prev[1], prev[3], t, f_new, gtd_new,
                                bounds=(t + 0.01 * (t - prev[0]), t * 10))
        prev = (t, f_new, g_new, gtd_new)
        t = t_next
        f_new, g_new = evaluate(t)
        evals, gtd_new, it = evals + 1, float(g_new @ d), it + 1
    if it == max_ls:
        bracket = [(0.0, f, g, None), (t, f_new, g_new, None)]
    # Zoom: shrink the bracket [low, high] (low has the smaller loss) around an acceptable step.
    low, high = (0, 1) if bracket[0][1] <= bracket[-1][1] else (1, 0)
    insufficient = False
    while not done and it < max_ls:
        (t_a, f_a, _, gtd_a), (t_b, f_b, _, gtd_b) = bracket
        if abs(t_b - t_a) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(t_a, f_a, gtd_a, t_b, f_b, gtd_b)
        top, bottom = max(t_a, t_b), min(t_a, t_b)
        margin = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < margin:
            # Too close to an end: after a previous such step, or at/outside an end, move inside by the margin.
            if insufficient or t >= top or t <= bottom:
                t = top - margin if abs(t - top) < abs(t - bottom) else bottom + margin
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new, g_new = evaluate(t)
        evals, gtd_new, it = evals + 1, float(g_new @ d), it + 1
        point = (t, f_new, g_new, gtd_new)
        if f_new > f + c1 * t * gtd or f_new >= bracket[low][1]:
            bracket[high] = point
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high][0] - bracket[low][0]) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = point
    t, f_new, g_new, _ = bracket[low]
    return f_new, g_new, t, evals


class LBFGS(Optimizer):
    """Limited-memory BFGS over all parameters as one vector (one parameter group only, as in PyTorch).

    ``step(closure)`` needs a closure that zeroes the gradients, computes the loss, calls
    ``backward`` and returns the loss; it returns the loss of the first evaluation.
    ``line_search_fn`` is None (fixed step ``lr``) or ``"strong_wolfe"``.
    """

    def __init__(self, params: Iterable, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        max_eval = check_int(max_iter, "max_iter") * 5 // 4 if max_eval is None else max_eval
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")

    def _validate(self, group: dict) -> None:
        check_nonnegative(group, "tolerance_grad", "tolerance_change")
        for name in ("max_iter", "max_eval", "history_size"):
            check_int(group[name], name)  # PyTorch takes max_iter=0 (a step that does nothing): refused here
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got {group['line_search_fn']!r}")

    @property
    def _params(self) -> list[Tensor]:
        return self.param_groups[0]["params"]

    def _flat_grad(self) -> np.ndarray:
        """Every parameter's gradient (zeros where there is none), concatenated."""
        return np.concatenate([np.zeros(p.data.size, p.dtype) if p.grad is None else p.grad.data.ravel()
                               for p in self._params])

    def _add_to_params(self, step: float, direction: np.ndarray) -> None:
        """``params += step · direction``, the flat ``direction`` cut back into the parameters' shapes."""
        offset = 0
        for p in self._params:
            p.add_(direction[offset:offset + p.data.size].reshape(p.shape), alpha=step)
            offset += p.data.size

    def _evaluate(self, closure: Callable[[], Any]) -> tuple[Any, float, np.ndarray]:
        """Run the closure with grad mode on: (its result, the loss as a float, the flat gradient)."""
        with enable_grad():
            result = closure()
        return result, float(result), self._flat_grad()

    def _evaluate_along(self, closure: Callable[[], Any], start: list[np.ndarray], d: np.ndarray,
                        step: float) -> tuple[float, np.ndarray]:
        """Loss and flat gradient at ``start + step·d``; the parameters are put back to ``start`` afterwards."""
        self._add_to_params(step, d)
        _, loss, g = self._evaluate(closure)
        for p, x in zip(self._params, start):
            p.copy_(x)
        return loss, g

    def _direction(self, g: np.ndarray, state: dict) -> np.ndarray:
        """The two-loop recursion: ``-H g`` with ``H`` the L-BFGS inverse-Hessian estimate."""
        dirs, steps, ro = state["old_dirs"], state["old_stps"], state["ro"]
        al = state.setdefault("al", [None] * self.param_groups[0]["history_size"])
        q = -g
        for i in range(len(dirs) - 1, -1, -1):
            al[i] = float(steps[i] @ q) * ro[i]
            q = q - al[i] * dirs[i]
        r = q * state["H_diag"]
        for i in range(len(dirs)):
            r = r + (al[i] - float(dirs[i] @ r) * ro[i]) * steps[i]
        return r

    def _remember(self, y: np.ndarray, s: np.ndarray, state: dict) -> None:
        """Store the curvature pair ``(s, y)`` when ``yᵀs > 1e-10``, dropping the oldest beyond ``history_size``."""
        ys = float(y @ s)
        if ys <= 1e-10:
            return
        if len(state["old_dirs"]) == self.param_groups[0]["history_size"]:
            for key in ("old_dirs", "old_stps", "ro"):
                state[key].pop(0)
        state["old_dirs"].append(y)
        state["old_stps"].append(s)
        state["ro"].append(1.0 / ys)
        state["H_diag"] = ys / float(y @ y)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # type: ignore[override]
        """Up to ``max_iter`` L-BFGS iterations; returns the closure's first result (the loss before the step)."""
        if closure is None:
            raise ValueError("LBFGS.step needs a closure that re-evaluates the model and returns the loss")
        group = self.param_groups[0]
        lr, tol_grad, tol_change = group["lr"], group["tolerance_grad"], group["tolerance_change"]
        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        with no_grad():
            first, loss, g = self._evaluate(closure)
            state["func_evals"] += 1
            evals = 1
            if np.abs(g).max() <= tol_grad:
                return first
            d, t = state.get("d"), state.get("t")
            for n_iter in range(1, group["max_iter"] + 1):
                state["n_iter"] += 1
                if state["n_iter"] == 1:
                    d = -g
                    state.update(old_dirs=[], old_stps=[], ro=[], H_diag=1.0)
                else:
                    self._remember(g - state["prev_flat_grad"], d * t, state)
                    d = self._direction(g, state)
                state["prev_flat_grad"], state["prev_loss"] = g.copy(), loss
                prev_loss = loss
                t = min(1.0, 1.0 / np.abs(g).sum()) * lr if state["n_iter"] == 1 else lr
                gtd = float(g @ d)
                if gtd > -tol_change:  # not a descent direction
                    break
                ls_evals, converged = 0, False
                if group["line_search_fn"] == "strong_wolfe":
                    along = partial(self._evaluate_along, closure, [p.data.copy() for p in self._params], d)
                    loss, g, t, ls_evals = _strong_wolfe(along, t, d, loss, g, gtd)
                    self._add_to_params(t, d)
                    converged = np.abs(g).max() <= tol_grad
                else:
                    self._add_to_params(t, d)
                    if n_iter != group["max_iter"]:  # the last iteration's loss would go unused
                        _, loss, g = self._evaluate(closure)
                        converged, ls_evals = np.abs(g).max() <= tol_grad, 1
                evals += ls_evals
                state["func_evals"] += ls_evals
                if n_iter == group["max_iter"] or evals >= group["max_eval"] or converged:
                    break
                if np.abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change:
                    break
            state["d"], state["t"] = d, t
        return first

"""``TrainingMonitor``: a ``fit`` callback that watches gradients, update sizes and activation health per epoch.

Per parameter it records the mean gradient norm and the mean update-to-weight ratio
``‖Δw‖ / ‖w‖`` over the epoch's batches (about 1e-3 is the usual healthy scale); per activation
module the fraction of dead ReLU units (never positive during the epoch) and of saturated
sigmoid/tanh outputs. Activations are observed by wrapping each activation module's
``forward`` on its instance while training runs, and only in training batches. It warns
(``warnings.warn``, once per run and layer) when a weight's gradient norm falls below ``vanishing`` or rises
above ``exploding``.
"""
from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

import autograd_core as ag

from .modules.activation import ReLU, Sigmoid, Tanh

__all__ = ["TrainingMonitor"]

_SATURATING = (Sigmoid, Tanh)


def _saturated(module: Any, out: np.ndarray) -> float:
    """Fraction of outputs in the flat tails: sigmoid below 0.01 or above 0.99, ``|tanh|`` above 0.99."""
    if isinstance(module, Sigmoid):
        return float(np.mean((out < 0.01) | (out > 0.99)))
    return float(np.mean(np.abs(out) > 0.99))


class TrainingMonitor:
    """Record per-layer gradient norms, update-to-weight ratios and activation health for each epoch.

    ``records["grad_norm"][name]`` and ``records["update_ratio"][name]`` hold one value per
    epoch for each parameter; ``records["dead_relu"][name]`` and ``records["saturated"][name]``
    one per activation module. Pass it in ``nn.fit(..., callbacks=[monitor])``.
    """

    def __init__(self, vanishing: float = 1e-7, exploding: float = 1e3, warn: bool = True) -> None:
        self.vanishing, self.exploding, self.warn = vanishing, exploding, warn
        self._wrapped: list = []
        self._live = False
        self.records: dict[str, dict[str, list[float]]] = {"grad_norm": {}, "update_ratio": {}, "dead_relu": {},
                                                           "saturated": {}}

    # ----------------------------------------------------------------- fit hooks
    def on_train_begin(self, history: Any) -> None:
        self.on_train_end(history)  # unwrap what a run that ended in an exception left behind
        model = history.model
        self._params = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
        self._live, self._warned = True, set()
        for name, module in model.named_modules():
            if isinstance(module, (ReLU, *_SATURATING)):
                self._wrap(f"{name} ({type(module).__name__})" if name else type(module).__name__, module)

    def _wrap(self, name: str, module: Any) -> None:
        forward = module.forward

        def observed(*args, **kwargs):
            out = forward(*args, **kwargs)
            if self._live and module.training and ag.is_grad_enabled():
                data = out.data
                if isinstance(module, ReLU):
                    active = (data > 0).any(axis=0)
                    seen = self._active.get(name)
                    self._active[name] = active if seen is None else seen | active
                else:
                    self._saturation.setdefault(name, []).append(_saturated(module, data))
            return out

        object.__setattr__(module, "forward", observed)  # an instance attribute shadows the class's forward
        self._wrapped.append(module)

    def on_epoch_begin(self, history: Any, epoch: int) -> None:
        self._grad_sums = dict.fromkeys((n for n, _ in self._params), 0.0)
        self._ratio_sums = dict.fromkeys(self._grad_sums, 0.0)
        self._batches = 0
        self._before = [p.data.copy() for _, p in self._params]
        self._active, self._saturation = {}, {}

    def on_batch_end(self, history: Any, epoch: int, batch: int, loss: float) -> None:
        self._batches += 1
        for k, (name, p) in enumerate(self._params):
            if p.grad is not None:
                self._grad_sums[name] += float(np.linalg.norm(p.grad.data))
            before = self._before[k]
            scale = float(np.linalg.norm(before))
            step = float(np.linalg.norm(p.data - before))
            self._ratio_sums[name] += step / scale if scale > 0 else (math.inf if step else 0.0)
            self._before[k] = p.data.copy()

    def on_epoch_end(self, history: Any, epoch: int, logs: dict[str, float]) -> None:
        n = max(self._batches, 1)
        for name in self._grad_sums:
            self.records["grad_norm"].setdefault(name, []).append(self._grad_sums[name] / n)
            self.records["update_ratio"].setdefault(name, []).append(self._ratio_sums[name] / n)
        for name, active in self._active.items():
            self.records["dead_relu"].setdefault(name, []).append(float(1 - active.mean()))
        for name, values in self._saturation.items():
            self.records["saturated"].setdefault(name, []).append(float(np.mean(values)))
        if self.warn:
            self._check(epoch)

    def on_train_end(self, history: Any) -> None:
        for module in self._wrapped:
            module.__dict__.pop("forward", None)
        self._wrapped, self._live = [], False

    # ----------------------------------------------------------------- reports
    def _check(self, epoch: int) -> None:
        """Warn once per run and layer; weights only, since a bias before a BatchNorm has zero gradient by design."""
        weights = {name for name, p in self._params if p.ndim >= 2}
        for kind, bad, bound in (("vanishing", lambda v: v < self.vanishing, f"below {self.vanishing:g}"),
                                 ("exploding", lambda v: not v <= self.exploding, f"above {self.exploding:g}")):
            layers = [name for name, values in self.records["grad_norm"].items()
                      if name in weights and (kind, name) not in self._warned and bad(values[-1])]
            if layers:
                self._warned.update((kind, name) for name in layers)
                warnings.warn(f"TrainingMonitor: {kind} gradients from epoch {epoch}: mean gradient norm {bound} "
                              f"for {', '.join(layers)}", RuntimeWarning, stacklevel=3)

    def to_dict(self) -> dict[str, dict[str, list[float]]]:
        """The records as plain nested dicts and lists (JSON-ready)."""
        return {kind: {k: list(v) for k, v in per.items()} for kind, per in self.records.items()}

    def plot(self, path: str | None = None):
        """A matplotlib Figure of the per-layer gradient norms and update ratios over epochs (log scale),
        plus the dead-ReLU and saturation fractions when there were activation modules; ``path`` saves it."""
        from matplotlib.figure import Figure

        kinds = [k for k in ("grad_norm", "update_ratio") if self.records[k]]
        if self.records["dead_relu"] or self.records["saturated"]:
            kinds.append("activations")
        if not kinds:
            raise ValueError("TrainingMonitor.plot: nothing recorded yet; pass the monitor to nn.fit(callbacks=...)")
        fig = Figure(figsize=(5 * len(kinds), 3.6), layout="constrained")
        titles = {"grad_norm": "gradient norm", "update_ratio": "update / weight", "activations": "activation health"}
        for ax, kind in zip(fig.subplots(1, len(kinds), squeeze=False)[0], kinds):
            if kind == "activations":
                series = {**{f"dead {k}": v for k, v in self.records["dead_relu"].items()},
                          **{f"saturated {k}": v for k, v in self.records["saturated"].items()}}
            else:
                series = self.records[kind]
                ax.set_yscale("log")
            for label, values in series.items():
                ax.plot(np.arange(1, len(values) + 1), values, label=label)
            ax.set(xlabel="epoch", title=titles[kind])
            ax.legend(fontsize="small")
        if path is not None:
            fig.savefig(path)
        return fig

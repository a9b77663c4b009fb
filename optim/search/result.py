"""What a search returns: every trial with its parameters, score, time and error, and the best one.

``SearchResult`` prints as a table ranked best first, converts to a pandas ``DataFrame`` when pandas
is installed, and plots the score against each hyper-parameter on the axis its distribution calls
for (log for ``LogUniform``, logit for ``OneMinusLogUniform``, categories for ``Choice``), which is
the picture that shows where to zoom in next.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .distributions import Choice, Distribution


@dataclass(frozen=True)
class Trial:
    """One evaluation of the objective: ``score`` is NaN and ``error`` holds the exception text when it failed."""

    trial: int
    params: dict
    score: float
    seconds: float
    error: str | None = None
    round: int = 0

    @property
    def failed(self) -> bool:
        return self.error is not None


def _cell(value: Any, column: str = "") -> str:
    if value is None:
        return ""
    if column == "seconds":
        return f"{value:.3f}"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    return str(value)


@dataclass
class SearchResult:
    """All trials of a search (ordered by trial index), the direction and the space of each round.

    ``interrupted`` is true when Ctrl-C stopped the search; the trials that finished are kept.
    """

    trials: list[Trial]
    direction: str = "minimize"
    spaces: list[dict] = field(default_factory=list)
    interrupted: bool = False

    def ranked(self) -> list[Trial]:
        """Successful trials best first, then the failed ones by index."""
        sign = -1.0 if self.direction == "maximize" else 1.0
        ok = sorted((t for t in self.trials if not t.failed), key=lambda t: (sign * t.score, t.trial))
        return ok + [t for t in self.trials if t.failed]

    @property
    def best(self) -> Trial:
        """The trial with the lowest score (highest with ``direction="maximize"``)."""
        ranked = self.ranked()
        if not ranked or ranked[0].failed:
            first = f"; first error: {ranked[0].error}" if ranked else ""
            raise ValueError(f"no trial succeeded ({len(self.trials)} run{first})")
        return ranked[0]

    def _names(self) -> list[str]:
        return list(dict.fromkeys(k for t in self.trials for k in t.params))

    def _columns(self, rounds: bool) -> list[str]:
        return ["trial", *(["round"] if rounds else []), *self._names(), "score", "seconds", "error"]

    def _row(self, t: Trial, columns: list[str]) -> dict:
        fixed = dict(trial=t.trial, round=t.round, score=t.score, seconds=t.seconds, error=t.error)
        return {c: fixed[c] if c in fixed else t.params.get(c) for c in columns}

    def __str__(self) -> str:
        n_failed = sum(t.failed for t in self.trials)
        head = f"{len(self.trials)} trials ({n_failed} failed), {self.direction}"
        if self.interrupted:
            head += ", interrupted"
        if n_failed < len(self.trials):
            head += f"; best: trial {self.best.trial}, score {_cell(self.best.score)}"
        columns = self._columns(rounds=len(self.spaces) > 1)
        rows = [[_cell(v, c) for c, v in self._row(t, columns).items()] for t in self.ranked()]
        widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
        lines = [head, "  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
        lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"SearchResult({len(self.trials)} trials, {self.direction}{', interrupted' if self.interrupted else ''})"

    def to_dataframe(self):
        """The trials as a ``pandas.DataFrame`` (one row per trial, in index order); needs pandas."""
        try:
            import pandas as pd
        except ImportError as e:
            raise ImportError("SearchResult.to_dataframe needs pandas: pip install pandas") from e
        columns = self._columns(rounds=True)
        return pd.DataFrame([self._row(t, columns) for t in self.trials], columns=columns)

    def plot(self, path: str | None = None):
        """A matplotlib Figure with the score against each hyper-parameter, the best trial marked; saved when
        ``path`` is given."""
        import matplotlib.pyplot as plt

        names = self._names()
        ok = [t for t in self.trials if not t.failed]
        fig, axes = plt.subplots(1, max(len(names), 1), figsize=(3.6 * max(len(names), 1), 3.2), squeeze=False,
                                 sharey=True)
        best = self.best if ok else None
        space = self.spaces[0] if self.spaces else {}
        for ax, name in zip(axes[0], names):
            dist = space.get(name)
            scale = dist.scale if isinstance(dist, Distribution) else "linear"
            xs = [t.params[name] for t in ok]
            if scale == "categorical" or any(not isinstance(x, (int, float)) or isinstance(x, bool) for x in xs):
                labels = [str(o) for o in (dist.options if isinstance(dist, Choice) else dict.fromkeys(xs))]
                ax.set_xticks(range(len(labels)), labels)
                ax.set_xlim(-0.5, len(labels) - 0.5)
                xs = [labels.index(str(x)) for x in xs]
            elif scale != "linear":
                ax.set_xscale(scale)
            ax.scatter(xs, [t.score for t in ok], s=16, alpha=0.7)
            if best is not None:
                bx = xs[ok.index(best)]
                ax.scatter([bx], [best.score], s=60, color="tab:red", marker="*", label=f"best (trial {best.trial})")
            ax.set_xlabel(name)
        axes[0][0].set_ylabel("score")
        if best is not None:
            axes[0][0].legend(fontsize="small")
        fig.tight_layout()
        if path is not None:
            fig.savefig(path)
        return fig

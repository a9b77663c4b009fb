"""Draw the recorded graph with Graphviz: ``draw_graph(loss, params=dict(model.named_parameters()))``.

The walk starts at the given outputs and follows ``grad_fn.parents`` breadth-first with an
explicit queue (no recursion, so 100,000-node graphs draw), visiting every node and leaf
tensor once. Nodes recorded inside ``record_scopes()`` are grouped into nested clusters,
one per module scope. The result is a ``graphviz.Digraph``: Jupyter shows it inline, and
``.render()``/``.pipe()`` turn a missing ``dot`` program into an error saying how to install it.
"""
from __future__ import annotations

import html
from collections import deque
from typing import Any, Mapping

import graphviz
import numpy as np

from .node import Node, is_edge
from .tensor import Tensor

__all__ = ["draw_graph", "GraphDrawing"]

STYLES = {
    "operation": {"shape": "box", "style": "rounded,filled", "fillcolor": "#e6e6e6", "color": "#707070"},
    "parameter": {"shape": "box", "style": "filled", "fillcolor": "#a9d1f7", "color": "black"},
    "input": {"shape": "box", "style": "filled", "fillcolor": "#fbe3a1", "color": "black"},
    "constant": {"shape": "box", "style": "dashed", "fillcolor": "white", "color": "#909090", "fontcolor": "#505050"},
    "output": {"shape": "box", "style": "filled,bold", "fillcolor": "#b7e4b0", "color": "black"},
    "truncated": {"shape": "octagon", "style": "filled", "fillcolor": "#f4b6b6", "color": "black"},
}

INSTALL_HINT = (
    "Rendering the graph needs Graphviz's `dot` program, which was not found on PATH. Install Graphviz "
    "itself (the `graphviz` pip package is only the Python interface): `apt-get install graphviz` on "
    "Debian/Ubuntu, `brew install graphviz` on macOS, or `conda install graphviz`. The DOT text is still "
    "available as `.source`."
)


class GraphDrawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose rendering explains how to install Graphviz when ``dot`` is missing."""

    def pipe(self, *args, **kwargs):
        """Render to bytes/str (as ``graphviz.Digraph.pipe``); also what Jupyter's inline display uses."""
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound as e:
            raise RuntimeError(INSTALL_HINT) from e

    def render(self, *args, **kwargs):
        """Render to a file (as ``graphviz.Digraph.render``)."""
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound as e:
            raise RuntimeError(INSTALL_HINT) from e


def _escape(text: Any) -> str:
    """Text made safe inside an HTML-like Graphviz label (``<``, ``>``, ``&``, quotes)."""
    return html.escape(str(text), quote=True).replace("&#x27;", "&#39;")


def _label(title: str, *lines: str) -> str:
    """An HTML-like label: a bold title over smaller detail lines (all escaped here)."""
    details = "".join(f'<BR/><FONT POINT-SIZE="10">{_escape(line)}</FONT>' for line in lines if line)
    return f"<<B>{_escape(title)}</B>{details}>"


def summarize(a: np.ndarray, max_elements: int = 6) -> str:
    """Small arrays in full (4 significant digits); larger ones as min / mean / max."""
    a = np.asarray(a)
    if a.size <= max_elements:
        return np.array2string(a, precision=4, separator=", ").replace("\n", "")
    a = a.astype(np.float64)
    return f"min {a.min():.4g}  mean {a.mean():.4g}  max {a.max():.4g}"


def _short(value: Any) -> str:
    """Compact text for an operation parameter (axes, shapes, slices, index arrays)."""
    if isinstance(value, slice):
        text = f"{'' if value.start is None else value.start}:{'' if value.stop is None else value.stop}"
        return text + (f":{value.step}" if value.step is not None else "")
    if isinstance(value, tuple):
        return "(" + ", ".join(_short(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, np.ndarray):
        return f"array{value.shape}"
    return str(value)


def _params_text(params: dict, limit: int = 40) -> str:
    """The operation's static parameters that are set (``axis=(0,), keepdims=True``), shortened."""
    text = ", ".join(f"{k}={_short(v)}" for k, v in params.items() if v is not None and v is not False)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _meta(shape: tuple, dtype) -> str:
    return f"{tuple(shape)} {np.dtype(dtype).name}"


def _common_prefix(a: tuple, b: tuple) -> tuple:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


class _Walk:
    """Collects the drawing's nodes (with their scope) and edges during one breadth-first walk."""

    def __init__(self, params: Mapping[str, Tensor] | None, show_values: bool, show_grads: bool) -> None:
        self.param_names = {id(t): name for name, t in dict(params or {}).items()}
        self.show_values = show_values
        self.show_grads = show_grads
        self.entries: dict[str, tuple] = {}  # dot id -> (label, kind, scope)
        self.ids: dict[int, str] = {}  # id(Node or leaf Tensor) -> dot id
        self.named_constants: dict[tuple, str] = {}  # (name, shape, dtype) -> dot id: one node per named input
        self.edges: list[tuple] = []  # (tail, head); a tail may be a Node drawn later or never
        self.via: dict[int, str] = {}  # id(Node) -> the output-tensor node its value flows out of

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{len(self.entries)}"

    def _tensor_lines(self, t: Tensor) -> list[str]:
        lines = [_meta(t.shape, t.dtype)]
        if self.show_values:
            lines.append("value: " + summarize(t.data))
        if self.show_grads:
            lines.append("grad: " + ("None" if t.grad is None else summarize(t.grad.data)))
        return lines

    def output(self, t: Tensor, title: str) -> None:
        dot_id = self._new_id("out")
        self.entries[dot_id] = (_label(title, *self._tensor_lines(t)), "output", ())
        if t.grad_fn is None:
            self.ids[id(t)] = dot_id
        else:
            self.via.setdefault(id(t.grad_fn), dot_id)
            self.edges.append((t.grad_fn, dot_id))

    def leaf(self, t: Tensor, scope: tuple) -> str:
        """The node of a leaf that requires grad, placed in the scope all its consumers share."""
        dot_id = self.ids.get(id(t))
        if dot_id is None:
            name = self.param_names.get(id(t)) or t.name
            dot_id = self.ids[id(t)] = self._new_id("t")
            title = name or "tensor (requires grad)"
            self.entries[dot_id] = (_label(title, *self._tensor_lines(t)), "parameter" if name else "input", scope)
        else:
            label, kind, old = self.entries[dot_id]
            self.entries[dot_id] = (label, kind, _common_prefix(old, scope))
        return dot_id

    def constant(self, entry, scope: tuple) -> str:
        """The node of an input that does not require grad: a Python number or ``(shape, dtype, name)``."""
        if not isinstance(entry, tuple):
            dot_id = self._new_id("c")
            self.entries[dot_id] = (_label(f"{entry:.4g}" if isinstance(entry, float) else str(entry)), "constant",
                                    scope)
            return dot_id
        shape, dtype, name = entry
        key = (name, tuple(shape), str(dtype))
        if name and key in self.named_constants:
            return self.named_constants[key]
        dot_id = self._new_id("c")
        self.entries[dot_id] = (_label(name or "tensor", _meta(shape, dtype)), "input", scope)
        if name:
            self.named_constants[key] = dot_id
        return dot_id

    def cost(self, node: Node) -> int:
        """How many new drawing nodes drawing ``node`` adds (itself, new leaves and constants)."""
        return 1 + sum(1 for p in node.inputs if not is_edge(p) or (type(p) is not Node and id(p) not in self.ids))

    def operation(self, node: Node) -> list[Node]:
        """Draw ``node`` and its inputs; returns its parent nodes (for the walk to continue)."""
        dot_id = self.ids[id(node)] = self._new_id("op")
        scope = node.scope or ()
        lines = [_params_text(node.params), _meta(node.shape, node.dtype)]
        if self.show_values and node.out_data is not None:
            lines.append("value: " + summarize(node.out_data))
        self.entries[dot_id] = (_label(node.prim.name, *lines), "operation", scope)
        parents = []
        for parent in node.inputs:
            if not is_edge(parent):
                self.edges.append((self.constant(parent, scope), dot_id))
            elif type(parent) is Node:
                self.edges.append((parent, dot_id))
                parents.append(parent)
            else:
                self.edges.append((self.leaf(parent, scope), dot_id))
        return parents

    def resolve(self, tail, head: str) -> str:
        """The dot id an edge into ``head`` starts from: a drawn node, or the output tensor its value
        flows out of, or the truncation marker when the node was not drawn."""
        if type(tail) is not Node:
            return tail
        out = self.via.get(id(tail))
        return (out if out and out != head else self.ids.get(id(tail))) or "more"


def _count_hidden(queue: deque, seen: set, drawn: dict) -> int:
    """Operations, leaves and constants reachable from ``queue`` but not drawn (walked without drawing)."""
    hidden = set()
    constants = 0
    while queue:
        node = queue.popleft()
        hidden.add(id(node))
        for p in node.parents:
            if p is None:
                constants += 1
            elif type(p) is Node:
                if id(p) not in seen:
                    seen.add(id(p))
                    queue.append(p)
            elif id(p) not in drawn:
                hidden.add(id(p))
    return len(hidden) + constants


def _emit(walk: _Walk, rankdir: str) -> GraphDrawing:
    """Build the Digraph: nested clusters for scopes (deepest first), top-level nodes, then edges."""
    # operations, the most numerous nodes, take the default style: their statements stay short
    root = GraphDrawing(graph_attr={"rankdir": rankdir, "fontname": "Helvetica"},
                        node_attr={"fontname": "Helvetica", **STYLES["operation"]})
    by_scope: dict[tuple, list] = {}
    for dot_id, (label, kind, scope) in walk.entries.items():
        by_scope.setdefault(scope, []).append((dot_id, label, kind))
        for depth in range(1, len(scope)):
            by_scope.setdefault(scope[:depth], [])
    clusters: dict[tuple, GraphDrawing] = {}
    for scope in sorted(by_scope, key=len, reverse=True):
        graph = root if not scope else GraphDrawing(name=f"cluster_{len(clusters)}", graph_attr={
            "label": _label(".".join(map(str, scope))), "style": "rounded", "color": "#9a9a9a"})
        for dot_id, label, kind in by_scope[scope]:
            graph.node(dot_id, label, **(STYLES[kind] if kind != "operation" else {}))
        children = [c for s, c in clusters.items() if len(s) == len(scope) + 1 and s[:len(scope)] == scope]
        for child in children:
            graph.subgraph(child)
        if scope:
            clusters[scope] = graph
    return root


def draw_graph(*outputs: Tensor, params: Mapping[str, Tensor] | None = None, show_values: bool = False,
               show_grads: bool = False, rankdir: str = "TB", max_nodes: int | None = None) -> GraphDrawing:
    """Draw the graph that produced ``outputs`` as a ``graphviz.Digraph`` (data flows along the edges).

    Legend: grey rounded boxes are operations (primitive name, parameters, output shape and dtype); blue
    boxes are parameters (leaves that require grad, named by ``params`` or their ``name``, which
    ``nn`` modules set); yellow boxes are inputs (unnamed leaves that require grad, and tensors
    that do not require grad); dashed boxes are Python-number constants; green bold boxes are
    the outputs; a red octagon marks where ``max_nodes`` cut the drawing (it says how many nodes
    were left out). ``show_values``/``show_grads`` add values and gradients, summarized as
    min/mean/max when large; a gradient never computed shows as ``grad: None``. Operations
    recorded under ``record_scopes()`` are grouped in one cluster per module scope.
    """
    walk = _Walk(params, show_values, show_grads)
    queue: deque = deque()
    seen: set = set()
    for i, t in enumerate(outputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"draw_graph takes Tensors, got {type(t).__name__} for output {i}")
        walk.output(t, t.name or walk.param_names.get(id(t)) or ("output" if len(outputs) == 1 else f"output {i}"))
        if t.grad_fn is not None and id(t.grad_fn) not in seen:
            seen.add(id(t.grad_fn))
            queue.append(t.grad_fn)
    budget = len(walk.entries) + max_nodes if max_nodes is not None else None
    while queue:
        if budget is not None and len(walk.entries) + walk.cost(queue[0]) > budget:
            break
        for parent in walk.operation(queue.popleft()):
            if id(parent) not in seen:
                seen.add(id(parent))
                queue.append(parent)
    hidden = _count_hidden(queue, seen, walk.ids) if queue else 0
    if hidden:
        walk.entries["more"] = (_label(f"... {hidden} more nodes not drawn", f"max_nodes={max_nodes}"), "truncated",
                                ())
    graph = _emit(walk, rankdir)
    edges = [(walk.resolve(tail, head), head) for tail, head in walk.edges]
    graph.edges([e for e in edges if e[0] != "more"] + list(dict.fromkeys(e for e in edges if e[0] == "more")))
    return graph

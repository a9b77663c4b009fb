"""``draw_graph``: assertions on the DOT structure (nodes, labels, styles, edges), not only on rendering."""
import re
import shutil
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import autograd_core as ag
from autograd_core.viz import STYLES

NODE = re.compile(r"^\s*(\w+) \[label=<<B>(.*?)</B>(.*?)>( \w+=.*)?\]$")
EDGE = re.compile(r"^\s*(\w+) -> (\w+)$")
HAS_DOT = shutil.which("dot") is not None


def parse(graph):
    """``(nodes, edges)``: dot id -> (title, details, attributes) and the list of (tail, head) ids."""
    nodes, edges = {}, []
    for line in graph.source.splitlines():
        if m := NODE.match(line):
            nodes[m[1]] = (m[2], m[3], m[4] or "")
        elif m := EDGE.match(line):
            edges.append((m[1], m[2]))
    return nodes, edges


def titled_edges(graph):
    nodes, edges = parse(graph)
    return [(nodes[a][0], nodes[b][0]) for a, b in edges]


def titles(graph):
    return sorted(title for title, _, _ in parse(graph)[0].values())


def leaf(*shape, name=None):
    t = ag.Tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    t.name = name
    return t


def two_layer_loss():
    x = ag.Tensor(np.ones((5, 3)))
    x.name = "x"
    params = {"W1": leaf(3, 4), "b1": leaf(4), "W2": leaf(4, 1), "b2": leaf(1)}
    hidden = (x @ params["W1"] + params["b1"]).relu()
    loss = ((hidden @ params["W2"] + params["b2"] - 1.0) ** 2).sum()
    return loss, params


def test_two_layer_network_structure():
    loss, params = two_layer_loss()
    graph = ag.draw_graph(loss, params=params)
    nodes, _ = parse(graph)
    ops = sorted(t for t, _, attrs in nodes.values() if "fillcolor" not in attrs)  # default style: operations
    assert ops == ["add", "add", "matmul", "matmul", "pow", "relu", "sub", "sum"]
    kinds = {title: attrs for title, _, attrs in nodes.values()}
    for name in params:
        assert STYLES["parameter"]["fillcolor"] in kinds[name]
    assert STYLES["input"]["fillcolor"] in kinds["x"] and STYLES["output"]["fillcolor"] in kinds["output"]
    assert STYLES["constant"]["style"] in kinds["1"] and STYLES["constant"]["style"] in kinds["2"]
    edges = set(titled_edges(graph))
    expected = {("x", "matmul"), ("W1", "matmul"), ("b1", "add"), ("add", "relu"), ("relu", "matmul"),
                ("W2", "matmul"), ("matmul", "add"), ("b2", "add"), ("add", "sub"), ("1", "sub"),
                ("sub", "pow"), ("2", "pow"), ("pow", "sum"), ("sum", "output")}
    assert edges == expected
    assert "(3, 4) float64" in nodes[next(k for k, v in nodes.items() if v[0] == "W1")][1]


def test_each_tensor_appears_once_and_names_come_from_tensors():
    w = leaf(3, 3, name="w")
    x = leaf(3)
    out = (w @ (w @ x)).sum() + (x * x).sum()
    graph = ag.draw_graph(out)
    assert titles(graph).count("w") == 1 and titles(graph).count("tensor (requires grad)") == 1
    pairs = titled_edges(graph)
    assert pairs.count(("w", "matmul")) == 2 and pairs.count(("tensor (requires grad)", "mul")) == 2
    renamed = ag.draw_graph(out, params={"weight": w})  # params= wins over tensor.name
    assert "weight" in titles(renamed) and "w" not in titles(renamed)
    data = ag.Tensor(np.ones(3))
    data.name = "data"  # an input without grad: drawn from the node's metadata, once per name
    assert titles(ag.draw_graph((w @ data).sum() + (data * x).sum())).count("data") == 1


def test_labels_are_escaped():
    name = 'a<b> & "c" {d}'
    w = leaf(2, name=name)
    graph = ag.draw_graph((w * 2).sum(), params={"<lambda>": leaf(1)})
    assert "a&lt;b&gt; &amp; &quot;c&quot; {d}" in graph.source
    assert name not in graph.source
    if HAS_DOT:
        svg = ET.fromstring(graph.pipe(format="svg"))
        texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
        assert name in texts


def test_values_and_gradients_none_versus_zero():
    used, zero, unused = leaf(2, name="used"), leaf(2, name="zero"), leaf(300, name="unused")
    (used * 3 + zero * 0).sum().backward()
    graph = ag.draw_graph((used * 3 + zero * 0).sum() + unused.sum(), show_values=True, show_grads=True)
    nodes = {title: details for title, details, _ in parse(graph)[0].values()}
    assert "grad: [3., 3.]" in nodes["used"]
    assert "grad: [0., 0.]" in nodes["zero"]
    assert "grad: None" in nodes["unused"]
    assert re.search(r"value: min -?[\d.]+  mean -?[\d.e-]+  max [\d.]+", nodes["unused"])  # large: summarized


def test_max_nodes_truncates_with_marker():
    h = leaf(4, name="h0")
    w = leaf(4, 4, name="w")
    for _ in range(50):  # an unrolled recurrence: 150 operations
        h = (w @ h).tanh() + h
    full = parse(ag.draw_graph(h))[0]
    cut = parse(ag.draw_graph(h, max_nodes=20))[0]
    marker = [title for title, _, attrs in cut.values() if STYLES["truncated"]["fillcolor"] in attrs]
    assert len(marker) == 1
    hidden = int(re.search(r"(\d+) more nodes", marker[0])[1])
    assert len(cut) <= 20 + 2  # + the output and the marker
    assert len(cut) - 2 + hidden == len(full) - 1  # everything is either drawn or counted
    assert ("more" in {tail for tail, _ in parse(ag.draw_graph(h, max_nodes=20))[1]})


def test_hundred_thousand_node_chain_draws_iteratively():
    y = leaf(2, name="start")
    for _ in range(100_000):
        y = -y
    nodes, edges = parse(ag.draw_graph(y))
    assert len(nodes) == 100_002 and len(edges) == 100_001


def test_module_scopes_become_nested_clusters():
    x = leaf(3, name="x")
    with ag.record_scopes():
        with ag.scope("net"):
            with ag.scope("layer1"):
                h = (x * 2).sin()
            with ag.scope("layer2"):
                out = (h * h).sum()
    source = ag.draw_graph(out).source
    clusters = re.findall(r"subgraph (cluster_\w+) \{\s*graph \[.*label=<<B>([\w.]+)</B>>", source)
    assert sorted(label for _, label in clusters) == ["net", "net.layer1", "net.layer2"]
    layer1 = source[source.index("net.layer1"):]
    assert "sin" in layer1[:layer1.index("}")]
    assert source.index("cluster_") < source.index("net.layer2") < source.rindex("}\n\t}")  # nested in net
    assert "cluster" not in ag.draw_graph((x * 2).sum()).source


def test_intermediate_outputs_and_options():
    x = leaf(3, name="x")
    h = x.exp()
    h.name = "h"
    out = (h * 2).sum()
    graph = ag.draw_graph(out, h, rankdir="LR")
    pairs = titled_edges(graph)
    assert ("exp", "h") in pairs and ("h", "mul") in pairs
    assert "rankdir=LR" in graph.source
    params = ag.draw_graph(x[1:].reshape(1, 2).sum(axis=(0,), keepdims=True)).source  # parameters that are set
    assert "index=1:" in params and "shape=(1, 2)" in params and "axis=(0,), keepdims=True" in params
    with pytest.raises(TypeError, match="Tensors"):
        ag.draw_graph(np.ones(3))


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz `dot` is not installed")
def test_svg_rendering_is_well_formed(tmp_path):
    loss, params = two_layer_loss()
    graph = ag.draw_graph(loss, params=params, show_values=True)
    svg = ET.fromstring(graph.pipe(format="svg"))
    assert svg.tag.endswith("svg")
    assert "W1" in [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert graph._repr_mimebundle_()["image/svg+xml"].lstrip().startswith("<?xml")
    path = graph.render(tmp_path / "graph", format="png")
    assert open(path, "rb").read(4) == b"\x89PNG"


def test_missing_dot_gives_source_and_an_install_hint(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere on PATH
    graph = ag.draw_graph(two_layer_loss()[0])
    assert graph.source.startswith("digraph {") and graph.source.rstrip().endswith("}")
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        graph.pipe(format="svg")
    with pytest.raises(RuntimeError, match="install"):
        graph.render(tmp_path / "g", format="svg")

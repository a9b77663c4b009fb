"""Module bookkeeping: registration, traversal, modes, state_dict round trips and errors, repr, containers."""
import numpy as np
import pytest

import autograd_core as ag
import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.norm = nn.BatchNorm1d(4)
        self.scale = nn.Parameter(np.ones(4, np.float32))
        self.register_buffer("steps", ag.zeros(1))

    def forward(self, x):
        return self.norm(self.fc(x)) * self.scale


def test_parameter_is_a_tensor_that_requires_grad_and_shares_data():
    data = np.ones(3, np.float32)
    p = nn.Parameter(data)
    assert isinstance(p, ag.Tensor) and p.requires_grad and p.data is data
    assert nn.Parameter(ag.ones(2)).requires_grad
    assert not nn.Parameter(ag.ones(2), requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:\nTensor(")


def test_registration_order_names_and_traversal():
    m = Block()
    assert [k for k, _ in m.named_parameters()] == ["scale", "fc.weight", "fc.bias", "norm.weight", "norm.bias"]
    assert [k for k, _ in m.named_buffers()] == ["steps", "norm.running_mean", "norm.running_var",
                                                 "norm.num_batches_tracked"]
    assert [k for k, _ in m.named_children()] == ["fc", "norm"]
    assert [k for k, _ in m.named_modules()] == ["", "fc", "norm"]
    assert list(m.children()) == [m.fc, m.norm]
    assert len(list(m.modules())) == 3 and len(list(m.buffers())) == 4
    assert m.num_parameters() == 4 + 12 + 4 + 4 + 4
    assert m.fc.weight.name == "fc.weight" and m.scale.name == "scale"


def test_graph_names_are_restamped_with_the_outermost_path():
    inner = nn.Linear(2, 2)
    assert inner.weight.name == "weight"
    outer = nn.Sequential(nn.Sequential(inner))
    assert inner.weight.name == "0.0.weight"
    assert dict(outer.named_parameters())["0.0.weight"] is inner.weight


def test_shared_parameters_appear_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, lin)
    assert len(list(seq.parameters())) == 2
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_typo_raises_attribute_error_with_name():
    m = Block()
    with pytest.raises(AttributeError, match="'Block' object has no attribute 'wieght'"):
        m.wieght  # noqa: B018


def test_assignment_rules():
    m = Block()
    with pytest.raises(TypeError, match="parameter 'scale'"):
        m.scale = ag.ones(4)
    m.scale = None
    assert "scale" not in dict(m.named_parameters())
    m.steps = ag.ones(1)
    assert m.state_dict()["steps"][0] == 1
    with pytest.raises(TypeError, match="buffer 'steps'"):
        m.steps = 3
    m.fc = nn.Identity()
    assert isinstance(m._modules["fc"], nn.Identity)
    del m.norm
    assert [k for k, _ in m.named_children()] == ["fc"]
    m.plain = 3  # ordinary attributes are untouched
    assert m.plain == 3
    m.plain = nn.Parameter(np.zeros(1, np.float32))  # ... until a Parameter replaces one
    assert "plain" in dict(m.named_parameters())
    m.other = 4
    del m.other, m.plain
    assert not hasattr(m, "other") and "plain" not in dict(m.named_parameters())
    with pytest.raises(TypeError, match="nn.Parameter"):
        m.register_parameter("w", ag.ones(2))
    with pytest.raises(KeyError, match="without '.'"):
        m.register_buffer("a.b", ag.ones(2))


def test_setattr_before_init_is_a_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.ones(1, np.float32))

    with pytest.raises(AttributeError, match="Module.__init__"):
        Bad()


def test_train_eval_apply_zero_grad():
    m = nn.Sequential(Block(), nn.Dropout())
    assert m.training and m[1].training
    assert m.eval() is m and not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())
    seen = []
    m.apply(lambda mod: seen.append(type(mod).__name__))
    assert seen == ["Linear", "BatchNorm1d", "Block", "Dropout", "Sequential"]
    m(ag.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.data.any() for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_requires_grad_freezes_parameters():
    m = Block()
    m.fc.requires_grad_(False)
    m(ag.randn(4, 3)).sum().backward()
    assert m.fc.weight.grad is None and m.norm.weight.grad is not None
    assert m.num_parameters(trainable_only=True) == m.num_parameters() - 16


def test_forward_not_implemented():
    with pytest.raises(NotImplementedError, match="Module must implement forward"):
        nn.Module()(1)


def test_state_dict_copies_and_load_in_place():
    a, b = Block(), Block()
    sd = a.state_dict()
    assert all(isinstance(v, np.ndarray) for v in sd.values())
    sd["fc.weight"][0, 0] = 123.0  # a copy: the model is unchanged
    assert a.fc.weight.data[0, 0] != 123.0
    weight = b.fc.weight
    version = weight._version
    missing, unexpected = b.load_state_dict(a.state_dict())
    assert missing == [] and unexpected == []
    assert b.fc.weight is weight and weight._version > version
    for k, v in a.state_dict().items():
        np.testing.assert_array_equal(b.state_dict()[k], v)


def test_load_state_dict_strict_errors_list_everything():
    m = Block()
    sd = m.state_dict()
    del sd["fc.bias"]
    sd["extra.weight"] = np.zeros(2)
    sd["fc.weight"] = np.zeros((2, 2))
    before = m.fc.weight.data.copy()
    with pytest.raises(RuntimeError) as err:
        m.load_state_dict(sd)
    text = str(err.value)
    assert "missing keys: fc.bias" in text and "unexpected keys: extra.weight" in text
    assert "fc.weight: checkpoint (2, 2) vs model (4, 3)" in text
    np.testing.assert_array_equal(m.fc.weight.data, before)  # nothing loaded


def test_load_state_dict_non_strict():
    m = Block()
    sd = {"fc.weight": np.full((4, 3), 2.0), "other": np.zeros(1)}
    missing, unexpected = m.load_state_dict(sd, strict=False)
    assert unexpected == ["other"] and "fc.bias" in missing
    assert m.load_state_dict(sd, strict=False).unexpected_keys == ["other"]
    assert (m.fc.weight.data == 2).all()
    with pytest.raises(RuntimeError, match="shape mismatches"):
        m.load_state_dict({"fc.weight": np.zeros(3)}, strict=False)


def test_non_persistent_buffer_not_in_state_dict():
    m = nn.Module()
    m.register_buffer("tmp", ag.zeros(2), persistent=False)
    m.register_buffer("keep", ag.zeros(2))
    assert list(m.state_dict()) == ["keep"] and len(list(m.buffers())) == 2


def test_repr_nested():
    m = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Linear(3, 1, bias=False)))
    assert repr(m) == ("Sequential(\n"
                       "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
                       "  (1): Sequential(\n"
                       "    (0): Linear(in_features=3, out_features=1, bias=False)\n"
                       "  )\n"
                       ")")


def test_sequential_indexing_len_iteration_append():
    layers = [nn.Linear(2, 2), nn.Identity(), nn.Linear(2, 1)]
    s = nn.Sequential(*layers)
    assert len(s) == 3 and list(s) == layers and s[-1] is layers[2]
    assert isinstance(s[1:], nn.Sequential) and list(s[1:]) == layers[1:]
    with pytest.raises(IndexError, match="out of range"):
        s[3]
    s.append(nn.Identity())
    assert len(s) == 4 and list(s.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    x = ag.randn(4, 2)
    np.testing.assert_allclose(s(x).data, layers[2](layers[0](x)).data)
    s[1] = nn.Linear(2, 2)
    assert "1.weight" in s.state_dict()


def test_sequential_from_ordered_dict_and_module_list_dict():
    s = nn.Sequential({"enc": nn.Linear(2, 3), "dec": nn.Linear(3, 2)})
    assert list(s.state_dict())[0] == "enc.weight" and s[1] is s.dec
    ml = nn.ModuleList([nn.Linear(1, 1)]).extend([nn.Linear(1, 1)])
    assert len(ml) == 2 and list(dict(ml.named_parameters())) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    md = nn.ModuleDict({"a": nn.Linear(1, 2)})
    md["b"] = nn.Identity()
    assert list(md) == ["a", "b"] and "a" in md and md["a"].out_features == 2 and len(md) == 2
    assert list(md.keys()) == ["a", "b"] and dict(md.items())["b"] is md.b
    del md["b"]
    assert list(md.values()) == [md.a]


def test_call_records_module_scopes():
    m = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    x = ag.randn(3, 2, requires_grad=True)
    with ag.record_scopes():
        y = m(x)
    assert y.grad_fn.scope == ("Sequential", "1: Linear")
    assert m(x).grad_fn.scope is None  # not recorded by default


def test_to_double_float_cast_in_place():
    m = Block()
    m(ag.randn(4, 3)).sum().backward()
    weight = m.fc.weight
    assert m.double() is m and m.fc.weight is weight
    assert all(p.dtype == np.float64 and p.grad.dtype == np.float64 for p in m.parameters())
    assert m.norm.running_mean.dtype == np.float64 and m.norm.num_batches_tracked.dtype == np.int64
    assert m(ag.Tensor(np.ones((2, 3)))).dtype == np.float64
    assert m.float().fc.weight.dtype == np.float32
    with pytest.raises(TypeError, match="floating dtype"):
        m.to(np.int32)

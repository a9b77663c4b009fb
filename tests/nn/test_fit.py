"""nn.fit, EarlyStopping, History and the bias/variance diagnosis."""
import io
import json

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
import optim
from nn.data import DataLoader, TensorDataset, make_moons, train_dev_test_split
from nn.training import History, bias_variance


def _mlp(hidden=16):
    return nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, 2))


def _moons(n=400):
    x, y = make_moons(n, noise=0.15, seed=0)
    return train_dev_test_split(x, y, fractions=(0.75, 0.25), seed=0)


def test_mlp_on_moons_reaches_95_percent_dev_accuracy():
    train, dev = _moons(600)
    model = _mlp(32)
    history = nn.fit(model, F.cross_entropy, optim.Adam(model.parameters(), lr=0.01), train, dev, epochs=40)
    assert history.epochs == 40 and history["dev_accuracy"][-1] > 0.95
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert len(history["lr"]) == len(history["time"]) == 40 and all(t > 0 for t in history["time"])


@pytest.mark.parametrize("kind", ["tuple", "dataset", "loader"])
def test_fit_accepts_tuples_datasets_and_loaders(kind):
    (xt, yt), dev = _moons(64)
    data = {"tuple": (xt, yt), "dataset": TensorDataset(xt, yt),
            "loader": DataLoader(TensorDataset(xt, yt), batch_size=16, shuffle=True)}[kind]
    model = _mlp()
    history = nn.fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), data, dev, epochs=2,
                     batch_size=16)
    assert set(history.records) == {"train_loss", "train_accuracy", "dev_loss", "dev_accuracy", "lr", "time"}


def test_fit_errors_on_bad_data():
    model = _mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="train_data must be a DataLoader"):
        nn.fit(model, F.cross_entropy, opt, 42)
    with pytest.raises(ValueError, match="train_data is empty"):
        nn.fit(model, F.cross_entropy, opt, (np.zeros((0, 2), np.float32), np.zeros(0, np.int64)))
    with pytest.raises(ValueError, match=r"batches \(inputs..., targets\)"):
        nn.fit(model, F.cross_entropy, opt, DataLoader(TensorDataset(np.zeros((4, 2), np.float32))), epochs=1)
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        nn.fit(model, F.cross_entropy, opt, _moons(8)[0], metrics=("f1",))


class _Probe(nn.Module):
    """Identity layer that records (training, grad enabled) for each call."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def forward(self, x):
        self.calls.append((self.training, ag.is_grad_enabled()))
        return x


def test_train_mode_for_training_and_eval_no_grad_for_dev():
    probe = _Probe()
    model = nn.Sequential(probe, _mlp())
    train, dev = _moons(32)
    nn.fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), train, dev, epochs=1, batch_size=8)
    # 3 training batches, 1 dev batch, then the training set once more in eval mode for ``train_eval``
    assert probe.calls == [(True, True)] * 3 + [(False, False)] * 1 + [(False, False)] * 1
    assert model.training


class _Inputs(nn.Module):
    """Identity layer that keeps the inputs of each eval-mode call."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def forward(self, x):
        if not self.training:
            self.seen.append(x.data.copy())
        return x


class _GeneratorState:
    """A callback keeping the global generator's state when training ends (before the ``train_eval`` pass)."""

    def on_train_end(self, history):
        self.state = ag.default_generator().bit_generator.state


def test_train_eval_pass_reads_the_training_set_in_order_in_large_batches_drawing_nothing():
    inputs = _Inputs()
    model = nn.Sequential(inputs, _mlp())
    (xt, yt), _ = _moons(1600)  # 1,200 training rows: two eval batches of at most EVAL_BATCH
    loader = DataLoader(TensorDataset(xt, yt), batch_size=50, shuffle=True, drop_last=True)
    end = _GeneratorState()
    ag.manual_seed(0)
    h = nn.fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), loader, epochs=2, callbacks=[end])
    assert [len(x) for x in inputs.seen] == [nn.training.EVAL_BATCH, 1200 - nn.training.EVAL_BATCH]
    np.testing.assert_array_equal(np.concatenate(inputs.seen), xt)
    assert ag.default_generator().bit_generator.state == end.state  # seeded code after fit is unaffected
    with ag.no_grad():
        expected = F.cross_entropy(model(ag.Tensor(xt)), ag.Tensor(yt)).item()
    assert h.train_eval["train_loss"] == pytest.approx(expected, rel=1e-6)


class _Recorder:
    """A callback with every hook, recording the calls; stops training after ``stop_at`` epochs."""

    def __init__(self, stop_at=None):
        self.calls, self.stop_at = [], stop_at

    def on_train_begin(self, history):
        self.calls.append("begin")
        assert history.model is not None and history.optimizer is not None

    def on_epoch_begin(self, history, epoch):
        self.calls.append(f"epoch{epoch}")

    def on_batch_end(self, history, epoch, batch, loss):
        self.calls.append(f"b{batch}")
        assert np.isfinite(loss)

    def on_epoch_end(self, history, epoch, logs):
        self.calls.append(f"end{epoch}")
        assert "train_loss" in logs and history.epochs == epoch
        if epoch == self.stop_at:
            history.stop_training = True

    def on_train_end(self, history):
        self.calls.append("done")


def test_callback_hooks_in_order_and_stopping():
    model, train = _mlp(), _moons(32)[0]
    rec, partial = _Recorder(stop_at=2), type("OnlyEnd", (), {"calls": [], "on_epoch_end": lambda s, h, e, l: None})()
    history = nn.fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), train, epochs=5, batch_size=12,
                     callbacks=[rec, partial])
    assert rec.calls == ["begin", "epoch1", "b1", "b2", "end1", "epoch2", "b1", "b2", "end2", "done"]
    assert history.epochs == 2 and history.final_epoch == 2


class _FakeScheduler:
    def __init__(self, optimizer, wants_metric):
        self.optimizer, self.seen = optimizer, []
        if wants_metric:
            self.step = lambda metrics: self.seen.append(metrics)
        else:
            self.step = lambda: self.seen.append(None)


def test_scheduler_steps_once_per_epoch_plateau_gets_the_dev_loss():
    train, dev = _moons(32)
    for wants_metric in (False, True):
        model = _mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        sched = _FakeScheduler(opt, wants_metric)
        h = nn.fit(model, F.cross_entropy, opt, train, dev, epochs=3, scheduler=sched)
        assert sched.seen == (h["dev_loss"] if wants_metric else [None] * 3)
    model = _mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    h = nn.fit(model, F.cross_entropy, opt, train, dev, epochs=4, scheduler=optim.lr_scheduler.StepLR(opt, 2, 0.5))
    assert h["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.05])
    opt = optim.SGD(model.parameters(), lr=0.1)
    plateau = optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5)
    h = nn.fit(model, lambda out, t: F.cross_entropy(out, t) * 0 + 1.0, opt, train, dev, epochs=3, scheduler=plateau)
    assert h["lr"] == pytest.approx([0.1, 0.1, 0.05])  # constant dev loss: reduced after the second epoch


def test_fit_never_imports_optim():
    import ast
    import inspect

    import nn.training

    tree = ast.parse(inspect.getsource(nn.training))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not any(name.split(".")[0] == "optim" for name in names)


# ----------------------------------------------------------------- NaN
def test_nan_loss_stops_naming_epoch_and_batch_keeping_last_good_weights():
    model, train = _mlp(), _moons(48)[0]
    calls = {"n": 0}
    snapshots = []

    def loss_fn(out, target):
        calls["n"] += 1
        loss = F.cross_entropy(out, target)
        return loss * float("nan") if calls["n"] == 6 else loss  # epoch 2 (3 batches each), batch 3

    class Snap:
        def on_batch_end(self, history, epoch, batch, loss):
            snapshots.append(model.state_dict())

    with pytest.raises(RuntimeError, match="loss is nan at epoch 2, batch 3") as info:
        nn.fit(model, loss_fn, optim.SGD(model.parameters(), lr=0.1), train, epochs=3, batch_size=12,
               callbacks=[Snap()])
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, snapshots[-1][k])
    assert info.value.history.epochs == 1


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_nan_weights_are_replaced_by_the_epoch_start_weights():
    model, train = _mlp(), _moons(48)[0]
    opt = optim.SGD(model.parameters(), lr=0.1)
    starts = []

    class Poison:
        def on_epoch_begin(self, history, epoch):
            starts.append(model.state_dict())

        def on_batch_end(self, history, epoch, batch, loss):
            if epoch == 2 and batch == 1:
                with ag.no_grad():
                    model[0].weight.fill_(float("inf"))

    with pytest.raises(RuntimeError, match=r"epoch 2, batch 2.*restored the weights from the start of epoch 2"):
        nn.fit(model, F.cross_entropy, opt, train, epochs=3, batch_size=12, callbacks=[Poison()])
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, starts[1][k])


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_non_finite_batch_norm_statistics_are_replaced_by_the_epoch_start_state():
    # An inf input row in batch 2 gives inf running statistics and a NaN loss before any step changes the weights.
    x, y = make_moons(36, noise=0.1, seed=1)
    x = x.astype(np.float32)
    x[15, 0] = np.inf
    model = nn.Sequential(nn.Linear(2, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2))
    start = model.state_dict()
    loader = DataLoader(TensorDataset(x, y), batch_size=12)
    with pytest.raises(RuntimeError, match=r"epoch 1, batch 2.*restored the weights from the start of epoch 1"):
        nn.fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), loader, epochs=2)
    assert set(model.state_dict()) == set(start) and "1.running_mean" in start
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, start[k])


def test_snapshot_reuses_its_storage_and_follows_replaced_tensors():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    snap = nn.training._Snapshot(model)
    snap.take()
    storage = snap.arrays["0.weight"]
    with ag.no_grad():
        model[0].weight.fill_(2.0)
    snap.take()
    assert snap.arrays["0.weight"] is storage and (storage == 2.0).all()
    model[0].weight = nn.Parameter(np.ones((3, 2)))  # another dtype (float64): fresh storage
    snap.take()
    assert snap.arrays["0.weight"] is not storage and snap.arrays["0.weight"].dtype == np.float64
    with ag.no_grad():
        model[0].weight.fill_(5.0)
        model[1].running_mean.fill_(np.nan)
    assert not snap.finite()
    snap.restore()
    assert (model[0].weight.data == 1.0).all() and (model[1].running_mean.data == 0.0).all() and snap.finite()


# ----------------------------------------------------------------- early stopping
def test_early_stopping_unit_patience_and_restore():
    model = nn.Linear(1, 1)
    es = nn.EarlyStopping(patience=2)
    history = History()
    history.model = model
    es.on_train_begin(history)
    for epoch, loss in enumerate([3.0, 2.0, 2.5, 2.4, 1.0], 1):
        with ag.no_grad():
            model.weight.fill_(float(epoch))
        history.append({"dev_loss": loss})
        es.on_epoch_end(history, epoch, {"dev_loss": loss})
        if history.stop_training:
            break
    assert (history.best_epoch, history.stopped_epoch, history.epochs) == (2, 4, 4)
    es.on_train_end(history)
    assert model.weight.item() == 2.0 and history.final_epoch == 2


def test_early_stopping_min_delta_accuracy_mode_and_missing_monitor():
    es = nn.EarlyStopping(monitor="dev_accuracy", patience=1, min_delta=0.05, restore_best=False)
    history = History()
    es.on_train_begin(history)
    for epoch, acc in enumerate([0.5, 0.6, 0.63], 1):
        es.on_epoch_end(history, epoch, {"dev_accuracy": acc})
    assert history.best_epoch == 2 and history.stopped_epoch == 3
    with pytest.raises(ValueError, match="monitors 'dev_loss'.*pass dev_data"):
        es = nn.EarlyStopping()
        es.on_train_begin(history)
        es.on_epoch_end(history, 1, {"train_loss": 1.0})
    with pytest.raises(ValueError, match="patience"):
        nn.EarlyStopping(patience=-1)


def test_fit_with_early_stopping_restores_the_best_dev_weights():
    g = np.random.default_rng(0)
    x, y = g.normal(size=(60, 2)).astype(np.float32), g.integers(0, 2, 60)  # pure noise: dev loss soon rises
    model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 2))
    train, dev = (x[:40], y[:40]), (x[40:], y[40:])
    h = nn.fit(model, F.cross_entropy, optim.Adam(model.parameters(), lr=0.05), train, dev, epochs=200,
               batch_size=40, early_stopping=nn.EarlyStopping(patience=3))
    assert h.stopped_epoch is not None and h.stopped_epoch == h.best_epoch + 3 and h.epochs < 200
    assert h.final_epoch == h.best_epoch and min(h["dev_loss"]) == h["dev_loss"][h.best_epoch - 1]
    dev_loss = nn.training.evaluate(model, F.cross_entropy, DataLoader(TensorDataset(*dev), batch_size=40), {})
    assert dev_loss["dev_loss"] == pytest.approx(h["dev_loss"][h.best_epoch - 1], rel=1e-6)


# ----------------------------------------------------------------- History
def test_history_json_round_trip_and_plot(tmp_path):
    train, dev = _moons(64)
    model = _mlp()
    h = nn.fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), train, dev, epochs=3)
    again = History.from_dict(json.loads(json.dumps(h.to_dict())))
    assert again == h and again["dev_loss"] == h["dev_loss"] and again.best_epoch == h.best_epoch
    assert "3 epochs" in repr(h)
    fig = h.plot(tmp_path / "curves.png")
    assert (tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in loss_ax.get_lines()][:2] == ["train", "dev"]
    assert acc_ax.get_title() == "accuracy"
    np.testing.assert_allclose(loss_ax.get_lines()[1].get_ydata(), h["dev_loss"])


@pytest.mark.parametrize("train, dev, verdict", [(0.01, 0.11, "high variance"), (0.15, 0.16, "high bias"),
                                                 (0.15, 0.30, "high bias and high variance"),
                                                 (0.005, 0.01, "fine")])
def test_diagnose_reproduces_the_four_row_table(train, dev, verdict):
    assert bias_variance(train, dev).verdict == verdict
    h = History({"train_loss": [1.0], "dev_loss": [1.0], "train_accuracy": [1 - train], "dev_accuracy": [1 - dev]})
    d = h.diagnose()
    assert d.verdict == verdict and d.variance == pytest.approx(dev - train)
    assert verdict in str(d) and f"dev error {dev:.1%}" in str(d)


def test_diagnose_uses_the_eval_mode_train_error_of_the_final_weights():
    h = History({"train_accuracy": [0.85], "dev_accuracy": [0.89], "train_loss": [1.0], "dev_loss": [1.0]},
                train_eval={"train_loss": 0.1, "train_accuracy": 0.99})
    assert h.diagnose().verdict == "high variance" and h.diagnose().train_error == pytest.approx(0.01)
    model, (train, dev) = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 2)), _moons(64)
    h = nn.fit(model, F.cross_entropy, optim.Adam(model.parameters(), lr=0.01), train, dev, epochs=2)
    expected = nn.training.evaluate(model, F.cross_entropy, DataLoader(TensorDataset(*train), batch_size=8), {},
                                    "train")
    assert h.train_eval["train_loss"] == pytest.approx(expected["train_loss"], rel=1e-5)
    assert History.from_dict(json.loads(json.dumps(h.to_dict()))).train_eval == h.train_eval


def test_diagnose_with_bayes_error_loss_fallback_and_without_dev():
    assert bias_variance(0.15, 0.16, bayes_error=0.14).verdict == "fine"
    h = History({"train_loss": [0.5, 0.01], "dev_loss": [0.6, 0.4]}, final_epoch=2)
    assert h.diagnose().verdict == "high variance"
    with pytest.raises(ValueError, match="pass dev_data"):
        History({"train_loss": [0.1]}).diagnose()


# ----------------------------------------------------------------- metrics and progress
def test_binary_logit_accuracy_and_custom_metrics():
    from nn.training import accuracy

    assert accuracy(np.array([[2.0], [-1.0], [0.5]]), np.array([1, 0, 0])) == pytest.approx(2 / 3)
    assert accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([[0, 1], [0, 1]])) == 0.5

    def error(out, target):
        return 1 - accuracy(out, target)

    train, dev = _moons(32)
    model = _mlp()
    h = nn.fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), train, dev, epochs=1,
               metrics=["accuracy", error])
    assert h["dev_error"][0] == pytest.approx(1 - h["dev_accuracy"][0])
    h = nn.fit(model, F.cross_entropy, optim.SGD(model.parameters(), lr=0.1), train, epochs=1, metrics=None)
    assert set(h.records) == {"train_loss", "lr", "time"}


def test_progress_bars_only_on_a_terminal(monkeypatch, capsys):
    train, dev = _moons(32)
    model = _mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    nn.fit(model, F.cross_entropy, opt, train, dev, epochs=2)
    assert capsys.readouterr().err == ""

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    term = Terminal()
    monkeypatch.setattr("sys.stderr", term)
    nn.fit(model, F.cross_entropy, opt, train, dev, epochs=2, progress=False)
    assert term.getvalue() == ""
    nn.fit(model, F.cross_entropy, opt, train, dev, epochs=2)
    assert "epochs" in term.getvalue() and "dev_loss" in term.getvalue()


# ----------------------------------------------------------------- the demo
def test_digits_demo_writes_outputs_and_a_checkpoint_that_loads(tmp_path, capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "digits_demo.py"
    spec = importlib.util.spec_from_file_location("digits_demo", path)
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    result = demo.main(epochs=3, out_dir=tmp_path, progress=False, hidden=(8, 4))
    printed = capsys.readouterr().out
    assert str(tmp_path) in printed and "test accuracy" in printed and "gradient check" in printed
    assert "bias/variance" in printed and result["gradcheck"].ok and result["test_accuracy"] > 0.3
    paths = result["paths"]
    assert paths["curves"].read_bytes()[:4] == b"\x89PNG" and paths["monitor"].read_bytes()[:4] == b"\x89PNG"
    assert paths["graph"].suffix in (".svg", ".dot") and paths["graph"].stat().st_size > 0
    assert History.from_dict(json.loads(paths["history"].read_text())) == result["history"]
    fresh = demo.build_model((8, 4))
    fresh.load_state_dict(nn.load(paths["checkpoint"])["model"])
    x_test = ag.Tensor(result["test"][0])
    trained = result["model"].eval()
    with ag.no_grad():
        np.testing.assert_array_equal(fresh.eval()(x_test).data, trained(x_test).data)

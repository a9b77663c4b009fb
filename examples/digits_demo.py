"""The main job of `make demo`: the whole training workflow on scikit-learn's bundled 8x8 digits.

Split train/dev/test, standardize with training statistics only (a Standardizer that is the
model's first layer, so it is saved with it), train an MLP with BatchNorm and Dropout through
``nn.fit`` with Adam, a plateau schedule, early stopping, a training monitor and progress bars;
then print the test accuracy, the bias/variance diagnosis and a whole-model gradient check, and
write the loss curves, the monitor's plot, the computation graph and a checkpoint into one folder.

    python examples/digits_demo.py [--epochs N] [--out DIR]
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

import autograd_core as ag
import nn
import nn.functional as F
import optim
from nn.data import Standardizer, load_digits, train_dev_test_split

DEFAULT_OUT = Path(tempfile.gettempdir()) / "autograd_core_digits_demo"


def build_model(hidden: tuple[int, int] = (32, 16)) -> nn.Sequential:
    """64 standardized pixels -> hidden -> 10 classes, BatchNorm and Dropout after each hidden layer.

    Small on purpose: the whole-model gradient check perturbs each of its ~2,900 parameters.
    """
    (h1, h2) = hidden
    return nn.Sequential(
        Standardizer(64),
        nn.Linear(64, h1), nn.BatchNorm1d(h1), nn.ReLU(), nn.Dropout(0.1),
        nn.Linear(h1, h2), nn.BatchNorm1d(h2), nn.ReLU(), nn.Dropout(0.1),
        nn.Linear(h2, 10),
    )


def predict(model: nn.Module, x: np.ndarray) -> np.ndarray:
    """Class predictions in eval mode."""
    model.eval()
    with ag.no_grad():
        return model(ag.Tensor(x)).data.argmax(axis=1)


def _graph(model: nn.Module, x: np.ndarray, path: Path) -> Path:
    """The computation graph of one small eval-mode batch as SVG (DOT source when Graphviz is missing)."""
    graph = nn.utils.draw_model(model.eval(), ag.Tensor(x))
    try:
        path.write_bytes(graph.pipe(format="svg"))
    except Exception as e:  # graphviz.ExecutableNotFound: keep the DOT source, which any viewer renders
        path = path.with_suffix(".dot")
        path.write_text(graph.source)
        print(f"note: Graphviz 'dot' is missing ({type(e).__name__}); wrote the DOT source to {path}")
    return path


def main(epochs: int = 80, out_dir: str | Path | None = None, progress: bool = True, seed: int = 0,
         hidden: tuple[int, int] = (32, 16)) -> dict:
    """Run the whole workflow; returns the test accuracy, History, gradient check, written files and the model."""
    start = time.perf_counter()
    out = Path(out_dir) if out_dir is not None else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    ag.manual_seed(seed)

    x, y = load_digits()
    train, dev, test = train_dev_test_split(x, y, fractions=(0.7, 0.15, 0.15), seed=seed)
    print(f"digits: {len(train[1])} train / {len(dev[1])} dev / {len(test[1])} test samples of 8x8 pixels")

    model = build_model(hidden)
    model[0].fit(train[0])  # training statistics only
    optimizer = optim.Adam(model.parameters(), lr=3e-3)
    scheduler = optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=3)
    monitor = nn.utils.TrainingMonitor()
    history = nn.fit(model, F.cross_entropy, optimizer, train, dev, epochs=epochs, batch_size=64,
                     scheduler=scheduler, early_stopping=nn.EarlyStopping(patience=10), callbacks=[monitor],
                     progress=progress)
    stopped = f"early stopping at epoch {history.stopped_epoch}" if history.stopped_epoch else f"{epochs} epochs"
    print(f"trained {history.epochs} epochs ({stopped}); best dev loss at epoch {history.best_epoch}, "
          f"weights restored from epoch {history.final_epoch}")

    test_accuracy = float(np.mean(predict(model, test[0]) == test[1]))
    print(f"test accuracy: {test_accuracy:.2%}")
    print(f"bias/variance: {history.diagnose(bayes_error=0.0)}")

    model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        check = nn.utils.gradcheck_module(model, F.cross_entropy, ag.Tensor(test[0][:8]), ag.Tensor(test[1][:8]))
    print(f"whole-model gradient check (eval mode, float64): {check}")

    paths = {"curves": out / "loss_curves.png", "monitor": out / "training_monitor.png",
             "checkpoint": out / "checkpoint.npz", "history": out / "history.json"}
    history.plot(paths["curves"])
    monitor.plot(paths["monitor"])
    paths["graph"] = _graph(model, test[0][:4], out / "model_graph.svg")
    nn.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "history": history.to_dict()},
            paths["checkpoint"])
    paths["history"].write_text(json.dumps(history.to_dict(), indent=1))
    print(f"wrote loss curves, monitor plot, computation graph and checkpoint to {out}")
    print(f"done in {time.perf_counter() - start:.1f} s")
    return {"test_accuracy": test_accuracy, "history": history, "gradcheck": check, "paths": paths,
            "model": model, "test": test}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=80)
    parser.add_argument("--out", default=None, help=f"output folder (default {DEFAULT_OUT})")
    args = parser.parse_args()
    main(args.epochs, args.out)

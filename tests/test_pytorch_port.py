"""Issue 15's acceptance test: one PyTorch training script, written with PyTorch spellings only, runs
unchanged after the import swap and gives PyTorch's losses step by step.

The script (``SCRIPT``) loads data through ``DataLoader``, trains a model with ``LSTMCell`` and
``MultiheadAttention`` using ``AdamW`` with two parameter groups, ``OneCycleLR`` and
``clip_grad_norm_``, checkpoints model, optimizer and scheduler to a ``BytesIO`` and resumes into
fresh objects. It is executed once under ``import autograd_core as torch, nn, optim`` and once
under real torch; only the import lines differ.
"""
import numpy as np
import pytest

OURS = """
import autograd_core as torch
import nn
import nn.functional as F
import optim
from autograd_core.utils.data import DataLoader, TensorDataset
"""

THEIRS = """
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset
"""

SCRIPT = """
import io

import numpy as np

rng = np.random.default_rng(0)
X = rng.standard_normal((40, 6, 3)).astype(np.float32)
Y = (X[:, :, 0].cumsum(axis=1)[:, -1] * 0.3 + X[:, -1, 1]).astype(np.float32)
CAUSAL = np.triu(np.ones((6, 6), dtype=bool), k=1)  # True = may not attend (a future step)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(3, 16)
        self.cell = nn.LSTMCell(16, 16)
        self.attn = nn.MultiheadAttention(16, 4, batch_first=True)
        self.norm = nn.LayerNorm(16)
        self.head = nn.Linear(16, 1)

    def forward(self, x):
        e = torch.tanh(self.embed(x))
        h = torch.zeros(x.shape[0], 16)
        c = torch.zeros(x.shape[0], 16)
        outputs = []
        for t in range(x.shape[1]):
            h, c = self.cell(e[:, t], (h, c))
            outputs.append(h)
        seq = torch.stack(outputs, dim=1)
        a, _ = self.attn(seq, seq, seq, attn_mask=torch.tensor(CAUSAL))
        return self.head(self.norm(seq + a)[:, -1]).squeeze(-1)


def build():
    model = Model()
    init = np.random.default_rng(1)
    state = model.state_dict()
    model.load_state_dict({k: torch.tensor(init.uniform(-0.4, 0.4, tuple(state[k].shape)).astype(np.float32))
                           for k in sorted(state)})
    weights = [p for n, p in model.named_parameters() if n.endswith("weight")]
    others = [p for n, p in model.named_parameters() if not n.endswith("weight")]
    opt = optim.AdamW([{"params": weights, "weight_decay": 0.05}, {"params": others, "weight_decay": 0.0}],
                      lr=1e-3)
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.02, epochs=3, steps_per_epoch=len(loader))
    return model, opt, sched


def train_epoch(model, opt, sched):
    model.train()
    for xb, yb in loader:
        opt.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())


loader = DataLoader(TensorDataset(torch.tensor(X), torch.tensor(Y)), batch_size=8, shuffle=False)
losses = []
model, opt, sched = build()
for epoch in range(2):
    train_epoch(model, opt, sched)

buffer = io.BytesIO()
torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict()}, buffer)
buffer.seek(0)
checkpoint = torch.load(buffer)
if RESUME:  # fresh objects, then the checkpoint
    model, opt, sched = build()
    model.load_state_dict(checkpoint["model"])
    opt.load_state_dict(checkpoint["optimizer"])
    sched.load_state_dict(checkpoint["scheduler"])
train_epoch(model, opt, sched)
model.eval()
with torch.no_grad():
    final = F.mse_loss(model(torch.tensor(X)), torch.tensor(Y)).item()
"""


def _run(header: str, resume: bool = True) -> dict:
    """Execute the script under ``header``'s imports; its globals afterwards (``losses``, ``final``)."""
    namespace: dict = {"__name__": "ported_script", "RESUME": resume}
    exec(compile(header + SCRIPT, "ported_script", "exec"), namespace)
    return namespace


def test_the_script_gives_pytorchs_losses_step_by_step(torch):
    ours, theirs = _run(OURS), _run(THEIRS)
    assert len(ours["losses"]) == len(theirs["losses"]) == 15
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=2e-5)
    np.testing.assert_allclose(ours["final"], theirs["final"], rtol=2e-5)
    assert ours["final"] < ours["losses"][0]


def test_resuming_from_the_checkpoint_continues_the_same_run():
    """Training on in the same objects gives the third epoch's losses of the resumed run (engine only)."""
    assert _run(OURS, resume=False)["losses"] == pytest.approx(_run(OURS)["losses"], rel=1e-6)

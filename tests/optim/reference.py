"""Each optimizer's update written out as its formula in plain numpy, for the trajectory tests.

``REFERENCE[name](p, g, s, t, hp)`` returns the new parameter array given the gradient ``g``, the
per-parameter state dict ``s`` (filled on first use), the step number ``t`` (from 1) and the
hyper-parameters (the optimizer's defaults overridden by the test's).
"""
from __future__ import annotations

import numpy as np


def _l2(p, g, hp):
    g = -g if hp.get("maximize") else g
    return g + hp["weight_decay"] * p if hp.get("weight_decay") and not hp.get("decoupled_weight_decay") else g


def sgd(p, g, s, t, hp):
    g = _l2(p, g, hp)
    mu = hp["momentum"]
    if mu:
        s["b"] = g.copy() if t == 1 else mu * s["b"] + (1 - hp["dampening"]) * g
        g = g + mu * s["b"] if hp["nesterov"] else s["b"]
    return p - hp["lr"] * g


def adagrad(p, g, s, t, hp):
    g = _l2(p, g, hp)
    s["sum"] = s.get("sum", np.full_like(p, hp["initial_accumulator_value"])) + g * g
    return p - hp["lr"] / (1 + (t - 1) * hp["lr_decay"]) * g / (np.sqrt(s["sum"]) + hp["eps"])


def rmsprop(p, g, s, t, hp):
    g, a = _l2(p, g, hp), hp["alpha"]
    s["v"] = a * s.get("v", 0) + (1 - a) * g * g
    if hp["centered"]:
        s["gbar"] = a * s.get("gbar", 0) + (1 - a) * g
        denom = np.sqrt(s["v"] - s["gbar"] ** 2) + hp["eps"]
    else:
        denom = np.sqrt(s["v"]) + hp["eps"]
    if hp["momentum"]:
        s["b"] = hp["momentum"] * s.get("b", 0) + g / denom
        return p - hp["lr"] * s["b"]
    return p - hp["lr"] * g / denom


def adam(p, g, s, t, hp):
    if hp.get("decoupled_weight_decay"):
        p = p * (1 - hp["lr"] * hp["weight_decay"])
    g, (b1, b2) = _l2(p, g, hp), hp["betas"]
    s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
    v = s["v"]
    if hp.get("amsgrad"):
        v = s["vmax"] = np.maximum(s.get("vmax", 0), v)
    m_hat, v_hat = s["m"] / (1 - b1 ** t), v / (1 - b2 ** t)
    return p - hp["lr"] * m_hat / (np.sqrt(v_hat) + hp["eps"])


def nadam(p, g, s, t, hp):
    if hp.get("decoupled_weight_decay"):
        p = p * (1 - hp["lr"] * hp["weight_decay"])
    g, (b1, b2), psi = _l2(p, g, hp), hp["betas"], hp["momentum_decay"]
    mu_t, mu_next = (b1 * (1 - 0.5 * 0.96 ** (k * psi)) for k in (t, t + 1))
    s["prod"] = s.get("prod", 1.0) * mu_t
    s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
    denom = np.sqrt(s["v"] / (1 - b2 ** t)) + hp["eps"]
    step = (1 - mu_t) / (1 - s["prod"]) * g + mu_next / (1 - s["prod"] * mu_next) * s["m"]
    return p - hp["lr"] * step / denom


def adadelta(p, g, s, t, hp):
    g, rho, eps = _l2(p, g, hp), hp["rho"], hp["eps"]
    s["v"] = rho * s.get("v", 0) + (1 - rho) * g * g
    delta = np.sqrt(s.get("u", 0) + eps) / np.sqrt(s["v"] + eps) * g
    s["u"] = rho * s.get("u", 0) + (1 - rho) * delta * delta
    return p - hp["lr"] * delta


def rprop(p, g, s, t, hp):
    g = -g if hp.get("maximize") else g
    (eta_minus, eta_plus), (low, high) = hp["etas"], hp["step_sizes"]
    prev, size = s.get("prev", np.zeros_like(p)), s.get("size", np.full_like(p, hp["lr"]))
    agree = np.sign(g * prev)
    factor = np.where(agree > 0, eta_plus, np.where(agree < 0, eta_minus, 1.0)).astype(p.dtype)
    s["size"] = np.clip(size * factor, low, high)
    s["prev"] = np.where(agree < 0, 0, g).astype(p.dtype)
    return p - np.sign(s["prev"]) * s["size"]


REFERENCE = {"SGD": sgd, "Adagrad": adagrad, "RMSprop": rmsprop, "Adam": adam, "AdamW": adam, "NAdam": nadam,
             "Adadelta": adadelta, "Rprop": rprop}

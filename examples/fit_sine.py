"""The main job of `make demo`: fit g(p) = 1 + sin(πp/4) on p ∈ [-2, 2] with a 1-2-1 network.

Sigmoid hidden layer, linear output, plain gradient descent, written directly with Tensor
operations so every step of backpropagation is the engine's.
"""
import numpy as np

import autograd_core as ag


def main(steps: int = 4000, lr: float = 0.5) -> float:
    ag.manual_seed(0)
    p = ag.linspace(-2, 2, 41).reshape(-1, 1)
    target = 1 + ag.sin(np.pi * p / 4)
    w1 = ag.randn(1, 2, requires_grad=True)
    b1 = ag.zeros(2, requires_grad=True)
    w2 = ag.randn(2, 1, requires_grad=True)
    b2 = ag.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]
    for step in range(steps + 1):
        hidden = ag.sigmoid(p @ w1 + b1)
        prediction = hidden @ w2 + b2
        loss = ((prediction - target) ** 2).mean()
        for w in params:
            w.grad = None
        loss.backward()
        with ag.no_grad():
            for w in params:
                w.sub_(w.grad, alpha=lr)
        if step % 500 == 0:
            print(f"step {step:5d}   loss {loss.item():.6f}")
    print(f"fitted 1 + sin(pi p / 4) with a 1-2-1 network: final mean squared error {loss.item():.2e}")
    return loss.item()


if __name__ == "__main__":
    main()

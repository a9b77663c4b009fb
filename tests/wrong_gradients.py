"""Functions with a deliberately wrong backward, for the tests of the gradient checkers."""
import numpy as np

import autograd_core as ag


def wrong_square(distortion) -> type:
    """An x² ``Function`` whose backward returns the true gradient 2x·g multiplied by ``distortion``
    (a number, or an array of the input's shape that is off on chosen elements)."""

    class WrongSquare(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x * 2 * ag.tensor(np.asarray(distortion), dtype=x.dtype)

    return WrongSquare

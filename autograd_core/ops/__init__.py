"""Every registered operation, one module per family; importing this package fills the registry."""
from .arithmetic import abs, add, div, mul, neg, pow, reciprocal, square, sub
from .comparison import argmax, argmin, ceil, eq, floor, floordiv, ge, gt, le, lt, mod, ne, round, sign
from .elementwise import (clamp, clip, cos, erf, exp, expm1, log, log1p, maximum, minimum, relu, sigmoid, sin, sqrt,
                          tanh, where)
from .indexing import getitem, normalize_index
from .linalg import einsum, linear, matmul
from .reduction import amax, amin, log_softmax, logsumexp, max, mean, min, norm, prod, softmax, std, sum, var
from .shape import (astype, broadcast_to, clone, concatenate, expand_dims, flatten, flip, pad, permute, repeat,
                    reshape, split, squeeze, stack, sum_to, swapaxes, tile, transpose, unsqueeze)
from .window import sliding_window

__all__ = [
    "abs", "add", "div", "mul", "neg", "pow", "reciprocal", "square", "sub",
    "argmax", "argmin", "ceil", "eq", "floor", "floordiv", "ge", "gt", "le", "lt", "mod", "ne", "round", "sign",
    "clamp", "clip", "cos", "erf", "exp", "expm1", "log", "log1p", "maximum", "minimum", "relu", "sigmoid", "sin",
    "sqrt", "tanh", "where", "getitem", "normalize_index", "einsum", "linear", "matmul",
    "amax", "amin", "log_softmax", "logsumexp", "max", "mean", "min", "norm", "prod", "softmax", "std", "sum", "var",
    "astype", "broadcast_to", "clone", "concatenate", "expand_dims", "flatten", "flip", "pad", "permute",
    "repeat", "reshape", "split", "squeeze", "stack", "sum_to", "swapaxes", "tile", "transpose", "unsqueeze",
    "sliding_window",
]

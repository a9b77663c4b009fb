"""autograd_core: a reverse-mode automatic-differentiation engine on numpy.

``Tensor`` records a dynamic graph of registered primitives, each with its vector-Jacobian
product written in engine operations, so gradients of any order come from one engine.
The public API mirrors ``torch`` / ``torch.autograd``.
"""
__version__ = "0.2.0"

from .tensor import Tensor  # noqa: I001  (first: it completes the engine's module cycle in a fixed order)
from . import ops
from .creation import (Generator, arange, as_tensor, default_generator, empty, empty_like, eye, from_numpy, full,
                       full_like, initial_seed, linspace, manual_seed, multinomial, normal, ones, ones_like, rand,
                       rand_like, randint, randint_like, randn, randn_like, randperm, tensor, zeros, zeros_like)
from .device import cuda, device
from .dtypes import DTYPES as _DTYPES, get_default_dtype, set_default_dtype
from .engine import grad
from .function import Function, FunctionCtx
from .gradcheck import GradcheckReport, check_gradients, gradcheck, gradgradcheck
from .grad_mode import (detect_anomaly, enable_grad, inference_mode, is_anomaly_enabled, is_grad_enabled,
                        is_inference_mode_enabled, no_grad, record_scopes, scope, set_detect_anomaly, set_grad_enabled)
from .ops import *  # noqa: F401,F403  (every registered operation as a function)
from .ops.comparison import bincount  # a plain function: integer data
from .index_tricks import c_, r_  # numpy's np.r_/np.c_, tracked
from . import linalg  # noqa: E402,F401  (torch.linalg: the registry's namespace="linalg" records)
from .registry import Composite, Primitive, all_ops, lookup, register

from . import functional  # noqa: E402,I001  (a tool on top of the engine: imported after it)
from . import autograd  # noqa: E402  (torch.autograd spelling: autograd_core.autograd.grad, ...)
from .viz import draw_graph  # noqa: E402
from . import utils  # noqa: E402  (torch.utils.data spelling: autograd_core.utils.data)
from .serialization import load, save  # noqa: E402

__all__ = [
    "__version__", "Tensor", "tensor", "Function", "FunctionCtx", "grad",
    "no_grad", "enable_grad", "set_grad_enabled", "record_scopes", "scope", "is_grad_enabled",
    "detect_anomaly", "is_anomaly_enabled",
    "get_default_dtype", "set_default_dtype", "manual_seed", "default_generator",
    "zeros", "ones", "full", "empty", "eye", "arange", "linspace", "rand", "randn", "randint",
    "zeros_like", "ones_like", "full_like", "randn_like",
    "Generator", "initial_seed", "from_numpy", "as_tensor", "randperm", "multinomial", "normal", "rand_like",
    "empty_like", "randint_like",
    "Primitive", "Composite", "register", "lookup", "all_ops",
    "functional", "gradcheck", "gradgradcheck", "check_gradients", "GradcheckReport",
    "draw_graph", "utils",
    "device", "cuda", "bincount", "autograd", "inference_mode", "is_inference_mode_enabled",
    "set_detect_anomaly", "r_", "c_",
] + ops.__all__ + sorted(_DTYPES)

globals().update(_DTYPES)  # PyTorch's dtype names: float32/float, float64/double, int64/long, bool, ...
__all__ += ["save", "load"]  # checkpoints (autograd_core.serialization)

"""``nn``: neural-network modules, layers, initializers and checkpoints on top of ``autograd_core``.

Mirrors ``torch.nn``. Every layer, activation and loss is composed from engine operations,
so gradients of any order, ``gradcheck`` and graph drawing work on whole networks.
"""
from . import data, functional, init, utils
from .containers import ModuleDict, ModuleList, Sequential
from .module import Module, Parameter
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules
from autograd_core.serialization import load, save  # nn.save / nn.load: aliases of autograd_core's
from .training import Callback, EarlyStopping, History, fit

__all__ = ["Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "data", "functional", "init", "utils",
           "save", "load", "fit", "History", "EarlyStopping", "Callback"] + _modules

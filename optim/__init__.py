"""optim: optimizers and learning-rate schedules with PyTorch's update rules.

Every optimizer works on any iterable of ``autograd_core.Tensor`` parameters (or parameter-group
dicts) and updates them in place under ``no_grad``; ``lr_scheduler`` adjusts the groups' ``lr``.
"""
from . import lr_scheduler
from . import search as search  # the hyper-parameter search submodule (re-exported)
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW, NAdam
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adadelta", "Rprop", "Adam", "AdamW", "NAdam", "lr_scheduler",
           "LBFGS"]

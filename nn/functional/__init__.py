"""``nn.functional``: stateless layers, activations and losses, each composed from engine operations.

Nothing here defines a backward; gradients, ``gradcheck`` and graph drawing all come from
the ``autograd_core`` primitives the functions are built of.
"""
from .activations import *  # noqa: F401,F403
from .activations import __all__ as _activations
from .attention import *  # noqa: F401,F403
from .attention import __all__ as _attention
from .layers import *  # noqa: F401,F403
from .layers import __all__ as _layers
from .losses import *  # noqa: F401,F403
from .losses import __all__ as _losses
from .conv import *  # noqa: F401,F403
from .conv import __all__ as _conv
from .pooling import *  # noqa: F401,F403
from .pooling import __all__ as _pooling

__all__ = _layers + _activations + _losses + _attention + _conv + _pooling

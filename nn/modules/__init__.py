"""Layer modules: thin ``Module`` wrappers holding the parameters of ``nn.functional`` compositions."""
from .activation import *  # noqa: F401,F403
from .activation import __all__ as _activation
from .loss import *  # noqa: F401,F403
from .loss import __all__ as _loss
from .recurrent import *  # noqa: F401,F403
from .recurrent import __all__ as _recurrent

__all__ = _activation + _loss + _recurrent

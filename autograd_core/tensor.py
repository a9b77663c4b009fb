"""``Tensor``: an ndarray plus what autograd needs (grad, grad_fn, version counter).

The class holds storage, properties, repr and thin methods; every operation is a record in
the registry (``autograd_core/ops``), reached through the module import at the bottom of
this file. Tensors interoperate with numpy: ``np.asarray(t)`` gives ``t.data`` and numpy
functions with a registered counterpart return tracked tensors.
"""
from __future__ import annotations

import weakref
from typing import Any, Callable

import numpy as np

from .device import CPU, check_device, is_device_spec
from .dtypes import as_array, check_requires_grad, get_default_dtype
from .grad_mode import state

_new = object.__new__


def new_tensor(data: np.ndarray, grad_fn=None) -> "Tensor":
    """Wrap an ndarray without copying or checks (the engine's fast constructor)."""
    t = _new(Tensor)
    t.data = data
    t.requires_grad = grad_fn is not None
    t.grad = None
    t.grad_fn = grad_fn
    t._version = 0
    t._base = None
    t._hooks = None
    t.name = None
    return t


def data_of(x: Any) -> Any:
    """A tensor's array; anything else unchanged (for code that accepts tensors and arrays alike)."""
    return x.data if isinstance(x, Tensor) else x


class Tensor:
    """A numpy array that records the operations applied to it, for reverse-mode autodiff."""

    __slots__ = ("data", "requires_grad", "grad", "grad_fn", "_version", "_base", "_hooks", "name", "__weakref__")
    __array_priority__ = 1000

    def __init__(self, data: Any, requires_grad: bool = False, dtype=None) -> None:
        if isinstance(data, Tensor):
            data = data.data
        self.data = as_array(data, dtype)
        if requires_grad:
            check_requires_grad(self.data.dtype)
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self.grad_fn = None
        self._version = 0
        self._base = None
        self._hooks = None
        self.name = None

    # ----------------------------------------------------------------- properties
    shape = property(lambda self: self.data.shape, doc="Tuple of dimensions.")
    ndim = property(lambda self: self.data.ndim, doc="Number of dimensions.")
    dtype = property(lambda self: self.data.dtype, doc="numpy dtype of the data.")
    device = property(lambda self: CPU, doc="Always the CPU (the engine runs on numpy).")
    is_leaf = property(lambda self: self.grad_fn is None, doc="True for tensors not produced by a recorded op.")
    T = property(lambda self: _ops.permute(self, tuple(range(self.data.ndim))[::-1]),
                 doc="Reversed dimensions, like ``ndarray.T``.")

    @property
    def mT(self) -> "Tensor":
        """The last two dimensions swapped (a batch of transposed matrices)."""
        if self.data.ndim < 2:
            raise RuntimeError(f"mT needs a tensor with at least 2 dimensions, got {self.data.ndim}")
        return _ops.transpose(self, -2, -1)

    def size(self, dim: int | None = None):
        """PyTorch's ``size``: the shape tuple, or the length of dimension ``dim`` (``.numel()`` counts)."""
        if dim is None:
            return self.data.shape
        ndim = self.data.ndim
        if not -max(ndim, 1) <= dim < max(ndim, 1):
            raise IndexError(f"size(): dim {dim} is out of range for a tensor with {ndim} dimensions")
        return self.data.shape[dim] if ndim else 1

    def numel(self) -> int:
        """Number of elements."""
        return self.data.size

    def is_floating_point(self) -> bool:
        """True for floating dtypes (the ones that may require grad)."""
        return self.data.dtype.kind == "f"

    def dim(self) -> int:
        """Number of dimensions (PyTorch spelling of ``ndim``)."""
        return self.data.ndim

    # ----------------------------------------------------------------- autograd
    def backward(self, gradient=None, retain_graph: bool = False, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into ``.grad`` of every leaf that requires grad."""
        _engine.backward(self, gradient, retain_graph, create_graph)

    def detach(self) -> "Tensor":
        """A tensor sharing this data (and its version counter) but cut from the graph."""
        t = new_tensor(self.data)
        t._base = self._owner()
        return t

    def _owner(self):
        """The leaf tensor or node whose version counter covers this tensor's memory (views and
        detached tensors share their base's counter, as in PyTorch)."""
        if self._base is not None:
            return self._base
        if self.grad_fn is not None:
            return self.grad_fn.memory_owner
        return self

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` in place on a leaf; returns self."""
        if not self.is_leaf and not requires_grad:
            raise RuntimeError("requires_grad can only be turned off on leaf tensors; use detach() instead")
        if not self.is_leaf:
            return self
        if requires_grad:
            check_requires_grad(self.data.dtype)
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that does not require grad")
        if self.grad_fn is not None:
            self.grad_fn.annotations().retained = weakref.ref(self)

    def register_hook(self, fn: Callable) -> Callable:
        """Call ``fn(grad)`` when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that does not require grad")
        if self.grad_fn is None:
            self._hooks = (self._hooks or []) + [fn]
        else:
            extra = self.grad_fn.annotations()
            extra.hooks = (extra.hooks or []) + [fn]
        return fn

    # ----------------------------------------------------------------- conversion
    def numpy(self, force: bool = False) -> np.ndarray:
        """The underlying ndarray (shared, not copied); raises for a tensor that requires grad, as
        PyTorch does, so a graph is never dropped silently (``detach().numpy()`` or ``force=True``)."""
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on a Tensor that requires grad: use tensor.detach().numpy() "
                               "(or numpy(force=True))")
        return self.data

    def item(self):
        """The single element as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.data.item()

    def tolist(self):
        """The data as nested Python lists."""
        return self.data.tolist()

    def __array__(self, dtype=None, copy=None):
        return _interop.to_array(self, dtype, copy)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _interop.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _interop.array_function(func, args, kwargs)

    def _cast(self, dtype) -> "Tensor":
        """Cast to ``dtype``: differentiable between floating types; to integers or bool the result
        leaves the graph (as in PyTorch, such tensors cannot require grad)."""
        dtype = np.dtype(dtype)
        if dtype == self.data.dtype:
            return self
        if dtype.kind in "fc" and self.data.dtype.kind in "fc":
            return _ops.astype(self, dtype)
        return new_tensor(self.data.astype(dtype))

    def float(self) -> "Tensor": return self._cast(np.float32)  # noqa: E704  (PyTorch's cast shorthands)
    def double(self) -> "Tensor": return self._cast(np.float64)  # noqa: E704
    def half(self) -> "Tensor": return self._cast(np.float16)  # noqa: E704
    def long(self) -> "Tensor": return self._cast(np.int64)  # noqa: E704
    def int(self) -> "Tensor": return self._cast(np.int32)  # noqa: E704
    def bool(self) -> "Tensor": return self._cast(np.bool_)  # noqa: E704

    def to(self, *args, dtype=None, device=None, copy: bool = False, non_blocking: bool = False) -> "Tensor":
        """PyTorch's ``to``: ``to(dtype)``, ``to(device)``, ``to(device, dtype)`` or ``to(other)`` (its dtype);
        the only device is the CPU. Returns ``self`` when nothing changes, unless ``copy=True``."""
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif is_device_spec(arg):
                device = arg
            else:
                dtype = arg
        check_device(device)
        out = self if dtype is None else self._cast(dtype)
        return _ops.clone(out) if copy and out is self else out

    def type(self, dtype=None):
        """Without ``dtype`` the type name (``"autograd_core.FloatTensor"``); with one, a cast to it."""
        if dtype is None:
            return f"autograd_core.{_TYPE_NAMES.get(self.data.dtype, self.data.dtype.name)}"
        return self._cast(dtype)

    def cpu(self) -> "Tensor":
        """The tensor itself: it already lives on the CPU."""
        return self

    def contiguous(self) -> "Tensor":
        """The tensor itself: numpy handles memory layout, and ``view`` works on any layout here."""
        return self

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", precision=4, prefix="Tensor(")
        extras = [f"size={self.data.shape}"] if self.data.size == 0 and self.data.ndim > 1 else []
        if self.data.dtype != get_default_dtype() and self.data.dtype not in (np.int64, np.bool_):
            extras.append(f"dtype={self.data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return f"Tensor({', '.join([body] + extras)})"

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.data)

    def __int__(self) -> int:
        return int(self.data)

    def __index__(self) -> int:
        if self.data.size != 1 or self.data.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors of a single element can be used as an index, got dtype "
                            f"{self.data.dtype} and shape {self.data.shape}")
        return int(self.data)

    def __format__(self, spec: str) -> str:
        if self.data.ndim == 0:
            return format(self.data.item(), spec)
        if spec:
            raise TypeError(f"format spec {spec!r} needs a 0-d tensor (use .item()), got shape {self.data.shape}")
        return repr(self)

    __hash__ = object.__hash__

    # ----------------------------------------------------------------- in-place (no graph)
    def _check_inplace(self) -> None:
        if self.requires_grad and state.grad_enabled:
            kind = "a leaf Variable" if self.grad_fn is None else "a tensor"
            raise RuntimeError(
                f"in-place operation on {kind} that requires grad; wrap the update in `with no_grad():`")

    def _bump(self) -> "Tensor":
        self._version += 1
        owner = self._owner()  # saved values are stamped with their memory owner's version
        if owner is not self:
            owner._version += 1
        return self

    def __setitem__(self, index, value) -> None:
        value_tracked = isinstance(value, Tensor) and value.requires_grad
        if state.grad_enabled and (self.grad_fn is not None or value_tracked and not self.requires_grad):
            # tracked, as PyTorch's CopySlices: self now stands for index_put(self, index, value)
            if self._owner() is not self.grad_fn and self._owner() is not self:
                raise RuntimeError("assigning into a view of a tensor that is part of the graph is not supported; "
                                   "use autograd_core.index_put on the base tensor instead")
            new = _ops.index_put(self, index, value)
            self.data, self.grad_fn, self.requires_grad = new.data, new.grad_fn, new.requires_grad
            return
        self._check_inplace()
        self.data[_normalize_index(index)] = data_of(value)
        self._bump()

    def add_(self, other, alpha: float = 1) -> "Tensor":
        """In place: ``self += alpha * other``."""
        self._check_inplace()
        other = data_of(other)
        np.add(self.data, other if alpha == 1 else np.multiply(other, alpha), out=self.data, casting="same_kind")
        return self._bump()

    def sub_(self, other, alpha: float = 1) -> "Tensor":
        """In place: ``self -= alpha * other``."""
        self._check_inplace()
        other = data_of(other)
        np.subtract(self.data, other if alpha == 1 else np.multiply(other, alpha), out=self.data,
                    casting="same_kind")
        return self._bump()

    def mul_(self, other) -> "Tensor":
        """In place: ``self *= other``."""
        self._check_inplace()
        np.multiply(self.data, data_of(other), out=self.data,
                    casting="same_kind")
        return self._bump()

    def div_(self, other) -> "Tensor":
        """In place: ``self /= other``."""
        self._check_inplace()
        np.divide(self.data, data_of(other), out=self.data,
                  casting="same_kind")
        return self._bump()

    def zero_(self) -> "Tensor":
        """In place: set every element to 0."""
        return self.fill_(0)

    def fill_(self, value) -> "Tensor":
        """In place: set every element to ``value``."""
        self._check_inplace()
        self.data.fill(value)
        return self._bump()

    def copy_(self, src) -> "Tensor":
        """In place: copy ``src`` (broadcast) into this tensor."""
        self._check_inplace()
        np.copyto(self.data, data_of(src), casting="same_kind")
        return self._bump()

    def clamp_(self, min=None, max=None) -> "Tensor":
        """In place: clip to ``[min, max]``."""
        self._check_inplace()
        np.clip(self.data, min, max, out=self.data)
        return self._bump()

    def _inplace(self, other, ufunc, record) -> "Tensor":
        """``self op= other`` as PyTorch: in place (version bumped) when no graph is involved; a leaf that
        requires grad raises outside ``no_grad``; when the graph is involved otherwise, the result is
        recorded out of place and rebinds the name (the engine has no in-place graph operations)."""
        tracked = state.grad_enabled and (self.requires_grad or (isinstance(other, Tensor) and other.requires_grad))
        if tracked:
            if self.requires_grad and self.grad_fn is None:
                raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation; "
                                   "wrap the update in `with no_grad():` (or write `w = w + ...` for a new tensor)")
            return _apply(record, self, other)
        ufunc(self.data, data_of(other), out=self.data, casting="same_kind")
        return self._bump()

    def __iadd__(self, other): return self._inplace(other, np.add, _A.ADD)
    def __isub__(self, other): return self._inplace(other, np.subtract, _A.SUB)
    def __imul__(self, other): return self._inplace(other, np.multiply, _A.MUL)
    def __itruediv__(self, other): return self._inplace(other, np.true_divide, _A.DIV)
    def __ipow__(self, other): return self._inplace(other, np.power, _A.POW)

    # ----------------------------------------------------------------- operators
    def __add__(self, other): return _apply(_A.ADD, self, other)
    def __radd__(self, other): return _apply(_A.ADD, other, self)
    def __sub__(self, other): return _apply(_A.SUB, self, other)
    def __rsub__(self, other): return _apply(_A.SUB, other, self)
    def __mul__(self, other): return _apply(_A.MUL, self, other)
    def __rmul__(self, other): return _apply(_A.MUL, other, self)
    def __truediv__(self, other): return _apply(_A.DIV, self, other)
    def __rtruediv__(self, other): return _apply(_A.DIV, other, self)
    def __pow__(self, other): return _apply(_A.POW, self, other)
    def __rpow__(self, other): return _apply(_A.POW, other, self)
    def __neg__(self): return _apply(_A.NEG, self)
    def __abs__(self): return _apply(_A.ABS, self)
    def __matmul__(self, other): return _ops.matmul(self, other)
    def __rmatmul__(self, other): return _ops.matmul(other, self)
    def __getitem__(self, index): return _ops.getitem(self, index)
    def __eq__(self, other): return _ops.eq(self, other)
    def __ne__(self, other): return _ops.ne(self, other)
    def __lt__(self, other): return _ops.lt(self, other)
    def __le__(self, other): return _ops.le(self, other)
    def __gt__(self, other): return _ops.gt(self, other)
    def __ge__(self, other): return _ops.ge(self, other)
    def __floordiv__(self, other): return _ops.floordiv(self, other)
    def __rfloordiv__(self, other): return _ops.floordiv(other, self)
    def __mod__(self, other): return _ops.mod(self, other)
    def __rmod__(self, other): return _ops.mod(other, self)

    def bincount(self, weights=None, minlength: int = 0) -> "Tensor":
        """Occurrences of each non-negative integer in this 1-D tensor (or summed ``weights``)."""
        return _comparison.bincount(self, weights, minlength)

    def where(self, condition, other) -> "Tensor":
        """PyTorch's method form: ``where(condition, self, other)``."""
        return _ops.where(condition, self, other)


_TYPE_NAMES = {np.dtype(k): v for k, v in (
    (np.float16, "HalfTensor"), (np.float32, "FloatTensor"), (np.float64, "DoubleTensor"), (np.uint8, "ByteTensor"),
    (np.int8, "CharTensor"), (np.int16, "ShortTensor"), (np.int32, "IntTensor"), (np.int64, "LongTensor"),
    (np.bool_, "BoolTensor"))}

from . import engine as _engine  # noqa: E402  (operations need Tensor defined first)
from . import interop as _interop  # noqa: E402
from . import ops as _ops  # noqa: E402
from .node import apply as _apply  # noqa: E402
from .ops import arithmetic as _A  # noqa: E402
from .ops import comparison as _comparison  # noqa: E402
from .ops.indexing import normalize_index as _normalize_index  # noqa: E402
from .registry import method_table as _method_table  # noqa: E402


def _install_methods() -> None:
    """Give Tensor a method for every registered operation with a method form (``x.exp()`` is
    ``exp(x)``): the public function itself, called with the tensor first."""
    for name, fn in _method_table().items():
        if name in Tensor.__dict__:
            raise RuntimeError(f"Tensor.{name} is written by hand and also generated from the registry")
        setattr(Tensor, name, fn)


_install_methods()

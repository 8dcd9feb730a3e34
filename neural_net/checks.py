"""Input validation shared by the engine: clear errors before any state is touched.

Each check raises ``TypeError`` (wrong kind of object or dtype) or ``ValueError`` (wrong
shape or value) with a message naming the argument, what was expected and what was received.

Example:
    >>> import numpy
    >>> from neural_net.checks import as_matrix
    >>> as_matrix(numpy.array([[1, 2]]), "X").dtype
    dtype('float64')
"""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

FLOAT_TYPES = (np.float32, np.float64)


def as_matrix(a: Any, name: str, *, dtype: Any = None, allow_1d: bool = False) -> np.ndarray:
    """Return ``a`` as a finite, non-empty 2-D float array (float32 stays float32).

    Integers and booleans become float64 (or ``dtype`` when given). A 1-D array becomes a
    column when ``allow_1d`` is true.

    Example:
        >>> import numpy
        >>> from neural_net.checks import as_matrix
        >>> as_matrix(numpy.zeros(3, numpy.float32), "y", allow_1d=True).shape
        (3, 1)
    """
    if isinstance(a, (str, bytes)) or a is None:
        raise TypeError(f"{name} must be a numeric array, got {type(a).__name__}")
    arr = np.asarray(a)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers (bool, int or float), got dtype {arr.dtype}")
    if arr.ndim == 1 and allow_1d:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (rows, columns), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    elif arr.dtype.type not in FLOAT_TYPES:
        arr = arr.astype(np.float64)
    if not (np.isfinite(arr.min()) and np.isfinite(arr.max())):  # no n-sized temporary
        raise ValueError(f"{name} must be finite, got NaN or inf at {np.argwhere(~np.isfinite(arr))[0].tolist()}")
    return arr


def positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an int ≥ 1, or raise naming ``name``.

    Example:
        >>> from neural_net.checks import positive_int
        >>> positive_int(3, "epochs")
        3
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer ≥ 1, got {value!r} ({type(value).__name__})")
    if value < 1:
        raise ValueError(f"{name} must be an integer ≥ 1, got {value}")
    return int(value)


def positive_float(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a finite float > 0 (≥ 0 with ``allow_zero``), or raise naming ``name``.

    Example:
        >>> from neural_net.checks import positive_float
        >>> positive_float(0.1, "α")
        0.1
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    v = float(value)
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        bound = "≥ 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return v

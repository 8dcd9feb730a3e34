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

import math
import numbers
import unicodedata
from typing import Any, Mapping

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
    try:
        arr = np.asarray(a)
    except ValueError as e:  # ragged nested lists: numpy's "inhomogeneous shape"
        raise ValueError(f"{name} must be a rectangular 2-D array (every row of the same length), "
                         f"got rows of different lengths ({e})") from None
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


def integer(value: Any, name: str, minimum: int = 1, *, ascii: bool = False) -> int:
    """Return ``value`` as an int ≥ ``minimum`` (bool is refused), or raise naming ``name``.

    ``ascii=True`` words the message ``an int >= minimum`` (the data helpers' wording).

    Example:
        >>> from neural_net.checks import integer
        >>> integer(0, "patience", 0)
        0
    """
    expected = f"an int >= {minimum}" if ascii else f"an integer ≥ {minimum}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        got = f"{type(value).__name__} {value!r}" if ascii else f"{value!r} ({type(value).__name__})"
        raise TypeError(f"{name} must be {expected}, got {got}")
    if value < minimum:
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return int(value)


def positive_int(value: Any, name: str) -> int:
    """Return ``value`` as an int ≥ 1, or raise naming ``name``.

    Example:
        >>> from neural_net.checks import positive_int
        >>> positive_int(3, "epochs")
        3
    """
    return integer(value, name, 1)


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


def real(value: Any, name: str, expected: str) -> float:
    """``value`` as a finite float, or TypeError/ValueError naming ``name`` and ``expected``.

    Example:
        >>> from neural_net.checks import real
        >>> real(2, "gamma", "a number")
        2.0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {expected}, got {value!r} ({type(value).__name__})")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return v


def in_range(value: Any, name: str, lo: float, hi: float, *, lo_open: bool = False, hi_open: bool = False) -> float:
    """``value`` as a float in the interval lo..hi (bounds open or closed as asked).

    Example:
        >>> from neural_net.checks import in_range
        >>> in_range(0.5, "factor", 0.0, 1.0, lo_open=True, hi_open=True)
        0.5
    """
    expected = f"a number in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
    if hi == math.inf:
        expected = f"a number {'>' if lo_open else '≥'} {lo:g}"
    v = real(value, name, expected)
    if (v < lo or (lo_open and v == lo)) or (v > hi or (hi_open and v == hi)):
        raise ValueError(f"{name} must be {expected}, got {value!r}")
    return v


def lr_value(value: Any, name: str, *, allow_zero: bool = False) -> float:
    """A learning-rate number: finite and > 0 (≥ 0 with ``allow_zero``).

    Example:
        >>> from neural_net.checks import lr_value
        >>> lr_value(0.1, "lr")
        0.1
    """
    return in_range(value, name, 0.0, math.inf, lo_open=not allow_zero)


def as_rng(seed: Any, name: str = "seed") -> np.random.Generator:
    """Turn ``seed`` (None, an int >= 0 or a numpy Generator) into a Generator.

    A Generator is used as is (not copied), so successive calls continue its stream.

    Example:
        >>> from neural_net.checks import as_rng
        >>> bool(as_rng(0).integers(10) == as_rng(0).integers(10))
        True
    """
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"{name} must be None, an int >= 0 or a numpy.random.Generator, "
            f"got {type(seed).__name__} {seed!r}"
        )
    if seed < 0:
        raise ValueError(f"{name} must be None, an int >= 0 or a numpy.random.Generator, got {seed}")
    return np.random.default_rng(int(seed))


def fraction(value: Any, name: str) -> float:
    """``value`` as a float in [0, 1) (a share of the rows), or raise naming ``name``.

    Example:
        >>> from neural_net.checks import fraction
        >>> fraction(0.2, "validation_split")
        0.2
    """
    return in_range(value, name, 0.0, 1.0, hi_open=True)


#: The longest name the store keeps on every backend (the narrowest column, ``metric.name``,
#: holds 100 characters on PostgreSQL; SQLite would keep any length).
MAX_NAME_LENGTH = 100


def check_name(value: Any, name: str) -> str:
    """The one rule for every name that reaches the store (a run's ``name=``, metric names as
    logged, parameter names): a non-empty ``str`` of at most :data:`MAX_NAME_LENGTH`
    characters without NUL or other control characters. Returns ``value``.

    Example:
        >>> from neural_net.checks import check_name
        >>> check_name("iris-adam", "name")
        'iris-adam'
        >>> check_name("a\\x00b", "name")
        Traceback (most recent call last):
        ...
        ValueError: name must not hold control characters (NUL, newline, ...), got 'a\\x00b' (U+0000 at 1)
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {value!r} ({type(value).__name__})")
    if not value:
        raise ValueError(f"{name} must be a non-empty str, got ''")
    if len(value) > MAX_NAME_LENGTH:
        raise ValueError(f"{name} must be at most {MAX_NAME_LENGTH} characters long, got {len(value)}: "
                         f"{value[:40]!r}...")
    bad = next((i for i, c in enumerate(value) if unicodedata.category(c) == "Cc"), None)
    if bad is not None:
        raise ValueError(f"{name} must not hold control characters (NUL, newline, ...), got {value!r} "
                         f"(U+{ord(value[bad]):04X} at {bad})")
    return value


def check_tags(tags: Any, name: str = "tags") -> dict[str, str]:
    """Tags of a run (``Sequential(..., tags=...)``): a mapping whose keys follow
    :func:`check_name` and whose values are text or numbers (kept as text); returns a new dict.

    Example:
        >>> from neural_net.checks import check_tags
        >>> check_tags({"dataset": "iris", "fold": 3})
        {'dataset': 'iris', 'fold': '3'}
        >>> check_tags({"dataset": None})
        Traceback (most recent call last):
        ...
        TypeError: tags['dataset'] must be a str or a number, got None (NoneType)
    """
    if tags is None:
        return {}
    if not isinstance(tags, Mapping):
        raise TypeError(f"{name} must be a dict {{key: value}}, got {tags!r} ({type(tags).__name__})")
    out: dict[str, str] = {}
    for key, value in tags.items():
        check_name(key, f"{name} key")
        if isinstance(value, bool) or not isinstance(value, (str, int, float, np.integer, np.floating)):
            raise TypeError(f"{name}[{key!r}] must be a str or a number, got {value!r} ({type(value).__name__})")
        out[key] = str(value.item() if isinstance(value, (np.integer, np.floating)) else value)
    return out

"""Numbers to JSON text and back, bit for bit: the only serialization the store uses (no pickle).

* A weight matrix is stored as one JSON array of its values in C order (``orjson`` writes the
  shortest text that reads back to the same float32/float64), with its shape and dtype in
  their own columns. JSON has no NaN or infinity: those become ``null`` in the array (SQL
  sees NULL) and their exact kind is kept in a small side list, so they read back exactly.
* Optimizer states (dicts holding arrays) are stored as JSON where each array becomes
  ``{"__ndarray__": [...], "dtype": "float32", "shape": [...]}``.
* Small documents (configurations, hyper-parameters, generator states whose integers exceed
  64 bits) go through the standard :mod:`json` module.

Only float, int and bool dtypes are accepted when reading: a stored dtype such as ``object``
is refused.

Example:
    >>> import numpy
    >>> from neural_net.db.codec import encode_matrix, decode_matrix
    >>> W = numpy.array([[0.1, numpy.nan], [numpy.inf, -0.0]], dtype=numpy.float32)
    >>> text, nonfinite = encode_matrix(W)
    >>> text, nonfinite
    ('[0.1,null,null,-0.0]', '[[1,"nan"],[2,"inf"]]')
    >>> back = decode_matrix(text, 2, 2, "float32", nonfinite)
    >>> back.dtype, numpy.array_equal(back, W, equal_nan=True)
    (dtype('float32'), True)
"""
from __future__ import annotations

import json
import math
import re
from typing import Any

import numpy as np
import orjson

from .errors import StoredModelError

_NUMPY = orjson.OPT_SERIALIZE_NUMPY
#: dtypes a stored array may have (anything else is refused when reading).
ALLOWED_DTYPES = frozenset({"float16", "float32", "float64", "int8", "int16", "int32", "int64",
                            "uint8", "uint16", "uint32", "uint64", "bool"})


def check_dtype(name: Any, where: str = "stored array") -> np.dtype:
    """The numpy dtype named ``name`` if it is one of :data:`ALLOWED_DTYPES`.

    Example:
        >>> from neural_net.db.codec import check_dtype
        >>> check_dtype("float32")
        dtype('float32')
    """
    if not isinstance(name, str) or name not in ALLOWED_DTYPES:
        raise StoredModelError(f"{where}: dtype must be one of {sorted(ALLOWED_DTYPES)}, got {name!r}")
    return np.dtype(name)


def _flat(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype.byteorder == ">" or (a.dtype.byteorder == "=" and not np.little_endian):
        a = a.astype(a.dtype.newbyteorder("="))
    return np.ascontiguousarray(a).reshape(-1)


def _nonfinite(flat: np.ndarray) -> list[list[Any]] | None:
    if flat.dtype.kind != "f" or np.isfinite(flat).all():
        return None
    idx = np.flatnonzero(~np.isfinite(flat))
    vals = flat[idx]
    return [[int(i), "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")] for i, v in zip(idx, vals)]


def encode_matrix(a: np.ndarray) -> tuple[str, str | None]:
    """``(json_text, nonfinite_json_or_None)`` for an array (flattened in C order).

    Example:
        >>> import numpy
        >>> from neural_net.db.codec import encode_matrix
        >>> encode_matrix(numpy.array([[1.5, 2.0]]))
        ('[1.5,2.0]', None)
    """
    flat = _flat(a)
    text = orjson.dumps(flat, option=_NUMPY).decode()
    nf = _nonfinite(flat)
    return text, (None if nf is None else orjson.dumps(nf).decode())


def decode_matrix(text: str, n_rows: int, n_cols: int, dtype: str, nonfinite: str | None = None) -> np.ndarray:
    """Inverse of :func:`encode_matrix`: an ``(n_rows, n_cols)`` array of ``dtype``.

    Example:
        >>> from neural_net.db.codec import decode_matrix
        >>> decode_matrix('[1.5,2.0,null,4.0]', 2, 2, 'float64')
        array([[1.5, 2. ],
               [nan, 4. ]])
    """
    dt = check_dtype(dtype, "weight matrix")
    for what, n in (("n_rows", n_rows), ("n_cols", n_cols)):
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise StoredModelError(f"weight matrix: {what} must be a non-negative integer, got {n!r}")
    if not isinstance(text, str) or n_rows * n_cols > len(text):  # each value takes a character at least
        raise StoredModelError(f"weight matrix: the stored values cannot hold shape ({n_rows}, {n_cols})")
    try:
        values = orjson.loads(text)
    except (orjson.JSONDecodeError, TypeError) as e:
        raise StoredModelError(f"weight matrix: stored values are not a JSON array ({e})") from None
    if not isinstance(values, list):
        raise StoredModelError(f"weight matrix: stored values must be a JSON array, got {type(values).__name__}")
    try:
        flat = np.array(values, dtype=np.float64 if dt.kind == "f" else dt)
    except (TypeError, ValueError, OverflowError) as e:
        raise StoredModelError(f"weight matrix: stored values are not numbers ({e})") from None
    if flat.ndim != 1 or flat.size != n_rows * n_cols:
        raise StoredModelError(f"weight matrix: {flat.size} values stored for shape ({n_rows}, {n_cols})")
    if nonfinite:
        try:
            items = orjson.loads(nonfinite)
        except (orjson.JSONDecodeError, TypeError) as e:
            raise StoredModelError(f"weight matrix: the non-finite list is not JSON ({e})") from None
        _apply_nonfinite(flat, items)
    return flat.astype(dt, copy=False).reshape(n_rows, n_cols)


def _apply_nonfinite(flat: np.ndarray, items: Any) -> None:
    special = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}
    if not isinstance(items, list):
        raise StoredModelError("weight matrix: the non-finite list must be a JSON array")
    for item in items:
        if (not isinstance(item, list) or len(item) != 2 or not isinstance(item[0], int)
                or isinstance(item[0], bool) or not isinstance(item[1], str) or item[1] not in special or not 0 <= item[0] < flat.size):
            raise StoredModelError(f"weight matrix: bad non-finite entry {item!r}")
        flat[item[0]] = special[item[1]]


# ----- nested documents holding arrays (optimizer states) --------------------------------------
def _tag_arrays(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        flat = _flat(obj)
        d: dict[str, Any] = {"__ndarray__": flat, "dtype": flat.dtype.name, "shape": list(obj.shape)}
        nf = _nonfinite(flat)
        if nf is not None:
            d["nonfinite"] = nf
        return d
    if isinstance(obj, dict):
        return {str(k): _tag_arrays(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_tag_arrays(v) for v in obj]
    return obj


def _untag_arrays(obj: Any) -> Any:
    if isinstance(obj, dict):
        if "__ndarray__" in obj:
            dt = check_dtype(obj.get("dtype"), "stored array")
            shape = obj.get("shape")
            if not isinstance(shape, list) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                                                      for n in shape):
                raise StoredModelError(f"stored array: bad shape {shape!r}")
            values = obj["__ndarray__"]
            if not isinstance(values, list):
                raise StoredModelError("stored array: values must be a JSON array")
            if math.prod(shape) != len(values):  # exact (Python integers never overflow)
                raise StoredModelError(f"stored array: {len(values)} values for shape {shape}")
            try:
                flat = np.array(values, dtype=np.float64 if dt.kind == "f" else dt)
            except (TypeError, ValueError, OverflowError) as e:
                raise StoredModelError(f"stored array: values are not numbers ({e})") from None
            if flat.ndim != 1:
                raise StoredModelError(f"stored array: {flat.size} values for shape {shape}")
            if obj.get("nonfinite"):
                _apply_nonfinite(flat, obj["nonfinite"])
            return flat.astype(dt, copy=False).reshape(shape)
        return {k: _untag_arrays(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_untag_arrays(v) for v in obj]
    return obj


def dumps_state(obj: Any) -> str:
    """JSON text of a document that may hold numpy arrays (e.g. ``Optimizer.state_dict()``).

    Example:
        >>> import numpy
        >>> from neural_net.db.codec import dumps_state, loads_state
        >>> d = loads_state(dumps_state({'m': numpy.float32([0.1, 2])}))
        >>> d['m'], d['m'].dtype
        (array([0.1, 2. ], dtype=float32), dtype('float32'))
    """
    return orjson.dumps(_tag_arrays(obj), option=_NUMPY | orjson.OPT_NON_STR_KEYS).decode()


def loads_state(text: str | None) -> Any:
    """Inverse of :func:`dumps_state` (arrays come back with their dtype and shape).

    Example:
        >>> from neural_net.db.codec import loads_state
        >>> loads_state('{"step": 2, "m": {"__ndarray__": [1.5], "dtype": "float64", "shape": [1]}}')
        {'step': 2, 'm': array([1.5])}
    """
    if text is None:
        return None
    try:
        return _untag_arrays(orjson.loads(text))
    except (orjson.JSONDecodeError, TypeError) as e:
        raise StoredModelError(f"stored state is not valid JSON ({e})") from None
    except RecursionError:
        raise StoredModelError("stored state is nested too deeply to be a neural_net state") from None


def _default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    raise TypeError(f"{type(o).__name__} is not JSON serializable")


def dumps(obj: Any) -> str:
    """Strict JSON (no NaN) of a small document; numpy scalars become numbers, big ints stay exact.

    Example:
        >>> from neural_net.db.codec import dumps
        >>> dumps({'seed': 2**70, 'name': 'σ'})
        '{"seed": 1180591620717411303424, "name": "σ"}'
    """
    return _ENCODER.encode(obj)


#: The encoder of :func:`dumps` (``json.dumps`` with these options, without making one per call).
_ENCODER = json.JSONEncoder(default=_default, ensure_ascii=False, allow_nan=False)


#: A run of 19 digits: a number that orjson may read other than json does (an integer beyond 64
#: bits becomes a float there); such a document is read by json, which keeps it exact.
_LONG_NUMBER = re.compile(r"[0-9]{19}")


def loads(text: str | None, what: str = "stored document") -> Any:
    """Parse strict JSON, raising :class:`StoredModelError` (naming ``what``) if it is not JSON.

    Example:
        >>> from neural_net.db.codec import loads
        >>> loads('{"a": [1, 2]}')
        {'a': [1, 2]}
    """
    if text is None:
        return None
    if isinstance(text, str) and not _LONG_NUMBER.search(text):  # orjson is several times faster
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass  # json says what is wrong (or reads what orjson refuses, such as 1e400 -> inf)

    def _no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not allowed")

    try:
        return json.loads(text, parse_constant=_no_constants)
    except (ValueError, TypeError) as e:
        raise StoredModelError(f"{what} is not valid JSON ({e})") from None
    except RecursionError:
        raise StoredModelError(f"{what} is nested too deeply to be a neural_net document") from None

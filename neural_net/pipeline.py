"""Data preparation: one-hot encoding, standardisation, shuffling and mini-batches.

Everything here works on plain numpy arrays and never changes its input in place.

Example:
    >>> import numpy
    >>> from neural_net.pipeline import onehot, scaler, shuffle, Batch
    >>> X = numpy.array([[1., 10.], [2., 20.], [3., 30.], [4., 40.]])
    >>> y = onehot([0, 1, 1, 0])
    >>> Xs, ys = shuffle(scaler(X), y, seed=0)
    >>> batch = Batch(3, len(Xs), lambda: Xs, lambda: ys)
    >>> [Xb.shape for Xb, yb in batch]
    [(3, 2), (1, 2)]
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Iterator

import numpy as np

from .checks import as_rng, integer

__all__ = ["onehot", "scaler", "shuffle", "Batch"]


def _has_nan(a: np.ndarray) -> bool:
    """True when ``a`` holds a NaN (float/complex arrays, or NaN/None objects)."""
    if a.dtype.kind in "fc":
        return bool(np.isnan(a).any())
    if a.dtype.kind == "O":
        return any(v is None or (isinstance(v, numbers.Real) and math.isnan(v)) for v in a.ravel())
    return False


def _rows(a: Any, name: str, where: str) -> np.ndarray:
    """``a`` as an array of at least one dimension (rows along axis 0)."""
    if isinstance(a, (str, bytes)) or a is None:
        raise TypeError(f"{where}: {name} must be an array-like, got {type(a).__name__}")
    arr = np.asarray(a)
    if arr.ndim == 0:
        raise ValueError(f"{where}: {name} must have at least 1 dimension (rows), got a scalar")
    return arr


# --------------------------------------------------------------------------- onehot
def onehot(y: Any) -> np.ndarray:
    r"""One-hot encode a vector of class labels.

    With :math:`c_1 < c_2 < \dots < c_k` the sorted distinct labels of ``y``,

    .. math:: Y_{ij} = 1 \text{ if } y_i = c_j \text{ else } 0,

    so every row has exactly one 1 and ``Y.argmax(axis=1)`` gives back the index of the label.

    Args:
        y: labels of shape ``(n,)`` or ``(n, 1)``; ints, floats (no NaN) or strings.

    Returns:
        an ``(n, k)`` int64 array.

    Raises:
        TypeError: ``y`` is not array-like.
        ValueError: ``y`` is empty, holds NaN, or is 2-D with more than one column.

    Example:
        >>> from neural_net.pipeline import onehot
        >>> onehot([[2], [0], [2]])
        array([[0, 1],
               [1, 0],
               [0, 1]])
        >>> onehot(["b", "a"])
        array([[0, 1],
               [1, 0]])
    """
    if y is None or isinstance(y, (str, bytes)):
        raise TypeError(f"onehot: y must be an array-like of labels, got {type(y).__name__}")
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"onehot: y must be 1-D or a column (n, 1), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError("onehot: y must hold at least one label, got an empty array")
    if _has_nan(arr):
        raise ValueError("onehot: y must not contain NaN or None, got at least one missing label")
    try:
        classes, index = np.unique(arr, return_inverse=True)
    except TypeError as err:  # e.g. a mix of str and int objects
        raise TypeError(f"onehot: y labels must be mutually comparable, got dtype {arr.dtype} ({err})") from None
    out = np.zeros((arr.shape[0], classes.shape[0]), dtype=np.int64)
    out[np.arange(arr.shape[0]), index.ravel()] = 1
    return out


# --------------------------------------------------------------------------- scaler
def scaler(X: Any) -> np.ndarray:
    r"""Standardise each column: :math:`z_{ij} = (x_{ij} - \mu_j) / \sigma_j`.

    :math:`\mu_j` is the column mean and :math:`\sigma_j = \sqrt{\frac1n\sum_i (x_{ij}-\mu_j)^2}`
    the population standard deviation. A constant column (:math:`\sigma_j = 0`) becomes 0
    instead of dividing by zero. A new array is returned; float16/32/64 input keeps its dtype,
    int and bool input gives float64. A 1-D array is treated as one column.

    Args:
        X: finite numeric array of shape ``(n, p)`` or ``(n,)`` with ``n >= 1``.

    Raises:
        TypeError: ``X`` is not numeric.
        ValueError: ``X`` is empty, not 1-D/2-D, or holds NaN or inf.

    Example:
        >>> import numpy
        >>> from neural_net.pipeline import scaler
        >>> scaler(numpy.array([[1, 5], [3, 5]]))
        array([[-1.,  0.],
               [ 1.,  0.]])
        >>> scaler(numpy.array([[1.], [3.]], dtype=numpy.float32)).dtype
        dtype('float32')
    """
    if X is None or isinstance(X, (str, bytes)):
        raise TypeError(f"scaler: X must be a numeric array, got {type(X).__name__}")
    arr = np.asarray(X)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"scaler: X must hold numbers (bool, int or float), got dtype {arr.dtype}")
    if arr.ndim not in (1, 2):
        raise ValueError(f"scaler: X must be 1-D (n,) or 2-D (n, p), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"scaler: X must not be empty, got shape {arr.shape}")
    if not (np.isfinite(arr.min()) and np.isfinite(arr.max())):  # no n-sized temporary
        raise ValueError("scaler: X must be finite, got NaN or inf values")
    out_dtype = arr.dtype if arr.dtype.kind == "f" else np.dtype(np.float64)
    work = arr.astype(np.float64)
    mean = work.mean(axis=0)
    std = work.std(axis=0)
    constant = np.ptp(work, axis=0) == 0
    safe_std = np.where(constant, 1.0, std)
    out = (work - mean) / safe_std
    out[..., constant] = 0.0
    return out.astype(out_dtype, copy=False)


# --------------------------------------------------------------------------- shuffle
def shuffle(X: Any, y: Any, seed: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle the rows of ``X`` and ``y`` with the same random permutation ``p``.

    Returns ``(X[p], y[p])`` (new arrays; dtypes kept), so row ``i`` of ``X`` still goes with
    row ``i`` of ``y``.

    Args:
        X: array-like with ``n`` rows.
        y: array-like with the same ``n`` rows.
        seed: None (fresh randomness), an int >= 0, or a ``numpy.random.Generator``.

    Raises:
        ValueError: ``X`` and ``y`` have a different number of rows, or are scalars.
        TypeError: ``seed`` is of the wrong type.

    Example:
        >>> import numpy
        >>> from neural_net.pipeline import shuffle
        >>> X = numpy.arange(10).reshape(5, 2)
        >>> Xs, ys = shuffle(X, X[:, 0] * 10, seed=1)
        >>> bool((Xs[:, 0] * 10 == ys).all()), sorted(ys.tolist())
        (True, [0, 20, 40, 60, 80])
    """
    Xa = _rows(X, "X", "shuffle")
    ya = _rows(y, "y", "shuffle")
    if Xa.shape[0] != ya.shape[0]:
        raise ValueError(
            f"shuffle: X and y must have the same number of rows, got X {Xa.shape[0]} rows "
            f"(shape {Xa.shape}) and y {ya.shape[0]} rows (shape {ya.shape})"
        )
    p = as_rng(seed, "shuffle: seed").permutation(Xa.shape[0])
    return Xa[p], ya[p]


# --------------------------------------------------------------------------- Batch
class Batch:
    """Mini-batches of a data set whose arrays are produced on demand.

    ``X_fn`` and ``y_fn`` are called with no argument and return the full ``X`` and ``y``
    (``n`` rows each). Iterating over the batch yields ``n_batches = ceil(n / size)`` pairs
    ``(X[s], y[s])`` of consecutive row slices; the last one holds the ``n - (n_batches-1)*size``
    remaining rows. With ``shuffle=True`` rows are visited in a new random order on every pass.

    Args:
        size: rows per mini-batch (int >= 1).
        n: total number of rows (int >= 1) that ``X_fn()`` and ``y_fn()`` must return.
        X_fn: callable returning the features.
        y_fn: callable returning the targets.
        shuffle: draw a fresh permutation of the rows at the start of each pass.
        seed: None, an int >= 0 or a ``numpy.random.Generator`` for the permutations.

    Attributes:
        size, n, shuffle: as given.
        n_batches: ``ceil(n / size)``.

    Example:
        >>> import numpy
        >>> from neural_net.pipeline import Batch
        >>> X = numpy.arange(10.).reshape(5, 2); y = numpy.arange(5).reshape(-1, 1)
        >>> batch = Batch(2, len(X), lambda: X, lambda: y)
        >>> batch.n_batches, len(batch)
        (3, 3)
        >>> [yb.ravel().tolist() for Xb, yb in batch]
        [[0, 1], [2, 3], [4]]
    """

    def __init__(
        self,
        size: int,
        n: int,
        X_fn: Callable[[], Any],
        y_fn: Callable[[], Any],
        shuffle: bool = False,
        seed: Any = None,
    ) -> None:
        self.size = integer(size, "Batch: size", 1, ascii=True)
        self.n = integer(n, "Batch: n", 1, ascii=True)
        for name, fn in (("X_fn", X_fn), ("y_fn", y_fn)):
            if not callable(fn):
                raise TypeError(
                    f"Batch: {name} must be a callable taking no argument (e.g. lambda: X), "
                    f"got {type(fn).__name__}"
                )
        if not isinstance(shuffle, (bool, np.bool_)):
            raise TypeError(f"Batch: shuffle must be a bool, got {type(shuffle).__name__} {shuffle!r}")
        self.X_fn = X_fn
        self.y_fn = y_fn
        self.shuffle = bool(shuffle)
        self._rng = as_rng(seed, "Batch: seed")
        self.seed = seed

    @property
    def n_batches(self) -> int:
        """Number of mini-batches per pass, ``ceil(n / size)``."""
        return -(-self.n // self.size)

    def __len__(self) -> int:
        return self.n_batches

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """Call ``X_fn`` and ``y_fn`` once each and return ``(X, y)`` as arrays of ``n`` rows.

        Raises:
            ValueError: either array does not have exactly ``n`` rows.

        Example:
            >>> from neural_net.pipeline import Batch
            >>> X, y = Batch(2, 3, lambda: [[1], [2], [3]], lambda: [0, 1, 0]).data()
            >>> X.shape, y.shape
            ((3, 1), (3,))
        """
        X = _rows(self.X_fn(), "X_fn()", "Batch.data")
        y = _rows(self.y_fn(), "y_fn()", "Batch.data")
        for name, arr in (("X_fn()", X), ("y_fn()", y)):
            if arr.shape[0] != self.n:
                raise ValueError(
                    f"Batch.data: {name} must return n={self.n} rows, got {arr.shape[0]} rows "
                    f"(shape {arr.shape})"
                )
        return X, y

    def permutation(self) -> np.ndarray:
        """A fresh order of the ``n`` rows from this Batch's own generator (its ``seed``);
        the training loop draws each shuffled epoch's order from here.

        Example:
            >>> from neural_net.pipeline import Batch
            >>> sorted(Batch(2, 4, lambda: [[0]] * 4, lambda: [0] * 4, shuffle=True, seed=0).permutation().tolist())
            [0, 1, 2, 3]
        """
        return self._rng.permutation(self.n)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        X, y = self.data()
        if self.shuffle:
            order = self.permutation()
            for start in range(0, self.n, self.size):
                idx = order[start:start + self.size]
                yield X[idx], y[idx]
        else:
            for start in range(0, self.n, self.size):
                yield X[start:start + self.size], y[start:start + self.size]

    def __repr__(self) -> str:
        return (f"Batch(size={self.size}, n={self.n}, n_batches={self.n_batches}, "
                f"shuffle={self.shuffle})")

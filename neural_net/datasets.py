"""Toy data and the bundled data sets.

* :func:`make_circle_data` - points drawn uniformly inside circles, one class per circle.
* :class:`IrisDatasetDownloader`, :class:`HouseDatasetDownloader` - the Iris and Boston
  housing data sets, read from CSV files shipped in ``neural_net/data`` (no network access;
  the "Downloader" names are kept for compatibility).

Example:
    >>> from neural_net.datasets import make_circle_data
    >>> X, y = make_circle_data([(-50, 0), (20, 30)], [30, 35])
    >>> X.shape, y.shape
    ((328, 2), (328, 1))
"""
from __future__ import annotations

import numbers
from importlib import resources
from typing import Any, Sequence

import numpy as np

from neural_net.checks import as_rng, integer

__all__ = ["make_circle_data", "IrisDatasetDownloader", "HouseDatasetDownloader"]

#: points per circle drawn by :func:`make_circle_data` when ``n`` is None.
DEFAULT_POINTS_PER_CIRCLE = 164


def _read_data_text(name: str) -> str:
    """Text of the bundled file ``neural_net/data/<name>`` (UTF-8)."""
    resource = resources.files("neural_net").joinpath("data").joinpath(name)
    try:
        return resource.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(
            f"bundled data file neural_net/data/{name} is missing; reinstall neural-net-numpy"
        ) from None


# --------------------------------------------------------------------------- circles
def make_circle_data(
    centers: Sequence[Sequence[float]],
    radii: Sequence[float],
    n: int | Sequence[int] | None = None,
    seed: Any = 0,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Draw points uniformly inside circles; the points of circle ``i`` get label ``i``.

    For a circle of centre :math:`(a, b)` and radius :math:`R` a point is

    .. math:: (a + R\sqrt{u}\cos 2\pi v,\; b + R\sqrt{u}\sin 2\pi v),\qquad u, v \sim U[0, 1),

    the :math:`\sqrt{u}` making the density uniform over the disc's area. Rows are grouped by
    circle (all of circle 0 first). Overlapping circles are allowed.

    Args:
        centers: ``k`` pairs ``(x, y)``.
        radii: ``k`` positive radii.
        n: points per circle: None (164 each), an int >= 1 for every circle, or ``k`` ints.
        seed: None, an int >= 0 or a ``numpy.random.Generator``; the default 0 makes the
            output deterministic.

    Returns:
        ``X`` of shape ``(m, 2)`` float64 and ``y`` of shape ``(m, 1)`` int64, ``m = sum(n)``.

    Raises:
        TypeError: centres, radii, ``n`` or ``seed`` of the wrong type (the message names
            the argument).
        ValueError: malformed centres, radii, ``n`` or ``seed`` values (the message names
            the argument).

    Example:
        >>> import numpy
        >>> from neural_net.utils import make_circle_data
        >>> X, y = make_circle_data([(0, 0), (10, 0)], [1, 2], n=[3, 5])
        >>> X.shape, y.ravel().tolist()
        ((8, 2), [0, 0, 0, 1, 1, 1, 1, 1])
        >>> bool((numpy.hypot(X[:3, 0], X[:3, 1]) <= 1).all())
        True
    """
    try:
        c = np.asarray(centers, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"make_circle_data: centers must be a sequence of (x, y) number pairs, got {centers!r}"
        ) from None
    if c.ndim != 2 or c.shape[1] != 2 or c.shape[0] == 0:
        raise ValueError(
            f"make_circle_data: centers must have shape (k, 2) with k >= 1, got shape {c.shape}"
        )
    if not np.isfinite(c).all():
        raise ValueError("make_circle_data: centers must be finite, got NaN or inf")
    k = c.shape[0]
    try:
        r = np.asarray(radii, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"make_circle_data: radii must be a sequence of numbers, got {radii!r}") from None
    if r.shape != (k,):
        raise ValueError(
            f"make_circle_data: radii must have one value per center, shape ({k},), got shape {r.shape}"
        )
    if not (np.isfinite(r).all() and (r > 0).all()):
        raise ValueError(f"make_circle_data: radii must be finite and > 0, got {r.tolist()}")
    if n is None:
        counts = [DEFAULT_POINTS_PER_CIRCLE] * k
    elif isinstance(n, numbers.Integral) and not isinstance(n, bool):
        counts = [integer(n, "make_circle_data: n", 1, ascii=True)] * k
    else:
        if isinstance(n, (str, bytes)) or not hasattr(n, "__len__"):
            raise TypeError(
                f"make_circle_data: n must be None, an int >= 1 or {k} ints, got {type(n).__name__}"
            )
        if len(n) != k:
            raise ValueError(f"make_circle_data: n must give one count per circle ({k}), got {len(n)}")
        counts = [integer(v, "make_circle_data: n[i]", 1, ascii=True) for v in n]
    rng = as_rng(seed, "make_circle_data: seed")

    X_parts, y_parts = [], []
    for i, (centre, radius, count) in enumerate(zip(c, r, counts)):
        rho = radius * np.sqrt(rng.random(count))
        theta = 2.0 * np.pi * rng.random(count)
        X_parts.append(np.column_stack([centre[0] + rho * np.cos(theta), centre[1] + rho * np.sin(theta)]))
        y_parts.append(np.full((count, 1), i, dtype=np.int64))
    return np.concatenate(X_parts, axis=0), np.concatenate(y_parts, axis=0)


# --------------------------------------------------------------------------- data sets
class IrisDatasetDownloader:
    """Fisher's Iris data set (150 flowers, 4 measurements, 3 species), bundled with the library.

    Nothing is downloaded: :meth:`load_dataset` reads ``neural_net/data/iris.csv`` (a copy of
    scikit-learn's file). Before loading every attribute is None.

    Attributes:
        data: ``(150, 4)`` float64 measurements in cm.
        target: ``(150, 1)`` int64 class index (0, 1, 2).
        target_names: ``['setosa', 'versicolor', 'virginica']``.
        feature_names: ``['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)',
            'petal width (cm)']``.
        description: the UCI description of the data set.

    Example:
        >>> from neural_net.utils import IrisDatasetDownloader
        >>> iris = IrisDatasetDownloader()
        >>> iris.load_dataset() is iris
        True
        >>> iris.data.shape, iris.target.shape, iris.target_names[0]
        ((150, 4), (150, 1), 'setosa')
    """

    csv_file = "iris.csv"
    description_file = "iris.rst"
    feature_names_default = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]

    def __init__(self) -> None:
        self.data: np.ndarray | None = None
        self.target: np.ndarray | None = None
        self.target_names: list[str] | None = None
        self.feature_names: list[str] | None = None
        self.description: str | None = None

    def load_dataset(self) -> "IrisDatasetDownloader":
        """Read the bundled files, fill the attributes and return ``self``."""
        lines = _read_data_text(self.csv_file).strip().splitlines()
        header = lines[0].split(",")
        n_rows, n_features = int(header[0]), int(header[1])
        table = np.loadtxt(lines[1:], delimiter=",", dtype=np.float64, ndmin=2)
        if table.shape != (n_rows, n_features + 1):
            raise ValueError(
                f"IrisDatasetDownloader: {self.csv_file} must hold {n_rows} rows of "
                f"{n_features + 1} values, got shape {table.shape}"
            )
        self.data = np.ascontiguousarray(table[:, :n_features])
        self.target = table[:, [n_features]].astype(np.int64)
        self.target_names = [name.strip() for name in header[2:]]
        self.feature_names = list(self.feature_names_default)
        self.description = _read_data_text(self.description_file)
        return self

    def __repr__(self) -> str:
        state = "not loaded" if self.data is None else f"data {self.data.shape}"
        return f"{type(self).__name__}({state})"


class HouseDatasetDownloader:
    """The Boston house-price data (506 census tracts, 13 features and the median value MEDV).

    Nothing is downloaded: :meth:`load_dataset` reads ``neural_net/data/boston_house_prices.csv``
    (the copy shipped by scikit-learn <= 1.1). Note the known ethical problem of feature ``B``
    (see the description); the data set is kept for teaching regression only.

    Attributes:
        data: ``(506, 14)`` float64; the 13 features then MEDV (in $1000) as the last column.
        columns: ``['CRIM', 'ZN', 'INDUS', 'CHAS', 'NOX', 'RM', 'AGE', 'DIS', 'RAD', 'TAX',
            'PTRATIO', 'B', 'LSTAT', 'MEDV']``.
        description: text describing the variables and the source.

    Example:
        >>> from neural_net.utils import HouseDatasetDownloader
        >>> housing = HouseDatasetDownloader().load_dataset()
        >>> housing.data.shape, housing.columns[-1]
        ((506, 14), 'MEDV')
    """

    csv_file = "boston_house_prices.csv"
    description_file = "boston_house_prices.rst"

    def __init__(self) -> None:
        self.data: np.ndarray | None = None
        self.columns: list[str] | None = None
        self.description: str | None = None

    def load_dataset(self) -> "HouseDatasetDownloader":
        """Read the bundled files, fill the attributes and return ``self``."""
        lines = _read_data_text(self.csv_file).strip().splitlines()
        n_rows, n_features = (int(v) for v in lines[0].split(",")[:2])
        columns = [name.strip().strip('"') for name in lines[1].split(",")]
        table = np.loadtxt(lines[2:], delimiter=",", dtype=np.float64, ndmin=2)
        if table.shape != (n_rows, n_features + 1) or len(columns) != n_features + 1:
            raise ValueError(
                f"HouseDatasetDownloader: {self.csv_file} must hold {n_rows} rows of "
                f"{n_features + 1} values, got shape {table.shape} and {len(columns)} names"
            )
        self.data = table
        self.columns = columns
        self.description = _read_data_text(self.description_file)
        return self

    def __repr__(self) -> str:
        state = "not loaded" if self.data is None else f"data {self.data.shape}"
        return f"{type(self).__name__}({state})"

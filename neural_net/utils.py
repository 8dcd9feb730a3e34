"""Toy data, bundled data sets and small statistics helpers.

* :func:`make_circle_data` - points drawn uniformly inside circles, one class per circle.
* :class:`IrisDatasetDownloader`, :class:`HouseDatasetDownloader` - the Iris and Boston
  housing data sets, read from CSV files shipped in ``neural_net/data`` (no network access;
  the "Downloader" names are kept for compatibility).
* :class:`Pearson` - correlation matrix as a DataFrame and as a heatmap.
* :class:`Boostrap` (alias :class:`Bootstrap`) - resampling with replacement.

Example:
    >>> from neural_net.utils import make_circle_data
    >>> X, y = make_circle_data([(-50, 0), (20, 30)], [30, 35])
    >>> X.shape, y.shape
    ((328, 2), (328, 1))
"""
from __future__ import annotations

import numbers
from importlib import resources
from typing import Any, Iterator, Sequence

import numpy as np
import pandas as pd

from neural_net.pipeline import _check_int, _rng

__all__ = [
    "make_circle_data",
    "IrisDatasetDownloader",
    "HouseDatasetDownloader",
    "Pearson",
    "Boostrap",
    "Bootstrap",
]

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
        counts = [_check_int(n, "make_circle_data: n", 1)] * k
    else:
        if isinstance(n, (str, bytes)) or not hasattr(n, "__len__"):
            raise TypeError(
                f"make_circle_data: n must be None, an int >= 1 or {k} ints, got {type(n).__name__}"
            )
        if len(n) != k:
            raise ValueError(f"make_circle_data: n must give one count per circle ({k}), got {len(n)}")
        counts = [_check_int(v, "make_circle_data: n[i]", 1) for v in n]
    rng = _rng(seed, "make_circle_data: seed")

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


# --------------------------------------------------------------------------- Pearson
class Pearson:
    r"""Pearson correlation between the columns of a data matrix.

    .. math:: r_{ij} = \frac{\sum_t (x_{ti}-\bar x_i)(x_{tj}-\bar x_j)}
                           {\sqrt{\sum_t (x_{ti}-\bar x_i)^2}\sqrt{\sum_t (x_{tj}-\bar x_j)^2}}

    A constant column has no defined correlation: its row and column are NaN.

    Args:
        data: numeric array of shape ``(n, p)`` with ``n >= 2`` (or a DataFrame).
        cols: ``p`` names for the columns; default the DataFrame's columns or ``0..p-1``.

    Example:
        >>> import numpy
        >>> from neural_net.utils import Pearson
        >>> x = numpy.array([1., 2., 3., 4.])
        >>> Pearson(numpy.c_[x, 2 * x, -x], cols=["a", "b", "c"]).corr().round(6)
             a    b    c
        a  1.0  1.0 -1.0
        b  1.0  1.0 -1.0
        c -1.0 -1.0  1.0
    """

    def __init__(self, data: Any, cols: Sequence[Any] | None = None) -> None:
        if isinstance(data, pd.DataFrame) and cols is None:
            cols = list(data.columns)
        if data is None or isinstance(data, (str, bytes)):
            raise TypeError(f"Pearson: data must be a numeric 2-D array, got {type(data).__name__}")
        arr = np.asarray(data)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"Pearson: data must hold numbers (bool, int or float), got dtype {arr.dtype}")
        if arr.ndim != 2:
            raise ValueError(f"Pearson: data must be 2-D (n, p), got shape {arr.shape}")
        if arr.shape[0] < 2 or arr.shape[1] < 1:
            raise ValueError(f"Pearson: data needs n >= 2 rows and p >= 1 columns, got shape {arr.shape}")
        if not (np.isfinite(arr.min()) and np.isfinite(arr.max())):
            raise ValueError("Pearson: data must be finite, got NaN or inf values")
        if cols is None:
            cols = list(range(arr.shape[1]))
        elif isinstance(cols, (str, bytes)) or not hasattr(cols, "__len__"):
            raise TypeError(f"Pearson: cols must be a sequence of {arr.shape[1]} names, got {type(cols).__name__}")
        else:
            cols = list(cols)
        if len(cols) != arr.shape[1]:
            raise ValueError(f"Pearson: cols must name the {arr.shape[1]} columns of data, got {len(cols)} names")
        self.data = arr
        self.cols = cols

    def corr(self) -> pd.DataFrame:
        """The ``p x p`` correlation matrix, indexed and columned by ``cols``.

        Float32 data gives a float32 matrix, other dtypes float64.
        """
        X = self.data.astype(np.float64)
        Xc = X - X.mean(axis=0)
        ss = np.sqrt((Xc * Xc).sum(axis=0))
        with np.errstate(divide="ignore", invalid="ignore"):
            r = (Xc.T @ Xc) / np.outer(ss, ss)
        r = np.clip(r, -1.0, 1.0)
        ok = ss > 0
        np.fill_diagonal(r, np.where(ok, 1.0, np.nan))
        r[~ok, :] = np.nan
        r[:, ~ok] = np.nan
        dtype = self.data.dtype if self.data.dtype.kind == "f" else np.dtype(np.float64)
        return pd.DataFrame(r.astype(dtype), index=list(self.cols), columns=list(self.cols))

    def heatmap(self, ax: Any = None, digits: int = 2) -> Any:
        """Draw the correlation matrix on a matplotlib ``Axes`` and return the axes.

        Cells are coloured on a diverging scale fixed to [-1, 1] and annotated with the value
        rounded to ``digits`` decimals; a colour bar is added. ``ax=None`` uses ``plt.gca()``.
        Needs matplotlib (``pip install neural-net-numpy[plot]``).

        Example:
            >>> import matplotlib; matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt, numpy
            >>> from neural_net.utils import Pearson
            >>> fig, ax = plt.subplots()
            >>> Pearson(numpy.random.default_rng(0).random((10, 3))).heatmap(ax) is ax
            True
            >>> plt.close(fig)
        """
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise ImportError(
                "Pearson.heatmap needs matplotlib, which is not installed; "
                "install it with: pip install neural-net-numpy[plot]"
            ) from None
        digits = _check_int(digits, "Pearson.heatmap: digits", 0)
        if ax is None:
            import matplotlib.pyplot as plt

            ax = plt.gca()
        elif not (hasattr(ax, "imshow") and hasattr(ax, "text")):
            raise TypeError(f"Pearson.heatmap: ax must be a matplotlib Axes, got {type(ax).__name__}")
        frame = self.corr()
        values = frame.to_numpy(dtype=np.float64)
        image = ax.imshow(values, cmap="coolwarm", vmin=-1.0, vmax=1.0)
        p = len(self.cols)
        labels = [str(c) for c in self.cols]
        ax.set_xticks(range(p))
        ax.set_xticklabels(labels, rotation=45, ha="right")
        ax.set_yticks(range(p))
        ax.set_yticklabels(labels)
        for i in range(p):
            for j in range(p):
                v = values[i, j]
                text = "nan" if np.isnan(v) else f"{v:.{int(digits)}f}"
                ax.text(j, i, text, ha="center", va="center",
                        color="white" if abs(v) > 0.6 else "black", fontsize="small")
        ax.set_title("Pearson correlation")
        ax.figure.colorbar(image, ax=ax)
        return ax

    def __repr__(self) -> str:
        return f"Pearson(data {self.data.shape}, cols={self.cols!r})"


# --------------------------------------------------------------------------- bootstrap
class Boostrap:
    """Bootstrap resampling: ``n_sample`` draws of ``n`` rows with replacement.

    Each draw picks row indices :math:`i_1, \\dots, i_n` uniformly from ``0..n-1`` (with
    replacement) and yields ``tuple(a[idx] for a in data)``, so rows stay aligned across the
    arrays. The generator is created once, so two passes give different draws (both
    reproducible from ``seed``). ``Bootstrap`` is the same class.

    Args:
        data: a tuple (or list) of arrays with the same number ``n >= 1`` of rows.
        n_sample: number of resamples per pass (int >= 1); also ``len()``.
        seed: None, an int >= 0 or a ``numpy.random.Generator``.

    Example:
        >>> import numpy
        >>> from neural_net.utils import Boostrap
        >>> X = numpy.arange(5).reshape(-1, 1); y = 10 * X
        >>> boot = Boostrap((X, y), n_sample=3, seed=0)
        >>> len(boot), all(bool((yb == 10 * xb).all()) for xb, yb in boot)
        (3, True)
    """

    def __init__(self, data: Sequence[Any], n_sample: int = 1000, seed: Any = None) -> None:
        if not isinstance(data, (tuple, list)):
            raise TypeError(
                f"Boostrap: data must be a tuple of arrays such as (X, y) or (X,), got {type(data).__name__}"
            )
        if len(data) == 0:
            raise ValueError("Boostrap: data must hold at least one array, got an empty tuple")
        arrays = []
        for i, a in enumerate(data):
            arr = np.asarray(a)
            if arr.ndim == 0:
                raise ValueError(f"Boostrap: data[{i}] must have at least 1 dimension (rows), got a scalar")
            arrays.append(arr)
        rows = [a.shape[0] for a in arrays]
        if len(set(rows)) != 1:
            raise ValueError(f"Boostrap: every array in data must have the same number of rows, got {rows}")
        if rows[0] == 0:
            raise ValueError("Boostrap: data arrays must have at least one row, got 0 rows")
        self.data = tuple(arrays)
        self.n = rows[0]
        self.n_sample = _check_int(n_sample, "Boostrap: n_sample", 1)
        self._rng = _rng(seed, "Boostrap: seed")

    def __len__(self) -> int:
        return self.n_sample

    def __iter__(self) -> Iterator[tuple[np.ndarray, ...]]:
        for _ in range(self.n_sample):
            idx = self._rng.integers(0, self.n, size=self.n)
            yield tuple(a[idx] for a in self.data)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n={self.n}, arrays={len(self.data)}, n_sample={self.n_sample})"


#: correctly spelled alias of :class:`Boostrap`.
Bootstrap = Boostrap

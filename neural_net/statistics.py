"""Small statistics helpers: :class:`Pearson` correlations and :class:`Boostrap` resampling.

* :class:`Pearson` - correlation matrix as a DataFrame and as a heatmap.
* :class:`Boostrap` (alias :class:`Bootstrap`) - resampling with replacement.

Example:
    >>> import numpy
    >>> from neural_net.statistics import Pearson
    >>> Pearson(numpy.array([[1.0, 2.0], [2.0, 4.1], [3.0, 5.9]])).corr().shape
    (2, 2)
"""
from __future__ import annotations

from typing import Any, Iterator, Sequence

import numpy as np
import pandas as pd

from neural_net.checks import as_rng, integer

__all__ = ["Pearson", "Boostrap", "Bootstrap"]


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
        digits = integer(digits, "Pearson.heatmap: digits", 0, ascii=True)
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
        self.n_sample = integer(n_sample, "Boostrap: n_sample", 1, ascii=True)
        self._rng = as_rng(seed, "Boostrap: seed")

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

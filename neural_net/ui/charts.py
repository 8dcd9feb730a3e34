r"""The numbers behind the dashboard's charts: downsampled curves, weight histograms, seed
groups, parameter differences. Pure numpy/pandas; no database and no web framework here.

Downsampling (:func:`downsample`) keeps, for each of ``max_points / 2`` equal buckets of the
x axis, the points where the curve reaches its minimum and its maximum (plus the first and
last point), so a spike of one epoch in a 10,000-epoch history stays visible:

.. math:: \{\arg\min_{i \in B_k} y_i,\ \arg\max_{i \in B_k} y_i\}_{k=1}^{K}

Example:
    >>> import numpy
    >>> from neural_net.ui.charts import downsample
    >>> y = numpy.zeros(10_000); y[4321] = 9.0
    >>> keep = downsample(y, 100)
    >>> len(keep) <= 102, 4321 in keep, int(keep[0]), int(keep[-1])
    (True, True, 0, 9999)
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

#: Points per curve sent to the browser unless the full data is asked for.
MAX_POINTS = 2000
#: Bins of each weight histogram.
BINS = 40
#: Largest matrix side drawn as a heat map cell by cell (larger ones are block-averaged).
MAX_SIDE = 200


def downsample(y: Sequence[float] | np.ndarray, max_points: int = MAX_POINTS) -> np.ndarray:
    """Indices of the points to draw: all when there are at most ``max_points``, else the
    first, the last, and the minimum and maximum of each of ``max_points // 2`` buckets
    (NaN ignored), sorted.

    Example:
        >>> from neural_net.ui.charts import downsample
        >>> downsample([3.0, 1.0, 2.0], 10).tolist()
        [0, 1, 2]
        >>> downsample([0, 5, 1, 1, 1, 1, 1, -4, 1, 1], 4).tolist()  # 2 buckets: min, max of each
        [0, 1, 5, 7, 9]
    """
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    if not isinstance(max_points, (int, np.integer)) or isinstance(max_points, bool) or max_points < 4:
        raise ValueError(f"max_points must be an integer >= 4, got {max_points!r}")
    if n <= max_points:
        return np.arange(n)
    k = max_points // 2
    edges = np.linspace(0, n, k + 1).astype(np.int64)
    lo = np.where(np.isnan(y), np.inf, y)
    hi = np.where(np.isnan(y), -np.inf, y)
    mins = np.minimum.reduceat(lo, edges[:-1])
    maxs = np.maximum.reduceat(hi, edges[:-1])
    bucket = np.repeat(np.arange(k), np.diff(edges))
    # first index in each bucket reaching its min / max
    imin = np.full(k, -1)
    imax = np.full(k, -1)
    at_min = np.flatnonzero(lo == mins[bucket])
    at_max = np.flatnonzero(hi == maxs[bucket])
    imin[bucket[at_min][::-1]] = at_min[::-1]
    imax[bucket[at_max][::-1]] = at_max[::-1]
    keep = np.concatenate([[0, n - 1], imin[imin >= 0], imax[imax >= 0]])
    return np.unique(keep)


def _values(a: np.ndarray) -> list[Any]:
    """A float array as a JSON-able list with NaN/±inf as None."""
    a = np.asarray(a, dtype=np.float64)
    out: list[Any] = a.tolist()
    bad = np.flatnonzero(~np.isfinite(a))
    for i in bad:
        out[i] = None
    return out


def curves(history: pd.DataFrame, wall_time: pd.Series | None = None, *, full: bool = False,
           max_points: int = MAX_POINTS) -> dict[str, Any]:
    """The curves of one run for the browser: ``{"epochs": n, "downsampled": bool,
    "series": {column: {"x": epochs, "y": values, "t": seconds}}}``; each column downsampled
    to about ``max_points`` points unless ``full``.

    Example:
        >>> import pandas as pd
        >>> from neural_net.ui.charts import curves
        >>> h = pd.DataFrame({"loss": [1.0, 0.5, float("nan")]}, index=pd.Index([1, 2, 3], name="epoch"))
        >>> curves(h)["series"]["loss"]["y"]
        [1.0, 0.5, None]
    """
    series: dict[str, Any] = {}
    down = False
    for name in history.columns:
        col = history[name]
        x = col.index.to_numpy()
        y = col.to_numpy(dtype=np.float64)
        idx = np.arange(len(y)) if full else downsample(y, max_points)
        down = down or len(idx) < len(y)
        entry = {"x": x[idx].tolist(), "y": _values(y[idx])}
        if wall_time is not None and len(wall_time):
            t = wall_time.reindex(x[idx]).to_numpy(dtype=np.float64)
            entry["t"] = _values(t)
        series[str(name)] = entry
    return {"epochs": int(len(history)), "downsampled": down, "series": series}


def histograms(per_epoch: Iterable[tuple[int, Sequence[np.ndarray]]], bins: int = BINS) -> list[dict[str, Any]]:
    """Per layer (matrix position in the snapshot), one histogram of its weights per
    snapshot over bin edges shared by all snapshots: ``[{"layer": i, "centers": [...],
    "epochs": [...], "counts": [[...] per snapshot]}]``.

    Example:
        >>> import numpy
        >>> from neural_net.ui.charts import histograms
        >>> h = histograms([(0, [numpy.zeros((2, 2))]), (5, [numpy.ones((2, 2))])], bins=2)
        >>> h[0]["epochs"], h[0]["counts"]
        ([0, 5], [[4, 0], [0, 4]])
    """
    items = list(per_epoch)
    if not items:
        return []
    out = []
    for layer in range(max(len(m) for _, m in items)):
        mats = [(e, np.asarray(m[layer], dtype=np.float64).ravel()) for e, m in items if layer < len(m)]
        finite = np.concatenate([w[np.isfinite(w)] for _, w in mats]) if mats else np.zeros(0)
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if hi <= lo:
            lo, hi = lo - 0.5, hi + 0.5
        edges = np.linspace(lo, hi, bins + 1)
        counts = [np.histogram(w[np.isfinite(w)], bins=edges)[0].tolist() for _, w in mats]
        out.append({"layer": layer, "centers": ((edges[:-1] + edges[1:]) / 2).tolist(),
                    "epochs": [int(e) for e, _ in mats], "counts": counts})
    return out


def matrix_view(W: np.ndarray, max_side: int = MAX_SIDE) -> dict[str, Any]:
    """A matrix for a heat map: as is when both sides are at most ``max_side``, else
    averaged over blocks so that neither side exceeds it; with summary statistics.

    Example:
        >>> import numpy
        >>> from neural_net.ui.charts import matrix_view
        >>> v = matrix_view(numpy.arange(6.0).reshape(2, 3))
        >>> v["z"], v["shape"], v["block"]
        ([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], [2, 3], [1, 1])
    """
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2:
        raise ValueError(f"matrix_view: W must be 2-D, got shape {W.shape}")
    br = max(1, -(-W.shape[0] // max_side))
    bc = max(1, -(-W.shape[1] // max_side))
    Z = W
    if br > 1 or bc > 1:
        rows, cols = -(-W.shape[0] // br), -(-W.shape[1] // bc)
        pad = np.full((rows * br, cols * bc), np.nan)
        pad[:W.shape[0], :W.shape[1]] = W
        with np.errstate(all="ignore"):
            Z = np.nanmean(pad.reshape(rows, br, cols, bc), axis=(1, 3))
    finite = W[np.isfinite(W)]
    stats = {"mean": float(finite.mean()) if finite.size else None, "std": float(finite.std()) if finite.size else None,
             "min": float(finite.min()) if finite.size else None, "max": float(finite.max()) if finite.size else None,
             "norm": float(np.sqrt((finite ** 2).sum()))}
    return {"z": [_values(r) for r in Z], "shape": list(W.shape), "block": [br, bc], "stats": stats}


def group_curves(histories: dict[int, pd.Series], groups: dict[int, Any]) -> list[dict[str, Any]]:
    """Mean ± standard deviation per epoch of the curves of each group of runs (e.g. the
    seeds of one setting): ``[{"group": g, "runs": n, "x": epochs, "mean": ..., "std": ...}]``.

    Example:
        >>> import pandas as pd
        >>> from neural_net.ui.charts import group_curves
        >>> h = {1: pd.Series([1.0, 2.0], index=[1, 2]), 2: pd.Series([3.0, 4.0], index=[1, 2])}
        >>> g = group_curves(h, {1: "adam", 2: "adam"})[0]
        >>> g["group"], g["runs"], g["mean"], g["std"]
        ('adam', 2, [2.0, 3.0], [1.0, 1.0])
    """
    out = []
    keys = sorted({groups[r] for r in histories}, key=lambda v: (str(type(v)), v if v is not None else ""))
    for key in keys:
        members = [r for r in histories if groups[r] == key]
        frame = pd.concat([histories[r].rename(r) for r in members], axis=1)
        out.append({"group": key, "runs": len(members), "x": frame.index.tolist(),
                    "mean": _values(frame.mean(axis=1).to_numpy()),
                    "std": _values(frame.std(axis=1, ddof=0).to_numpy())})
    return out


def differences(params: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """The parameters of several runs side by side, those whose values differ first:
    ``[{"key": k, "values": [per run], "differs": bool}]``.

    Example:
        >>> from neural_net.ui.charts import differences
        >>> [(d["key"], d["differs"]) for d in differences({1: {"lr": 0.1, "seed": 0}, 2: {"lr": 0.2, "seed": 0}})]
        [('lr', True), ('seed', False)]
    """
    keys = sorted({k for p in params.values() for k in p})
    rows = []
    for k in keys:
        values = [params[r].get(k) for r in params]
        rows.append({"key": k, "values": values, "differs": len({repr(v) for v in values}) > 1})
    return sorted(rows, key=lambda d: (not d["differs"], d["key"]))

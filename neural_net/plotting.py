"""Plots of training: learning curves, decision boundaries, optimizer comparisons.

matplotlib is optional (``pip install neural-net-numpy[plot]``); it is imported only when a
function here is called, never by ``import neural_net``. Every function draws on the axes it is
given (``ax=``) or on a new figure, and returns the axes, so a notebook can keep styling them.

A *history* here is any of: a :class:`~neural_net.callbacks.History` (returned by ``fit``, or
``model.history``), a model (its ``history`` is used), a plain dict ``{'loss': [...], ...}``
(epochs then count from 1), a pandas DataFrame of one row per epoch (the frame
``neural_net.db.history`` and ``StoredRun.history()`` return: index ``epoch``, or an ``epoch``
column) or a stored run (an object whose ``history()`` returns such a frame).

Example:
    >>> import matplotlib; matplotlib.use('Agg')
    >>> from neural_net.callbacks import History
    >>> from neural_net.plotting import plot_history
    >>> h = History()
    >>> for epoch, (loss, acc) in enumerate([(0.9, 0.5), (0.5, 0.8), (0.3, 0.9)], start=1):
    ...     h.append(epoch, {'loss': loss, 'accuracy': acc})
    >>> loss_ax, metric_ax = plot_history(h)
    >>> [line.get_label() for line in loss_ax.lines], [line.get_label() for line in metric_ax.lines]
    (['loss'], ['accuracy'])
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

__all__ = ["plot_history", "plot_decision_boundary", "compare_histories"]

INSTALL_HINT = "pip install neural-net-numpy[plot]"


def _pyplot() -> Any:
    """``matplotlib.pyplot``, or ImportError telling how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError(f"plotting needs matplotlib, which is not installed: {INSTALL_HINT}") from e
    return plt


def _is_history(obj: Any) -> bool:
    """A History by its shape (``epoch`` list, ``history`` dict): plotting imports no callbacks."""
    return isinstance(getattr(obj, "epoch", None), list) and isinstance(getattr(obj, "history", None), dict)


def _is_frame(obj: Any) -> bool:
    """A pandas DataFrame by its shape (plotting imports no pandas)."""
    return hasattr(obj, "columns") and hasattr(obj, "index") and hasattr(obj, "to_numpy")


def _frame_curves(frame: Any, where: str) -> tuple[list[float], dict[str, list[float]]]:
    """``(epochs, {column: values})`` of a one-row-per-epoch frame (index or column ``epoch``)."""
    columns = [str(c) for c in frame.columns]
    if "epoch" in columns:
        epochs = frame["epoch"].to_numpy()
        columns.remove("epoch")
    elif getattr(frame.index, "name", None) == "epoch":
        epochs = frame.index.to_numpy()
    else:
        raise ValueError(f"{where}: a DataFrame history needs an 'epoch' index or column (the frame of "
                         f"db.history / StoredRun.history()), got columns {columns}")
    try:
        curves = {c: [float(v) for v in frame[c].to_numpy(dtype=float)] for c in columns}
        return [int(e) for e in epochs], curves
    except (TypeError, ValueError) as e:
        raise ValueError(f"{where}: a DataFrame history must hold numbers per epoch: {e}") from e


def _curves(history: Any, where: str) -> tuple[list[float], dict[str, list[float]]]:
    """``(epochs, {key: values})`` of a History, a model with a ``history``, a dict, a frame of
    one row per epoch or a stored run (``history()`` returning that frame)."""
    if _is_frame(history):
        return _frame_curves(history, where)
    if callable(getattr(history, "history", None)) and not _is_history(history):
        frame = history.history()  # a stored run
        if _is_frame(frame):
            return _frame_curves(frame, where)
    if not _is_history(history) and not isinstance(history, Mapping) and _is_history(getattr(history, "history", None)):
        history = history.history  # a model
    if _is_history(history):
        return list(history.epoch), {k: list(v) for k, v in history.history.items()}
    if isinstance(history, Mapping):
        curves = {str(k): list(np.asarray(v, dtype=float).ravel()) for k, v in history.items()}
        n = max((len(v) for v in curves.values()), default=0)
        return list(range(1, n + 1)), curves
    raise TypeError(f"{where}: history must be a History, a model with a history, a dict of lists, a "
                    f"DataFrame of one row per epoch or a stored run, got {type(history).__name__}")


def _is_loss(key: str) -> bool:
    return key == "loss" or key.endswith("loss")


def plot_history(history: Any, ax: Any = None, keys: Sequence[str] | None = None) -> list[Any]:
    """Plot learning curves: losses on one axes, metrics on another.

    Keys ending in ``loss`` (``loss``, ``val_loss``) go on the first axes, the others
    (``accuracy``, ``val_accuracy``...) on the second; validation curves are dashed and take
    the colour of their training curve. By default every key except ``'lr'`` is drawn.

    Args:
        history: a History, a model, or a dict of per-epoch lists.
        ax: None (a new figure with one axes, or two side by side when there are metrics), a
            single Axes (every curve on it), or a pair ``(loss_ax, metric_ax)``.
        keys: the keys to draw (e.g. ``['loss', 'val_loss', 'lr']``).

    Returns:
        The list of axes drawn on: ``[loss_ax]`` or ``[loss_ax, metric_ax]``.

    Raises:
        KeyError: a key of ``keys`` is not in the history. ImportError: no matplotlib.

    Example:
        >>> import matplotlib; matplotlib.use('Agg')
        >>> from neural_net.plotting import plot_history
        >>> (ax,) = plot_history({'loss': [1.0, 0.5], 'val_loss': [1.1, 0.7]})
        >>> [(l.get_label(), l.get_ydata().tolist()) for l in ax.lines]
        [('loss', [1.0, 0.5]), ('val_loss', [1.1, 0.7])]
    """
    epochs, curves = _curves(history, "plot_history")
    if keys is None:
        keys = [k for k in curves if k != "lr"]
    else:
        if isinstance(keys, str):
            keys = [keys]
        missing = [k for k in keys if k not in curves]
        if missing:
            raise KeyError(f"plot_history: keys {missing} are not in the history (keys {sorted(curves)})")
    loss_keys = [k for k in keys if _is_loss(k)]
    metric_keys = [k for k in keys if not _is_loss(k)]
    if ax is None:
        plt = _pyplot()
        n = 1 + bool(loss_keys and metric_keys)
        _, axes = plt.subplots(1, n, figsize=(6 * n, 4), squeeze=False)
        axes = list(axes[0])
        loss_ax, metric_ax = (axes[0], axes[-1]) if loss_keys else (None, axes[0])
        if not metric_keys:
            metric_ax = None
    elif isinstance(ax, (list, tuple, np.ndarray)):
        if len(ax) != 2:
            raise ValueError(f"plot_history: ax must be one Axes or a pair (loss_ax, metric_ax), got {len(ax)} axes")
        loss_ax, metric_ax = ax[0], ax[1]
        axes = [loss_ax, metric_ax]
    else:
        loss_ax = metric_ax = ax
        axes = [ax]
    colours: dict[str, Any] = {}
    for target, group, ylabel in ((loss_ax, loss_keys, "loss"), (metric_ax, metric_keys, "metric")):
        if target is None or not group:
            continue
        for key in sorted(group, key=lambda k: k.startswith("val_")):  # training curves first
            base = key[4:] if key.startswith("val_") else key
            values = curves[key]
            line, = target.plot(epochs[:len(values)], values, label=key,
                                linestyle="--" if key.startswith("val_") else "-", color=colours.get(base))
            colours.setdefault(base, line.get_color())
        target.set_xlabel("epoch")
        target.set_ylabel("value" if loss_ax is metric_ax else ylabel)
        target.legend()
    return axes


def plot_decision_boundary(model: Any, X: Any, y: Any = None, ax: Any = None, resolution: int = 200) -> Any:
    """Colour the plane by the class ``model`` predicts, and scatter the data on top (2-D inputs).

    The predicted class on a ``resolution × resolution`` grid spanning the data (plus a 5 %
    margin) is drawn as an image (``ax.images[0]``, its array the class grid, rows from bottom
    to top); one output column is read as a probability thresholded at 0.5, several as class
    scores (argmax). The points are drawn with ``ax.scatter`` coloured by ``y`` (labels or
    one-hot).

    Args:
        model: anything with ``predict(X) -> (n, k)`` (a Sequential).
        X: ``(n, 2)`` inputs. y: ``(n,)``/``(n, 1)`` labels, one-hot ``(n, k)``, or None.
        ax: the axes to draw on (a new figure when None).
        resolution: grid points per axis (int ≥ 2).

    Returns:
        The axes.

    Example:
        >>> import matplotlib; matplotlib.use('Agg')
        >>> import numpy
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Fullyconnected, Activation
        >>> from neural_net.plotting import plot_decision_boundary
        >>> net = Sequential([Fullyconnected(2, 1, W=numpy.array([[1.0], [0.0], [0.0]])), Activation('σ')], 'bce')
        >>> X = numpy.array([[-1.0, 0.0], [1.0, 1.0]]); y = numpy.array([0, 1])
        >>> ax = plot_decision_boundary(net, X, y, resolution=4)
        >>> ax.images[0].get_array().tolist()   # class 1 where x > 0
        [[0, 0, 1, 1], [0, 0, 1, 1], [0, 0, 1, 1], [0, 0, 1, 1]]
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary: X must have shape (n, 2), got {X.shape}")
    if len(X) == 0:
        raise ValueError("plot_decision_boundary: X must not be empty")
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"plot_decision_boundary: resolution must be an integer ≥ 2, got {resolution!r}")
    labels = None
    if y is not None:
        y = np.asarray(y)
        if len(y) != len(X):
            raise ValueError(f"plot_decision_boundary: y must have {len(X)} rows like X, got shape {y.shape}")
        labels = y.argmax(axis=1) if y.ndim == 2 and y.shape[1] > 1 else y.reshape(len(y))
    if ax is None:
        ax = _pyplot().subplots(figsize=(6, 5))[1]
    else:
        _pyplot()
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = np.where(hi > lo, (hi - lo) * 0.05, 0.5)
    lo, hi = lo - pad, hi + pad
    gx, gy = np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    xx, yy = np.meshgrid(gx, gy)
    p = np.asarray(model.predict(np.column_stack([xx.ravel(), yy.ravel()])))
    p = p.reshape(len(p), -1)
    classes = (p[:, 0] > 0.5).astype(int) if p.shape[1] == 1 else p.argmax(axis=1)
    grid = classes.reshape(resolution, resolution)
    n_classes = int(max(grid.max(), 1 if labels is None else np.max(labels)) + 1)
    cmap = "coolwarm" if n_classes <= 2 else "viridis"
    step = (hi - lo) / (resolution - 1)
    ax.imshow(grid, origin="lower", aspect="auto", interpolation="nearest", alpha=0.35, cmap=cmap,
              vmin=0, vmax=n_classes - 1,
              extent=(lo[0] - step[0] / 2, hi[0] + step[0] / 2, lo[1] - step[1] / 2, hi[1] + step[1] / 2))
    ax.scatter(X[:, 0], X[:, 1], c=labels if labels is not None else "k", cmap=cmap, vmin=0,
               vmax=n_classes - 1, s=12, edgecolors="k", linewidths=0.3)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    return ax


def compare_histories(histories: Mapping[str, Any], key: str = "loss", ax: Any = None) -> Any:
    """One curve of ``key`` per run, labelled by its name: the optimizer-comparison plot.

    Args:
        histories: ``{'sgd': history_1, 'adam': history_2, ...}`` (History, model, dict, the
            DataFrame of ``db.history`` / ``StoredRun.history()``, or a ``StoredRun``). To compare
            the runs a ``db.runs`` query selected: ``{r.name: db.open_run(source, r.run_id) for r
            in db.runs(source, order_by="-val_accuracy").head(3).itertuples()}``.
        key: the history key to compare (``'loss'``, ``'val_accuracy'``...).
        ax: the axes to draw on (a new figure when None).

    Returns:
        The axes, with one line per entry, in the order of ``histories``.

    Raises:
        KeyError: a history has no ``key``. ImportError: no matplotlib.

    Example:
        >>> import matplotlib; matplotlib.use('Agg')
        >>> from neural_net.plotting import compare_histories
        >>> ax = compare_histories({'sgd': {'loss': [1.0, 0.8]}, 'adam': {'loss': [1.0, 0.4]}})
        >>> [(l.get_label(), l.get_ydata().tolist()) for l in ax.lines]
        [('sgd', [1.0, 0.8]), ('adam', [1.0, 0.4])]
        >>> import pandas as pd
        >>> stored = pd.DataFrame({'loss': [0.9, 0.7]}, index=pd.Index([3, 4], name='epoch'))
        >>> [l.get_xdata().tolist() for l in compare_histories({'resumed': stored}).lines]
        [[3, 4]]
    """
    if not isinstance(histories, Mapping) or not histories:
        raise TypeError("compare_histories: histories must be a non-empty dict {name: history}, "
                        f"got {type(histories).__name__}")
    runs = []
    for name, h in histories.items():
        epochs, curves = _curves(h, "compare_histories")
        if key not in curves:
            raise KeyError(f"compare_histories: history {name!r} has no key {key!r} (keys {sorted(curves)})")
        runs.append((str(name), epochs, curves[key]))
    if ax is None:
        ax = _pyplot().subplots(figsize=(6, 4))[1]
    for name, epochs, values in runs:
        ax.plot(epochs[:len(values)], values, label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel(key)
    ax.legend()
    return ax

"""Plotting helpers shared by the tutorials (matplotlib; not part of the library).

The tutorials import it from their own directory (``import tutorial_plots``): Jupyter starts
a notebook's kernel there, and the test suite and the documentation build put ``tutorials/``
on ``PYTHONPATH``.

Example:
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from tutorial_plots import finish_axes
    >>> fig, (ax1, ax2) = plt.subplots(1, 2)
    >>> _ = ax1.plot([-6, 6], [0, 1], label="f"); _ = ax2.plot([-6, 6], [1, 0], label="f'")
    >>> finish_axes((ax1, ax2), ("f", "f'"), ylim=[(-1, 2), (-0.5, 1.5)])
    >>> [float(v) for v in (*ax1.get_xlim(), *ax2.get_ylim())], ax2.get_title()
    ([-5.0, 5.0, -0.5, 1.5], "f'")
    >>> plt.close(fig)
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt


def finish_axes(axes: Sequence[Any], titles: Sequence[str], ylim: Any = None,
                xlim: tuple[float, float] = (-5, 5)) -> None:
    """Give each axis of a function plot its limits, legend, grid and title.

    ``ylim`` is one ``(low, high)`` pair for every axis, a list of one pair per axis, or
    ``None`` (matplotlib's automatic limits); ``xlim`` is shared.
    """
    if ylim is not None and not isinstance(ylim[0], (tuple, list)):
        ylim = [ylim] * len(axes)
    for i, (ax, title) in enumerate(zip(axes, titles)):
        if ylim is not None:
            ax.set_ylim(*ylim[i])
        ax.set_xlim(*xlim)
        ax.legend()
        ax.grid()
        ax.set_title(title)


def plot_y1_y0(p: Any, y1: Any, y0: Any, labels: Sequence[str], xlabel: str | None = None) -> None:
    """Two plots side by side of a function of the estimated probability ``p``: the values
    ``y1`` for a target ``y = 1`` (left) and ``y0`` for ``y = 0`` (right), one label each.

    Example:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import numpy
        >>> from tutorial_plots import plot_y1_y0
        >>> p = numpy.linspace(0.1, 0.9, 5)
        >>> plot_y1_y0(p, -numpy.log(p), -numpy.log(1 - p), ["-log(p)", "-log(1-p)"], xlabel="p")
        >>> [ax.get_title() for ax in matplotlib.pyplot.gcf().axes]
        ['y=1', 'y=0']
    """
    _, axes = plt.subplots(1, 2, figsize=(14, 5))
    for ax, title, values, label in zip(axes, ("y=1", "y=0"), (y1, y0), labels):
        ax.set_title(title)
        ax.plot(p, values, label=label)
        if xlabel:
            ax.set_xlabel(xlabel)
        ax.legend()


def show_digits(images: Sequence[Any], titles: Sequence[str], figsize: tuple[float, float] | None = None) -> None:
    """One row of grey-level digit images (8 × 8 arrays, or rows of 64 pixels), a title each.

    Example:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import numpy
        >>> from tutorial_plots import show_digits
        >>> show_digits(numpy.zeros((3, 64)), ["a", "b", "c"])
        >>> [ax.get_title() for ax in matplotlib.pyplot.gcf().axes]
        ['a', 'b', 'c']
    """
    _, axes = plt.subplots(nrows=1, ncols=len(titles), figsize=figsize or (2.5 * len(titles), 3))
    for ax, image, title in zip(axes, images, titles):
        ax.set_axis_off()
        ax.imshow(image.reshape(8, 8), cmap=plt.cm.gray_r, interpolation="nearest")
        ax.set_title(title)

"""The seed's import path of the data helpers: :mod:`neural_net.datasets` (circles, Iris,
Boston housing) and :mod:`neural_net.statistics` (Pearson, bootstrap), re-exported here.

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

from neural_net.datasets import HouseDatasetDownloader, IrisDatasetDownloader, make_circle_data
from neural_net.statistics import Boostrap, Bootstrap, Pearson

__all__ = [
    "make_circle_data",
    "IrisDatasetDownloader",
    "HouseDatasetDownloader",
    "Pearson",
    "Boostrap",
    "Bootstrap",
]

"""Classification metrics: accuracy, confusion matrix and a classification report.

Targets and predictions may be given in any of the usual forms, converted to class labels by
the same rules everywhere:

* a matrix ``(n, k)`` with ``k > 1`` (one-hot targets or class probabilities) -> ``argmax`` of
  each row, i.e. label ``j`` for column ``j``;
* a vector ``(n,)`` or column ``(n, 1)`` of labels (ints, integral floats, strings) -> as is;
* a prediction vector/column of probabilities in ``[0, 1]`` that are not all integral ->
  binary labels ``p > 0.5``.

Example:
    >>> import numpy
    >>> from neural_net.metrics import accuracy, ConfusionMatrix
    >>> y = numpy.array([[1, 0], [0, 1], [0, 1]])
    >>> p = numpy.array([[.8, .2], [.3, .7], [.6, .4]])
    >>> accuracy().compute(y, p)
    0.6666666666666666
    >>> ConfusionMatrix().fit(p, y).matrix
    array([[1, 0],
           [1, 1]])
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .checks import check_name, integer

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "accuracy",
    "ConfusionMatrix",
    "ClassificationMatrix",
    "classification_report",
    "get_metric",
    "METRICS",
]


# --------------------------------------------------------------------------- label helpers
def _as_array(a: Any, name: str, where: str) -> np.ndarray:
    if a is None or isinstance(a, (str, bytes)):
        raise TypeError(f"{where}: {name} must be an array-like, got {type(a).__name__}")
    arr = np.asarray(a)
    if arr.ndim not in (1, 2):
        raise ValueError(f"{where}: {name} must be 1-D (n,) or 2-D (n, k), got shape {arr.shape}")
    if arr.shape[0] == 0 or arr.size == 0:
        raise ValueError(f"{where}: {name} must not be empty, got shape {arr.shape}")
    if arr.dtype.kind in "fc" and np.isnan(arr).any():
        raise ValueError(f"{where}: {name} must not contain NaN")
    return arr


def _is_matrix(arr: np.ndarray) -> bool:
    return arr.ndim == 2 and arr.shape[1] > 1


def _labels_of(arr: np.ndarray, name: str, where: str, allow_probabilities: bool) -> np.ndarray:
    """Class labels (1-D) from a label vector/column, a one-hot or a probability matrix."""
    if _is_matrix(arr):
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{where}: {name} as a (n, k) matrix must be numeric, got dtype {arr.dtype}")
        return arr.argmax(axis=1)
    vec = arr.reshape(-1)
    if vec.dtype.kind == "f":
        integral = bool(np.all(vec == np.round(vec)))
        if not integral:
            if allow_probabilities and bool(np.all((vec >= 0) & (vec <= 1))):
                return (vec > 0.5).astype(np.int64)
            expected = ("class labels or probabilities in [0, 1]" if allow_probabilities
                        else "class labels (integral values)")
            raise ValueError(
                f"{where}: {name} must hold {expected}, got non-integral values such as "
                f"{vec[vec != np.round(vec)][:3].tolist()}"
            )
        return vec.astype(np.int64)
    if vec.dtype.kind == "b":
        return vec.astype(np.int64)
    return vec


def _to_labels(y_true: Any, y_pred: Any, where: str) -> tuple[np.ndarray, np.ndarray, int | None]:
    """Convert ``y_true`` and ``y_pred`` to aligned 1-D label arrays.

    Returns ``(t, p, k)`` with ``k`` the column count when either input is a ``(n, k)``
    matrix, else None.
    """
    t = _as_array(y_true, "y_true", where)
    p = _as_array(y_pred, "y_pred", where)
    if t.shape[0] != p.shape[0]:
        raise ValueError(
            f"{where}: y_true and y_pred must have the same number of rows, "
            f"got y_true shape {t.shape} and y_pred shape {p.shape}"
        )
    if _is_matrix(t) and _is_matrix(p) and t.shape[1] != p.shape[1]:
        raise ValueError(
            f"{where}: y_true and y_pred must have the same number of columns (classes), "
            f"got y_true shape {t.shape} and y_pred shape {p.shape}"
        )
    k = t.shape[1] if _is_matrix(t) else (p.shape[1] if _is_matrix(p) else None)
    t_lab = _labels_of(t, "y_true", where, allow_probabilities=False)
    p_lab = _labels_of(p, "y_pred", where, allow_probabilities=True)
    return t_lab, p_lab, k


# --------------------------------------------------------------------------- accuracy
class accuracy:
    r"""Fraction of correctly classified rows: :math:`\frac1n\sum_i [\hat c_i = c_i]`.

    ``y_true`` may be one-hot ``(n, k)`` or labels ``(n,)``/``(n, 1)``; ``y_pred`` may be
    probabilities ``(n, k)`` (argmax), binary probabilities ``(n, 1)`` (threshold 0.5) or
    labels. The result is the exact fraction as a Python float (not rounded).

    Attributes:
        name: ``"accuracy"`` (used in training logs).

    Raises:
        ValueError: different numbers of rows or of classes, NaN, or values that are neither
            labels nor probabilities.

    Example:
        >>> import numpy
        >>> from neural_net.metrics import accuracy
        >>> accuracy().compute(numpy.array([[1], [0], [1], [1]]), numpy.array([[.9], [.2], [.4], [.6]]))
        0.75
        >>> accuracy().compute([0, 2, 1], numpy.array([[.7, .2, .1], [.1, .1, .8], [.5, .4, .1]]))
        0.6666666666666666
    """

    name = "accuracy"

    def compute(self, y_true: Any, y_pred: Any) -> float:
        """Return the fraction of rows whose predicted class equals the true class."""
        t, p, _ = _to_labels(y_true, y_pred, "accuracy.compute")
        return float(np.mean(t == p))

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        return self.compute(y_true, y_pred)

    @staticmethod
    def batch_score(y_true: np.ndarray, y_pred: np.ndarray) -> float:
        """:meth:`compute` for the training loop, whose arrays are already checked: targets
        ``(n, k)`` one-hot (argmax) or ``(n, 1)`` binary, predictions of the same shape.

        Example:
            >>> import numpy
            >>> from neural_net.metrics import accuracy
            >>> accuracy.batch_score(numpy.eye(3), numpy.array([[.8, .1, .1], [.1, .1, .8], [0, 0, 1.]]))
            0.6666666666666666
        """
        if y_pred.shape[1] > 1:
            return float(np.count_nonzero(y_true.argmax(axis=1) == y_pred.argmax(axis=1))) / len(y_pred)
        return float(np.count_nonzero((y_true > 0.5) == (y_pred > 0.5))) / len(y_pred)

    def __repr__(self) -> str:
        return "accuracy()"


# --------------------------------------------------------------------------- confusion matrix
def _safe_divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den == 0`` (no warning)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.zeros(np.broadcast(num, den).shape, dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


class ConfusionMatrix:
    r"""Confusion matrix and per-class precision, recall and F1.

    After :meth:`fit`, ``matrix[i, j]`` counts the rows of true class ``labels[i]`` predicted
    as ``labels[j]``. Per class ``c`` with :math:`TP_c = M_{cc}`:

    .. math::
        \text{precision}_c = \frac{TP_c}{\sum_i M_{ic}},\quad
        \text{recall}_c = \frac{TP_c}{\sum_j M_{cj}},\quad
        F1_c = \frac{2\,\text{precision}_c\,\text{recall}_c}{\text{precision}_c+\text{recall}_c},

    each defined as 0 when its denominator is 0 (e.g. a class never predicted), silently.
    ``support_c`` is the number of true rows of class ``c``; ``accuracy`` = trace / n.
    ``ClassificationMatrix`` is the same class.

    Example:
        >>> from neural_net.metrics import ConfusionMatrix
        >>> cm = ConfusionMatrix().fit([0, 1, 1, 1], [0, 1, 0, 2])
        >>> cm.matrix
        array([[1, 1, 0],
               [0, 1, 0],
               [0, 1, 0]])
        >>> cm.precision.round(3).tolist(), cm.recall.tolist(), cm.accuracy
        ([1.0, 0.333, 0.0], [0.5, 1.0, 0.0], 0.5)
    """

    def __init__(self) -> None:
        self.matrix: np.ndarray | None = None
        self.labels: np.ndarray | None = None
        self.precision: np.ndarray | None = None
        self.recall: np.ndarray | None = None
        self.f1: np.ndarray | None = None
        self.support: np.ndarray | None = None
        self.accuracy: float | None = None

    def fit(self, y_pred: Any, y_true: Any, labels: Any = None) -> "ConfusionMatrix":
        """Count predictions against truth and compute the per-class scores; return ``self``.

        Args:
            y_pred: predicted labels, one-hot rows or probabilities.
            y_true: true labels or one-hot rows (same number of rows).
            labels: optional list of every class to report, in order; must contain all
                labels that occur. Default: the sorted union of the labels that occur, plus
                ``0..k-1`` when an input is a ``(n, k)`` matrix.

        Example:
            >>> from neural_net.metrics import ConfusionMatrix
            >>> ConfusionMatrix().fit(["b", "a"], ["a", "a"], labels=["a", "b", "c"]).support.tolist()
            [2, 0, 0]
        """
        t, p, k = _to_labels(y_true, y_pred, "ConfusionMatrix.fit")
        try:
            observed = np.union1d(t, p)
        except TypeError:
            raise TypeError(
                "ConfusionMatrix.fit: y_true and y_pred labels must be comparable, "
                f"got dtypes {t.dtype} and {p.dtype}"
            ) from None
        if k is not None:
            observed = np.union1d(observed, np.arange(k))
        if labels is None:
            lab = observed
        else:
            if isinstance(labels, (str, bytes)):
                raise TypeError(f"ConfusionMatrix.fit: labels must be a sequence of labels, got {type(labels).__name__}")
            lab = np.asarray(labels)
            if lab.ndim != 1 or lab.size == 0:
                raise ValueError(f"ConfusionMatrix.fit: labels must be a non-empty 1-D list, got shape {lab.shape}")
            if len(np.unique(lab)) != lab.size:
                raise ValueError(f"ConfusionMatrix.fit: labels must be distinct, got {lab.tolist()}")
            missing = np.setdiff1d(np.union1d(t, p), lab)
            if missing.size:
                raise ValueError(
                    f"ConfusionMatrix.fit: labels must contain every label present in y_true and "
                    f"y_pred, missing {missing.tolist()}"
                )
        order = np.argsort(lab, kind="stable")
        ti = order[np.searchsorted(lab, t, sorter=order)]
        pi = order[np.searchsorted(lab, p, sorter=order)]
        n_classes = len(lab)
        matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
        np.add.at(matrix, (ti, pi), 1)

        tp = np.diag(matrix)
        predicted = matrix.sum(axis=0)
        support = matrix.sum(axis=1)
        self.matrix = matrix
        self.labels = lab
        self.precision = _safe_divide(tp, predicted)
        self.recall = _safe_divide(tp, support)
        self.f1 = _safe_divide(2 * tp, 2 * tp + (predicted - tp) + (support - tp))
        self.support = support
        self.accuracy = float(tp.sum() / matrix.sum())
        return self

    def _check_fitted(self, where: str) -> None:
        if self.matrix is None:
            raise ValueError(f"ConfusionMatrix.{where}: call fit(y_pred, y_true) first")

    def _averages(self) -> dict[str, list[float]]:
        total = int(self.support.sum())
        scores = (self.precision, self.recall, self.f1)
        macro = [float(np.mean(s)) for s in scores]
        if total > 0:
            weighted = [float(np.average(s, weights=self.support)) for s in scores]
        else:
            weighted = [0.0, 0.0, 0.0]
        return {"macro avg": macro + [total], "weighted avg": weighted + [total]}

    def to_frame(self) -> "pd.DataFrame":
        """Per-class ``precision``, ``recall``, ``f1-score``, ``support`` plus the
        ``macro avg`` (plain mean over classes) and ``weighted avg`` (weighted by support) rows.

        Example:
            >>> from neural_net.metrics import ConfusionMatrix
            >>> ConfusionMatrix().fit([0, 1, 1], [0, 1, 0]).to_frame().index.tolist()
            ['0', '1', 'macro avg', 'weighted avg']
        """
        self._check_fitted("to_frame")
        rows = {str(l): [float(p), float(r), float(f), int(s)]
                for l, p, r, f, s in zip(self.labels.tolist(), self.precision, self.recall, self.f1, self.support)}
        rows.update(self._averages())
        import pandas as pd  # imported when needed: importing the library stays light

        frame = pd.DataFrame.from_dict(rows, orient="index", columns=["precision", "recall", "f1-score", "support"])
        frame["support"] = frame["support"].astype(np.int64)
        return frame

    def report(self, digits: int = 2) -> str:
        """Text report laid out like ``sklearn.metrics.classification_report``.

        Example:
            >>> from neural_net.metrics import ConfusionMatrix
            >>> print(ConfusionMatrix().fit([0, 1, 1], [0, 1, 0]).report())
                          precision    recall  f1-score   support
            <BLANKLINE>
                       0       1.00      0.50      0.67         2
                       1       0.50      1.00      0.67         1
            <BLANKLINE>
                accuracy                           0.67         3
               macro avg       0.75      0.75      0.67         3
            weighted avg       0.83      0.67      0.67         3
            <BLANKLINE>
        """
        self._check_fitted("report")
        digits = integer(digits, "ConfusionMatrix.report: digits", 0, ascii=True)
        headers = ["precision", "recall", "f1-score", "support"]
        names = [str(l) for l in self.labels.tolist()]
        width = max(max(len(nm) for nm in names), len("weighted avg"), digits)
        head_fmt = "{:>{width}s} " + " {:>9}" * len(headers)
        out = head_fmt.format("", *headers, width=width) + "\n\n"
        row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
        for nm, p, r, f, s in zip(names, self.precision, self.recall, self.f1, self.support):
            out += row_fmt.format(nm, p, r, f, int(s), width=width, digits=digits)
        out += "\n"
        total = int(self.support.sum())
        acc_fmt = "{:>{width}s} " + " {:>9}" * 2 + " {:>9.{digits}f}" + " {:>9}\n"
        out += acc_fmt.format("accuracy", "", "", self.accuracy, total, width=width, digits=digits)
        for heading, (p, r, f, s) in self._averages().items():
            out += row_fmt.format(heading, p, r, f, s, width=width, digits=digits)
        return out

    def __str__(self) -> str:
        if self.matrix is None:
            return "ConfusionMatrix (not fitted)"
        return self.report()

    def __repr__(self) -> str:
        if self.matrix is None:
            return "ConfusionMatrix()"
        return f"ConfusionMatrix(labels={self.labels.tolist()}, accuracy={self.accuracy:.4f})"


#: name used by NumpyNet (``ClassificationMatrix().fit(pred, y_test)``).
ClassificationMatrix = ConfusionMatrix


def classification_report(y_true: Any, y_pred: Any, digits: int = 2) -> str:
    """Per-class precision/recall/F1/support report (same layout as scikit-learn's).

    Note the argument order ``(y_true, y_pred)``, as in scikit-learn, whereas
    :meth:`ConfusionMatrix.fit` takes ``(y_pred, y_true)``.

    Example:
        >>> from neural_net.metrics import classification_report
        >>> print(classification_report(["a", "b", "b"], ["a", "b", "a"]).splitlines()[2])
                   a       0.50      1.00      0.67         1
    """
    return ConfusionMatrix().fit(y_pred, y_true).report(digits=digits)


# --------------------------------------------------------------------------- registry
#: names accepted by :func:`get_metric`.
METRICS: dict[str, type] = {"accuracy": accuracy, "acc": accuracy}


def get_metric(name_or_obj: Any) -> Any:
    """Return a metric instance (with ``name`` and ``compute``) from a name, class or instance.

    Names are case-insensitive: ``'accuracy'`` or ``'acc'``. A class is instantiated without
    arguments; an instance is returned as is.

    Raises:
        ValueError: unknown name (the message lists the known names).
        TypeError: anything else, or an object without ``name`` and callable ``compute``.

    Example:
        >>> from neural_net.metrics import get_metric, accuracy
        >>> get_metric("ACC").name, type(get_metric(accuracy)).__name__
        ('accuracy', 'accuracy')
    """
    if isinstance(name_or_obj, str):
        key = name_or_obj.strip().lower()
        if key not in METRICS:
            raise ValueError(
                f"get_metric: name_or_obj must be one of {sorted(METRICS)}, got {name_or_obj!r}"
            )
        return METRICS[key]()
    obj = name_or_obj
    if isinstance(obj, type):
        if not callable(getattr(obj, "compute", None)):
            raise TypeError(f"get_metric: class {obj.__name__} has no compute(y_true, y_pred) method")
        obj = obj()
    if not callable(getattr(obj, "compute", None)) or not isinstance(getattr(obj, "name", None), str):
        raise TypeError(
            "get_metric: name_or_obj must be a metric name, a metric class or an instance with "
            f"a str name and a compute(y_true, y_pred) method, got {type(name_or_obj).__name__}"
        )
    return obj


def get_metrics(metrics: Any) -> list[Any]:
    """Metric instances from one metric or a list (``['accuracy']``, ``accuracy``, ``None``),
    each name following the store's name rule (also with the ``val_`` prefix of validation).

    Example:
        >>> from neural_net.metrics import get_metrics
        >>> [m.name for m in get_metrics(['acc'])]
        ['accuracy']
    """
    items = metrics if isinstance(metrics, (list, tuple)) else ([] if metrics is None else [metrics])
    resolved = []
    for i, m in enumerate(items):
        try:
            resolved.append(get_metric(m))
            check_name(resolved[-1].name, "name")
            check_name(f"val_{resolved[-1].name}", "name (with the 'val_' prefix of validation)")
        except (TypeError, ValueError) as e:
            raise type(e)(f"metrics[{i}]: {e}".replace("get_metric: name_or_obj", "a metric")) from None
    return resolved

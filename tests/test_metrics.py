"""Tests of neural_net.metrics: accuracy, ConfusionMatrix, classification_report, get_metric."""
import doctest
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

import neural_net.metrics as metrics
from neural_net.metrics import (
    ClassificationMatrix,
    ConfusionMatrix,
    accuracy,
    classification_report,
    get_metric,
)


def test_docstring_examples_run():
    result = doctest.testmod(metrics)
    assert result.attempted > 0
    assert result.failed == 0


def _onehot(labels, k):
    out = np.zeros((len(labels), k), dtype=int)
    out[np.arange(len(labels)), labels] = 1
    return out


# --------------------------------------------------------------------------- accuracy
def test_accuracy_name():
    assert accuracy.name == "accuracy" and accuracy().name == "accuracy"


def test_accuracy_onehot_vs_probabilities_uses_argmax():
    y = _onehot([0, 1, 2, 2], 3)
    p = np.array([[.5, .3, .2], [.1, .2, .7], [.2, .2, .6], [.3, .4, .3]])
    # predicted 0, 2, 2, 1 -> rows 0 and 2 right
    assert accuracy().compute(y, p) == 0.5


def test_accuracy_binary_probabilities_threshold_half():
    y = np.array([[1], [0], [1], [0], [1]])
    p = np.array([[.51], [.49], [.5], [.9], [1.0]])
    # predicted 1, 0, 0, 1, 1 -> 3 right
    assert accuracy().compute(y, p) == 0.6
    assert accuracy().compute(y.ravel(), p) == 0.6
    assert accuracy().compute(y, p.ravel()) == 0.6


def test_accuracy_labels_vs_probability_matrix_and_labels():
    labels = np.array([2, 0, 1])
    p = np.array([[.1, .1, .8], [.6, .3, .1], [.6, .3, .1]])
    assert accuracy().compute(labels, p) == 2 / 3
    assert accuracy().compute(labels.reshape(-1, 1), p) == 2 / 3
    assert accuracy().compute(labels, np.array([2, 0, 0])) == 2 / 3
    assert accuracy().compute(["a", "b"], ["a", "a"]) == 0.5


def test_accuracy_exact_fraction_python_float():
    value = accuracy().compute([0, 0, 1], [0, 1, 0])
    assert type(value) is float
    assert value == 1 / 3  # not rounded


def test_accuracy_tutorial_iris_softmax_is_148_of_150():
    from neural_net.pipeline import onehot
    from neural_net.utils import IrisDatasetDownloader

    iris = IrisDatasetDownloader().load_dataset()
    X, y = iris.data, onehot(iris.target)
    n, k = X.shape
    W = np.zeros((k + 1, y.shape[1]))
    Xc = np.c_[X, np.ones((n, 1))]
    Sm = lambda W, X: np.exp(X @ W) / np.exp(X @ W).sum(axis=1, keepdims=True)  # noqa: E731
    for _ in range(1000):
        W -= 0.1 * Xc.T @ (Sm(W, Xc) - y) / n
    assert accuracy().compute(y, Sm(W, Xc)) == 148 / 150


def test_accuracy_rejects_row_mismatch():
    with pytest.raises(ValueError, match=r"accuracy.compute: y_true and y_pred must have the same number of rows, got y_true shape \(3, 2\) and y_pred shape \(2, 2\)"):
        accuracy().compute(np.zeros((3, 2)), np.zeros((2, 2)))


def test_accuracy_rejects_class_count_mismatch():
    with pytest.raises(ValueError, match=r"same number of columns \(classes\), got y_true shape \(3, 2\) and y_pred shape \(3, 3\)"):
        accuracy().compute(np.zeros((3, 2)), np.zeros((3, 3)))


def test_accuracy_rejects_nan():
    with pytest.raises(ValueError, match="accuracy.compute: y_pred must not contain NaN"):
        accuracy().compute([0, 1], [0.2, np.nan])


def test_accuracy_rejects_pred_neither_label_nor_probability():
    with pytest.raises(ValueError, match=r"accuracy.compute: y_pred must hold class labels or probabilities in \[0, 1\], got non-integral values such as \[1.7\]"):
        accuracy().compute([0, 1], [0.0, 1.7])


def test_accuracy_rejects_fractional_truth():
    with pytest.raises(ValueError, match=r"accuracy.compute: y_true must hold class labels \(integral values\)"):
        accuracy().compute([0.3, 1.0], [0, 1])


def test_accuracy_rejects_3d():
    with pytest.raises(ValueError, match=r"y_true must be 1-D \(n,\) or 2-D \(n, k\), got shape \(2, 2, 2\)"):
        accuracy().compute(np.zeros((2, 2, 2)), np.zeros((2, 2)))


def test_accuracy_rejects_empty():
    with pytest.raises(ValueError, match="y_true must not be empty"):
        accuracy().compute([], [])


def test_accuracy_rejects_none():
    with pytest.raises(TypeError, match="accuracy.compute: y_pred must be an array-like, got NoneType"):
        accuracy().compute([1], None)


# --------------------------------------------------------------------------- confusion matrix
def _random_labels(seed, n=300, k_true=4, k_pred=3):
    rng = np.random.default_rng(seed)
    return rng.integers(0, k_true, n), rng.integers(0, k_pred, n)  # class 3 is never predicted


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_confusion_matrix_agrees_with_sklearn(seed):
    t, p = _random_labels(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning spam for the never-predicted class
        cm = ConfusionMatrix().fit(p, t)
    np.testing.assert_array_equal(cm.matrix, skm.confusion_matrix(t, p))
    assert np.issubdtype(cm.matrix.dtype, np.integer)
    assert cm.labels.tolist() == [0, 1, 2, 3]
    P, R, F, S = skm.precision_recall_fscore_support(t, p, zero_division=0)
    np.testing.assert_allclose(cm.precision, P, rtol=1e-12)
    np.testing.assert_allclose(cm.recall, R, rtol=1e-12)
    np.testing.assert_allclose(cm.f1, F, rtol=1e-12)
    np.testing.assert_array_equal(cm.support, S)
    assert cm.precision[3] == 0.0 and cm.recall[3] == 0.0 and cm.f1[3] == 0.0
    assert cm.accuracy == skm.accuracy_score(t, p)
    for digits in (2, 4):
        assert cm.report(digits) == skm.classification_report(t, p, digits=digits, zero_division=0)
    assert str(cm) == cm.report()


def test_confusion_matrix_rows_true_cols_pred_and_fit_order():
    cm = ClassificationMatrix().fit([1, 1, 1], [0, 1, 1])  # fit(y_pred, y_true)
    assert cm.matrix.tolist() == [[0, 1], [0, 2]]
    assert cm.support.tolist() == [1, 2]
    assert ClassificationMatrix is ConfusionMatrix


def test_confusion_matrix_onehot_and_probabilities_equal_labels():
    t, p = _random_labels(5, k_pred=4)
    ref = ConfusionMatrix().fit(p, t)
    rng = np.random.default_rng(0)
    probs = rng.random((len(p), 4)) * 0.5
    probs[np.arange(len(p)), p] += 1.0
    probs /= probs.sum(axis=1, keepdims=True)
    cm = ConfusionMatrix().fit(probs, _onehot(t, 4))
    np.testing.assert_array_equal(cm.matrix, ref.matrix)
    assert cm.report() == ref.report()


def test_confusion_matrix_onehot_keeps_classes_absent_from_both():
    cm = ConfusionMatrix().fit(_onehot([0, 0], 3), _onehot([0, 1], 3))
    assert cm.labels.tolist() == [0, 1, 2]
    assert cm.matrix.shape == (3, 3) and cm.support.tolist() == [1, 1, 0]


def test_confusion_matrix_string_labels_and_explicit_labels():
    t = ["cat", "dog", "dog", "bird"]
    p = ["cat", "cat", "dog", "dog"]
    cm = ConfusionMatrix().fit(p, t)
    assert cm.labels.tolist() == ["bird", "cat", "dog"]
    np.testing.assert_array_equal(cm.matrix, skm.confusion_matrix(t, p))
    cm2 = ConfusionMatrix().fit(p, t, labels=["dog", "cat", "bird", "fish"])
    np.testing.assert_array_equal(cm2.matrix, skm.confusion_matrix(t, p, labels=["dog", "cat", "bird", "fish"]))


def test_confusion_matrix_to_frame_matches_sklearn_dict():
    t, p = _random_labels(7)
    frame = ConfusionMatrix().fit(p, t).to_frame()
    ref = skm.classification_report(t, p, output_dict=True, zero_division=0)
    assert list(frame.columns) == ["precision", "recall", "f1-score", "support"]
    assert list(frame.index) == ["0", "1", "2", "3", "macro avg", "weighted avg"]
    for row in frame.index:
        for col in frame.columns:
            assert frame.loc[row, col] == pytest.approx(ref[row][col], rel=1e-12)


def test_classification_report_function_matches_sklearn():
    t, p = _random_labels(11, n=1000, k_true=10, k_pred=10)
    assert classification_report(t, p) == skm.classification_report(t, p, zero_division=0)
    assert classification_report(t, p, digits=3) == skm.classification_report(t, p, digits=3, zero_division=0)


def test_confusion_matrix_report_before_fit():
    with pytest.raises(ValueError, match=r"ConfusionMatrix.report: call fit\(y_pred, y_true\) first"):
        ConfusionMatrix().report()


def test_confusion_matrix_rejects_incomplete_labels():
    with pytest.raises(ValueError, match=r"ConfusionMatrix.fit: labels must contain every label .* missing \[2\]"):
        ConfusionMatrix().fit([0, 1], [0, 2], labels=[0, 1])


def test_confusion_matrix_rejects_duplicate_labels():
    with pytest.raises(ValueError, match=r"ConfusionMatrix.fit: labels must be distinct, got \[0, 0, 1\]"):
        ConfusionMatrix().fit([0, 1], [0, 1], labels=[0, 0, 1])


def test_confusion_matrix_rejects_row_mismatch():
    with pytest.raises(ValueError, match="ConfusionMatrix.fit: y_true and y_pred must have the same number of rows"):
        ConfusionMatrix().fit([0, 1, 1], [0, 1])


def test_report_rejects_negative_digits():
    with pytest.raises(ValueError, match="ConfusionMatrix.report: digits must be an int >= 0, got -1"):
        ConfusionMatrix().fit([0], [0]).report(-1)


def test_report_rejects_non_int_digits():
    with pytest.raises(TypeError, match="ConfusionMatrix.report: digits must be an int >= 0, got float 2.0"):
        ConfusionMatrix().fit([0], [0]).report(2.0)


# --------------------------------------------------------------------------- get_metric
def test_get_metric_names_class_and_instance():
    for spec in ("accuracy", "acc", " ACC "):
        m = get_metric(spec)
        assert isinstance(m, accuracy) and m.name == "accuracy"
    assert isinstance(get_metric(accuracy), accuracy)
    inst = accuracy()
    assert get_metric(inst) is inst
    assert get_metric("acc").compute([1, 0], [1, 1]) == 0.5


def test_get_metric_accepts_custom_metric_object():
    class Always:
        name = "always"

        def compute(self, y_true, y_pred):
            return 1.0

    assert get_metric(Always).name == "always"


def test_get_metric_unknown_name_lists_known():
    with pytest.raises(ValueError, match=r"get_metric: name_or_obj must be one of \['acc', 'accuracy'\], got 'f2'"):
        get_metric("f2")


def test_get_metric_rejects_other_objects():
    with pytest.raises(TypeError, match="get_metric: name_or_obj must be a metric name, a metric class or an instance.*got int"):
        get_metric(3)


def test_get_metric_rejects_class_without_compute():
    with pytest.raises(TypeError, match="get_metric: class dict has no compute"):
        get_metric(dict)

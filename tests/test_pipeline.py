"""Tests of neural_net.pipeline: onehot, scaler, shuffle and Batch."""
import doctest
import warnings

import numpy as np
import pytest

import neural_net.pipeline as pipeline
from neural_net.pipeline import Batch, onehot, scaler, shuffle


def test_docstring_examples_run():
    result = doctest.testmod(pipeline)
    assert result.attempted > 0
    assert result.failed == 0


# --------------------------------------------------------------------------- onehot
def test_onehot_column_input_like_iris_target():
    y = np.repeat([0, 1, 2], 50).reshape(-1, 1)
    Y = onehot(y)
    assert Y.shape == (150, 3)
    assert np.issubdtype(Y.dtype, np.integer)
    assert Y[:5].tolist() == [[1, 0, 0]] * 5
    assert (Y.sum(axis=1) == 1).all()
    assert (Y.argmax(axis=1) == y.ravel()).all()


def test_onehot_columns_follow_sorted_unique_labels():
    Y = onehot([3, 1, 2, 3])
    # columns are labels 1, 2, 3 in that order
    assert Y.tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]]


def test_onehot_1d_and_column_agree_and_strings_work():
    assert (onehot(np.array([5, 7, 5])) == onehot(np.array([[5], [7], [5]]))).all()
    assert onehot(["cat", "ant", "cat"]).tolist() == [[0, 1], [1, 0], [0, 1]]
    assert onehot(np.array([0.0, 2.0])).tolist() == [[1, 0], [0, 1]]


def test_onehot_rejects_nan():
    with pytest.raises(ValueError, match="onehot: y must not contain NaN"):
        onehot([0.0, np.nan, 1.0])


def test_onehot_rejects_empty():
    with pytest.raises(ValueError, match="onehot: y must hold at least one label"):
        onehot(np.array([], dtype=int))


def test_onehot_rejects_multi_column():
    with pytest.raises(ValueError, match=r"onehot: y must be 1-D or a column \(n, 1\), got shape \(3, 2\)"):
        onehot(np.zeros((3, 2)))


def test_onehot_rejects_3d():
    with pytest.raises(ValueError, match=r"got shape \(2, 1, 1\)"):
        onehot(np.zeros((2, 1, 1)))


def test_onehot_rejects_non_array():
    with pytest.raises(TypeError, match="onehot: y must be an array-like"):
        onehot(None)


# --------------------------------------------------------------------------- scaler
def test_scaler_standardises_columns():
    rng = np.random.default_rng(0)
    X = rng.normal(loc=[5.0, -3.0, 100.0], scale=[2.0, 0.1, 30.0], size=(200, 3))
    Z = scaler(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(Z, (X - X.mean(axis=0)) / X.std(axis=0), rtol=1e-12)


def test_scaler_returns_new_array_and_leaves_input_alone():
    X = np.array([[1.0, 2.0], [3.0, 6.0]])
    before = X.copy()
    Z = scaler(X)
    assert Z is not X
    assert (X == before).all()
    assert Z.tolist() == [[-1.0, -1.0], [1.0, 1.0]]


def test_scaler_constant_column_gives_zero_without_warning():
    X = np.array([[0.1, 1.0], [0.1, 2.0], [0.1, 3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Z = scaler(X)
    assert (Z[:, 0] == 0).all()
    np.testing.assert_allclose(Z[:, 1], [-1.224744871391589, 0.0, 1.224744871391589])


def test_scaler_dtypes():
    Z32 = scaler(np.array([[1, 4], [2, 5], [3, 9]], dtype=np.float32))
    assert Z32.dtype == np.float32
    np.testing.assert_allclose(Z32[:, 0], [-1.2247449, 0.0, 1.2247449], rtol=1e-6)
    assert scaler(np.arange(6).reshape(3, 2)).dtype == np.float64
    assert scaler(np.array([[True], [False]])).dtype == np.float64


def test_scaler_1d_is_one_column():
    z = scaler(np.array([1.0, 2.0, 3.0]))
    assert z.shape == (3,)
    np.testing.assert_allclose(z, [-1.224744871391589, 0.0, 1.224744871391589])
    assert scaler(np.array([2.0, 2.0, 2.0])).tolist() == [0.0, 0.0, 0.0]


def test_scaler_rejects_non_numeric():
    with pytest.raises(TypeError, match="scaler: X must hold numbers.*got dtype <U1"):
        scaler(np.array([["a"], ["b"]]))


def test_scaler_rejects_nan():
    with pytest.raises(ValueError, match="scaler: X must be finite"):
        scaler(np.array([[1.0], [np.nan]]))


def test_scaler_rejects_empty():
    with pytest.raises(ValueError, match=r"scaler: X must not be empty, got shape \(0, 3\)"):
        scaler(np.zeros((0, 3)))


def test_scaler_rejects_3d():
    with pytest.raises(ValueError, match=r"scaler: X must be 1-D .* got shape \(2, 2, 2\)"):
        scaler(np.zeros((2, 2, 2)))


# --------------------------------------------------------------------------- shuffle
def test_shuffle_keeps_rows_aligned_and_is_a_permutation():
    X = np.arange(40).reshape(20, 2)
    y = X[:, [0]] * 10
    Xs, ys = shuffle(X, y, seed=3)
    assert (ys == Xs[:, [0]] * 10).all()
    assert sorted(Xs[:, 0].tolist()) == X[:, 0].tolist()
    assert not (Xs == X).all()  # really reordered
    assert Xs.dtype == X.dtype and ys.shape == y.shape


def test_shuffle_seed_reproducible_and_generator_accepted():
    X = np.arange(50)
    a = shuffle(X, X, seed=7)[0]
    b = shuffle(X, X, seed=7)[0]
    c = shuffle(X, X, seed=8)[0]
    assert (a == b).all() and not (a == c).all()
    g = shuffle(X, X, seed=np.random.default_rng(7))[0]
    assert (g == a).all()


def test_shuffle_rejects_row_mismatch():
    with pytest.raises(ValueError, match="shuffle: X and y must have the same number of rows, got X 3 rows.*y 2 rows"):
        shuffle(np.zeros((3, 2)), np.zeros(2))


def test_shuffle_rejects_bad_seed_type():
    with pytest.raises(TypeError, match="shuffle: seed must be None, an int >= 0 or a numpy.random.Generator, got str"):
        shuffle([1, 2], [1, 2], seed="0")


def test_shuffle_rejects_negative_seed():
    with pytest.raises(ValueError, match="shuffle: seed .* got -1"):
        shuffle([1, 2], [1, 2], seed=-1)


def test_shuffle_rejects_scalar():
    with pytest.raises(ValueError, match="shuffle: X must have at least 1 dimension"):
        shuffle(3.0, [1])


# --------------------------------------------------------------------------- Batch
def _data(n=150, k=3):
    X = np.arange(n * 4, dtype=np.float64).reshape(n, 4)
    y = onehot(np.arange(n) % k)
    return X, y


def test_batch_as_used_in_the_tutorial():
    X, y = _data()
    batch = Batch(60, len(X), lambda: scaler(X), lambda: y)
    assert (batch.size, batch.n, batch.shuffle, batch.n_batches, len(batch)) == (60, 150, False, 3, 3)
    parts = list(batch)
    assert [len(Xb) for Xb, _ in parts] == [60, 60, 30]
    assert [len(yb) for _, yb in parts] == [60, 60, 30]
    np.testing.assert_array_equal(np.concatenate([Xb for Xb, _ in parts]), scaler(X))
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in parts]), y)


def test_batch_n_batches_is_ceil():
    f = lambda: np.zeros((10, 1))  # noqa: E731
    assert Batch(1, 10, f, f).n_batches == 10
    assert Batch(3, 10, f, f).n_batches == 4
    assert Batch(10, 10, f, f).n_batches == 1
    assert Batch(50, 10, f, f).n_batches == 1


def test_batch_data_calls_each_callable_once():
    X, y = _data(10)
    calls = {"X": 0, "y": 0}

    def X_fn():
        calls["X"] += 1
        return X

    def y_fn():
        calls["y"] += 1
        return y

    batch = Batch(4, 10, X_fn, y_fn)
    Xd, yd = batch.data()
    assert calls == {"X": 1, "y": 1}
    assert Xd.shape == (10, 4) and yd.shape == (10, 3)
    list(batch)
    assert calls == {"X": 2, "y": 2}  # one evaluation per pass, not per mini-batch


def test_batch_shuffle_fresh_permutation_each_pass_rows_aligned():
    n = 30
    X = np.arange(n).reshape(-1, 1)
    y = X * 10
    batch = Batch(7, n, lambda: X, lambda: y, shuffle=True, seed=0)
    orders = []
    for _ in range(2):
        parts = list(batch)
        assert [len(xb) for xb, _ in parts] == [7, 7, 7, 7, 2]
        for xb, yb in parts:
            assert (yb == xb * 10).all()
        order = np.concatenate([xb for xb, _ in parts]).ravel()
        assert sorted(order.tolist()) == list(range(n))
        orders.append(order)
    assert not (orders[0] == orders[1]).all()
    assert not (orders[0] == np.arange(n)).all()
    # same seed -> same sequence of passes
    again = Batch(7, n, lambda: X, lambda: y, shuffle=True, seed=0)
    assert (np.concatenate([xb for xb, _ in again]).ravel() == orders[0]).all()


def test_batch_data_rejects_wrong_rows():
    X, y = _data(10)
    with pytest.raises(ValueError, match=r"Batch.data: y_fn\(\) must return n=10 rows, got 9 rows"):
        Batch(4, 10, lambda: X, lambda: y[:9]).data()


def test_batch_rejects_zero_size():
    with pytest.raises(ValueError, match="Batch: size must be an int >= 1, got 0"):
        Batch(0, 10, lambda: 0, lambda: 0)


def test_batch_rejects_non_int_size():
    with pytest.raises(TypeError, match="Batch: size must be an int >= 1, got float 2.5"):
        Batch(2.5, 10, lambda: 0, lambda: 0)
    with pytest.raises(TypeError, match="Batch: size must be an int >= 1, got bool"):
        Batch(True, 10, lambda: 0, lambda: 0)


def test_batch_rejects_zero_n():
    with pytest.raises(ValueError, match="Batch: n must be an int >= 1, got 0"):
        Batch(5, 0, lambda: 0, lambda: 0)


def test_batch_rejects_non_callable():
    X = np.zeros((3, 1))
    with pytest.raises(TypeError, match="Batch: X_fn must be a callable.*got ndarray"):
        Batch(2, 3, X, lambda: X)


def test_batch_rejects_non_bool_shuffle():
    with pytest.raises(TypeError, match="Batch: shuffle must be a bool, got str"):
        Batch(2, 3, lambda: 0, lambda: 0, shuffle="yes")


def test_batch_rejects_bad_seed():
    with pytest.raises(TypeError, match="Batch: seed must be None"):
        Batch(2, 3, lambda: 0, lambda: 0, shuffle=True, seed=1.5)

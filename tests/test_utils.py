"""Tests of neural_net.utils: circles, bundled data sets, Pearson and bootstrap."""
import doctest
import pathlib
import sys
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import neural_net.utils as utils  # noqa: E402
from neural_net.utils import (  # noqa: E402
    Boostrap,
    Bootstrap,
    HouseDatasetDownloader,
    IrisDatasetDownloader,
    Pearson,
    make_circle_data,
)

CENTERS = [(-50, 0), (20, 30)]
RADII = [30, 35]


def test_docstring_examples_run():
    result = doctest.testmod(utils)
    assert result.attempted > 0
    assert result.failed == 0
    plt.close("all")


def test_no_pickle_in_sources():
    src = pathlib.Path(utils.__file__).read_text()
    assert "pickle" not in src


# --------------------------------------------------------------------------- circles
def test_circles_default_matches_tutorial_shapes_and_is_deterministic():
    X, y = make_circle_data(CENTERS, RADII)
    assert X.shape == (328, 2) and y.shape == (328, 1)
    assert X.dtype == np.float64 and np.issubdtype(y.dtype, np.integer)
    assert np.bincount(y.ravel()).tolist() == [164, 164]
    X2, y2 = make_circle_data(CENTERS, RADII)
    assert (X == X2).all() and (y == y2).all()
    X3, _ = make_circle_data(CENTERS, RADII, seed=1)
    assert not np.allclose(X, X3)


def test_circles_points_lie_in_their_circle():
    X, y = make_circle_data(CENTERS, RADII)
    for i, ((a, b), r) in enumerate(zip(CENTERS, RADII)):
        pts = X[y.ravel() == i]
        d = np.hypot(pts[:, 0] - a, pts[:, 1] - b)
        assert (d <= r).all()
        assert d.max() > 0.8 * r  # spread over the disc, not collapsed at the centre


def test_circles_uniform_over_area():
    # for a uniform disc, P(distance < R/sqrt(2)) = 1/2 and the mean is the centre
    X, _ = make_circle_data([(3, -4)], [10], n=20000, seed=5)
    d = np.hypot(X[:, 0] - 3, X[:, 1] + 4)
    assert abs((d < 10 / np.sqrt(2)).mean() - 0.5) < 0.015
    np.testing.assert_allclose(X.mean(axis=0), [3, -4], atol=0.15)


def test_circles_logistic_regression_reaches_100_percent():
    # the tutorial's plain gradient descent: alpha 0.1, 1000 epochs, raw coordinates
    X, y = make_circle_data(CENTERS, RADII)
    H = lambda X, t: 1 / (1 + np.exp(-X.dot(t)))  # noqa: E731
    Xc = np.c_[X, np.ones((len(X), 1))]
    theta = np.zeros((3, 1))
    for _ in range(1000):
        theta -= 0.1 * Xc.T.dot(H(Xc, theta) - y) / len(X)
    assert (((H(Xc, theta) > 0.5) + 0) == y).mean() == 1.0


def test_circles_n_forms_and_overlap_allowed():
    X, y = make_circle_data([(0, 0), (1, 0), (2, 0)], [5, 5, 5], n=[1, 2, 3], seed=None)
    assert y.ravel().tolist() == [0, 1, 1, 2, 2, 2]
    X, y = make_circle_data([(0, 0), (1, 0)], [5, 5], n=10, seed=np.random.default_rng(0))
    assert X.shape == (20, 2)


def test_circles_rejects_bad_centers_shape():
    with pytest.raises(ValueError, match=r"make_circle_data: centers must have shape \(k, 2\).*got shape \(2, 3\)"):
        make_circle_data([(0, 0, 0), (1, 1, 1)], [1, 1])


def test_circles_rejects_non_numeric_centers():
    with pytest.raises(TypeError, match="make_circle_data: centers must be a sequence of"):
        make_circle_data([("a", "b")], [1])


def test_circles_rejects_radii_count():
    with pytest.raises(ValueError, match=r"make_circle_data: radii must have one value per center, shape \(2,\), got shape \(3,\)"):
        make_circle_data(CENTERS, [1, 2, 3])


def test_circles_rejects_non_positive_radius():
    with pytest.raises(ValueError, match="make_circle_data: radii must be finite and > 0"):
        make_circle_data(CENTERS, [30, 0])


def test_circles_rejects_zero_n():
    with pytest.raises(ValueError, match="make_circle_data: n must be an int >= 1, got 0"):
        make_circle_data(CENTERS, RADII, n=0)


def test_circles_rejects_n_count():
    with pytest.raises(ValueError, match=r"make_circle_data: n must give one count per circle \(2\), got 3"):
        make_circle_data(CENTERS, RADII, n=[1, 2, 3])


def test_circles_rejects_float_n():
    with pytest.raises(TypeError, match="make_circle_data: n must be None, an int >= 1 or 2 ints, got float"):
        make_circle_data(CENTERS, RADII, n=10.0)


def test_circles_rejects_bad_seed():
    with pytest.raises(TypeError, match="make_circle_data: seed must be None"):
        make_circle_data(CENTERS, RADII, seed="zero")


# --------------------------------------------------------------------------- iris
def test_iris_attributes_match_tutorial_and_sklearn():
    from sklearn.datasets import load_iris

    iris = IrisDatasetDownloader()
    assert iris.data is None and iris.description is None
    assert iris.load_dataset() is iris
    assert iris.data.shape == (150, 4) and iris.data.dtype == np.float64
    assert iris.target.shape == (150, 1) and np.issubdtype(iris.target.dtype, np.integer)
    assert iris.target_names == ["setosa", "versicolor", "virginica"]
    assert iris.feature_names == ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
    assert iris.data[:5].tolist() == [[5.1, 3.5, 1.4, 0.2], [4.9, 3.0, 1.4, 0.2], [4.7, 3.2, 1.3, 0.2],
                                      [4.6, 3.1, 1.5, 0.2], [5.0, 3.6, 1.4, 0.2]]
    assert np.bincount(iris.target.ravel()).tolist() == [50, 50, 50]
    ref = load_iris()
    assert (iris.data == ref.data).all()
    assert (iris.target.ravel() == ref.target).all()
    assert "Iris plants dataset" in iris.description and "Fisher" in iris.description


# --------------------------------------------------------------------------- housing
def test_housing_attributes_and_ols_check():
    housing = HouseDatasetDownloader()
    assert housing.data is None
    assert housing.load_dataset() is housing
    assert housing.data.shape == (506, 14) and housing.data.dtype == np.float64
    assert housing.columns == ['CRIM', 'ZN', 'INDUS', 'CHAS', 'NOX', 'RM', 'AGE', 'DIS', 'RAD', 'TAX',
                               'PTRATIO', 'B', 'LSTAT', 'MEDV']
    assert housing.data[0].tolist() == [0.00632, 18, 2.31, 0, 0.538, 6.575, 65.2, 4.09, 1, 296, 15.3, 396.9, 4.98, 24]
    assert housing.data[-1, -1] == 11.9
    assert "Harrison" in housing.description and "MEDV" in housing.description
    # OLS of MEDV on LSTAT + intercept, as in the tutorial
    X = np.c_[housing.data[:, [-2]], np.ones((506, 1))]
    y = housing.data[:, [-1]]
    beta = np.linalg.inv(X.T @ X) @ X.T @ y
    np.testing.assert_allclose(beta.ravel(), [-0.95004935, 34.55384088], rtol=1e-7)
    eps = y - X @ beta
    r2 = 1 - (eps ** 2).sum() / ((y - y.mean()) ** 2).sum()
    assert abs(r2 - 0.5441462975864797) < 1e-10


def test_data_files_shipped_in_package():
    data_dir = pathlib.Path(utils.__file__).parent / "data"
    for name in ("iris.csv", "iris.rst", "boston_house_prices.csv", "boston_house_prices.rst"):
        assert (data_dir / name).is_file(), name


# --------------------------------------------------------------------------- Pearson
def _housing():
    return HouseDatasetDownloader().load_dataset()


def test_pearson_matches_pandas_and_uses_cols():
    h = _housing()
    frame = Pearson(h.data, cols=h.columns).corr()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.index) == h.columns and list(frame.columns) == h.columns
    ref = pd.DataFrame(h.data, columns=h.columns).corr()
    np.testing.assert_allclose(frame.to_numpy(), ref.to_numpy(), atol=1e-12)
    assert abs(frame.loc["LSTAT", "MEDV"] - (-0.7376627261740148)) < 1e-10
    np.testing.assert_array_equal(np.diag(frame), 1.0)


def test_pearson_default_cols_float32_and_dataframe_input():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3)).astype(np.float32)
    frame = Pearson(X).corr()
    assert list(frame.columns) == [0, 1, 2]
    assert (frame.dtypes == np.float32).all()
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    assert list(Pearson(df).corr().index) == ["a", "b", "c"]


def test_pearson_constant_column_is_nan_without_warning():
    X = np.c_[np.arange(5.0), np.full(5, 2.0), np.arange(5.0) ** 2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = Pearson(X).corr()
    assert frame[1].isna().all() and frame.loc[1].isna().all()
    assert frame.loc[0, 0] == 1.0
    assert 0.9 < frame.loc[0, 2] < 1.0


def test_pearson_heatmap_draws_and_returns_ax():
    h = _housing()
    fig, ax = plt.subplots()
    out = Pearson(h.data, cols=h.columns).heatmap(ax=ax, digits=2)
    assert out is ax
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 14 * 14
    assert texts[0] == "1.00"
    assert "-0.74" in texts  # LSTAT vs MEDV
    assert [t.get_text() for t in ax.get_xticklabels()] == h.columns
    assert len(fig.axes) == 2  # the heatmap and its colour bar
    plt.close(fig)
    fig, ax = plt.subplots()
    Pearson(h.data[:, :2]).heatmap(ax, digits=3)
    assert ax.texts[0].get_text() == "1.000"
    plt.close(fig)


def test_pearson_heatmap_without_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install neural-net-numpy\[plot\]"):
        Pearson(np.eye(3)).heatmap(object())


def test_pearson_heatmap_rejects_non_axes():
    with pytest.raises(TypeError, match="Pearson.heatmap: ax must be a matplotlib Axes, got str"):
        Pearson(np.eye(3)).heatmap("ax")


def test_pearson_heatmap_rejects_negative_digits():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="Pearson.heatmap: digits must be an int >= 0, got -1"):
        Pearson(np.eye(3)).heatmap(ax, digits=-1)
    plt.close(fig)


def test_pearson_rejects_1d():
    with pytest.raises(ValueError, match=r"Pearson: data must be 2-D \(n, p\), got shape \(5,\)"):
        Pearson(np.arange(5.0))


def test_pearson_rejects_single_row():
    with pytest.raises(ValueError, match=r"Pearson: data needs n >= 2 rows.*got shape \(1, 3\)"):
        Pearson(np.ones((1, 3)))


def test_pearson_rejects_non_numeric():
    with pytest.raises(TypeError, match="Pearson: data must hold numbers"):
        Pearson(np.array([["a", "b"], ["c", "d"]]))


def test_pearson_rejects_nan():
    with pytest.raises(ValueError, match="Pearson: data must be finite"):
        Pearson(np.array([[1.0, np.nan], [2.0, 3.0]]))


def test_pearson_rejects_wrong_cols_count():
    with pytest.raises(ValueError, match="Pearson: cols must name the 3 columns of data, got 2 names"):
        Pearson(np.eye(3), cols=["a", "b"])


# --------------------------------------------------------------------------- bootstrap
def test_bootstrap_yields_aligned_resamples_with_replacement():
    X = np.arange(50).reshape(-1, 1)
    y = X * 3 + 1
    boot = Boostrap((X, y), n_sample=20, seed=0)
    assert len(boot) == 20
    draws = list(boot)
    assert len(draws) == 20
    for xb, yb in draws:
        assert xb.shape == (50, 1) and yb.shape == (50, 1)
        assert (yb == xb * 3 + 1).all()
        assert set(xb.ravel()) <= set(X.ravel())
    # with replacement: duplicates occur (P(no duplicate in 50 draws of 50) ~ 3e-21)
    assert all(len(np.unique(xb)) < 50 for xb, _ in draws)
    assert Bootstrap is Boostrap


def test_bootstrap_reproducible_and_passes_differ():
    X = np.arange(30.0)
    a = [xb for (xb,) in Boostrap((X,), n_sample=3, seed=1)]
    b = [xb for (xb,) in Boostrap((X,), n_sample=3, seed=1)]
    assert all((u == v).all() for u, v in zip(a, b))
    boot = Boostrap((X,), n_sample=3, seed=1)
    first, second = list(boot), list(boot)
    assert not (first[0][0] == second[0][0]).all()


def test_bootstrap_standard_error_of_mean():
    # bootstrap means are centred on the sample mean with spread ~ s / sqrt(n)
    x = np.random.default_rng(0).normal(size=400)
    means = np.array([xb.mean() for (xb,) in Boostrap((x,), n_sample=2000, seed=2)])
    se = x.std() / np.sqrt(len(x))
    assert abs(means.mean() - x.mean()) < 0.2 * se
    assert 0.9 * se < means.std() < 1.1 * se


def test_bootstrap_ols_as_in_tutorial():
    h = _housing()
    X = np.c_[h.data[:, [-2]], np.ones((506, 1))]
    y = h.data[:, [-1]]
    coeffs = [np.linalg.inv(xn.T @ xn) @ xn.T @ yn for xn, yn in Boostrap((X, y), n_sample=300, seed=0)]
    coeffs = np.concatenate(coeffs, axis=1).T
    assert coeffs.shape == (300, 2)
    mean = coeffs.mean(axis=0)
    assert abs(mean[0] - (-0.950)) < 0.03 and abs(mean[1] - 34.55) < 0.3
    assert 0.02 < coeffs[:, 0].std() < 0.1  # the slope really varies across resamples


def test_bootstrap_rejects_bare_array():
    with pytest.raises(TypeError, match=r"Boostrap: data must be a tuple of arrays such as \(X, y\).*got ndarray"):
        Boostrap(np.zeros((5, 2)))


def test_bootstrap_rejects_row_mismatch():
    with pytest.raises(ValueError, match=r"Boostrap: every array in data must have the same number of rows, got \[5, 4\]"):
        Boostrap((np.zeros((5, 2)), np.zeros(4)))


def test_bootstrap_rejects_empty_tuple():
    with pytest.raises(ValueError, match="Boostrap: data must hold at least one array"):
        Boostrap(())


def test_bootstrap_rejects_zero_samples():
    with pytest.raises(ValueError, match="Boostrap: n_sample must be an int >= 1, got 0"):
        Boostrap((np.zeros(3),), n_sample=0)

"""Tests of neural_net.plotting on the Agg backend: the lines, images and points drawn carry
exactly the data given; matplotlib is only imported when a plot is asked for."""
from __future__ import annotations

import doctest
import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from neural_net import plotting  # noqa: E402
from neural_net.architecture import Sequential  # noqa: E402
from neural_net.callbacks import History  # noqa: E402
from neural_net.layers import Activation, Dense, Fullyconnected  # noqa: E402
from neural_net.plotting import compare_histories, plot_decision_boundary, plot_history  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def make_history(n=5, start=1):
    h = History()
    for i in range(n):
        h.append(start + i, {"loss": 1.0 / (i + 1), "accuracy": 0.5 + 0.1 * i, "val_loss": 1.2 / (i + 1),
                             "val_accuracy": 0.4 + 0.1 * i, "lr": 0.1})
    return h


def lines_by_label(ax):
    return {line.get_label(): line for line in ax.lines}


def test_docstring_examples_run():
    result = doctest.testmod(plotting)
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize("obj", [plot_history, plot_decision_boundary, compare_histories])
def test_public_functions_have_docstring_with_example(obj):
    assert obj.__doc__ and ">>>" in obj.__doc__


# ----------------------------------------------------------------------------- plot_history
def test_plot_history_losses_and_metrics_on_two_axes_with_the_right_data():
    h = make_history(start=3)   # a History of a second fit: epochs 3..7
    loss_ax, metric_ax = plot_history(h)
    losses, metrics = lines_by_label(loss_ax), lines_by_label(metric_ax)
    assert set(losses) == {"loss", "val_loss"} and set(metrics) == {"accuracy", "val_accuracy"}
    for ax_lines in (losses, metrics):
        for key, line in ax_lines.items():
            np.testing.assert_array_equal(line.get_xdata(), h.epoch)
            np.testing.assert_array_equal(line.get_ydata(), h.history[key])
    assert losses["val_loss"].get_linestyle() == "--" and losses["loss"].get_linestyle() == "-"
    assert losses["val_loss"].get_color() == losses["loss"].get_color()
    assert loss_ax.get_xlabel() == "epoch" and loss_ax.get_legend() is not None
    assert loss_ax.figure is metric_ax.figure


def test_plot_history_of_a_fit_and_of_a_model():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0], [1], [1], [1]])
    model = Sequential([Dense(1, "sigmoid", input_dim=2)], "bce", seed=0).compile("sgd", metrics=["accuracy"])
    hist = model.fit(X, y, epochs=4, verbose=0)
    loss_ax, _ = plot_history(hist)
    np.testing.assert_array_equal(lines_by_label(loss_ax)["loss"].get_ydata(), hist.history["loss"])
    (loss_ax2, _) = plot_history(model)   # the model's whole-life history
    np.testing.assert_array_equal(lines_by_label(loss_ax2)["loss"].get_xdata(), [1, 2, 3, 4])
    assert hist.plot()[0].lines   # History.plot delegates here


def test_plot_history_of_a_dict_counts_epochs_from_one():
    (ax,) = plot_history({"loss": [3.0, 2.0, 1.0]})
    line = ax.lines[0]
    assert line.get_xdata().tolist() == [1, 2, 3] and line.get_ydata().tolist() == [3.0, 2.0, 1.0]


def test_plot_history_on_a_given_axes_and_pair():
    h = make_history()
    fig, ax = plt.subplots()
    assert plot_history(h, ax=ax) == [ax]
    assert set(lines_by_label(ax)) == {"loss", "val_loss", "accuracy", "val_accuracy"}
    fig, (a1, a2) = plt.subplots(1, 2)
    assert plot_history(h, ax=(a1, a2)) == [a1, a2]
    assert set(lines_by_label(a1)) == {"loss", "val_loss"} and set(lines_by_label(a2)) == {"accuracy", "val_accuracy"}
    with pytest.raises(ValueError, match="ax"):
        plot_history(h, ax=[a1, a2, a1])


def test_plot_history_keys_selects_curves_and_can_show_lr():
    h = make_history()
    axes = plot_history(h, keys=["loss", "lr"])
    assert [line.get_label() for line in axes[0].lines] == ["loss"]
    assert [line.get_label() for line in axes[1].lines] == ["lr"]
    assert "lr" not in {line.get_label() for ax in plot_history(h) for line in ax.lines}
    with pytest.raises(KeyError, match="nope"):
        plot_history(h, keys=["nope"])


def test_plot_history_only_losses_gives_one_axes():
    h = History()
    h.append(1, {"loss": 1.0})
    axes = plot_history(h)
    assert len(axes) == 1 and len(axes[0].figure.axes) == 1


def test_plot_history_rejects_other_objects():
    with pytest.raises(TypeError, match="history"):
        plot_history([1, 2, 3])


# ----------------------------------------------------------------------------- plot_decision_boundary
def test_plot_decision_boundary_binary_grid_matches_predictions():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    net = Sequential([Fullyconnected(2, 1, W=np.array([[1.0], [1.0], [0.0]])), Activation("σ")], "bce")
    ax = plot_decision_boundary(net, X, y, resolution=30)
    grid = np.asarray(ax.images[0].get_array())
    assert grid.shape == (30, 30)
    x0, x1, y0, y1 = ax.images[0].get_extent()
    gx = np.linspace(*ax.get_xlim(), 30)
    gy = np.linspace(*ax.get_ylim(), 30)
    expected = (gx[None, :] + gy[:, None] > 0).astype(int)   # rows are y (origin lower), columns x
    boundary = np.abs(gx[None, :] + gy[:, None]) < 1e-12
    np.testing.assert_array_equal(grid[~boundary], expected[~boundary])
    assert x0 < X[:, 0].min() and x1 > X[:, 0].max() and y0 < X[:, 1].min() and y1 > X[:, 1].max()
    offsets = ax.collections[0].get_offsets()
    np.testing.assert_array_equal(np.asarray(offsets), X)
    np.testing.assert_array_equal(ax.collections[0].get_array(), y)


def test_plot_decision_boundary_multiclass_argmax_and_onehot_labels():
    X = np.array([[-1.0, -1.0], [1.0, -1.0], [0.0, 1.0]])
    y = np.eye(3)
    W = np.array([[-1.0, 1.0, 0.0], [-1.0, -1.0, 2.0], [0.0, 0.0, 0.0]])
    net = Sequential([Fullyconnected(2, 3, W=W), Activation("softmax")], "cross_entropy")
    fig, ax = plt.subplots()
    assert plot_decision_boundary(net, X, y, ax=ax, resolution=7) is ax
    grid = np.asarray(ax.images[0].get_array())
    gx, gy = np.meshgrid(np.linspace(*ax.get_xlim(), 7), np.linspace(*ax.get_ylim(), 7))
    expected = net.predict(np.column_stack([gx.ravel(), gy.ravel()])).argmax(axis=1).reshape(7, 7)
    np.testing.assert_array_equal(grid, expected)
    assert set(np.unique(grid)) == {0, 1, 2}
    np.testing.assert_array_equal(ax.collections[0].get_array(), [0, 1, 2])


def test_plot_decision_boundary_trained_model():
    from neural_net.utils import make_circle_data

    X, y = make_circle_data([(-50, 0), (20, 30)], [30, 35], n=40)
    Xs = (X - X.mean(0)) / X.std(0)
    net = Sequential([Dense(1, "sigmoid", input_dim=2)], "bce", seed=0).compile("sgd")
    net.train(Xs, y, epochs=300, α=1.0, verbose=False)
    ax = plot_decision_boundary(net, Xs, y, resolution=50)
    grid = np.asarray(ax.images[0].get_array())
    assert set(np.unique(grid)) == {0, 1}


@pytest.mark.parametrize("X,kwargs,match", [
    (np.zeros((4, 3)), {}, r"shape \(n, 2\)"),
    (np.zeros((4, 2)), {"resolution": 1}, "resolution"),
    (np.zeros((4, 2)), {"y": np.zeros(3)}, "y must have 4 rows"),
])
def test_plot_decision_boundary_bad_inputs(X, kwargs, match):
    net = Sequential([Dense(1, "sigmoid", input_dim=2)], "bce", seed=0)
    with pytest.raises(ValueError, match=match):
        plot_decision_boundary(net, X, **{"y": None, **kwargs})


# ----------------------------------------------------------------------------- compare_histories
def test_compare_histories_one_line_per_run_with_the_key_values():
    h1, h2 = make_history(4), make_history(6)
    h2.history["val_loss"] = [v / 2 for v in h2.history["val_loss"]]
    ax = compare_histories({"sgd": h1, "adam": h2}, key="val_loss")
    assert [line.get_label() for line in ax.lines] == ["sgd", "adam"]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), h1.history["val_loss"])
    np.testing.assert_array_equal(ax.lines[1].get_ydata(), h2.history["val_loss"])
    np.testing.assert_array_equal(ax.lines[1].get_xdata(), h2.epoch)
    assert ax.get_ylabel() == "val_loss" and ax.get_legend() is not None


def test_compare_histories_of_real_fits_on_given_axes():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0], [1], [1], [1]])
    runs = {}
    for name in ("sgd", "adam", "rmsprop"):
        model = Sequential([Dense(2, "tanh", input_dim=2), Dense(1, "sigmoid")], "bce", seed=1).compile(name)
        runs[name] = model.fit(X, y, epochs=5, verbose=0)
    fig, ax = plt.subplots()
    assert compare_histories(runs, ax=ax) is ax
    for line, (name, h) in zip(ax.lines, runs.items()):
        assert line.get_label() == name
        np.testing.assert_array_equal(line.get_ydata(), h.history["loss"])


def test_compare_histories_takes_what_the_store_returns(db_url):
    """The frame of db.history / StoredRun.history() and the StoredRun itself (issue 11)."""
    import neural_net.db as db

    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0], [1], [1], [1]])
    nets = {}
    for name in ("sgd", "adam"):
        net = Sequential([Dense(2, "tanh", input_dim=2), Dense(1, "sigmoid")], "bce", seed=1, store=db_url,
                         name=name).compile(name, metrics=["accuracy"])
        net.fit(X, y, epochs=4, verbose=0)
        nets[name] = net
    frames = {n: db.history(db_url, net["id"]) for n, net in nets.items()}
    stored = {n: db.open_run(db_url, net["id"]) for n, net in nets.items()}
    picked = db.runs(db_url, order_by="name")
    from_runs = {r.name: db.open_run(db_url, r.run_id) for r in picked.itertuples()}
    for given in (frames, stored, from_runs):
        ax = compare_histories(given, key="accuracy")
        assert sorted(line.get_label() for line in ax.lines) == ["adam", "sgd"]
        for line in ax.lines:
            h = nets[line.get_label()].history
            np.testing.assert_allclose(line.get_ydata(), h.history["accuracy"])
            assert line.get_xdata().tolist() == [1, 2, 3, 4]
        plt.close("all")
    import pandas as pd

    resumed = pd.DataFrame({"epoch": [5, 6], "loss": [0.5, 0.25]})  # an 'epoch' column: x from it
    line = compare_histories({"r": resumed}).lines[0]
    assert line.get_xdata().tolist() == [5, 6] and line.get_ydata().tolist() == [0.5, 0.25]
    with pytest.raises(ValueError, match="epoch"):
        compare_histories({"r": pd.DataFrame({"loss": [1.0]})})
    with pytest.raises(ValueError, match="numbers"):
        compare_histories({"r": pd.DataFrame({"epoch": [1], "loss": ["high"]})})


def test_compare_histories_bad_inputs():
    with pytest.raises(KeyError, match="accuracy"):
        compare_histories({"a": {"loss": [1.0]}}, key="accuracy")
    with pytest.raises(TypeError, match="histories"):
        compare_histories([{"loss": [1.0]}])
    with pytest.raises(TypeError, match="histories"):
        compare_histories({})


# ----------------------------------------------------------------------------- lazy import
def test_neural_net_does_not_import_matplotlib():
    code = ("import sys, neural_net, neural_net.architecture, neural_net.callbacks, neural_net.plotting; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_matplotlib_raises_import_error_with_install_hint(monkeypatch):
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install neural-net-numpy\[plot\]"):
        plot_history({"loss": [1.0]})
    with pytest.raises(ImportError, match=r"neural-net-numpy\[plot\]"):
        compare_histories({"a": {"loss": [1.0]}})

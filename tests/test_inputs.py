"""Inputs that used to slip through or get a foreign error (issue 10 §2).

Each bad input gets the library's own TypeError/ValueError naming the argument, before any
state or row is touched: targets of CrossEntropy that are not distributions, ragged lists,
a text ``validation_split``, bad seeds, names (run, metric, parameter) outside the one rule of
:func:`neural_net.checks.check_name`, and keyword arguments nobody takes.
"""
from __future__ import annotations

import numpy as np
import pytest

from neural_net.activation import LeakyReLU, ReLU
from neural_net.architecture import Sequential
from neural_net.checks import MAX_NAME_LENGTH, check_name
from neural_net.cost import CrossEntropy, MSE
from neural_net.init_funcs import zeros
from neural_net.layers import Activation, Dense, Fullyconnected


def softmax_net(**kw):
    return Sequential([Fullyconnected(2, 3, zeros), Activation("softmax")], CrossEntropy, **kw)


X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])


@pytest.mark.parametrize("y", [np.ones((4, 3)), np.zeros((4, 3)), np.full((4, 3), 0.5)])
def test_cross_entropy_refuses_rows_that_are_not_distributions(y):
    net = softmax_net()
    before = net.get_weights()
    with pytest.raises(ValueError, match=r"^y must hold rows that sum to 1 .* for CrossEntropy, got row 0"):
        net.train(X, y, epochs=1, verbose=False)
    with pytest.raises(ValueError, match="y must hold rows that sum to 1"):
        net.compile("sgd").fit(X, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="y must hold rows that sum to 1"):
        net.evaluate(X, y)
    assert all(np.array_equal(a, b) for a, b in zip(before, net.get_weights()))


def test_cross_entropy_accepts_one_hot_soft_and_float32_rows():
    soft = np.array([[0.2, 0.3, 0.5], [1 / 3, 1 / 3, 1 / 3], [0, 1, 0], [1, 0, 0]])
    softmax_net().train(X, soft, epochs=1, verbose=False)
    softmax_net().train(X.astype(np.float32), soft.astype(np.float32), epochs=1, verbose=False)


def test_ragged_lists_are_the_library_error():
    net = softmax_net()
    with pytest.raises(ValueError, match=r"^X must be a rectangular 2-D array"):
        net.train([[0.0, 1.0], [1.0]], np.eye(3)[:2], epochs=1, verbose=False)
    with pytest.raises(ValueError, match=r"^y must be a rectangular 2-D array"):
        net.train(X[:2], [[1, 0, 0], [0, 1]], epochs=1, verbose=False)
    with pytest.raises(ValueError, match=r"^X must be a rectangular"):
        net.predict([[0.0, 1.0], [1.0]])


@pytest.mark.parametrize("split,error", [("0.2", TypeError), (None, TypeError), (float("nan"), ValueError),
                                         (1.0, ValueError)])
def test_validation_split_is_checked_by_name(split, error):
    net = softmax_net().compile("sgd")
    with pytest.raises(error, match=r"^validation_split must be a number in \[0, 1\)"):
        net.fit(X, np.eye(3)[[0, 1, 2, 0]], epochs=1, validation_split=split, verbose=0)


@pytest.mark.parametrize("seed,error,match", [
    ("abc", TypeError, "seed must be None, an int >= 0 or a numpy.random.Generator, got str 'abc'"),
    (-1, ValueError, "seed must be None, an int >= 0 or a numpy.random.Generator, got -1"),
    (1.5, TypeError, "seed must be None"),
    (True, TypeError, "seed must be None")])
def test_seed_is_checked_by_name(seed, error, match):
    with pytest.raises(error, match=match):
        softmax_net(seed=seed)


BAD_NAMES = [
    (["a", "list"], TypeError, "name must be a str, got"),
    (5, TypeError, "name must be a str, got 5"),
    ("", ValueError, "name must be a non-empty str"),
    ("x" * (MAX_NAME_LENGTH + 1), ValueError, f"name must be at most {MAX_NAME_LENGTH} characters long, got 101"),
    ("a\x00b", ValueError, "name must not hold control characters"),
    ("tab\there", ValueError, "name must not hold control characters"),
]


@pytest.mark.parametrize("name,error,match", BAD_NAMES)
def test_run_names_follow_one_rule_before_anything_is_written(tmp_path, name, error, match):
    target = tmp_path / "runs.db"
    with pytest.raises(error, match=match):
        softmax_net(store=str(target), name=name)
    assert not target.exists()
    with pytest.raises(error, match=match):
        softmax_net(store=True, name=name)
    assert not (tmp_path / "run").exists() or not list((tmp_path / "run").iterdir())


def test_a_name_at_the_limit_is_stored_and_read_back(db_url):
    from neural_net.db import load_model, run_info

    name = "é" * MAX_NAME_LENGTH
    net = softmax_net(store=db_url, name=name)
    net.train(X, np.eye(3)[[0, 1, 2, 0]], epochs=1, verbose=False)
    assert run_info(db_url, net["id"])["run_name"] == name
    assert load_model(db_url, net["id"]).run_name == name


class LongNamed:
    name = "m" * (MAX_NAME_LENGTH - 3)

    def compute(self, y, p):
        return 0.0


def test_metric_names_follow_the_rule_with_their_val_prefix():
    net = softmax_net()
    with pytest.raises(ValueError, match=r"metrics\[0\]: name \(with the 'val_' prefix of validation\) must be at most"):
        net.compile("sgd", metrics=[LongNamed()])
    bad = LongNamed()
    bad.name = "acc\x00"
    with pytest.raises(ValueError, match=r"metrics\[0\]: name must not hold control characters"):
        net.train(X, np.eye(3)[[0, 1, 2, 0]], epochs=1, metrics=bad, verbose=False)


def test_parameter_names_follow_the_rule(tmp_path):
    from neural_net.sweep import expand_grid, sweep

    net = softmax_net(store="sqlite://")
    with pytest.raises(ValueError, match="record_params: parameter name must not hold control characters"):
        net.store.record_params({"units\x00": 3})
    with pytest.raises(ValueError, match="parameter name must be at most"):
        expand_grid({"u" * 101: [1]})
    target = tmp_path / "sweep.db"
    with pytest.raises(ValueError, match="name must not hold control characters"):
        sweep(lambda: softmax_net(), {"a": [1]}, X, np.eye(3)[[0, 1, 2, 0]], name="s\n", store=str(target))
    assert not target.exists()


def test_check_name_returns_good_names():
    assert check_name("iris[3]", "name") == "iris[3]"


def test_keyword_arguments_are_passed_on_or_refused_never_dropped():
    fc, act = Dense(3, activation="leaky_relu", alpha=0.3, input_dim=2).expand(None)
    assert act.func.α == 0.3
    assert Dense(3, activation="leaky_relu", α=0.2, input_dim=2).expand(None)[1].func.α == 0.2
    assert Activation(LeakyReLU, alpha=0.4).func.α == 0.4
    with pytest.raises(ValueError, match="LeakyReLU: give α once"):
        LeakyReLU(0.1, alpha=0.3)
    with pytest.raises(TypeError, match=r"ReLU: unknown keyword arguments \['alpha'\] \(it takes no parameters\)"):
        Dense(3, activation="relu", alpha=0.3)
    with pytest.raises(TypeError, match=r"Dense: unknown keyword arguments \['alpha'\]"):
        Dense(3, alpha=0.3)
    with pytest.raises(TypeError, match=r"ReLU: unknown keyword arguments \['slope'\]"):
        Activation(ReLU, slope=2)
    with pytest.raises(TypeError, match=r"LeakyReLU: unknown keyword arguments \['beta'\] \(it takes α\)"):
        LeakyReLU(beta=1)
    with pytest.raises(TypeError):
        MSE(reduction="sum")

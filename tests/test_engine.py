"""The seed tutorial's engine API, its values, dtype handling and bad-input errors."""
import numpy as np
import pytest

from neural_net.activation import ELU, LeakyReLU, ReLU, Softmax, Tanh, Σ, σ
from neural_net.architecture import Sequential
from neural_net.cost import BinaryCrossEntropy, CrossEntropy
from neural_net.init_funcs import XavierHe, zeros
from neural_net.layers import Activation, Dense, Fullyconnected
from neural_net.metrics import accuracy
from neural_net.model import Define
from neural_net.pipeline import onehot

z = np.linspace(-6, 6, 1001)


def test_activation_values_are_the_maths():
    s, t = σ(), Tanh()
    np.testing.assert_allclose(s.compute(z), 1 / (1 + np.exp(-z)), rtol=1e-15)
    np.testing.assert_allclose(t.compute(z), np.tanh(z), rtol=1e-15)
    assert np.abs(t.preds).max() < 1  # the seed printed ±2: a bug not copied
    np.testing.assert_allclose(s.preds[[0, -1]], [0.00247262, 0.99752738], atol=1e-8)
    np.testing.assert_allclose(s.pr(), s.preds * (1 - s.preds))
    np.testing.assert_allclose(t.pr(), 1 - np.tanh(z) ** 2)
    r = ReLU()
    np.testing.assert_array_equal(r.compute(z), np.maximum(z, 0))
    np.testing.assert_array_equal(r.pr(), (z > 0).astype(float))
    e, lr = ELU(α=1), LeakyReLU(α=.1)
    np.testing.assert_allclose(e.compute(z), np.where(z >= 0, z, np.exp(z) - 1))
    np.testing.assert_allclose(lr.compute(z), np.where(z >= 0, z, .1 * z))
    np.testing.assert_allclose(e.pr(), np.where(z > 0, 1, np.exp(z)))
    np.testing.assert_allclose(lr.pr(), np.where(z > 0, 1, .1))
    sm = Softmax().compute(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(sm, [np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum()])


def test_compute_without_out_leaves_its_argument_alone():
    for f in (σ(), Tanh(), ReLU(), LeakyReLU(), ELU(), Softmax()):
        a = z.reshape(-1, 7)[:, :]
        before = a.copy()
        f.compute(a)
        np.testing.assert_array_equal(a, before)


def test_initializers_follow_the_seed_table():
    np.testing.assert_array_equal(zeros(2, 1), np.zeros((3, 1)))
    assert zeros(2, 1, biais=False).shape == (2, 1)
    rng = np.random.default_rng(0)
    n = 200_000
    for act, gain in [("Sigmoid", 1), ("Tanh", 4), ("ReLU", np.sqrt(2))]:
        w = XavierHe("Normal", act).init_func(n, 1, biais=False, rng=rng)
        assert w.std() == pytest.approx(gain * np.sqrt(2 / (n + 1)), rel=0.01)
        u = XavierHe("Uniform", act).init_func(n, 1, biais=False, rng=rng)
        r = gain * np.sqrt(6 / (n + 1))
        assert u.min() >= -r and u.max() <= r and u.max() > 0.99 * r
    assert XavierHe("Normal", "ReLU").init_func(2, 1).shape == (3, 1)


def test_define_identity_mapping_and_names():
    fc = Fullyconnected(n_in=2, n_out=1, init_method=zeros)
    assert (repr(fc), str(fc)) == ("Fullyconnected", "Layer")
    assert fc["id"] == fc.id["id"] == fc.id["Layer_id"]
    assert {"n_in", "n_out", "init_method", "func", "steps", "self", "name"} <= fc.id.keys()
    lin = fc.func
    assert (repr(lin), str(lin)) == ("Σ", "Neurons") and isinstance(lin, Σ)
    assert lin.id["Layer_id"] == fc["id"] and lin.id["Layer_name"] == "Fullyconnected"
    assert lin.W.shape == (3, 1)
    act = Activation(func=σ)
    assert (repr(act), str(act), act.id["kargs"]) == ("Activation", "Layer", ())
    net = Sequential([Fullyconnected(2, 10, zeros), Activation(σ), Fullyconnected(10, 1, zeros), Activation(σ)],
                     BinaryCrossEntropy)
    assert (repr(net), str(net)) == ("Sequential", "Architecture")
    assert list(net.id.keys()) == ["id", "Architecture_id", "name", "self", "steps", "cost", "store"]
    assert [repr(s) for s in net["steps"]] == ["Fullyconnected", "Activation", "Fullyconnected", "Activation"]
    assert repr(net["cost"]) == "BinaryCrossEntropy" and [repr(l) for l in net] == [repr(s) for s in net["steps"]]
    ids = {net["id"], *(s["id"] for s in net), *(s.func["id"] for s in net)}
    assert len(ids) == 9 and all(0 < i < 2**63 for i in ids)


def test_seed_predict_and_looping_over_layers():
    X = np.random.default_rng(0).uniform(-100, 100, (300, 2))
    net = Sequential([Fullyconnected(2, 50, zeros), Activation(σ), Fullyconnected(50, 2, zeros), Activation(σ)],
                     BinaryCrossEntropy)
    out = X
    for layer in net:
        out = layer.func.compute(out)
    np.testing.assert_array_equal(out, np.full((300, 2), 0.5))
    net.predict(X)
    assert net.out.shape == (300, 2)


def circles():
    from neural_net.utils import make_circle_data
    return make_circle_data([(-50, 0), (20, 30)], [30, 35])


def test_logistic_regression_chain_rule_equals_analytic_gradient():
    X, y = circles()
    Xc = np.c_[X, np.ones((len(X), 1))]
    analytic = 1 / len(X) * Xc.T.dot(1 / (1 + np.exp(-Xc.dot(np.zeros((3, 1))))) - y)
    net = Sequential([Fullyconnected(2, 1, zeros), Activation(σ)], BinaryCrossEntropy)
    net.predict(X)
    net["cost"].compute(y, net.out)
    p1 = net["steps"][-1].func.grad(net["cost"].pr())
    net["steps"][-2].func.grad(p1)
    np.testing.assert_allclose(-net["steps"][-2].func.W, analytic, rtol=1e-12, atol=1e-15)


def test_softmax_regression_chain_rule_equals_analytic_gradient():
    X, y = circles()
    Y = onehot(y)
    Xc = np.c_[X, np.ones((len(X), 1))]
    analytic = 1 / len(X) * Xc.T.dot(np.full(Y.shape, 0.5) - Y)
    net = Sequential([Fullyconnected(2, 2, zeros), Activation(Softmax)], CrossEntropy)
    net.predict(X)
    assert net["cost"].compute(Y, net.out) == pytest.approx(np.log(2))
    net.update(net["cost"].pr())
    np.testing.assert_allclose(-net["steps"][-2].func.W, analytic, rtol=1e-12, atol=1e-15)


def test_train_equals_analytic_gradient_descent_and_separates_circles():
    X, y = circles()
    Xc = np.c_[X, np.ones((len(X), 1))]
    θ = np.zeros((3, 1))
    for _ in range(1000):
        θ -= 0.1 * (1 / len(X) * Xc.T.dot(1 / (1 + np.exp(-Xc.dot(θ))) - y))
    net = Sequential([Fullyconnected(2, 1, zeros), Activation(σ)], BinaryCrossEntropy)
    net.train(X, y, epochs=1000, α=0.1, metrics=accuracy, verbose=False)
    np.testing.assert_allclose(net["steps"][-2].func.W, θ, rtol=1e-9)
    assert net.history.history["accuracy"][-1] == 1.0
    assert len(net.history.history["loss"]) == 1000 and net.epoch == 1000


def test_float32_trains_in_float32_end_to_end():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3)).astype(np.float32)
    y = onehot(rng.integers(0, 3, 64))
    net = Sequential([Fullyconnected(3, 8, XavierHe("Normal", "ReLU").init_func), Activation(ReLU),
                      Fullyconnected(8, 3, zeros), Activation(Softmax)], CrossEntropy)
    net.train(X, y, epochs=3, α=0.1, verbose=False)
    assert all(s.func.W.dtype == np.float32 for s in net if isinstance(s, Fullyconnected))
    assert net.predict(X).dtype == np.float32
    assert np.isfinite(net.history.history["loss"]).all()


def test_define_store_flag_is_off_by_default():
    assert Define.storing_by_default() is False
    net = Sequential([Fullyconnected(2, 1, zeros), Activation(σ)], BinaryCrossEntropy)
    with pytest.raises(RuntimeError, match="store=True"):
        net.updateW()


# ----- bad input: one test per kind -------------------------------------------------------
@pytest.fixture
def net():
    return Sequential([Fullyconnected(2, 3, zeros), Activation(Softmax)], CrossEntropy)


def test_wrong_number_of_columns(net):
    with pytest.raises(ValueError, match=r"X must have 2 columns.*\(4, 3\)"):
        net.train(np.zeros((4, 3)), onehot([0, 1, 2, 0]), epochs=1, verbose=False)


def test_rows_of_y_differ_from_rows_of_X(net):
    with pytest.raises(ValueError, match=r"y must have as many rows as X \(4\)"):
        net.train(np.zeros((4, 2)), onehot([0, 1, 2]), epochs=1, verbose=False)


def test_onehot_width_differs_from_outputs(net):
    with pytest.raises(ValueError, match=r"y must have 3 columns.*\(4, 2\)"):
        net.train(np.zeros((4, 2)), onehot([0, 1, 1, 0]), epochs=1, verbose=False)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_X_or_y(net, bad):
    X = np.zeros((3, 2))
    X[1, 1] = bad
    with pytest.raises(ValueError, match="X must be finite"):
        net.train(X, onehot([0, 1, 2]), epochs=1, verbose=False)
    y = np.eye(3)
    y[0, 0] = bad
    with pytest.raises(ValueError, match="y must be finite"):
        net.train(np.zeros((3, 2)), y, epochs=1, verbose=False)


def test_empty_arrays(net):
    with pytest.raises(ValueError, match="X must not be empty"):
        net.predict(np.zeros((0, 2)))


def test_non_numeric_dtype(net):
    with pytest.raises(TypeError, match="X must hold numbers.*<U1"):
        net.predict(np.array([["a", "b"]]))
    with pytest.raises(TypeError, match="X must be a numeric array"):
        net.predict("not an array")


def test_labels_outside_unit_interval_for_bce():
    net = Sequential([Fullyconnected(2, 1, zeros), Activation(σ)], BinaryCrossEntropy)
    with pytest.raises(ValueError, match=r"y must hold labels in \[0, 1\]"):
        net.train(np.zeros((3, 2)), np.array([[0], [1], [2]]), epochs=1, verbose=False)


@pytest.mark.parametrize("kw,match", [({"epochs": 0}, "epochs must be an integer ≥ 1"),
                                      ({"epochs": -3}, "epochs must be an integer ≥ 1"),
                                      ({"epochs": 1.5}, "epochs must be an integer ≥ 1")])
def test_epochs_not_positive(net, kw, match):
    with pytest.raises((ValueError, TypeError), match=match):
        net.train(np.zeros((3, 2)), np.eye(3), verbose=False, **kw)


def test_batch_size_not_positive(net):
    net.compile("sgd", "categorical_crossentropy")
    with pytest.raises(ValueError, match="batch_size must be an integer ≥ 1, got 0"):
        net.fit(np.zeros((3, 2)), np.eye(3), batch_size=0, verbose=0)


def test_unknown_initializer_and_activation_names():
    with pytest.raises(ValueError, match="distribution must be one of"):
        XavierHe("Gaussian", "ReLU")
    with pytest.raises(ValueError, match="activation must be one of"):
        XavierHe("Normal", "Swish")
    with pytest.raises(ValueError, match="activation must be one of"):
        Activation("swish")
    with pytest.raises(ValueError, match="kernel_initializer must be"):
        Dense(3, kernel_initializer="orthogonal")
    with pytest.raises(TypeError, match="init_method must be a function"):
        Fullyconnected(2, 3, "zeros")


def test_bad_input_leaves_the_weights_untouched(net):
    before = [w.copy() for w in net.get_weights()]
    with pytest.raises(ValueError):
        net.train(np.zeros((4, 3)), np.eye(4)[:, :3], epochs=5, verbose=False)
    assert all(np.array_equal(a, b) for a, b in zip(before, net.get_weights())) and net.epoch == 0


def test_batch_shuffle_follows_the_batch_seed():
    from neural_net.pipeline import Batch

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)), onehot(rng.integers(0, 3, 40))
    weights = []
    for _ in range(2):
        np.random.seed(123)
        net = Sequential([Fullyconnected(2, 3, XavierHe("Normal", "Sigmoid").init_func), Activation(Softmax)], CrossEntropy)
        np.random.seed(None)  # the network's own generator is now unseeded: only the Batch seed fixes the order
        net.train(batch=Batch(8, 40, lambda: X, lambda: y, shuffle=True, seed=7), epochs=3, α=0.1, verbose=False)
        weights.append(net.get_weights()[0])
    np.testing.assert_array_equal(weights[0], weights[1])

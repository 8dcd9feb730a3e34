"""Tests of the Keras front door of Sequential: Dense, compile, fit, evaluate, predict, summary,
and its agreement with the seed's ``train``; seeds, dropout, float32, optimizers checked against
hand-written reference loops, and the errors raised on bad arguments."""
from __future__ import annotations

import numpy as np
import pytest

from neural_net.activation import ACTIVATIONS, ELU, LeakyReLU
from neural_net.architecture import Sequential
from neural_net.callbacks import History
from neural_net.cost import BinaryCrossEntropy, CrossEntropy
from neural_net.layers import Activation, Dense, Dropout, Fullyconnected
from neural_net.metrics import accuracy
from neural_net.optimizers import SGD, Adam, AdamW, RMSprop
from neural_net.pipeline import Batch


# ----------------------------------------------------------------------------- data
def binary_data(n=60, k=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, k))
    y = (X[:, :1] + 0.5 * X[:, 1:2] > 0).astype(float)
    return X.astype(dtype), y.astype(dtype)


def multiclass_data(n=90, k=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(classes, k))
    labels = np.arange(n) % classes
    X = centres[labels] + rng.normal(size=(n, k))
    return X, np.eye(classes)[labels]


def binary_net(seed=0, k=3, hidden=8, act="relu"):
    return Sequential([Dense(hidden, act, input_dim=k), Dense(1, "sigmoid")], "bce", seed=seed)


def forward(weights, X, hidden, out):
    """A plain numpy forward pass through Fullyconnected/activation pairs."""
    a = X
    for i, W in enumerate(weights):
        z = a @ W[:-1] + W[-1]
        a = (hidden if i < len(weights) - 1 else out)(z)
    return a


def relu(z):
    return np.maximum(z, 0)


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# ----------------------------------------------------------------------------- Dense
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_dense_with_every_activation_name_builds_and_trains(name):
    X, y = binary_data()
    model = Sequential([Dense(5, activation=name, input_dim=3), Dense(1, "sigmoid")], "bce", seed=0)
    fc, act = model.steps[0], model.steps[1]
    assert isinstance(fc, Fullyconnected) and (fc.n_in, fc.n_out) == (3, 5)
    assert isinstance(act, Activation) and type(act.func) is ACTIVATIONS[name]
    hist = model.compile("adam", metrics=["accuracy"]).fit(X, y, epochs=3, batch_size=16, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()
    assert model.predict(X).shape == (60, 1)


def test_dense_without_activation_and_with_a_class_and_arguments():
    model = Sequential([Dense(4, input_dim=3), Dense(4, LeakyReLU, α=0.2), Dense(2, ELU, α=0.5),
                        Dense(3, "softmax")], "cross_entropy", seed=0)
    kinds = [type(s).__name__ + ("" if not isinstance(s, Activation) else f"({type(s.func).__name__})")
             for s in model]
    assert kinds == ["Fullyconnected", "Fullyconnected", "Activation(LeakyReLU)", "Fullyconnected",
                     "Activation(ELU)", "Fullyconnected", "Activation(Softmax)"]
    assert model.steps[2].func.α == 0.2 and model.steps[4].func.α == 0.5
    assert [s.n_in for s in model if isinstance(s, Fullyconnected)] == [3, 4, 4, 2]


def test_dense_initialisers_start_with_zero_bias_he_for_relu_glorot_otherwise():
    model = Sequential([Dense(200, "relu", input_dim=50), Dense(3, "softmax")], seed=0)
    W0, W1 = model.get_weights()
    assert not W0[-1].any() and not W1[-1].any()
    # the seed's He-uniform (init_funcs table): U(-r, r), r = √2·sqrt(6/(n_in+n_out)), variance r²/3
    r = np.sqrt(2) * np.sqrt(6 / (50 + 200))
    assert np.abs(W0[:-1]).max() <= r
    assert W0[:-1].var() == pytest.approx(r ** 2 / 3, rel=0.05)
    # glorot-uniform for the softmax layer: r = sqrt(6/(n_in+n_out))
    assert np.abs(W1[:-1]).max() <= np.sqrt(6 / (200 + 3))


def test_dense_first_layer_needs_input_dim():
    with pytest.raises(ValueError, match="input_dim"):
        Sequential([Dense(3, "relu")])


def test_dense_bad_activation_and_units():
    with pytest.raises(ValueError, match="activation"):
        Dense(3, "swish")
    with pytest.raises(ValueError, match="units"):
        Dense(0)


# ----------------------------------------------------------------------------- compile
@pytest.mark.parametrize("optimizer,cls", [
    ("sgd", SGD), ("SGD", SGD), ("adam", Adam), ("adamw", AdamW), ("rmsprop", RMSprop), ("RMSprop", RMSprop),
    (SGD(lr=0.05, momentum=0.9, nesterov=True), SGD), (Adam(lr=0.01), Adam), (RMSprop, RMSprop),
    ({"name": "adam", "config": {"lr": 0.01}}, Adam),
])
def test_compile_with_optimizer_names_classes_and_objects_then_fit_decreases_loss(optimizer, cls):
    X, y = binary_data()
    model = binary_net()
    assert model.compile(optimizer, "binary_crossentropy", ["accuracy"]) is model
    assert type(model.optimizer) is cls
    if not isinstance(optimizer, (str, type, dict)):
        assert model.optimizer is optimizer
    hist = model.fit(X, y, epochs=30, batch_size=None, verbose=0)
    loss = hist.history["loss"]
    assert loss[-1] < loss[0]


@pytest.mark.parametrize("loss", ["binary_crossentropy", "bce", "BinaryCrossEntropy", BinaryCrossEntropy,
                                  BinaryCrossEntropy()])
def test_compile_with_loss_names_classes_and_instances(loss):
    model = binary_net().compile("sgd", loss)
    assert isinstance(model.cost, BinaryCrossEntropy) and model["cost"] is model.cost
    if isinstance(loss, BinaryCrossEntropy):
        assert model.cost is loss


@pytest.mark.parametrize("metric", ["accuracy", "acc", "ACC", accuracy, accuracy()])
def test_compile_with_metric_names_classes_and_instances(metric):
    X, y = binary_data()
    model = binary_net().compile("sgd", metrics=[metric])
    hist = model.fit(X, y, epochs=2, verbose=0)
    assert list(hist.history) == ["loss", "accuracy", "lr"]


def test_compile_keeps_the_constructor_cost_and_needs_one():
    model = binary_net().compile("adam")
    assert isinstance(model.cost, BinaryCrossEntropy)
    bare = Sequential([Dense(3, "softmax", input_dim=2)])
    with pytest.raises(ValueError, match="loss"):
        bare.compile("adam")
    assert isinstance(bare.compile("adam", "categorical_crossentropy").cost, CrossEntropy)


def test_recompile_binds_the_new_optimizer_to_every_layer():
    X, y = binary_data()
    model = binary_net().compile("sgd")
    model.fit(X, y, epochs=1, verbose=0)
    opt = Adam(lr=0.01)
    model.compile(opt)
    assert all(s.func.optimizer is opt for s in model if isinstance(s, Fullyconnected))
    model.fit(X, y, epochs=1, verbose=0)
    assert len(opt.state_dict()["state"]) == 2


# ----------------------------------------------------------------------------- fit / History
def test_fit_returns_a_history_with_one_value_per_epoch():
    X, y = binary_data()
    Xv, yv = binary_data(seed=1)
    model = binary_net().compile("adam", "bce", ["accuracy"])
    hist = model.fit(X, y, epochs=7, batch_size=16, validation_data=(Xv, yv), verbose=0)
    assert isinstance(hist, History) and hist.epoch == list(range(1, 8)) and len(hist) == 7
    assert set(hist.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    for key, values in hist.history.items():
        assert len(values) == 7 and np.isfinite(values).all(), key
    assert all(0 <= a <= 1 for a in hist.history["accuracy"] + hist.history["val_accuracy"])
    # the last val_* are the evaluation of the final weights
    assert model.evaluate(Xv, yv) == pytest.approx([hist.history["val_loss"][-1], hist.history["val_accuracy"][-1]],
                                                   rel=1e-12)


def test_second_fit_continues_the_epoch_count_and_the_model_history():
    X, y = binary_data()
    model = binary_net().compile("adam")
    h1 = model.fit(X, y, epochs=3, verbose=0)
    h2 = model.fit(X, y, epochs=2, verbose=0)
    assert h1.epoch == [1, 2, 3] and h2.epoch == [4, 5]
    assert model.history.epoch == [1, 2, 3, 4, 5]
    assert model.history.history["loss"] == h1.history["loss"] + h2.history["loss"]


def test_training_loss_is_the_row_weighted_mean_of_the_batch_losses():
    X, y = binary_data(n=50)
    model = binary_net().compile(SGD(lr=1e-300))   # weights do not move: every batch sees the same net
    loss0 = model.evaluate(X, y)
    hist = model.fit(X, y, epochs=1, batch_size=16, shuffle=True, verbose=0)   # batches 16, 16, 16, 2
    assert hist.history["loss"][0] == pytest.approx(loss0, rel=1e-12)


def test_validation_split_uses_the_last_rows_like_validation_data():
    X, y = binary_data(n=80)
    a, b = binary_net(seed=4).compile("sgd", metrics=["accuracy"]), binary_net(seed=4).compile("sgd", metrics=["accuracy"])
    ha = a.fit(X, y, epochs=5, batch_size=None, shuffle=False, validation_split=0.25, verbose=0)
    hb = b.fit(X[:60], y[:60], epochs=5, batch_size=None, shuffle=False, validation_data=(X[60:], y[60:]), verbose=0)
    assert ha.history == hb.history
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert a.evaluate(X[60:], y[60:])[0] == pytest.approx(ha.history["val_loss"][-1], rel=1e-12)


# ----------------------------------------------------------------------------- evaluate / predict / summary
def test_evaluate_equals_a_manual_computation_binary():
    X, y = binary_data()
    model = binary_net().compile("adam", metrics=["accuracy"])
    model.fit(X, y, epochs=5, verbose=0)
    loss, acc = model.evaluate(X, y)
    p = forward(model.get_weights(), X, relu, sigmoid)
    np.testing.assert_allclose(model.predict(X), p, rtol=1e-12)
    e = 1e-15
    pc = np.clip(p, e, 1 - e)
    manual = -np.mean(y * np.log(pc) + (1 - y) * np.log(1 - pc))
    assert loss == pytest.approx(manual, rel=1e-12)
    assert acc == np.mean((p > 0.5) == y)


def test_evaluate_equals_a_manual_computation_multiclass():
    X, y = multiclass_data()
    model = Sequential([Dense(6, "relu", input_dim=4), Dense(3, "softmax")], "categorical_crossentropy", seed=0)
    model.compile("adam", metrics=["accuracy"]).fit(X, y, epochs=5, verbose=0)
    loss, acc = model.evaluate(X, y)
    p = forward(model.get_weights(), X, relu, softmax)
    assert loss == pytest.approx(-np.sum(y * np.log(np.clip(p, 1e-15, 1))) / len(y), rel=1e-12)
    assert acc == np.mean(p.argmax(1) == y.argmax(1))


def test_evaluate_without_metrics_returns_the_loss():
    X, y = binary_data()
    model = binary_net().compile("sgd")
    assert isinstance(model.evaluate(X, y), float)


@pytest.mark.parametrize("n_out,act,loss", [(1, "sigmoid", "bce"), (3, "softmax", "cross_entropy"), (2, None, "mse")])
def test_predict_shape(n_out, act, loss):
    model = Sequential([Dense(5, "tanh", input_dim=4), Dense(n_out, act)], loss, seed=0)
    X = np.ones((7, 4))
    assert model.predict(X).shape == (7, n_out)
    assert model.predict(X[:1]).shape == (1, n_out)
    with pytest.raises(ValueError, match="4 columns"):
        model.predict(np.ones((7, 3)))


def test_summary_lists_layers_and_parameter_counts():
    model = Sequential([Dense(4, "relu", input_dim=3), Dense(2, "softmax")], "cross_entropy", name="tiny")
    printed = []
    text = model.summary(print_fn=printed.append)
    assert printed == [text]
    lines = text.splitlines()
    assert lines[0] == "Model: tiny"
    rows = [line.split() for line in lines[2:-1]]
    assert [(r[0], r[-1]) for r in rows] == [("Fullyconnected", "16"), ("Activation", "0"),
                                             ("Fullyconnected", "10"), ("Activation", "0")]
    assert "(None, 4)" in lines[2] and "(None, 2)" in lines[4]
    assert lines[-1] == "Total params: 26"


# ----------------------------------------------------------------------------- train ≡ fit
def test_train_and_fit_give_identical_weights_and_history_full_batch():
    X, y = binary_data()
    a, b = binary_net(seed=3), binary_net(seed=3)
    a.train(X, y, epochs=40, α=0.1, metrics=accuracy, verbose=False)
    hb = b.compile(SGD(lr=0.1), metrics=["accuracy"]).fit(X, y, epochs=40, batch_size=None, shuffle=False, verbose=0)
    assert a.history.history == hb.history and a.history.epoch == hb.epoch
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_train_with_batch_and_fit_with_batch_size_agree():
    X, y = multiclass_data()
    make = lambda: Sequential([Dense(8, "tanh", input_dim=4), Dense(3, "softmax")], "cross_entropy", seed=5)
    a, b = make(), make()
    a.train(batch=Batch(20, len(X), lambda: X, lambda: y), epochs=10, α=0.2, metrics=accuracy, verbose=False)
    hb = b.compile(SGD(lr=0.2), metrics=["accuracy"]).fit(X, y, epochs=10, batch_size=20, shuffle=False, verbose=0)
    assert a.history.history == hb.history
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_train_then_fit_continue_one_history():
    X, y = binary_data()
    model = binary_net()
    model.train(X, y, epochs=3, α=0.1, verbose=False)
    hist = model.fit(X, y, epochs=2, verbose=0)
    assert hist.epoch == [4, 5] and model.history.epoch == [1, 2, 3, 4, 5]


# ----------------------------------------------------------------------------- seeds
def seeded_run(seed, init_from=None, dropout=0.5, shuffle=True):
    X, y = multiclass_data()
    model = Sequential([Dense(16, "relu", input_dim=4), Dropout(dropout), Dense(3, "softmax")],
                       "cross_entropy", seed=seed)
    if init_from is not None:
        model.set_weights(init_from)
    model.compile(Adam(lr=0.01), metrics=["accuracy"])
    hist = model.fit(X, y, epochs=4, batch_size=8, shuffle=shuffle, verbose=0)
    return model, hist


def test_same_seed_same_numbers_bit_for_bit_with_dropout_and_shuffle():
    (m1, h1), (m2, h2) = seeded_run(7), seeded_run(7)
    assert h1.history == h2.history
    for a, b in zip(m1.get_weights(), m2.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_different_seed_different_numbers():
    (m1, h1), (m2, h2) = seeded_run(7), seeded_run(8)
    assert h1.history["loss"] != h2.history["loss"]
    assert not np.array_equal(m1.get_weights()[0], m2.get_weights()[0])


@pytest.mark.parametrize("dropout,shuffle", [(0.5, False), (0.0, True)])
def test_seed_drives_dropout_and_shuffling_not_only_the_initial_weights(dropout, shuffle):
    init = Sequential([Dense(16, "relu", input_dim=4), Dense(3, "softmax")], seed=0).get_weights()
    _, h1 = seeded_run(1, init, dropout, shuffle)
    _, h1b = seeded_run(1, init, dropout, shuffle)
    _, h2 = seeded_run(2, init, dropout, shuffle)
    assert h1.history == h1b.history
    assert h1.history["loss"] != h2.history["loss"]


def test_no_dropout_no_shuffle_same_initial_weights_is_seed_independent():
    init = Sequential([Dense(16, "relu", input_dim=4), Dense(3, "softmax")], seed=0).get_weights()
    _, h1 = seeded_run(1, init, 0.0, False)
    _, h2 = seeded_run(2, init, 0.0, False)
    assert h1.history == h2.history


# ----------------------------------------------------------------------------- dropout
def test_dropout_is_inactive_in_predict_and_evaluate():
    X, y = multiclass_data()
    model = Sequential([Dense(32, "relu", input_dim=4), Dropout(0.5), Dense(3, "softmax")], "cross_entropy", seed=0)
    model.compile("adam", metrics=["accuracy"]).fit(X, y, epochs=3, verbose=0)
    p1, p2 = model.predict(X), model.predict(X)
    np.testing.assert_array_equal(p1, p2)
    np.testing.assert_allclose(p1, forward(model.get_weights(), X, relu, softmax), rtol=1e-12)
    loss, acc = model.evaluate(X, y)
    assert loss == pytest.approx(-np.sum(y * np.log(p1)) / len(y), rel=1e-12)
    assert model.evaluate(X, y) == [loss, acc]


def test_dropout_is_active_while_training():
    X, y = multiclass_data()

    def first_epoch_loss(rate):
        model = Sequential([Dense(32, "relu", input_dim=4), Dropout(rate), Dense(3, "softmax")], "cross_entropy",
                           seed=0).compile(SGD(lr=1e-300))   # the weights do not move
        before = model.evaluate(X, y)
        return before, model.fit(X, y, epochs=1, batch_size=None, verbose=0).history["loss"][0]

    before, during = first_epoch_loss(0.0)
    assert during == pytest.approx(before, rel=1e-12)
    before, during = first_epoch_loss(0.5)
    assert abs(during - before) > 1e-3


# ----------------------------------------------------------------------------- float32
@pytest.mark.parametrize("optimizer", ["sgd", SGD(lr=0.05, momentum=0.9), "adam", "rmsprop", "adamw"])
def test_float32_data_trains_in_float32_end_to_end(optimizer):
    X, y = binary_data(dtype=np.float32)
    Xv, yv = binary_data(seed=1)   # float64 validation data is cast to the training dtype
    model = Sequential([Dense(8, "relu", input_dim=3), Dropout(0.2), Dense(1, "sigmoid")], "bce", seed=0)
    model.compile(optimizer, metrics=["accuracy"])
    hist = model.fit(X, y, epochs=5, batch_size=16, validation_data=(Xv, yv), verbose=0)
    assert all(W.dtype == np.float32 for W in model.get_weights())
    assert all(s.func.W.dtype == np.float32 for s in model if isinstance(s, Fullyconnected))
    assert model.predict(X).dtype == np.float32
    for key, values in hist.history.items():
        assert np.isfinite(values).all(), key
    loss, acc = model.evaluate(X, y)
    assert np.isfinite(loss) and 0 <= acc <= 1
    state = model.optimizer.state_dict()["state"]
    assert all(a.dtype == np.float32 for st in state.values() for a in st.values() if isinstance(a, np.ndarray))


# ----------------------------------------------------------------------------- optimizers vs reference loops
def reference_steps(W1, W2, X, y, update, steps):
    """Full-batch gradient steps of a tanh → sigmoid network trained on binary cross-entropy,
    written out by hand; returns the weights and the loss before each step."""
    W1, W2 = W1.copy(), W2.copy()
    losses = []
    N = y.size
    for t in range(1, steps + 1):
        h = np.tanh(X @ W1[:-1] + W1[-1])
        p = sigmoid(h @ W2[:-1] + W2[-1])
        losses.append(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
        dz2 = (p - y) / N
        g2 = np.vstack([h.T @ dz2, dz2.sum(0)])
        dz1 = (dz2 @ W2[:-1].T) * (1 - h ** 2)
        g1 = np.vstack([X.T @ dz1, dz1.sum(0)])
        update(1, W1, g1, t)
        update(2, W2, g2, t)
    return W1, W2, losses


def adam_update(lr, b1=0.9, b2=0.999, eps=1e-8):
    m, v = {}, {}

    def update(key, W, g, t):
        m[key] = (1 - b1) * g + b1 * m.get(key, 0)
        v[key] = (1 - b2) * g ** 2 + b2 * v.get(key, 0)
        m_hat, v_hat = m[key] / (1 - b1 ** t), v[key] / (1 - b2 ** t)
        W -= lr * m_hat / (np.sqrt(v_hat) + eps)
    return update


def momentum_update(lr, mu):
    buf = {}

    def update(key, W, g, t):
        buf[key] = g.copy() if t == 1 else mu * buf[key] + g
        W -= lr * buf[key]
    return update


@pytest.mark.parametrize("make_opt,reference", [
    (lambda: Adam(lr=0.05), lambda: adam_update(0.05)),
    (lambda: SGD(lr=0.3, momentum=0.9), lambda: momentum_update(0.3, 0.9)),
    (lambda: SGD(lr=0.3), lambda: momentum_update(0.3, 0.0)),
])
def test_optimizer_through_fit_matches_a_hand_written_loop(make_opt, reference):
    X, y = binary_data(n=12, k=2)
    model = Sequential([Dense(3, "tanh", input_dim=2), Dense(1, "sigmoid")], "bce", seed=11)
    W1, W2 = model.get_weights()
    hist = model.compile(make_opt()).fit(X, y, epochs=3, batch_size=None, shuffle=False, verbose=0)
    R1, R2, losses = reference_steps(W1, W2, X, y, reference(), 3)
    got1, got2 = model.get_weights()
    np.testing.assert_allclose(got1, R1, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(got2, R2, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(hist.history["loss"], losses, rtol=1e-12)
    assert not np.allclose(got1, W1)   # the weights did move


def test_adam_decreases_the_loss_through_fit():
    X, y = multiclass_data()
    model = Sequential([Dense(16, "relu", input_dim=4), Dense(3, "softmax")], "cross_entropy", seed=0)
    loss = model.compile(Adam(lr=0.01)).fit(X, y, epochs=20, batch_size=16, verbose=0).history["loss"]
    assert loss[-1] < 0.5 * loss[0]
    assert all(b < a for a, b in zip(loss, loss[1:5]))


# ----------------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize("kwargs,error,match", [
    (dict(epochs=0), ValueError, "epochs"), (dict(epochs=-3), ValueError, "epochs"),
    (dict(epochs=2.5), TypeError, "epochs"), (dict(epochs=True), TypeError, "epochs"),
    (dict(batch_size=0), ValueError, "batch_size"), (dict(batch_size=-1), ValueError, "batch_size"),
    (dict(batch_size=8.0), TypeError, "batch_size"),
    (dict(validation_split=1.0), ValueError, "validation_split"),
    (dict(validation_split=-0.1), ValueError, "validation_split"),
    (dict(validation_split=0.001), ValueError, "validation_split"),
    (dict(validation_data=np.ones((4, 3))), ValueError, "validation_data"),
    (dict(validation_data=(np.ones((4, 3)),)), ValueError, "validation_data"),
    (dict(validation_split=0.2, validation_data=(np.ones((4, 3)), np.ones((4, 1)))), ValueError, "validation_data"),
    (dict(callbacks=[lambda epoch, logs: None]), TypeError, "callbacks"),
])
def test_fit_bad_arguments_raise_naming_the_argument(kwargs, error, match):
    X, y = binary_data()
    model = binary_net().compile("sgd")
    before = model.get_weights()
    with pytest.raises(error, match=match):
        model.fit(X, y, verbose=0, **kwargs)
    for a, b in zip(before, model.get_weights()):   # nothing was trained
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("X_val,y_val,match", [
    (np.ones((4, 2)), np.ones((4, 1)), "columns"),       # 2 columns, the net takes 3
    (np.ones((4, 3)), np.ones((5, 1)), "rows"),
    (np.ones((4, 3)), np.ones((4, 2)), "columns"),
])
def test_fit_wrong_validation_data_shape_raises(X_val, y_val, match):
    X, y = binary_data()
    with pytest.raises(ValueError, match=match):
        binary_net().fit(X, y, validation_data=(X_val, y_val), verbose=0)


@pytest.mark.parametrize("X_val,y_val,match", [
    (np.ones((4, 2)), np.ones((4, 1)), r"validation_data\[0\]"),
    (np.ones((4, 3)), np.ones((5, 1)), r"validation_data\[1\]"),
])
def test_fit_wrong_validation_data_names_validation_data(X_val, y_val, match):
    X, y = binary_data()
    with pytest.raises(ValueError, match=match):
        binary_net().fit(X, y, validation_data=(X_val, y_val), verbose=0)


@pytest.mark.parametrize("X,y,error,match", [
    (np.ones((10, 2)), np.ones((10, 1)), ValueError, "X must have 3 columns"),
    (np.ones((10, 3)), np.ones((9, 1)), ValueError, "y must have as many rows"),
    (np.ones((10, 3)), np.ones((10, 2)), ValueError, "y must have 1 columns"),
    (np.full((10, 3), np.nan), np.ones((10, 1)), ValueError, "X must be finite"),
    (np.array([["a"] * 3] * 10), np.ones((10, 1)), TypeError, "X must hold numbers"),
    (np.ones((10, 3)), np.full((10, 1), 2.0), ValueError, "y"),   # BCE targets must be in [0, 1]
])
def test_fit_bad_data_raises_naming_x_or_y(X, y, error, match):
    with pytest.raises(error, match=match):
        binary_net().fit(X, y, verbose=0)


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(loss="hinge"), ValueError, "loss"),
    (dict(optimizer="adagrad"), ValueError, "optimizer"),
    (dict(optimizer=3), TypeError, "optimizer"),
    (dict(metrics=["f1_score"]), ValueError, "f1_score"),
    (dict(metrics=[object()]), TypeError, "metric"),
])
def test_compile_unknown_names_raise(kwargs, error, match):
    model = binary_net()
    with pytest.raises(error, match=match):
        model.compile(**{"optimizer": "sgd", **kwargs})


def test_unknown_metric_message_lists_the_known_names():
    with pytest.raises(ValueError, match=r"accuracy"):
        binary_net().compile("sgd", metrics=["f1_score"])


def test_unknown_metric_message_names_the_metrics_argument():
    with pytest.raises(ValueError, match=r"metrics\[1\]"):
        binary_net().compile("sgd", metrics=["accuracy", "f1_score"])


def test_fit_before_compile_without_cost_raises_and_with_cost_uses_sgd():
    X, y = binary_data()
    bare = Sequential([Dense(4, "relu", input_dim=3), Dense(1, "sigmoid")], seed=0)
    with pytest.raises(ValueError, match="cost"):
        bare.fit(X, y, verbose=0)
    with pytest.raises(ValueError, match="cost"):
        bare.evaluate(X, y)
    model = binary_net()
    model.fit(X, y, epochs=1, verbose=0)
    assert type(model.optimizer) is SGD and model.optimizer.lr == 0.01

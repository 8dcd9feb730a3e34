"""Train N epochs in one go == train k, store, rebuild from the database, train N − k: bit for
bit (weights, optimizer state, shuffling and dropout draws, epoch counter, history)."""
from __future__ import annotations

import numpy as np
import pytest

import neural_net.db as db
from neural_net.activation import Softmax, σ
from neural_net.architecture import Sequential
from neural_net.cost import BinaryCrossEntropy, CrossEntropy
from neural_net.init_funcs import XavierHe
from neural_net.layers import Activation, Dense, Dropout, Fullyconnected
from neural_net.optimizers import SGD, Adam, RMSprop
from neural_net.pipeline import Batch
from neural_net.schedules import StepDecay

N, K = 6, 2


def blobs(dtype=np.float64, n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype(dtype)
    y = np.eye(3, dtype=dtype)[(X[:, 0] + 2 * X[:, 1] > 0).astype(int) + (X[:, 2] > 1).astype(int)]
    return X, y


def keras_model(store=False, optimizer=None):
    net = Sequential([Dense(16, activation="relu", input_dim=4), Dropout(0.25), Dense(8, activation="tanh"),
                      Dense(3, activation="softmax")], "categorical_crossentropy", store=store, seed=42)
    return net.compile(optimizer or Adam(lr=0.01), metrics=["accuracy"])


def same(a, b):
    return all(x.dtype == y.dtype and np.array_equal(x.view(np.uint8), y.view(np.uint8))
               for x, y in zip(a.get_weights(), b.get_weights()))


def fit(net, X, y, epochs):
    return net.fit(X[:90], y[:90], epochs=epochs, batch_size=16, shuffle=True, validation_data=(X[90:], y[90:]),
                   verbose=0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fit_adam_shuffle_dropout_resumes_bit_for_bit(db_url, dtype):
    X, y = blobs(dtype)
    whole = keras_model()
    fit(whole, X, y, N)

    part = keras_model(db_url)
    fit(part, X, y, K)
    rebuilt = db.load_model(db_url, part["id"])
    assert rebuilt.epoch == K and rebuilt["id"] != part["id"]
    assert type(rebuilt.optimizer).__name__ == "Adam" and [m.name for m in rebuilt.metrics] == ["accuracy"]
    assert same(rebuilt, part)
    fit(rebuilt, X, y, N - K)
    assert rebuilt.epoch == N
    assert same(rebuilt, whole)
    assert rebuilt.history.epoch == whole.history.epoch
    assert rebuilt.history.history == whole.history.history
    assert rebuilt.rng.bit_generator.state == whole.rng.bit_generator.state


def test_resume_from_a_mid_training_checkpoint(db_url):
    X, y = blobs()
    whole = keras_model({"url": db_url, "checkpoint_every": K})
    fit(whole, X, y, N)
    assert db.snapshots(db_url, whole["id"]).epoch.tolist() == [0, 2, 4, 6]
    for k in (2, 4):
        again = db.load_model(db_url, whole["id"], epoch=k)
        assert again.epoch == k and again.history.epoch == list(range(1, k + 1))
        fit(again, X, y, N - k)
        assert same(again, whole)
    # epoch 0: the freshly built model, optimizer not yet used
    start = db.load_model(db_url, whole["id"], epoch=0)
    fit(start, X, y, N)
    assert same(start, whole)


@pytest.mark.parametrize("optimizer", [lambda: SGD(lr=0.05, momentum=0.9, nesterov=True, schedule=StepDecay(2, gamma=0.5)),
                                       lambda: RMSprop(lr=0.01, centered=True, momentum=0.5)],
                         ids=["sgd-nesterov-schedule", "rmsprop-centered"])
def test_other_optimizers_resume_bit_for_bit(db_url, optimizer):
    X, y = blobs()
    whole = keras_model(optimizer=optimizer())
    fit(whole, X, y, N)
    part = keras_model(db_url, optimizer=optimizer())
    fit(part, X, y, K)
    rebuilt = db.load_model(db_url, part["id"])
    fit(rebuilt, X, y, N - K)
    assert same(rebuilt, whole)


def seed_network(store=False):
    return Sequential([Fullyconnected(2, 10, XavierHe("Normal", "Tanh").init_func), Activation(σ),
                       Fullyconnected(10, 1, XavierHe("Uniform", "Tanh").init_func), Activation(σ)],
                      BinaryCrossEntropy, store=store, seed=7)


def test_seed_style_train_resumes_bit_for_bit(db_url):
    rng = np.random.default_rng(3)
    X = rng.uniform(-1, 1, size=(200, 2))
    y = (X.sum(axis=1) < 0.3).reshape(-1, 1) + 0
    whole = seed_network()
    whole.train(X, y, epochs=30, α=0.5, verbose=False)
    part = seed_network(db_url)
    part.train(X, y, epochs=12, α=0.5, verbose=False)
    rebuilt = db.load_model(db_url, part["id"])
    rebuilt.train(X, y, epochs=18, α=0.5, verbose=False)
    assert same(rebuilt, whole) and rebuilt.epoch == 30
    assert rebuilt.history.history["loss"] == whole.history.history["loss"]


def test_seed_style_shuffled_batches_resume_bit_for_bit(db_url):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(150, 4))
    y = np.eye(3)[rng.integers(0, 3, 150)]

    def net(store=False):
        return Sequential([Fullyconnected(4, 20, XavierHe("Uniform", "ReLU").init_func), Activation("LeakyReLU"),
                           Fullyconnected(20, 3, XavierHe("Normal", "ReLU").init_func), Activation(Softmax)],
                          CrossEntropy, store=store, seed=11)

    def batch():  # the Batch's own generator orders the rows: it is the caller's, not stored
        return Batch(32, len(X), lambda: X, lambda: y, shuffle=True, seed=0)

    whole = net()
    whole.train(batch=batch(), α=0.2, epochs=8, metrics="accuracy", verbose=False)
    part, feed = net(db_url), batch()
    part.train(batch=feed, α=0.2, epochs=3, metrics="accuracy", verbose=False)
    rebuilt = db.load_model(db_url, part["id"])
    rebuilt.train(batch=feed, α=0.2, epochs=5, metrics="accuracy", verbose=False)
    assert same(rebuilt, whole)
    assert rebuilt.history.history == whole.history.history


def test_resumed_model_stored_as_a_child_run(db_url):
    X, y = blobs()
    part = keras_model(db_url)
    fit(part, X, y, K)
    child = db.load_model(db_url, part["id"], store=db_url)
    fit(child, X, y, N - K)
    info = db.run_info(db_url, child["id"])
    assert (info["parent_id"], info["parent_epoch"]) == (part["id"], K)
    h = db.history(db_url, child["id"])
    assert h.index.tolist() == list(range(1, N + 1))
    assert h["loss"].tolist() == child.history.history["loss"]
    assert db.snapshots(db_url, child["id"]).epoch.tolist() == [K, N]


def test_a_snapshot_taken_by_hand_resumes_too(db_url):
    X, y = blobs()
    whole = keras_model()
    fit(whole, X, y, N)
    part = keras_model(db_url)
    fit(part, X, y, K)
    part.updateW(tag="by hand")
    part.commit()
    snaps = db.snapshots(db_url, part["id"])
    assert snaps.tag.tolist()[-1] == "by hand"
    rebuilt = db.load_model(db_url, part["id"], epoch=K)
    fit(rebuilt, X, y, N - K)
    assert same(rebuilt, whole)

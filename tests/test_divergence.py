"""A loss that turns NaN or infinite (issue 10 §3).

By default training stops at the first non-finite epoch loss with TrainingDiverged (naming the
epoch and the last finite loss), the model keeps the last finite weights, and a stored run is
``'diverged'`` with that message and those weights as its final snapshot. TerminateOnNaN stops
the Keras way and the final snapshot still holds finite weights; ``on_nonfinite="continue"``
trains on as before.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from neural_net.architecture import Sequential
from neural_net.callbacks import TerminateOnNaN
from neural_net.divergence import TrainingDiverged
from neural_net.layers import Dense
from neural_net.optimizers import SGD


def problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5)) * 2
    y = rng.normal(size=(40, 1))
    return X, y


def diverging(store=False):
    return Sequential([Dense(8, "relu", input_dim=5), Dense(1)], "mse", seed=0, store=store).compile(SGD(lr=0.1))


def fit(model, epochs=100, **kw):
    X, y = problem()
    with np.errstate(all="ignore"):
        return model.fit(X, y, epochs=epochs, batch_size=5, verbose=0, **kw)


def test_default_stops_at_the_first_nonfinite_loss_with_the_last_finite_weights():
    model = diverging()
    with pytest.raises(TrainingDiverged) as caught:
        fit(model)
    e = caught.value
    assert isinstance(e, FloatingPointError)
    assert not math.isfinite(e.loss) and e.epoch == e.last_epoch + 1 and math.isfinite(e.last_loss)
    assert f"training diverged at epoch {e.epoch}" in str(e) and f"at epoch {e.last_epoch}" in str(e)
    assert f"{e.last_loss:.6g}" in str(e)
    assert model.epoch == e.last_epoch and model.history.epoch[-1] == e.last_epoch
    assert all(math.isfinite(v) for v in model.history.history["loss"])
    assert all(np.isfinite(W).all() for W in model.get_weights())
    twin = diverging()  # the same run stopped by hand after the last finite epoch
    fit(twin, epochs=e.last_epoch, on_nonfinite="continue")
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), twin.get_weights()))
    assert twin.history.history["loss"][-1] == e.last_loss


def test_the_seed_front_door_stops_too():
    X, y = problem()
    net = Sequential([Dense(8, "relu", input_dim=5), Dense(1)], "mse", seed=0)
    with np.errstate(all="ignore"), pytest.raises(TrainingDiverged, match="training diverged at epoch"):
        net.train(X, y, epochs=200, α=3.0, verbose=False)
    assert all(np.isfinite(W).all() for W in net.get_weights())


def test_continue_keeps_the_old_way():
    model = diverging()
    hist = fit(model, epochs=30, on_nonfinite="continue")
    assert len(hist.epoch) == 30 and not math.isfinite(hist.history["loss"][-1])


def test_on_nonfinite_is_checked():
    with pytest.raises(ValueError, match=r"on_nonfinite must be one of \['raise', 'continue'\], got 'ignore'"):
        fit(diverging(), epochs=1, on_nonfinite="ignore")


def test_stored_run_is_diverged_with_the_message_and_finite_final_weights(db_url):
    from neural_net.db import load_model, run_info, snapshots, weight_matrices

    model = diverging(store=db_url)
    with pytest.raises(TrainingDiverged) as caught:
        fit(model)
    info = run_info(db_url, model["id"])
    assert info["status"] == "diverged"
    assert "TrainingDiverged: training diverged at epoch" in info["error"]
    snaps = snapshots(db_url, model["id"])
    assert snaps["epoch"].iloc[-1] == caught.value.last_epoch and snaps["tag"].iloc[-1] == "final"
    stored = weight_matrices(db_url, model["id"])
    assert all(np.array_equal(a, b) for a, b in zip(stored, model.get_weights()))
    again = load_model(db_url, model["id"])
    assert all(np.isfinite(W).all() for W in again.get_weights()) and again.epoch == caught.value.last_epoch


def test_terminate_on_nan_final_snapshot_holds_the_last_finite_weights(db_url):
    from neural_net.db import load_model, run_info

    model = diverging(store=db_url)
    cb = TerminateOnNaN()
    hist = fit(model, callbacks=[cb])
    assert not math.isfinite(hist.history["loss"][-1]) and cb.terminated_epoch == hist.epoch[-1]
    assert all(np.isfinite(W).all() for W in model.get_weights())
    assert run_info(db_url, model["id"])["status"] == "finished"
    assert all(np.isfinite(W).all() for W in load_model(db_url, model["id"]).get_weights())


def test_the_buffer_keeps_the_model_dtype():
    X, y = problem()
    model = diverging()
    with np.errstate(all="ignore"), pytest.raises(TrainingDiverged):
        model.fit(X.astype(np.float32), y.astype(np.float32), epochs=100, batch_size=5, verbose=0)
    assert [W.dtype for W in model.get_weights()] == [np.float32, np.float32]

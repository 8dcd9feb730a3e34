"""Tests of the training-control callbacks of neural_net.callbacks (EarlyStopping,
ModelCheckpoint + load_checkpoint, TerminateOnNaN, LambdaCallback) and of the learning-rate
callbacks re-exported from neural_net.schedules, driven both by a fake model (exact epoch
arithmetic on crafted histories) and through real ``fit`` runs.
"""
from __future__ import annotations

import doctest
import json
import math
import warnings

import numpy as np
import pytest

from neural_net import callbacks as C
from neural_net import schedules
from neural_net.architecture import Sequential
from neural_net.callbacks import (Callback, EarlyStopping, LambdaCallback, ModelCheckpoint, TerminateOnNaN,
                                  load_checkpoint, save_checkpoint)
from neural_net.layers import Dense
from neural_net.optimizers import SGD, Adam


# ----------------------------------------------------------------------------- helpers
class FakeModel:
    """Just what the callbacks touch: stop_training, epoch, get/set_weights, store."""

    def __init__(self, store=None):
        self.stop_training = False
        self.epoch = 0
        self.store = store
        self.restored = None

    def get_weights(self):
        return [np.array([float(self.epoch)])]

    def set_weights(self, weights):
        self.restored = [w.copy() for w in weights]


def drive(cb, values, key="val_loss", model=None, extra=None):
    """Run ``cb`` over epochs 1.. with ``logs[key] = values[i]``; stop when it asks. Returns the
    model and the number of epochs run."""
    model = model or FakeModel()
    cb.set_model(model)
    cb.on_train_begin({})
    run = 0
    for epoch, v in enumerate(values, start=1):
        model.epoch = epoch
        logs = {"loss": 1.0, key: v, **(extra or {})}
        cb.on_epoch_begin(epoch, {})
        cb.on_epoch_end(epoch, logs)
        run = epoch
        if model.stop_training:
            break
    cb.on_train_end({})
    return model, run


def noisy_problem(seed=0, n=40, k=5):
    """Random labels: a net can only memorise them, so the validation loss soon rises."""
    rng = np.random.default_rng(seed)
    X, Xv = rng.normal(size=(n, k)), rng.normal(size=(n, k))
    y, yv = rng.integers(0, 2, size=(n, 1)).astype(float), rng.integers(0, 2, size=(n, 1)).astype(float)
    return X, y, Xv, yv


def small_net(seed=0, k=5, hidden=32):
    return Sequential([Dense(hidden, "relu", input_dim=k), Dense(1, "sigmoid")], "bce", seed=seed)


def snapshotter():
    """A LambdaCallback recording the weights at every epoch end: ``snaps[epoch]``."""
    snaps: dict[int, list[np.ndarray]] = {}
    cb = LambdaCallback(on_epoch_end=lambda epoch, logs: snaps.__setitem__(epoch, cb.model.get_weights()))
    return cb, snaps


class FakeStore:
    """The two methods ModelCheckpoint calls, recording each call and the weights staged;
    ``recorder`` is there because the training loop appends ``store.recorder`` to the callbacks."""

    def __init__(self, model=None):
        self.model = model
        self.calls: list[str] = []
        self.staged: list[tuple[str, list[np.ndarray] | None]] = []
        self.committed: list[tuple[str, list[np.ndarray] | None]] = []
        self.recorder = Callback()

    def update_weights(self, tag=None):
        self.calls.append(f"update_weights:{tag}")
        self.staged.append((tag, self.model.get_weights() if self.model is not None else None))

    def commit(self):
        self.calls.append("commit")
        self.committed.extend(self.staged)
        self.staged = []


# ----------------------------------------------------------------------------- docstrings
def test_docstring_examples_run():
    result = doctest.testmod(C, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.parametrize("obj", [EarlyStopping, ModelCheckpoint, TerminateOnNaN, LambdaCallback, load_checkpoint,
                                 save_checkpoint])
def test_public_objects_have_docstring_with_example(obj):
    assert obj.__doc__ and ">>>" in obj.__doc__


# ----------------------------------------------------------------------------- EarlyStopping (crafted)
def test_early_stopping_stops_after_patience_epochs_without_improvement():
    es = EarlyStopping(monitor="val_loss", patience=2)
    model, run = drive(es, [1.0, 0.8, 0.81, 0.79, 0.9, 0.95, 0.7, 0.6])
    # best 0.79 at epoch 4; epochs 5 and 6 do not improve -> stop after epoch 6
    assert (run, es.stopped_epoch, es.best_epoch, es.best) == (6, 6, 4, 0.79)
    assert model.stop_training is True


def test_early_stopping_patience_zero_stops_at_first_non_improvement():
    es = EarlyStopping(monitor="val_loss", patience=0)
    _, run = drive(es, [1.0, 0.9, 0.95, 0.5])
    assert run == 3 and es.stopped_epoch == 3


def test_early_stopping_never_stops_while_improving():
    es = EarlyStopping(monitor="val_loss", patience=0)
    model, run = drive(es, [1.0, 0.9, 0.8, 0.7])
    assert run == 4 and es.stopped_epoch == 0 and not model.stop_training


def test_early_stopping_min_delta():
    es = EarlyStopping(monitor="val_loss", patience=1, min_delta=0.05)
    _, run = drive(es, [1.0, 0.96, 0.94, 0.93])   # 0.96 is not below 1.0 - 0.05
    assert run == 2 and es.best == 1.0 and es.best_epoch == 1


@pytest.mark.parametrize("mode,key,values,expected_stop", [
    ("auto", "val_accuracy", [0.5, 0.6, 0.55, 0.58, 0.9], 4),   # 'acc' in the key -> max
    ("max", "val_score", [0.5, 0.6, 0.55, 0.58, 0.9], 4),
    ("min", "val_accuracy", [0.5, 0.4, 0.45, 0.46, 0.1], 4),
])
def test_early_stopping_modes(mode, key, values, expected_stop):
    es = EarlyStopping(monitor=key, patience=2, mode=mode)
    _, run = drive(es, values, key=key)
    assert run == expected_stop


def test_early_stopping_baseline_not_reached_stops_after_patience():
    es = EarlyStopping(monitor="val_loss", patience=2, baseline=0.5)
    _, run = drive(es, [0.9, 0.8, 0.7, 0.6, 0.4])   # improving, but never below the baseline
    assert run == 2


def test_early_stopping_baseline_reached_resets_wait():
    es = EarlyStopping(monitor="val_loss", patience=2, baseline=0.5)
    _, run = drive(es, [0.9, 0.45, 0.46, 0.47, 0.3])
    assert run == 4 and es.best_epoch == 2


def test_early_stopping_nan_is_not_an_improvement():
    es = EarlyStopping(monitor="val_loss", patience=1)
    _, run = drive(es, [1.0, float("nan"), 0.5])
    assert run == 2 and es.best == 1.0


def test_early_stopping_falls_back_to_loss_with_a_warning():
    es = EarlyStopping(monitor="val_loss", patience=1)
    model = FakeModel()
    es.set_model(model)
    es.on_train_begin({})
    with pytest.warns(RuntimeWarning, match="val_loss.*'loss'"):
        es.on_epoch_end(1, {"loss": 1.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # warns once only
        es.on_epoch_end(2, {"loss": 1.2})
    assert model.stop_training and es.stopped_epoch == 2


def test_early_stopping_restore_best_weights_with_fake_model():
    es = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    model, run = drive(es, [1.0, 0.5, 0.7, 0.8, 0.1])
    assert run == 4
    assert model.restored == [np.array([2.0])]   # FakeModel's weights are [epoch]


def test_early_stopping_state_is_reset_between_fits():
    es = EarlyStopping(monitor="val_loss", patience=0)
    drive(es, [1.0, 2.0])
    assert es.stopped_epoch == 2
    _, run = drive(es, [5.0, 4.0, 3.0])   # a fresh best (inf) at each on_train_begin
    assert run == 3 and es.stopped_epoch == 0


@pytest.mark.parametrize("kwargs,error", [
    (dict(patience=-1), ValueError), (dict(patience=1.5), ValueError), (dict(min_delta=-0.1), ValueError),
    (dict(mode="up"), ValueError), (dict(monitor=3), TypeError), (dict(baseline="x"), TypeError),
])
def test_early_stopping_bad_arguments(kwargs, error):
    name = next(iter(kwargs))
    with pytest.raises(error, match=name):
        EarlyStopping(**kwargs)


# ----------------------------------------------------------------------------- EarlyStopping (real fit)
def test_restore_best_weights_restores_exactly_the_best_epoch_in_a_real_fit():
    X, y, Xv, yv = noisy_problem()
    model = small_net().compile(Adam(lr=0.05), metrics=["accuracy"])
    snap, snaps = snapshotter()
    es = EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    hist = model.fit(X, y, epochs=200, batch_size=8, validation_data=(Xv, yv), callbacks=[snap, es], verbose=0)
    n = len(hist.epoch)
    assert n < 200 and es.stopped_epoch == hist.epoch[-1]
    val = hist.history["val_loss"]
    best_epoch = hist.epoch[int(np.argmin(val))]
    assert es.best_epoch == best_epoch and es.best == min(val)
    assert best_epoch == hist.epoch[-1] - 3          # patience 3: stopped three epochs after the best
    restored = model.get_weights()
    for w, ref in zip(restored, snaps[best_epoch]):
        np.testing.assert_array_equal(w, ref)
    assert not all(np.array_equal(w, last) for w, last in zip(restored, snaps[hist.epoch[-1]]))
    # the restored model evaluates to the best validation loss
    assert model.evaluate(Xv, yv)[0] == pytest.approx(min(val), rel=1e-12)


def test_restore_best_weights_when_training_runs_all_epochs():
    X, y, Xv, yv = noisy_problem(1)
    model = small_net(1).compile(Adam(lr=0.05))
    snap, snaps = snapshotter()
    es = EarlyStopping(monitor="val_loss", patience=1000, restore_best_weights=True)
    hist = model.fit(X, y, epochs=15, batch_size=8, validation_data=(Xv, yv), callbacks=[snap, es], verbose=0)
    assert len(hist.epoch) == 15 and es.stopped_epoch == 0
    best_epoch = hist.epoch[int(np.argmin(hist.history["val_loss"]))]
    for w, ref in zip(model.get_weights(), snaps[best_epoch]):
        np.testing.assert_array_equal(w, ref)


def test_early_stopping_through_fit_without_validation_watches_loss():
    X, y, _, _ = noisy_problem()
    model = small_net().compile(SGD(lr=1e-9))   # the loss barely moves: no improvement ≥ min_delta
    with pytest.warns(RuntimeWarning, match="watching 'loss'"):
        hist = model.fit(X, y, epochs=50, callbacks=[EarlyStopping(patience=2, min_delta=1e-3)], verbose=0)
    assert len(hist.epoch) == 3


# ----------------------------------------------------------------------------- LambdaCallback
def test_lambda_callback_calls_every_given_hook_in_order():
    X, y, _, _ = noisy_problem(n=10)
    events = []
    cb = LambdaCallback(
        on_train_begin=lambda logs: events.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: events.append(f"epoch_begin {epoch}"),
        on_batch_begin=lambda batch, logs: events.append(f"batch_begin {batch}"),
        on_batch_end=lambda batch, logs: events.append(f"batch_end {batch}"),
        on_epoch_end=lambda epoch, logs: events.append(f"epoch_end {epoch} {sorted(logs)}"),
        on_train_end=lambda logs: events.append("train_end"),
    )
    small_net().fit(X, y, epochs=2, batch_size=6, callbacks=[cb], verbose=0)
    assert events == ["train_begin",
                      "epoch_begin 1", "batch_begin 0", "batch_end 0", "batch_begin 1", "batch_end 1",
                      "epoch_end 1 ['loss', 'lr']",
                      "epoch_begin 2", "batch_begin 0", "batch_end 0", "batch_begin 1", "batch_end 1",
                      "epoch_end 2 ['loss', 'lr']",
                      "train_end"]


def test_lambda_callback_on_train_failed():
    X, y, _, _ = noisy_problem(n=10)
    seen = []

    def boom(epoch, logs):
        raise KeyboardInterrupt

    cb = LambdaCallback(on_epoch_end=boom, on_train_failed=lambda e: seen.append(type(e).__name__))
    with pytest.raises(KeyboardInterrupt):
        small_net().fit(X, y, epochs=3, callbacks=[cb], verbose=0)
    assert seen == ["KeyboardInterrupt"]


def test_lambda_callback_rejects_non_callables():
    with pytest.raises(TypeError, match="on_epoch_end"):
        LambdaCallback(on_epoch_end=3)


# ----------------------------------------------------------------------------- ModelCheckpoint: file
def test_model_checkpoint_save_best_only_to_file_holds_the_best_epoch(tmp_path):
    X, y, Xv, yv = noisy_problem()
    model = small_net().compile(Adam(lr=0.05), metrics=["accuracy"])
    snap, snaps = snapshotter()
    path = tmp_path / "best.npz"
    ckpt = ModelCheckpoint(str(path), monitor="val_loss", save_best_only=True)
    hist = model.fit(X, y, epochs=25, batch_size=8, validation_data=(Xv, yv), callbacks=[snap, ckpt], verbose=0)
    val = hist.history["val_loss"]
    best_epoch = hist.epoch[int(np.argmin(val))]
    assert best_epoch < hist.epoch[-1]   # the noisy problem overfits: the best is not the last
    saved_epochs = [e for e, _ in ckpt.saved]
    # saved exactly at the epochs that improved on every earlier one
    improving = [e for i, e in enumerate(hist.epoch) if val[i] < min(val[:i], default=math.inf)]
    assert saved_epochs == improving and saved_epochs[-1] == best_epoch
    restored = load_checkpoint(path)
    for w, ref in zip(restored.get_weights(), snaps[best_epoch]):
        np.testing.assert_array_equal(w, ref)
    assert restored.epoch == best_epoch
    assert restored.evaluate(Xv, yv)[0] == pytest.approx(min(val), rel=1e-12)


def test_checkpoint_file_is_plain_arrays_and_json(tmp_path):
    model = small_net().compile(SGD(lr=0.1, momentum=0.9), metrics=["accuracy"])
    path = save_checkpoint(model, tmp_path / "m")
    assert path.endswith("m.npz")
    with np.load(path, allow_pickle=False) as data:
        assert sorted(data.files) == ["W0", "W1", "config"]
        assert all(data[k].dtype.kind != "O" for k in data.files)
        config = json.loads(str(data["config"]))
    assert config["model"]["cost"] == "BinaryCrossEntropy"
    assert config["optimizer"]["name"] == "sgd" and config["optimizer"]["config"]["momentum"] == 0.9
    assert config["metrics"] == ["accuracy"]
    assert not list(tmp_path.glob("*.tmp"))   # the temporary file was renamed


def test_load_checkpoint_round_trip_keeps_dtype_predictions_and_can_continue(tmp_path):
    X, y, _, _ = noisy_problem()
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    model = small_net().compile(Adam(lr=0.01), metrics=["accuracy"])
    model.fit(X32, y32, epochs=3, verbose=0)
    path = save_checkpoint(model, tmp_path / "f32.npz")
    copy = load_checkpoint(path)
    assert [w.dtype for w in copy.get_weights()] == [np.float32, np.float32]
    np.testing.assert_array_equal(copy.predict(X32), model.predict(X32))
    assert type(copy.optimizer).__name__ == "Adam" and copy.optimizer.base_lr == 0.01
    assert [m.name for m in copy.metrics] == ["accuracy"]
    hist = copy.fit(X32, y32, epochs=2, verbose=0)
    assert hist.epoch == [4, 5] and np.isfinite(hist.history["loss"]).all()


def test_load_checkpoint_without_compile(tmp_path):
    model = small_net()
    path = save_checkpoint(model, tmp_path / "plain.npz")
    copy = load_checkpoint(path, compile=False)
    assert copy.optimizer is None and copy.cost is not None


def test_load_checkpoint_rejects_other_npz(tmp_path):
    np.savez(tmp_path / "other.npz", a=np.zeros(2))
    with pytest.raises(ValueError, match="not a neural_net checkpoint"):
        load_checkpoint(tmp_path / "other.npz")


def test_model_checkpoint_every_and_filename_fields(tmp_path):
    X, y, Xv, yv = noisy_problem()
    model = small_net()
    ckpt = ModelCheckpoint(str(tmp_path / "w-{epoch:02d}-{val_loss:.3f}"), every=3)
    hist = model.fit(X, y, epochs=7, validation_data=(Xv, yv), callbacks=[ckpt], verbose=0)
    names = sorted(p.name for p in tmp_path.iterdir())
    expected = [f"w-{e:02d}-{hist.history['val_loss'][e - 1]:.3f}.npz" for e in (3, 6)]
    assert names == expected and [e for e, _ in ckpt.saved] == [3, 6]


def test_model_checkpoint_bad_filepath_field_names_filepath(tmp_path):
    X, y, _, _ = noisy_problem()
    ckpt = ModelCheckpoint(str(tmp_path / "{nope}.npz"), monitor="loss")
    with pytest.raises(ValueError, match="filepath"):
        small_net().fit(X, y, epochs=1, callbacks=[ckpt], verbose=0)


def test_model_checkpoint_needs_a_filepath_or_a_store():
    X, y, _, _ = noisy_problem()
    with pytest.raises(ValueError, match="filepath"):
        small_net().fit(X, y, epochs=1, callbacks=[ModelCheckpoint()], verbose=0)


@pytest.mark.parametrize("kwargs,error", [(dict(every=0), ValueError), (dict(every=1.5), ValueError),
                                          (dict(mode="best"), ValueError), (dict(filepath=3), TypeError)])
def test_model_checkpoint_bad_arguments(kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        ModelCheckpoint(**kwargs)


# ----------------------------------------------------------------------------- ModelCheckpoint: store
def test_model_checkpoint_writes_into_the_store_with_commit_after_each_snapshot():
    store = FakeStore()
    ckpt = ModelCheckpoint(monitor="val_loss")
    drive(ckpt, [1.0, 0.8, 0.9], model=FakeModel(store=store))
    assert store.calls == ["update_weights:checkpoint", "commit"] * 3
    assert [e for e, _ in ckpt.saved] == [1, 2, 3] and {d for _, d in ckpt.saved} == {"store"}


def test_model_checkpoint_save_best_only_into_the_store():
    store = FakeStore()
    ckpt = ModelCheckpoint(monitor="val_loss", save_best_only=True)
    drive(ckpt, [1.0, 0.8, 0.9, 0.7, 0.75], model=FakeModel(store=store))
    assert store.calls == ["update_weights:best", "commit"] * 3
    assert [e for e, _ in ckpt.saved] == [1, 2, 4]


def test_model_checkpoint_save_best_only_mode_max_and_every():
    store = FakeStore()
    ckpt = ModelCheckpoint(monitor="val_accuracy", save_best_only=True, every=2)
    drive(ckpt, [0.1, 0.5, 0.9, 0.4, 0.2, 0.6], key="val_accuracy", model=FakeModel(store=store))
    # acts at epochs 2, 4, 6 only: 0.5 (saved), 0.4 (no), 0.6 (saved)
    assert [e for e, _ in ckpt.saved] == [2, 6]


def test_model_checkpoint_store_path_in_a_real_fit_snapshots_the_epoch_weights():
    X, y, Xv, yv = noisy_problem()
    model = small_net()
    store = FakeStore(model)
    model.store = store   # stand-in for Sequential(..., store=True)
    snap, snaps = snapshotter()
    hist = model.fit(X, y, epochs=4, validation_data=(Xv, yv), callbacks=[snap, ModelCheckpoint()], verbose=0)
    assert [tag for tag, _ in store.committed] == ["checkpoint"] * 4 and not store.staged
    for epoch, (_, weights) in zip(hist.epoch, store.committed):
        for w, ref in zip(weights, snaps[epoch]):
            np.testing.assert_array_equal(w, ref)


def test_model_checkpoint_writes_store_and_file_when_both_are_available(tmp_path):
    X, y, _, _ = noisy_problem()
    model = small_net()
    model.store = FakeStore(model)
    ckpt = ModelCheckpoint(str(tmp_path / "c.npz"), monitor="loss")
    model.fit(X, y, epochs=2, callbacks=[ckpt], verbose=0)
    assert [d for _, d in ckpt.saved] == ["store", str(tmp_path / "c.npz")] * 2


# ----------------------------------------------------------------------------- TerminateOnNaN
def test_terminate_on_nan_stops_a_diverging_fit():
    X, y, _, _ = noisy_problem()
    model = Sequential([Dense(8, "relu", input_dim=5), Dense(1)], "mse", seed=0).compile(SGD(lr=5.0))
    cb = TerminateOnNaN()
    with np.errstate(all="ignore"):
        hist = model.fit(X * 10, y, epochs=100, batch_size=5, callbacks=[cb], verbose=0)
    n = len(hist.epoch)
    assert n < 100 and cb.terminated_epoch == hist.epoch[-1]
    assert not math.isfinite(hist.history["loss"][-1])
    assert all(math.isfinite(v) for v in hist.history["loss"][:-1])


def test_terminate_on_nan_checks_batches():
    cb = TerminateOnNaN()
    model = FakeModel()
    cb.set_model(model)
    cb.on_train_begin({})
    cb.on_batch_end(0, {"loss": 0.5})
    assert not model.stop_training
    cb.on_batch_end(1, {"loss": float("inf")})
    assert model.stop_training and cb.terminated_epoch == 1


def test_terminate_on_nan_with_accuracy_metric():
    X, y, _, _ = noisy_problem()
    model = small_net().compile("sgd", metrics=["accuracy"])
    w = model.get_weights()
    w[0][0, 0] = np.nan
    model.set_weights(w)
    cb = TerminateOnNaN()
    with np.errstate(all="ignore"):
        hist = model.fit(X, y, epochs=5, callbacks=[cb], verbose=0)
    assert len(hist.epoch) == 1 and cb.terminated_epoch == 1


# ----------------------------------------------------------------------------- learning-rate callbacks
def test_lr_callbacks_are_re_exported_from_schedules():
    from neural_net.callbacks import LearningRateScheduler, ReduceLROnPlateau

    assert LearningRateScheduler is schedules.LearningRateScheduler
    assert ReduceLROnPlateau is schedules.ReduceLROnPlateau
    assert {"LearningRateScheduler", "ReduceLROnPlateau"} <= set(dir(C)) and set(C.__all__) <= set(dir(C))
    with pytest.raises(AttributeError):
        C.NoSuchCallback  # noqa: B018


def test_learning_rate_scheduler_function_through_fit():
    X, y, _, _ = noisy_problem()
    model = small_net().compile(SGD(lr=0.1))
    sched = C.LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5 ** (epoch - 1))
    hist = model.fit(X, y, epochs=4, callbacks=[sched], verbose=0)
    assert hist.history["lr"] == [0.1, 0.05, 0.025, 0.0125]
    assert model.optimizer.lr == 0.0125


def test_learning_rate_scheduler_with_a_schedule_changes_the_training():
    X, y, _, _ = noisy_problem()
    a = small_net().compile(SGD(lr=0.1))
    b = small_net().compile(SGD(lr=0.1))
    ha = a.fit(X, y, epochs=4, shuffle=False, callbacks=[C.LearningRateScheduler(schedules.StepDecay(2, 0.1))],
               verbose=0)
    hb = b.fit(X, y, epochs=4, shuffle=False, verbose=0)
    assert ha.history["lr"] == pytest.approx([0.1, 0.1, 0.01, 0.01])
    # same until the rate changes at epoch 3 (whose second batch already sees the new rate)
    assert ha.history["loss"][:2] == hb.history["loss"][:2]
    assert ha.history["loss"][2] != hb.history["loss"][2]


def test_reduce_lr_on_plateau_through_fit():
    X, y, _, _ = noisy_problem()
    model = small_net().compile(SGD(lr=0.1))
    # min_delta larger than any change: every epoch after the first is a plateau
    cb = C.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=10.0)
    hist = model.fit(X, y, epochs=5, callbacks=[cb], verbose=0)
    # 'lr' is logged before on_epoch_end: the reduction at the end of epoch e shows at e + 1
    assert hist.history["lr"] == [0.1, 0.1, 0.05, 0.025, 0.0125]
    assert model.optimizer.lr == 0.00625


def test_reduce_lr_on_plateau_with_validation_and_early_stopping_together():
    X, y, Xv, yv = noisy_problem()
    model = small_net().compile(Adam(lr=0.05))
    rlr = C.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1)
    es = EarlyStopping(monitor="val_loss", patience=4, restore_best_weights=True)
    hist = model.fit(X, y, epochs=100, batch_size=8, validation_data=(Xv, yv), callbacks=[rlr, es], verbose=0)
    lrs = hist.history["lr"]
    assert len(hist.epoch) < 100 and lrs[0] == 0.05 and lrs[-1] < 0.05
    assert all(b <= a for a, b in zip(lrs, lrs[1:]))   # only ever lowered


def test_model_checkpoint_with_the_real_store(tmp_path, monkeypatch):
    """Smoke test against the database store (written by a colleague; the contract tested in
    detail above with FakeStore is just update_weights(tag=...) then commit())."""
    pytest.importorskip("sqlalchemy")
    import neural_net  # noqa: F401  (registers the store factory)

    monkeypatch.chdir(tmp_path)
    X, y, Xv, yv = noisy_problem()
    model = Sequential([Dense(4, "relu", input_dim=5), Dense(1, "sigmoid")], "bce", store="sqlite://", seed=0)
    ckpt = ModelCheckpoint(monitor="val_loss", save_best_only=True)
    hist = model.fit(X, y, epochs=4, validation_data=(Xv, yv), callbacks=[ckpt], verbose=0)
    val = hist.history["val_loss"]
    improving = [e for i, e in enumerate(hist.epoch) if val[i] < min(val[:i], default=math.inf)]
    assert ckpt.saved == [(e, "store") for e in improving]

"""Ensemble (issue 16): member k of a stacked ensemble follows the trajectory of the same
configuration trained alone through Sequential.fit, in float64 to 1e-12 relative."""
from __future__ import annotations

import numpy as np
import pytest

from neural_net.architecture import Sequential
from neural_net.callbacks import EarlyStopping, TerminateOnNaN
from neural_net.divergence import TrainingDiverged
from neural_net.ensemble import Ensemble
from neural_net.stacking import architecture_key
from neural_net.layers import Dense, Dropout
from neural_net.optimizers import SGD, Adam, AdamW, RMSprop
from neural_net.schedules import StepDecay

RTOL = 1e-12


def data(n=40, d=3, k=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, np.eye(k)[rng.integers(0, k, n)]


def build(seed, opt, drop=None, hidden='tanh', cost='categorical_crossentropy', out='softmax', k=3):
    steps = [Dense(5, hidden, input_dim=3)] + ([Dropout(drop)] if drop is not None else []) + [Dense(k, out)]
    return Sequential(steps, cost, seed=seed).compile(opt, metrics=['accuracy'])


def assert_same(alone, member, h_alone=None, h_member=None):
    for Wa, Wm in zip(alone.get_weights(), member.get_weights()):
        np.testing.assert_allclose(Wm, Wa, rtol=RTOL, atol=0)
    if h_alone is not None:
        assert h_member.epoch == h_alone.epoch
        for key, values in h_alone.history.items():
            np.testing.assert_allclose(h_member.history[key], values, rtol=RTOL, atol=0, err_msg=key)


# each group mixes per-member settings (learning rate, momentum, weight decay, dropout rate, seed)
GROUPS = {
    "sgd": [lambda: SGD(lr=0.1), lambda: SGD(lr=0.03, weight_decay=0.01), lambda: SGD(lr=0.2)],
    "momentum": [lambda: SGD(lr=0.05, momentum=0.9), lambda: SGD(lr=0.02, momentum=0.5, dampening=0.1),
                 lambda: SGD(lr=0.05, momentum=0.8, weight_decay=0.001)],
    "adam": [lambda: Adam(lr=0.01), lambda: Adam(lr=0.003, betas=(0.8, 0.99), weight_decay=0.01),
             lambda: Adam(lr=0.02, eps=1e-6)],
    "adamw": [lambda: AdamW(lr=0.01), lambda: AdamW(lr=0.02, weight_decay=0.1), lambda: AdamW(lr=0.005)],
    "rmsprop": [lambda: RMSprop(lr=0.01), lambda: RMSprop(lr=0.003, alpha=0.9), lambda: RMSprop(lr=0.01, weight_decay=0.01)],
}


@pytest.mark.parametrize("dropout", [False, True])
@pytest.mark.parametrize("name", sorted(GROUPS))
def test_members_follow_their_alone_trajectory(name, dropout):
    X, y = data()
    drops = [0.2, 0.0, 0.5] if dropout else [None] * 3
    configs = [(7 + 11 * j, make, drops[j]) for j, make in enumerate(GROUPS[name])]
    alone = [build(s, make(), d) for s, make, d in configs]
    h_alone = [m.fit(X, y, epochs=100, batch_size=16, verbose=0) for m in alone]
    ens = Ensemble([build(s, make(), d) for s, make, d in configs])
    h_ens = ens.fit(X, y, epochs=100, batch_size=16)
    assert ens.status == ["finished"] * 3
    for a, m, ha, hm in zip(alone, ens.members, h_alone, h_ens):
        assert_same(a, m, ha, hm)
        assert m.epoch == 100 and m.history.history["loss"] == hm.history["loss"]
    # the members differ from each other: the test would catch members trained alike
    assert not np.allclose(ens.members[0].get_weights()[0], ens.members[1].get_weights()[0])


def test_shared_seed_full_batch_validation_schedule_and_mse():
    """Same seed (one shared order: the inputs broadcast), validation metrics, a schedule,
    σ + MSE (no fused delta) and full-batch training."""
    X, y = data(k=2)
    y = y[:, :2]
    Xv, yv = data(n=10, k=2, seed=3)
    yv = yv[:, :2]
    make = [lambda: Adam(lr=0.01, schedule=StepDecay(10, gamma=0.5)), lambda: Adam(lr=0.05)]
    for batch in (8, None):
        alone = [build(5, m(), hidden='relu', cost='mse', out='sigmoid', k=2) for m in make]
        ha = [a.fit(X, y, epochs=30, batch_size=batch, validation_data=(Xv, yv), verbose=0) for a in alone]
        ens = Ensemble([build(5, m(), hidden='relu', cost='mse', out='sigmoid', k=2) for m in make])
        he = ens.fit(X, y, epochs=30, batch_size=batch, validation_data=(Xv, yv))
        for a, m, h1, h2 in zip(alone, ens.members, ha, he):
            assert_same(a, m, h1, h2)
        assert "val_accuracy" in he[0].history and he[0].history["lr"][-1] == pytest.approx(0.01 * 0.5 ** 2)


def test_members_continue_alone_where_the_ensemble_left_them():
    """The members' optimizers get their rows of the stacked state (Adam's moments, step)."""
    X, y = data()
    alone = [build(s, Adam(lr=0.01)) for s in (1, 2)]
    for a in alone:
        a.fit(X, y, epochs=40, batch_size=16, verbose=0)
    ens = Ensemble([build(s, Adam(lr=0.01)) for s in (1, 2)])
    ens.fit(X, y, epochs=20, batch_size=16)
    for a, m in zip(alone, ens.members):
        m.fit(X, y, epochs=20, batch_size=16, verbose=0)
        assert_same(a, m)


def test_early_stopping_per_member_and_the_others_train_on():
    X, y = data()
    Xv, yv = data(n=12, seed=5)
    opts = [lambda: Adam(lr=0.2), lambda: Adam(lr=0.01), lambda: Adam(lr=0.3)]

    def cbs(k):
        return [EarlyStopping(monitor='val_loss', patience=2, restore_best_weights=True)] if k != 1 else []
    alone = [build(3 + k, o()) for k, o in enumerate(opts)]
    ha = [a.fit(X, y, epochs=80, batch_size=8, validation_data=(Xv, yv), callbacks=cbs(k), verbose=0)
          for k, a in enumerate(alone)]
    ens = Ensemble([build(3 + k, o()) for k, o in enumerate(opts)])
    he = ens.fit(X, y, epochs=80, batch_size=8, validation_data=(Xv, yv), callbacks=cbs)
    lengths = [len(h.epoch) for h in ha]
    assert lengths[1] == 80 and min(lengths) < 80, lengths  # the test needs a member that stops early
    assert [len(h.epoch) for h in he] == lengths
    for a, m, h1, h2 in zip(alone, ens.members, ha, he):
        assert_same(a, m, h1, h2)
    assert ens.status[1] == "finished" and "stopped" in ens.status


def test_a_diverged_member_is_stopped_and_marked_the_others_go_on():
    X, y = data()
    X = X * 2
    opts = [lambda: SGD(lr=0.01, momentum=0.5), lambda: SGD(lr=1e6, momentum=0.9), lambda: SGD(lr=0.005, momentum=0.9)]
    alone = [build(k, o(), hidden='relu', cost='mse', out=None) for k, o in enumerate(opts)]
    errors = {}
    for k, a in enumerate(alone):
        try:
            with np.errstate(over='ignore', invalid='ignore'):
                a.fit(X, y, epochs=60, batch_size=16, verbose=0)
        except TrainingDiverged as e:
            errors[k] = e
    assert list(errors) == [1]  # the test needs exactly the middle member to diverge
    ens = Ensemble([build(k, o(), hidden='relu', cost='mse', out=None) for k, o in enumerate(opts)])
    with np.errstate(over='ignore', invalid='ignore'):
        he = ens.fit(X, y, epochs=60, batch_size=16)
    assert ens.status == ["finished", "diverged", "finished"]
    assert isinstance(ens.errors[1], TrainingDiverged) and str(ens.errors[1]) == str(errors[1])
    assert he[1].epoch == list(range(1, errors[1].epoch))
    for a, m in zip(alone, ens.members):  # the diverged one holds its last finite weights, as alone
        assert_same(a, m)
        assert all(np.isfinite(W).all() for W in m.get_weights())


def test_terminate_on_nan_member_policy():
    X, y = data()
    X = X * 2
    opts = [lambda: SGD(lr=1e6, momentum=0.9), lambda: SGD(lr=0.005, momentum=0.9)]
    alone = [build(k, o(), hidden='relu', cost='mse', out=None) for k, o in enumerate(opts)]
    with np.errstate(over='ignore', invalid='ignore'):
        ha = [a.fit(X, y, epochs=30, batch_size=16, callbacks=[TerminateOnNaN()], verbose=0) for a in alone]
        ens = Ensemble([build(k, o(), hidden='relu', cost='mse', out=None) for k, o in enumerate(opts)])
        he = ens.fit(X, y, epochs=30, batch_size=16, callbacks=lambda k: [TerminateOnNaN()])
    assert len(ha[0].epoch) < 30 and len(he[0].epoch) == len(ha[0].epoch)
    for a, m in zip(alone, ens.members):
        assert_same(a, m)


def test_predict_stacks_the_members_outputs():
    X, y = data()
    models = [build(s, SGD(lr=0.1)) for s in (1, 2)]
    ens = Ensemble(models)
    ens.fit(X, y, epochs=3, batch_size=16)
    P = ens.predict(X)
    assert P.shape == (2, 40, 3)
    for k, m in enumerate(ens.members):
        np.testing.assert_allclose(P[k], m.predict(X), rtol=1e-13)


def test_architecture_key_ignores_initialiser_and_dropout_rate_not_widths():
    a = build(0, SGD(lr=0.1), drop=0.1)
    assert architecture_key(a) == architecture_key(build(1, SGD(lr=0.5, weight_decay=0.1), drop=0.4))
    assert architecture_key(a) != architecture_key(build(1, SGD(lr=0.1, momentum=0.9), drop=0.1))
    assert architecture_key(a) != architecture_key(build(1, Adam(), drop=0.1))
    assert architecture_key(a) != architecture_key(build(1, SGD(lr=0.1), drop=0.1, hidden='relu'))


def test_bad_input_gets_clear_errors_before_training():
    X, y = data()
    good = [build(0, SGD()), build(1, SGD())]
    with pytest.raises(TypeError, match="models must be a list"):
        Ensemble(good[0])
    with pytest.raises(ValueError, match="at least one"):
        Ensemble([])
    with pytest.raises(ValueError, match=r"models\[1\] differs from models\[0\] in its layers"):
        Ensemble([good[0], build(1, SGD(), hidden='relu')])
    with pytest.raises(ValueError, match=r"models\[1\] differs from models\[0\] in its optimizer"):
        Ensemble([good[0], build(1, Adam())])
    with pytest.raises(ValueError, match="distinct"):
        Ensemble([good[0], good[0]])
    shared = np.random.default_rng(0)
    with pytest.raises(ValueError, match="own random generator"):
        Ensemble([build(shared, SGD()), build(shared, SGD())])
    uncompiled = Sequential([Dense(5, 'tanh', input_dim=3), Dense(3, 'softmax')], 'categorical_crossentropy')
    with pytest.raises(ValueError, match=r"models\[1\] must be compiled"):
        Ensemble([good[0], uncompiled])
    class Sign(SGD):
        name = "sign_sgd_unregistered"
    with pytest.raises(ValueError, match="cannot be stacked"):
        Ensemble([build(0, Sign()), build(1, Sign())])
    ens = Ensemble(good)
    with pytest.raises(ValueError, match="columns"):
        ens.fit(X[:, :2], y)
    with pytest.raises(TypeError, match="callbacks must be"):
        ens.fit(X, y, callbacks=[EarlyStopping()])
    one = EarlyStopping()
    with pytest.raises(ValueError, match="two members"):
        ens.fit(X, y, callbacks=[[one], [one]])
    assert all(m.epoch == 0 for m in good)  # nothing trained


# ----- sweep(..., vectorize=True) --------------------------------------------------------
def sweep_build(lr, seed, units=5, opt='adam', drop=0.0):
    o = Adam(lr=lr) if opt == 'adam' else SGD(lr=lr, momentum=0.9)
    steps = [Dense(units, 'tanh', input_dim=3), Dropout(drop), Dense(3, 'softmax')]
    return Sequential(steps, 'categorical_crossentropy', seed=seed).compile(o, metrics=['accuracy'])


def stored_runs(path, frame):
    import neural_net.db as db
    out = {}
    for row in frame.itertuples():
        info = db.run_info(path, row.run_id)
        params = dict(info["hyperparams"]["params"])
        params.pop("ensemble_group", None)
        hist = db.history(path, row.run_id)
        snaps = db.snapshots(path, row.run_id)
        W = db.weight_matrices(path, row.run_id)
        out[row.trial] = (info["status"], info["name"], info["run_name"], params, hist, list(snaps["tag"]), list(snaps["epoch"]), W)
    return out


def test_sweep_vectorize_stores_the_same_runs(tmp_path):
    from neural_net.sweep import sweep
    X, y = data()
    # two stackable groups (adam x 4 points with a dropout-rate mix, sgd-momentum x 2), and a lone point
    grid = [{'lr': lr, 'seed': s, 'drop': d} for lr in (0.01, 0.05) for s in (1, 2) for d in (0.0,)] + \
           [{'lr': 0.02, 'seed': 3, 'drop': 0.3}] + \
           [{'lr': lr, 'seed': 4, 'opt': 'sgd'} for lr in (0.01, 0.02)] + [{'lr': 0.01, 'seed': 5, 'units': 7}]
    kw = dict(epochs=15, batch_size=16, validation_split=0.25, monitor='val_loss')
    a = sweep(sweep_build, grid, X, y, store=str(tmp_path / "v.db"), vectorize=True, **kw)
    b = sweep(sweep_build, grid, X, y, store=str(tmp_path / "o.db"), **kw)
    assert list(a.trial) == list(b.trial)  # same ranking
    for col in ("loss", "val_loss", "epochs", "status"):
        np.testing.assert_array_equal(a[col].isna(), b[col].isna())
        if a[col].dtype.kind == "f":
            np.testing.assert_allclose(a[col], b[col], rtol=RTOL)
        else:
            assert list(a[col]) == list(b[col])
    va, vb = stored_runs(a.db_path[0], a), stored_runs(b.db_path[0], b)
    assert sorted(va) == sorted(vb) == list(range(len(grid)))
    for t in va:
        (sa, na, ra, pa, ha, ta, ea, Wa), (sb, nb, rb, pb, hb, tb, eb, Wb) = va[t], vb[t]
        assert (sa, na, ra, pa, ta, ea) == (sb, nb, rb, pb, tb, eb)  # run names from the grid values too
        assert list(ha.columns) == list(hb.columns) and len(ha) == len(hb) == 15
        np.testing.assert_allclose(ha.to_numpy(float), hb.to_numpy(float), rtol=RTOL)
        for x, z in zip(Wa, Wb):
            np.testing.assert_allclose(x, z, rtol=RTOL)
    import neural_net.db as db
    groups = {t: db.run_info(a.db_path[0], r)["hyperparams"]["params"].get("ensemble_group")
              for t, r in zip(a.trial, a.run_id)}
    assert groups[7] is None  # the lone point was trained alone
    assert len({groups[t] for t in (0, 1, 2, 3, 4)}) == 1 and groups[5] == groups[6] != groups[0]


def test_sweep_vectorize_records_a_diverged_member_and_a_failing_build(tmp_path):
    from neural_net.sweep import sweep
    X, y = data()

    def build(lr, seed):
        if seed == 9:
            raise RuntimeError("no model for seed 9")
        return Sequential([Dense(5, 'relu', input_dim=3), Dense(3)], 'mse', seed=seed).compile(SGD(lr=lr, momentum=0.9))
    grid = {'lr': [0.01, 1e6], 'seed': [1, 2, 9]}
    with np.errstate(over='ignore', invalid='ignore'):
        a = sweep(build, grid, X, y, epochs=20, batch_size=16, store=str(tmp_path / "v.db"), vectorize=True)
        b = sweep(build, grid, X, y, epochs=20, batch_size=16, store=str(tmp_path / "o.db"))
    a, b = a.sort_values("trial"), b.sort_values("trial")
    assert list(a.status) == list(b.status) and list(a.error.fillna("")) == list(b.error.fillna(""))
    assert "TrainingDiverged" in a.error.iloc[3] and "seed 9" in a.error.iloc[2]
    import neural_net.db as db
    sa = [db.run_info(a.db_path.iloc[0], r)["status"] for r in a.run_id]
    sb = [db.run_info(b.db_path.iloc[0], r)["status"] for r in b.run_id]
    assert sa == sb and "diverged" in sa and "failed" in sa


def test_sweep_vectorize_commit_every_reaches_the_ensemble_and_stores_the_same_runs(tmp_path, monkeypatch):
    from neural_net.ensemble import Ensemble
    from neural_net.sweep import sweep
    X, y = data()
    seen = []
    fit = Ensemble.fit

    def spy(self, *args, **kwargs):
        seen.append(kwargs.get("commit_every"))
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(Ensemble, "fit", spy)
    grid = {'lr': [0.01, 0.02], 'seed': [1, 2]}
    kw = dict(epochs=7, batch_size=16, vectorize=True)
    a = sweep(sweep_build, grid, X, y, store=str(tmp_path / "a.db"), commit_every=3, **kw)
    b = sweep(sweep_build, grid, X, y, store=str(tmp_path / "b.db"), **kw)
    assert seen == [3, 1]
    va, vb = stored_runs(a.db_path[0], a), stored_runs(b.db_path[0], b)
    assert sorted(va) == sorted(vb) == [0, 1, 2, 3]
    for t in va:
        (sa, na, ra, pa, ha, ta, ea, Wa), (sb, nb, rb, pb, hb, tb, eb, Wb) = va[t], vb[t]
        assert (sa, na, ra, pa, ta, ea) == (sb, nb, rb, pb, tb, eb) and sa == "finished"
        assert list(ha.columns) == list(hb.columns) and len(ha) == len(hb) == 7  # every epoch stored
        np.testing.assert_array_equal(ha.to_numpy(float), hb.to_numpy(float))  # the same values
        for x, z in zip(Wa, Wb):
            np.testing.assert_array_equal(x, z)
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match="commit_every must be an integer >= 1"):
            sweep(sweep_build, grid, X, y, commit_every=bad, **kw)


def test_sweep_vectorize_refuses_an_executor():
    from concurrent.futures import ThreadPoolExecutor
    from neural_net.sweep import sweep
    X, y = data()
    with ThreadPoolExecutor(1) as ex, pytest.raises(ValueError, match="executor=None"):
        sweep(sweep_build, {'lr': [0.1]}, X, y, vectorize=True, executor=ex)
    with pytest.raises(TypeError, match="vectorize must be a bool"):
        sweep(sweep_build, {'lr': [0.1]}, X, y, vectorize="yes")


@pytest.mark.parametrize("chunk", [1, 2])
def test_chunked_passes_give_the_same_numbers(chunk):
    """Members are independent: stacking them in passes of `chunk` changes nothing."""
    X, y = data()
    Xv, yv = data(n=12, seed=5)
    opts = [lambda: Adam(lr=0.2), lambda: Adam(lr=0.01, weight_decay=0.01), lambda: Adam(lr=0.3)]
    cbs = lambda k: [EarlyStopping(monitor='val_loss', patience=2)]  # noqa: E731
    alone = [build(3 + k, o(), drop=0.2) for k, o in enumerate(opts)]
    ha = [a.fit(X, y, epochs=40, batch_size=8, validation_data=(Xv, yv), callbacks=cbs(k), verbose=0)
          for k, a in enumerate(alone)]
    ens = Ensemble([build(3 + k, o(), drop=0.2) for k, o in enumerate(opts)])
    he = ens.fit(X, y, epochs=40, batch_size=8, validation_data=(Xv, yv), callbacks=cbs, chunk=chunk)
    for a, m, h1, h2 in zip(alone, ens.members, ha, he):
        assert_same(a, m, h1, h2)
    with pytest.raises(ValueError, match="chunk"):
        Ensemble([build(0, SGD()), build(1, SGD())]).fit(X, y, chunk=0)


def test_float32_data_trains_float32_members_like_alone():
    X, y = data()
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    opts = [lambda: Adam(lr=0.01), lambda: Adam(lr=0.05, weight_decay=0.01)]
    alone = [build(k, o(), drop=0.2) for k, o in enumerate(opts)]
    for a in alone:
        a.fit(X32, y32, epochs=20, batch_size=16, verbose=0)
    ens = Ensemble([build(k, o(), drop=0.2) for k, o in enumerate(opts)])
    ens.fit(X32, y32, epochs=20, batch_size=16)
    for a, m in zip(alone, ens.members):
        for Wa, Wm in zip(a.get_weights(), m.get_weights()):
            assert Wm.dtype == np.float32
            np.testing.assert_allclose(Wm, Wa, rtol=1e-4, atol=1e-6)
    assert ens.predict(X32).dtype == np.float32


@pytest.mark.parametrize("shuffle", [True, False])
def test_bootstrap_members_train_on_their_own_sample(shuffle):
    X, y = data()
    opts = [lambda: SGD(lr=0.1), lambda: SGD(lr=0.05), lambda: SGD(lr=0.1)]
    alone, ha = [], []
    for k, o in enumerate(opts):
        a = build(k, o(), drop=0.1)
        idx = a.rng.integers(0, len(X), size=len(X))
        ha.append(a.fit(X[idx], y[idx], epochs=30, batch_size=16, shuffle=shuffle, verbose=0))
        alone.append(a)
    ens = Ensemble([build(k, o(), drop=0.1) for k, o in enumerate(opts)])
    he = ens.fit(X, y, epochs=30, batch_size=16, shuffle=shuffle, bootstrap=True)
    for a, m, h1, h2 in zip(alone, ens.members, ha, he):
        assert_same(a, m, h1, h2)
    plain = Ensemble([build(k, o(), drop=0.1) for k, o in enumerate(opts)])
    plain.fit(X, y, epochs=30, batch_size=16, shuffle=shuffle)
    assert not np.allclose(plain.members[0].get_weights()[0], ens.members[0].get_weights()[0])
    with pytest.raises(TypeError, match="bootstrap must be a bool"):
        plain.fit(X, y, bootstrap=1)


def test_members_weights_are_their_rows_of_the_stack_not_a_second_copy():
    """Memory: while training, a member's weight matrices are views of the stacked arrays (one
    copy of the weights, not two); a member that stops takes its own copy and the rest go on."""
    from neural_net.callbacks import Callback

    seen = {}

    class Probe(Callback):
        def __init__(self, k):
            self.k = k

        def on_epoch_end(self, epoch, logs=None):
            seen.setdefault(epoch, {})[self.k] = [s.func.W for s in self.model.steps if hasattr(s.func, "W")]
            if self.k == 0 and epoch == 2:
                self.model.stop_training = True

    X, y = data()
    ens = Ensemble([build(k, SGD(lr=0.1)) for k in range(3)])
    ens.fit(X, y, epochs=4, batch_size=8, callbacks=lambda k: [Probe(k)])
    first = seen[1]
    for W0, W1, W2 in zip(first[0], first[1], first[2]):  # one stacked array holds the three members
        assert W0.base is not None and W0.base is W1.base is W2.base
    own = [s.func.W for s in ens.members[0].steps if hasattr(s.func, "W")]
    later = seen[3]
    assert 0 not in later  # member 0 stopped at epoch 2
    for W0, W1 in zip(own, later[1]):
        assert not np.shares_memory(W0, W1)  # the stopped member kept its own copy
    alone = build(0, SGD(lr=0.1))

    class Stop(Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = epoch == 2
    alone.fit(X, y, epochs=4, batch_size=8, callbacks=[Stop()], verbose=0)
    assert_same(alone, ens.members[0])


@pytest.mark.parametrize("workers, chunk", [(2, None), (2, 1), (3, 2)])
def test_workers_train_stacks_at_once_with_the_same_numbers(workers, chunk):
    """Stacks trained at once in threads: every member still follows its alone trajectory,
    with its own early stopping and divergence."""
    X, y = data()
    X = X * 2
    Xv, yv = data(n=12, seed=5)
    opts = [lambda: SGD(lr=0.05, momentum=0.5), lambda: SGD(lr=1e6, momentum=0.9), lambda: SGD(lr=0.05, momentum=0.5),
            lambda: SGD(lr=0.02, momentum=0.5), lambda: SGD(lr=0.01, momentum=0.9)]
    cbs = lambda k: [EarlyStopping(monitor='val_loss', patience=2)] if k == 2 else []  # noqa: E731
    make = [lambda k=k, o=o: build(3 + k, o(), hidden='relu', cost='mse', out=None) for k, o in enumerate(opts)]
    alone, ha, diverged = [m() for m in make], [], set()
    with np.errstate(over='ignore', invalid='ignore'):
        for k, a in enumerate(alone):
            try:
                ha.append(a.fit(X, y, epochs=40, batch_size=8, validation_data=(Xv, yv), callbacks=cbs(k), verbose=0))
            except TrainingDiverged:
                ha.append(None)
                diverged.add(k)
        assert diverged == {1} and len(ha[2].epoch) < 40  # the test needs a diverging and a stopping member
        ens = Ensemble([m() for m in make])
        he = ens.fit(X, y, epochs=40, batch_size=8, validation_data=(Xv, yv), callbacks=cbs, chunk=chunk,
                     workers=workers)
    assert ens.status == ["finished", "diverged", "stopped", "finished", "finished"]
    for k, (a, m) in enumerate(zip(alone, ens.members)):
        assert_same(a, m, ha[k], he[k] if ha[k] is not None else None)


def test_workers_refuse_stored_members_and_raise_the_first_failure(tmp_path):
    X, y = data()
    stored = build(0, SGD())
    stored.open_store(str(tmp_path / "runs.db"))
    try:
        with pytest.raises(ValueError, match="workers"):
            Ensemble([stored, build(1, SGD())]).fit(X, y, workers=2)
    finally:
        stored.store.close()
    with pytest.raises(ValueError, match="workers"):
        Ensemble([build(0, SGD()), build(1, SGD())]).fit(X, y, workers=0)

    import threading

    from neural_net.callbacks.base import Callback
    from neural_net.ensemble import Aborted
    failed, reached = threading.Event(), threading.Event()

    class Boom(Callback):  # fails at its epoch 3, once the other stack is at its epoch 2
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 3:
                assert reached.wait(30)
                raise KeyError("boom")

        def on_train_failed(self, error):
            failed.set()

    class Wait(Callback):  # holds the other stack at its epoch 2 until the first has failed
        def __init__(self):
            self.error = None

        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:
                reached.set()
                assert failed.wait(30)

        def on_train_failed(self, error):
            self.error = error
    waits = {k: Wait() for k in range(1, 4)}
    ens = Ensemble([build(k, SGD(lr=0.01)) for k in range(4)])
    with pytest.raises(KeyError, match="boom"):
        ens.fit(X, y, epochs=50, batch_size=8, chunk=1, workers=2,
                callbacks=lambda k: [Boom()] if k == 0 else [waits[k]])
    # lanes [0, 2] (this thread) and [1, 3]: member 1 stops at its next epoch, 2 and 3 never start
    assert ens.status == ["failed", "failed", "created", "created"]
    assert isinstance(waits[1].error, Aborted) and ens.members[1].epoch == 2
    assert ens.members[0].epoch == 3


def test_workers_stacks_keep_their_own_scratch_buffers():
    """Stacks running at once must not share the cost's or activations' scratch buffers (a
    shallow copy of the first member's would share the cost's): with arrays big enough for
    numpy to release the GIL mid-operation, a shared buffer puts members off their alone
    trajectory (a race: caught often, not always, when the buffers are shared)."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(1024, 32))
    y = np.eye(10)[rng.integers(0, 10, 1024)]

    def make(k):
        return Sequential([Dense(64, 'relu', input_dim=32), Dense(10, 'softmax')], 'categorical_crossentropy',
                          seed=k).compile(SGD(lr=0.01 * (k + 1)))
    alone = [make(k) for k in range(4)]
    ha = [a.fit(X, y, epochs=4, batch_size=64, verbose=0) for a in alone]
    for _ in range(8):
        ens = Ensemble([make(k) for k in range(4)])
        he = ens.fit(X, y, epochs=4, batch_size=64, chunk=2, workers=2)
        for a, m, h1, h2 in zip(alone, ens.members, ha, he):
            assert_same(a, m, h1, h2)


def test_a_grid_of_rates_by_seeds_gathers_each_order_once_and_members_follow_alone(monkeypatch):
    """Members r and r + 3 share a seed, so a shuffle order: the first layer's inputs are gathered
    for the 3 orders only (Stack.forward gets 3 input stacks for 6 members) and each member
    still follows its alone trajectory; the settings all members share (momentum) stay numbers."""
    from neural_net.stacking import Stack, stack_optimizer

    X, y = data(n=45)
    grid = [(lr, seed, drop) for lr in (0.05, 0.02) for seed, drop in ((3, 0.0), (4, 0.3), (5, 0.1))]
    alone = [build(s, SGD(lr=lr, momentum=0.9), d) for lr, s, d in grid]
    h_alone = [m.fit(X, y, epochs=30, batch_size=8, verbose=0) for m in alone]
    seen = []
    forward = Stack.forward

    def spy(self, X, training):
        if training:
            seen.append(X.shape[:-2])
        return forward(self, X, training)

    monkeypatch.setattr(Stack, "forward", spy)
    members = [build(s, SGD(lr=lr, momentum=0.9), d) for lr, s, d in grid]
    assert stack_optimizer([m.optimizer for m in members], np.float64).momentum == 0.9
    ens = Ensemble(members)
    h_ens = ens.fit(X, y, epochs=30, batch_size=8)
    assert set(seen) == {(3,)}
    for a, m, ha, hm in zip(alone, ens.members, h_alone, h_ens):
        assert_same(a, m, ha, hm)
    assert not np.allclose(ens.members[0].get_weights()[0], ens.members[3].get_weights()[0])

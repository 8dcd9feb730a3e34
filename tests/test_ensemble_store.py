"""An Ensemble's stored members: one write transaction per epoch for all of them (issue 16).

Commits are counted with a SQLAlchemy ``commit`` event listener on the members' engine; every
test runs on SQLite and, with ``NEURAL_NET_TEST_DATABASE_URL``, on PostgreSQL.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from sqlalchemy import event

import neural_net.db as db
from neural_net.architecture import Sequential
from neural_net.callbacks import Callback
from neural_net.ensemble import Ensemble
from neural_net.layers import Dense
from neural_net.optimizers import Adam

EPOCHS = 6


def data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, np.eye(3)[rng.integers(0, 3, n)]


def members(url, K=4, every=2):
    out = []
    for k in range(K):
        net = Sequential([Dense(5, 'tanh', input_dim=3), Dense(3, 'softmax')], 'categorical_crossentropy', seed=k)
        net.compile(Adam(lr=0.01 * (k + 1)), metrics=['accuracy'])
        if url is not None:
            net.open_store({'url': url, 'checkpoint_every': every})
        out.append(net)
    return out


class Commits:
    """Counts the transactions committed on an engine while it is listening."""

    def __init__(self, engine, fail_from=None):
        self.engine, self.n, self.fail_from = engine, 0, fail_from

    def __call__(self, conn):
        self.n += 1
        if self.fail_from is not None and self.n >= self.fail_from:
            raise OSError("disk gone")

    def __enter__(self):
        event.listen(self.engine, "commit", self)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "commit", self)


def stored(url, net):
    hist = db.history(url, net['id'])
    snaps = db.snapshots(url, net['id'])
    return db.run_info(url, net['id']), hist, list(zip(snaps["tag"], snaps["epoch"]))


def test_one_commit_per_epoch_for_all_members(db_url):
    X, y = data()
    nets = members(db_url, K=5)
    with Commits(nets[0].store.engine) as commits:
        Ensemble(nets).fit(X, y, epochs=EPOCHS, batch_size=8, validation_data=data(12, 1))
    # on_train_begin of all, one per epoch (checkpoints included), the final snapshots of all
    assert commits.n == 1 + EPOCHS + 1
    for net in nets:
        info, hist, snaps = stored(db_url, net)
        assert (info["status"], info["epochs"]) == ("finished", EPOCHS)
        assert list(hist.index) == list(range(1, EPOCHS + 1))
        np.testing.assert_allclose(hist["loss"], net.history.history["loss"], rtol=1e-12)
        assert snaps == [("initial", 0), ("checkpoint", 2), ("checkpoint", 4), ("checkpoint", 6)]


def test_grouped_members_are_stored_as_when_trained_alone(db_url):
    X, y = data()
    together, alone = members(db_url, K=3), members(db_url, K=3)
    Ensemble(together).fit(X, y, epochs=EPOCHS - 1, batch_size=8)
    for net in alone:
        net.fit(X, y, epochs=EPOCHS - 1, batch_size=8, verbose=0)
    for a, b in zip(together, alone):
        (ia, ha, sa), (ib, hb, sb) = stored(db_url, a), stored(db_url, b)
        assert (ia["status"], ia["epochs"], sa) == (ib["status"], ib["epochs"], sb)
        assert sa[-1] == ("final", EPOCHS - 1)
        assert ia["hyperparams"] == ib["hyperparams"] and ia["hyperparams"]["epochs"] == EPOCHS - 1
        with a.store.engine.connect() as c:  # the param rows, replaced in the grouped start
            counts = [c.exec_driver_sql(f"SELECT count(*) FROM param WHERE Architecture_id = {n['id']}").scalar()
                      for n in (a, b)]
        assert counts[0] == counts[1] > 0
        assert list(ha.columns) == list(hb.columns)
        np.testing.assert_allclose(ha.to_numpy(float), hb.to_numpy(float), rtol=1e-12)
        for x, z in zip(db.weight_matrices(db_url, a['id']), db.weight_matrices(db_url, b['id'])):
            np.testing.assert_allclose(x, z, rtol=1e-12)


def test_single_model_still_commits_each_epoch(db_url):
    X, y = data()
    net, = members(db_url, K=1, every=None)
    with Commits(net.store.engine) as commits:
        net.fit(X, y, epochs=EPOCHS, batch_size=8, verbose=0)
    assert commits.n == 1 + EPOCHS + 1


class RaiseAt(Callback):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError(f"callback broke at epoch {epoch}")


def test_a_callback_failing_mid_epoch_loses_no_member_epoch(db_url):
    X, y = data()
    nets = members(db_url, K=4)
    with pytest.raises(RuntimeError, match="epoch 4"):
        Ensemble(nets).fit(X, y, epochs=EPOCHS, batch_size=8, callbacks=lambda k: [RaiseAt(4)] if k == 2 else [])
    for k, net in enumerate(nets):
        info, hist, snaps = stored(db_url, net)
        assert info["status"] == "failed" and "epoch 4" in info["error"]
        # every epoch the member completed is stored (the failing epoch's rows by on_train_failed)
        assert list(hist.index) == net.history.epoch == list(range(1, 5 if k <= 2 else 4))
        np.testing.assert_allclose(hist["loss"], net.history.history["loss"], rtol=1e-12)
        assert ("checkpoint", 2) in snaps


def test_a_failing_epoch_commit_writes_that_epoch_for_no_member(db_url):
    X, y = data()
    nets = members(db_url, K=4)
    # commits: 1 on_train_begin, then epochs 1..3; the 5th (epoch 4) and every later one fail
    with Commits(nets[0].store.engine, fail_from=5), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(OSError, match="disk gone"):
            Ensemble(nets).fit(X, y, epochs=EPOCHS, batch_size=8)
    assert any("could not record" in str(w.message) for w in caught)  # the failed status could not be written
    for net in nets:
        info, hist, snaps = stored(db_url, net)
        assert (info["status"], info["epochs"]) == ("running", 3)
        assert list(hist.index) == [1, 2, 3]
        np.testing.assert_allclose(hist["loss"], net.history.history["loss"][:3], rtol=1e-12)
        assert snaps == [("initial", 0), ("checkpoint", 2)]


@pytest.mark.parametrize("every", [2, 4])
def test_commit_every_writes_several_epochs_per_transaction_and_stores_the_same(db_url, every):
    X, y = data()
    nets, ref = members(db_url, K=3), members(db_url, K=3)
    Ensemble(ref).fit(X, y, epochs=EPOCHS, batch_size=8)
    with Commits(nets[0].store.engine) as commits:
        Ensemble(nets).fit(X, y, epochs=EPOCHS, batch_size=8, commit_every=every)
    assert commits.n == 1 + -(-EPOCHS // every) + 1
    for a, b in zip(nets, ref):
        (ia, ha, sa), (ib, hb, sb) = stored(db_url, a), stored(db_url, b)
        assert (ia["status"], ia["epochs"], sa) == (ib["status"], ib["epochs"], sb) == ("finished", EPOCHS, sb)
        np.testing.assert_allclose(ha.to_numpy(float), hb.to_numpy(float), rtol=1e-12)


def test_commit_every_a_callback_failing_mid_block_loses_no_member_epoch(db_url):
    X, y = data()
    nets = members(db_url, K=4)
    with pytest.raises(RuntimeError, match="epoch 4"):
        Ensemble(nets).fit(X, y, epochs=EPOCHS, batch_size=8, commit_every=5,
                           callbacks=lambda k: [RaiseAt(4)] if k == 2 else [])
    for k, net in enumerate(nets):
        info, hist, snaps = stored(db_url, net)
        assert info["status"] == "failed" and "epoch 4" in info["error"]
        assert list(hist.index) == net.history.epoch == list(range(1, 5 if k <= 2 else 4))
        np.testing.assert_allclose(hist["loss"], net.history.history["loss"], rtol=1e-12)
        assert ("checkpoint", 2) in snaps


def test_commit_every_a_failing_commit_loses_only_its_block(db_url):
    X, y = data()
    nets = members(db_url, K=3)
    # commits: 1 on_train_begin, epochs 1-2, epochs 3-4 fails (and every later one)
    with Commits(nets[0].store.engine, fail_from=3), warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        with pytest.raises(OSError, match="disk gone"):
            Ensemble(nets).fit(X, y, epochs=EPOCHS, batch_size=8, commit_every=2)
    for net in nets:
        info, hist, snaps = stored(db_url, net)
        assert (info["status"], info["epochs"]) == ("running", 2)
        assert list(hist.index) == [1, 2]
        assert snaps == [("initial", 0), ("checkpoint", 2)]


def test_commit_every_must_be_a_positive_int():
    X, y = data()
    with pytest.raises((ValueError, TypeError), match="commit_every"):
        Ensemble(members(None, K=2)).fit(X, y, epochs=1, commit_every=0)


class StopAt(Callback):
    """Stops its model's training at the end of epoch ``epoch``."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            self.model.stop_training = True


@pytest.mark.parametrize("commit_every", [1, 3])
def test_a_member_stopping_in_a_checkpoint_epoch_has_the_snapshots_it_would_have_alone(db_url, commit_every):
    # the checkpoint of the stopping epoch is held by the open transaction when the member's
    # training ends: it must not get a second, 'final' copy of the same weights
    X, y = data()
    together, alone = members(db_url, K=3), members(db_url, K=3)
    Ensemble(together).fit(X, y, epochs=EPOCHS, batch_size=8, callbacks=[[StopAt(4)], [StopAt(3)], []],
                           commit_every=commit_every)
    for net, stop in zip(alone, (4, 3, None)):
        net.fit(X, y, epochs=EPOCHS, batch_size=8, verbose=0, callbacks=[StopAt(stop)] if stop else [])
    for a, b in zip(together, alone):
        (ia, ha, sa), (ib, hb, sb) = stored(db_url, a), stored(db_url, b)
        assert (ia["status"], ia["epochs"], sa) == (ib["status"], ib["epochs"], sb)
        np.testing.assert_allclose(ha.to_numpy(float), hb.to_numpy(float), rtol=1e-12)
    assert stored(db_url, together[0])[2] == [("initial", 0), ("checkpoint", 2), ("checkpoint", 4)]
    assert stored(db_url, together[1])[2] == [("initial", 0), ("checkpoint", 2), ("final", 3)]

"""The ensemble's grouped recording: members' recorders called once per epoch for all
(Recorder.on_epoch_end_many), rows built at once, one on_commit per deferred engine."""
from __future__ import annotations

import numpy as np
import pytest

import neural_net.db as db
from neural_net.architecture import Sequential
from neural_net.callbacks import Callback
from neural_net.db.rows import epoch_rows, epoch_rows_many
from neural_net.ensemble import Ensemble
from neural_net.layers import Dense
from neural_net.optimizers import Adam

EPOCHS = 6


def data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, np.eye(3)[rng.integers(0, 3, n)]


def net(k, url=None):
    m = Sequential([Dense(5, 'tanh', input_dim=3), Dense(3, 'softmax')], 'categorical_crossentropy', seed=k)
    m.compile(Adam(lr=0.01 * (k + 1)), metrics=['accuracy'])
    if url is not None:
        m.open_store({'url': url, 'checkpoint_every': 2})
    return m


class RaiseAt(Callback):
    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):  # after the member's history has the epoch
        if epoch == self.epoch:
            raise RuntimeError(f"epoch {epoch}")


class Grouped(Callback):
    """A callback class the ensemble calls once per epoch for all its members' instances."""
    calls: list = []

    def on_epoch_end(self, epoch, logs=None):
        raise AssertionError("called one by one")

    @staticmethod
    def on_epoch_end_many(callbacks, epoch, logs):
        Grouped.calls.append((epoch, [id(cb) for cb in callbacks], [lg["loss"] for lg in logs]))


def test_epoch_rows_many_gives_each_runs_epoch_rows():
    nets = [net(0), net(1)]
    logs = [{'loss': 0.5, 'accuracy': 0.25, 'val_loss': 0.75, 'lr': 0.1}, {'loss': 0.4, 'lr': 0.2}]
    many = epoch_rows_many([(nets[0], 7), (nets[1], 8)], 3, logs, "now")
    ids = [r["id"] for c, m in many for r in c + m]
    assert len(set(ids)) == len(ids) == 6 and all(0 < i < 2**63 for i in ids)
    for (costs, metrics), n, rid, lg in zip(many, nets, (7, 8), logs):
        alone = epoch_rows(n, rid, 3, lg, "now")
        strip = lambda rows: [{k: v for k, v in r.items() if k != "id"} for r in rows]  # noqa: E731
        assert strip(costs) == strip(alone[0]) and strip(metrics) == strip(alone[1])
        assert [list(r) for r in costs + metrics] == [list(r) for r in alone[0] + alone[1]]


def test_a_callback_class_with_on_epoch_end_many_is_called_once_per_epoch_for_all_members():
    X, y = data()
    nets = [net(k) for k in range(3)]
    cbs = [[Grouped()] for _ in nets]
    Grouped.calls = []
    hs = Ensemble(nets).fit(X, y, epochs=3, batch_size=8, callbacks=cbs)
    assert [c[0] for c in Grouped.calls] == [1, 2, 3]
    assert all(c[1] == [id(cb[0]) for cb in cbs] for c in Grouped.calls)
    assert [c[2] for c in Grouped.calls] == [[h.history["loss"][e] for h in hs] for e in range(3)]


@pytest.mark.parametrize("every", [1, 2])
def test_members_in_two_databases_failing_mid_block_store_each_epoch_once(tmp_path, every):
    X, y = data()
    urls = [str(tmp_path / "a.db"), str(tmp_path / "b.db")]
    nets = [net(k, urls[k % 2]) for k in range(4)]
    with pytest.raises(RuntimeError, match="epoch 4"):
        Ensemble(nets).fit(X, y, epochs=EPOCHS, batch_size=8, commit_every=every,
                           callbacks=lambda k: [RaiseAt(4)] if k == 2 else [])
    for k, n in enumerate(nets):
        url = urls[k % 2]
        hist, snaps = db.history(url, n['id']), db.snapshots(url, n['id'])
        assert db.run_info(url, n['id'])["status"] == "failed"
        assert list(hist.index) == n.history.epoch == list(range(1, 5 if k <= 2 else 4))
        np.testing.assert_allclose(hist["loss"], n.history.history["loss"], rtol=1e-12)
        assert list(zip(snaps["tag"], snaps["epoch"]))[:2] == [("initial", 0), ("checkpoint", 2)]
    db.dispose()


class EveryTwoFrom(Callback):
    """Sets its member's checkpoint policy to every 2 epochs at epoch ``epoch``."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            self.model.store.recorder.every = 2


def test_a_checkpoint_policy_set_during_a_fit_takes_effect_at_the_next_epoch(tmp_path):
    url = str(tmp_path / "p.db")
    X, y = data()
    nets = [net(k) for k in range(3)]
    for m in nets:
        m.open_store(url)  # no checkpoints
    Ensemble(nets).fit(X, y, epochs=7, batch_size=8, callbacks=[[EveryTwoFrom(3)], [], []])
    tags = [list(zip(s["tag"], s["epoch"])) for s in (db.snapshots(url, m['id']) for m in nets)]
    assert [e for t, e in tags[0] if t == "checkpoint"] == [4, 6]
    assert all(t != "checkpoint" for lst in tags[1:] for t, _ in lst)


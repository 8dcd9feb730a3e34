"""Runs move between stores without loss: export_run / copy_run, SQLite ↔ PostgreSQL.

A copied run keeps every row's primary key and every ``*_id``: the tables, the views
(Weight, weight_history, history, run_summary), ``load_model`` and ``history`` give the same
answers in the copy as in the original; copying again writes nothing.
"""
from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

import neural_net.db as db
from neural_net.architecture import Sequential
from neural_net.db.engine import sqlite_url
from neural_net.db.errors import RunNotFound, SchemaOutdated, StoreError
from neural_net.db.schema import JSONDocument
from neural_net.db.transfer import RUN_TABLES, copy_run, target_url
from neural_net.layers import Dense

TIME_COLUMNS = {"created_at", "updated_at", "started_at", "finished_at"}


def data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(48, 3))
    y = np.eye(2)[(X[:, 0] + X[:, 1] > 0).astype(int)]
    return X, y


def trained(store, epochs=4, seed=0, name="exported"):
    """A run with metrics, validation losses, checkpoints every 2 epochs, user parameters."""
    X, y = data(seed)
    net = Sequential([Dense(6, activation="relu", input_dim=3), Dense(2, activation="softmax")], "cross_entropy",
                     store={"url": store, "checkpoint_every": 2}, seed=seed, name=name)
    net.store.record_params({"units": 6, "note": "é ✓"})
    net.compile("adam", metrics=["accuracy"])
    net.fit(X, y, epochs=epochs, batch_size=16, validation_split=0.25, verbose=0)
    return net


def resumed(url, parent_id, epochs=2):
    """A child run: the parent reloaded with ``store=`` (parent_id/parent_epoch) and trained on."""
    X, y = data()
    child = db.load_model(url, parent_id, store=url)
    child.fit(X, y, epochs=epochs, batch_size=16, validation_split=0.25, verbose=0)
    return child


def table_rows(url, rid):
    engine = create_engine(url, poolclass=NullPool)
    out = {}
    with engine.connect() as c:
        for table in RUN_TABLES:
            t = table.__table__
            docs = [col.name for col in t.columns if isinstance(col.type, JSONDocument)]
            rows = [dict(r) for r in c.execute(select(t).where(t.c.Architecture_id == rid).order_by(t.c.id)).mappings()]
            for r in rows:  # JSON documents as documents: PostgreSQL's jsonb spells the text its own way
                r.update({k: json.loads(r[k]) for k in docs if isinstance(r[k], str)})
            out[t.name] = rows
    engine.dispose()
    return out


def _norm(key, value):
    if key.lower() in TIME_COLUMNS and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


VIEW_SQL = {
    "Weight": "SELECT value, Neurons_id, id, created_at, updated_at, name, Weight_id, epoch, Layer_id "
              "FROM Weight WHERE Architecture_id = {rid}",
    "weight_history": "SELECT snapshot_id, seq, epoch, Layer_id, Neurons_id, row_index, col_index, Weight_id, value, "
                      "created_at FROM weight_history WHERE Architecture_id = {rid}",
    "history": "SELECT epoch, split, name, value FROM history WHERE Architecture_id = {rid}",
    "run_summary": "SELECT * FROM run_summary WHERE Architecture_id = {rid}",
}


def view_rows(url, rid):
    """Each view's rows of the run, with lower-case keys, times as datetimes, sorted."""
    engine = create_engine(url, poolclass=NullPool)
    out = {}
    with engine.connect() as c:
        for view, sql in VIEW_SQL.items():
            rows = []
            for r in c.execute(text(sql.format(rid=rid))).mappings():
                rows.append(tuple(sorted((k.lower(), _norm(k, v)) for k, v in r.items())))
            out[view] = sorted(rows, key=repr)
    engine.dispose()
    return out


def same_model(url_a, url_b, rid):
    """load_model at every snapshot gives the same weights, history and optimizer state."""
    epochs = db.snapshots(url_a, rid)["epoch"].tolist()
    assert epochs == db.snapshots(url_b, rid)["epoch"].tolist()
    for epoch in sorted(set(epochs)):
        a, b = db.load_model(url_a, rid, epoch), db.load_model(url_b, rid, epoch)
        assert all(np.array_equal(x, y) and x.dtype == y.dtype for x, y in zip(a.get_weights(), b.get_weights()))
        assert a.history.history == b.history.history and a.history.epoch == b.history.epoch
        assert a.epoch == b.epoch == epoch
        assert a.rng.bit_generator.state == b.rng.bit_generator.state
    assert db.history(url_a, rid).equals(db.history(url_b, rid))
    info_a, info_b = db.run_info(url_a, rid), db.run_info(url_b, rid)
    for key in ("config", "hyperparams", "status", "epochs", "seed", "parent_id", "parent_epoch", "name", "run_name",
                "Architecture_id", "id", "error", "pid", "hostname", "library_version"):
        assert info_a[key] == info_b[key], key
    assert db.layers(url_a, rid).equals(db.layers(url_b, rid))


# ----- SQLite → SQLite ----------------------------------------------------------------------
def test_export_gives_a_run_its_own_file_with_every_row_and_identity(tmp_path):
    src = sqlite_url(tmp_path / "shared.db")
    other = trained(src, seed=5, name="other")  # a second run in the same file is not copied
    parent = trained(src)
    child = resumed(src, parent["id"])
    dst = str(tmp_path / "own.db")

    report = copy_run(src, child["id"], dst)
    assert report.target == sqlite_url(dst) and report.source == src and not report.already_present
    rows = table_rows(src, child["id"])
    assert report.copied == {t: len(r) for t, r in rows.items()}
    assert rows == table_rows(report.target, child["id"])  # same primary keys, ids, values, times
    assert view_rows(src, child["id"]) == view_rows(report.target, child["id"])
    same_model(src, report.target, child["id"])
    info = db.run_info(report.target, child["id"])
    assert (info["parent_id"], info["parent_epoch"]) == (parent["id"], 4)
    assert info["hyperparams"] == db.run_info(src, child["id"])["hyperparams"]
    # only the exported run is in the new file
    assert db.list_runs(report.target).run_id.tolist() == [child["id"]]
    assert other["id"] not in db.list_runs(report.target).run_id.tolist()

    # idempotent: a second export writes nothing and says so
    again = copy_run(src, child["id"], dst)
    assert again.already_present and again.rows == 0 and "already in" in str(again)
    assert table_rows(report.target, child["id"]) == rows
    assert db.export_run(src, child["id"], dst) == sqlite_url(dst)
    assert table_rows(report.target, child["id"]) == rows


def test_export_with_parents_and_into_a_directory(tmp_path):
    src = tmp_path / "runs"
    src.mkdir()
    parent = trained(str(src / "a.db"))
    child = resumed(str(src / "a.db"), parent["id"])
    out = tmp_path / "exports"
    report = copy_run(src, child["id"], out, with_parents=True)  # the source is a run directory
    assert report.target == sqlite_url(out / f"run-{child['id']}.db")
    assert [p.run_id for p in report.parents] == [parent["id"]]
    assert sorted(db.list_runs(report.target).run_id) == sorted([parent["id"], child["id"]])
    assert table_rows(report.target, parent["id"]) == table_rows(sqlite_url(src / "a.db"), parent["id"])
    assert db.run_info(report.target, parent["id"])["hyperparams"]["params"] == {"units": 6, "note": "é ✓"}
    assert copy_run(src, child["id"], out, with_parents=True).parents[0].already_present
    assert target_url(str(out), 7) == sqlite_url(out / "run-7.db")


def test_export_again_after_more_training_copies_only_the_new_rows(tmp_path):
    src, dst = sqlite_url(tmp_path / "src.db"), sqlite_url(tmp_path / "dst.db")
    net = trained(src, epochs=2)
    first = copy_run(src, net["id"], dst)
    X, y = data()
    net.fit(X, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0)  # the same run goes on
    second = copy_run(src, net["id"], dst)
    assert second.updated and second.copied["architecture"] == 0
    assert second.copied["cost"] == 3 * 2 and second.copied["metric"] == 3 * 3  # loss, val_loss; accuracy, val_acc, lr
    assert 0 < second.copied["snapshot"] and second.copied["layer"] == 0
    assert first.copied["cost"] == 1 + 2 * 2
    assert table_rows(src, net["id"]) == table_rows(dst, net["id"])
    assert db.run_info(dst, net["id"])["epochs"] == 5
    assert copy_run(src, net["id"], dst).already_present


def test_export_errors_are_clear_and_write_nothing(tmp_path):
    src, dst = sqlite_url(tmp_path / "src.db"), sqlite_url(tmp_path / "dst.db")
    net = trained(src, epochs=1)
    with pytest.raises(RunNotFound, match="no run 12345"):
        db.export_run(src, 12345, dst)
    assert not (tmp_path / "dst.db").exists()
    # the same run id held by another record in the target: refused, target unchanged
    copy_run(src, net["id"], dst)
    engine = create_engine(dst, poolclass=NullPool)
    with engine.begin() as c:
        c.execute(text(f"UPDATE Architecture SET id = 1 WHERE Architecture_id = {net['id']}"))
        c.execute(text(f"DELETE FROM Cost WHERE Architecture_id = {net['id']} AND epoch = 1"))
    engine.dispose()
    before = table_rows(dst, net["id"])
    with pytest.raises(StoreError, match="another record"):
        copy_run(src, net["id"], dst)
    assert table_rows(dst, net["id"]) == before
    # an outdated target asks for the upgrade
    old = tmp_path / "old.db"
    db.upgrade(str(old), "0001")
    with pytest.raises(SchemaOutdated, match="neural-net db upgrade"):
        copy_run(src, net["id"], str(old))
    # exporting into the database it comes from is a no-op
    assert copy_run(src, net["id"], src).already_present


# ----- SQLite → PostgreSQL → SQLite -------------------------------------------------------
def test_round_trip_sqlite_postgresql_sqlite(tmp_path, pg_url):
    src = sqlite_url(tmp_path / "src.db")
    parent = trained(src)
    child = resumed(src, parent["id"])
    rid = child["id"]

    to_pg = copy_run(src, rid, pg_url, with_parents=True)
    assert to_pg.target == pg_url and not to_pg.already_present and to_pg.parents[0].run_id == parent["id"]
    assert copy_run(src, rid, pg_url).already_present  # importing twice does not duplicate
    back = copy_run(pg_url, rid, str(tmp_path / "back.db"))
    assert not back.already_present
    assert copy_run(pg_url, rid, str(tmp_path / "back.db")).already_present

    original, on_pg, returned = (table_rows(u, rid) for u in (src, pg_url, back.target))
    assert original == on_pg == returned
    assert {t: len(r) for t, r in on_pg.items()} == to_pg.copied
    engine = create_engine(pg_url, poolclass=NullPool)
    with engine.connect() as c:  # no duplicate: each table holds the run's rows once
        for table in RUN_TABLES:
            t = table.__table__
            n = c.execute(select(t.c.id).where(t.c.Architecture_id == rid)).scalars().all()
            assert len(n) == len(set(n)) == len(original[t.name]), t.name
    engine.dispose()

    same_model(src, pg_url, rid)
    same_model(src, back.target, rid)
    views = view_rows(src, rid)
    assert views == view_rows(back.target, rid)
    assert views == view_rows(pg_url, rid)
    assert len(views["Weight"]) == sum(W.size for W in child.get_weights())
    # the file that came back reads exactly like the original, byte for byte in SQL terms
    for sql in ("SELECT * FROM Cost WHERE Architecture_id = {rid} ORDER BY id",
                "SELECT * FROM weight_matrix WHERE Architecture_id = {rid} ORDER BY id",
                "SELECT * FROM Architecture WHERE Architecture_id = {rid}"):
        raw = []
        for u in (src, back.target):
            e = create_engine(u, poolclass=NullPool)
            with e.connect() as c:
                rows = [dict(r) for r in c.execute(text(sql.format(rid=rid))).mappings()]
            e.dispose()
            for r in rows:  # the run's JSON documents went through jsonb: the same documents, jsonb's spelling
                r.update({k: json.loads(r[k]) for k in ("config", "hyperparams") if "FROM Architecture" in sql and r[k]})
            raw.append(rows)
        assert raw[0] == raw[1]

"""Revision 0004: one identity, UTC times with their zone, jsonb, names in one case — and an
old database (revision 0003, full of data) upgraded in place with nothing lost, on SQLite and
PostgreSQL."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import MetaData, create_engine, inspect, insert, text
from sqlalchemy.pool import NullPool

import neural_net.db as db
from neural_net.architecture import Sequential
from neural_net.db.engine import dispose, sqlite_url
from neural_net.layers import Dense

TIMES = {"created_at", "updated_at", "started_at", "finished_at"}


def trained(store):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, :1] > 0).astype(float)
    net = Sequential([Dense(4, input_dim=3, activation="relu"), Dense(1, activation="sigmoid")],
                     "binary_crossentropy", store=store, seed=3)
    net.fit(X, y, epochs=3, batch_size=8, validation_split=0.25, verbose=0)
    net.store.record_params({"units": 4})
    db.set_tag(store, net["id"], "stage", "old")
    db.set_note(store, net["id"], "written at 0003")
    return net


def readback(url, rid):
    return dict(history=db.history(url, rid), layers=db.layers(url, rid)[["position", "name", "n_in", "n_out"]],
                weights=db.weights(url, rid), snapshots=db.snapshots(url, rid)[["seq", "epoch", "n_params"]],
                info={k: v for k, v in db.run_info(url, rid).items() if k != "db_path"},
                params=db.open_run(url, rid).params, tags=db.open_run(url, rid).tags)


def as_0003(source: str, target: str) -> None:
    """Copy every row of the SQLite file ``source`` into ``target`` (at revision 0003) as that
    revision wrote them: naive UTC times, ``Architecture.id`` a row id of its own."""
    db.upgrade(target, "0003")
    engine = create_engine(target, poolclass=NullPool)
    md = MetaData()
    md.reflect(engine)
    tables = {t.name.lower(): t for t in md.sorted_tables if t.name != "alembic_version"}
    con = sqlite3.connect(db.engine.sqlite_file(source))
    con.row_factory = sqlite3.Row
    with engine.begin() as c:
        for name in ("architecture", "layer", "neurons", "cost", "metric", "snapshot", "weight_matrix", "param", "tag"):
            rows = []
            for r in con.execute(f"SELECT * FROM {name}"):
                row = dict(r)
                for k in TIMES & set(row):
                    if row[k] is not None:
                        row[k] = datetime.fromisoformat(row[k]).astimezone(timezone.utc).replace(tzinfo=None)
                if name == "architecture":
                    row["id"] = 1 + row["Architecture_id"] % 1000  # revision 0003's own row id
                rows.append({c.name: row[c.name] for c in tables[name].columns if c.name in row
                             or c.name.lower() in row} if engine.dialect.name == "sqlite"
                            else {c.name: row[next(k for k in row if k.lower() == c.name)] for c in tables[name].columns})
            c.execute(insert(tables[name]), rows)
    con.close()
    engine.dispose()


def test_an_old_database_upgrades_in_place_with_nothing_lost(tmp_path, db_url):
    src = sqlite_url(tmp_path / "src.db")
    net = trained(src)
    rid = net["id"]
    before = readback(src, rid)
    as_0003(src, db_url)
    assert db.database_state(db_url).revision == "0003"
    with pytest.raises(db.SchemaOutdated):
        db.history(db_url, rid)
    assert db.upgrade(db_url) == db.head_revision()
    dispose(db_url)
    after = readback(db_url, rid)
    pd.testing.assert_frame_equal(after["history"], before["history"])
    pd.testing.assert_frame_equal(after["layers"], before["layers"])
    pd.testing.assert_frame_equal(after["snapshots"], before["snapshots"])
    pd.testing.assert_frame_equal(after["weights"], before["weights"])
    assert after["params"] == before["params"] and after["tags"] == {"stage": "old"}
    assert after["info"] == before["info"] and after["info"]["note"] == "written at 0003"
    for k in ("created_at", "updated_at", "started_at", "finished_at"):
        assert after["info"][k].tzinfo is timezone.utc
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.connect() as c:
        assert c.execute(text("SELECT id, Architecture_id FROM Architecture")).one() == (rid, rid)
    one_identity_and_one_spelling(engine, rid)
    engine.dispose()


def one_identity_and_one_spelling(engine, rid):
    insp = inspect(engine)
    tables = set(insp.get_table_names())
    assert {"architecture", "layer", "neurons", "cost", "metric", "snapshot", "weight_matrix", "param", "tag"} <= tables
    assert "weight" in insp.get_view_names()
    for table in ("layer", "neurons", "cost", "metric", "snapshot", "weight_matrix", "param", "tag"):
        fks = [fk for fk in insp.get_foreign_keys(table) if fk["referred_table"] == "architecture"]
        assert [fk["referred_columns"] for fk in fks] == [["id"]], table
    assert [fk["referred_columns"] for fk in insp.get_foreign_keys("weight_matrix")
            if fk["referred_table"] == "snapshot"] == [["id"]]
    weight = pd.read_sql_table("weight", engine)
    assert len(weight) == len(pd.read_sql("weight", engine)) == 4 * 3 + 4 + 4 + 1
    assert len(pd.read_sql("SELECT * FROM layer", engine)) == 4
    assert len(pd.read_sql("SELECT * FROM Architecture", engine)) == 1  # the seed's spelling still runs
    with engine.connect() as c:
        if engine.dialect.name == "postgresql":
            assert c.execute(text("SELECT hyperparams->>'batch_size' FROM architecture")).scalar() == "8"
            assert c.execute(text("SELECT pg_typeof(created_at)::text FROM architecture")).scalar() == \
                "timestamp with time zone"
        else:
            stored = c.execute(text("SELECT created_at FROM architecture")).scalar()
            assert stored.endswith("+00:00") and datetime.fromisoformat(stored).tzinfo is not None


def test_a_new_database_has_one_identity_utc_times_and_one_spelling(db_url):
    net = trained(db_url)
    info = db.run_info(db_url, net["id"])
    assert info["created_at"].tzinfo is timezone.utc
    assert abs((datetime.now(timezone.utc) - info["created_at"]).total_seconds()) < 3600
    engine = create_engine(db_url, poolclass=NullPool)
    with engine.connect() as c:
        assert c.execute(text("SELECT id, Architecture_id FROM architecture")).one() == (net["id"], net["id"])
        assert c.execute(text("SELECT count(*) FROM run_summary")).scalar() == 1
        assert c.execute(text("SELECT count(*) FROM history WHERE name = 'loss'")).scalar() == 6
    one_identity_and_one_spelling(engine, net["id"])
    engine.dispose()

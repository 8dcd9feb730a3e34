"""Parameters as rows, tags and notes (issue 11, "Schema"): the ``param`` and ``tag`` tables and
``Architecture.note`` come with migration 0003, which upgrades older files in place (their
parameters filled from the stored hyper-parameters, nothing lost); the same SQL join works on
SQLite and PostgreSQL; tags and notes are set from Python and the command line, and travel
with an export."""
from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest
from sqlalchemy import create_engine, text

import neural_net.db as db
from neural_net.db.migrate import head_revision
from neural_net.architecture import Sequential
from neural_net.cli import main
from neural_net.layers import Dense

from conftest import trained


def test_parameters_are_rows_queried_by_one_sql_join(db_url):
    net = trained(db_url, epochs=2, name="lr-run")
    net.store.record_params({"units": 5, "grid": {"depth": 2}})
    sql = ("SELECT a.Architecture_id AS run, p.number AS number, p.value AS value FROM Architecture a "
           "JOIN param p ON p.Architecture_id = a.Architecture_id WHERE p.key = :key")
    with create_engine(db_url).connect() as c:
        lr = c.execute(text(sql), {"key": "optimizer.lr"}).mappings().all()
        units = c.execute(text(sql), {"key": "units"}).mappings().all()
        depth = c.execute(text(sql), {"key": "grid.depth"}).mappings().all()
    mine = [r for r in lr if r["run"] == net["id"]]
    assert mine and mine[0]["number"] == pytest.approx(net.optimizer.get_config()["lr"])
    assert [r["number"] for r in units if r["run"] == net["id"]] == [5.0]
    assert [json.loads(r["value"]) for r in depth if r["run"] == net["id"]] == [2]
    assert db.open_run(db_url, net["id"]).params["grid.depth"] == 2


def test_an_old_file_upgrades_in_place_with_its_parameters(tmp_path, capsys):
    path = str(tmp_path / "old.db")
    assert db.upgrade(path, "0002") == "0002"
    hyper = {"optimizer": {"name": "adam", "config": {"lr": 0.003}}, "batch_size": 8, "params": {"units": 16}}
    with sqlite3.connect(path) as con:
        con.execute("INSERT INTO Architecture (id, created_at, updated_at, name, Architecture_id, status, epochs, "
                    "config, hyperparams) VALUES (1, '2024-03-04 18:00:00', '2024-03-04 18:00:00', 'Sequential', "
                    "77, 'finished', 3, '{\"steps\": []}', ?)", (json.dumps(hyper),))
    with pytest.raises(db.SchemaOutdated):
        db.list_runs(path)
    assert main(["db", "upgrade", path]) == 0
    assert f"from schema revision 0002 to {head_revision()}" in capsys.readouterr().out
    with sqlite3.connect(path) as con:
        params = dict(con.execute("SELECT key, number FROM param WHERE Architecture_id = 77"))
        assert con.execute("SELECT status, epochs, note FROM Architecture").fetchall() == [("finished", 3, None)]
    assert params == {"optimizer": None, "optimizer.lr": 0.003, "batch_size": 8.0, "units": 16.0}
    assert db.runs(path).loc[0, "units"] == 16


def test_tags_and_notes_from_python_and_the_cli_travel_with_an_export(tmp_path, capsys):
    path = str(tmp_path / "runs.db")
    net = trained(path, epochs=1, name="tagged")
    assert main(["tag", "tagged", "dataset=iris", "stage=baseline", "--from", path]) == 0
    assert main(["note", "latest", "lr too high, try 0.01", "--from", path]) == 0
    db.set_tag(path, net["id"], "stage", None)
    run = db.open_run(path, net["id"])
    assert run.tags == {"dataset": "iris"} and run.note == "lr too high, try 0.01"
    capsys.readouterr()
    assert main(["show", "tagged", "--from", path]) == 0
    out = capsys.readouterr().out
    assert "dataset=iris" in out and "lr too high" in out
    assert main(["tag", "tagged", "novalue", "--from", path]) == 2
    out_path = str(tmp_path / "copy.db")
    db.export_run(path, net["id"], out_path)
    copy = db.open_run(out_path, net["id"])
    assert copy.tags == {"dataset": "iris"} and copy.note == run.note and copy.params == run.params
    assert db.copy_run(path, net["id"], out_path).already_present
    copy.delete()
    with sqlite3.connect(out_path) as con:
        assert con.execute("SELECT count(*) FROM tag").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM param").fetchone() == (0,)


def test_sequential_tags_are_rows_of_the_tag_table_when_stored(db_url):
    """Sequential(..., tags={...}) (issue 11): the engine keeps them, the store writes them."""
    import neural_net.db as db
    from neural_net.architecture import Sequential
    from neural_net.layers import Dense

    net = Sequential([Dense(1, input_dim=2)], "mse", store=db_url, tags={"dataset": "iris", "fold": 3})
    assert net.tags == {"dataset": "iris", "fold": "3"}
    assert db.open_run(db_url, net["id"]).tags == {"dataset": "iris", "fold": "3"}
    later = Sequential([Dense(1, input_dim=2)], "mse", tags={"stage": "late"})
    later.open_store(db_url)  # tags given before the store opens are written when it does
    assert db.open_run(db_url, later["id"]).tags == {"stage": "late"}
    untagged = Sequential([Dense(1, input_dim=2)], "mse", store=db_url)
    assert db.open_run(db_url, untagged["id"]).tags == {}


@pytest.mark.parametrize("tags, error, words", [
    ({"": "x"}, ValueError, "tags key"), ({"a\nb": "x"}, ValueError, "control"), ({"k" * 101: "x"}, ValueError, "100"),
    ({1: "x"}, TypeError, "tags key"), ({"k": None}, TypeError, "tags['k']"), ({"k": [1]}, TypeError, "tags['k']"),
    (["k"], TypeError, "dict"),
])
def test_bad_tags_are_refused_before_any_row(tmp_path, tags, error, words):
    from neural_net.architecture import Sequential
    from neural_net.layers import Dense

    path = tmp_path / "t.db"
    with pytest.raises(error) as e:
        Sequential([Dense(1, input_dim=2)], "mse", store=str(path), tags=tags)
    assert words in str(e.value)
    assert not path.exists()

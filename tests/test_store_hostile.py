"""A database file is input too (issue 10 §4): every malformed value in a file made or edited
outside the library becomes the store's own error naming the run, the table and the column —
never a raw RecursionError, ValueError, OverflowError, a hang or a huge allocation — and one
bad file does not hide the good ones."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import neural_net.db as db
from neural_net.cli import main
from neural_net.db.errors import StoredModelError

from conftest import sqlite_exec, trained


@pytest.fixture
def run(tmp_path):
    net = trained(str(tmp_path / "victim.db"), epochs=2)
    db.dispose()
    return net, str(tmp_path / "victim.db")


def _set(path, table, column, sql_value, where=""):
    sqlite_exec(path, f"UPDATE {table} SET {column} = {sql_value} {where}")


def _load_error(path, rid):
    with pytest.raises(StoredModelError) as e:
        db.load_model(path, rid)
    return str(e.value)


def test_deeply_nested_json_is_a_stored_model_error(run):
    net, path = run
    deep = "[" * 100_000 + "]" * 100_000
    _set(path, "Architecture", "config", f"'{deep}'")
    message = _load_error(path, net["id"])
    assert f"run {net['id']}" in message and "config" in message
    with pytest.raises(StoredModelError):
        db.run_info(path, net["id"])
    net2 = trained(path, epochs=1)
    db.dispose()
    state = '{"name": "sgd", "config": {}, "state": ' + "[" * 5000 + "]" * 5000 + "}"
    _set(path, "snapshot", "optimizer", f"'{state}'", f"WHERE Architecture_id = {net2['id']}")
    message = _load_error(path, net2["id"])
    assert "snapshot" in message and "optimizer" in message


@pytest.mark.parametrize("rows, cols", [(-6, -1), (2**32, 2**32), ("'3'", 2)])
def test_impossible_weight_shapes_are_refused(run, rows, cols):
    net, path = run
    _set(path, "weight_matrix", "n_rows", rows)
    _set(path, "weight_matrix", "n_cols", cols)
    message = _load_error(path, net["id"])
    assert f"run {net['id']}" in message and "weight_matrix" in message


def test_overflowing_array_shape_in_optimizer_state(tmp_path):
    from neural_net.architecture import Sequential
    from neural_net.layers import Dense

    path = str(tmp_path / "adam.db")
    net = Sequential([Dense(2, input_dim=2)], "mse", store=path, seed=0)
    net.compile("adam")
    net.fit(np.ones((4, 2)), np.zeros((4, 2)), epochs=1, verbose=0)
    db.dispose()
    state = {"name": "adam", "config": {}, "state": {"0": {"step": 1, "m": {
        "__ndarray__": [], "dtype": "float64", "shape": [2**32, 2**32]}}}}  # the int64 product is 0
    _set(path, "snapshot", "optimizer", f"'{json.dumps(state)}'")
    assert "shape" in _load_error(path, net["id"])


@pytest.mark.parametrize("inner", [{"state": -5, "inc": 3}, {"state": "abc", "inc": 3},
                                   {"state": 2**200, "inc": 3}])
def test_bad_generator_state_is_refused(run, inner):
    net, path = run
    state = {"bit_generator": "PCG64", "state": inner, "has_uint32": 0, "uinteger": 0}
    _set(path, "snapshot", "rng", f"'{json.dumps(state)}'")
    message = _load_error(path, net["id"])
    assert "generator state" in message and f"run {net['id']}" in message


@pytest.mark.parametrize("table, column, reader", [
    ("snapshot", "epoch", "load_model"), ("snapshot", "epoch", "snapshots"),
    ("Cost", "value", "history"), ("Cost", "epoch", "history"), ("metric", "value", "history"),
    ("Architecture", "created_at", "run_info"), ("Architecture", "pid", "run_info"),
    ("snapshot", "created_at", "snapshots"), ("Layer", "n_in", "layers"),
])
def test_text_in_a_typed_column_names_run_table_and_column(run, table, column, reader):
    net, path = run
    where = "WHERE epoch IS NOT NULL" if table == "Cost" else ""
    _set(path, table, column, "'not-a-number'", where)
    with pytest.raises(StoredModelError) as e:
        getattr(db, reader)(path, net["id"])
    message = str(e.value)
    assert f"run {net['id']}" in message and f"table {table.lower()}" in message and f"column {column}" in message


@pytest.mark.parametrize("table, column, value", [("Layer", "n_in", "'wide'"), ("Layer", "n_out", "2.5"),
                                                  ("tag", "value", "x'00ff'")])
def test_the_catalogues_layers_and_tags_check_their_values(run, table, column, value):
    net, path = run
    db.set_tag(path, net["id"], "dataset", "iris")
    db.dispose()
    _set(path, table, column, value, "WHERE n_in IS NOT NULL" if table == "Layer" else "")
    with pytest.raises(StoredModelError) as e:
        db.runs(path)
    message = str(e.value)
    assert f"run {net['id']}" in message and f"table {table}" in message and f"column {column}" in message


def test_one_bad_file_does_not_hide_the_good_ones(tmp_path, capsys):
    d = tmp_path / "runs"
    d.mkdir()
    good = [trained(str(d / f"good{i}.db"), epochs=1, name=f"good{i}") for i in range(2)]
    bad = trained(str(d / "bad.db"), epochs=1, name="bad")
    db.dispose()
    sqlite_exec(str(d / "bad.db"), "UPDATE Architecture SET pid = 'abc'")
    skipped = []
    runs = db.list_runs(str(d), on_skip=lambda p, r: skipped.append((p, r)))
    assert sorted(runs.name) == ["good0", "good1"]
    assert skipped and "bad.db" in skipped[0][0] and "column pid" in skipped[0][1]
    assert main(["runs", str(d), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert {r["run_id"] for r in json.loads(out)} == {g["id"] for g in good}
    assert "bad.db" in err and "pid" in err and "Traceback" not in err
    with pytest.raises(StoredModelError, match="column pid"):
        db.list_runs(str(d / "bad.db"))
    assert main(["show", str(bad["id"]), "--from", str(d)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "column pid" in err


def test_configuration_size_is_bounded(run):
    net, path = run
    cfg = net.get_config()
    cfg["steps"] = cfg["steps"] + [{"class": "Dropout", "rate": 0.1}] * 100_000
    _set(path, "Architecture", "config", f"'{json.dumps(cfg)}'")
    message = _load_error(path, net["id"])
    assert "100,00" in message and "layers" in message


def test_readers_do_not_trust_a_replaced_view(run):
    net, path = run
    sqlite_exec(path, "DROP VIEW run_summary",
                "CREATE VIEW run_summary AS SELECT 1 AS Architecture_id, 'forged' AS name, 'finished' AS status, "
                "99 AS epochs, 0.0 AS final_loss, 0.0 AS best_loss, 1 AS best_epoch, NULL AS final_val_loss, "
                "NULL AS best_val_loss, NULL AS best_val_epoch, NULL AS created_at, NULL AS started_at, "
                "NULL AS finished_at, NULL AS updated_at, NULL AS pid, NULL AS hostname, NULL AS process_token")
    runs = db.list_runs(path)
    assert runs.run_id.tolist() == [net["id"]] and runs.epochs.tolist() == [2]
    assert runs.final_loss.iloc[0] == pytest.approx(net.history.history["loss"][-1])


def test_a_recursive_view_does_not_hang_the_catalogue(run, tmp_path):
    net, path = run
    sqlite_exec(path, "DROP VIEW run_summary",
                "CREATE VIEW run_summary AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
                "SELECT n AS Architecture_id FROM r")
    code = ("import sys, neural_net.db as db; from neural_net.cli import main; "
            f"assert db.list_runs({path!r}).run_id.tolist() == [{net['id']}]; sys.exit(main(['runs', {path!r}]))")
    # the timeout only guards against a hang (the reader does not read views at all)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert str(net["id"]) in done.stdout


def test_a_view_in_the_place_of_a_table_is_refused(run):
    net, path = run
    sqlite_exec(path, "ALTER TABLE metric RENAME TO metric_old",
                "CREATE VIEW metric AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
                "SELECT n AS id, n AS Architecture_id, n AS epoch, 'train' AS split, 'x' AS name, 0.0 AS value, "
                "0 AS position, NULL AS created_at FROM r")
    with pytest.raises(db.NotANeuralNetDatabase):
        db.history(path, net["id"])


@pytest.mark.parametrize("text", ['{"seed": 1180591620717411303424, "lr": 0.1}', '{"a": 1e400}', '[-0.0, 1E2, "é"]',
                                  '{"a": 18446744073709551615, "b": -9223372036854775808}', '{"a": 1, "a": 2}',
                                  '{"x": 0.1234567890123456789}'])
def test_stored_documents_read_as_json_reads_them(text):
    """The codec reads documents with orjson when it can (faster); what it gives is what the
    strict json reader gives: big integers stay exact, 1e400 is inf, a repeated key keeps the last."""
    from neural_net.db.codec import loads

    got, want = loads(text), json.loads(text)
    assert got == want and json.dumps(got) == json.dumps(want)


@pytest.mark.parametrize("text", ["[NaN]", '{"a": Infinity}', "[1, 2", '{"a": 1} x'])
def test_documents_json_refuses_are_stored_model_errors(text):
    from neural_net.db.codec import loads

    with pytest.raises(StoredModelError, match="not valid JSON"):
        loads(text)

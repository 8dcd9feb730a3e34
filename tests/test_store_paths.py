"""Paths and the command line (issue 10 §5): file names reach exactly their file, parents are
created, every CLI failure is one line with a documented exit code, exports of long lineages
are iterative and all-or-nothing per run, each run gets its own timestamped file, and a file
written by a process pool can be copied with ``cp`` alone."""
from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import time
import sqlite3
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

import neural_net.db as db
from neural_net.architecture import Sequential
from neural_net.cli import main
from neural_net.db.engine import sqlite_file
from neural_net.layers import Dense

from conftest import sqlite_exec, trained

NAMES = ["trial?1.db", "a%20b.db", "x%3F.db", "hash#tag.db", "with space.db", "réseau-σ.db", "100%.db"]


@pytest.mark.parametrize("name", NAMES)
def test_a_file_name_reaches_exactly_that_file(tmp_path, name, capsys):
    d = tmp_path / "runs"
    d.mkdir()
    net = trained(str(d / name), epochs=2, name="n")
    db.dispose()
    assert sorted(os.listdir(d)) == [name], os.listdir(d)  # no stray file, no other name
    assert db.history(str(d / name), net["id"])["loss"].tolist() == net.history.history["loss"]
    assert db.list_runs(str(d)).run_id.tolist() == [net["id"]]
    assert db.list_runs(net.db_path).run_id.tolist() == [net["id"]]
    assert main(["runs", str(d / name), "--format", "csv"]) == 0
    assert str(net["id"]) in capsys.readouterr().out
    url = db.export_run(str(d / name), net["id"], str(tmp_path / "out" / name))
    assert str(sqlite_file(url)) == str(tmp_path / "out" / name)
    db.dispose()
    assert sorted(os.listdir(tmp_path / "out")) == [name]


def test_missing_parents_are_created_for_a_db_path(tmp_path):
    net = Sequential([Dense(1, input_dim=2)], "mse", store=str(tmp_path / "new" / "dir" / "run.db"))
    assert (tmp_path / "new" / "dir" / "run.db").is_file()
    assert db.list_runs(str(tmp_path / "new" / "dir")).run_id.tolist() == [net["id"]]


@pytest.mark.parametrize("length", [252, 300])
def test_a_too_long_name_is_the_stores_path_error(tmp_path, length):
    with pytest.raises(db.StorePathError, match="too long"):
        Sequential([Dense(1, input_dim=2)], "mse", store=str(tmp_path / ("x" * length + ".db")))
    assert os.listdir(tmp_path) == []


def _one_line_failure(capsys, argv, code):
    assert main(argv) == code
    out, err = capsys.readouterr()
    assert err.startswith("neural-net") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_cli_failures_are_one_line_with_a_documented_code(tmp_path, capsys):
    path = str(tmp_path / "r.db")
    net = trained(path, epochs=1)
    db.dispose()
    before = open(path, "rb").read()
    err = _one_line_failure(capsys, ["db", "upgrade", path, "--revision", "bogus"], 2)
    assert "bogus" in err and "0001" in err
    assert open(path, "rb").read() == before
    with pytest.raises(SystemExit) as e:
        main(["runs", path, "--limit", "many"])
    assert e.value.code == 2 and capsys.readouterr().err.count("\n") == 1
    _one_line_failure(capsys, ["show", "12345", "--from", path], 1)
    sqlite_exec(path, "UPDATE Architecture SET config = '" + "[" * 50_000 + "]" * 50_000 + "'")
    assert "config" in _one_line_failure(capsys, ["show", str(net["id"]), "--from", path], 2)
    sqlite_exec(path, "UPDATE Architecture SET config = '{}', created_at = 'yesterday'")
    assert "created_at" in _one_line_failure(capsys, ["show", str(net["id"]), "--from", path, "--format", "json"], 2)


def _chain(path, n):
    """A run and ``n`` runs resumed one from another (Architecture rows only, made by SQL)."""
    net = trained(path, epochs=1)
    db.dispose()
    con = sqlite3.connect(path)
    cols = [r[1] for r in con.execute("PRAGMA table_info(Architecture)")]
    base = dict(zip(cols, con.execute("SELECT * FROM Architecture").fetchone()))
    rows, parent = [], net["id"]
    for i in range(1, n + 1):
        rows.append({**base, "id": base["id"] + i, "Architecture_id": net["id"] + i, "parent_id": parent,
                     "parent_epoch": 1, "run_name": f"gen{i}"})
        parent = net["id"] + i
    con.executemany(f"INSERT INTO Architecture ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [[r[c] for c in cols] for r in rows])
    con.commit()
    con.close()
    return net["id"], parent


def test_export_with_parents_is_iterative_and_whole_per_run(tmp_path, capsys):
    src, out = str(tmp_path / "chain.db"), str(tmp_path / "out.db")
    first, last = _chain(src, 1100)  # deeper than Python's recursion limit
    assert main(["export", str(last), "--from", src, "--to", out, "--with-parents"]) == 0
    capsys.readouterr()
    assert len(db.list_runs(out)) == 1101
    assert db.history(out, first)["loss"].tolist() == db.history(src, first)["loss"].tolist()
    # a malformed row in one run of the chain: that run is not copied at all, nothing half-made
    out2 = str(tmp_path / "out2.db")
    sqlite_exec(src, f"UPDATE Cost SET value = 'bad' WHERE Architecture_id = {first} AND epoch IS NOT NULL")
    err = _one_line_failure(capsys, ["export", str(first + 5), "--from", src, "--to", out2, "--with-parents"], 2)
    assert f"run {first}" in err and "cost" in err.lower() and "value" in err
    copied = db.list_runs(out2).run_id.tolist()
    assert sorted(copied) == list(range(first + 1, first + 6))
    with sqlite3.connect(out2) as con:
        assert con.execute(f"SELECT count(*) FROM Cost WHERE Architecture_id = {first}").fetchone() == (0,)


def test_runs_started_together_get_their_own_files(tmp_path):
    nets = [Sequential([Dense(1, input_dim=2)], "mse", store=str(tmp_path)) for _ in range(8)]
    paths = {n.db_path for n in nets}
    assert len(paths) == 8
    for n in nets:
        name = n.db_path.split("/")[-1]
        assert re.fullmatch(r"model\d+\.db", name)
        assert abs(int(name[5:-3]) - time.time()) < 120  # still a unix time, as the seed reads it
        assert db.list_runs(n.db_path).run_id.tolist() == [n["id"]]


def build(units):
    model = Sequential([Dense(units, activation="tanh", input_dim=2), Dense(1, activation="sigmoid")], seed=units)
    return model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])


def test_a_process_pool_sweep_file_copies_with_cp(tmp_path):
    from neural_net.sweep import sweep

    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 2))
    y = (X[:, :1] > 0).astype(float)
    path = str(tmp_path / "sweep.db")
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context(method)) as ex:
        res = sweep(build, {"units": [2, 3, 4, 5]}, X, y, epochs=25, batch_size=8, store=path, executor=ex,
                    monitor="loss")
    assert len(res) == 4
    copy = str(tmp_path / "copy" / "sweep.db")
    os.makedirs(os.path.dirname(copy))
    shutil.copyfile(path, copy)  # the .db file alone, as `cp sweep.db` copies it
    with sqlite3.connect(copy) as con:
        n_costs = con.execute("SELECT count(*) FROM Cost WHERE epoch IS NOT NULL").fetchone()[0]
    assert n_costs == 4 * 25

"""The ``neural-net`` command line (through ``main([...])``, and once as a real process) and the
catalogue behind ``neural-net runs`` / ``neural_net.db.list_runs``."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import neural_net.db as db
from neural_net.architecture import Sequential
from neural_net.cli import build_parser, main
from neural_net.db import catalogue_rows as catalogue_module
from neural_net.db import sqlite_readonly
from neural_net.db.catalogue import catalogue, filter_runs
from neural_net.db.engine import dispose, sqlite_url
from neural_net.db.migrate import head_revision
from neural_net.layers import Dense
from conftest import sqlite_exec, trained

REPO = Path(__file__).resolve().parent.parent




def run(capsys, *argv):
    """``main(argv)`` → (exit code, stdout, stderr)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def run_dir(tmp_path):
    """A run directory: three runs in two files, plus files that are not usable databases."""
    d = tmp_path / "runs"
    d.mkdir()
    nets = {"mnist-a": trained(str(d / "a.db"), epochs=2, name="mnist-a"),
            "iris": trained(str(d / "a.db"), epochs=3, seed=1, name="iris")}
    nets["mnist-b"] = trained(str(d / "b.db"), epochs=4, seed=2, name="mnist-b")
    nets["created"] = Sequential([Dense(1, input_dim=2)], "mse", store=str(d / "b.db"), name="Mnist-untrained")
    (d / "notes.db").write_text("plain text, not a database")
    sqlite_exec(d / "other-app.db", "CREATE TABLE customers (id INTEGER PRIMARY KEY)")
    (d / "readme.txt").write_text("not *.db: ignored")
    return d, nets


# ----- help -------------------------------------------------------------------------------------
def test_help_of_the_command_and_of_every_sub_command(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    out = capsys.readouterr().out
    assert e.value.code == 0
    for command in ("runs", "history", "show", "export", "db", "demo"):
        assert command in out
    assert "NEURAL_NET_DATABASE_URL" in out and "Exit codes" in out
    for argv, words in ((["runs"], ["--status", "--name", "--format", "glob", "skipped"]),
                        (["history"], ["RUN", "--from", "per-epoch"]),
                        (["show"], ["RUN", "layers", "snapshots"]),
                        (["export"], ["--to", "--from", "already", "PostgreSQL"]),
                        (["db"], ["upgrade", "status"]),
                        (["db", "upgrade"], ["PATH", "older"]),
                        (["db", "status"], ["PATH", "outdated"])):
        with pytest.raises(SystemExit) as e:
            main([*argv, "--help"])
        out = " ".join(capsys.readouterr().out.split())
        assert e.value.code == 0
        for word in words:
            assert word in out, (argv, word)
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert capsys.readouterr().out.startswith("neural-net ")


def test_bad_command_lines_exit_2_with_a_message(capsys):
    for argv in (["history", " "], ["runs", "--status", "done"], ["export", "12"], ["nope"], ["runs", "--limit", "0"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        err = capsys.readouterr().err
        assert e.value.code == 2 and "error:" in err and "Traceback" not in err
    with pytest.raises(SystemExit):
        main(["runs", "--status", "done"])
    assert "created, running, finished, failed, interrupted" in capsys.readouterr().err


# ----- runs ----------------------------------------------------------------------------------------
def test_runs_lists_a_directory_and_reports_unusable_files(run_dir, capsys):
    d, nets = run_dir
    code, out, err = run(capsys, "runs", d)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["run_id", "name", "status", "epochs", "final_loss", "best_loss", "started_at", "db"]
    assert [ln.split()[1] for ln in lines[1:]] == ["mnist-a", "iris", "mnist-b", "Mnist-untrained"]
    assert str(nets["iris"]["id"]) in lines[2] and "finished" in lines[2] and "a.db" in lines[2]
    # unusable files: one line each on stderr with the path and the reason, never fatal
    err_lines = err.strip().splitlines()
    assert len(err_lines) == 2
    assert any(str(d / "notes.db") in ln and "not a SQLite database" in ln for ln in err_lines)
    assert any(str(d / "other-app.db") in ln and "not a neural_net database" in ln for ln in err_lines)
    assert all(ln.startswith("neural-net: skipping ") for ln in err_lines)


def test_runs_json_and_csv_are_parseable_with_exact_values(run_dir, capsys):
    d, nets = run_dir
    code, out, _ = run(capsys, "runs", d, "--format", "json")
    rows = json.loads(out)
    assert code == 0 and isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
    by_name = {r["name"]: r for r in rows}
    b = nets["mnist-b"]
    assert by_name["mnist-b"]["run_id"] == b["id"] and by_name["mnist-b"]["epochs"] == 4
    assert by_name["mnist-b"]["final_loss"] == b.history.history["loss"][-1]
    assert by_name["mnist-b"]["best_loss"] == min(b.history.history["loss"])
    assert by_name["mnist-b"]["final_val_loss"] == b.history.history["val_loss"][-1]
    assert by_name["mnist-b"]["db_path"] == str(d / "b.db")
    assert by_name["Mnist-untrained"]["status"] == "created" and by_name["Mnist-untrained"]["final_loss"] is None
    assert set(rows[0]) >= {"run_id", "name", "status", "epochs", "final_loss", "best_loss", "started_at", "db_path"}

    code, out, _ = run(capsys, "runs", d, "--format", "csv")
    frame = pd.read_csv(pd.io.common.StringIO(out))
    assert frame["run_id"].tolist() == [r["run_id"] for r in rows]
    assert frame.loc[frame.name == "mnist-b", "final_loss"].item() == b.history.history["loss"][-1]


def test_runs_filters_by_status_and_name(run_dir, capsys):
    d, nets = run_dir

    def names(*extra):
        code, out, _ = run(capsys, "runs", d, "--format", "json", *extra)
        assert code == 0
        return [r["name"] for r in json.loads(out)]

    assert names("--status", "finished") == ["mnist-a", "iris", "mnist-b"]
    assert names("--status", "created") == ["Mnist-untrained"]
    assert names("--status", "created,finished") == ["mnist-a", "iris", "mnist-b", "Mnist-untrained"]
    assert names("--name", "mnist") == ["mnist-a", "mnist-b", "Mnist-untrained"]  # substring, any case
    assert names("--name", "mnist-?") == ["mnist-a", "mnist-b"]  # glob over the whole name
    assert names("--name", "*-[ab]", "--status", "finished") == ["mnist-a", "mnist-b"]
    assert names("--name", "cifar") == []
    code, out, _ = run(capsys, "runs", d, "--name", "cifar")
    assert code == 0 and "no runs" in out
    # the same catalogue from the library
    runs = db.list_runs(d, status="finished", name="mnist*", on_skip=lambda path, reason: None)
    assert runs.name.tolist() == ["mnist-a", "mnist-b"] and runs.run_id.tolist() == [nets["mnist-a"]["id"],
                                                                                     nets["mnist-b"]["id"]]


def test_runs_default_source_is_the_run_directory_or_the_database_url(tmp_path, capsys, monkeypatch):
    net = trained(True, epochs=1, name="default-dir")  # $NEURAL_NET_RUN_DIR (conftest: tmp_path/run)
    code, out, _ = run(capsys, "runs", "--format", "json")
    assert code == 0 and [r["run_id"] for r in json.loads(out)] == [net["id"]]
    url = sqlite_url(tmp_path / "elsewhere.db")
    other = trained(url, epochs=1, name="by-url")
    monkeypatch.setenv("NEURAL_NET_DATABASE_URL", url)
    code, out, _ = run(capsys, "runs", "--format", "json")
    assert [r["run_id"] for r in json.loads(out)] == [other["id"]]
    code, out, _ = run(capsys, "history", other["id"], "--format", "json")
    assert code == 0 and len(json.loads(out)) == 1


def test_runs_on_any_backend(db_url, capsys):
    a = trained(db_url, epochs=2, name="first")
    b = trained(db_url, epochs=1, seed=3, name="second")
    code, out, err = run(capsys, "runs", db_url, "--format", "json")
    assert code == 0 and err == ""
    rows = json.loads(out)
    assert [(r["run_id"], r["epochs"]) for r in rows] == [(a["id"], 2), (b["id"], 1)]
    assert "@" not in out or "***" in out or ":" not in db_url.split("@")[0].split("//")[1]  # no password shown


# ----- history, show ------------------------------------------------------------------------------
def test_history_in_every_format(db_url, capsys):
    net = trained(db_url, epochs=3)
    code, out, err = run(capsys, "history", net["id"], "--from", db_url, "--format", "json")
    assert code == 0 and err == ""
    rows = json.loads(out)
    assert [r["epoch"] for r in rows] == [1, 2, 3]
    assert list(rows[0]) == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert [r["loss"] for r in rows] == net.history.history["loss"]  # exact
    assert [r["val_accuracy"] for r in rows] == net.history.history["val_accuracy"]
    code, out, _ = run(capsys, "history", net["id"], "--from", db_url, "--format", "csv")
    frame = pd.read_csv(pd.io.common.StringIO(out), index_col="epoch")
    assert frame["loss"].tolist() == net.history.history["loss"]
    code, out, _ = run(capsys, "history", net["id"], "--source", db_url)
    assert out.splitlines()[0].split() == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr"]
    assert len(out.splitlines()) == 4


def test_show_a_run_with_its_parent_layers_and_snapshots(tmp_path, capsys):
    url = sqlite_url(tmp_path / "r.db")
    parent = trained(url, epochs=2, name="parent")
    parent.store.record_params({"units": 5})
    child = db.load_model(url, parent["id"], store=url)
    code, out, err = run(capsys, "show", child["id"], "--from", url)
    assert code == 0 and err == ""
    assert out.splitlines()[0] == f"run {child['id']}  parent  (created)"
    assert f"run {parent['id']} at epoch 2" in out and str(tmp_path / "r.db") in out
    assert "layers" in out and "Fullyconnected" in out and "Softmax" in out and "snapshots" in out
    code, out, _ = run(capsys, "show", parent["id"], "--from", url, "--format", "json")
    doc = json.loads(out)
    assert doc["run"]["run_id"] == parent["id"] and doc["run"]["status"] == "finished"
    assert doc["run"]["final_loss"] == parent.history.history["loss"][-1]
    assert doc["hyperparams"]["params"] == {"units": 5} and doc["hyperparams"]["optimizer"]["name"] == "sgd"
    assert [layer["name"] for layer in doc["layers"]] == ["Fullyconnected", "Activation"] * 2
    assert [s["tag"] for s in doc["snapshots"]] == ["initial", "final"]
    code, out, _ = run(capsys, "show", parent["id"], "--from", url)
    assert "optimizer" in out and "sgd(" in out and '{"units": 5}' in out


# ----- export -------------------------------------------------------------------------------------
def test_export_a_run_to_its_own_file_and_again(tmp_path, capsys):
    src = tmp_path / "runs"
    src.mkdir()
    net = trained(str(src / "shared.db"), epochs=2, name="keep")
    trained(str(src / "shared.db"), epochs=1, seed=1, name="other")
    code, out, err = run(capsys, "export", net["id"], "--from", src, "--to", tmp_path / "keep.db")
    assert code == 0 and err == "" and out.startswith(f"run {net['id']}: copied ") and str(tmp_path / "keep.db") in out
    assert db.list_runs(tmp_path / "keep.db").name.tolist() == ["keep"]
    assert db.history(tmp_path / "keep.db", net["id"]).equals(db.history(src, net["id"]))
    code, out, _ = run(capsys, "export", net["id"], "--from", src, "--to", tmp_path / "keep.db")
    assert code == 0 and "already in" in out and "nothing to copy" in out
    assert len(db.list_runs(tmp_path / "keep.db")) == 1
    code, out, _ = run(capsys, "export", net["id"], "--from", src, "--to", tmp_path / "exports")
    assert (tmp_path / "exports" / f"run-{net['id']}.db").exists()


def test_export_to_postgresql_and_back(tmp_path, capsys, pg_url):
    net = trained(str(tmp_path / "a.db"), epochs=2)
    assert run(capsys, "export", net["id"], "--from", tmp_path / "a.db", "--to", pg_url)[0] == 0
    code, out, _ = run(capsys, "export", net["id"], "--from", tmp_path / "a.db", "--to", pg_url)
    assert code == 0 and "already in" in out
    code, out, _ = run(capsys, "export", net["id"], "--from", pg_url, "--to", tmp_path / "back.db")
    assert code == 0 and "copied" in out
    assert db.history(tmp_path / "back.db", net["id"]).equals(db.history(tmp_path / "a.db", net["id"]))
    code, out, _ = run(capsys, "runs", pg_url, "--format", "json")
    assert [r["run_id"] for r in json.loads(out)] == [net["id"]]


# ----- errors -------------------------------------------------------------------------------------
def test_errors_are_one_line_with_exit_codes(tmp_path, capsys):
    url = sqlite_url(tmp_path / "r.db")
    net = trained(url, epochs=1)
    code, out, err = run(capsys, "history", 12345, "--from", url)
    assert code == 1 and out == "" and err.count("\n") == 1 and "no run 12345" in err and str(net["id"]) in err
    code, _, err = run(capsys, "show", 12345, "--from", url)
    assert code == 1 and "no run 12345" in err
    code, _, err = run(capsys, "runs", tmp_path / "missing")
    assert code == 1 and "no database file or run directory" in err
    (tmp_path / "text.db").write_text("hello")
    code, _, err = run(capsys, "runs", tmp_path / "text.db")
    assert code == 2 and "not a SQLite database" in err and err.count("\n") == 1
    code, _, err = run(capsys, "history", 1, "--from", tmp_path / "text.db")
    assert code == 2 and "Traceback" not in err
    # a database of a newer neural_net
    newer = tmp_path / "newer.db"
    shutil.copy(tmp_path / "r.db", newer)
    sqlite_exec(newer, "UPDATE alembic_version SET version_num = '9999'")
    code, _, err = run(capsys, "runs", newer)
    assert code == 2 and "9999" in err and "newer version" in err and err.count("\n") == 1
    code, out, _ = run(capsys, "db", "status", newer)
    assert code == 2 and "newer" in out


def test_db_upgrade_and_status_of_an_old_file(tmp_path, capsys):
    old = tmp_path / "old.db"
    db.upgrade(str(old), "0001")
    dispose()
    code, _, err = run(capsys, "runs", old)
    assert code == 2 and f"run `neural-net db upgrade {old}`" in err and err.count("\n") == 1
    code, out, _ = run(capsys, "db", "status", old)
    assert code == 1 and "outdated" in out and "0001" in out and f"neural-net db upgrade {old}" in out
    code, out, err = run(capsys, "db", "upgrade", old)
    assert code == 0 and err == "" and out.strip() == f"upgraded {old} from schema revision 0001 to {head_revision()}"
    code, out, _ = run(capsys, "db", "status", old)
    assert code == 0 and "current" in out
    code, out, _ = run(capsys, "db", "upgrade", old)
    assert code == 0 and "already" in out
    code, out, _ = run(capsys, "runs", old)
    assert code == 0 and "no runs" in out
    # a directory: every file, foreign ones reported
    d = tmp_path / "dir"
    d.mkdir()
    db.upgrade(str(d / "one.db"), "0001")
    (d / "text.db").write_text("hello")
    code, out, err = run(capsys, "db", "upgrade", d)
    assert code == 2 and f"upgraded {d / 'one.db'}" in out and str(d / "text.db") in err
    code, out, _ = run(capsys, "db", "status", d)
    assert code == 2 and "one.db: current" in out and "text.db: unusable" in out
    code, out, _ = run(capsys, "db", "status", tmp_path / "absent.db")
    assert code == 1 and "missing" in out


# ----- the catalogue ------------------------------------------------------------------------------
def test_fast_catalogue_gives_the_same_frame_as_the_engine_path(run_dir):
    d, nets = run_dir
    # a killed run (status 'running', its pid gone) and a failed one
    sqlite_exec(d / "a.db", f"UPDATE Architecture SET status = 'running', pid = {2**22 + 4321} "
                            f"WHERE Architecture_id = {nets['iris']['id']}")
    db.record_failed_run(str(d / "b.db"), "broken-sweep", {"units": 0}, "ValueError: units")
    dispose()
    skipped_fast, skipped_slow = [], []
    fast = catalogue(d, on_skip=lambda p, r: skipped_fast.append(p))
    slow = catalogue(d, fast=False, on_skip=lambda p, r: skipped_slow.append(p))
    pd.testing.assert_frame_equal(fast, slow)
    assert skipped_fast == skipped_slow == [str(d / "notes.db"), str(d / "other-app.db")]
    assert fast.set_index("name").loc["iris", "status"] == "interrupted"
    assert fast.set_index("name").loc["broken-sweep", "status"] == "failed"
    for status in ("running", "finished"):
        pd.testing.assert_frame_equal(catalogue(d, status=status, on_skip=lambda p, r: None),
                                      filter_runs(slow, status=status))
    # one file as the source: the same rows as before
    pd.testing.assert_frame_equal(catalogue(d / "b.db"), catalogue(d / "b.db", fast=False))
    # the fast path leaves no stray -wal/-shm files (the engines of the slow one hold theirs until disposed)
    dispose()
    files = ["a.db", "b.db", "notes.db", "other-app.db", "readme.txt"]
    assert sorted(p.name for p in d.iterdir()) == files
    catalogue(d, on_skip=lambda p, r: None)
    assert sorted(p.name for p in d.iterdir()) == files


def test_catalogue_skips_locked_and_corrupt_files(run_dir, capsys, monkeypatch):
    d, nets = run_dir
    (d / "notes.db").unlink()
    (d / "other-app.db").unlink()
    dispose()
    # a corrupt file: a database cut in half
    data = (d / "b.db").read_bytes()
    (d / "corrupt.db").write_bytes(data[: len(data) // 2])
    # a locked file: a rollback-journal database another process holds exclusively
    shutil.copy(d / "a.db", d / "locked.db")
    holder = sqlite3.connect(d / "locked.db", isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(catalogue_module, "LOCK_TIMEOUT", 0.2)
    # the holder is this process, whose locks F_GETLK does not show: no file counts as settled
    # (an immutable read of the copy, unchanged since, would be right but is not what is tested)
    monkeypatch.setattr(sqlite_readonly, "SETTLED_SECONDS", 1e9)
    try:
        reasons = {}
        runs = catalogue(d, on_skip=lambda p, r: reasons.setdefault(Path(p).name, r))
        assert sorted(reasons) == ["corrupt.db", "locked.db"]
        assert "locked" in reasons["locked.db"]
        assert sorted(runs.db_path.map(lambda u: Path(u).name).unique()) == ["a.db", "b.db"]
        code, out, err = run(capsys, "runs", d, "--format", "json")
        assert code == 0 and len(json.loads(out)) == 4
        assert f"skipping {d / 'locked.db'}: it is locked by another process" in err
        assert str(d / "corrupt.db") in err and len(err.strip().splitlines()) == 2
        # a single locked file is an error (exit 1), not a hang
        code, out, err = run(capsys, "runs", d / "locked.db")
        assert code == 1 and "locked" in err
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert len(catalogue(d / "locked.db")) == 2


# ----- a real process -----------------------------------------------------------------------------
def test_python_dash_m_neural_net(run_dir, tmp_path):
    d, nets = run_dir
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("NEURAL_NET_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-m", "neural_net", "runs", str(d), "--format", "json",
                          "--status", "finished"], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert [r["name"] for r in json.loads(out.stdout)] == ["mnist-a", "iris", "mnist-b"]
    assert "notes.db" in out.stderr and "Traceback" not in out.stderr
    ids = [str(r["run_id"]) for r in json.loads(out.stdout)]
    missing = next(str(n) for n in range(10, 100) if not any(i.startswith(str(n)) for i in ids))  # ids are random
    out = subprocess.run([sys.executable, "-m", "neural_net", "history", missing, "--from", str(d)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 1 and out.stdout == "" and "Traceback" not in out.stderr
    assert out.stderr.splitlines()[-1].startswith(f"neural-net: no run {missing}")
    out = subprocess.run([sys.executable, "-m", "neural_net", "export", str(nets["iris"]["id"]), "--from", str(d),
                          "--to", str(tmp_path / "iris.db")], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0 and "copied" in out.stdout
    assert db.list_runs(tmp_path / "iris.db").name.tolist() == ["iris"]


def test_parser_is_extensible():
    parser = build_parser()
    assert parser.prog == "neural-net"
    assert parser.parse_args(["demo", "--epochs", "3"]).epochs == 3


def test_stale_after_marks_silent_runs_of_other_hosts_interrupted(tmp_path, capsys):
    """(A SQLite heartbeat is text: the catalogue compares it as a time.)"""
    path = tmp_path / "r.db"
    net = trained(str(path), epochs=1)
    dispose()
    sqlite_exec(path, "UPDATE Architecture SET status = 'running', hostname = 'gpu-node-7', "
                      f"updated_at = '2024-03-04 18:00:00.000000' WHERE Architecture_id = {net['id']}")
    assert db.list_runs(path).status.tolist() == ["running"]
    assert db.list_runs(path, stale_after=60).status.tolist() == ["interrupted"]
    assert db.run_info(path, net["id"], stale_after=60)["status"] == "interrupted"
    code, out, _ = run(capsys, "runs", path, "--stale-after", 60, "--format", "json")
    assert code == 0 and json.loads(out)[0]["status"] == "interrupted"
    code, out, _ = run(capsys, "runs", path, "--status", "running", "--format", "json")
    assert [r["run_id"] for r in json.loads(out)] == [net["id"]]

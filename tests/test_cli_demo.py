"""``neural-net demo`` stores its run and prints the next commands to try (issue 11); each
printed command works on what was stored."""
from __future__ import annotations

import shlex
import sqlite3
import subprocess
import sys

import neural_net.db as db
from neural_net.cli import main


def demo_lines(capsys, *argv):
    assert main(["demo", "--epochs", "4", "--quiet", *argv]) == 0
    return capsys.readouterr().out.splitlines()


def test_demo_stores_its_run_and_every_printed_command_works(db_url, capsys):
    lines = demo_lines(capsys, "--store", db_url)
    runs = db.runs(db_url)
    assert runs.name.tolist() == ["iris-demo"] and runs.epochs.tolist() == [4]
    run_id = int(runs.run_id.iloc[0])
    assert lines[0].startswith(f"stored as run {run_id} in ")
    commands = [ln.strip() for ln in lines[1:]]
    cli = [shlex.split(c.split("  #")[0]) for c in commands if c.startswith("neural-net ")]
    assert [c[1] for c in cli] == ["runs", "show", "history", "ui"]
    for argv in cli[:2]:  # runs, show
        assert main(argv[1:]) == 0, argv
        out = capsys.readouterr().out
        assert str(run_id) in out and "iris-demo" in out
    assert main(cli[2][1:]) == 0
    assert [ln.split()[0] for ln in capsys.readouterr().out.splitlines()] == ["epoch", "1", "2", "3", "4"]
    sql = [c for c in commands if c.startswith(("sqlite3 ", "SQL: "))]
    assert len(sql) == 1
    if db_url.startswith("sqlite"):
        path, query = shlex.split(sql[0])[1:]
        with sqlite3.connect(path) as c:
            losses = [v for _, v in c.execute(query)]
    else:
        from sqlalchemy import create_engine, text

        engine = create_engine(db_url)
        with engine.connect() as c:
            losses = [v for _, v in c.execute(text(sql[0][len("SQL: "):]))]
        engine.dispose()
    assert losses == db.history(db_url, run_id)["loss"].tolist() and len(losses) == 4
    python = [c for c in commands if c.startswith("python -c ")]
    out = subprocess.run(shlex.split(python[0]), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "loss" in out.stdout and len([ln for ln in out.stdout.splitlines() if ln.split()[:1] == ["4"]]) == 1


def test_demo_stores_by_default_in_the_run_directory_and_no_store_stores_nothing(tmp_path, capsys):
    lines = demo_lines(capsys)  # conftest points NEURAL_NET_RUN_DIR at tmp_path/run
    files = list((tmp_path / "run").glob("*.db"))
    assert len(files) == 1 and str(files[0]) in lines[0]
    assert db.runs(str(tmp_path / "run")).name.tolist() == ["iris-demo"]
    lines = demo_lines(capsys, "--no-store")
    assert lines == [] and len(list((tmp_path / "run").glob("*.db"))) == 1

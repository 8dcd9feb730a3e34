"""The catalogue's ``immutable=1`` reads of settled run files (the cold ``neural-net runs DIR``):
the rows of the safe connection, never a row a writer changed during the read, nothing left
beside the files — and listing a run directory imports no SQLAlchemy."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import neural_net.db as db
from neural_net.db import catalogue_files
from neural_net.db.catalogue import catalogue
from neural_net.db.catalogue_files import fast_read
from neural_net.db.migrate import head_revision
from neural_net.db.sqlite_readonly import read_unchanged
from neural_net.db.urls import backend_and_database, display_url, sqlite_file, sqlite_url

from conftest import sqlite_exec
from test_catalogue_cache import age, run_dir as three_runs  # noqa: F401  (a fixture: three trained runs, aged)

ROOT = Path(__file__).resolve().parent.parent


def settle(*paths: Path) -> None:
    """Modified a minute ago (an immutable read takes only files modified 2 s or more before it)."""
    old = time.time_ns() - 60 * 10**9
    for p in paths:
        os.utime(p, ns=(old, old))


def names_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.fixture
def run_dir(three_runs):
    """Three trained runs and a failed one, all settled."""
    db.record_failed_run(str(three_runs / "failed.db"), "failed", {"units": 0}, "ValueError: units must be > 0")
    db.dispose()
    age(three_runs)
    return three_runs


def name_of(con: sqlite3.Connection) -> str:
    return con.execute("SELECT run_name FROM Architecture").fetchone()[0]


def test_a_settled_directory_is_read_immutable_with_the_rows_of_the_safe_connection(run_dir, monkeypatch):
    before = names_in(run_dir)
    taken = []

    def spy(path, read):
        done, value = read_unchanged(path, read)
        taken.append(done)
        return done, value

    monkeypatch.setattr(catalogue_files, "read_unchanged", spy)
    fast = catalogue(run_dir), db.runs(run_dir, order_by="-val_accuracy")
    assert taken == [True] * 8 and names_in(run_dir) == before  # every file, twice; nothing left beside them
    monkeypatch.setattr(catalogue_files, "read_unchanged", lambda path, read: (False, None))  # the safe way only
    safe = catalogue(run_dir), db.runs(run_dir, order_by="-val_accuracy")
    for a, b in zip(fast, safe):
        pd.testing.assert_frame_equal(a, b)
    assert sorted(fast[0].name) == ["alpha", "beta", "failed", "gamma"] and "val_accuracy" in fast[1]
    assert names_in(run_dir) == before


@pytest.mark.parametrize("journal", ["wal", "delete"])
@pytest.mark.parametrize("writer_stays_open", [False, True])
def test_a_write_during_the_immutable_read_is_never_returned(run_dir, journal, writer_stays_open):
    """A writer commits between the two ``stat`` calls of the immutable read (here: during the
    read): what that read saw is dropped and the file is read again through the safe
    connection, which sees the commit (from the ``-wal`` too, while the writer holds it open)."""
    path = run_dir / "alpha.db"
    if journal == "delete":
        sqlite_exec(path, "PRAGMA journal_mode=DELETE")
        settle(path)
    seen, writers = [], []

    def read(con):
        seen.append(name_of(con))
        if len(seen) == 1:
            w = sqlite3.connect(path)
            w.execute("UPDATE Architecture SET run_name = 'renamed'")
            w.commit()
            (writers.append(w) if writer_stays_open else w.close())
        return seen[-1]

    try:
        assert fast_read(str(path), 2.0, head_revision(), read) == "renamed"
        if writer_stays_open and journal == "wal":
            assert os.path.getsize(f"{path}-wal") > 0  # the commit was in the -wal only
    finally:
        for w in writers:
            w.close()
    assert seen == ["alpha", "renamed"]  # the stale read happened, and was not returned
    assert names_in(run_dir) == ["alpha.db", "beta.db", "failed.db", "gamma.db"]


def _journal(path: Path) -> None:
    Path(f"{path}-journal").write_bytes(b"")


def _fresh(path: Path) -> None:
    os.utime(path)  # modified now: a write within the same timestamp could go unseen


def _not_sqlite(path: Path) -> None:
    path.write_text("not a database")
    settle(path)


@pytest.mark.parametrize("make", [_journal, _fresh, _not_sqlite], ids=["journal", "fresh", "not-sqlite"])
def test_an_unsettled_file_is_not_read_immutable(run_dir, make):
    path = run_dir / "beta.db"
    make(path)
    calls = []
    assert read_unchanged(str(path), lambda con: calls.append(1)) == (False, None) and calls == []


def test_a_pending_wal_is_not_read_immutable_and_is_never_checkpointed(run_dir):
    path = run_dir / "beta.db"
    w = sqlite3.connect(path)
    try:
        w.execute("UPDATE Architecture SET run_name = 'pending'")
        w.commit()
        wal = Path(f"{path}-wal")
        settle(path, wal)
        before = path.read_bytes(), wal.read_bytes()
        assert read_unchanged(str(path), name_of) == (False, None)
        assert fast_read(str(path), 2.0, head_revision(), name_of) == "pending"
        assert (path.read_bytes(), wal.read_bytes()) == before
    finally:
        w.close()


def test_a_failing_immutable_read_is_read_again_the_safe_way(run_dir):
    path = str(run_dir / "gamma.db")
    calls = []

    def flaky(con):
        calls.append(1)
        if len(calls) == 1:
            raise sqlite3.DatabaseError("database disk image is malformed")
        return name_of(con)

    assert fast_read(path, 2.0, head_revision(), flaky) == "gamma" and len(calls) == 2

    def broken(con):
        raise sqlite3.DatabaseError("database disk image is malformed")

    assert fast_read(path, 2.0, head_revision(), broken) is None  # the safe path's answer: the full check decides
    assert names_in(run_dir) == ["alpha.db", "beta.db", "failed.db", "gamma.db"]


def test_a_file_of_another_revision_is_declined_either_way(run_dir):
    path = run_dir / "alpha.db"
    sqlite_exec(path, "UPDATE alembic_version SET version_num = '0001'")
    settle(path)
    assert fast_read(str(path), 2.0, head_revision(), name_of) is None


NAMES = ["/tmp/a.db", "/tmp/trial?1.db", "/tmp/50%.db", "/tmp/a#b.db", "/tmp/sp ace+plus.db", "/tmp/ünï.db",
         "/tmp/a@b:c.db", "/tmp/semi;colon&x=1.db", "/tmp/%41.db"]


@pytest.mark.parametrize("path", NAMES)
def test_sqlite_urls_are_built_and_read_as_sqlalchemy_does(path):
    from sqlalchemy.engine import URL, make_url

    url = sqlite_url(path)
    assert url == URL.create("sqlite", database=path).render_as_string(hide_password=False)
    u = make_url(url)
    assert backend_and_database(url) == (u.get_backend_name(), u.database) == ("sqlite", path)
    assert str(sqlite_file(url)) == path and display_url(url) == path


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "sqlite:///:memory:", "sqlite:///rel.db",
                                 "sqlite:////tmp/x.db?mode=ro", "sqlite+pysqlite:////tmp/x.db",
                                 "postgresql+psycopg://u:p@h:5432/db", "sqlite:////tmp/a%2Fb.db"])
def test_other_urls_are_read_as_sqlalchemy_does(url):
    from sqlalchemy.engine import make_url

    u = make_url(url)
    assert backend_and_database(url) == (u.get_backend_name(), u.database)


def test_listing_a_run_directory_imports_no_sqlalchemy(run_dir, tmp_path):
    """``neural-net runs DIR`` (plain, sorted with parameters, cold and warm cache), an unusable
    file and another program's database reported as before: SQLAlchemy is never imported."""
    (run_dir / "notes.db").write_text("not a database")
    sqlite_exec(run_dir / "other-app.db", "CREATE TABLE customers (id INTEGER PRIMARY KEY)")
    code = (
        "import io, json, sys, contextlib\n"
        "from neural_net.cli import main\n"
        "out, err = io.StringIO(), io.StringIO()\n"
        "with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):\n"
        f"    codes = [main(['runs', {str(run_dir)!r}, '--format', 'json', *extra])\n"
        "             for extra in ([], [], ['--sort', '-val_accuracy', '--columns', 'name,optimizer,val_accuracy'])]\n"
        "print(json.dumps({'codes': codes, 'err': err.getvalue(), 'out': out.getvalue(),\n"
        "                  'sqlalchemy': sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic'))}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEURAL_NET_CACHE_DIR": str(tmp_path / "cache")}
    got = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                                    check=True).stdout)
    assert got["codes"] == [0, 0, 0] and got["sqlalchemy"] == []
    assert got["err"].count("notes.db is not a SQLite database") == 3 and got["err"].count("other-app.db") == 3
    assert got["out"].count('"name": "alpha"') == 3
    assert names_in(run_dir) == ["alpha.db", "beta.db", "failed.db", "gamma.db", "notes.db", "other-app.db"]


@pytest.mark.parametrize("journal", ["off", "delete"])
def test_a_file_another_process_writes_is_not_read_immutable(run_dir, journal):
    """A writer of another process between its first write and its commit (``BEGIN IMMEDIATE``:
    SQLite's RESERVED lock), in a journal mode that leaves no ``-journal`` file until it writes
    (or none at all): the file is read the safe way (here: it is locked)."""
    path = run_dir / "beta.db"
    sqlite_exec(path, f"PRAGMA journal_mode={journal.upper()}")
    settle(path)
    code = ("import sqlite3, sys\n"
            f"con = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            f"con.execute('PRAGMA journal_mode={journal.upper()}')\n"
            "con.execute('BEGIN IMMEDIATE'); print('locked', flush=True); sys.stdin.readline()\n")
    writer = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline() == "locked\n"
        calls = []
        assert read_unchanged(str(path), lambda con: calls.append(1)) == (False, None) and calls == []
    finally:
        writer.communicate("\n", timeout=30)
    assert read_unchanged(str(path), name_of) == (True, "beta")  # the writer gone: settled again


def test_the_plain_listing_imports_neither_numpy_nor_pandas(run_dir, tmp_path):
    """``neural-net runs DIR`` without ``--sort``/``--where``/``--columns`` prints the catalogue's
    plain rows (:func:`neural_net.db.catalogue_rows.catalogue_records`): the same table as the
    DataFrame of ``catalogue``, without importing numpy or pandas (their start-up time)."""
    code = (
        "import io, json, sys, contextlib\n"
        "from neural_net.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    codes = [main(['runs', {str(run_dir)!r}, *extra]) for extra in ([], ['--format', 'json'])]\n"
        "print(json.dumps({'codes': codes, 'out': out.getvalue(),\n"
        "                  'heavy': sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'pandas'))}))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEURAL_NET_CACHE_DIR": str(tmp_path / "cache")}
    got = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                                    check=True).stdout)
    assert got["codes"] == [0, 0] and got["heavy"] == []
    table, listed = got["out"].split("\n[", 1)
    frame = catalogue(run_dir, on_skip=lambda p, r: None)
    rows = json.loads("[" + listed)
    assert [r["run_id"] for r in rows] == frame.run_id.tolist() and [r["name"] for r in rows] == frame.name.tolist()
    assert [r["epochs"] for r in rows] == frame.epochs.tolist() and all(type(r["epochs"]) is int for r in rows)
    assert [r["status"] for r in rows] == frame.status.tolist()
    assert table.splitlines()[0].split()[:4] == ["run_id", "name", "status", "epochs"]

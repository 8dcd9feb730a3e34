"""Schema creation through Alembic, revision checks, upgrade, and refusal to touch databases
that are not ours (left byte for byte as they were)."""
from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

import neural_net.db as db
from neural_net.architecture import Sequential
from neural_net.db.engine import database_state, dispose, open_database, sqlite_url
from neural_net.db.errors import NotANeuralNetDatabase, SchemaOutdated, SchemaTooNew, StorePathError
from neural_net.db.migrate import head_revision, revisions
from neural_net.db.schema import Base, VIEWS
from neural_net.layers import Dense
from conftest import sqlite_exec

REPO = Path(__file__).resolve().parent.parent


def net(store):
    return Sequential([Dense(2, input_dim=2)], "mse", store=store)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def names(url):
    insp = inspect(create_engine(url))
    return {n.lower() for n in insp.get_table_names()}, {n.lower() for n in insp.get_view_names()}


def test_new_database_is_created_at_head_through_the_migrations(db_url):
    assert database_state(db_url).kind in ("missing", "empty")
    net(db_url)
    state = database_state(db_url)
    assert (state.kind, state.revision) == ("current", head_revision()) and revisions() == ["0001", "0002", "0003", "0005"]
    tables, views = names(db_url)
    assert {t.lower() for t in Base.metadata.tables} | {"alembic_version"} == tables
    assert {v.lower() for v in VIEWS} == views


def test_migrated_schema_matches_the_orm_models(db_url):
    open_database(db_url)
    engine = create_engine(db_url)
    if engine.dialect.name == "sqlite":
        from alembic.autogenerate import compare_metadata
        from alembic.migration import MigrationContext

        with engine.connect() as c:
            diff = compare_metadata(MigrationContext.configure(c, opts={"compare_type": True}), Base.metadata)
        assert diff == []
    insp = inspect(engine)
    for table in Base.metadata.sorted_tables:
        reflected = {c["name"].lower(): c for c in insp.get_columns(table.name.lower()
                                                                      if engine.dialect.name != "sqlite" else table.name)}
        assert set(reflected) == {c.name.lower() for c in table.columns}, table.name
        for column in table.columns:
            assert reflected[column.name.lower()]["nullable"] == (column.nullable and not column.primary_key), \
                (table.name, column.name)
    engine.dispose()


def test_alembic_command_line_gives_the_same_schema(tmp_path):
    url_cli = sqlite_url(tmp_path / "cli.db")
    alembic = Path(sys.executable).with_name("alembic")
    cmd = [str(alembic) if alembic.exists() else "alembic", "-c", str(REPO / "neural_net" / "alembic.ini"),
           "-x", f"url={url_cli}", "upgrade", "head"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert database_state(url_cli).kind == "current"
    url_lib = sqlite_url(tmp_path / "lib.db")
    open_database(url_lib)

    def schema(path):
        con = sqlite3.connect(path)
        rows = sorted(con.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
        con.close()
        return rows

    assert schema(tmp_path / "cli.db") == schema(tmp_path / "lib.db")
    # the top-level symlink points at the package's migrations
    assert (REPO / "migrations" / "env.py").resolve() == (REPO / "neural_net" / "migrations" / "env.py").resolve()
    # the store opens a database made by the CLI
    assert net(url_cli).db_path == url_cli


def test_outdated_database_asks_for_upgrade_then_upgrades(db_url):
    db.upgrade(db_url, "0001")
    assert database_state(db_url).kind == "outdated"
    with pytest.raises(SchemaOutdated, match=r"neural-net db upgrade .*0001|0001.*neural-net db upgrade"):
        net(db_url)
    with pytest.raises(SchemaOutdated):
        db.list_runs(db_url)
    assert db.upgrade(db_url) == head_revision()
    n = net(db_url)
    with n.engines[n.db_path].connect() as c:
        assert c.execute(text(f"SELECT count(*) FROM weight WHERE neurons_id = {n['steps'][0].func['id']}")).scalar() == 6


def test_sqlite_outdated_file_is_not_modified_by_opening(tmp_path):
    path = tmp_path / "old.db"
    db.upgrade(str(path), "0001")
    dispose()
    before = digest(path)
    with pytest.raises(SchemaOutdated, match=str(path)):
        net(sqlite_url(path))
    assert digest(path) == before


def test_newer_revision_is_refused_and_left_untouched(tmp_path, db_url):
    open_database(db_url)
    engine = create_engine(db_url)
    with engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    engine.dispose()
    path = db.engine.sqlite_file(db_url)
    before = digest(path) if path else None
    with pytest.raises(SchemaTooNew, match="9999_future"):
        net(db_url)
    with pytest.raises(SchemaTooNew):
        db.upgrade(db_url)
    if path:
        assert digest(path) == before


def test_foreign_sqlite_database_is_refused_and_untouched(tmp_path):
    path = tmp_path / "other.db"
    sqlite_exec(path, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)",
                "INSERT INTO customers VALUES (1, 'Ada')")
    before = digest(path)
    with pytest.raises(NotANeuralNetDatabase, match="customers"):
        net(sqlite_url(path))
    with pytest.raises(NotANeuralNetDatabase):
        db.upgrade(str(path))
    with pytest.raises(NotANeuralNetDatabase):
        db.list_runs(path)
    assert digest(path) == before
    assert sorted(os.listdir(tmp_path)) == ["other.db", "run"] or sorted(os.listdir(tmp_path)) == ["other.db"]


def test_another_applications_alembic_database_is_refused(tmp_path):
    path = tmp_path / "app.db"
    sqlite_exec(path, "CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)",
                "INSERT INTO alembic_version VALUES ('ae1027a6acf')", "CREATE TABLE orders (id INTEGER)")
    before = digest(path)
    with pytest.raises(NotANeuralNetDatabase, match="another application"):
        net(sqlite_url(path))
    assert digest(path) == before


@pytest.mark.parametrize("content", [b"hello, this is a text file\n" * 20, b"\x00\x01binary" * 100])
def test_not_sqlite_at_all_is_refused_and_untouched(tmp_path, content):
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(NotANeuralNetDatabase, match="not a SQLite database"):
        net(sqlite_url(path))
    with pytest.raises(NotANeuralNetDatabase):
        db.list_runs(str(path))
    assert path.read_bytes() == content
    assert not Path(f"{path}-wal").exists() and not Path(f"{path}-journal").exists()


def test_empty_file_becomes_a_database(tmp_path):
    path = tmp_path / "empty.db"
    path.touch()
    n = net(str(path))
    assert n.db_path == sqlite_url(path) and database_state(n.db_path).kind == "current"


def test_postgres_schema_with_foreign_tables_is_refused(db_url):
    engine = create_engine(db_url)
    with engine.begin() as c:
        c.execute(text("CREATE TABLE invoices (id integer)"))
    engine.dispose()
    with pytest.raises(NotANeuralNetDatabase, match="invoices"):
        net(db_url)


def read_only(p: Path):
    p.chmod(stat.S_IREAD | stat.S_IEXEC if p.is_dir() else stat.S_IREAD)


def test_unwritable_directory_is_refused_before_anything_is_written(tmp_path):
    d = tmp_path / "locked"
    d.mkdir()
    read_only(d)
    try:
        with pytest.raises(StorePathError, match=f"{d}.*not writable"):
            net(str(d))
        with pytest.raises(StorePathError, match=str(d)):
            net(sqlite_url(d / "x.db"))
        assert os.listdir(d) == []
    finally:
        d.chmod(0o755)


def test_read_only_file_is_refused_and_untouched(tmp_path):
    path = tmp_path / "ro.db"
    net(str(path))
    dispose()
    for extra in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        assert not extra.exists() or extra.stat().st_size >= 0
    before = digest(path)
    read_only(path)
    try:
        with pytest.raises(StorePathError, match=f"{path}.*read-only"):
            net(sqlite_url(path))
        assert digest(path) == before
        # readers still read it
        assert len(db.list_runs(path)) == 1
    finally:
        path.chmod(0o644)


def test_missing_directory_in_url_and_bad_targets(tmp_path):
    with pytest.raises(StorePathError, match="does not exist"):
        net(sqlite_url(tmp_path / "nope" / "x.db"))
    with pytest.raises(TypeError, match="store must be"):
        net(3.5)
    (tmp_path / "file").write_text("x")
    with pytest.raises(StorePathError, match="(?i)not a directory"):
        net(str(tmp_path / "file" / "sub"))
    with pytest.raises(StorePathError, match="no database file"):
        db.list_runs(tmp_path / "missing.db")


def test_upgrade_accepts_a_path_and_creates_missing_files(tmp_path):
    assert db.upgrade(str(tmp_path / "new.db")) == head_revision()
    assert database_state(sqlite_url(tmp_path / "new.db")).kind == "current"
    assert db.upgrade(str(tmp_path / "new.db")) == head_revision()  # idempotent


def test_concurrent_creation_of_one_file(tmp_path):
    """Several processes creating the same new file at once all end up with one good schema."""
    script = tmp_path / "make.py"
    script.write_text(
        "import sys, neural_net\n"
        "from neural_net.architecture import Sequential\nfrom neural_net.layers import Dense\n"
        "n = Sequential([Dense(2, input_dim=2)], 'mse', store=sys.argv[1])\n"
        "print(n['id'])\n")
    target = sqlite_url(tmp_path / "shared.db")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, str(script), target], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env, text=True) for _ in range(4)]
    ids = []
    for p in procs:
        out, err = p.communicate(60)
        assert p.returncode == 0, err
        ids.append(int(out))
    runs = db.list_runs(target)
    assert sorted(runs.run_id.tolist()) == sorted(ids)
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp")]

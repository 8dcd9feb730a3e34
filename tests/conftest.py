"""Shared fixtures.

``db_url`` yields a fresh database URL per test: a SQLite file in ``tmp_path`` and, when
``NEURAL_NET_TEST_DATABASE_URL`` is set (e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test``), also a PostgreSQL database isolated in
a schema of its own (``search_path`` set through the URL), dropped afterwards.

Every test runs with ``NEURAL_NET_RUN_DIR`` and ``NEURAL_NET_CACHE_DIR`` pointing into its ``tmp_path`` and without
``NEURAL_NET_DATABASE_URL``, so ``store=True`` never writes into the repository's ``run/``;
the seed's class flag ``Define._Define__store`` is restored after each test.
"""
from __future__ import annotations

import os
import sqlite3
import uuid

import pytest

import neural_net  # noqa: F401  (registers the store)
from neural_net.model import Define

PG_ENV = "NEURAL_NET_TEST_DATABASE_URL"


def sqlite_exec(path, *statements: str) -> None:
    """Run SQL statements on a SQLite file outside the library (crafting or altering a database)."""
    con = sqlite3.connect(path)
    try:
        for statement in statements:
            con.execute(statement)
        con.commit()
    finally:
        con.close()


def trained(store, epochs=3, seed=0, name=None):
    """A small softmax classifier fitted for ``epochs`` epochs (with validation) into ``store``."""
    import numpy as np

    from neural_net.architecture import Sequential
    from neural_net.layers import Dense

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 3))
    y = np.eye(2)[(X[:, 0] > 0).astype(int)]
    net = Sequential([Dense(5, activation="tanh", input_dim=3), Dense(2, activation="softmax")], "cross_entropy",
                     store=store, seed=seed, name=name)
    net.compile("sgd", metrics=["accuracy"])
    net.fit(X, y, epochs=epochs, batch_size=10, validation_split=0.25, verbose=0)
    return net


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(PG_ENV) else ["sqlite"]


@pytest.fixture(autouse=True)
def _isolated_store_env(tmp_path, monkeypatch):
    monkeypatch.setenv("NEURAL_NET_RUN_DIR", str(tmp_path / "run"))
    monkeypatch.setenv("NEURAL_NET_CACHE_DIR", str(tmp_path / "cache"))  # the catalogue's cache, never ~/.cache
    monkeypatch.delenv("NEURAL_NET_DATABASE_URL", raising=False)
    flag = Define._Define__store
    yield
    Define._Define__store = flag


def make_pg_url(base: str) -> tuple[str, str]:
    """A URL of ``base`` whose connections use a new schema; returns (url, schema)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    schema = f"nn_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, poolclass=NullPool)
    with admin.begin() as c:
        c.exec_driver_sql(f"CREATE SCHEMA {schema}")
    admin.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}&application_name={schema}", schema


def drop_pg_schema(base: str, schema: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    admin = create_engine(base, poolclass=NullPool)
    with admin.begin() as c:  # connections a test leaked would block the DROP: end them
        c.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          f"WHERE application_name = '{schema}' AND pid <> pg_backend_pid()")
        c.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    admin.dispose()


@pytest.fixture(params=_backends())
def db_url(request, tmp_path):
    """A fresh, empty database URL (SQLite file; PostgreSQL schema when configured)."""
    from neural_net.db.engine import dispose

    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path / "test.db")
        yield url
        dispose(url)
        return
    yield from _fresh_pg_schema(os.environ[PG_ENV])


def _fresh_pg_schema(base: str):
    """Yield the URL of a new schema of the server ``base``; dispose and drop it afterwards."""
    from neural_net.db.engine import dispose

    url, schema = make_pg_url(base)
    try:
        yield url
    finally:
        dispose(url)
        drop_pg_schema(base, schema)


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL schema's URL (dropped afterwards); skips without the server's URL."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set")
    yield from _fresh_pg_schema(base)

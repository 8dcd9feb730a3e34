"""Alembic environment of the neural_net database.

Two ways in:

* from the library (``neural_net.db``), which builds an :class:`alembic.config.Config` in
  code, points ``script_location`` at this installed directory and hands over an open
  connection in ``config.attributes['connection']``;
* from the command line: ``alembic -c neural_net/alembic.ini -x url=sqlite:///run/model1.db
  upgrade head`` (the URL may also come from ``sqlalchemy.url`` in the ini file or the
  ``NEURAL_NET_DATABASE_URL`` environment variable).
"""
from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

from neural_net.db.schema import Base

config = context.config
target_metadata = Base.metadata

if config.config_file_name is not None and config.attributes.get("connection") is None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    url = (context.get_x_argument(as_dictionary=True).get("url")
           or config.attributes.get("url")
           or config.get_main_option("sqlalchemy.url")
           or os.environ.get("NEURAL_NET_DATABASE_URL"))
    if not url:
        raise RuntimeError("no database URL: pass -x url=..., set sqlalchemy.url in the ini file "
                           "or the NEURAL_NET_DATABASE_URL environment variable")
    return url


def _configure(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

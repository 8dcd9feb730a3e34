"""Alembic, driven from code: the schema revisions shipped with the package and ``upgrade``.

The migration scripts live in ``neural_net/migrations`` (installed with the package); a
:class:`alembic.config.Config` is built in code with ``script_location`` pointing there, so
no ``alembic.ini`` is needed at run time. Every database is created by running these
migrations up to the head revision (never by ``create_all``), so a new database and an
upgraded one have the same schema.

Example:
    >>> from neural_net.db.migrate import head_revision, revisions
    >>> head_revision(), revisions()
    ('0004', ['0001', '0002', '0003', '0004'])
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

#: Directory of the Alembic environment (``env.py``, ``versions/``).
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | None = None, connection: Any = None) -> Config:
    """An Alembic ``Config`` for the package's migrations, for ``url`` or an open ``connection``.

    Example:
        >>> from neural_net.db.migrate import alembic_config
        >>> alembic_config("sqlite://").get_main_option("script_location").endswith("migrations")
        True
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    cfg.attributes["url"] = url
    cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def script_directory() -> ScriptDirectory:
    """The package's revision scripts (read once per process)."""
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest schema revision this version of neural_net knows.

    Example:
        >>> from neural_net.db.migrate import head_revision
        >>> head_revision()
        '0004'
    """
    head = script_directory().get_current_head()
    assert head is not None
    return head


def revisions() -> list[str]:
    """Every known revision, oldest first.

    Example:
        >>> from neural_net.db.migrate import revisions
        >>> revisions()[0]
        '0001'
    """
    return [s.revision for s in reversed(list(script_directory().walk_revisions()))]


def run_upgrade(connection: Any, revision: str = "head") -> None:
    """Run the migrations up to ``revision`` on an open SQLAlchemy ``connection`` (in its
    transaction). Used internally; call :func:`neural_net.db.upgrade` with a URL instead.

    Example:
        >>> from sqlalchemy import create_engine, inspect
        >>> from neural_net.db.migrate import run_upgrade
        >>> engine = create_engine("sqlite://")
        >>> with engine.begin() as c:
        ...     run_upgrade(c, "0001")
        ...     sorted(inspect(c).get_view_names())
        []
    """
    command.upgrade(alembic_config(connection=connection), revision)

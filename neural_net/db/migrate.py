"""Alembic, driven from code: the schema revisions shipped with the package and ``upgrade``.

The migration scripts live in ``neural_net/migrations`` (installed with the package); a
:class:`alembic.config.Config` is built in code with ``script_location`` pointing there, so
no ``alembic.ini`` is needed at run time. Every database is created by running these
migrations up to the head revision (never by ``create_all``), so a new database and an
upgraded one have the same schema.

Example:
    >>> from neural_net.db.migrate import head_revision, revisions
    >>> head_revision(), revisions()
    ('0005', ['0001', '0002', '0003', '0005'])
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Alembic is imported when a migration runs, not to read a catalogue
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
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    cfg.attributes["url"] = url
    cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def script_directory() -> ScriptDirectory:
    """The package's revision scripts (read once per process)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest schema revision this version of neural_net knows.

    Example:
        >>> from neural_net.db.migrate import head_revision
        >>> head_revision()
        '0005'
    """
    return _head()


_ASSIGNED = re.compile(r'^(revision|down_revision)\s*=\s*(?:"([^"]*)"|\'([^\']*)\'|None)\s*$', re.M)


@lru_cache(maxsize=1)
def _head() -> str:
    """The one revision no other revision names as its ``down_revision``, read from the
    scripts' text without importing Alembic or the scripts (the catalogue's start-up); when the
    text does not say (a merge, a tuple), Alembic's own answer."""
    found: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        values = {m.group(1): m.group(2) or m.group(3) for m in _ASSIGNED.finditer(path.read_text(encoding="utf-8"))}
        if "revision" not in values or "down_revision" not in values:
            break
        found[values["revision"]] = values["down_revision"]  # type: ignore[index]
    else:
        heads = set(found) - set(found.values())
        if len(heads) == 1:
            return heads.pop()
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
    from alembic import command

    command.upgrade(alembic_config(connection=connection), revision)

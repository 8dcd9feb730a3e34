"""One identity, times with their zone, jsonb, and names in one case.

* **One identity**: ``Architecture.id`` is set to ``Architecture_id`` (the run's id) and every
  foreign key to a run points at ``Architecture.id``, the primary key (generic browsers such as
  datasette then link ``Layer`` rows to their run). ``Architecture_id`` keeps its column and its
  unique constraint, so the seed's queries run unchanged.
* **Time**: every ``*_at`` column holds UTC with its zone: ``timestamptz`` on PostgreSQL; on
  SQLite the stored text gains ``+00:00`` (``2024-03-04 18:11:45.895299+00:00``).
* **jsonb** on PostgreSQL for the run's JSON documents (``Architecture.config``,
  ``Architecture.hyperparams``), so ``hyperparams->>'batch_size'`` needs no cast; SQLite keeps
  text. The other JSON texts stay text: ``db.layers`` hands ``Layer.config`` over as the text
  written (``jsonb`` would reorder its keys), and the bulk arrays (``weight_matrix.matrix``,
  ``snapshot.optimizer``) would be several times slower to write as ``jsonb``.
* **Names in one case**: on SQLite the tables ``Architecture``, ``Layer``, ``Neurons``, ``Cost``
  and the view ``Weight`` become ``architecture``, ``layer``, ``neurons``, ``cost``, ``weight``
  (PostgreSQL already folded them to lower case). SQLite compares names without case, so
  ``SELECT * FROM Architecture`` still runs.

On SQLite each table is rebuilt (create ``<name>__new``, copy, drop the old tables children
first, rename), which keeps every row; on PostgreSQL the columns are altered in place. The
views are dropped first and created again (lower case) at the end.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 12:20:00
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import CreateIndex, CreateTable

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: Tables in creation order (the run first), with their time and JSON columns.
TABLES = ("Architecture", "Layer", "Neurons", "Cost", "metric", "snapshot", "weight_matrix", "param", "tag")
TIMES = dict(Architecture=("created_at", "updated_at", "started_at", "finished_at"),
             Layer=("created_at", "updated_at"), Neurons=("created_at", "updated_at"),
             Cost=("created_at", "updated_at"), metric=("created_at",), snapshot=("created_at",),
             weight_matrix=("created_at",))
JSON = dict(Architecture=("config", "hyperparams"))
VIEWS = ("run_summary", "history", "weight_history", "Weight")


def _revision(name: str):
    """The module of an earlier revision (frozen: its table definitions never change)."""
    path = next(Path(__file__).parent.glob(f"{name}_*.py"))
    spec = importlib.util.spec_from_file_location(f"_nn_revision_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _view_sql(dialect: str) -> list[str]:
    """The views of revision 0002, with lower-case names."""
    v = _revision("0002")
    sql = [*v._weight_views(dialect), v._HISTORY, v._RUN_SUMMARY]
    return [s.replace("CREATE VIEW Weight", "CREATE VIEW weight").replace("FROM Cost", "FROM cost")
            .replace("FROM Architecture", "FROM architecture") for s in sql]


def _old_tables() -> dict[str, sa.Table]:
    """The tables as they are at revision 0003."""
    tables = {t.name: t for t in _revision("0001")._tables()}
    tables.update({t.name: t for t in _revision("0003")._tables() if t.name in ("param", "tag")})
    tables["Architecture"].append_column(sa.Column("note", sa.Text, quote=False))
    return tables


def _new_tables(old: dict[str, sa.Table]) -> list[sa.Table]:
    """The tables as they are at this revision, named ``<lower>__new``."""
    md = sa.MetaData()
    out = []
    for name in TABLES:
        t = old[name]
        cols = []
        for c in t.columns:
            args = []
            if c.name == "Architecture_id" and name != "Architecture":
                args.append(sa.ForeignKey("architecture__new.id", ondelete="CASCADE"))
            elif c.name == "snapshot_id":
                args.append(sa.ForeignKey("snapshot__new.id", ondelete="CASCADE"))
            cols.append(sa.Column(c.name, c.type, *args, primary_key=c.primary_key, nullable=c.nullable,
                                  autoincrement=False, quote=False))
        extra = [sa.UniqueConstraint(*[c.name for c in u.columns], name=u.name)
                 for u in t.constraints if isinstance(u, sa.UniqueConstraint)]
        new = sa.Table(f"{name.lower()}__new", md, *cols, *extra, quote=False)
        new.info["indexes"] = [(i.name, [c.name for c in i.columns]) for i in t.indexes]
        out.append(new)
    return out


def _time_expr(c: str) -> str:
    """SQLite: a stored time with ``+00:00`` appended unless it has a zone (other text kept)."""
    return (f"CASE WHEN typeof({c}) = 'text' AND {c} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
            f"[ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]*' AND {c} NOT LIKE '%+__:__' AND {c} NOT LIKE '%Z' "
            f"THEN {c} || '+00:00' ELSE {c} END")


def _upgrade_sqlite(conn) -> None:
    old = _old_tables()
    new = _new_tables(old)
    for table in new:
        conn.execute(CreateTable(table))
    for name, table in zip(TABLES, new):
        cols = [c.name for c in table.columns]
        exprs = []
        for c in cols:
            if name == "Architecture" and c == "id":
                exprs.append("Architecture_id")
            elif c in TIMES.get(name, ()):
                exprs.append(_time_expr(c))
            else:
                exprs.append(c)
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM {name}")
    for name in reversed(TABLES):  # children first: nothing refers to a table when it goes
        conn.exec_driver_sql(f"DROP TABLE {name}")
    for name, table in zip(TABLES, new):  # the run first: SQLite rewrites the references to it
        conn.exec_driver_sql(f"ALTER TABLE {table.name} RENAME TO {name.lower()}")
    for name, table in zip(TABLES, new):
        for index, columns in sorted(table.info["indexes"]):
            conn.exec_driver_sql(f"CREATE INDEX {index} ON {name.lower()} ({', '.join(columns)})")


def _upgrade_postgresql(conn) -> None:
    conn.exec_driver_sql("UPDATE architecture SET id = architecture_id WHERE id <> architecture_id")
    insp = sa.inspect(conn)
    for name in TABLES[1:]:
        for fk in insp.get_foreign_keys(name.lower()):
            if fk["referred_table"] == "architecture":
                conn.exec_driver_sql(f'ALTER TABLE {name} DROP CONSTRAINT "{fk["name"]}"')
                conn.exec_driver_sql(f"ALTER TABLE {name} ADD CONSTRAINT {name.lower()}_run_fkey FOREIGN KEY "
                                     "(Architecture_id) REFERENCES architecture (id) ON DELETE CASCADE")
    for name, columns in TIMES.items():
        alters = ", ".join(f"ALTER COLUMN {c} TYPE timestamptz USING {c} AT TIME ZONE 'UTC'" for c in columns)
        conn.exec_driver_sql(f"ALTER TABLE {name} {alters}")
    for name, columns in JSON.items():
        alters = ", ".join(f"ALTER COLUMN {c} TYPE jsonb USING {c}::jsonb" for c in columns)
        conn.exec_driver_sql(f"ALTER TABLE {name} {alters}")


def upgrade() -> None:
    conn = op.get_bind()
    dialect = conn.dialect.name
    for view in VIEWS:
        conn.exec_driver_sql(f"DROP VIEW IF EXISTS {view}")
    if dialect == "sqlite":
        _upgrade_sqlite(conn)
    else:
        _upgrade_postgresql(conn)
    for sql in _view_sql(dialect):
        op.execute(sql)


def downgrade() -> None:
    raise NotImplementedError("revision 0004 cannot be undone in place: copy the runs you need into a new "
                              "file with `neural-net export` from a neural_net of this version instead")

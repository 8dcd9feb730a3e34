"""Parameters as rows, tags, and a run's note.

* ``param`` (one row per run and parameter: ``key`` with dots such as ``optimizer.lr``,
  ``value`` as JSON text, ``number`` the value when it is a number, else NULL), filled here
  from the hyper-parameters every existing run already has;
* ``tag`` (one row per run and key: ``value`` text);
* ``Architecture.note`` (a free-text description of the run).

Existing tables keep every column, so the seed's queries run unchanged.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 02:30:00
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import CreateIndex, CreateTable, DropTable

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _c(name: str, type_, *args, **kw) -> sa.Column:
    return sa.Column(name, type_, *args, quote=False, **kw)


def _tables() -> list[sa.Table]:
    md = sa.MetaData()
    sa.Table("Architecture", md, _c("Architecture_id", sa.BigInteger), quote=False)
    fk = lambda: sa.ForeignKey("Architecture.Architecture_id", ondelete="CASCADE")  # noqa: E731
    param = sa.Table(
        "param", md,
        _c("id", sa.BigInteger, primary_key=True, autoincrement=False),
        _c("Architecture_id", sa.BigInteger, fk(), nullable=False),
        _c("key", sa.String(200), nullable=False), _c("value", sa.Text), _c("number", sa.Double),
        sa.UniqueConstraint("Architecture_id", "key", name="uq_param_run_key"),
        sa.Index("ix_param_key_number", "key", "number"),
        quote=False)
    tag = sa.Table(
        "tag", md,
        _c("id", sa.BigInteger, primary_key=True, autoincrement=False),
        _c("Architecture_id", sa.BigInteger, fk(), nullable=False),
        _c("key", sa.String(200), nullable=False), _c("value", sa.Text),
        sa.UniqueConstraint("Architecture_id", "key", name="uq_tag_run_key"),
        sa.Index("ix_tag_key_value", "key"),
        quote=False)
    return [param, tag]


def upgrade() -> None:
    from neural_net.db.rows import param_rows  # the same rows the store writes

    tables = _tables()
    for table in tables:
        op.execute(CreateTable(table))
        for index in sorted(table.indexes, key=lambda i: i.name):
            op.execute(CreateIndex(index))
    op.execute("ALTER TABLE Architecture ADD COLUMN note TEXT")  # unquoted: Architecture / architecture
    conn = op.get_bind()
    rows = []
    for rid, hyper in conn.execute(sa.text("SELECT Architecture_id, hyperparams FROM Architecture")):
        try:
            doc = json.loads(hyper) if isinstance(hyper, str) else None
        except (ValueError, RecursionError):
            doc = None  # a malformed document: its run gets no parameter rows
        if isinstance(rid, int):
            rows += param_rows(rid, doc)
    if rows:
        conn.execute(sa.insert(tables[0]), rows)


def downgrade() -> None:
    op.execute("ALTER TABLE Architecture DROP COLUMN note")
    for table in reversed(_tables()):
        op.execute(DropTable(table))

"""The per-run summary of each curve: ``run_metric``.

One row per run, source (``'Cost'``: the loss, named ``'loss'``; ``'metric'``), split and name:
the number of epoch rows, the last epoch and its value, the lowest and highest value and the
first epoch reaching each (NULL and NaN left out). The store keeps it as it writes each epoch;
here it is filled from the epoch rows every existing run already has. The catalogue
(``db.runs``, ``neural-net runs``) reads it instead of every epoch row.

Revision ID: 0005
Revises: 0003 (the lead relinks the chain after 0004 at merge)
Create Date: 2026-12-02 12:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import CreateTable, DropTable

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _c(name: str, type_, *args, **kw) -> sa.Column:
    return sa.Column(name, type_, *args, quote=False, **kw)


def _table() -> sa.Table:
    md = sa.MetaData()
    sa.Table("architecture", md, _c("id", sa.BigInteger, primary_key=True), quote=False)
    return sa.Table(
        "run_metric", md,
        _c("Architecture_id", sa.BigInteger, sa.ForeignKey("architecture.id", ondelete="CASCADE"),  # the primary key (0004)
           primary_key=True, autoincrement=False),
        _c("source", sa.String(10), primary_key=True), _c("split", sa.String(20), primary_key=True),
        _c("name", sa.String(100), primary_key=True),
        _c("epochs", sa.Integer, nullable=False), _c("last_epoch", sa.Integer), _c("last_value", sa.Double),
        _c("low", sa.Double), _c("low_epoch", sa.Integer), _c("high", sa.Double), _c("high_epoch", sa.Integer),
        quote=False)


def upgrade() -> None:
    from neural_net.db.summary import rebuild  # the same fold the store applies at each epoch

    op.execute(CreateTable(_table()))
    rebuild(op.get_bind())


def downgrade() -> None:
    op.execute(DropTable(_table()))

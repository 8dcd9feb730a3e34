"""Initial schema: the seed's five tables (Architecture, Layer, Neurons, Cost; weights in
weight_matrix) and the tracking tables metric and snapshot.

The tables are frozen here as they were at this revision (later schema changes go in later
revisions, never here). Names are emitted unquoted: SQLite keeps their case, PostgreSQL folds
them to lower case.

Revision ID: 0001
Revises:
Create Date: 2024-03-04 18:11:45
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import CreateIndex, CreateTable, DropTable

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _c(name: str, type_, *args, **kw) -> sa.Column:
    return sa.Column(name, type_, *args, quote=False, **kw)


def _run_fk() -> sa.ForeignKey:
    return sa.ForeignKey("Architecture.Architecture_id", ondelete="CASCADE")


def _tables() -> list[sa.Table]:
    md = sa.MetaData()
    B, I, S, T, D, F = sa.BigInteger, sa.Integer, sa.String, sa.Text, sa.DateTime, sa.Double
    architecture = sa.Table(
        "Architecture", md,
        _c("id", B, primary_key=True, autoincrement=False),
        _c("created_at", D, nullable=False), _c("updated_at", D, nullable=False), _c("name", S(200), nullable=False),
        _c("Architecture_id", B, nullable=False),
        _c("run_name", S(200)), _c("status", S(20), nullable=False), _c("epochs", I, nullable=False),
        _c("started_at", D), _c("finished_at", D), _c("error", T),
        _c("pid", I), _c("hostname", S(255)), _c("process_token", S(100)),
        _c("config", T, nullable=False), _c("hyperparams", T), _c("seed", B),
        _c("library_version", S(50)), _c("numpy_version", S(50)), _c("python_version", S(50)),
        _c("sqlalchemy_version", S(50)), _c("parent_id", B), _c("parent_epoch", I),
        sa.UniqueConstraint("Architecture_id", name="uq_architecture_run"),
        quote=False)
    layer = sa.Table(
        "Layer", md,
        _c("Architecture_id", B, _run_fk(), nullable=False), _c("n_in", I), _c("n_out", I),
        _c("id", B, primary_key=True, autoincrement=False), _c("created_at", D, nullable=False), _c("updated_at", D, nullable=False),
        _c("name", S(100), nullable=False), _c("Layer_id", B, nullable=False), _c("position", I, nullable=False),
        _c("config", T, nullable=False),
        sa.Index("ix_layer_run", "Architecture_id"), sa.Index("ix_layer_layer", "Layer_id"),
        quote=False)
    neurons = sa.Table(
        "Neurons", md,
        _c("Layer_id", B, nullable=False), _c("id", B, primary_key=True, autoincrement=False),
        _c("created_at", D, nullable=False), _c("updated_at", D, nullable=False), _c("name", S(100), nullable=False), _c("Neurons_id", B, nullable=False),
        _c("Architecture_id", B, _run_fk(), nullable=False), _c("config", T, nullable=False),
        sa.Index("ix_neurons_layer", "Layer_id"), sa.Index("ix_neurons_run", "Architecture_id"),
        sa.Index("ix_neurons_neurons", "Neurons_id"),
        quote=False)
    cost = sa.Table(
        "Cost", md,
        _c("Architecture_id", B, _run_fk(), nullable=False), _c("value", F),
        _c("id", B, primary_key=True, autoincrement=False), _c("created_at", D, nullable=False), _c("updated_at", D, nullable=False),
        _c("name", S(100), nullable=False), _c("Cost_id", B, nullable=False), _c("epoch", I), _c("split", S(20)),
        sa.Index("ix_cost_run_split_epoch", "Architecture_id", "split", "epoch", "value"),
        quote=False)
    metric = sa.Table(
        "metric", md,
        _c("id", B, primary_key=True, autoincrement=False),
        _c("Architecture_id", B, _run_fk(), nullable=False), _c("epoch", I, nullable=False),
        _c("split", S(20), nullable=False), _c("name", S(100), nullable=False), _c("value", F),
        _c("position", I, nullable=False), _c("created_at", D, nullable=False),
        sa.Index("ix_metric_run_name_epoch", "Architecture_id", "split", "name", "epoch", "value"),
        quote=False)
    snapshot = sa.Table(
        "snapshot", md,
        _c("id", B, primary_key=True, autoincrement=False),
        _c("Architecture_id", B, _run_fk(), nullable=False), _c("seq", I, nullable=False),
        _c("epoch", I, nullable=False), _c("tag", S(100)), _c("created_at", D, nullable=False),
        _c("n_params", B, nullable=False), _c("optimizer", T), _c("rng", T),
        sa.UniqueConstraint("Architecture_id", "seq", name="uq_snapshot_run_seq"),
        sa.Index("ix_snapshot_run_epoch", "Architecture_id", "epoch"),
        quote=False)
    weight_matrix = sa.Table(
        "weight_matrix", md,
        _c("id", B, primary_key=True, autoincrement=False),
        _c("snapshot_id", B, sa.ForeignKey("snapshot.id", ondelete="CASCADE"), nullable=False),
        _c("Architecture_id", B, _run_fk(), nullable=False), _c("Layer_id", B, nullable=False),
        _c("Neurons_id", B, nullable=False), _c("position", I, nullable=False), _c("seq", I, nullable=False),
        _c("epoch", I, nullable=False), _c("n_rows", I, nullable=False), _c("n_cols", I, nullable=False),
        _c("dtype", S(16), nullable=False), _c("matrix", T, nullable=False), _c("nonfinite", T),
        _c("created_at", D, nullable=False),
        sa.Index("ix_weight_matrix_snapshot", "snapshot_id"),
        sa.Index("ix_weight_matrix_neurons_seq", "Neurons_id", "seq"),
        sa.Index("ix_weight_matrix_run", "Architecture_id"),
        quote=False)
    return [architecture, layer, neurons, cost, metric, snapshot, weight_matrix]


def upgrade() -> None:
    for table in _tables():
        op.execute(CreateTable(table))
        for index in sorted(table.indexes, key=lambda i: i.name):
            op.execute(CreateIndex(index))
    if op.get_context().dialect.name == "postgresql":
        # large JSON texts: store them uncompressed (pglz would make a snapshot ~8x slower to write)
        op.execute("ALTER TABLE weight_matrix ALTER COLUMN matrix SET STORAGE EXTERNAL")
        op.execute("ALTER TABLE snapshot ALTER COLUMN optimizer SET STORAGE EXTERNAL")


def downgrade() -> None:
    for table in reversed(_tables()):
        op.execute(DropTable(table))

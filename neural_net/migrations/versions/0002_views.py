"""Views: Weight (the seed's one-row-per-value table, latest snapshot of each Neurons),
weight_history (every snapshot), history (loss and metrics per run, epoch and split) and
run_summary (one row per run).

The JSON arrays of weight_matrix are exploded with json_each on SQLite and with
json_array_elements ... WITH ORDINALITY on PostgreSQL; the other views are plain SQL.

Revision ID: 0002
Revises: 0001
Create Date: 2024-03-09 11:08:51
"""
from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_LATEST = ("m.seq = (SELECT max(m2.seq) FROM weight_matrix AS m2 "
           "WHERE m2.Neurons_id = m.Neurons_id AND m2.Architecture_id = m.Architecture_id)")

_EXPLODE = {
    "sqlite": dict(
        source="weight_matrix AS m, json_each(m.matrix) AS j",
        value="j.value", index0="j.key", name_null="NULL",
        weight_id="(j.key / m.n_cols) || '_' || (j.key % m.n_cols)"),
    "postgresql": dict(
        source="weight_matrix AS m CROSS JOIN LATERAL json_array_elements(m.matrix::json) WITH ORDINALITY AS j(v, ord)",
        value="(j.v #>> '{}')::double precision", index0="(j.ord - 1)", name_null="CAST(NULL AS varchar)",
        weight_id="((j.ord - 1) / m.n_cols)::text || '_' || ((j.ord - 1) % m.n_cols)::text"),
}


def _weight_views(dialect: str) -> list[str]:
    if dialect not in _EXPLODE:
        raise NotImplementedError(f"neural_net views exist for SQLite and PostgreSQL, not {dialect!r}")
    e = _EXPLODE[dialect]
    weight = f"""
CREATE VIEW Weight AS
SELECT {e['value']} AS value,
       m.Neurons_id AS Neurons_id,
       {e['index0']} + 1 AS id,
       m.created_at AS created_at,
       m.created_at AS updated_at,
       {e['name_null']} AS name,
       {e['weight_id']} AS Weight_id,
       m.epoch AS epoch,
       m.Layer_id AS Layer_id,
       m.Architecture_id AS Architecture_id
FROM {e['source']}
WHERE {_LATEST}"""
    history = f"""
CREATE VIEW weight_history AS
SELECT m.Architecture_id AS Architecture_id,
       m.snapshot_id AS snapshot_id,
       m.seq AS seq,
       m.epoch AS epoch,
       m.Layer_id AS Layer_id,
       m.Neurons_id AS Neurons_id,
       {e['index0']} / m.n_cols AS row_index,
       {e['index0']} % m.n_cols AS col_index,
       {e['weight_id']} AS Weight_id,
       {e['value']} AS value,
       m.created_at AS created_at
FROM {e['source']}"""
    return [weight, history]


_HISTORY = """
CREATE VIEW history AS
SELECT c.Architecture_id AS Architecture_id, c.epoch AS epoch, c.split AS split,
       'loss' AS name, c.value AS value
FROM Cost AS c
WHERE c.epoch IS NOT NULL
UNION ALL
SELECT t.Architecture_id, t.epoch, t.split, t.name, t.value
FROM metric AS t"""


def _loss(split: str, what: str) -> str:
    base = (f"FROM Cost AS c WHERE c.Architecture_id = a.Architecture_id AND c.split = '{split}' "
            "AND c.epoch IS NOT NULL")
    if what == "final":
        return f"(SELECT c.value {base} ORDER BY c.epoch DESC LIMIT 1)"
    if what == "best":
        return f"(SELECT min(c.value) {base})"
    return f"(SELECT c.epoch {base} AND c.value IS NOT NULL ORDER BY c.value ASC, c.epoch ASC LIMIT 1)"


_RUN_SUMMARY = f"""
CREATE VIEW run_summary AS
SELECT a.Architecture_id AS Architecture_id,
       COALESCE(a.run_name, a.name) AS name,
       a.status AS status,
       a.epochs AS epochs,
       {_loss('train', 'final')} AS final_loss,
       {_loss('train', 'best')} AS best_loss,
       {_loss('train', 'epoch')} AS best_epoch,
       {_loss('val', 'final')} AS final_val_loss,
       {_loss('val', 'best')} AS best_val_loss,
       {_loss('val', 'epoch')} AS best_val_epoch,
       a.created_at AS created_at,
       a.started_at AS started_at,
       a.finished_at AS finished_at,
       a.updated_at AS updated_at,
       a.pid AS pid,
       a.hostname AS hostname,
       a.process_token AS process_token
FROM Architecture AS a"""


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    for sql in [*_weight_views(dialect), _HISTORY, _RUN_SUMMARY]:
        op.execute(sql)


def downgrade() -> None:
    for name in ("run_summary", "history", "weight_history", "Weight"):
        op.execute(f"DROP VIEW IF EXISTS {name}")

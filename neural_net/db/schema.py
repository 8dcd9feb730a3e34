r"""The tables of a neural_net database, as SQLAlchemy 2 typed ORM classes.

The five tables of the seed keep its names and columns, so its SQL runs unchanged; a few
tables and columns are added for tracking:

==============  ==========================================================================
table           one row per
==============  ==========================================================================
Architecture    run (a stored ``Sequential``): seed columns ``id, created_at, updated_at,
                name, Architecture_id`` + status, epochs, heartbeat (``updated_at``), pid,
                hostname, configuration JSON, hyper-parameters JSON, seed, versions
Layer           layer of a run (``Architecture_id, n_in, n_out, id, ..., Layer_id``)
Neurons         function held by a layer (``Layer_id, id, ..., name, Neurons_id``)
Cost            the cost: one definition row (``value`` NULL, ``epoch`` NULL) and one row per
                epoch and split (``'train'``, ``'val'``) with the loss in ``value``
metric          other per-epoch values (``accuracy``, ``lr``, ...) per epoch and split
snapshot        saved state of a run at an epoch: optimizer state, generator state, tag
weight_matrix   one weight matrix of a snapshot, its values as a JSON array
param           parameter of a run (dotted ``key``, JSON ``value``, numeric ``number``)
tag             tag of a run (``key``, ``value``); the run's description is ``Architecture.note``
run_metric      curve of a run (loss or metric, split): last, lowest and highest value, kept by
                the store at each epoch (what the catalogue reads)
==============  ==========================================================================

Views (created by the migrations, dialect by dialect): ``Weight`` (each value of the latest
snapshot of every Neurons, with the seed's columns ``value, Neurons_id, id, created_at,
updated_at, name, Weight_id`` + ``epoch``), ``weight_history`` (every snapshot), ``history``
(``Architecture_id, epoch, split, name, value``) and ``run_summary``.

Names are created *unquoted* (``quote=False``): SQLite keeps their case, PostgreSQL folds
them to lower case, and unquoted SQL such as ``SELECT * FROM layer WHERE Architecture_id=1``
runs on both. Every id is a random 63-bit integer (:func:`neural_net.model.new_id`);
``<Table>_id`` columns hold the id of the engine object, ``id`` the row's own id. Times are
UTC.

Example:
    >>> from sqlalchemy import create_engine, select
    >>> from sqlalchemy.orm import Session
    >>> from neural_net.db.schema import Base, Architecture
    >>> engine = create_engine("sqlite://")
    >>> Base.metadata.create_all(engine)   # the store itself always creates through Alembic
    >>> with Session(engine) as s:
    ...     s.add(Architecture(id=1, Architecture_id=42, name="Sequential", config="{}"))
    ...     s.commit()
    ...     s.scalars(select(Architecture.status)).one()
    'created'
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import BigInteger, DateTime, Double, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .clock import utcnow


def col(name: str, type_, *args, **kwargs) -> Mapped:
    """A mapped column whose SQL name is emitted unquoted (see the module doc)."""
    return mapped_column(name, type_, *args, quote=False, **kwargs)


def _fk_run() -> ForeignKey:
    return ForeignKey("Architecture.Architecture_id", ondelete="CASCADE")


class Base(DeclarativeBase):
    """Declarative base of the store's tables.

    Example:
        >>> from neural_net.db.schema import Base
        >>> sorted(Base.metadata.tables)  # doctest: +NORMALIZE_WHITESPACE
        ['Architecture', 'Cost', 'Layer', 'Neurons', 'metric', 'param', 'run_metric', 'snapshot', 'tag',
         'weight_matrix']
    """

    metadata = MetaData()


class Architecture(Base):
    """A run: one stored ``Sequential`` with its status and metadata.

    Example:
        >>> from neural_net.db.schema import Architecture
        >>> [c.name for c in Architecture.__table__.columns][:5]
        ['id', 'created_at', 'updated_at', 'name', 'Architecture_id']
    """

    __tablename__ = "Architecture"
    __table_args__ = (UniqueConstraint("Architecture_id", name="uq_architecture_run"), {"quote": False})

    id: Mapped[int] = col("id", BigInteger, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = col("created_at", DateTime, default=utcnow)
    updated_at: Mapped[datetime] = col("updated_at", DateTime, default=utcnow)
    name: Mapped[str] = col("name", String(200), default="Sequential")
    Architecture_id: Mapped[int] = col("Architecture_id", BigInteger, nullable=False)
    run_name: Mapped[Optional[str]] = col("run_name", String(200))
    status: Mapped[str] = col("status", String(20), nullable=False, default="created")
    epochs: Mapped[int] = col("epochs", Integer, nullable=False, default=0)
    started_at: Mapped[Optional[datetime]] = col("started_at", DateTime)
    finished_at: Mapped[Optional[datetime]] = col("finished_at", DateTime)
    error: Mapped[Optional[str]] = col("error", Text)
    pid: Mapped[Optional[int]] = col("pid", Integer)
    hostname: Mapped[Optional[str]] = col("hostname", String(255))
    process_token: Mapped[Optional[str]] = col("process_token", String(100))
    config: Mapped[str] = col("config", Text, nullable=False)
    hyperparams: Mapped[Optional[str]] = col("hyperparams", Text)
    seed: Mapped[Optional[int]] = col("seed", BigInteger)
    library_version: Mapped[Optional[str]] = col("library_version", String(50))
    numpy_version: Mapped[Optional[str]] = col("numpy_version", String(50))
    python_version: Mapped[Optional[str]] = col("python_version", String(50))
    sqlalchemy_version: Mapped[Optional[str]] = col("sqlalchemy_version", String(50))
    parent_id: Mapped[Optional[int]] = col("parent_id", BigInteger)
    parent_epoch: Mapped[Optional[int]] = col("parent_epoch", Integer)
    note: Mapped[Optional[str]] = col("note", Text)


class Layer(Base):
    """A layer of a run (``Fullyconnected`` rows carry ``n_in``/``n_out``).

    Example:
        >>> from neural_net.db.schema import Layer
        >>> [c.name for c in Layer.__table__.columns][:8]
        ['Architecture_id', 'n_in', 'n_out', 'id', 'created_at', 'updated_at', 'name', 'Layer_id']
    """

    __tablename__ = "Layer"
    __table_args__ = (Index("ix_layer_run", "Architecture_id"), Index("ix_layer_layer", "Layer_id"),
                      {"quote": False})

    Architecture_id: Mapped[int] = col("Architecture_id", BigInteger, _fk_run(), nullable=False)
    n_in: Mapped[Optional[int]] = col("n_in", Integer)
    n_out: Mapped[Optional[int]] = col("n_out", Integer)
    id: Mapped[int] = col("id", BigInteger, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = col("created_at", DateTime, default=utcnow)
    updated_at: Mapped[datetime] = col("updated_at", DateTime, default=utcnow)
    name: Mapped[str] = col("name", String(100))
    Layer_id: Mapped[int] = col("Layer_id", BigInteger, nullable=False)
    position: Mapped[int] = col("position", Integer, nullable=False)
    config: Mapped[str] = col("config", Text, nullable=False)


class Neurons(Base):
    """The function a layer holds (``Σ`` for a Fullyconnected, the activation otherwise).

    Example:
        >>> from neural_net.db.schema import Neurons
        >>> [c.name for c in Neurons.__table__.columns][:6]
        ['Layer_id', 'id', 'created_at', 'updated_at', 'name', 'Neurons_id']
    """

    __tablename__ = "Neurons"
    __table_args__ = (Index("ix_neurons_layer", "Layer_id"), Index("ix_neurons_run", "Architecture_id"),
                      Index("ix_neurons_neurons", "Neurons_id"), {"quote": False})

    Layer_id: Mapped[int] = col("Layer_id", BigInteger, nullable=False)
    id: Mapped[int] = col("id", BigInteger, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = col("created_at", DateTime, default=utcnow)
    updated_at: Mapped[datetime] = col("updated_at", DateTime, default=utcnow)
    name: Mapped[str] = col("name", String(100))
    Neurons_id: Mapped[int] = col("Neurons_id", BigInteger, nullable=False)
    Architecture_id: Mapped[int] = col("Architecture_id", BigInteger, _fk_run(), nullable=False)
    config: Mapped[str] = col("config", Text, nullable=False)


class Cost(Base):
    """The cost of a run: its definition row (``value`` and ``epoch`` NULL) and its value per
    epoch and split (the index covers ``(run, split, epoch, value)``, so a loss curve reads
    without table lookups).

    Example:
        >>> from neural_net.db.schema import Cost
        >>> [c.name for c in Cost.__table__.columns][:7]
        ['Architecture_id', 'value', 'id', 'created_at', 'updated_at', 'name', 'Cost_id']
    """

    __tablename__ = "Cost"
    __table_args__ = (Index("ix_cost_run_split_epoch", "Architecture_id", "split", "epoch", "value"), {"quote": False})

    Architecture_id: Mapped[int] = col("Architecture_id", BigInteger, _fk_run(), nullable=False)
    value: Mapped[Optional[float]] = col("value", Double)
    id: Mapped[int] = col("id", BigInteger, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = col("created_at", DateTime, default=utcnow)
    updated_at: Mapped[datetime] = col("updated_at", DateTime, default=utcnow)
    name: Mapped[str] = col("name", String(100))
    Cost_id: Mapped[int] = col("Cost_id", BigInteger, nullable=False)
    epoch: Mapped[Optional[int]] = col("epoch", Integer)
    split: Mapped[Optional[str]] = col("split", String(20))


class Metric(Base):
    """A per-epoch value other than the loss (``accuracy``, ``lr``, ...), per split.

    ``position`` is the value's place in the epoch's logs, so a rebuilt History keeps the order.
    The index covers ``(run, split, name, epoch, value)``: a curve reads without table lookups.

    Example:
        >>> from neural_net.db.schema import Metric
        >>> Metric.__tablename__
        'metric'
    """

    __tablename__ = "metric"
    __table_args__ = (Index("ix_metric_run_name_epoch", "Architecture_id", "split", "name", "epoch", "value"), {"quote": False})

    id: Mapped[int] = col("id", BigInteger, primary_key=True, autoincrement=False)
    Architecture_id: Mapped[int] = col("Architecture_id", BigInteger, _fk_run(), nullable=False)
    epoch: Mapped[int] = col("epoch", Integer, nullable=False)
    split: Mapped[str] = col("split", String(20), nullable=False)
    name: Mapped[str] = col("name", String(100), nullable=False)
    value: Mapped[Optional[float]] = col("value", Double)
    position: Mapped[int] = col("position", Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = col("created_at", DateTime, default=utcnow)


class Snapshot(Base):
    """The saved state of a run at an epoch (its matrices are in :class:`WeightMatrix`).

    ``seq`` counts the run's snapshots from 0 (the latest has the highest), ``optimizer`` is the
    JSON of ``Optimizer.state_dict()``, ``rng`` the JSON of the generator's state.

    Example:
        >>> from neural_net.db.schema import Snapshot
        >>> Snapshot.__tablename__
        'snapshot'
    """

    __tablename__ = "snapshot"
    __table_args__ = (UniqueConstraint("Architecture_id", "seq", name="uq_snapshot_run_seq"),
                      Index("ix_snapshot_run_epoch", "Architecture_id", "epoch"), {"quote": False})

    id: Mapped[int] = col("id", BigInteger, primary_key=True, autoincrement=False)
    Architecture_id: Mapped[int] = col("Architecture_id", BigInteger, _fk_run(), nullable=False)
    seq: Mapped[int] = col("seq", Integer, nullable=False)
    epoch: Mapped[int] = col("epoch", Integer, nullable=False)
    tag: Mapped[Optional[str]] = col("tag", String(100))
    created_at: Mapped[datetime] = col("created_at", DateTime, default=utcnow)
    n_params: Mapped[int] = col("n_params", BigInteger, nullable=False, default=0)
    optimizer: Mapped[Optional[str]] = col("optimizer", Text)
    rng: Mapped[Optional[str]] = col("rng", Text)


class WeightMatrix(Base):
    """One weight matrix of a snapshot: ``n_rows × n_cols`` values of ``dtype`` in ``matrix``
    (a JSON array in C order; NaN/±inf are ``null`` there and listed in ``nonfinite``).

    Example:
        >>> from neural_net.db.schema import WeightMatrix
        >>> WeightMatrix.__tablename__
        'weight_matrix'
    """

    __tablename__ = "weight_matrix"
    __table_args__ = (Index("ix_weight_matrix_snapshot", "snapshot_id"),
                      Index("ix_weight_matrix_neurons_seq", "Neurons_id", "seq"),
                      Index("ix_weight_matrix_run", "Architecture_id"), {"quote": False})

    id: Mapped[int] = col("id", BigInteger, primary_key=True, autoincrement=False)
    snapshot_id: Mapped[int] = col("snapshot_id", BigInteger, ForeignKey("snapshot.id", ondelete="CASCADE"),
                                   nullable=False)
    Architecture_id: Mapped[int] = col("Architecture_id", BigInteger, _fk_run(), nullable=False)
    Layer_id: Mapped[int] = col("Layer_id", BigInteger, nullable=False)
    Neurons_id: Mapped[int] = col("Neurons_id", BigInteger, nullable=False)
    position: Mapped[int] = col("position", Integer, nullable=False)
    seq: Mapped[int] = col("seq", Integer, nullable=False)
    epoch: Mapped[int] = col("epoch", Integer, nullable=False)
    n_rows: Mapped[int] = col("n_rows", Integer, nullable=False)
    n_cols: Mapped[int] = col("n_cols", Integer, nullable=False)
    dtype: Mapped[str] = col("dtype", String(16), nullable=False)
    matrix: Mapped[str] = col("matrix", Text, nullable=False)
    nonfinite: Mapped[Optional[str]] = col("nonfinite", Text)
    created_at: Mapped[datetime] = col("created_at", DateTime, default=utcnow)


class Param(Base):
    """A parameter of a run: ``key`` (dotted: ``optimizer.lr``, ``units``), ``value`` (JSON
    text) and ``number`` (the value when it is a number, else NULL), so that
    ``SELECT ... JOIN param ON ... WHERE key = 'optimizer.lr' AND number < 0.01`` runs the same
    on SQLite and PostgreSQL.

    Example:
        >>> from neural_net.db.schema import Param
        >>> [c.name for c in Param.__table__.columns]
        ['id', 'Architecture_id', 'key', 'value', 'number']
    """

    __tablename__ = "param"
    __table_args__ = (UniqueConstraint("Architecture_id", "key", name="uq_param_run_key"),
                      Index("ix_param_key_number", "key", "number"), {"quote": False})

    id: Mapped[int] = col("id", BigInteger, primary_key=True, autoincrement=False)
    Architecture_id: Mapped[int] = col("Architecture_id", BigInteger, _fk_run(), nullable=False)
    key: Mapped[str] = col("key", String(200), nullable=False)
    value: Mapped[Optional[str]] = col("value", Text)
    number: Mapped[Optional[float]] = col("number", Double)


class Tag(Base):
    """A tag of a run: ``key`` and ``value`` (text), one value per key.

    Example:
        >>> from neural_net.db.schema import Tag
        >>> [c.name for c in Tag.__table__.columns]
        ['id', 'Architecture_id', 'key', 'value']
    """

    __tablename__ = "tag"
    __table_args__ = (UniqueConstraint("Architecture_id", "key", name="uq_tag_run_key"),
                      Index("ix_tag_key_value", "key"), {"quote": False})

    id: Mapped[int] = col("id", BigInteger, primary_key=True, autoincrement=False)
    Architecture_id: Mapped[int] = col("Architecture_id", BigInteger, _fk_run(), nullable=False)
    key: Mapped[str] = col("key", String(200), nullable=False)
    value: Mapped[Optional[str]] = col("value", Text)


class RunMetric(Base):
    """The summary of one curve of a run, kept by the store as it writes each epoch (migration
    0005): ``source`` (``'Cost'`` for the loss, named ``'loss'``, or ``'metric'``), ``split`` and
    ``name``; the number of epoch rows, the last epoch and its value, and the lowest and highest
    value with the first epoch reaching each (NULL and NaN values left out of these). The
    catalogue reads it instead of every epoch row.

    Example:
        >>> from neural_net.db.schema import RunMetric
        >>> [c.name for c in RunMetric.__table__.columns][:4]
        ['Architecture_id', 'source', 'split', 'name']
    """

    __tablename__ = "run_metric"
    __table_args__ = {"quote": False}

    Architecture_id: Mapped[int] = col("Architecture_id", BigInteger, _fk_run(), primary_key=True,
                                       autoincrement=False)
    source: Mapped[str] = col("source", String(10), primary_key=True)
    split: Mapped[str] = col("split", String(20), primary_key=True)
    name: Mapped[str] = col("name", String(100), primary_key=True)
    epochs: Mapped[int] = col("epochs", Integer, nullable=False, default=0)
    last_epoch: Mapped[Optional[int]] = col("last_epoch", Integer)
    last_value: Mapped[Optional[float]] = col("last_value", Double)
    low: Mapped[Optional[float]] = col("low", Double)
    low_epoch: Mapped[Optional[int]] = col("low_epoch", Integer)
    high: Mapped[Optional[float]] = col("high", Double)
    high_epoch: Mapped[Optional[int]] = col("high_epoch", Integer)


#: Views created by the migrations (read-only), in creation order.
VIEWS = ("Weight", "weight_history", "history", "run_summary")

"""The SQLite statements of an epoch of many runs, built from the epoch's numbers and a plan
of its block: standard library only, so that the training process
(:class:`~neural_net.db.columnar.EpochWriter`) and the committer process
(:mod:`neural_net.db.commit_child`, which imports nothing else) build them alike.

A plan holds what does not change from one epoch to the next for the same runs and curves,
as tuples of strings and numbers (:mod:`marshal` sends one to the committer process once):

* :func:`epoch_plan`: each curve's multi-row ``INSERT`` into ``cost`` or ``metric`` (at most
  ``limit`` bound values a statement; the values shared by the curve's rows bound once), the
  runs' columns (ids, cost names and ids) and the ``run_metric`` merges. An epoch is then
  ``(stamp, epoch, first_id)`` and a tuple of values per curve, curve ``j``'s rows having the
  ids ``first_id + j * runs + r``.
* :func:`beat_plan`: the runs' heartbeat, ``UPDATE ... SET <keys> WHERE Architecture_id IN
  (runs)``; a heartbeat is then the keys' values.

:func:`statements` turns a plan and an epoch (or a heartbeat) into ``(sql, parameters)``.

Example:
    >>> from neural_net.db.epoch_sql import epoch_plan, statements
    >>> plan = epoch_plan("cost", "metric", (("train", "loss", 0),), ((7, 8), ("MSE", "MSE"), (1, 2)),
    ...                   999, {"Cost": ("MERGE ?1 ?2 ?3", ("lo", "hi", "epoch"))})
    >>> for sql, parameters in statements(plan, ("t", 3, 100), ((0.5, 0.4),)):
    ...     print(sql[:16], parameters)
    INSERT INTO cost ('t', 3, 'train', 7, 0.5, 100, 1, 'MSE', 8, 0.4, 101, 2, 'MSE')
    MERGE ?1 ?2 ?3 (100, 101, 3)
"""
from __future__ import annotations

import functools
from itertools import chain

# (nothing more imported, typing included: the committer process loads this module as it starts;
# the annotations are not evaluated)

#: The columns of a ``cost`` row of an epoch: those its curve's rows share (bound once), those
#: of each row, and one more that repeats a shared one (``updated_at``: the timestamp).
COST = (("created_at", "epoch", "split"), ("Architecture_id", "value", "id", "Cost_id", "name"),
        (("updated_at", 1),))
#: The same for a ``metric`` row.
METRIC = (("created_at", "epoch", "split", "name", "position"), ("id", "Architecture_id", "value"), ())


@functools.lru_cache(maxsize=64)
def insert_sql(table: str, shared: tuple[str, ...], per_row: tuple[str, ...], extra: tuple[tuple[str, int], ...],
               n: int) -> str:
    """``INSERT INTO table (...) VALUES (...), ...`` for ``n`` rows: parameters ``?1..?k`` are
    the ``shared`` columns' values, then ``len(per_row)`` parameters per row; ``extra`` names
    more columns that repeat one of the shared parameters (its number).

    Example:
        >>> from neural_net.db.epoch_sql import insert_sql
        >>> insert_sql("t", ("a",), ("b",), (), 2)
        'INSERT INTO t (a, b) VALUES (?1, ?2), (?1, ?3)'
    """
    k, w = len(shared), len(per_row)
    columns = ", ".join(shared + per_row + tuple(c for c, _ in extra))
    tail = "".join(f", ?{i}" for _, i in extra)
    rows = ", ".join("(" + ", ".join(f"?{i}" for i in range(1, k + 1)) + ", "
                     + ", ".join(f"?{k + 1 + r * w + c}" for c in range(w)) + tail + ")" for r in range(n))
    return f"INSERT INTO {table} ({columns}) VALUES {rows}"


@functools.lru_cache(maxsize=64)
def update_sql(table: str, keys: tuple[str, ...], n: int) -> str:
    """``UPDATE table SET <keys> = ? WHERE Architecture_id IN (?, ... n)``.

    Example:
        >>> from neural_net.db.epoch_sql import update_sql
        >>> update_sql("architecture", ("epochs",), 2)
        'UPDATE "architecture" SET "epochs" = ? WHERE "Architecture_id" IN (?, ?)'
    """
    sets = ", ".join(f'"{k}" = ?' for k in keys)
    return f'UPDATE "{table}" SET {sets} WHERE "Architecture_id" IN ({", ".join("?" * n)})'


def row_parameters(shared: tuple | list, columns: tuple | list) -> tuple:
    """``shared``'s values, then those of the ``columns`` row by row (the parameters of
    :func:`insert_sql`'s statements).

    Example:
        >>> from neural_net.db.epoch_sql import row_parameters
        >>> row_parameters(("a",), ((1, 2), (0.5, 0.25)))
        ('a', 1, 0.5, 2, 0.25)
    """
    return tuple(shared) + tuple(chain.from_iterable(zip(*columns)))


def _parts(n: int, step: int) -> tuple[tuple[int, int], ...]:
    """``(first row, end row)`` of each statement of ``n`` rows, ``step`` rows a statement."""
    return tuple((a, min(a + step, n)) for a in range(0, n, step))


def epoch_plan(cost: str, metric: str, layout: tuple[tuple[str, str, int], ...],
               runs: tuple[tuple[int, ...], tuple[str, ...], tuple[int, ...]], limit: int,
               merges: dict[str, tuple[str, tuple[str, ...]]]) -> tuple:
    """The plan of an epoch of the runs ``runs`` (their ids, cost names and cost ids) with the
    curves ``layout`` (``(split, name, position)``; ``name == 'loss'``: a row of the table
    ``cost``, else of ``metric``): ``('epoch', curves, merges, runs)``, each curve
    ``(loss, its shared values after the timestamp and epoch, ((sql, first row, end row), ...))``,
    each merge ``(sql, order of its parameters lo/hi/epoch, first curve, last curve)`` of the
    tables that have curves (``merges``: the text and order of each, by ``'Cost'`` and
    ``'metric'``).

    Example:
        >>> from neural_net.db.epoch_sql import epoch_plan
        >>> kind, curves, merges, runs = epoch_plan("cost", "metric", (("train", "lr", 1),), ((7,), ("MSE",), (1,)),
        ...                                         999, {"metric": ("M", ("lo", "hi", "epoch"))})
        >>> curves[0][:2], merges
        ((False, ('train', 'lr', 1)), (('M', ('lo', 'hi', 'epoch'), 0, 0),))
    """
    n = len(runs[0])
    curves, ends = [], {}
    for j, (split, name, pos) in enumerate(layout):
        loss = name == "loss"
        table, (shared, per_row, extra) = (cost, COST) if loss else (metric, METRIC)
        step = max(1, (limit - len(shared)) // len(per_row))
        curves.append((loss, (split,) if loss else (split, name, pos),
                       tuple((insert_sql(table, shared, per_row, extra, b - a), a, b) for a, b in _parts(n, step))))
        source = "Cost" if loss else "metric"
        ends[source] = (ends.get(source, (j, j))[0], j)
    return ("epoch", tuple(curves), tuple(merges[s] + ends[s] for s in ends), tuple(runs))


def beat_plan(table: str, keys: tuple[str, ...], run_ids: tuple | list, limit: int) -> tuple:
    """The plan of a heartbeat setting ``keys`` on the runs ``run_ids``: ``('beat', ((sql, ids),
    ...))``, in statements of at most ``limit`` parameters.

    Example:
        >>> from neural_net.db.epoch_sql import beat_plan
        >>> beat_plan("architecture", ("epochs",), (7, 8), 2)
        ('beat', (('UPDATE "architecture" SET "epochs" = ? WHERE "Architecture_id" IN (?)', (7,)), \
('UPDATE "architecture" SET "epochs" = ? WHERE "Architecture_id" IN (?)', (8,))))
    """
    ids = tuple(map(int, run_ids))
    step = max(1, limit - len(keys))
    return ("beat", tuple((update_sql(table, keys, b - a), ids[a:b]) for a, b in _parts(len(ids), step)))


def statements(plan: tuple, numbers: tuple, values: tuple | None = None) -> list[tuple[str, tuple]]:
    """The ``(sql, parameters)`` of ``plan`` (:func:`epoch_plan` or :func:`beat_plan`) for one
    epoch, ``numbers`` being ``(stamp, epoch, first_id)`` and ``values`` a tuple of values per
    curve; or for one heartbeat, ``numbers`` the keys' values.

    Example:
        >>> from neural_net.db.epoch_sql import beat_plan, statements
        >>> statements(beat_plan("architecture", ("epochs",), (7, 8), 999), (3,))
        [('UPDATE "architecture" SET "epochs" = ? WHERE "Architecture_id" IN (?, ?)', (3, 7, 8))]
    """
    if plan[0] == "beat":
        return [(sql, tuple(numbers) + ids) for sql, ids in plan[1]]
    _, curves, merges, (run_ids, cost_names, cost_ids) = plan
    stamp, epoch, first_id = numbers
    n, out = len(run_ids), []
    for j, (loss, shared, parts) in enumerate(curves):
        ids = range(first_id + j * n, first_id + (j + 1) * n)
        columns = (run_ids, values[j], ids, cost_ids, cost_names) if loss else (ids, run_ids, values[j])
        for sql, a, b in parts:
            out.append((sql, row_parameters((stamp, epoch) + shared,
                                            columns if b - a == n else [c[a:b] for c in columns])))
    for sql, order, first, last in merges:
        bound = {"lo": first_id + first * n, "hi": first_id + (last + 1) * n - 1, "epoch": epoch}  # one range of ids
        out.append((sql, tuple(bound[k] for k in order)))
    return out


__all__ = ["COST", "METRIC", "beat_plan", "epoch_plan", "insert_sql", "row_parameters", "statements",
           "update_sql"]

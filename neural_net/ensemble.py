r"""Ensemble: K models of one architecture trained in one numpy pass, each as if alone.

An :class:`Ensemble` takes K compiled :class:`~neural_net.architecture.Sequential` models with
the same layer widths, activations, cost and metrics that may differ in their initial weights,
learning rate, momentum, weight decay, dropout rates and other numeric optimizer settings. It
stacks their weights along a leading axis — layer :math:`l` holds one array of shape
:math:`(K, n_{in}+1, n_{out})` — and runs every mini-batch for all members at once with
batched ``np.matmul``:

.. math:: Z_k = X_k W_{k,:-1} + W_{k,-1}, \qquad k = 1 \dots K

(members drawing the same shuffle order share :math:`X` and the product broadcasts). It
reuses the engine's activations (element- or row-wise on any leading axes), the costs'
deltas (:meth:`~neural_net.cost.Cost.losses` for the per-member losses) and the optimizers'
own update rules, applied once to the stacked arrays with the members' settings as
``(K, 1, 1)`` arrays (:func:`~neural_net.optimizers.base.nonzero` keeps the rules' branches
valid for them).

Same numbers: member k draws its shuffle order and dropout masks from its own generator in the
same sequence as ``fit`` does alone, so it follows the same trajectory (to rounding; the tests
check 1e-12 relative in float64 over 100 epochs). Each member keeps its own callbacks (its
store's recorder among them), early stopping (``stop_training``) and NaN policy: a member
whose loss is not finite is stopped with its last finite weights, marked ``'diverged'``, and
the others train on. Stopped members leave the stack, so they cost nothing afterwards.
Stored members' epochs reach their database in one transaction per epoch for all of them
(:func:`grouped_writes`): an epoch is committed for every member or for none.

The stacked layout lives in :mod:`neural_net.stacking`, the pieces of each epoch in
:mod:`neural_net.ensemble_steps`.

Memory: K × (weights + gradient + optimizer state) for the stack, plus one batch of
activations and deltas per member, plus — as ``fit`` keeps alone, unless
``on_nonfinite='continue'`` — one copy of the weights (the last finite epoch's). A member's
weight matrices *are* its rows of the stack (views, not copies) while it trains; a member
leaving the stack takes a copy of its own rows, so the stack it leaves can be freed. With
``fit(..., workers=n)``, n stacks (of at most ⌈K/n⌉ members) are alive at once, each with its own
copies of the activations', cost's and metrics' scratch buffers.

Example:
    >>> import numpy
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> from neural_net.ensemble import Ensemble
    >>> from neural_net.optimizers import Adam
    >>> def build(lr, seed):
    ...     net = Sequential([Dense(4, 'tanh', input_dim=2), Dense(1, 'sigmoid')], 'bce', seed=seed)
    ...     return net.compile(Adam(lr=lr))
    >>> ensemble = Ensemble([build(lr, seed) for lr in (0.01, 0.1) for seed in (0, 1)])
    >>> X = numpy.random.default_rng(0).normal(size=(32, 2)); y = (X[:, :1] > 0) * 1.0
    >>> histories = ensemble.fit(X, y, epochs=2, batch_size=8)
    >>> [h.epoch for h in histories], ensemble.status
    ([[1, 2], [1, 2], [1, 2], [1, 2]], ['finished', 'finished', 'finished', 'finished'])
    >>> ensemble.predict(X).shape, ensemble.members[0].epoch
    ((4, 32, 1), 2)
"""
from __future__ import annotations

import math
import threading
import time
from contextlib import ExitStack
from typing import Any, Callable, Sequence

import numpy as np

from .architecture import Sequential
from .callbacks.base import Callback, History
from .checks import positive_int
from .divergence import check_policy
from .ensemble_steps import (FINAL_STRETCH, EnsembleSteps, background_writes, commit_soon, grouped_writes,
                             one_per_database, settle_writes)
from .interrupts import sigterm_as_exit
from .layers import Activation, Fullyconnected
from .loop import check_X, check_y
from .optimizers import Optimizer
from .stacking import Stack, architecture_key, column, describe_mismatch, keep_optimizer_rows, stack_optimizer

#: Bytes of one batch's inputs and activations a pass may stack (more falls out of the CPU's cache).
STACK_BYTES = 4 * 2**20


class Aborted(RuntimeError):
    """Raised in the members of one stack of ``Ensemble.fit(..., workers=n)`` when another
    stack failed (their callbacks see it in ``on_train_failed``); ``fit`` raises the first
    failure itself.

    Example:
        >>> from neural_net.ensemble import Aborted
        >>> issubclass(Aborted, RuntimeError)
        True
    """


class Ensemble(EnsembleSteps):
    """K compiled Sequential models of one architecture, trained together (see the module doc).

    Args:
        models: a list of compiled :class:`~neural_net.architecture.Sequential` (each with its
            own ``seed``/generator) whose :func:`architecture_key` is equal.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.ensemble import Ensemble
        >>> Ensemble([Sequential([Dense(1, input_dim=2)], 'mse', seed=0).compile('sgd'),
        ...           Sequential([Dense(2, input_dim=2)], 'mse', seed=1).compile('sgd')])
        Traceback (most recent call last):
        ...
        ValueError: models[1] differs from models[0] in its layers (kinds, widths, activations): ...
    """

    def __init__(self, models: Sequence[Sequential]) -> None:
        if isinstance(models, Sequential) or not isinstance(models, (list, tuple)):
            raise TypeError(f"models must be a list of compiled Sequential models, got {type(models).__name__}")
        if not models:
            raise ValueError("models must hold at least one model, got an empty list")
        for k, m in enumerate(models):
            if not isinstance(m, Sequential):
                raise TypeError(f"models[{k}] must be a Sequential, got {type(m).__name__}")
            if m.cost is None or m.optimizer is None:
                raise ValueError(f"models[{k}] must be compiled (a cost and an optimizer): call compile() first")
        if len({id(m) for m in models}) != len(models):
            raise ValueError("models must be distinct objects (the same model appears twice)")
        if len({id(m.rng) for m in models}) != len(models):
            raise ValueError("models must each have their own random generator (Sequential(seed=...)); "
                             "two share one, so their shuffles and dropout masks would not be those of training alone")
        key = architecture_key(models[0])
        for k, m in enumerate(models[1:], 1):
            other = architecture_key(m)
            if other != key:
                raise ValueError(describe_mismatch(k, key, other))
        try:  # a user's optimizer class that from_config cannot rebuild cannot be stacked either
            stack_optimizer([m.optimizer for m in models], np.float64)
        except (TypeError, ValueError) as e:
            raise ValueError(f"models' optimizers cannot be stacked ({type(models[0].optimizer).__name__}): {e}") \
                from None
        self.models = list(models)
        self.status: list[str] = ["created"] * len(models)
        self.errors: list[BaseException | None] = [None] * len(models)

    @property
    def members(self) -> list[Sequential]:
        """The members as the Sequential models they are, holding their trained weights."""
        return list(self.models)

    def __len__(self) -> int:
        return len(self.models)

    def predict(self, X: Any) -> np.ndarray:
        """Outputs of every member, shape ``(K, n, n_out)`` (dropout off)."""
        X = check_X(self.models[0], X)
        return Stack(self.models, X.dtype).forward(X, training=False)

    def fit(self, X: Any, y: Any, epochs: int = 1, batch_size: int | None = 32, validation_data: Any = None,
            shuffle: bool = True, callbacks: Callable[[int], list[Callback]] | Sequence[Sequence[Callback]] | None = None,
            on_nonfinite: str = "raise", chunk: int | None = None, bootstrap: bool = False,
            commit_every: int = 1, workers: int = 1) -> list[History]:
        """Train every member as ``fit`` trains it alone; return one History per member.

        ``callbacks``: None, a list of K lists (one per member) or a function ``k -> list``
        (callback objects hold state: each member needs its own). A member's store recorder
        is added as ``fit`` adds it. A callback class with a static ``on_epoch_end_many(callbacks,
        epoch, logs)`` (the store's recorder) is called through it once per epoch for all the
        members' instances, after their other callbacks, instead of ``on_epoch_end`` one by one.
        ``self.status[k]`` ends ``'finished'``, ``'stopped'``
        (its callbacks set ``stop_training``) or ``'diverged'`` (``self.errors[k]`` holds the
        :class:`~neural_net.divergence.TrainingDiverged`; the member keeps its last finite
        weights and training goes on for the others).

        ``bootstrap``: each member trains on its own bootstrap sample of the rows, ``idx =
        rng.integers(0, n, n)`` drawn from its generator when ``fit`` starts — what
        ``m.fit(X[idx], y[idx], ...)`` trains after that draw.

        ``chunk``: members stacked per pass (default: as many as keep one batch's inputs and
        activations within :data:`STACK_BYTES`); members are independent, so any chunking gives
        the same numbers.

        ``commit_every``: epochs of all stored members written per transaction (default 1: one
        transaction per epoch for all members). The transactions are committed while the next
        epochs train, in order: by a process of their own for a SQLite file on POSIX
        (:mod:`neural_net.db.commit_process`; the epochs handed to it within 20 ms, or
        waiting while it is behind, go in one transaction, and those of the fit's last
        :data:`~neural_net.ensemble_steps.FINAL_STRETCH` seconds as they come, so that little
        is left to wait for when it ends), by a thread otherwise (at most two waiting).
        More epochs per transaction make recording cheaper; every commit
        still holds whole epochs of every member, so a crash leaves each committed epoch
        readable (up to ``commit_every - 1`` epochs of the last block are lost on a hard kill,
        and, with the thread, the two blocks waiting for their commit; the process commits
        every block handed to it even when the training process is killed;
        on an exception the block's whole member-epochs are committed before the failure
        handlers run). An epoch in which a member's loss is not finite, and one in which a
        member stops, ends the block.

        ``workers``: stacks trained at once, each in its own thread (default 1: one after the
        other). numpy's products and element-wise loops release the GIL, so with small
        members (whose products BLAS runs on one core) ``workers=2`` uses two cores. The
        members are split into at least ``workers`` stacks; a member's callbacks run in its
        stack's thread (each member has its own, as above). Members with a store need
        ``workers=1`` (their writes share one database transaction per epoch). If one stack
        fails, the others stop at their next epoch (their members ``'failed'``) and the first
        error is raised. Any ``workers`` gives the same numbers.
        """
        models, K = self.models, len(self.models)
        epochs = positive_int(epochs, "epochs")
        on_nonfinite = check_policy(on_nonfinite)
        if not isinstance(shuffle, (bool, np.bool_)):
            raise TypeError(f"shuffle must be a bool, got {shuffle!r}")
        if not isinstance(bootstrap, (bool, np.bool_)):
            raise TypeError(f"bootstrap must be a bool, got {bootstrap!r}")
        commit_every = positive_int(commit_every, "commit_every")
        workers = positive_int(workers, "workers")
        if workers > 1 and any(m.store is not None for m in models):
            raise ValueError(f"workers must be 1 when members have a store (their epochs are written in one "
                             f"transaction for all), got workers={workers}")
        first = models[0]
        X = check_X(first, X)
        y = check_y(first, y, len(X), dtype=X.dtype)
        n = len(X)
        B = n if batch_size is None else min(positive_int(batch_size, "batch_size"), n)
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("validation_data must be a tuple (X_val, y_val)")
            Xv = check_X(first, validation_data[0], "validation_data[0]").astype(X.dtype, copy=False)
            validation_data = (Xv, check_y(first, validation_data[1], len(Xv), dtype=X.dtype,
                                           name="validation_data[1]", x_name="validation_data[0]"))
        if len({m.epoch for m in models}) != 1:
            raise ValueError(f"models must all have trained the same number of epochs before fit, got "
                             f"{[m.epoch for m in models]}")
        for k, m in enumerate(models):
            if m.optimizer.state_dict()["state"]:
                raise ValueError(f"models[{k}]'s optimizer already holds state (it trained before): an ensemble "
                                 f"starts its members' optimizers fresh; compile the model again")
        cbs = self._callbacks(callbacks)
        batch_hooks = [[cb for cb in lst if type(cb).on_batch_begin is not Callback.on_batch_begin
                        or type(cb).on_batch_end is not Callback.on_batch_end] for lst in cbs]
        shuffle = bool(shuffle) and B < n
        per_member = B * (X.shape[1] + sum(s.n_out for s in first.steps if isinstance(s, Fullyconnected))) \
            * X.dtype.itemsize
        size = max(1, int(STACK_BYTES // max(per_member, 1))) if chunk is None else positive_int(chunk, "chunk")
        for m in models:  # the members' own weights take the data's dtype, as fit does
            for s in m.steps:
                if isinstance(s, Fullyconnected) and s.func.W.dtype != X.dtype:
                    s.func.W = s.func.W.astype(X.dtype)
        histories = [History() for _ in range(K)]
        samples = np.stack([m.rng.integers(0, n, size=n) for m in models]) if bootstrap else None
        if workers > 1:  # at least one stack per worker
            size = min(size, -(-K // workers))
        chunks = [list(range(a, min(a + size, K))) for a in range(0, K, size)]
        args = (X, y, epochs, B, shuffle, validation_data, cbs, batch_hooks, histories, on_nonfinite, samples,
                commit_every)
        if workers == 1 or len(chunks) == 1:
            with background_writes(models):  # the stored epochs are committed while the next trains
                for c in chunks:  # members are independent: a pass per chunk keeps the batch in cache
                    self._train(c, *args)
        else:
            self._train_parallel([chunks[w::workers] for w in range(workers)], args)
        return histories

    def _train_parallel(self, lanes: list[list[list[int]]], args: tuple) -> None:
        """Train each lane's chunks one after the other, the lanes at once: lane 0 in this thread
        (so SIGTERM and Ctrl-C reach it), the others in their own threads. A failure sets
        ``abort``; the other lanes stop at their next epoch, then the first failure is raised."""
        abort = threading.Event()
        failures: list[BaseException | None] = [None] * len(lanes)
        caller = np.geterr()  # numpy's error state is per thread: the workers take the caller's

        def run(w: int) -> None:
            try:
                with np.errstate(**caller):
                    for c in lanes[w]:
                        if abort.is_set():
                            return
                        self._train(c, *args, abort=abort)
            except BaseException as error:  # noqa: BLE001 - handed to the calling thread below
                failures[w] = error
                abort.set()

        threads = [threading.Thread(target=run, args=(w,), name=f"ensemble-{w}", daemon=True)
                   for w in range(1, len(lanes))]
        with sigterm_as_exit():
            for t in threads:
                t.start()
            try:
                run(0)
            finally:
                for t in threads:
                    while t.is_alive():
                        try:
                            t.join()
                        except BaseException as error:  # noqa: BLE001 - Ctrl-C while waiting: stop the others
                            failures[0] = failures[0] or error
                            abort.set()
        first = next((f for f in failures if f is not None and not isinstance(f, Aborted)), None)
        if first is None:
            first = next((f for f in failures if f is not None), None)
        if first is not None:
            raise first

    def _train(self, chunk: list[int], X: np.ndarray, y: np.ndarray, epochs: int, B: int, shuffle: bool,
               validation_data: Any, cbs: list[list[Callback]], batch_hooks: list[list[Callback]],
               histories: list[History], on_nonfinite: str, samples: np.ndarray | None,
               commit_every: int = 1, abort: threading.Event | None = None) -> None:
        """Train the members ``chunk`` as one stack (the loop of ``fit``); ``samples``: each
        member's bootstrap rows, or None."""
        models, K, first, n = self.models, len(self.models), self.models[0], len(X)
        stack = Stack([models[k] for k in chunk], X.dtype)
        opt = stack_optimizer([models[k].optimizer for k in chunk], X.dtype)
        self._bind(chunk, stack)  # the members' weights are their rows of the stack: no second copy
        # the last finite epoch's weights, as fit keeps them alone (not with on_nonfinite='continue')
        keep = {} if on_nonfinite == "continue" else {i: W.copy() for i, W in stack.W.items()}
        last: list[tuple[int | None, float | None]] = [(None, None)] * K
        handles = [any(getattr(cb, "handles_nonfinite", False) for cb in cbs[k]) for k in range(K)]
        plain, hooks = self._routes(cbs)
        begins = [[cb for cb in lst if getattr(type(cb), "on_epoch_begin", None) is not Callback.on_epoch_begin]
                  for lst in cbs]  # the callbacks with an on_epoch_begin of their own
        logs_of: list[dict[str, float]] = [{} for _ in range(K)]
        active = list(chunk)
        stores = one_per_database([models[k] for k in active])  # a model per database: its grouped_writes is all's
        steps, cost = first.steps, first.cost
        assert cost is not None
        fused = isinstance(steps[-1], Activation) and cost.fuses_with(steps[-1].func)
        start = len(steps) - 2 if fused else len(steps) - 1
        first_param = stack.fc[0]
        for k in chunk:
            m = models[k]
            m.stop_training = False
            self.status[k] = "running"
            for cb in cbs[k]:
                cb.set_model(m)
        order_rows = np.empty((len(chunk), n), dtype=np.int64) if shuffle else None  # the epochs' orders
        pending: ExitStack | None = None  # the open transaction of the epochs not yet committed
        held = 0  # epochs it holds
        began = time.perf_counter()
        with sigterm_as_exit():
            try:
                with grouped_writes([models[k] for k in chunk]):
                    for k in chunk:
                        for cb in cbs[k]:
                            cb.on_train_begin({"epochs": epochs, "batch_size": B, "samples": n})
                for e in range(epochs):
                    if not active:
                        break
                    if abort is not None and abort.is_set():
                        raise Aborted("Ensemble.fit: another stack of this fit failed; these members stop too")
                    epoch = models[active[0]].epoch + 1
                    if pending is None:  # the epoch of all (or commit_every epochs): one transaction
                        pending = ExitStack()
                        pending.enter_context(grouped_writes(stores))
                    for k in active:
                        o = models[k].optimizer
                        if o.schedule is not None or type(o).begin_epoch is not Optimizer.begin_epoch:
                            o.begin_epoch(epoch)  # (the base's, without a schedule, leaves lr as it is)
                        for cb in begins[k]:
                            cb.on_epoch_begin(epoch, {})
                    opt.lr = column([models[k].optimizer.lr for k in active], X.dtype)
                    orders = None
                    if shuffle:  # each member's rng.permutation(n), as alone: arange(n) shuffled by its generator
                        orders = order_rows[:len(active)]
                        orders[...] = np.arange(n)
                        for row, k in zip(orders, active):
                            models[k].rng.shuffle(row)
                    if samples is not None:  # row j of member k's epoch is X[sample_k[order_k[j]]]
                        rows = samples[active]
                        orders = rows if orders is None else np.take_along_axis(rows, orders, axis=1)
                    if orders is not None and (orders == orders[0]).all():
                        orders = orders[0]  # one order for all: the inputs are shared
                    losses, metrics = self._epoch(stack, opt, X, y, B, orders, fused, start, first_param,
                                                  active, [batch_hooks[k] for k in active])
                    if held and not np.isfinite(losses).all():  # a member may fail: commit the epochs before
                        pending.close()
                        pending = ExitStack()
                        pending.enter_context(grouped_writes(stores))
                        held = 0
                    stopped = self._end_epoch(epoch, stack, keep, last, losses, metrics, validation_data,
                                              active, cbs, plain, hooks, handles, histories, logs_of, on_nonfinite)
                    held += 1
                    if held >= commit_every or stopped or e == epochs - 1:
                        pending.close()
                        pending, held = None, 0
                        if stores and (epochs - e - 1) * (time.perf_counter() - began) <= FINAL_STRETCH * (e + 1):
                            commit_soon(stores)  # the fit ends in a moment: have little left to wait for then
                    if stopped:  # stopped members leave the stack, their optimizer state with them
                        rows = [r for r, k in enumerate(active) if k not in stopped]
                        self._save_optimizer_state(opt, [k for k in active if k in stopped], active)
                        self._unbind([k for k in active if k in stopped])
                        if rows:
                            stack.keep(rows)
                            for i in keep:
                                keep[i] = keep[i][rows]
                            keep_optimizer_rows(opt, models[active[rows[0]]].optimizer, rows)
                        active = [active[r] for r in rows]
                        stores = one_per_database([models[k] for k in active])
                        self._bind(active, stack)
                settle_writes([models[k] for k in chunk])  # a failed background commit fails the fit here
                self._save_optimizer_state(opt, active, active)
                for k in active:
                    if logs_of[k] and not math.isfinite(logs_of[k]["loss"]) and on_nonfinite == "raise":
                        self._put_weights(k, {i: W[active.index(k)] for i, W in keep.items()})
                    self.status[k] = "stopped" if models[k].stop_training else "finished"
            except BaseException as error:
                if abort is not None:  # the other stacks stop at their next epoch
                    abort.set()
                if pending is not None:  # commit the members' whole epochs of the open block, then fail
                    try:
                        pending.close()
                    except Exception:  # noqa: BLE001 - not written: the failure handlers write those epochs
                        pass
                for k in active:
                    self.status[k] = "failed"
                    for cb in cbs[k]:
                        cb.on_train_failed(error)
                raise
        with grouped_writes([models[k] for k in active]):
            for k in active:
                for cb in cbs[k]:
                    cb.on_train_end(logs_of[k])

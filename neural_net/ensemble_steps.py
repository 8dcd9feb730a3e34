"""The pieces of :meth:`Ensemble.fit <neural_net.ensemble.Ensemble.fit>`: one epoch of a
stack (``_epoch``), the members' end of epoch (``_end_epoch``: logs, callbacks, divergence),
their callbacks and optimizer state, as methods of :class:`EnsembleSteps`, the base class of
:class:`~neural_net.ensemble.Ensemble`; and :func:`grouped_writes`, one transaction per epoch
for the members' stores.

Example:
    >>> from neural_net.ensemble import Ensemble
    >>> from neural_net.ensemble_steps import EnsembleSteps
    >>> issubclass(Ensemble, EnsembleSteps)
    True
"""
from __future__ import annotations

import math
from contextlib import ExitStack, contextmanager
from typing import Any, Iterator, Sequence

import numpy as np

from .callbacks.base import Callback, History
from .divergence import TrainingDiverged
from .optimizers import Optimizer
from .stacking import Stack, stacked_state


#: Seconds before the expected end of a fit (from its epochs so far) from which the stored
#: epochs are committed as they come (:func:`commit_soon`): a committer process groups the
#: epochs that come within a short window into one transaction, so it holds a few when the
#: fit ends, and the fit would wait for their commit (W3: 25 ms; then one epoch's, 4.5 to 5.5 ms).
FINAL_STRETCH = 0.1


def one_per_database(models: Sequence[Any]) -> list[Any]:
    """The first of ``models`` of each database their stores write to (the stores'
    ``engine``; models without a store left out): entering :func:`grouped_writes` of these is
    entering it of all ``models``, the others' blocks nesting in the first one's.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.ensemble_steps import one_per_database
        >>> nets = [Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://") for _ in range(3)]
        >>> one_per_database(nets) == nets[:1], one_per_database([Sequential([Dense(1, input_dim=2)], 'mse')])
        (True, [])
    """
    out, seen = [], set()
    for m in models:
        store = getattr(m, "store", None)
        key = id(getattr(store, "engine", store))
        if store is not None and key not in seen:
            seen.add(key)
            out.append(m)
    return out


def _store_methods(models: Sequence[Any], method: str) -> Iterator[Any]:
    """``store.<method>`` of the members' stores that have it, once per database (the stores'
    ``engine``; duck-typed: the engine knows nothing of the database layer)."""
    for m in one_per_database(models):
        fn = getattr(m.store, method, None)
        if callable(fn):
            yield fn


@contextmanager
def _per_database(models: Sequence[Any], method: str) -> Iterator[None]:
    """Enter ``store.<method>()`` of the members' stores that have it, once per database: the
    others would nest in the first one."""
    with ExitStack() as stack:
        for enter in _store_methods(models, method):
            stack.enter_context(enter())
        yield


@contextmanager
def grouped_writes(models: Sequence[Any]) -> Iterator[None]:
    """Within the block, what the members' stores record goes to each database in one
    transaction at the block's end (all or nothing), when their stores offer it: a store with
    a ``deferred()`` context manager (duck-typed; the engine knows nothing of the database
    layer). Models without a store, or whose store has no ``deferred``, write as they go.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.ensemble import grouped_writes
        >>> with grouped_writes([Sequential([Dense(1, input_dim=2)], 'mse')]):
        ...     pass
    """
    with _per_database(models, "deferred"):
        yield


@contextmanager
def background_writes(models: Sequence[Any]) -> Iterator[None]:
    """Within the block, the :func:`grouped_writes` blocks of the members' stores are committed
    in the background while training goes on, when their stores offer it: a store with a
    ``background()`` context manager (duck-typed, entered once per database). Models without a
    store, or whose store has none, write as :func:`grouped_writes` says.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.ensemble_steps import background_writes
        >>> nets = [Sequential([Dense(1, input_dim=2)], 'mse', store="sqlite://") for _ in range(2)]
        >>> with background_writes(nets), grouped_writes(nets):
        ...     nets[0].updateW(); nets[0].commit()
        >>> [net.store.snapshot_count() for net in nets]
        [2, 1]
    """
    with _per_database(models, "background"):
        yield


def settle_writes(models: Sequence[Any]) -> None:
    """Wait until what the members' stores handed to a background committer is committed,
    and raise a failure of it (``store.settle()``, duck-typed, once per database; models
    without a store, or whose store has none, have nothing to wait for).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.ensemble_steps import settle_writes
        >>> settle_writes([Sequential([Dense(1, input_dim=2)], 'mse')])
    """
    _call_stores(models, "settle")


def commit_soon(models: Sequence[Any]) -> None:
    """Ask the background committers of the members' stores to commit what they were handed
    without waiting for more to group with it (``store.commit_soon()``, duck-typed, once per
    database); this does not wait.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.ensemble_steps import commit_soon
        >>> commit_soon([Sequential([Dense(1, input_dim=2)], 'mse')])
    """
    _call_stores(models, "commit_soon")


def _call_stores(models: Sequence[Any], method: str) -> None:
    """Call ``store.<method>()`` of the members' stores that have it, once per database."""
    for fn in _store_methods(models, method):
        fn()


def order_period(orders: np.ndarray) -> int:
    """The smallest G < K such that row r of the ``(K, n)`` ``orders`` equals row ``r % G`` for
    every r (K a multiple of G), or 0 when there is none: members of a grid of learning rates
    by seeds, the seeds repeating along the stack, draw G distinct orders.

    Example:
        >>> import numpy
        >>> from neural_net.ensemble_steps import order_period
        >>> order_period(numpy.array([[0, 1], [1, 0], [0, 1], [1, 0]])), order_period(numpy.array([[0, 1], [1, 0]]))
        (2, 0)
    """
    K = len(orders)
    for G in range(1, K // 2 + 1):
        if K % G == 0 and (orders.reshape(K // G, G, -1) == orders[:G]).all():
            return G
    return 0


class _HookRoute:
    """The callbacks of one ``on_epoch_end_many`` hook, by member (``of``), and the arguments
    of its last call, given again while the same members end their epoch (every epoch of a
    fit in which none stops)."""

    __slots__ = ("of", "members", "callbacks", "owners")

    def __init__(self) -> None:
        self.of: dict[int, list[Callback]] = {}
        self.members: list[int] | None = None
        self.callbacks: list[Callback] = []
        self.owners: list[int] = []  # the member of each callback

    def arguments(self, members: list[int]) -> tuple[list[Callback], list[int]]:
        """The callbacks of ``members`` (those that ended the epoch, in order) and the member
        of each."""
        if members is not self.members:
            ks = [k for k in members if k in self.of]
            self.callbacks = [cb for k in ks for cb in self.of[k]]
            self.owners = [k for k in ks for _ in self.of[k]]
            self.members = members
        return self.callbacks, self.owners


class EnsembleSteps:
    """What :class:`~neural_net.ensemble.Ensemble` runs of its ``fit`` for each epoch (see the
    module doc); its subclass gives ``models`` (the members), ``status`` and ``errors``.

    Example:
        >>> from neural_net.ensemble_steps import EnsembleSteps
        >>> callable(EnsembleSteps._end_epoch)
        True
    """

    models: list[Any]
    status: list[str]
    errors: list[BaseException | None]

    # ----- the pieces of fit -------------------------------------------------------------
    def _callbacks(self, callbacks: Any) -> list[list[Callback]]:
        K = len(self.models)
        if callbacks is None:
            per = [[] for _ in range(K)]
        elif callable(callbacks):
            per = [list(callbacks(k) or []) for k in range(K)]
        elif isinstance(callbacks, (list, tuple)) and len(callbacks) == K and all(
                isinstance(c, (list, tuple)) for c in callbacks):
            per = [list(c) for c in callbacks]
        else:
            raise TypeError(f"callbacks must be None, a function k -> list of callbacks or a list of {K} lists "
                            f"(one per member), got {callbacks!r}")
        seen: set[int] = set()
        for k, lst in enumerate(per):
            for cb in lst:
                if not isinstance(cb, Callback):
                    raise TypeError(f"callbacks of member {k} must be Callback instances, got {cb!r}")
                if id(cb) in seen:
                    raise ValueError(f"callbacks: {cb!r} is given to two members; each member needs its own")
                seen.add(id(cb))
            if self.models[k].store is not None:
                lst.append(self.models[k].store.recorder)
        return per

    def _epoch(self, stack: Stack, opt: Optimizer, X: np.ndarray, y: np.ndarray, B: int, orders: Any,
               fused: bool, start: int, first_param: int, active: list[int],
               batch_cbs: list[list[Callback]]) -> tuple[np.ndarray, list[np.ndarray]]:
        """One epoch for the stack; returns each row's mean loss and metrics. A member whose
        batch callback sets ``stop_training`` ends its epoch there, as alone: its weights
        and sums of that batch are kept and its later batches ignored."""
        cost = stack.cost  # the stack's own copies: their scratch buffers are not shared with another stack
        assert cost is not None
        metric_fns = [getattr(m, "batch_score", m.compute) for m in stack.metrics]
        Ka, n = len(active), len(X)
        scale = opt.lr if opt.folds_lr else 1.0
        loss_sum = np.zeros(Ka)
        metric_sums = [np.zeros(Ka) for _ in metric_fns]
        seen = np.zeros(Ka)
        live = np.ones(Ka, dtype=bool)  # rows whose epoch goes on
        frozen: dict[int, dict[int, np.ndarray]] = {}
        hooked = [r for r in range(Ka) if batch_cbs[r]]
        ones = np.ones(1)
        # members r and r + G draw the same order (seeds repeating along the stack): the inputs
        # of the first layer are gathered once for each of the G orders (see Stack.forward)
        G = order_period(orders) if orders is not None and orders.ndim == 2 and stack.kinds[0] == "fc" else 0
        for b, s in enumerate(range(0, n, B)):
            e = min(s + B, n)
            rows = e - s
            if orders is None:
                xb, yb = X[s:e], y[s:e]
            else:  # gathered into buffers kept between batches (mode="clip": a permutation is in range)
                idx = orders[..., s:e]
                xi = idx[:G] if G else idx
                xb = np.take(X, xi, axis=0, out=stack.buffer("xb", (*xi.shape, X.shape[1]), X.dtype), mode="clip")
                yb = np.take(y, idx, axis=0, out=stack.buffer("yb", (*idx.shape, y.shape[1]), y.dtype), mode="clip")
            for r in hooked:
                if live[r]:
                    for cb in batch_cbs[r]:
                        cb.on_batch_begin(b, {"size": rows})
            p = stack.forward(xb, training=True)
            losses = cost.losses(yb, p)
            np.add(loss_sum, losses * rows, out=loss_sum, where=live)
            seen += live * rows
            for j, fn in enumerate(metric_fns):
                for r in np.flatnonzero(live):
                    metric_sums[j][r] += fn(yb if yb.ndim == 2 else yb[r], p[r]) * rows if math.isfinite(losses[r]) \
                        else np.nan
            Δ = stack.buffer("delta", p.shape, p.dtype)
            if fused:
                cost.fused_delta(yb, p, Δ, scale)
            else:
                cost.delta(yb, p, Δ)
                if opt.folds_lr:
                    Δ *= scale
            if len(ones) != rows:
                ones = np.ones(rows, p.dtype)
            stack.backward(Δ, start, first_param, opt, ones)
            for r in hooked:
                if live[r]:
                    for cb in batch_cbs[r]:
                        cb.on_batch_end(b, {"size": rows, "loss": float(losses[r])})
                    if self.models[active[r]].stop_training:
                        live[r] = False
                        frozen[r] = {i: W[r].copy() for i, W in stack.W.items()}
        for r, weights in frozen.items():  # the weights at the batch where the member stopped
            for i, W in weights.items():
                stack.W[i][r] = W
        return loss_sum / seen, [m / seen for m in metric_sums]

    def _bind(self, members: list[int], stack: Stack) -> None:
        """Make the weight matrices of ``members`` (in stack order) views of their rows of
        ``stack``: the stack's updates are the members' weights, with no copy kept in step."""
        for r, k in enumerate(members):
            for i, W in stack.W.items():
                self.models[k].steps[i].func.W = W[r]

    def _unbind(self, members: list[int]) -> None:
        """Give ``members`` their own copy of their weights (they leave the stack)."""
        for k in members:
            for s in self.models[k].steps:
                W = getattr(s.func, "W", None)
                if isinstance(W, np.ndarray) and W.base is not None:
                    s.func.W = W.copy()

    def _put_weights(self, k: int, weights: dict[int, np.ndarray]) -> None:
        for i, W in weights.items():
            np.copyto(self.models[k].steps[i].func.W, W)

    @staticmethod
    def _routes(cbs: list[list[Callback]]) -> tuple[list[list[Callback]], dict[Any, "_HookRoute"]]:
        """For each member, its callbacks whose ``on_epoch_end`` is called one by one; and each
        static ``on_epoch_end_many(callbacks, epoch, logs)`` of the others' classes (the store's
        recorder), with its callbacks by member: it is called once for all members' instances,
        after their other callbacks."""
        plain: list[list[Callback]] = []
        hooks: dict[Any, _HookRoute] = {}
        for k, lst in enumerate(cbs):
            plain.append([])
            for cb in lst:
                hook = getattr(type(cb), "on_epoch_end_many", None)
                if callable(hook):
                    hooks.setdefault(hook, _HookRoute()).of.setdefault(k, []).append(cb)
                else:
                    plain[k].append(cb)
        return plain, hooks

    def _end_epoch(self, epoch: int, stack: Stack, keep: dict[int, np.ndarray], last: list, losses: np.ndarray,
                   metrics: list[np.ndarray], validation: Any, active: list[int], cbs: list[list[Callback]],
                   plain: list[list[Callback]], hooks: dict[Any, _HookRoute], handles: list[bool],
                   histories: list[History], logs_of: list[dict], on_nonfinite: str) -> set[int]:
        models, stopped = self.models, set()
        ended: list[tuple[int, int]] = []
        names = [m.name for m in models[0].metrics]
        val = None
        if validation is not None:
            Xv, yv = validation
            pv = stack.forward(Xv, training=False)
            val = (stack.cost.losses(yv, pv), pv, yv)
        all_finite = bool(np.isfinite(losses).all())
        if all_finite:  # every member's weights are its last finite ones: one copy per layer
            for i in keep:
                np.copyto(keep[i], stack.W[i])
        for r, k in enumerate(active):
            m, loss = models[k], float(losses[r])
            if math.isfinite(loss):
                if not all_finite:
                    for i in keep:
                        np.copyto(keep[i][r], stack.W[i][r])
                last[k] = (epoch, loss)
            elif on_nonfinite == "raise" and not handles[k]:
                self._put_weights(k, {i: keep[i][r] for i in keep})
                error = TrainingDiverged(epoch, loss, *last[k])
                self.status[k], self.errors[k] = "diverged", error
                for cb in cbs[k]:
                    cb.on_train_failed(error)
                stopped.add(k)
                continue
            logs = {"loss": loss}
            for j, name in enumerate(names):
                logs[name] = float(metrics[j][r])
            m.epoch = epoch
            if val is not None:
                logs["val_loss"] = float(val[0][r])
                for metric in m.metrics:
                    logs[f"val_{metric.name}"] = float(metric.compute(val[2], val[1][r]))
            logs["lr"] = float(m.optimizer.lr)
            m.history.append(epoch, logs)
            histories[k].append(epoch, logs)
            logs_of[k] = logs
            for cb in plain[k]:
                cb.on_epoch_end(epoch, logs)
            ended.append((r, k))
        for hook, route in hooks.items():  # once for all the members' callbacks of its class, in the members' order
            callbacks, owners = route.arguments([k for _, k in ended] if len(ended) < len(active) else active)
            if callbacks:
                hook(callbacks, epoch, list(map(logs_of.__getitem__, owners)))
        for r, k in ended:
            if models[k].stop_training:
                stopped.add(k)
                if on_nonfinite == "raise" and not math.isfinite(logs_of[k]["loss"]):
                    self._put_weights(k, {i: keep[i][r] for i in keep})
                self.status[k] = "stopped"
                for cb in cbs[k]:
                    cb.on_train_end(logs_of[k])
        return stopped

    def _save_optimizer_state(self, opt: Optimizer, members: list[int], active: list[int]) -> None:
        """Give each member's optimizer its rows of the stacked state, so it trains on alone
        exactly where the ensemble left it."""
        state = stacked_state(opt)
        for k in members:
            r = active.index(k)
            m = self.models[k]
            if not state:
                continue
            mine = {key: {name: (v[r].copy() if isinstance(v, np.ndarray) else v) for name, v in st.items()}
                    for key, st in state.items()}
            own = m.optimizer.state_dict()
            own["state"] = mine
            lr, scale = m.optimizer.lr, m.optimizer.lr_scale
            m.optimizer.load_state_dict(own)
            m.optimizer.lr, m.optimizer.lr_scale = lr, scale

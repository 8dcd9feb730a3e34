r"""Sequential: a stack of layers, its cost, and the one training loop of the library.

Two front doors share the loop (:meth:`Sequential._loop`):

* the seed tutorial's ``train(X, y, epochs=, α=, metrics=)`` / ``train(batch=Batch(...))``;
* Keras's ``compile(optimizer, loss, metrics)`` then ``fit(X, y, epochs, batch_size, ...)``.

Both record the same per-epoch history (``model.history``) and call the same callbacks; the
database recorder, when storing is on, is one of those callbacks, and writes at the end of
each epoch only.

Speed: the loop keeps per-batch-shape buffers in every layer, applies activations in place
on the preceding layer's output, uses the fused output gradient for σ + BinaryCrossEntropy
and Softmax + CrossEntropy, folds the learning rate of plain SGD into the output delta,
skips the input gradient of the first layer and gathers shuffled batches with ``np.take``.

Example:
    >>> import numpy
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Fullyconnected, Activation
    >>> from neural_net.init_funcs import zeros
    >>> from neural_net.activation import σ
    >>> from neural_net.cost import BinaryCrossEntropy
    >>> net = Sequential([Fullyconnected(2, 1, zeros), Activation(σ)], BinaryCrossEntropy)
    >>> X = numpy.array([[0., 1.], [1., 0.], [2., 2.], [-1., -2.]]); y = numpy.array([[1], [0], [1], [0]])
    >>> net.train(X, y, epochs=200, α=0.5, verbose=False)
    >>> (net.predict(X) > 0.5).astype(int).ravel().tolist()
    [1, 0, 1, 0]
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator

import numpy as np
from tqdm import tqdm

from . import model as _model
from .callbacks.base import Callback, History
from .checks import as_matrix, as_rng, check_name, fraction, positive_int
from .cost import Cost, get_cost
from .divergence import FiniteWeights, check_policy, finite
from .interrupts import sigterm_as_exit
from .layers import Activation, Dense, Dropout, Fullyconnected, Layer
from .metrics import get_metric
from .model import Define
from .optimizers import SGD, Optimizer
from .optimizers import get as get_optimizer
from .serialization import layers_from_config


class Sequential(Define):
    """A network: steps applied in order, and the cost it is trained on.

    Args:
        steps: layers (``Fullyconnected``, ``Activation``, ``Dropout``, ``Dense``).
        cost: a cost class, instance or name (may be given later to ``compile``).
        store: commit the model and its training to a database (see :mod:`neural_net.db`):
            ``True`` for a timestamped SQLite file under ``$NEURAL_NET_RUN_DIR`` (default
            ``./run``), or a SQLAlchemy URL / directory string.
        seed: an int or ``numpy.random.Generator``; when given, weights are re-drawn from it
            and it drives shuffling and dropout, so the same seed gives the same numbers.
        name: a name for the run in the database.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Fullyconnected, Activation
        >>> from neural_net.init_funcs import zeros
        >>> from neural_net.activation import σ
        >>> from neural_net.cost import BinaryCrossEntropy
        >>> net = Sequential([Fullyconnected(2, 10, zeros), Activation(σ)], BinaryCrossEntropy)
        >>> str(net), repr(net), net['steps'], net['cost']
        ('Architecture', 'Sequential', [Fullyconnected, Activation], BinaryCrossEntropy)
    """

    table = "Architecture"

    def __init__(self, steps: Iterable[Any], cost: Any = None, store: Any = False, *,
                 seed: int | np.random.Generator | None = None, name: str | None = None,
                 uid: int | None = None) -> None:
        if name is not None:
            check_name(name, "name")
        rng = as_rng(seed, "seed")
        layers = self._expand(steps)
        cost_obj = None if cost is None else get_cost(cost)
        super().__init__(uid=uid, steps=layers, cost=cost_obj, store=store)
        self.steps: list[Layer] = layers
        self.cost: Cost | None = cost_obj
        self.run_name = name
        self.seed = seed if isinstance(seed, (int, np.integer)) else None
        self.set_rng(rng)
        if seed is not None:
            for layer in self.steps:
                if isinstance(layer, Fullyconnected):
                    layer.reinitialize(self.rng)
        self.optimizer: Optimizer | None = None
        self.metrics: list[Any] = []
        self.history = History()
        self.epoch = 0
        self.stop_training = False
        self.out: np.ndarray | None = None
        self.store: Any = None
        if store:
            self._open_store(store)
        elif Define.storing_by_default():  # the seed's class flag: a timestamped file, as store=True
            self._open_store(True)

    # ----- construction ------------------------------------------------------------------
    @staticmethod
    def _expand(steps: Iterable[Any]) -> list[Layer]:
        if isinstance(steps, (str, bytes)) or not isinstance(steps, Iterable):
            raise TypeError(f"steps must be a list of layers, got {type(steps).__name__}")
        layers: list[Layer] = []
        width: int | None = None
        for i, step in enumerate(steps):
            if isinstance(step, Dense):
                new = step.expand(width)
            elif isinstance(step, Layer):
                new = [step]
            else:
                raise TypeError(f"steps[{i}] must be a layer (Fullyconnected, Activation, Dropout, Dense), "
                                f"got {step!r}")
            for layer in new:
                if isinstance(layer, Fullyconnected):
                    if width is not None and layer.n_in != width:
                        raise ValueError(f"steps[{i}] expects {layer.n_in} inputs but the previous layer "
                                         f"gives {width}")
                    width = layer.n_out
            layers.extend(new)
        if not layers:
            raise ValueError("steps must hold at least one layer, got an empty list")
        return layers

    @property
    def n_in(self) -> int | None:
        """Number of input columns (of the first Fullyconnected)."""
        return next((s.n_in for s in self.steps if isinstance(s, Fullyconnected)), None)

    @property
    def n_out(self) -> int | None:
        """Number of outputs (of the last Fullyconnected)."""
        return next((s.n_out for s in reversed(self.steps) if isinstance(s, Fullyconnected)), None)

    def __iter__(self) -> Iterator[Layer]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    # ----- the seed's API ----------------------------------------------------------------
    def predict(self, X: Any) -> np.ndarray:
        """Forward ``X`` through every step (dropout off); the result is also ``self.out``."""
        X = self._check_X(X)
        out = X
        for step in self.steps:
            out = step.forward(out)
        self.out = out
        return out

    def update(self, Δ: Any) -> np.ndarray:
        """Backpropagate ``Δ`` (∂J/∂output, learning rate folded in for plain SGD) through
        every step after ``predict``, updating the weights; returns ∂J/∂input."""
        Δ = np.asarray(Δ)
        if self.out is None:
            raise RuntimeError("update: call predict(X) before update(Δ)")
        if Δ.shape != self.out.shape:
            raise ValueError(f"Δ must have the shape of the output {self.out.shape}, got {Δ.shape}")
        for step in reversed(self.steps):
            Δ = step.backward(Δ)
        return Δ

    def train(self, X: Any = None, y: Any = None, batch: Any = None, epochs: int = 100,
              α: float | None = None, metrics: Any = None, callbacks: list[Callback] | None = None,
              verbose: bool = True, on_nonfinite: str = "raise") -> None:
        """Train as in the seed tutorial: full-batch gradient descent on ``(X, y)``, or
        mini-batches from ``batch=Batch(size, n, X_fn, y_fn)``; α is the learning rate of
        plain SGD (or overrides the compiled optimizer's). Progress shows the cost and metrics.
        A NaN or infinite loss stops training (see :mod:`neural_net.divergence`)."""
        if batch is not None:
            if X is not None or y is not None:
                raise ValueError("train: give either X and y, or batch=, not both")
            X, y = batch.data()
            batch_size = batch.size
            # a seeded Batch draws its own orders; an unseeded one uses the network's generator
            shuffle = (batch.permutation if getattr(batch, "seed", None) is not None else True) \
                if getattr(batch, "shuffle", False) else False
        else:
            if X is None or y is None:
                raise ValueError("train: X and y are required (or batch=Batch(...))")
            batch_size, shuffle = None, False
        if metrics is not None:
            self.metrics = self._metrics(metrics)
        self._ensure_optimizer(α)
        self._loop(X, y, epochs, batch_size, shuffle, callbacks, None, bool(verbose), on_nonfinite)

    # ----- the Keras front door ----------------------------------------------------------
    def compile(self, optimizer: Any = "sgd", loss: Any = None, metrics: Any = None) -> "Sequential":
        """Choose the optimizer (name or object), the loss (name, class or instance; keeps the
        constructor's cost when omitted) and metrics (e.g. ``['accuracy']``)."""
        opt = get_optimizer(optimizer)
        if loss is not None:
            self.cost = get_cost(loss)
            self.id["cost"] = self.cost
        if self.cost is None:
            raise ValueError("compile: loss is required (the model was built without a cost)")
        self.metrics = self._metrics(metrics)
        self._bind_optimizer(opt)
        return self

    @staticmethod
    def _metrics(metrics: Any) -> list[Any]:
        items = metrics if isinstance(metrics, (list, tuple)) else ([] if metrics is None else [metrics])
        resolved = []
        for i, m in enumerate(items):
            try:
                resolved.append(get_metric(m))
                check_name(resolved[-1].name, "name")
                check_name(f"val_{resolved[-1].name}", "name (with the 'val_' prefix of validation)")
            except (TypeError, ValueError) as e:
                raise type(e)(f"metrics[{i}]: {e}".replace("get_metric: name_or_obj", "a metric")) from None
        return resolved

    def fit(self, X: Any, y: Any, epochs: int = 1, batch_size: int | None = 32,
            validation_data: tuple[Any, Any] | None = None, validation_split: float = 0.0,
            shuffle: bool = True, callbacks: list[Callback] | None = None, verbose: int = 1,
            on_nonfinite: str = "raise") -> History:
        """Train with mini-batches (``batch_size=None``: full batch), optionally on a shuffled
        order each epoch and with validation; returns the History of these epochs.

        ``validation_split`` holds out the *last* fraction of the rows (before any shuffling),
        as Keras does. The ``lr`` logged for an epoch is the rate used during that epoch.
        A NaN or infinite loss raises :class:`~neural_net.divergence.TrainingDiverged` with the
        last finite weights put back (``on_nonfinite="continue"``: train on)."""
        validation_split = fraction(validation_split, "validation_split")
        if validation_split and validation_data is not None:
            raise ValueError("fit: give validation_data or validation_split, not both")
        if validation_split:
            X, y = self._check_X(X), self._check_y(y, len(np.asarray(X)))
            cut = int(round(len(X) * (1 - validation_split)))
            if cut < 1 or cut >= len(X):
                raise ValueError(f"validation_split={validation_split} leaves no training or no validation rows")
            X, y, validation_data = X[:cut], y[:cut], (X[cut:], y[cut:])
        self._ensure_optimizer(None)
        return self._loop(X, y, epochs, batch_size, shuffle, callbacks, validation_data, bool(verbose),
                          on_nonfinite)

    def evaluate(self, X: Any, y: Any, verbose: int = 0) -> float | list[float]:
        """Loss (and metrics, as a list ``[loss, metric, ...]``) on ``(X, y)``, dropout off."""
        logs = self._evaluate(X, y)
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def summary(self, print_fn: Any = print) -> str:
        """Print (and return) each step with its output shape and parameter count."""
        lines = [f"Model: {self.run_name or 'Sequential'}", f"{'Layer':<28}{'Output shape':<18}{'Param #':>10}"]
        width, total = self.n_in, 0
        for i, step in enumerate(self.steps):
            width = step.output_width(width) if width is not None else None
            n = sum(p.size for p in step.parameters)
            total += n
            label = f"{repr(step)} ({repr(step.func)})"
            lines.append(f"{label:<28}{str((None, width)):<18}{n:>10}")
        lines.append(f"Total params: {total}")
        text = "\n".join(lines)
        print_fn(text)
        return text

    # ----- weights -----------------------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        """Copies of each Fullyconnected's ``W`` (bias row last)."""
        return [s.func.W.copy() for s in self.steps if isinstance(s, Fullyconnected)]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        """Replace each Fullyconnected's ``W`` (shapes must match)."""
        fcs = [s for s in self.steps if isinstance(s, Fullyconnected)]
        if len(weights) != len(fcs):
            raise ValueError(f"weights must hold {len(fcs)} arrays, got {len(weights)}")
        for s, W in zip(fcs, weights):
            W = np.asarray(W)
            if W.shape != s.func.W.shape:
                raise ValueError(f"weights for {repr(s)} must have shape {s.func.W.shape}, got {W.shape}")
            s.func.W[...] = W

    def get_config(self) -> dict[str, Any]:
        """JSON-able description of the architecture (layers, cost, name); the optimizer and
        metrics, chosen at ``compile``, are stored with a run's hyper-parameters."""
        return {"steps": [s.config() for s in self.steps], "cost": self.cost.name if self.cost else None,
                "name": self.run_name}

    def set_rng(self, rng: np.random.Generator) -> None:
        """Use ``rng`` for shuffling and dropout from now on (weights are left as they are)."""
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        self.rng = rng
        for layer in self.steps:
            if isinstance(layer, Dropout):
                layer.rng = rng

    def set_optimizer(self, optimizer: Any) -> None:
        """Attach an optimizer (name or object, its state kept) without touching cost or metrics."""
        self._bind_optimizer(get_optimizer(optimizer))

    @classmethod
    def from_config(cls, config: dict[str, Any], weights: list[np.ndarray] | None = None, **kwargs: Any) -> "Sequential":
        """Rebuild from :meth:`get_config` and a list of weight matrices (no code is run from
        the stored data: only registered layer, activation and cost names are accepted)."""
        return cls(layers_from_config(config, weights), config.get("cost"), name=config.get("name"), **kwargs)

    # ----- database (the store registers itself in neural_net.model.STORE_FACTORY) --------
    def open_store(self, target: Any = True, params: dict[str, Any] | None = None) -> Any:
        """Start recording this network in a database (as ``store=`` does at construction):
        ``True`` for a timestamped SQLite file, a directory, a ``.db`` path or a SQLAlchemy URL.
        ``params`` (JSON-able) are saved with the run's hyper-parameters. Returns the store."""
        if self.store is not None:
            raise RuntimeError(f"this network is already stored in {self.store.db_path}")
        store = self._open_store(target)
        if params:
            store.record_params(params)
        return store

    def _open_store(self, target: Any = True) -> Any:
        if _model.STORE_FACTORY is None:
            raise RuntimeError("no database store is registered; import neural_net (the package) first")
        self.store = _model.STORE_FACTORY(self, target)
        self.id["store"] = True
        return self.store

    def _require_store(self) -> Any:
        if self.store is None:
            if not Define.storing_by_default():
                raise RuntimeError("this network is not stored: build it with store=True "
                                   "or set Define._Define__store = True")
            self._open_store(True)
        return self.store

    @property
    def session(self) -> Any:
        """The SQLAlchemy session of the store."""
        return self._require_store().session

    @property
    def engines(self) -> dict[str, Any]:
        """``{db_path: Engine}`` for the store."""
        return self._require_store().engines

    @property
    def db_path(self) -> str:
        """The SQLAlchemy URL of the store (``sqlite:///.../run/model<timestamp>.db``)."""
        return self._require_store().db_path

    def updateW(self, tag: str | None = None) -> Any:
        """Stage a snapshot of every weight matrix, tagged with the current epoch."""
        return self._require_store().update_weights(tag=tag)

    def commit(self) -> None:
        """Commit what is staged (weights, layers, costs) to the database."""
        self._require_store().commit()

    # ----- internals ---------------------------------------------------------------------
    def _check_X(self, X: Any, name: str = "X") -> np.ndarray:
        X = as_matrix(X, name)
        if self.n_in is not None and X.shape[1] != self.n_in:
            raise ValueError(f"{name} must have {self.n_in} columns (n_in of the first layer), got shape {X.shape}")
        return X

    def _check_y(self, y: Any, n_rows: int, dtype: Any = None, name: str = "y", x_name: str = "X") -> np.ndarray:
        y = as_matrix(y, name, allow_1d=True, dtype=dtype)
        if len(y) != n_rows:
            raise ValueError(f"{name} must have as many rows as {x_name} ({n_rows}), got shape {y.shape}")
        if self.n_out is not None and y.shape[1] != self.n_out:
            raise ValueError(f"{name} must have {self.n_out} columns (one-hot width = outputs of the last layer), "
                             f"got shape {y.shape}")
        if self.cost is not None:
            self.cost.check_targets(y, name)
        return y

    def _ensure_optimizer(self, α: float | None) -> None:
        if self.cost is None:
            raise ValueError("no cost: pass one to Sequential(steps, cost) or to compile(loss=...)")
        if self.optimizer is None:
            self._bind_optimizer(SGD(lr=α if α is not None else 0.01))
        elif α is not None:
            self.optimizer.base_lr = float(α)
            if self.optimizer.schedule is None:
                self.optimizer.lr = float(α)

    def _bind_optimizer(self, opt: Optimizer) -> None:
        self.optimizer = opt
        for i, s in enumerate(s for s in self.steps if isinstance(s, Fullyconnected)):
            s.func.optimizer, s.func.key = opt, i

    def _adopt_dtype(self, dtype: np.dtype) -> None:
        for s in self.steps:
            if isinstance(s, Fullyconnected) and s.func.W.dtype != dtype:
                s.func.W = s.func.W.astype(dtype)
                s.func.dW = np.zeros_like(s.func.W)

    def _forward_buffered(self, X: np.ndarray, training: bool) -> np.ndarray:
        out, scratch = X, False
        for step in self.steps:
            out = step.forward(out, training=training, buffered=True, inplace=scratch)
            scratch = step.output_is_scratch
        return out

    def _evaluate(self, X: Any, y: Any) -> dict[str, float]:
        if self.cost is None:
            raise ValueError("no cost: pass one to Sequential(steps, cost) or to compile(loss=...)")
        X = self._check_X(X)
        y = self._check_y(y, len(X), dtype=X.dtype)
        self._adopt_dtype(X.dtype)
        return self._scores(X, y)

    def _scores(self, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
        """Loss and metrics of checked arrays, dropout off, through the layers' buffers."""
        assert self.cost is not None
        p = self._forward_buffered(X, training=False)
        logs = {"loss": self.cost.loss(y, p)}
        for m in self.metrics:
            logs[m.name] = float(m.compute(y, p))
        return logs

    def _loop(self, X: Any, y: Any, epochs: int, batch_size: int | None, shuffle: Any,
              callbacks: list[Callback] | None, validation: tuple[Any, Any] | None, verbose: bool,
              on_nonfinite: str = "raise") -> History:
        """The one training loop of both front doors: checks everything, then runs epochs.

        ``shuffle``: False, True (orders from ``self.rng``) or a function returning an order.
        """
        epochs = positive_int(epochs, "epochs")
        on_nonfinite = check_policy(on_nonfinite)
        X = self._check_X(X)
        y = self._check_y(y, len(X), dtype=X.dtype)
        B = len(X) if batch_size is None else min(positive_int(batch_size, "batch_size"), len(X))
        if validation is not None:
            if not isinstance(validation, (tuple, list)) or len(validation) != 2:
                raise ValueError("validation_data must be a tuple (X_val, y_val)")
            Xv = self._check_X(validation[0], "validation_data[0]").astype(X.dtype, copy=False)
            validation = (Xv, self._check_y(validation[1], len(Xv), dtype=X.dtype, name="validation_data[1]",
                                            x_name="validation_data[0]"))
        cbs = list(callbacks or [])
        for cb in cbs:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be Callback instances, got {cb!r}")
        if self.store is not None:
            cbs.append(self.store.recorder)
        self._adopt_dtype(X.dtype)
        assert self.cost is not None and self.optimizer is not None
        epoch_runner = _EpochRunner(self, X, y, B, cbs)
        if B == len(X):  # one batch holds every row: its order changes nothing but summation order
            shuffle = False
        run = History()
        logs: dict[str, float] = {}
        keep = None if on_nonfinite == "continue" else FiniteWeights([s.func.W for s in self.steps if isinstance(s, Fullyconnected)])
        raise_on_nonfinite = keep is not None and not any(getattr(cb, "handles_nonfinite", False) for cb in cbs)
        self.stop_training = False
        for cb in cbs:
            cb.set_model(self)
        with sigterm_as_exit():  # SIGTERM reaches on_train_failed, as Ctrl-C does
            try:
                for cb in cbs:
                    cb.on_train_begin({"epochs": epochs, "batch_size": B, "samples": len(X)})
                bar = tqdm(range(epochs), disable=not verbose, leave=True)
                for _ in bar:
                    epoch = self.epoch + 1
                    self.optimizer.begin_epoch(epoch)
                    for cb in cbs:
                        cb.on_epoch_begin(epoch, {})
                    order = (shuffle() if callable(shuffle) else self.rng.permutation(len(X))) if shuffle else None
                    logs = epoch_runner.run(order)
                    if keep is not None:
                        if finite(logs["loss"]):
                            keep.save(epoch, logs["loss"])
                        elif raise_on_nonfinite:
                            raise keep.diverged(epoch, logs["loss"])
                    self.epoch = epoch
                    if validation is not None:
                        logs.update({f"val_{k}": v for k, v in self._scores(*validation).items()})
                    logs["lr"] = float(self.optimizer.lr)
                    self.history.append(epoch, logs)
                    run.append(epoch, logs)
                    for cb in cbs:
                        cb.on_epoch_end(epoch, logs)
                    if verbose:
                        shown = " ".join(f"{k} {round(v, 4)}" for k, v in logs.items() if k not in ("lr", "loss"))
                        bar.set_description_str(f"{self.cost.name} {round(logs['loss'], 4)} {shown}".strip(),
                                                refresh=False)
                    if self.stop_training:
                        break
                bar.close()
                if keep is not None and logs and not finite(logs["loss"]):  # stopped by e.g. TerminateOnNaN
                    keep.restore()
            except BaseException as error:
                for cb in cbs:
                    cb.on_train_failed(error)
                raise
            for cb in cbs:
                cb.on_train_end(logs)
        return run


class _EpochRunner:
    """One epoch of mini-batch training over checked arrays: forward, loss and metrics,
    output delta (fused when the last activation matches the cost, learning rate folded in
    for plain SGD), backward down to the first layer with parameters (no input gradient
    for it). Shuffled batches are gathered into buffers kept between epochs."""

    def __init__(self, model: Sequential, X: np.ndarray, y: np.ndarray, batch_size: int,
                 callbacks: list[Callback]) -> None:
        self.model, self.X, self.y, self.B = model, X, y, batch_size
        steps = model.steps
        assert model.cost is not None
        last = steps[-1]
        self.fused = isinstance(last, Activation) and model.cost.fuses_with(last.func)
        self.first_param = next((i for i, s in enumerate(steps) if s.parameters), len(steps))
        self.start = len(steps) - 2 if self.fused else len(steps) - 1
        self.batch_cbs = [cb for cb in callbacks if type(cb).on_batch_begin is not Callback.on_batch_begin
                          or type(cb).on_batch_end is not Callback.on_batch_end]
        self.gather: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.deltas: dict[int, np.ndarray] = {}
        # a metric may offer batch_score(y, p): compute() without re-validating checked arrays
        self.scores = [getattr(m, "batch_score", m.compute) for m in model.metrics]

    def batch(self, order: np.ndarray | None, s: int, e: int) -> tuple[np.ndarray, np.ndarray]:
        X, y = self.X, self.y
        if order is None:
            return X[s:e], y[s:e]
        rows = e - s
        bufs = self.gather.get(rows)
        if bufs is None:
            bufs = self.gather[rows] = (np.empty((rows, X.shape[1]), X.dtype), np.empty((rows, y.shape[1]), y.dtype))
        # mode="clip": with out= and the default "raise", numpy buffers the output (slower);
        # the indices come from a permutation, so they are always in range
        np.take(X, order[s:e], axis=0, out=bufs[0], mode="clip")
        np.take(y, order[s:e], axis=0, out=bufs[1], mode="clip")
        return bufs

    def run(self, order: np.ndarray | None) -> dict[str, float]:
        model = self.model
        cost, opt, steps, metrics = model.cost, model.optimizer, model.steps, model.metrics
        assert cost is not None and opt is not None
        scale = float(opt.lr) if opt.folds_lr else 1.0
        n = len(self.X)
        loss_sum, metric_sums, seen = 0.0, [0.0] * len(metrics), 0
        for b, s in enumerate(range(0, n, self.B)):
            e = min(s + self.B, n)
            rows = e - s
            xb, yb = self.batch(order, s, e)
            for cb in self.batch_cbs:
                cb.on_batch_begin(b, {"size": rows})
            p = model._forward_buffered(xb, training=True)
            batch_loss = cost.loss(yb, p)
            loss_sum += batch_loss * rows
            seen += rows
            if np.isfinite(batch_loss):
                for k, score in enumerate(self.scores):
                    metric_sums[k] += score(yb, p) * rows
            else:  # a diverged batch: metrics are undefined; TerminateOnNaN decides what follows
                metric_sums = [np.nan] * len(metrics)
            Δ = self.deltas.get(rows)
            if Δ is None or Δ.dtype != p.dtype:
                Δ = self.deltas[rows] = np.empty_like(p)
            (cost.fused_delta if self.fused else cost.delta)(yb, p, Δ, scale)
            for i in range(self.start, self.first_param - 1, -1):
                Δ = steps[i].backward(Δ, need_input_grad=i > self.first_param, buffered=True)
            if self.batch_cbs:
                for cb in self.batch_cbs:
                    cb.on_batch_end(b, {"size": rows, "loss": batch_loss})
                if model.stop_training:
                    break
        logs = {"loss": loss_sum / seen}
        for k, m in enumerate(metrics):
            logs[m.name] = metric_sums[k] / seen
        return logs

r"""The one training loop of the library, shared by ``Sequential.train`` and ``Sequential.fit``.

:func:`run_training` checks the inputs, binds the callbacks (the store's recorder is one of
them), then runs the epochs; :class:`EpochRunner` runs one epoch of mini-batches. The helpers
here (input checks, buffered forward pass, scores) are functions of the model, so
:class:`~neural_net.architecture.Sequential` keeps only the model and its two front doors.

Speed: the loop keeps per-batch-shape buffers in every layer, applies activations in place
on the preceding layer's output, uses the fused output gradient for σ + BinaryCrossEntropy
and Softmax + CrossEntropy, folds the learning rate of plain SGD into the output delta,
skips the input gradient of the first layer and gathers shuffled batches with ``np.take``.
A NaN or infinite epoch loss stops training (:mod:`neural_net.divergence`).

Example:
    >>> import numpy
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> from neural_net.loop import run_training
    >>> net = Sequential([Dense(1, 'sigmoid', input_dim=2)], 'bce', seed=0).compile('sgd')
    >>> X = numpy.array([[0., 1.], [1., 0.]]); y = numpy.array([[1], [0]])
    >>> h = run_training(net, X, y, epochs=3, batch_size=None, shuffle=False, callbacks=None,
    ...                  validation=None, verbose=False)
    >>> h.epoch
    [1, 2, 3]
"""
from __future__ import annotations

from typing import Any

import numpy as np
from tqdm import tqdm

from .callbacks.base import Callback, History
from .checks import as_matrix, fraction, positive_int
from .divergence import FiniteWeights, check_policy, finite
from .interrupts import sigterm_as_exit
from .layers import Activation, Fullyconnected
from .optimizers import SGD, Optimizer


def check_X(model: Any, X: Any, name: str = "X") -> np.ndarray:
    """``X`` as a checked float matrix with the model's number of input columns.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.loop import check_X
        >>> check_X(Sequential([Dense(1, input_dim=2)]), [[1, 2]]).dtype
        dtype('float64')
    """
    X = as_matrix(X, name)
    if model.n_in is not None and X.shape[1] != model.n_in:
        raise ValueError(f"{name} must have {model.n_in} columns (n_in of the first layer), got shape {X.shape}")
    return X


def check_y(model: Any, y: Any, n_rows: int, dtype: Any = None, name: str = "y", x_name: str = "X") -> np.ndarray:
    """``y`` as a checked float matrix: ``n_rows`` rows, the model's outputs, values its cost takes.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.loop import check_y
        >>> check_y(Sequential([Dense(1, input_dim=2)], 'mse'), [1, 2], 2).shape
        (2, 1)
    """
    y = as_matrix(y, name, allow_1d=True, dtype=dtype)
    if len(y) != n_rows:
        raise ValueError(f"{name} must have as many rows as {x_name} ({n_rows}), got shape {y.shape}")
    if model.n_out is not None and y.shape[1] != model.n_out:
        raise ValueError(f"{name} must have {model.n_out} columns (one-hot width = outputs of the last layer), "
                         f"got shape {y.shape}")
    if model.cost is not None:
        model.cost.check_targets(y, name)
    return y


def require_cost(model: Any) -> None:
    """ValueError when the model has no cost yet."""
    if model.cost is None:
        raise ValueError("no cost: pass one to Sequential(steps, cost) or to compile(loss=...)")


def bind_optimizer(model: Any, opt: Optimizer) -> None:
    """Attach ``opt`` to the model and to the Σ of each Fullyconnected (keyed by position)."""
    model.optimizer = opt
    for i, s in enumerate(s for s in model.steps if isinstance(s, Fullyconnected)):
        s.func.optimizer, s.func.key = opt, i


def ensure_optimizer(model: Any, α: float | None) -> None:
    """Plain SGD at rate α (default 0.01) when no optimizer is bound; else α overrides its rate."""
    require_cost(model)
    if model.optimizer is None:
        bind_optimizer(model, SGD(lr=α if α is not None else 0.01))
    elif α is not None:
        model.optimizer.base_lr = float(α)
        if model.optimizer.schedule is None:
            model.optimizer.lr = float(α)


def adopt_dtype(model: Any, dtype: np.dtype) -> None:
    """Cast the weights to the data's dtype (float32 data trains float32 weights)."""
    for s in model.steps:
        if isinstance(s, Fullyconnected) and s.func.W.dtype != dtype:
            s.func.W = s.func.W.astype(dtype)
            s.func.dW = np.zeros_like(s.func.W)


def forward_buffered(model: Any, X: np.ndarray, training: bool) -> np.ndarray:
    """Forward through the layers' buffers, activations in place on a scratch output."""
    out, scratch = X, False
    for step in model.steps:
        out = step.forward(out, training=training, buffered=True, inplace=scratch)
        scratch = step.output_is_scratch
    return out


def scores(model: Any, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Loss and metrics of checked arrays, dropout off, through the layers' buffers."""
    p = forward_buffered(model, X, training=False)
    logs = {"loss": model.cost.loss(y, p)}
    for m in model.metrics:
        logs[m.name] = float(m.compute(y, p))
    return logs


def evaluate(model: Any, X: Any, y: Any) -> dict[str, float]:
    """Check ``(X, y)``, cast the weights to X's dtype, and return :func:`scores`."""
    require_cost(model)
    X = check_X(model, X)
    y = check_y(model, y, len(X), dtype=X.dtype)
    adopt_dtype(model, X.dtype)
    return scores(model, X, y)


def seed_batches(X: Any, y: Any, batch: Any) -> tuple[Any, Any, int | None, Any]:
    """``(X, y, batch_size, shuffle)`` of the seed's ``train``: the arrays, or a
    ``Batch(size, n, X_fn, y_fn)`` (a seeded Batch draws its own orders; an unseeded shuffling
    one uses the network's generator).

    Example:
        >>> from neural_net.loop import seed_batches
        >>> seed_batches([[1.0]], [[0.0]], None)
        ([[1.0]], [[0.0]], None, False)
    """
    if batch is None:
        if X is None or y is None:
            raise ValueError("train: X and y are required (or batch=Batch(...))")
        return X, y, None, False
    if X is not None or y is not None:
        raise ValueError("train: give either X and y, or batch=, not both")
    X, y = batch.data()
    shuffle = (batch.permutation if getattr(batch, "seed", None) is not None else True) \
        if getattr(batch, "shuffle", False) else False
    return X, y, batch.size, shuffle


def split_validation(model: Any, X: Any, y: Any, validation_split: Any, validation_data: Any) -> tuple[Any, Any, Any]:
    """``(X, y, validation_data)`` of ``fit``: ``validation_split`` holds out the *last* fraction
    of the rows (before any shuffling), as Keras does.

    Example:
        >>> import numpy
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.loop import split_validation
        >>> X, y, (Xv, yv) = split_validation(Sequential([Dense(1, input_dim=1)]), numpy.ones((4, 1)),
        ...                                   numpy.ones((4, 1)), 0.25, None)
        >>> len(X), len(Xv)
        (3, 1)
    """
    validation_split = fraction(validation_split, "validation_split")
    if validation_split and validation_data is not None:
        raise ValueError("fit: give validation_data or validation_split, not both")
    if not validation_split:
        return X, y, validation_data
    X, y = check_X(model, X), check_y(model, y, len(np.asarray(X)))
    cut = int(round(len(X) * (1 - validation_split)))
    if cut < 1 or cut >= len(X):
        raise ValueError(f"validation_split={validation_split} leaves no training or no validation rows")
    return X[:cut], y[:cut], (X[cut:], y[cut:])


def run_training(model: Any, X: Any, y: Any, epochs: int, batch_size: int | None, shuffle: Any,
             callbacks: list[Callback] | None, validation: tuple[Any, Any] | None, verbose: bool,
             on_nonfinite: str = "raise") -> History:
    """The one training loop of both front doors (``train`` and ``fit``): checks everything,
    then runs the epochs, calling the callbacks.

    ``shuffle``: False, True (orders from ``model.rng``) or a function returning an order.
    """
    epochs = positive_int(epochs, "epochs")
    on_nonfinite = check_policy(on_nonfinite)
    X = check_X(model, X)
    y = check_y(model, y, len(X), dtype=X.dtype)
    B = len(X) if batch_size is None else min(positive_int(batch_size, "batch_size"), len(X))
    if validation is not None:
        if not isinstance(validation, (tuple, list)) or len(validation) != 2:
            raise ValueError("validation_data must be a tuple (X_val, y_val)")
        Xv = check_X(model, validation[0], "validation_data[0]").astype(X.dtype, copy=False)
        validation = (Xv, check_y(model, validation[1], len(Xv), dtype=X.dtype, name="validation_data[1]",
                                        x_name="validation_data[0]"))
    cbs = list(callbacks or [])
    for cb in cbs:
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks must be Callback instances, got {cb!r}")
    if model.store is not None:
        cbs.append(model.store.recorder)
    adopt_dtype(model, X.dtype)
    assert model.cost is not None and model.optimizer is not None
    epoch_runner = EpochRunner(model, X, y, B, cbs)
    if B == len(X):  # one batch holds every row: its order changes nothing but summation order
        shuffle = False
    run = History()
    logs: dict[str, float] = {}
    keep = None if on_nonfinite == "continue" else FiniteWeights([s.func.W for s in model.steps if isinstance(s, Fullyconnected)])
    raise_on_nonfinite = keep is not None and not any(getattr(cb, "handles_nonfinite", False) for cb in cbs)
    model.stop_training = False
    for cb in cbs:
        cb.set_model(model)
    with sigterm_as_exit():  # SIGTERM reaches on_train_failed, as Ctrl-C does
        try:
            for cb in cbs:
                cb.on_train_begin({"epochs": epochs, "batch_size": B, "samples": len(X)})
            bar = tqdm(range(epochs), disable=not verbose, leave=True)
            for _ in bar:
                epoch = model.epoch + 1
                model.optimizer.begin_epoch(epoch)
                for cb in cbs:
                    cb.on_epoch_begin(epoch, {})
                order = (shuffle() if callable(shuffle) else model.rng.permutation(len(X))) if shuffle else None
                logs = epoch_runner.run(order)
                if keep is not None:
                    if finite(logs["loss"]):
                        keep.save(epoch, logs["loss"])
                    elif raise_on_nonfinite:
                        raise keep.diverged(epoch, logs["loss"])
                model.epoch = epoch
                if validation is not None:
                    logs.update({f"val_{k}": v for k, v in scores(model, *validation).items()})
                logs["lr"] = float(model.optimizer.lr)
                model.history.append(epoch, logs)
                run.append(epoch, logs)
                for cb in cbs:
                    cb.on_epoch_end(epoch, logs)
                if verbose:
                    shown = " ".join(f"{k} {round(v, 4)}" for k, v in logs.items() if k not in ("lr", "loss"))
                    bar.set_description_str(f"{model.cost.name} {round(logs['loss'], 4)} {shown}".strip(),
                                            refresh=False)
                if model.stop_training:
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


class EpochRunner:
    """One epoch of mini-batch training over checked arrays: forward, loss and metrics,
    output delta (fused when the last activation matches the cost, learning rate folded in
    for plain SGD), backward down to the first layer with parameters (no input gradient
    for it). Shuffled batches are gathered into buffers kept between epochs."""

    def __init__(self, model: Any, X: np.ndarray, y: np.ndarray, batch_size: int,
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
            p = forward_buffered(model, xb, training=True)
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

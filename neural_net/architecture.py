r"""Sequential: a stack of layers and its cost, with the seed's and Keras's front doors.

Two front doors share the one training loop (:func:`neural_net.loop.run_training`):

* the seed tutorial's ``train(X, y, epochs=, α=, metrics=)`` / ``train(batch=Batch(...))``;
* Keras's ``compile(optimizer, loss, metrics)`` then ``fit(X, y, epochs, batch_size, ...)``.

Both record the same per-epoch history (``model.history``) and call the same callbacks; the
database recorder, when storing is on, is one of those callbacks, and writes at the end of
each epoch only.

The loop, its buffers and the fused gradients live in :mod:`neural_net.loop`; the seed's store
proxies (``session``, ``engines``, ``db_path``, ``updateW``, ``commit``) in :mod:`neural_net.stored`.

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

from .checks import as_rng, check_name, check_tags
from .cost import Cost, get_cost
from .layers import Dropout, Fullyconnected, Layer, expand_steps
from .loop import bind_optimizer, check_X, ensure_optimizer, evaluate, run_training, seed_batches, split_validation
from .metrics import get_metrics
from .mirror import Define
from .optimizers import Optimizer
from .optimizers import get as get_optimizer
from .serialization import layers_from_config
from .stored import StoreProxy
from .callbacks.base import Callback, History


class Sequential(StoreProxy, Define):
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
        tags: ``{key: value}`` written to the ``tag`` table when stored (:func:`~neural_net.checks.check_tags`).

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
                 uid: int | None = None, tags: dict[str, Any] | None = None) -> None:
        if name is not None:
            check_name(name, "name")
        checked_tags = check_tags(tags, "tags")
        rng = as_rng(seed, "seed")
        layers = expand_steps(steps)
        cost_obj = None if cost is None else get_cost(cost)
        super().__init__(uid=uid, steps=layers, cost=cost_obj, store=store)
        self.steps: list[Layer] = layers
        self.cost: Cost | None = cost_obj
        self.run_name = name
        self.tags: dict[str, str] = checked_tags  # rows of the tag table when stored
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
        if store:
            self._open_store(store)
        elif Define.storing_by_default():  # the seed's class flag: a timestamped file, as store=True
            self._open_store(True)

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
        X = check_X(self, X)
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
        X, y, batch_size, shuffle = seed_batches(X, y, batch)
        if metrics is not None:
            self.metrics = get_metrics(metrics)
        ensure_optimizer(self, α)
        run_training(self, X, y, epochs, batch_size, shuffle, callbacks, None, bool(verbose), on_nonfinite)

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
        self.metrics = get_metrics(metrics)
        bind_optimizer(self, opt)
        return self

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
        X, y, validation_data = split_validation(self, X, y, validation_split, validation_data)
        ensure_optimizer(self, None)
        return run_training(self, X, y, epochs, batch_size, shuffle, callbacks, validation_data, bool(verbose),
                            on_nonfinite)

    def evaluate(self, X: Any, y: Any, verbose: int = 0) -> float | list[float]:
        """Loss (and metrics, as a list ``[loss, metric, ...]``) on ``(X, y)``, dropout off."""
        logs = evaluate(self, X, y)
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
        bind_optimizer(self, get_optimizer(optimizer))

    @classmethod
    def from_config(cls, config: dict[str, Any], weights: list[np.ndarray] | None = None, **kwargs: Any) -> "Sequential":
        """Rebuild from :meth:`get_config` and a list of weight matrices (no code is run from
        the stored data: only registered layer, activation and cost names are accepted)."""
        return cls(layers_from_config(config, weights), config.get("cost"), name=config.get("name"), **kwargs)

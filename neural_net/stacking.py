r"""The stacked layout of an :class:`~neural_net.ensemble.Ensemble`: which models may stack
(:func:`architecture_key`), one optimizer for K members (:func:`stack_optimizer`, settings as
``(K, 1, 1)`` arrays, the members' own update rule), its state (:func:`stacked_state`,
:func:`keep_optimizer_rows`), and :class:`Stack`, the K members' layers as arrays with a
leading axis: forward and backward for all of them with batched ``np.matmul``, the engine's
activations and the optimizer's ``apply``.

Example:
    >>> import numpy
    >>> from neural_net.architecture import Sequential
    >>> from neural_net.layers import Dense
    >>> from neural_net.stacking import Stack
    >>> models = [Sequential([Dense(3, 'relu', input_dim=2)], 'mse', seed=s) for s in (0, 1)]
    >>> Stack(models, numpy.float64).forward(numpy.ones((5, 2)), training=False).shape
    (2, 5, 3)
"""
from __future__ import annotations

import copy
from typing import Any, Sequence

import numpy as np

from .layers import Activation, Dropout, Fullyconnected
from .optimizers import Optimizer, from_config

#: Optimizer settings that may differ between the members of one ensemble (numbers only).
PER_MEMBER = ("lr", "weight_decay", "momentum", "dampening", "betas", "eps", "alpha")
#: Settings whose being zero or not changes the update rule's shape (state arrays, folding).
ZERO_MATTERS = ("momentum",)


def column(values: Sequence[float], dtype: Any) -> np.ndarray:
    """``values`` as a ``(K, 1, 1)`` array of ``dtype``: one setting per member, broadcasting
    over a stacked parameter.

    Example:
        >>> import numpy
        >>> from neural_net.stacking import column
        >>> column([0.1, 0.2], numpy.float64).shape
        (2, 1, 1)
    """
    return np.asarray(values, dtype=dtype).reshape(-1, 1, 1)


def setting(values: Sequence[float], dtype: Any) -> Any:
    """One optimizer setting of K members for the stacked rule: the members' own number when
    they all share it (the rule then branches and broadcasts as for one model, with no
    per-call test of an array), else :func:`column`.

    Example:
        >>> import numpy
        >>> from neural_net.stacking import setting
        >>> setting([0.0, 0.0], numpy.float64), setting([0.1, 0.2], numpy.float64).shape
        (0.0, (2, 1, 1))
    """
    first = values[0]
    if all(v == first for v in values):
        return first
    return column(values, dtype)


def architecture_key(model: Any) -> tuple:
    """What members of one ensemble must share: layer kinds, widths and activations (not the
    initialiser, not the dropout rate), cost and metric names, optimizer class and the
    settings that shape its rule. Two models with equal keys can be stacked.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.stacking import architecture_key
        >>> a = Sequential([Dense(3, 'relu', input_dim=2)], 'mse', seed=0).compile('adam')
        >>> b = Sequential([Dense(3, 'relu', input_dim=2)], 'mse', seed=1).compile('adam')
        >>> architecture_key(a) == architecture_key(b)
        True
    """
    layers = []
    for s in model.steps:
        cfg = s.config()
        cfg.pop("init_method", None)
        cfg.pop("rate", None)
        layers.append(repr(sorted(cfg.items())))
    opt = model.optimizer
    opt_key: tuple = ()
    if opt is not None:
        cfg = opt.get_config()
        fixed = sorted((k, repr(v)) for k, v in cfg.items() if k not in PER_MEMBER and k != "schedule")
        zeros = tuple((k, cfg[k] == 0) for k in ZERO_MATTERS if k in cfg)
        opt_key = (type(opt).__name__, tuple(fixed), zeros, opt.folds_lr)
    return (tuple(layers), model.cost.name if model.cost is not None else None,
            tuple(m.name for m in model.metrics), opt_key)


def describe_mismatch(k: int, a: tuple, b: tuple) -> str:
    """The error message naming what ``models[k]``'s key ``b`` differs in from ``models[0]``'s ``a``.

    Example:
        >>> from neural_net.stacking import describe_mismatch
        >>> describe_mismatch(1, ((), 'MSE', (), ()), ((), 'CrossEntropy', (), ()))
        "models[1] differs from models[0] in its cost: 'CrossEntropy' vs 'MSE'"
    """
    parts = ("layers (kinds, widths, activations)", "cost", "metrics", "optimizer (class and the settings that shape "
             "its rule: momentum zero or not, nesterov, amsgrad, centered, ...)")
    for name, x, y in zip(parts, a, b):
        if x != y:
            return f"models[{k}] differs from models[0] in its {name}: {y!r} vs {x!r}"
    return f"models[{k}] differs from models[0]"


def stack_optimizer(optimizers: Sequence[Optimizer], dtype: Any) -> Optimizer:
    """One optimizer of the members' class whose per-member settings (:data:`PER_MEMBER`) are
    ``(K, 1, 1)`` arrays (a number where all members share it, :func:`setting`), so its own
    ``apply`` updates a stack of K parameter arrays at once.
    The learning rate is set each epoch from the members' optimizers (their schedules run there).

    Example:
        >>> import numpy
        >>> from neural_net.optimizers import SGD
        >>> from neural_net.stacking import stack_optimizer
        >>> opt = stack_optimizer([SGD(lr=0.1, momentum=0.5), SGD(lr=0.2, momentum=0.9)], numpy.float64)
        >>> W = numpy.zeros((2, 1, 1)); opt.apply(0, W, numpy.ones((2, 1, 1))); W.ravel()
        array([-0.1, -0.2])
    """
    first = optimizers[0]
    stacked = from_config(first.name, first.get_config())
    stacked.schedule = None
    cfg = [o.get_config() for o in optimizers]
    for name in PER_MEMBER:
        if name == "lr" or name not in cfg[0]:
            continue
        if name == "betas":
            stacked.betas = (setting([c["betas"][0] for c in cfg], dtype), setting([c["betas"][1] for c in cfg], dtype))
        else:
            setattr(stacked, name, setting([c[name] for c in cfg], dtype))
    stacked.lr = column([o.lr for o in optimizers], dtype)
    return stacked


def by_group(a: np.ndarray, G: int) -> np.ndarray:
    """The ``(K, ...)`` stacked ``a`` as a ``(K // G, G, ...)`` view: row r at ``[r // G, r % G]``,
    so that G inputs of shape ``(G, ...)`` broadcast to the members r with input ``r % G``
    (each member's product is still its own BLAS call on the same operands).

    Example:
        >>> import numpy
        >>> from neural_net.stacking import by_group
        >>> by_group(numpy.zeros((6, 2, 3)), 3).shape
        (2, 3, 2, 3)
    """
    return a.reshape(-1, G, *a.shape[1:])


class Stack:
    """The layers of K members as stacked arrays: ``W[i]`` of shape ``(K, n_in + 1, n_out)``
    for the i-th step, the activations (the engine's, applied on any leading axes), each
    member's dropout rate and generator, and buffers kept between batches. ``forward`` runs
    all members at once; ``backward`` writes the gradients and applies ``opt`` to each
    stacked parameter; ``keep(rows)`` drops the other members.

    Example:
        >>> import numpy
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.stacking import Stack
        >>> models = [Sequential([Dense(2, 'tanh', input_dim=3)], 'mse', seed=s) for s in range(4)]
        >>> stack = Stack(models, numpy.float64); stack.keep([0, 2]); stack.W[0].shape
        (2, 4, 2)
    """

    def __init__(self, models: list[Any], dtype: Any) -> None:
        self.steps = models[0].steps
        self.kinds: list[str] = []
        self.W: dict[int, np.ndarray] = {}
        self.funcs: dict[int, Any] = {}
        self.rates: dict[int, np.ndarray] = {}
        self.drop_layers: dict[int, list[Dropout]] = {}
        self.masks: dict[int, np.ndarray] = {}
        for i, step in enumerate(self.steps):
            if isinstance(step, Fullyconnected):
                self.kinds.append("fc")
                self.W[i] = np.stack([m.steps[i].func.W for m in models]).astype(dtype, copy=False)
            elif isinstance(step, Activation):
                self.kinds.append("act")
                self.funcs[i] = copy.deepcopy(step.func)  # its own scratch buffers (stacks may run at once)
            elif isinstance(step, Dropout):
                self.kinds.append("drop")
                self.rates[i] = column([m.steps[i].rate for m in models], dtype)
                self.drop_layers[i] = [m.steps[i] for m in models]
            else:
                raise TypeError(f"Ensemble: cannot stack the layer {step!r} (Fullyconnected, Activation, Dropout only)")
        self.fc = [i for i, k in enumerate(self.kinds) if k == "fc"]
        self.slots = {i: j for j, i in enumerate(self.fc)}  # the optimizer's key of each layer
        self.dropping = {i: bool(np.any(r != 0)) for i, r in self.rates.items()}  # any member drops here
        # the cost and metrics keep scratch buffers too: the stack's own copies
        self.cost = copy.deepcopy(models[0].cost)
        self.metrics = copy.deepcopy(list(models[0].metrics))
        self.inputs: dict[int, np.ndarray] = {}
        self.dW = {i: np.empty_like(W) for i, W in self.W.items()}
        self.buffers: dict[tuple, np.ndarray] = {}

    def buffer(self, name: Any, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """An array kept between batches for (``name``, ``shape``): the loop allocates none."""
        key = (name, shape, dtype)
        b = self.buffers.get(key)
        if b is None:
            key = (name, shape, np.dtype(dtype))  # one key for a dtype given as a type or a dtype
            b = self.buffers.get(key)
        if b is None:
            if len(self.buffers) > 64:
                self.buffers.clear()
            b = self.buffers[key] = np.empty(shape, dtype)
        return b

    def keep(self, rows: list[int]) -> None:
        """Keep only the members at positions ``rows`` of the stack."""
        for i in self.W:
            self.W[i] = self.W[i][rows]
            self.dW[i] = np.empty_like(self.W[i])
        for i in self.rates:
            self.rates[i] = self.rates[i][rows]
            self.drop_layers[i] = [self.drop_layers[i][r] for r in rows]
            self.dropping[i] = bool(np.any(self.rates[i] != 0))
        self.masks.clear()
        self.buffers.clear()

    def forward(self, X: np.ndarray, training: bool) -> np.ndarray:
        out, scratch = X, False
        inputs, Ws, funcs = self.inputs, self.W, self.funcs
        for i, kind in enumerate(self.kinds):
            if kind == "fc":
                inputs[i] = out
                W = Ws[i]
                buf = self.buffer(i, (len(W), out.shape[-2], W.shape[-1]), W.dtype)
                if out.ndim == 3 and len(out) != len(W):  # G inputs: member r's is out[r % G]
                    G = len(out)
                    if W.shape[-2] == 2:
                        np.multiply(out, by_group(W[:, :1], G), out=by_group(buf, G))
                    else:
                        np.matmul(out, by_group(W[:, :-1], G), out=by_group(buf, G))
                    out = buf
                elif W.shape[-2] == 2:  # an inner dimension of 1: a broadcast product, as Σ.compute alone
                    out = np.multiply(out, W[:, :1], out=buf)
                else:
                    out = np.matmul(out, W[:, :-1], out=buf)
                out += W[:, -1:]
                scratch = True
            elif kind == "act":
                out = funcs[i].compute(out, out=out if scratch else None)
                scratch = True
            elif training and self.dropping[i]:
                out = self._dropout(i, out)
            else:
                self.masks.pop(i, None)
        return out

    def _dropout(self, i: int, out: np.ndarray) -> np.ndarray:
        """Inverted dropout as :class:`~neural_net.layers.Dropout` draws it, member by member
        from each member's own generator (none drawn for a member whose rate is 0, as alone)."""
        if out.ndim == 2:
            out = np.broadcast_to(out, (len(self.rates[i]), *out.shape))
        mask = self.masks.get(i)
        if mask is None or mask.shape != out.shape or mask.dtype != out.dtype:
            mask = self.masks[i] = np.empty(out.shape, out.dtype)
        rate = self.rates[i]
        for k, layer in enumerate(self.drop_layers[i]):
            if rate[k, 0, 0] != 0:
                layer.rng.random(out=mask[k], dtype=mask.dtype)
            else:
                mask[k] = 1.0
        np.greater_equal(mask, rate, out=mask, casting="unsafe")
        mask *= 1.0 / (1.0 - rate)
        return np.multiply(out, mask, out=self.buffer(("drop", i), mask.shape, mask.dtype))

    def backward(self, Δ: np.ndarray, start: int, first: int, opt: Optimizer, ones: np.ndarray) -> None:
        """Back-propagate ``Δ`` (∂J/∂ of step ``start``'s output) down to step ``first``, the
        first step with parameters (its input gradient is not computed), writing each
        layer's gradient and applying ``opt`` to it."""
        kinds, funcs, inputs, Ws, dWs, slots = self.kinds, self.funcs, self.inputs, self.W, self.dW, self.slots
        for i in range(start, first - 1, -1):
            kind = kinds[i]
            if kind == "act":
                Δ = funcs[i].grad(Δ, out=Δ)
            elif kind == "drop":
                mask = self.masks.get(i)
                if mask is not None:
                    Δ = np.multiply(Δ, mask, out=Δ)
            else:
                X, W, dW = inputs[i], Ws[i], dWs[i]
                if X.ndim == 3 and len(X) != len(W):  # G inputs (see forward)
                    G = len(X)
                    np.matmul(X.swapaxes(-1, -2), by_group(Δ, G), out=by_group(dW[:, :-1], G))
                else:
                    np.matmul(X.swapaxes(-1, -2), Δ, out=dW[:, :-1])
                np.matmul(ones, Δ, out=dW[:, -1])
                din = None
                if i > first:
                    buf = self.buffer(("din", i), (*Δ.shape[:-1], W.shape[-2] - 1), Δ.dtype)
                    Wt = W[:, :-1].swapaxes(-1, -2)
                    # an output width of 1: a broadcast product, as Σ.input_grad alone
                    din = np.multiply(Δ, Wt, out=buf) if W.shape[-1] == 1 else np.matmul(Δ, Wt, out=buf)
                opt.apply(slots[i], W, dW)
                if din is not None:
                    Δ = din


def stacked_state(opt: Optimizer) -> dict[str, dict[str, Any]]:
    """The per-key state of a stacked optimizer (``state_dict()['state']``: step counts and
    ``(K, ...)`` arrays).

    Example:
        >>> import numpy
        >>> from neural_net.optimizers import Adam
        >>> from neural_net.stacking import stack_optimizer, stacked_state
        >>> opt = stack_optimizer([Adam(), Adam(lr=0.1)], numpy.float64)
        >>> opt.apply(0, numpy.zeros((2, 3, 1)), numpy.ones((2, 3, 1))); stacked_state(opt)['0']['m'].shape
        (2, 3, 1)
    """
    saved = {name: getattr(opt, name) for name in PER_MEMBER if hasattr(opt, name)}
    try:  # state_dict() reports the settings as numbers: hand it scalars for the moment
        for name, v in saved.items():
            setattr(opt, name, (0.0, 0.0) if name == "betas" else 0.0)
        return opt.state_dict()["state"]
    finally:
        for name, v in saved.items():
            setattr(opt, name, v)


def keep_optimizer_rows(opt: Optimizer, template: Optimizer, rows: list[int]) -> None:
    """Slice the stacked optimizer's per-member settings and state to ``rows`` (``template``:
    a member's optimizer, whose numeric config ``load_state_dict`` may rebuild from)."""
    state = stacked_state(opt)
    for st in state.values():
        for name, v in list(st.items()):
            if isinstance(v, np.ndarray):
                st[name] = v[rows]
    saved = {}
    for name in PER_MEMBER:
        v = getattr(opt, name, None)
        if name == "betas" and v is not None:
            saved["betas"] = tuple(b[rows] if isinstance(b, np.ndarray) else b for b in v)
        elif isinstance(v, np.ndarray):
            saved[name] = v[rows]
    opt.reset()
    opt.load_state_dict({"name": template.name, "config": template.get_config(), "lr": 1.0, "lr_scale": 1.0,
                         "state": state})
    opt.schedule = None
    for name, v in saved.items():
        setattr(opt, name, v)

r"""Optimizers: in-place parameter updates with PyTorch's exact conventions.

The training loop calls, for every parameter :math:`W` (a weight matrix with its bias row)
and its batch-mean gradient :math:`G`::

    optimizer.begin_epoch(epoch)          # epoch from 1; a Schedule sets optimizer.lr here
    optimizer.apply(key, W, G)            # W updated in place; G may be overwritten

``key`` (an int or a str) names the parameter; the optimizer keeps per-key state (step count,
momentum buffers, moments) with the parameter's shape and dtype (float32 stays float32), and
one scratch buffer per (shape, dtype), allocated at the first ``apply``; later calls allocate
no arrays.

Plain SGD (``momentum == 0``) has :attr:`Optimizer.folds_lr` true: the loop has already
multiplied :math:`G` by :math:`η` (it folds the rate into the output delta), so
``apply`` does :math:`W \leftarrow W - G` (and the weight decay :math:`W \leftarrow W(1 - ηλ)`).
Every other optimizer gets the raw gradient.

=============  ===========================================================================
``'sgd'``      :class:`SGD` (torch.optim.SGD: momentum, dampening, Nesterov, L2 decay)
``'adam'``     :class:`Adam` (torch.optim.Adam: coupled L2 decay, AMSGrad)
``'adamw'``    :class:`AdamW` (torch.optim.AdamW: decoupled weight decay)
``'rmsprop'``  :class:`RMSprop` (torch.optim.RMSprop: centered, momentum)
=============  ===========================================================================

Example:
    >>> import numpy
    >>> from neural_net import optimizers
    >>> opt = optimizers.get('adam', lr=0.1)
    >>> W = numpy.array([[1.0, -1.0]])
    >>> opt.apply(0, W, numpy.array([[0.5, -2.0]]))
    >>> W
    array([[ 0.9, -0.9]])
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from neural_net.schedules import (
    Schedule,
    _check_int,
    _check_lr_value,
    _check_range,
    deserialize as _deserialize_schedule,
    serialize as _serialize_schedule,
)

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "sgd",
    "adam",
    "adamw",
    "rmsprop",
    "get",
    "from_config",
]


def _resolve_lr(cls_name: str, lr: Any, learning_rate: Any, default: float) -> Any:
    """Keras' ``learning_rate=`` is a synonym of ``lr``; refuse two different values."""
    if learning_rate is None:
        return lr
    if lr is not learning_rate and not (
        isinstance(lr, (int, float)) and not isinstance(lr, bool) and lr == default
    ):
        raise ValueError(
            f"{cls_name}: pass the learning rate once, as lr or learning_rate, "
            f"got lr={lr!r} and learning_rate={learning_rate!r}"
        )
    return learning_rate


class Optimizer:
    r"""Base class: learning rate (constant or scheduled), weight decay and per-key state.

    Subclasses set ``name``, implement :meth:`apply` and :meth:`get_config`, and list the
    arrays of their per-key state in ``_state_arrays``.

    The learning rate of an epoch is

    .. math:: η = \text{schedule}(\text{epoch}, η_0) \cdot s \quad\text{or}\quad η = η_0 s

    (:math:`η_0` = ``base_lr``, :math:`s` = ``lr_scale``, lowered by
    :class:`~neural_net.schedules.ReduceLROnPlateau`). Without a schedule, ``begin_epoch``
    leaves ``lr`` as it is, so a callback may set it freely.

    Args:
        lr: the base learning rate :math:`η_0 > 0`, or a :class:`~neural_net.schedules.Schedule`
            (then :math:`η_0` is the class's default rate).
        weight_decay: :math:`λ ≥ 0`.
        schedule: a :class:`~neural_net.schedules.Schedule` applied to the numeric ``lr``.

    Attributes:
        lr: the current learning rate (set by ``begin_epoch`` when there is a schedule).
        base_lr: :math:`η_0`.
        lr_scale: :math:`s`, 1.0 unless reduced.
        schedule: the schedule or None.
        weight_decay: :math:`λ`.

    Example:
        >>> import numpy
        >>> from neural_net.optimizers import Optimizer
        >>> class SignSGD(Optimizer):
        ...     name = 'signsgd'
        ...     def apply(self, key, W, G):
        ...         W -= self.lr * numpy.sign(G)
        >>> W = numpy.zeros(2)
        >>> SignSGD(lr=0.5).apply(0, W, numpy.array([3.0, -1.0]))
        >>> W
        array([-0.5,  0.5])
    """

    name: str = "optimizer"
    default_lr: float = 0.01
    _state_arrays: tuple[str, ...] = ()

    def __init__(
        self,
        lr: float | Schedule | None = None,
        weight_decay: float = 0.0,
        *,
        schedule: Schedule | None = None,
        learning_rate: float | Schedule | None = None,
    ) -> None:
        cls = type(self).__name__
        if lr is None:
            lr = self.default_lr
        lr = _resolve_lr(cls, lr, learning_rate, self.default_lr)
        if isinstance(lr, Schedule):
            if schedule is not None:
                raise ValueError(f"{cls}: got a Schedule as lr ({lr!r}) and schedule={schedule!r}; pass one")
            schedule, lr = lr, self.default_lr
        if schedule is not None and not isinstance(schedule, Schedule):
            raise TypeError(
                f"{cls}: schedule must be a neural_net.schedules.Schedule or None, "
                f"got {schedule!r} ({type(schedule).__name__})"
            )
        try:
            self.base_lr = _check_lr_value(lr, "lr")
        except (TypeError, ValueError) as e:
            raise type(e)(f"{cls}: {e} (lr may also be a Schedule)") from None
        self.weight_decay = self._check(weight_decay, "weight_decay", 0.0, math.inf)
        self.schedule = schedule
        self.lr_scale = 1.0
        self.lr = self.schedule(1, self.base_lr) if self.schedule is not None else self.base_lr
        self._state: dict[Any, dict[str, Any]] = {}
        self._loaded: dict[str, dict[str, Any]] = {}  # from load_state_dict, not yet applied
        self._scratch: dict[tuple, np.ndarray] = {}

    # -- helpers --------------------------------------------------------------------------
    def _check(self, value: Any, name: str, lo: float, hi: float, **kw: Any) -> float:
        try:
            return _check_range(value, name, lo, hi, **kw)
        except (TypeError, ValueError) as e:
            raise type(e)(f"{type(self).__name__}: {e}") from None

    def _scratch_for(self, W: np.ndarray) -> np.ndarray:
        k = (W.shape, W.dtype.str)
        s = self._scratch.get(k)
        if s is None:
            s = self._scratch[k] = np.empty(W.shape, dtype=W.dtype)
        return s

    def _new_state(self, W: np.ndarray) -> dict[str, Any]:
        """Per-key state, allocated once: ``step`` and zero arrays shaped like ``W``."""
        st: dict[str, Any] = {"step": 0}
        for name in self._state_arrays:
            st[name] = np.zeros(W.shape, dtype=W.dtype)
        return st

    def _get_state(self, key: Any, W: np.ndarray, G: np.ndarray) -> dict[str, Any]:
        st = self._state.get(key)
        if st is not None:
            return st
        if not isinstance(W, np.ndarray) or W.dtype.kind != "f":
            raise TypeError(f"{type(self).__name__}.apply: W must be a float ndarray, got {type(W).__name__}"
                            f"{' of dtype ' + str(W.dtype) if isinstance(W, np.ndarray) else ''}")
        if np.shape(G) != W.shape:
            raise ValueError(f"{type(self).__name__}.apply: G must have W's shape {W.shape}, got {np.shape(G)}")
        sk = str(key)
        if sk in self._loaded:  # restored by load_state_dict (keys were stringified)
            st = self._loaded.pop(sk)
            for name in self._state_arrays:
                a = st[name]
                if a.shape != W.shape:
                    raise ValueError(
                        f"{type(self).__name__}: loaded state {name!r} of key {key!r} has shape "
                        f"{a.shape}, expected the parameter's shape {W.shape}"
                    )
                if a.dtype != W.dtype:
                    st[name] = a.astype(W.dtype)
        else:
            st = self._new_state(W)
        self._state[key] = st
        st["_scratch"] = None if self.folds_lr else self._scratch_for(W)  # folded plain SGD needs none
        return st

    def _add_l2(self, W: np.ndarray, G: np.ndarray, s: np.ndarray) -> None:
        r"""Coupled weight decay: :math:`G \mathrel{+}= λW` (``s`` is scratch)."""
        if self.weight_decay != 0:
            np.multiply(W, self.weight_decay, out=s)
            G += s

    # -- the interface used by the training loop -------------------------------------------
    @property
    def folds_lr(self) -> bool:
        """True when the loop must pass :math:`ηG` instead of :math:`G` (plain SGD only)."""
        return False

    def begin_epoch(self, epoch: int) -> None:
        r"""Set ``lr`` for ``epoch`` (from 1): :math:`η = \text{schedule}(\text{epoch}, η_0) \cdot s`.

        Without a schedule ``lr`` is left unchanged.

        Example:
            >>> from neural_net.optimizers import SGD
            >>> from neural_net.schedules import StepDecay
            >>> opt = SGD(lr=1.0, schedule=StepDecay(1, gamma=0.5))
            >>> opt.begin_epoch(3); opt.lr
            0.25
        """
        epoch = _check_int(epoch, "epoch", 1)
        if self.schedule is not None:
            self.lr = self.schedule(epoch, self.base_lr) * self.lr_scale

    def apply(self, key: Any, W: np.ndarray, G: np.ndarray) -> None:
        """Update ``W`` in place from its gradient ``G`` (which may be overwritten)."""
        raise NotImplementedError(f"{type(self).__name__} must implement apply(key, W, G)")

    def reset(self) -> None:
        """Forget every per-key state (step counts, moments, buffers).

        Example:
            >>> import numpy
            >>> from neural_net.optimizers import Adam
            >>> opt = Adam(); opt.apply('w', numpy.ones(2), numpy.ones(2)); opt.reset()
            >>> opt.state_dict()['state']
            {}
        """
        self._state.clear()
        self._loaded.clear()
        self._scratch.clear()

    def get_config(self) -> dict:
        """JSON-able hyper-parameters: base ``lr``, ``schedule`` (serialized or None), ``weight_decay``...

        Example:
            >>> from neural_net.optimizers import SGD
            >>> SGD(lr=0.1, momentum=0.9).get_config()['momentum']
            0.9
        """
        return {
            "lr": self.base_lr,
            "schedule": None if self.schedule is None else _serialize_schedule(self.schedule),
            "weight_decay": self.weight_decay,
        }

    def state_dict(self) -> dict:
        """Everything needed to continue bit-identically: name, config, lr, lr_scale and state.

        ``state`` maps ``str(key)`` to ``{'step': int, <array name>: ndarray copy, ...}``;
        converting the arrays with ``.tolist()`` makes the whole dict JSON-able.

        Example:
            >>> import numpy
            >>> from neural_net.optimizers import SGD
            >>> opt = SGD(lr=0.1, momentum=0.9)
            >>> opt.apply(0, numpy.zeros(2), numpy.ones(2))
            >>> d = opt.state_dict(); d['state']['0']['step'], d['state']['0']['momentum_buffer']
            (1, array([1., 1.]))
        """
        state = {}
        for key, st in (*self._loaded.items(), *self._state.items()):
            state[str(key)] = {
                k: (v.copy() if isinstance(v, np.ndarray) else v)
                for k, v in st.items()
                if not k.startswith("_")
            }
        return {
            "name": self.name,
            "config": self.get_config(),
            "lr": float(self.lr),
            "lr_scale": float(self.lr_scale),
            "state": state,
        }

    def load_state_dict(self, d: dict) -> None:
        """Restore hyper-parameters, lr and per-key state from :meth:`state_dict`.

        Arrays may be ndarrays or nested lists (from JSON); they take the parameter's dtype at
        the next ``apply`` for their key. Continuing then gives bit-identical updates.

        Example:
            >>> import json, numpy
            >>> from neural_net.optimizers import Adam
            >>> a = Adam(lr=0.1); a.apply(0, numpy.zeros(2), numpy.ones(2))
            >>> d = a.state_dict(); d['state']['0'] = {k: getattr(v, 'tolist', lambda: v)()
            ...                                         for k, v in d['state']['0'].items()}
            >>> b = Adam(); b.load_state_dict(json.loads(json.dumps(d)))
            >>> b.state_dict()['state']['0']['step']
            1
        """
        if not isinstance(d, dict) or "name" not in d:
            raise TypeError(f"{type(self).__name__}.load_state_dict: d must be a state_dict() dict, got {type(d).__name__}")
        if str(d["name"]).lower() != self.name:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: d['name'] must be {self.name!r}, got {d['name']!r}"
            )
        fresh = from_config(self.name, d.get("config") or {})
        self.__dict__.update(fresh.__dict__)
        self.lr = _check_lr_value(d.get("lr", self.lr), "lr", allow_zero=True)
        self.lr_scale = _check_lr_value(d.get("lr_scale", 1.0), "lr_scale", allow_zero=True)
        for key, st in (d.get("state") or {}).items():
            entry: dict[str, Any] = {"step": _check_int(st.get("step", 0), f"state[{key!r}]['step']", 0)}
            for name in self._state_arrays:
                if name not in st:
                    raise ValueError(
                        f"{type(self).__name__}.load_state_dict: state[{key!r}] must have {name!r}, "
                        f"got keys {sorted(st)}"
                    )
                v = st[name]
                entry[name] = np.array(v, dtype=v.dtype if isinstance(v, np.ndarray) else None, copy=True)
            self._loaded[str(key)] = entry

    def __repr__(self) -> str:
        cfg = self.get_config()
        if cfg.get("schedule") is None:
            cfg.pop("schedule", None)
        else:
            cfg["schedule"] = self.schedule
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in cfg.items())})"


class SGD(Optimizer):
    r"""Stochastic gradient descent with momentum, dampening and Nesterov (torch.optim.SGD).

    With :math:`g = G + λW` (L2 weight decay), momentum :math:`μ`, dampening :math:`d`:

    .. math::
        b_1 = g, \qquad b_t = μ\, b_{t-1} + (1 - d)\, g \\
        u = g + μ b_t \ \text{(Nesterov)} \quad\text{or}\quad u = b_t \\
        W \leftarrow W - η\, u

    Plain SGD (:math:`μ = 0`) folds the rate: the loop passes :math:`ηG` and
    :math:`W \leftarrow W(1 - ηλ) - ηG` (``fold_lr=False`` turns this off: then ``apply``
    takes the raw :math:`G`).

    Args:
        lr: :math:`η > 0` (or a Schedule); ``learning_rate`` is a synonym.
        momentum: :math:`μ \in [0, 1)`.
        nesterov: Nesterov momentum (needs :math:`μ > 0` and :math:`d = 0`).
        dampening: :math:`d \in [0, 1]`.
        weight_decay: :math:`λ ≥ 0`.
        schedule: a Schedule for the numeric ``lr``.
        fold_lr: let the loop fold :math:`η` into the gradient when :math:`μ = 0`.

    Example:
        >>> import numpy
        >>> from neural_net.optimizers import SGD
        >>> opt = SGD(lr=0.1, momentum=0.9)
        >>> W = numpy.zeros(2)
        >>> for _ in range(2):
        ...     opt.apply('w', W, numpy.array([1.0, -1.0]))
        >>> W.round(6)
        array([-0.29,  0.29])
    """

    name = "sgd"
    default_lr = 0.01

    def __init__(
        self,
        lr: float | Schedule = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        *,
        schedule: Schedule | None = None,
        fold_lr: bool = True,
        learning_rate: float | Schedule | None = None,
    ) -> None:
        super().__init__(lr, weight_decay, schedule=schedule, learning_rate=learning_rate)
        self.momentum = self._check(momentum, "momentum", 0.0, 1.0, hi_open=True)
        self.dampening = self._check(dampening, "dampening", 0.0, 1.0)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"SGD: nesterov must be a bool, got {nesterov!r} ({type(nesterov).__name__})")
        if nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError(
                f"SGD: nesterov=True needs momentum > 0 and dampening == 0, "
                f"got momentum={self.momentum!r}, dampening={self.dampening!r}"
            )
        self.nesterov = bool(nesterov)
        if not isinstance(fold_lr, (bool, np.bool_)):
            raise TypeError(f"SGD: fold_lr must be a bool, got {fold_lr!r} ({type(fold_lr).__name__})")
        self.fold_lr = bool(fold_lr)
        self._state_arrays = ("momentum_buffer",) if self.momentum != 0 else ()

    @property
    def folds_lr(self) -> bool:
        return self.momentum == 0 and self.fold_lr

    def apply(self, key: Any, W: np.ndarray, G: np.ndarray) -> None:
        st = self._get_state(key, W, G)
        st["step"] += 1
        lr, wd, mu = self.lr, self.weight_decay, self.momentum
        if self.folds_lr:  # G is already η·∂J/∂W
            if wd != 0:
                W *= 1.0 - lr * wd
            np.subtract(W, G, out=W)
            return
        s = st["_scratch"]
        self._add_l2(W, G, s)
        u = G
        if mu != 0:
            buf = st["momentum_buffer"]
            if st["step"] == 1:
                np.copyto(buf, G, casting="same_kind")
            else:
                buf *= mu
                if self.dampening != 0:
                    np.multiply(G, 1.0 - self.dampening, out=s)
                    buf += s
                else:
                    buf += G
            if self.nesterov:
                np.multiply(buf, mu, out=s)
                G += s
            else:
                u = buf
        np.multiply(u, lr, out=s)
        np.subtract(W, s, out=W)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(momentum=self.momentum, nesterov=self.nesterov, dampening=self.dampening,
                   fold_lr=self.fold_lr)
        return cfg


class Adam(Optimizer):
    r"""Adam with coupled L2 weight decay and optional AMSGrad (torch.optim.Adam).

    At step :math:`t` (per key), with :math:`g = G + λW`:

    .. math::
        m_t = m_{t-1} + (1 - β_1)(g - m_{t-1}), \qquad
        v_t = β_2 v_{t-1} + (1 - β_2)\, g^2 \\
        \hat v_t = \max(\hat v_{t-1}, v_t)\ \text{(AMSGrad, else } \hat v_t = v_t) \\
        W \leftarrow W - \frac{η}{1 - β_1^t} \cdot
            \frac{m_t}{\sqrt{\hat v_t} / \sqrt{1 - β_2^t} + ε}

    Args:
        lr: :math:`η > 0` (or a Schedule); ``learning_rate`` is a synonym.
        betas: :math:`(β_1, β_2)`, each in [0, 1).
        eps: :math:`ε > 0`, added to the bias-corrected root (torch's placement).
        weight_decay: :math:`λ ≥ 0`, added to the gradient.
        amsgrad: keep the running maximum of :math:`v`.
        schedule: a Schedule for the numeric ``lr``.

    Example:
        >>> import numpy
        >>> from neural_net.optimizers import Adam
        >>> W = numpy.zeros(2)
        >>> Adam(lr=0.01).apply(0, W, numpy.array([3.0, -0.5]))
        >>> W
        array([-0.01,  0.01])
    """

    name = "adam"
    default_lr = 0.001
    _decoupled = False

    def __init__(
        self,
        lr: float | Schedule = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        schedule: Schedule | None = None,
        learning_rate: float | Schedule | None = None,
    ) -> None:
        super().__init__(lr, weight_decay, schedule=schedule, learning_rate=learning_rate)
        cls = type(self).__name__
        if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
            raise TypeError(f"{cls}: betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (
            self._check(betas[0], "betas[0]", 0.0, 1.0, hi_open=True),
            self._check(betas[1], "betas[1]", 0.0, 1.0, hi_open=True),
        )
        self.eps = self._check(eps, "eps", 0.0, math.inf, lo_open=True)
        if not isinstance(amsgrad, (bool, np.bool_)):
            raise TypeError(f"{cls}: amsgrad must be a bool, got {amsgrad!r} ({type(amsgrad).__name__})")
        self.amsgrad = bool(amsgrad)
        self._state_arrays = ("m", "v", "v_max") if self.amsgrad else ("m", "v")

    def apply(self, key: Any, W: np.ndarray, G: np.ndarray) -> None:
        st = self._get_state(key, W, G)
        st["step"] += 1
        t = st["step"]
        lr, wd = self.lr, self.weight_decay
        b1, b2 = self.betas
        s, m, v = st["_scratch"], st["m"], st["v"]
        if self._decoupled:
            if wd != 0:
                W *= 1.0 - lr * wd
        else:
            self._add_l2(W, G, s)
        # m ← lerp(m, g, 1 − β1) = m + (1 − β1)(g − m), as torch computes it
        np.subtract(G, m, out=s)
        s *= 1.0 - b1
        m += s
        # v ← β2 v + (1 − β2) g²
        v *= b2
        np.multiply(G, 1.0 - b2, out=s)
        s *= G
        v += s
        step_size = lr / (1.0 - b1**t)
        bc2_sqrt = (1.0 - b2**t) ** 0.5
        if self.amsgrad:
            vmax = st["v_max"]
            np.maximum(vmax, v, out=vmax)
            v = vmax
        denom = G  # G is no longer needed: reuse it for the denominator
        np.sqrt(v, out=denom)
        denom /= bc2_sqrt
        denom += self.eps
        np.multiply(m, step_size, out=s)
        s /= denom
        np.subtract(W, s, out=W)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(betas=list(self.betas), eps=self.eps, amsgrad=self.amsgrad)
        return cfg


class AdamW(Adam):
    r"""Adam with decoupled weight decay (torch.optim.AdamW).

    As :class:`Adam` with :math:`g = G` (no L2 term), the weights first shrunk:

    .. math::
        W \leftarrow W (1 - ηλ), \qquad
        W \leftarrow W - \frac{η}{1 - β_1^t} \cdot
            \frac{m_t}{\sqrt{\hat v_t} / \sqrt{1 - β_2^t} + ε}

    Args:
        lr: :math:`η > 0` (or a Schedule); ``learning_rate`` is a synonym.
        betas: :math:`(β_1, β_2)`, each in [0, 1).
        eps: :math:`ε > 0`.
        weight_decay: :math:`λ ≥ 0` (default 0.01).
        amsgrad: keep the running maximum of :math:`v`.
        schedule: a Schedule for the numeric ``lr``.

    Example:
        >>> import numpy
        >>> from neural_net.optimizers import AdamW
        >>> W = numpy.ones(2)
        >>> AdamW(lr=0.1, weight_decay=0.5).apply(0, W, numpy.array([1.0, -1.0]))
        >>> W
        array([0.85, 1.05])
    """

    name = "adamw"
    default_lr = 0.001
    _decoupled = True

    def __init__(
        self,
        lr: float | Schedule = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        amsgrad: bool = False,
        *,
        schedule: Schedule | None = None,
        learning_rate: float | Schedule | None = None,
    ) -> None:
        super().__init__(lr, betas, eps, weight_decay, amsgrad, schedule=schedule,
                         learning_rate=learning_rate)


class RMSprop(Optimizer):
    r"""RMSprop, optionally centered and with momentum (torch.optim.RMSprop).

    With :math:`g = G + λW`:

    .. math::
        v_t = α v_{t-1} + (1 - α) g^2 \\
        \bar g_t = \bar g_{t-1} + (1 - α)(g - \bar g_{t-1}), \quad
        a = \sqrt{v_t - \bar g_t^2} + ε \ \text{(centered)}, \ \text{else } a = \sqrt{v_t} + ε \\
        b_t = μ b_{t-1} + g / a, \ W \leftarrow W - η b_t \ (μ > 0), \ \text{else }
        W \leftarrow W - η g / a

    Args:
        lr: :math:`η > 0` (or a Schedule); ``learning_rate`` is a synonym.
        alpha: :math:`α \in [0, 1)`, the smoothing constant.
        eps: :math:`ε > 0`.
        momentum: :math:`μ \in [0, 1)`.
        centered: normalise by the estimated variance instead of the second moment.
        weight_decay: :math:`λ ≥ 0`.
        schedule: a Schedule for the numeric ``lr``.

    Example:
        >>> import numpy
        >>> from neural_net.optimizers import RMSprop
        >>> W = numpy.zeros(1)
        >>> RMSprop(lr=0.01, alpha=0.75).apply(0, W, numpy.array([2.0]))
        >>> W.round(8)
        array([-0.02])
    """

    name = "rmsprop"
    default_lr = 0.01

    def __init__(
        self,
        lr: float | Schedule = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
        centered: bool = False,
        weight_decay: float = 0.0,
        *,
        schedule: Schedule | None = None,
        learning_rate: float | Schedule | None = None,
    ) -> None:
        super().__init__(lr, weight_decay, schedule=schedule, learning_rate=learning_rate)
        self.alpha = self._check(alpha, "alpha", 0.0, 1.0, hi_open=True)
        self.eps = self._check(eps, "eps", 0.0, math.inf, lo_open=True)
        self.momentum = self._check(momentum, "momentum", 0.0, 1.0, hi_open=True)
        if not isinstance(centered, (bool, np.bool_)):
            raise TypeError(f"RMSprop: centered must be a bool, got {centered!r} ({type(centered).__name__})")
        self.centered = bool(centered)
        arrays = ["square_avg"]
        if self.centered:
            arrays.append("grad_avg")
        if self.momentum > 0:
            arrays.append("momentum_buffer")
        self._state_arrays = tuple(arrays)

    def apply(self, key: Any, W: np.ndarray, G: np.ndarray) -> None:
        st = self._get_state(key, W, G)
        st["step"] += 1
        lr, alpha = self.lr, self.alpha
        s, sq = st["_scratch"], st["square_avg"]
        self._add_l2(W, G, s)
        sq *= alpha
        np.multiply(G, 1.0 - alpha, out=s)
        s *= G
        sq += s
        avg = s
        if self.centered:
            ga = st["grad_avg"]
            np.subtract(G, ga, out=s)
            s *= 1.0 - alpha
            ga += s
            np.multiply(ga, ga, out=s)
            np.subtract(sq, s, out=s)
            np.sqrt(s, out=s)
        else:
            np.sqrt(sq, out=s)
        avg += self.eps
        if self.momentum > 0:
            buf = st["momentum_buffer"]
            buf *= self.momentum
            G /= avg
            buf += G
            np.multiply(buf, lr, out=s)
            np.subtract(W, s, out=W)
        else:
            G *= lr
            G /= avg
            np.subtract(W, G, out=W)

    def get_config(self) -> dict:
        cfg = super().get_config()
        cfg.update(alpha=self.alpha, eps=self.eps, momentum=self.momentum, centered=self.centered)
        return cfg


_OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop}


def sgd(lr: float | Schedule = 0.01, momentum: float = 0.0, nesterov: bool = False,
        dampening: float = 0.0, weight_decay: float = 0.0, **kwargs: Any) -> SGD:
    """Factory for :class:`SGD` (the seed's ``nn.optimizers.sgd(lr=.1)``): :math:`W ← W - ηu`.

    Example:
        >>> from neural_net.optimizers import sgd
        >>> sgd(lr=.1).lr, sgd(learning_rate=.2).lr
        (0.1, 0.2)
    """
    return SGD(lr, momentum, nesterov, dampening, weight_decay, **kwargs)


def adam(lr: float | Schedule = 0.001, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
         weight_decay: float = 0.0, amsgrad: bool = False, **kwargs: Any) -> Adam:
    r"""Factory for :class:`Adam`: :math:`W ← W - \frac{η}{1-β_1^t}\, m_t / (\sqrt{v_t/(1-β_2^t)} + ε)`.

    Example:
        >>> from neural_net.optimizers import adam
        >>> adam(learning_rate=0.01).lr
        0.01
    """
    return Adam(lr, betas, eps, weight_decay, amsgrad, **kwargs)


def adamw(lr: float | Schedule = 0.001, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
          weight_decay: float = 0.01, amsgrad: bool = False, **kwargs: Any) -> AdamW:
    r"""Factory for :class:`AdamW`: :math:`W ← W(1 - ηλ)`, then the Adam step.

    Example:
        >>> from neural_net.optimizers import adamw
        >>> adamw(lr=0.01).weight_decay
        0.01
    """
    return AdamW(lr, betas, eps, weight_decay, amsgrad, **kwargs)


def rmsprop(lr: float | Schedule = 0.01, alpha: float = 0.99, eps: float = 1e-8, momentum: float = 0.0,
            centered: bool = False, weight_decay: float = 0.0, **kwargs: Any) -> RMSprop:
    r"""Factory for :class:`RMSprop`: :math:`W ← W - η g / (\sqrt{v_t} + ε)`.

    Example:
        >>> from neural_net.optimizers import rmsprop
        >>> rmsprop(lr=0.001, centered=True).centered
        True
    """
    return RMSprop(lr, alpha, eps, momentum, centered, weight_decay, **kwargs)


def get(optimizer: str | Optimizer | type | dict, **kwargs: Any) -> Optimizer:
    """An optimizer from a name, an instance, a class, or a ``{'name', 'config'}`` dict.

    Names (case-insensitive): ``'sgd'``, ``'adam'``, ``'adamw'``, ``'rmsprop'``; ``kwargs`` go to
    the constructor. An instance passes through unchanged (then no ``kwargs`` are allowed).
    The update rule is the chosen optimizer's, e.g. :math:`W ← W - ηG` for ``'sgd'``.

    Example:
        >>> from neural_net import optimizers
        >>> optimizers.get('Adam', lr=0.01)
        Adam(lr=0.01, weight_decay=0.0, betas=[0.9, 0.999], eps=1e-08, amsgrad=False)
        >>> opt = optimizers.sgd(lr=0.1); optimizers.get(opt) is opt
        True
    """
    if isinstance(optimizer, Optimizer):
        if kwargs:
            raise ValueError(
                f"optimizer: got an instance {optimizer!r} and arguments {kwargs}; "
                "pass either a name with arguments or a ready optimizer"
            )
        return optimizer
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        return optimizer(**kwargs)
    if isinstance(optimizer, dict) and "name" in optimizer:
        if kwargs:
            raise ValueError(f"optimizer: got a config dict and arguments {kwargs}; pass one")
        return from_config(optimizer["name"], optimizer.get("config") or {})
    if not isinstance(optimizer, str):
        raise TypeError(
            f"optimizer must be one of {sorted(_OPTIMIZERS)} (a str), an Optimizer or an Optimizer "
            f"class, got {optimizer!r} ({type(optimizer).__name__})"
        )
    cls = _OPTIMIZERS.get(optimizer.strip().lower())
    if cls is None:
        raise ValueError(f"optimizer must be one of {sorted(_OPTIMIZERS)} (case-insensitive), got {optimizer!r}")
    return cls(**kwargs)


def from_config(name: str, config: dict) -> Optimizer:
    """Rebuild an optimizer from its ``name`` and :meth:`Optimizer.get_config` (e.g. read from JSON).

    Example:
        >>> from neural_net.optimizers import SGD, from_config
        >>> from neural_net.schedules import LinearDecay
        >>> opt = SGD(lr=0.1, momentum=0.9, schedule=LinearDecay(10))
        >>> from_config(opt.name, opt.get_config())
        SGD(lr=0.1, schedule=LinearDecay(epochs=10, end_factor=0.0), weight_decay=0.0, momentum=0.9, nesterov=False, dampening=0.0, fold_lr=True)
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be an optimizer name (str), got {name!r} ({type(name).__name__})")
    cls = _OPTIMIZERS.get(name.strip().lower())
    if cls is None:
        raise ValueError(f"name must be one of {sorted(_OPTIMIZERS)} (case-insensitive), got {name!r}")
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict, got {type(config).__name__}")
    kwargs = dict(config)
    sched = kwargs.pop("schedule", None)
    if sched is not None:
        kwargs["schedule"] = sched if isinstance(sched, Schedule) else _deserialize_schedule(sched)
    if "betas" in kwargs and kwargs["betas"] is not None:
        kwargs["betas"] = tuple(kwargs["betas"])
    return cls(**kwargs)

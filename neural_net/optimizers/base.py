r"""The base of the optimizers (:class:`Optimizer`: learning rate, schedule, weight decay and
per-key state) and :func:`from_config`, which rebuilds any registered optimizer.

Example:
    >>> from neural_net.optimizers.base import Optimizer
    >>> Optimizer.default_lr
    0.01
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from neural_net.checks import in_range, integer, lr_value
from neural_net.schedules import (
    Schedule,
    deserialize as _deserialize_schedule,
    serialize as _serialize_schedule,
)

#: The optimizers that a name may build (filled by :mod:`neural_net.optimizers`).
OPTIMIZERS: dict[str, type["Optimizer"]] = {}


def nonzero(value: Any) -> bool:
    """Whether a hyper-parameter is non-zero: a number, or (for a stacked ensemble, whose
    members' settings are arrays of shape ``(K, 1, 1)``) any of its values. The update rules
    branch on this, so one rule serves one model and a stack of K members alike.

    Example:
        >>> import numpy
        >>> from neural_net.optimizers.base import nonzero
        >>> nonzero(0.0), nonzero(numpy.array([0.0, 0.1]))
        (False, True)
    """
    if isinstance(value, (int, float)):
        return value != 0
    return bool(np.any(value != 0))


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
            self.base_lr = lr_value(lr, "lr")
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
            return in_range(value, name, lo, hi, **kw)
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
        if nonzero(self.weight_decay):
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
        epoch = integer(epoch, "epoch", 1)
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
        self.lr = lr_value(d.get("lr", self.lr), "lr", allow_zero=True)
        self.lr_scale = lr_value(d.get("lr_scale", 1.0), "lr_scale", allow_zero=True)
        for key, st in (d.get("state") or {}).items():
            entry: dict[str, Any] = {"step": integer(st.get("step", 0), f"state[{key!r}]['step']", 0)}
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
    cls = OPTIMIZERS.get(name.strip().lower())
    if cls is None:
        raise ValueError(f"name must be one of {sorted(OPTIMIZERS)} (case-insensitive), got {name!r}")
    if not isinstance(config, dict):
        raise TypeError(f"config must be a dict, got {type(config).__name__}")
    kwargs = dict(config)
    sched = kwargs.pop("schedule", None)
    if sched is not None:
        kwargs["schedule"] = sched if isinstance(sched, Schedule) else _deserialize_schedule(sched)
    if "betas" in kwargs and kwargs["betas"] is not None:
        kwargs["betas"] = tuple(kwargs["betas"])
    return cls(**kwargs)

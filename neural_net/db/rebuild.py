"""Models rebuilt from stored data: nothing is executed, only registered names are built.

Configurations are JSON whose layer, activation, cost, optimizer, schedule and generator names
must be registered ones (:func:`validate_config`); anything else, and any malformed value,
raises :class:`~neural_net.db.errors.StoredModelError` before anything is built.

Example:
    >>> from neural_net.db.rebuild import validate_config
    >>> validate_config({'steps': [{'class': 'Dropout', 'rate': 0.5}], 'cost': 'MSE'})['cost']
    'MSE'
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine

from .codec import loads, loads_state
from .errors import StoredModelError
from .frames import document, history_frame, snapshot_matrices
from .values import MAX_LAYERS, check_document

#: Generators a stored state may name (numpy's own bit generators).
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


def _fail(rid: int, what: str) -> StoredModelError:
    return StoredModelError(f"run {rid}: {what}; nothing was built or executed")


def validate_config(config: Any, rid: int = 0) -> dict[str, Any]:
    """Check a stored model configuration against the registered names before anything is
    built: layer classes, activations (and their parameters), the cost, integer sizes.

    Example:
        >>> from neural_net.db.rebuild import validate_config
        >>> validate_config({'steps': [{'class': 'os.system', 'cmd': 'rm -rf /'}], 'cost': 'MSE'})
        Traceback (most recent call last):
        ...
        neural_net.db.errors.StoredModelError: run 0: layer 0 names class 'os.system', which is not a registered layer (known: ['Activation', 'Dropout', 'Fullyconnected']); nothing was built or executed
    """
    from ..activation import ACTIVATIONS
    from ..cost import COSTS
    from ..serialization import LAYERS

    if not isinstance(config, dict):
        raise _fail(rid, f"the stored configuration must be a JSON object, got {type(config).__name__}")
    steps = config.get("steps")
    if not isinstance(steps, list) or not steps:
        raise _fail(rid, "the stored configuration has no list of steps")
    if len(steps) > MAX_LAYERS:
        raise _fail(rid, f"the stored configuration has {len(steps):,} layers, more than the {MAX_LAYERS:,} a "
                         "reader builds")
    cost = config.get("cost")
    if cost is not None and (not isinstance(cost, str) or cost not in COSTS):
        raise _fail(rid, f"the stored cost {cost!r} is not a registered cost (known: {sorted(COSTS)})")
    if config.get("name") is not None and not isinstance(config["name"], str):
        raise _fail(rid, f"the stored name must be a string, got {config['name']!r}")

    def count(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and v > 0

    def number(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    for i, step in enumerate(steps):
        if not isinstance(step, dict):
            raise _fail(rid, f"layer {i} must be a JSON object, got {type(step).__name__}")
        cls = step.get("class")
        if not isinstance(cls, str) or cls not in LAYERS:
            raise _fail(rid, f"layer {i} names class {cls!r}, which is not a registered layer (known: {sorted(LAYERS)})")
        if cls == "Fullyconnected":
            if not (count(step.get("n_in")) and count(step.get("n_out"))):
                raise _fail(rid, f"layer {i} (Fullyconnected) needs positive integer n_in and n_out, got "
                                 f"{step.get('n_in')!r}, {step.get('n_out')!r}")
            init = step.get("init_method", {})
            if not isinstance(init, dict) or not all(isinstance(v, str) for v in init.values()):
                raise _fail(rid, f"layer {i}: init_method must be an object of strings, got {init!r}")
        elif cls == "Activation":
            f = step.get("func")
            if not isinstance(f, dict) or not isinstance(f.get("name"), str) or f["name"] not in ACTIVATIONS:
                name = f.get("name") if isinstance(f, dict) else f
                raise _fail(rid, f"layer {i} names activation {name!r}, which is not registered "
                                 f"(known: {sorted(ACTIVATIONS)})")
            allowed = set(ACTIVATIONS[f["name"]].params)
            extra = {k: v for k, v in f.items() if k != "name"}
            if not set(extra) <= allowed or not all(number(v) for v in extra.values()):
                raise _fail(rid, f"layer {i}: activation {f['name']} takes numeric parameters {sorted(allowed)}, "
                                 f"got {extra!r}")
        elif cls == "Dropout":
            if not number(step.get("rate")):
                raise _fail(rid, f"layer {i} (Dropout) needs a numeric rate, got {step.get('rate')!r}")
    return config


#: What building from stored data may raise; each becomes a StoredModelError.
_REBUILD_ERRORS = (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError, RecursionError)


def _check_state_numbers(state: Any, depth: int = 0) -> None:
    """A generator state holds non-negative integers (and the names of its fields) only."""
    if depth > 4:
        raise ValueError("the state is nested too deeply")
    for key, value in (state.items() if isinstance(state, dict) else enumerate(state)):
        if key == "bit_generator":
            continue
        if isinstance(value, (dict, list)):
            _check_state_numbers(value, depth + 1)
        elif isinstance(value, np.ndarray):
            if value.dtype.kind not in "ui" or (value.size and value.min() < 0):
                raise ValueError(f"{key!r} must hold non-negative integers")
        elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{key!r} must be a non-negative integer, got {value!r:.40}")


def _restore_rng(model: Any, state: Any, rid: int) -> None:
    if not isinstance(state, dict) or state.get("bit_generator") not in BIT_GENERATORS:
        name = state.get("bit_generator") if isinstance(state, dict) else state
        raise _fail(rid, f"the stored generator {name!r} is not one of numpy's bit generators {list(BIT_GENERATORS)}")
    name = state["bit_generator"]
    rng = model.rng
    if type(rng.bit_generator).__name__ != name:
        rng = np.random.Generator(getattr(np.random, name)())
    try:
        inner = state.get("state")
        if name == "MT19937" and isinstance(inner, dict) and isinstance(inner.get("key"), list):
            state = {**state, "state": {**inner, "key": np.asarray(inner["key"], dtype=np.uint32)}}
        _check_state_numbers(state)
        rng.bit_generator.state = state
    except _REBUILD_ERRORS as e:
        raise _fail(rid, f"the stored {name} generator state is invalid ({e})") from None
    if rng is not model.rng:
        model.set_rng(rng)


def _restore_optimizer(model: Any, state: Any, metrics: list[Any], rid: int, fresh: Any = None) -> None:
    """Bind the stored optimizer (config + state); without a stored state (a snapshot taken
    before ``compile``), a fresh optimizer from the run's hyper-parameters ``fresh``."""
    from .. import optimizers
    from ..metrics import get_metric

    names = []
    for name in metrics or []:
        try:
            names.append(get_metric(name))
        except (TypeError, ValueError):
            warnings.warn(f"neural_net.db: run {rid} used metric {name!r}, which is not registered; it is "
                          "not restored", RuntimeWarning, stacklevel=3)
    model.metrics = names
    if state is None:
        if not isinstance(fresh, dict) or not isinstance(fresh.get("name"), str):
            return
        state = {"name": fresh["name"], "config": fresh.get("config") or {}, "state": {}}
    if not isinstance(state, dict) or not isinstance(state.get("name"), str):
        raise _fail(rid, "the stored optimizer state must be an object with a name")
    try:
        opt = optimizers.from_config(state["name"], state.get("config") or {})
        opt.load_state_dict(state)
    except _REBUILD_ERRORS as e:
        raise _fail(rid, f"the stored optimizer cannot be rebuilt ({e})") from None
    model.set_optimizer(opt)


def build_model(url: str, engine: Engine, row: dict[str, Any], epoch: int | None = None, *,
                store: Any = False) -> Any:
    """The located run's model rebuilt from its snapshot at ``epoch`` (see
    :func:`neural_net.db.load_model`).

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> from neural_net.db.frames import locate
        >>> from neural_net.db.rebuild import build_model
        >>> net = Sequential([Dense(3, input_dim=2)], 'mse', store="sqlite://")
        >>> build_model(*locate("sqlite://", net['id'])).epoch
        0
    """
    from ..architecture import Sequential
    from ..callbacks import History
    from ..model import Define

    rid = row["Architecture_id"]
    config = validate_config(document(row, "config", "the configuration"), rid)
    hyper = document(row, "hyperparams", "the hyper-parameters") or {}
    if not isinstance(hyper, dict):
        raise _fail(rid, "the stored hyper-parameters must be a JSON object")
    snap, matrices = snapshot_matrices(url, engine, rid, epoch)
    trained = row["epochs"]
    if epoch is None and isinstance(trained, int) and trained > int(snap["epoch"]):
        warnings.warn(f"run {rid}: its history has {trained} epochs but the latest stored weights are those of "
                      f"epoch {snap['epoch']}; the model is rebuilt at epoch {snap['epoch']}", RuntimeWarning,
                      stacklevel=3)
    fc = [i for i, s in enumerate(config["steps"]) if s["class"] == "Fullyconnected"]
    if [m["position"] for m in matrices] != fc:
        raise _fail(rid, f"snapshot at epoch {snap['epoch']} holds matrices for layers "
                         f"{[m['position'] for m in matrices]}, the configuration has Fullyconnected layers {fc}")
    for m in matrices:
        step = config["steps"][m["position"]]
        if m["W"].shape != (step["n_in"] + 1, step["n_out"]) or m["W"].dtype.kind != "f":
            raise _fail(rid, f"layer {m['position']}: stored matrix {m['W'].shape} {m['W'].dtype} does not fit "
                             f"n_in={step['n_in']}, n_out={step['n_out']}")
    try:
        opt_state = loads_state(snap["optimizer"])
    except StoredModelError as e:
        raise _fail(rid, f"table snapshot, column optimizer: {e}") from None
    where = f"the generator state of run {rid} (table snapshot, column rng)"
    rng_state = loads(check_document(snap["rng"], where), where)

    flag = Define._Define__store  # type: ignore[attr-defined]
    Define._Define__store = False  # type: ignore[attr-defined]
    try:
        model = Sequential.from_config(config, [m["W"] for m in matrices])
    except _REBUILD_ERRORS as e:
        raise _fail(rid, f"the stored configuration cannot be built ({e})") from None
    finally:
        Define._Define__store = flag  # type: ignore[attr-defined]
    _restore_optimizer(model, opt_state, hyper.get("metrics"), rid, fresh=hyper.get("optimizer"))
    if rng_state is not None:
        _restore_rng(model, rng_state, rid)
    model.seed = hyper.get("seed", row["seed"])
    model.epoch = int(snap["epoch"])
    frame = history_frame(engine, rid, max_epoch=model.epoch)
    h = History()
    for ep, values in zip(frame.index.tolist(), frame.itertuples(index=False, name=None)):
        h.append(int(ep), dict(zip(frame.columns, values)))
    model.history = h
    if store or Define.storing_by_default():
        model._open_store(store if store else True)
        model.store.set_parent(rid, model.epoch)
    return model

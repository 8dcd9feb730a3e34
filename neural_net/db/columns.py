"""How a run becomes columns: its parameters flattened with dotted keys, and which way each of
its metrics improves.

A run's parameters are what its hyper-parameters record — the optimizer (``optimizer`` = its
name, ``optimizer.lr``, ``optimizer.momentum``, ...), ``batch_size``, ``epochs`` (requested),
``samples``, ``seed``, ``cost`` — and the user's parameters (a sweep's grid point,
``record_params``), nested dicts flattened with dots (``{'net': {'units': 8}}`` →
``net.units``).

Example:
    >>> from neural_net.db.columns import flatten_params
    >>> flatten_params({"optimizer": {"name": "adam", "config": {"lr": 0.01}}, "batch_size": 32,
    ...                 "metrics": ["accuracy"], "params": {"units": 8}})
    {'optimizer': 'adam', 'optimizer.lr': 0.01, 'batch_size': 32, 'units': 8}
"""
from __future__ import annotations

from typing import Any

from ..callbacks.base import auto_mode

#: Hyper-parameters that are parameters of the run (the others describe the data or the logs).
RUN_PARAMETERS = ("batch_size", "epochs", "samples", "seed", "cost")


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    else:
        out[prefix] = value


def flatten_params(hyperparams: Any) -> dict[str, Any]:
    """The run's parameters (see the module doc) from its stored hyper-parameters document;
    user parameters win over recorded ones of the same key.

    Example:
        >>> from neural_net.db.columns import flatten_params
        >>> flatten_params(None), flatten_params({"seed": 3, "params": {"seed": 4, "a": {"b": 1}}})
        ({}, {'seed': 4, 'a.b': 1})
    """
    if not isinstance(hyperparams, dict):
        return {}
    out: dict[str, Any] = {}
    opt = hyperparams.get("optimizer")
    if isinstance(opt, dict):
        if isinstance(opt.get("name"), str):
            out["optimizer"] = opt["name"]
        if isinstance(opt.get("config"), dict):
            _flatten("optimizer", opt["config"], out)
    for key in RUN_PARAMETERS:
        if hyperparams.get(key) is not None:
            out[key] = hyperparams[key]
    if isinstance(hyperparams.get("params"), dict):
        _flatten("", hyperparams["params"], out)
    return out


def higher_is_better(name: str) -> bool:
    """Whether a larger value of the logged quantity ``name`` is an improvement: the library's
    one ``mode='auto'`` rule (:func:`neural_net.callbacks.base.auto_mode`): accuracies, AUC, F1,
    precision, recall; not losses or errors.

    Example:
        >>> from neural_net.db.columns import higher_is_better
        >>> higher_is_better("val_accuracy"), higher_is_better("val_loss")
        (True, False)
    """
    return auto_mode(name) == "max"

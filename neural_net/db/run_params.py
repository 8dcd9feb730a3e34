"""A run's parameters as one flat mapping with dotted keys, as exporters need them.

The store keeps a run's hyper-parameters as one JSON object (:func:`neural_net.db.run_info`
``['hyperparams']``): the optimizer's name and settings, batch size, epochs, seed, metric
names, and the user's or a sweep's ``params``. MLflow parameters and TensorBoard's HParams
want flat ``key → scalar`` pairs; :func:`flat_params` gives them:

* ``optimizer: {name: 'adam', config: {lr: 0.01}}`` → ``optimizer='adam'``, ``optimizer.lr=0.01``;
* ``params`` (user and sweep values) at the top level: ``params: {units: 32}`` → ``units=32``
  (``params.units`` when a hyper-parameter has the same name);
* other nested objects with dotted keys, lists as comma-separated text (``metrics``) or JSON,
  ``None`` left out.

Example:
    >>> from neural_net.db.run_params import flat_params
    >>> flat_params({'optimizer': {'name': 'adam', 'config': {'lr': 0.01}}, 'batch_size': 16,
    ...              'metrics': ['accuracy'], 'seed': None, 'params': {'units': 32, 'act': {'name': 'relu'}}})
    {'optimizer': 'adam', 'optimizer.lr': 0.01, 'batch_size': 16, 'metrics': 'accuracy', 'units': 32, 'act.name': 'relu'}
"""
from __future__ import annotations

import json
from typing import Any

Scalar = str | int | float | bool


def _scalar(value: Any) -> Scalar | None:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _flatten(prefix: str, value: Any, out: dict[str, Scalar]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
        return
    scalar = _scalar(value)
    if scalar is not None:
        out[prefix] = scalar


def flat_params(hyperparams: Any) -> dict[str, Scalar]:
    """The flat ``{dotted key: scalar}`` form of a run's stored hyper-parameters (see the
    module doc); anything but a dict gives ``{}``.

    Example:
        >>> from neural_net.db.run_params import flat_params
        >>> flat_params({'epochs': 5, 'params': {'epochs': 10}})
        {'epochs': 5, 'params.epochs': 10}
    """
    if not isinstance(hyperparams, dict):
        return {}
    out: dict[str, Scalar] = {}
    for key, value in hyperparams.items():
        if key == "params":
            continue
        if key == "optimizer" and isinstance(value, dict) and "name" in value:
            _flatten("optimizer", value.get("name"), out)
            _flatten("optimizer", value.get("config") or {}, out)
            continue
        _flatten(str(key), value, out)
    params = hyperparams.get("params")
    if isinstance(params, dict):
        for key, value in params.items():
            _flatten(f"params.{key}" if str(key) in out else str(key), value, out)
    return out

"""Serialization: configurations ↔ layers, and the safe checkpoint file format.

* :data:`LAYERS` — the one registry of the layer classes a stored configuration may name
  (nothing else is ever built; activations, costs and initialisers are looked up in their
  own registries by name), used by :meth:`Sequential.from_config
  <neural_net.architecture.Sequential.from_config>`, checkpoints and the store's readers.
* :func:`layers_from_config` — the layers of a ``get_config()`` dict with their weights.
* :func:`write_checkpoint` / :func:`read_checkpoint` — a ``.npz`` of plain arrays ``W0, W1, ...``
  and ``config`` (JSON), written atomically, read with ``allow_pickle=False``.

Example:
    >>> from neural_net.serialization import layers_from_config
    >>> [repr(s) for s in layers_from_config({'steps': [{'class': 'Dropout', 'rate': 0.5}]})]
    ['Dropout']
"""
from __future__ import annotations

import json
import os
import tempfile
from typing import Any

import numpy as np

from .init_funcs import from_description
from .layers import Activation, Dropout, Fullyconnected, Layer


#: Layer classes that a stored configuration may name (nothing else is ever built).
LAYERS: dict[str, type[Layer]] = {"Fullyconnected": Fullyconnected, "Activation": Activation, "Dropout": Dropout}


def layer_from_config(config: dict[str, Any], W: np.ndarray | None = None) -> Layer:
    """Rebuild a layer from :meth:`Layer.config` (and its weights), by registered name only.

    Example:
        >>> from neural_net.serialization import layer_from_config
        >>> layer_from_config({'class': 'Activation', 'func': {'name': 'LeakyReLU', 'α': 0.1}}).func.α
        0.1
    """
    cls = config.get("class")
    if cls == "Fullyconnected":
        return Fullyconnected(config["n_in"], config["n_out"], from_description(config.get("init_method", {})), W=W)
    if cls == "Activation":
        f = dict(config["func"])
        return Activation(f.pop("name"), **f)
    if cls == "Dropout":
        return Dropout(config["rate"])
    raise ValueError(f"unknown layer class {cls!r} in stored configuration; known: {sorted(LAYERS)}")


def layers_from_config(config: dict[str, Any], weights: list[np.ndarray] | None = None) -> list[Layer]:
    """The steps of a ``Sequential.get_config()`` dict, each Fullyconnected taking the next
    matrix of ``weights`` when given (registered names only: nothing is executed).

    Example:
        >>> import numpy
        >>> from neural_net.serialization import layers_from_config
        >>> steps = layers_from_config({'steps': [{'class': 'Fullyconnected', 'n_in': 1, 'n_out': 1}]},
        ...                            [numpy.array([[2.0], [0.5]])])
        >>> steps[0].W.ravel().tolist()
        [2.0, 0.5]
    """
    ws = iter(weights or [])
    return [layer_from_config(c, next(ws) if c.get("class") == "Fullyconnected" and weights else None)
            for c in config["steps"]]


def write_checkpoint(path: str, weights: list[np.ndarray], config: dict[str, Any]) -> str:
    """Write ``W0, W1, ...`` and the JSON of ``config`` to the ``.npz`` file ``path`` (``.npz``
    appended when missing) through a temporary file and a rename, so a crash never leaves a
    half-written checkpoint. Returns the path written.

    Example:
        >>> import os, tempfile, numpy
        >>> from neural_net.serialization import read_checkpoint, write_checkpoint
        >>> path = write_checkpoint(os.path.join(tempfile.mkdtemp(), 'w'), [numpy.eye(2)], {'epoch': 3})
        >>> config, weights = read_checkpoint(path); config, weights[0].shape
        ({'epoch': 3}, (2, 2))
    """
    path = os.fspath(path)
    if not path.endswith(".npz"):
        path += ".npz"
    arrays = {f"W{i}": np.ascontiguousarray(W) for i, W in enumerate(weights)}
    arrays["config"] = np.array(json.dumps(config, allow_nan=True))
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".npz.tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def read_checkpoint(path: str) -> tuple[dict[str, Any], list[np.ndarray]]:
    """``(config, weights)`` of a checkpoint written by :func:`write_checkpoint` (no pickle).

    Example:
        >>> import os, tempfile, numpy
        >>> from neural_net.serialization import read_checkpoint
        >>> p = os.path.join(tempfile.mkdtemp(), 'x.npz'); numpy.savez(p, W0=numpy.ones(1))
        >>> read_checkpoint(p)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: load_checkpoint: ... is not a neural_net checkpoint (no 'config' entry)
    """
    with np.load(os.fspath(path), allow_pickle=False) as data:
        if "config" not in data.files:
            raise ValueError(f"load_checkpoint: {path!r} is not a neural_net checkpoint (no 'config' entry)")
        config = json.loads(str(data["config"][()]))
        n = sum(1 for k in data.files if k.startswith("W") and k[1:].isdigit())
        weights = [data[f"W{i}"] for i in range(n)]
    return config, weights

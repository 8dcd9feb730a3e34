r"""Weight initialisers: ``zeros`` and Xavier/He (Glorot) in normal and uniform flavours.

An initialiser is a function ``init(n_in, n_out, biais=True, rng=None)`` returning the
matrix of a fully connected layer, shape ``(n_in + 1, n_out)`` with the bias as last row
(``(n_in, n_out)`` when ``biais=False``). ``rng`` is a ``numpy.random.Generator``; without
it the global ``numpy.random`` state is used, so ``numpy.random.seed`` works as people expect.

Xavier/He, as in the seed tutorial, with :math:`σ = \sqrt{2/(n_{in}+n_{out})}` and
:math:`m = \sqrt{6/(n_{in}+n_{out})}`:

=========  ====================  =========================
activation  Normal: std           Uniform: range [-r, r]
=========  ====================  =========================
Sigmoid     σ                     r = m
Tanh        4σ                    r = 4m
ReLU        √2·σ                  r = √2·m
=========  ====================  =========================

Example:
    >>> from neural_net.init_funcs import zeros, XavierHe
    >>> zeros(2, 1)
    array([[0.],
           [0.],
           [0.]])
    >>> XavierHe("Uniform", "ReLU").init_func(1000, 1, biais=False).shape
    (1000, 1)
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .checks import positive_int

Initializer = Callable[..., np.ndarray]


def _shape(n_in: Any, n_out: Any, biais: bool) -> tuple[int, int]:
    return positive_int(n_in, "n_in") + (1 if biais else 0), positive_int(n_out, "n_out")


def zeros(n_in: int, n_out: int, biais: bool = True, rng: np.random.Generator | None = None) -> np.ndarray:
    """All-zero weights (and bias row), shape ``(n_in + biais, n_out)``.

    Example:
        >>> from neural_net.init_funcs import zeros
        >>> zeros(2, 1, biais=False).shape
        (2, 1)
    """
    return np.zeros(_shape(n_in, n_out, biais))



class XavierHe:
    """Xavier (Glorot) / He initialisation scaled for an activation.

    Args:
        distribution: ``"Normal"`` or ``"Uniform"``.
        activation: ``"Sigmoid"``, ``"Tanh"`` or ``"ReLU"``.

    ``init_func(n_in, n_out, biais=True, rng=None)`` draws the weights (bias row included).

    Example:
        >>> import numpy
        >>> from neural_net.init_funcs import XavierHe
        >>> w = XavierHe("Normal", "Sigmoid").init_func(1000, 1, biais=False, rng=numpy.random.default_rng(0))
        >>> round(float(w.std()), 2)
        0.04
    """

    DISTRIBUTIONS = ("Normal", "Uniform")
    GAINS = {"Sigmoid": 1.0, "Tanh": 4.0, "ReLU": float(np.sqrt(2.0))}

    def __init__(self, distribution: str = "Normal", activation: str = "Sigmoid") -> None:
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(f"distribution must be one of {list(self.DISTRIBUTIONS)}, got {distribution!r}")
        if activation not in self.GAINS:
            raise ValueError(f"activation must be one of {list(self.GAINS)}, got {activation!r}")
        self.distribution = distribution
        self.activation = activation

    def init_func(
        self, n_in: int, n_out: int, biais: bool = True, rng: np.random.Generator | None = None
    ) -> np.ndarray:
        rows, cols = _shape(n_in, n_out, biais)
        gain = self.GAINS[self.activation]
        if self.distribution == "Normal":
            std = gain * np.sqrt(2.0 / (n_in + n_out))
            draw = rng.normal if rng is not None else np.random.normal
            return draw(0.0, std, size=(rows, cols))
        r = gain * np.sqrt(6.0 / (n_in + n_out))
        draw = rng.uniform if rng is not None else np.random.uniform
        return draw(-r, r, size=(rows, cols))

    def config(self) -> dict[str, str]:
        return {"name": "XavierHe", "distribution": self.distribution, "activation": self.activation}

    def __repr__(self) -> str:
        return f"XavierHe({self.distribution!r}, {self.activation!r})"


#: Keras-style names for ``Dense(kernel_initializer=...)``.
NAMED = {
    "zeros": lambda: zeros,
    "glorot_uniform": lambda: XavierHe("Uniform", "Sigmoid").init_func,
    "glorot_normal": lambda: XavierHe("Normal", "Sigmoid").init_func,
    "he_uniform": lambda: XavierHe("Uniform", "ReLU").init_func,
    "he_normal": lambda: XavierHe("Normal", "ReLU").init_func,
}


def describe(init: Initializer) -> dict[str, str]:
    """The JSON-able description of an initialiser (used by the database to rebuild layers).

    Example:
        >>> from neural_net.init_funcs import describe, XavierHe, zeros
        >>> describe(zeros), describe(XavierHe("Uniform", "ReLU").init_func)
        ({'name': 'zeros'}, {'name': 'XavierHe', 'distribution': 'Uniform', 'activation': 'ReLU'})
    """
    owner = getattr(init, "__self__", None)
    if isinstance(owner, XavierHe):
        return owner.config()
    if init is zeros:
        return {"name": "zeros"}
    return {"name": "custom", "repr": getattr(init, "__qualname__", repr(init))}


def from_description(d: dict[str, str]) -> Initializer:
    """Inverse of :func:`describe` (a custom initialiser comes back as ``zeros``: the stored
    weights are what count).

    Example:
        >>> from neural_net.init_funcs import from_description
        >>> from_description({'name': 'XavierHe', 'distribution': 'Normal', 'activation': 'Tanh'}).__self__
        XavierHe('Normal', 'Tanh')
    """
    if d.get("name") == "XavierHe":
        return XavierHe(d["distribution"], d["activation"]).init_func
    return zeros


def get_initializer(init: Any) -> Initializer:
    """Resolve ``kernel_initializer``: a function, or one of :data:`NAMED`.

    Example:
        >>> from neural_net.init_funcs import get_initializer
        >>> get_initializer('he_normal').__self__
        XavierHe('Normal', 'ReLU')
    """
    if callable(init):
        return init
    if isinstance(init, str) and init in NAMED:
        return NAMED[init]()
    raise ValueError(f"kernel_initializer must be a function or one of {sorted(NAMED)}, got {init!r}")

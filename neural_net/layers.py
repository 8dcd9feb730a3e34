r"""Layers: the steps of a :class:`~neural_net.architecture.Sequential`.

* :class:`Fullyconnected` — an affine map holding :class:`~neural_net.activation.Σ`;
* :class:`Activation` — an element-wise (or row-wise) function such as σ or Softmax;
* :class:`Dropout` — inverted dropout, active only while training;
* :class:`Dense` — Keras's fully connected layer with its activation; a Sequential expands it
  into a ``Fullyconnected`` followed by an ``Activation``, so both front doors share one loop.

Every layer mirrors the ``Layer`` table and offers ``forward(X)``/``backward(Δ)``. With
``buffered=True`` (the training loop) they write into buffers kept per batch shape, so an
epoch allocates no large array; called without it, they allocate fresh results.

Example:
    >>> from neural_net.layers import Fullyconnected, Activation
    >>> from neural_net.init_funcs import zeros
    >>> from neural_net.activation import σ
    >>> fc = Fullyconnected(n_in=2, n_out=1, init_method=zeros)
    >>> fc.func.W.shape, repr(Activation(func=σ).func)
    ((3, 1), 'σ')
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

import numpy as np

from .activation import Linear, get_activation
from .linear import Σ
from .neurons import Neurons
from .checks import positive_int
from .init_funcs import describe, get_initializer, zeros
from .mirror import Define


class Layer(Define):
    """Base of every layer (mirrors the ``Layer`` table).

    Example:
        >>> from neural_net.layers import Dropout
        >>> str(Dropout(0.5))
        'Layer'
    """

    table = "Layer"
    func: Neurons
    #: True when a following Activation may overwrite this layer's output in place.
    output_is_scratch = False

    def __init__(self, **attributes: Any) -> None:
        super().__init__(**attributes)
        self._buffers: dict[tuple, dict[str, np.ndarray]] = {}

    @property
    def parameters(self) -> list[np.ndarray]:
        """The arrays that training updates (empty for parameter-free layers)."""
        return []

    def output_width(self, n_in: int) -> int:
        return n_in

    def config(self) -> dict[str, Any]:
        """JSON-able description from which the layer is rebuilt."""
        return {"class": type(self).__name__}

    def buffers(self, X: np.ndarray, **shapes: tuple[int, ...]) -> dict[str, np.ndarray]:
        """Arrays kept for inputs shaped like ``X`` (allocated once per batch shape)."""
        key = (X.shape[0], X.dtype.str)
        b = self._buffers.get(key)
        if b is None:
            if len(self._buffers) >= 4:
                self._buffers.pop(next(iter(self._buffers)))
            b = self._buffers[key] = {k: np.empty(s, X.dtype) for k, s in shapes.items()}
        return b

    def release_buffers(self) -> None:
        self._buffers.clear()


class Fullyconnected(Layer):
    r"""Fully connected layer: :math:`Z = XW + b`, with ``W`` and ``b`` held by its Σ
    (``self.func.W`` of shape ``(n_in + 1, n_out)``, bias last).

    Args:
        n_in: number of inputs; n_out: number of outputs.
        init_method: initialiser ``f(n_in, n_out, biais=True, rng=None)`` (default ``zeros``).

    Example:
        >>> import numpy
        >>> from neural_net.layers import Fullyconnected
        >>> from neural_net.init_funcs import XavierHe
        >>> fc = Fullyconnected(2, 3, XavierHe("Uniform", "ReLU").init_func)
        >>> fc.forward(numpy.ones((4, 2))).shape
        (4, 3)
    """

    output_is_scratch = True

    def __init__(self, n_in: int, n_out: int, init_method: Callable[..., np.ndarray] = zeros,
                 *, W: np.ndarray | None = None, uid: int | None = None, func_uid: int | None = None) -> None:
        n_in, n_out = positive_int(n_in, "n_in"), positive_int(n_out, "n_out")
        if not callable(init_method):
            raise TypeError(f"init_method must be a function (n_in, n_out) -> array, got {init_method!r}")
        super().__init__(uid=uid, n_in=n_in, n_out=n_out, init_method=init_method, func=Σ)
        self.n_in, self.n_out, self.init_method = n_in, n_out, init_method
        if W is None:
            W = np.asarray(init_method(n_in, n_out))
        if W.shape != (n_in + 1, n_out):
            raise ValueError(f"init_method must return shape {(n_in + 1, n_out)}, got {W.shape}")
        self.func = Σ(W.astype(W.dtype if W.dtype.kind == "f" else np.float64), layer=self, uid=func_uid)

    def reinitialize(self, rng: np.random.Generator) -> None:
        """Draw fresh weights from ``init_method`` with the generator ``rng``."""
        try:
            W = self.init_method(self.n_in, self.n_out, rng=rng)
        except TypeError:  # a user's initialiser without rng=
            W = self.init_method(self.n_in, self.n_out)
        self.func.W = np.asarray(W, dtype=self.func.W.dtype)

    @property
    def W(self) -> np.ndarray:
        return self.func.W

    @property
    def parameters(self) -> list[np.ndarray]:
        return [self.func.W]

    def output_width(self, n_in: int) -> int:
        if n_in != self.n_in:
            raise ValueError(f"Fullyconnected expects {self.n_in} inputs, the previous layer gives {n_in}")
        return self.n_out

    def config(self) -> dict[str, Any]:
        return {"class": "Fullyconnected", "n_in": self.n_in, "n_out": self.n_out,
                "init_method": describe(self.init_method)}

    def forward(self, X: np.ndarray, *, training: bool = False, buffered: bool = False,
                inplace: bool = False) -> np.ndarray:
        if not buffered:
            return self.func.compute(X)
        return self.func.compute(X, out=self.buffers(X, out=(X.shape[0], self.n_out))["out"])

    def backward(self, Δ: np.ndarray, *, need_input_grad: bool = True, buffered: bool = False) -> np.ndarray | None:
        if not buffered:
            return self.func.grad(Δ, need_input_grad=need_input_grad)
        b = self.buffers(Δ)  # the forward pass's buffers; the backward ones join them on first use
        if "ones" not in b:
            b["ones"] = np.ones(Δ.shape[0], Δ.dtype)
        if need_input_grad and "din" not in b:
            b["din"] = np.empty((Δ.shape[0], self.n_in), Δ.dtype)
        return self.func.grad(Δ, b.get("din"), need_input_grad=need_input_grad, ones=b["ones"])


class Activation(Layer):
    """Activation layer applying ``func`` (a class or name from :mod:`neural_net.activation`).

    Extra arguments build the function: ``Activation(LeakyReLU, 0.1)`` or
    ``Activation(ELU, α=0.5)``.

    Example:
        >>> import numpy
        >>> from neural_net.layers import Activation
        >>> from neural_net.activation import ReLU
        >>> Activation(ReLU).forward(numpy.array([[-1.0, 1.0]]))
        array([[0., 1.]])
    """

    def __init__(self, func: Any = Linear, *kargs: Any, uid: int | None = None,
                 func_uid: int | None = None, **kwargs: Any) -> None:
        cls = get_activation(func)
        super().__init__(uid=uid, func=cls, kargs=kargs)
        self.func = cls(*kargs, layer=self, uid=func_uid, **kwargs)

    def config(self) -> dict[str, Any]:
        return {"class": "Activation", "func": self.func.config()}

    def forward(self, X: np.ndarray, *, training: bool = False, buffered: bool = False,
                inplace: bool = False) -> np.ndarray:
        if buffered:
            out = X if inplace else self.buffers(X, out=X.shape)["out"]
            return self.func.compute(X, out=out)
        return self.func.compute(X)

    def backward(self, Δ: np.ndarray, *, need_input_grad: bool = True, buffered: bool = False) -> np.ndarray:
        return self.func.grad(Δ, out=Δ if buffered else None)


class Dropout(Layer):
    r"""Inverted dropout: while training, zero each input with probability ``rate`` and
    scale the rest by :math:`1/(1-\text{rate})`; the identity in ``predict``/``evaluate``.

    Example:
        >>> import numpy
        >>> from neural_net.layers import Dropout
        >>> d = Dropout(0.5)
        >>> d.forward(numpy.ones((2, 2)))   # not training: unchanged
        array([[1., 1.],
               [1., 1.]])
    """

    def __init__(self, rate: float, *, uid: int | None = None) -> None:
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(f"rate must be a number in [0, 1), got {rate!r}")
        super().__init__(uid=uid, rate=float(rate))
        self.rate = float(rate)
        self.func = Linear(layer=self)
        self.rng = np.random.default_rng()
        self._mask: np.ndarray | None = None

    def config(self) -> dict[str, Any]:
        return {"class": "Dropout", "rate": self.rate}

    def forward(self, X: np.ndarray, *, training: bool = False, buffered: bool = False,
                inplace: bool = False) -> np.ndarray:
        if not training or self.rate == 0:
            self._mask = None
            return X
        b = self.buffers(X, out=X.shape, mask=X.shape) if buffered else {
            "out": np.empty_like(X), "mask": np.empty_like(X)}
        mask = b["mask"]
        self.rng.random(out=mask, dtype=mask.dtype)
        np.greater_equal(mask, self.rate, out=mask, casting="unsafe")
        mask *= 1.0 / (1.0 - self.rate)
        self._mask = mask
        return np.multiply(X, mask, out=b["out"])

    def backward(self, Δ: np.ndarray, *, need_input_grad: bool = True, buffered: bool = False) -> np.ndarray:
        if self._mask is None:
            return Δ
        return np.multiply(Δ, self._mask, out=Δ if buffered else None)


class Dense:
    """Keras-style fully connected layer with its activation (expanded by Sequential).

    Args:
        units: number of outputs.
        activation: ``None`` (linear), a name (``'sigmoid'``, ``'tanh'``, ``'relu'``,
            ``'leaky_relu'``, ``'elu'``, ``'softmax'``) or an activation class.
        input_dim: number of inputs; needed on the first layer only.
        kernel_initializer: a name (``'glorot_uniform'``, ``'he_normal'``, ...) or a function;
            by default He-uniform for the ReLU family and Glorot-uniform otherwise. The bias
            starts at zero.
        **activation_kwargs: passed on to the activation (``alpha=0.3`` or ``α=0.3`` for
            ``'leaky_relu'``); an argument the activation does not take is a TypeError.

    Example:
        >>> from neural_net.architecture import Sequential
        >>> from neural_net.layers import Dense
        >>> model = Sequential([Dense(4, activation='relu', input_dim=2), Dense(1, activation='sigmoid')])
        >>> [repr(s) for s in model]
        ['Fullyconnected', 'Activation', 'Fullyconnected', 'Activation']
    """

    def __init__(self, units: int, activation: Any = None, input_dim: int | None = None,
                 kernel_initializer: Any = None, **activation_kwargs: Any) -> None:
        self.units = positive_int(units, "units")
        self.input_dim = None if input_dim is None else positive_int(input_dim, "input_dim")
        self.activation = None if activation is None else get_activation(activation)
        if activation_kwargs:  # passed on to the activation, checked now: never dropped
            if self.activation is None:
                raise TypeError(f"Dense: unknown keyword arguments {sorted(activation_kwargs)} "
                                "(a layer without activation takes none)")
            self.activation(**activation_kwargs)
        self.activation_kwargs = activation_kwargs
        if kernel_initializer is None:
            relu_family = self.activation is not None and self.activation.__name__ in ("ReLU", "LeakyReLU", "ELU")
            kernel_initializer = "he_uniform" if relu_family else "glorot_uniform"
        self.kernel_initializer = get_initializer(kernel_initializer)

    def expand(self, n_in: int | None) -> list[Layer]:
        """The ``Fullyconnected`` (+ ``Activation``) steps for ``n_in`` inputs."""
        n_in = self.input_dim if self.input_dim is not None else n_in
        if n_in is None:
            raise ValueError("Dense: the first layer needs input_dim= (the number of input columns)")
        init = self.kernel_initializer

        def kernel(n_i: int, n_o: int, biais: bool = True, rng: np.random.Generator | None = None) -> np.ndarray:
            W = init(n_i, n_o, biais=biais, rng=rng) if rng is not None else init(n_i, n_o, biais=biais)
            if biais:
                W[-1] = 0
            return W

        kernel.__self__ = getattr(init, "__self__", None)  # type: ignore[attr-defined]
        steps: list[Layer] = [Fullyconnected(n_in, self.units, kernel)]
        if self.activation is not None:
            steps.append(Activation(self.activation, **self.activation_kwargs))
        return steps

    def __repr__(self) -> str:
        act = self.activation.__name__ if self.activation else None
        return f"Dense({self.units}, activation={act!r})"


def expand_steps(steps: Iterable[Any]) -> list[Layer]:
    """The layers of a network from its ``steps`` (a Dense becomes Fullyconnected + Activation),
    checking that each Fullyconnected takes the width the previous one gives.

    Example:
        >>> from neural_net.layers import Dense, expand_steps
        >>> [repr(s) for s in expand_steps([Dense(3, 'relu', input_dim=2), Dense(1)])]
        ['Fullyconnected', 'Activation', 'Fullyconnected']
    """
    if isinstance(steps, (str, bytes)) or not isinstance(steps, Iterable):
        raise TypeError(f"steps must be a list of layers, got {type(steps).__name__}")
    layers: list[Layer] = []
    width: int | None = None
    for i, step in enumerate(steps):
        if isinstance(step, Dense):
            new = step.expand(width)
        elif isinstance(step, Layer):
            new = [step]
        else:
            raise TypeError(f"steps[{i}] must be a layer (Fullyconnected, Activation, Dropout, Dense), "
                            f"got {step!r}")
        for layer in new:
            if isinstance(layer, Fullyconnected):
                if width is not None and layer.n_in != width:
                    raise ValueError(f"steps[{i}] expects {layer.n_in} inputs but the previous layer "
                                     f"gives {width}")
                width = layer.n_out
        layers.extend(new)
    if not layers:
        raise ValueError("steps must hold at least one layer, got an empty list")
    return layers

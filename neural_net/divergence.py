"""What the training loop does when the loss stops being a finite number.

By default (``on_nonfinite="raise"`` in ``train``/``fit``) the loop stops at the first epoch
whose loss is NaN or infinite, puts back the weights of the last finite epoch and raises
:class:`TrainingDiverged` naming that epoch and the last finite loss; a stored run is then
marked ``'diverged'`` with that message and its final snapshot holds those weights. A
callback that handles non-finite losses itself (``handles_nonfinite = True``, as
:class:`~neural_net.callbacks.TerminateOnNaN`) lets the epoch end as before; the last finite
weights are still put back when training ends on a non-finite loss.
``on_nonfinite="continue"`` trains on, as the library did before.

The last finite weights live in buffers allocated once per training call
(:class:`FiniteWeights`): an epoch copies into them, it allocates nothing.

Example:
    >>> import numpy
    >>> from neural_net.divergence import FiniteWeights
    >>> W = numpy.ones((2, 2)); keep = FiniteWeights([W])
    >>> keep.save(1, 0.5); W[...] = numpy.nan; keep.restore(); W.tolist(), keep.epoch, keep.loss
    ([[1.0, 1.0], [1.0, 1.0]], 1, 0.5)
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

#: Values of ``on_nonfinite``.
POLICIES = ("raise", "continue")


def check_policy(value: Any) -> str:
    """``value`` if it is one of :data:`POLICIES`, else a ValueError naming ``on_nonfinite``.

    Example:
        >>> from neural_net.divergence import check_policy
        >>> check_policy("continue")
        'continue'
    """
    if not isinstance(value, str) or value not in POLICIES:
        raise ValueError(f"on_nonfinite must be one of {list(POLICIES)}, got {value!r}")
    return value


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite; the model holds the weights of ``last_epoch``.

    Attributes:
        epoch: the epoch whose loss was not finite; loss: that loss;
        last_epoch, last_loss: the last epoch with a finite loss and its loss (``None``
        when the first epoch already diverged: the weights are those training started from).
        run_status: ``'diverged'``, the status a store records.

    Example:
        >>> from neural_net.divergence import TrainingDiverged
        >>> str(TrainingDiverged(13, float('nan'), 12, 0.25))
        'training diverged at epoch 13: the loss is nan; the last finite loss was 0.25 at epoch 12, whose weights the model keeps (pass on_nonfinite="continue" to train on)'
    """

    run_status = "diverged"

    def __init__(self, epoch: int, loss: float, last_epoch: int | None, last_loss: float | None) -> None:
        self.epoch, self.loss, self.last_epoch, self.last_loss = epoch, loss, last_epoch, last_loss
        if last_loss is None:
            before = "no epoch had a finite loss; the model keeps the weights training started from"
        else:
            before = f"the last finite loss was {last_loss:.6g} at epoch {last_epoch}, whose weights the model keeps"
        super().__init__(f"training diverged at epoch {epoch}: the loss is {loss}; {before} "
                         f'(pass on_nonfinite="continue" to train on)')


class FiniteWeights:
    """Copies of the weight matrices at the last epoch whose loss was finite, in buffers
    allocated once (``save`` copies into them, ``restore`` copies back).

    Example:
        >>> import numpy
        >>> from neural_net.divergence import FiniteWeights
        >>> keep = FiniteWeights([numpy.zeros(3, numpy.float32)]); keep.buffers[0].dtype
        dtype('float32')
    """

    def __init__(self, weights: list[np.ndarray]) -> None:
        self.weights = weights
        self.buffers = [np.array(W, copy=True) for W in weights]  # the weights training starts from
        self.epoch: int | None = None
        self.loss: float | None = None

    def save(self, epoch: int, loss: float) -> None:
        for buf, W in zip(self.buffers, self.weights):
            np.copyto(buf, W)
        self.epoch, self.loss = epoch, float(loss)

    def restore(self) -> None:
        for buf, W in zip(self.buffers, self.weights):
            np.copyto(W, buf)

    def diverged(self, epoch: int, loss: float) -> TrainingDiverged:
        """Put the last finite weights back and return the error to raise."""
        self.restore()
        return TrainingDiverged(epoch, loss, self.epoch, self.loss)


def finite(loss: float) -> bool:
    """Whether an epoch's loss is a finite number.

    Example:
        >>> from neural_net.divergence import finite
        >>> finite(0.5), finite(float('inf'))
        (True, False)
    """
    return math.isfinite(loss)

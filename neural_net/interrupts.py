"""SIGTERM during training ends it the way Ctrl-C does: through the callbacks' ``on_train_failed``.

By default a SIGTERM (``kill PID``, a scheduler's time limit, ``docker stop``) ends the process
at once, so a stored run keeps only the snapshots it had committed. While a training loop
runs in the main thread, :func:`sigterm_as_exit` turns the signal into ``SystemExit(143)``
(128 + 15, the shell's code for a SIGTERM death): callbacks see it in ``on_train_failed``
(the store writes a final snapshot and marks the run ``'interrupted'``), then the exit goes
on. A handler the program installed itself is left alone, and the previous handler is put
back when training ends.

Example:
    >>> import signal
    >>> from neural_net.interrupts import sigterm_as_exit
    >>> with sigterm_as_exit():
    ...     signal.getsignal(signal.SIGTERM).__name__
    '_exit_on_sigterm'
    >>> signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    True
"""
from __future__ import annotations

import contextlib
import signal
import threading
from typing import Any, Iterator


def _exit_on_sigterm(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """Within the block, SIGTERM raises ``SystemExit(143)`` (main thread, default handler only)."""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

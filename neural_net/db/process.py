"""Who is writing a run: pid, host name and a start token, and whether that process still lives.

A run whose status is ``'running'`` was left so by a process killed without warning (SIGKILL,
power loss). Readers report it as ``'interrupted'`` when its writer is known to be gone: on
this host, its pid is no longer alive, or the pid now belongs to another process (the
*process token*, ``<boot id>:<start time>`` read from ``/proc`` on Linux, differs). A run
written on another host is reported ``'interrupted'`` only when its heartbeat
(``Architecture.updated_at``, refreshed every epoch) is older than the ``stale_after``
seconds the reader passes.

Example:
    >>> import os
    >>> from neural_net.db.process import identity, is_alive
    >>> pid, host, token = identity()
    >>> pid == os.getpid(), is_alive(pid, token)
    (True, True)
"""
from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from functools import lru_cache

from .clock import as_utc


@lru_cache(maxsize=1)
def _boot_id() -> str | None:
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip()
    except OSError:
        return None


def process_token(pid: int) -> str | None:
    """``<boot id>:<start time in clock ticks>`` of process ``pid`` (Linux), else None.

    Example:
        >>> import os
        >>> from neural_net.db.process import process_token
        >>> process_token(os.getpid()) == process_token(os.getpid())
        True
    """
    boot = _boot_id()
    if boot is None:
        return None
    try:
        with open(f"/proc/{int(pid)}/stat") as f:
            data = f.read()
        start = data[data.rindex(")") + 2:].split()[19]
    except (OSError, ValueError, IndexError):
        return None
    return f"{boot}:{start}"


def hostname() -> str:
    """This machine's host name (as stored in ``Architecture.hostname``).

    Example:
        >>> import socket
        >>> from neural_net.db.process import hostname
        >>> hostname() == socket.gethostname()
        True
    """
    return socket.gethostname()


def identity() -> tuple[int, str, str | None]:
    """``(pid, hostname, process_token)`` of the current process.

    Example:
        >>> import os
        >>> from neural_net.db.process import identity
        >>> identity()[0] == os.getpid()
        True
    """
    pid = os.getpid()
    return pid, hostname(), _own_token(pid)


@lru_cache(maxsize=4)
def _own_token(pid: int) -> str | None:
    """:func:`process_token` of this process, whose pid is ``pid`` (read once: it does not
    change while the process lives; a forked child has a pid of its own)."""
    return process_token(pid)


def is_alive(pid: int | None, token: str | None = None) -> bool:
    """Whether process ``pid`` on this host is alive (and, when ``token`` is given and can be
    checked, is the same process that wrote it).

    Example:
        >>> from neural_net.db.process import is_alive
        >>> is_alive(2**22 + 12345)
        False
    """
    if pid is None or int(pid) <= 0:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, owned by someone else
    except (OSError, OverflowError):
        return False
    if token:
        current = process_token(int(pid))
        if current is not None and current != token:
            return False  # the pid was reused by another process
    return True


def effective_status(status: str | None, pid: int | None, host: str | None, token: str | None,
                     heartbeat: datetime | None, now: datetime, stale_after: float | None = None) -> str | None:
    """The status a reader should show: ``'interrupted'`` for a ``'running'`` run whose writer
    is gone (see the module doc), else ``status`` unchanged.

    Example:
        >>> from datetime import datetime
        >>> from neural_net.db.process import effective_status, hostname
        >>> now = datetime(2024, 3, 4, 18, 0)
        >>> effective_status('running', 2**22 + 12345, hostname(), None, now, now)
        'interrupted'
        >>> effective_status('finished', None, None, None, now, now)
        'finished'
    """
    if status != "running":
        return status
    if host is not None and host == hostname():
        return status if is_alive(pid, token) else "interrupted"
    if stale_after is not None and heartbeat is not None and as_utc(now) - as_utc(heartbeat) > timedelta(seconds=stale_after):
        return "interrupted"
    return status

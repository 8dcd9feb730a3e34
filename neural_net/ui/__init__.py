"""neural_net.ui — a local dashboard of the runs a store holds (``neural-net ui``).

Pages: the runs table (sort, filter, pages, CSV, select to compare), one run (parameters,
lineage, architecture, curves, weight histograms and heat maps, the SQL of each chart),
compare (overlaid curves, mean ± spread by a parameter, parallel coordinates, scatter,
parameter differences) and live (curves that grow while a run trains in another process).

It needs the ``ui`` extra (``pip install 'neural-net-numpy[ui]'``: Starlette, uvicorn,
Jinja2). It is offline: Plotly.js is served from this package (``static/plotly.min.js``;
its 1.5 MB cartesian bundle ``static/plotly-cartesian.min.js`` on the pages that need no
parallel coordinates; MIT licence in ``static/PLOTLY-LICENSE.txt``); the server binds 127.0.0.1 unless told
otherwise and only reads (SQLite files are opened ``mode=ro``).

From Python::

    import neural_net.ui
    neural_net.ui.serve("run/")                # blocks until Ctrl-C, like `neural-net ui run/`
    dash = neural_net.ui.serve("run/", block=False); dash.url; dash.stop()
    neural_net.ui.notebook("run/")             # an IFrame in Jupyter (server in a thread)

Example:
    >>> import tempfile, urllib.request
    >>> import neural_net.ui
    >>> dash = neural_net.ui.serve(tempfile.mkdtemp(), port=0, block=False)
    >>> urllib.request.urlopen(dash.url).status
    200
    >>> dash.stop()
"""
from __future__ import annotations

import socket
import threading
import time
import webbrowser
from typing import Any

__all__ = ["serve", "notebook", "Dashboard", "DEFAULT_HOST", "DEFAULT_PORT"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5150


class Dashboard:
    """A dashboard server running in a background thread: ``url``, ``stop()``.

    Example:
        >>> import tempfile
        >>> from neural_net.ui import serve
        >>> dash = serve(tempfile.mkdtemp(), port=0, block=False)
        >>> dash.url.startswith("http://127.0.0.1:"), dash.running
        (True, True)
        >>> dash.stop(); dash.running
        False
    """

    def __init__(self, server: Any, thread: threading.Thread, url: str) -> None:
        self.server, self.thread, self.url = server, thread, url

    @property
    def running(self) -> bool:
        """True while the server thread serves."""
        return self.thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for the thread to end."""
        self.server.should_exit = True
        self.thread.join(timeout)

    def __repr__(self) -> str:
        return f"Dashboard({self.url}, {'running' if self.running else 'stopped'})"


def _bind(host: str, port: int) -> socket.socket:
    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
        raise ValueError(f"port must be an integer from 0 to 65535, got {port!r}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {e.strerror or e} (choose another --port)") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(source: Any, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, open_browser: bool = False,
          block: bool = True, poll_ms: int = 1000, quiet: bool = True,
          announce: Any = None) -> Dashboard | None:
    """Serve the dashboard of ``source`` (a run directory, a ``.db`` file or a SQLAlchemy URL)
    on ``http://host:port/`` (``port=0``: a free port).

    With ``block`` (the default) it serves until Ctrl-C and returns None; otherwise it serves
    in a background thread and returns a :class:`Dashboard` (``.url``, ``.stop()``).
    ``announce(url)`` is called once the address is bound (the command prints it).

    Example:
        >>> import tempfile
        >>> from neural_net.ui import serve
        >>> dash = serve(tempfile.mkdtemp(), port=0, block=False); dash.stop()
    """
    import uvicorn

    from .app import create_app

    app = create_app(source, poll_ms=poll_ms, warm=True)
    sock = _bind(host, port)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{bound}/"
    if announce is not None:
        announce(url)
    config = uvicorn.Config(app, log_level="warning" if quiet else "info", access_log=not quiet, lifespan="off")
    server = uvicorn.Server(config)
    if block:
        if open_browser:
            threading.Timer(0.5, webbrowser.open, args=(url,)).start()
        try:
            server.run(sockets=[sock])
        finally:
            sock.close()
        return None
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="neural_net.ui", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    if open_browser:
        webbrowser.open(url)
    return Dashboard(server, thread, url)


def notebook(source: Any, *, port: int = 0, height: int = 700, host: str = DEFAULT_HOST) -> Any:
    """Show the dashboard inside a Jupyter notebook: the server runs in a thread of the
    kernel and an ``IPython.display.IFrame`` shows it (the :class:`Dashboard` is its
    ``.dashboard`` attribute, to ``stop()`` it).

    Example:
        >>> import tempfile
        >>> from neural_net.ui import notebook
        >>> frame = notebook(tempfile.mkdtemp())
        >>> frame.src.startswith("http://127.0.0.1:"); frame.dashboard.stop()
        True
    """
    from IPython.display import IFrame

    dash = serve(source, host=host, port=port, block=False)
    assert dash is not None
    frame = IFrame(dash.url, width="100%", height=height)
    frame.dashboard = dash  # type: ignore[attr-defined]
    return frame

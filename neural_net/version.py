"""The library's version: the one place it is written (``pyproject.toml`` reads it from here
when the package is built, so the installed distribution ``neural-net-numpy`` has the same).
A constant, not a lookup of the installed distribution's metadata: ``importlib.metadata``
costs 40-100 ms of every command's start-up.

Example:
    >>> from neural_net.version import __version__
    >>> isinstance(__version__, str)
    True
"""
__version__ = "0.2.0"

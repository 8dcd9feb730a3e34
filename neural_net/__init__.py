"""neural_net: a numpy neural-network library whose models, weights and per-epoch training
history can be committed to a SQL database (SQLite by default, any SQLAlchemy URL).

Example:
    >>> import neural_net
    >>> isinstance(neural_net.__version__, str)
    True
"""
from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("neural-net-numpy")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.2.0"

from . import db  # noqa: E402,F401  (registers the database store; imports no SQLAlchemy)

"""neural_net: a numpy neural-network library whose models, weights and per-epoch training
history can be committed to a SQL database (SQLite by default, any SQLAlchemy URL).

Example:
    >>> import neural_net
    >>> isinstance(neural_net.__version__, str)
    True
"""
from .version import __version__  # noqa: F401

from . import db  # noqa: E402,F401  (registers the database store; imports no SQLAlchemy)

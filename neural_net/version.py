"""The library's version, read from the installed distribution (``neural-net-numpy``).

Example:
    >>> from neural_net.version import __version__
    >>> isinstance(__version__, str)
    True
"""
from importlib.metadata import PackageNotFoundError, version as _distribution_version

try:
    __version__ = _distribution_version("neural-net-numpy")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.2.0"

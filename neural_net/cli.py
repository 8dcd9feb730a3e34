"""The ``neural-net`` command (also ``python -m neural_net``).

Sub-commands:

* ``neural-net demo`` — train a small network on the embedded iris data and print its history.

Example:
    >>> from neural_net.cli import main
    >>> main(["demo", "--epochs", "5", "--quiet"])
    0
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence


def _demo(args: argparse.Namespace) -> int:
    from .activation import ReLU, Softmax
    from .architecture import Sequential
    from .cost import CrossEntropy
    from .init_funcs import XavierHe, zeros
    from .layers import Activation, Fullyconnected
    from .metrics import accuracy
    from .pipeline import onehot, scaler
    from .utils import IrisDatasetDownloader

    iris = IrisDatasetDownloader()
    iris.load_dataset()
    X, y = scaler(iris.data), onehot(iris.target)
    net = Sequential([Fullyconnected(4, 16, XavierHe("Uniform", "ReLU").init_func), Activation(ReLU),
                      Fullyconnected(16, 3, zeros), Activation(Softmax)], CrossEntropy,
                     store=args.store or False, seed=0, name="iris-demo")
    net.train(X, y, epochs=args.epochs, α=0.5, metrics=accuracy, verbose=not args.quiet)
    acc = accuracy().compute(y, net.predict(X))
    if not args.quiet:
        print(f"iris: {args.epochs} epochs, final loss {net.history.history['loss'][-1]:.4f}, accuracy {acc:.3f}")
        if net.store is not None:
            print(f"stored in {net.db_path} as run {net['id']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``neural-net`` (sub-commands register themselves here)."""
    parser = argparse.ArgumentParser(prog="neural-net", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="train a small network on the embedded iris data")
    demo.add_argument("--epochs", type=int, default=300)
    demo.add_argument("--store", nargs="?", const=True, default=None,
                      help="store the run (optionally: a directory or SQLAlchemy URL)")
    demo.add_argument("--quiet", action="store_true")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

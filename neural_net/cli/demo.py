"""``neural-net demo``: train a small network on the embedded iris data, store it, say what to try next."""
from __future__ import annotations

import argparse

from .exit_codes import OK
from .output import display_url


def command_demo(args: argparse.Namespace) -> int:
    """``neural-net demo``: train a 4-16-3 network on the embedded iris data, store the run
    (unless ``--no-store``) and print the commands to try next; returns 0.

    Example:
        >>> from neural_net.cli import build_parser
        >>> from neural_net.cli.demo import command_demo
        >>> command_demo(build_parser().parse_args(["demo", "--epochs", "5", "--no-store"]))  # doctest: +ELLIPSIS
        iris: 5 epochs, final loss ..., accuracy ...
        0
    """
    from ..activation import ReLU, Softmax
    from ..architecture import Sequential
    from ..cost import CrossEntropy
    from ..init_funcs import XavierHe, zeros
    from ..layers import Activation, Fullyconnected
    from ..metrics import accuracy
    from ..pipeline import onehot, scaler
    from ..utils import IrisDatasetDownloader

    iris = IrisDatasetDownloader()
    iris.load_dataset()
    X, y = scaler(iris.data), onehot(iris.target)
    net = Sequential([Fullyconnected(4, 16, XavierHe("Uniform", "ReLU").init_func), Activation(ReLU),
                      Fullyconnected(16, 3, zeros), Activation(Softmax)], CrossEntropy,
                     store=False if args.no_store else (args.store or True), seed=0, name="iris-demo")
    net.train(X, y, epochs=args.epochs, α=0.5, metrics=accuracy, verbose=not args.quiet)
    acc = accuracy().compute(y, net.predict(X))
    if not args.quiet:
        print(f"iris: {args.epochs} epochs, final loss {net.history.history['loss'][-1]:.4f}, accuracy {acc:.3f}")
    if net.store is not None:
        net.store.close()
        print(next_commands(net.db_path, net["id"]))
    return OK


def next_commands(url: str, run_id: int) -> str:
    """What the demo prints after storing its run: where it is and the commands to try next.

    Example:
        >>> from neural_net.cli import next_commands
        >>> print(next_commands("sqlite:////tmp/run/model1.db", 42))  # doctest: +ELLIPSIS
        stored as run 42 in /tmp/run/model1.db; next, try:
          neural-net runs /tmp/run/model1.db
          neural-net show 42 --from /tmp/run/model1.db
        ...
    """
    where = display_url(url)
    quoted = f"'{where}'" if any(ch in where for ch in " ?&;*#$") else where
    sql = f"SELECT epoch, value AS loss FROM history WHERE Architecture_id = {run_id} AND split = 'train' AND name = 'loss'"
    lines = [f"stored as run {run_id} in {where}; next, try:",
             f"  neural-net runs {quoted}",
             f"  neural-net show {run_id} --from {quoted}",
             f"  neural-net history {run_id} --from {quoted}",
             f"  neural-net ui {quoted}                  # the dashboard (ui extra)"]
    if url.startswith("sqlite:///"):
        lines.append(f'  sqlite3 {quoted} "{sql}"')
    else:
        lines.append(f"  SQL: {sql}")
    lines.append(f'  python -c "import neural_net.db as db; print(db.open_run({where!r}, {run_id}).history())"')
    return "\n".join(lines)

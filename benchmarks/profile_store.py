"""Profile of the stored W3 ensemble run (issue 16's store overhead): cProfile of
``bench_ensemble.run_ensemble`` with every member stored in one SQLite file.

Run from the repository root: ``PYTHONPATH=. python benchmarks/profile_store.py [epochs] [top]``
"""
from __future__ import annotations

import cProfile
import pstats
import sys
import tempfile

from benchmarks.bench_ensemble import builder, iris, members, run_ensemble


def main(epochs: int = 40, top: int = 35) -> None:
    X, y = iris()
    build = builder([4, 16, 3], "relu", "softmax", "categorical_crossentropy")
    lrs = [0.01 * (k + 1) for k in range(32)]
    prof = cProfile.Profile()
    with tempfile.TemporaryDirectory() as d:
        prof.enable()
        out = run_ensemble(members(build, lrs, [0, 1, 2, 3]), X, y, epochs, 16, store_dir=d)
        prof.disable()
    print(out)
    pstats.Stats(prof).sort_stats("cumulative").print_stats(top)
    pstats.Stats(prof).sort_stats("tottime").print_stats(top)


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
